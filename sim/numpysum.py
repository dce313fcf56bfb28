"""numpy's summation of a float64 array, in Python floats: the same additions in the same order.

The Sense sums a few units' fighters in plain Python where numpy would cost more than the sum;
``numpy_sum`` keeps the result bit for bit numpy's (tests/test_small_paths.py compares them).
"""

from __future__ import annotations

__all__ = ["PAIRWISE_BLOCK", "SEQUENTIAL_SUM", "numpy_sum"]

SEQUENTIAL_SUM = 8  # numpy sums arrays shorter than this one element after the other
PAIRWISE_BLOCK = 128  # numpy's pairwise summation splits arrays longer than this in two


def numpy_sum(values: list[float]) -> float:
    """``float(np.array(values).sum())`` in Python floats: the same additions in the same order.

    numpy's ``add.reduce`` of a contiguous float64 array adds its pairwise sum to 0.0. The
    pairwise sum of fewer than ``SEQUENTIAL_SUM`` numbers adds them one after the other from
    0.0; of up to ``PAIRWISE_BLOCK``, it keeps eight running sums (the first eight numbers,
    each then adding every eighth number after it), adds them as ``((r0 + r1) + (r2 + r3)) +
    ((r4 + r5) + (r6 + r7))`` and then the last ``n % 8`` numbers one by one; a longer array
    is split at half its length rounded down to a multiple of eight, each part summed so.
    tests/test_small_paths.py compares it with numpy on random arrays of 0 to 400 numbers.
    """
    return 0.0 + _pairwise(values, 0, len(values))


def _pairwise(a: list[float], lo: int, n: int) -> float:
    """The pairwise sum of numpy (``pairwise_sum``) of ``a[lo:lo + n]``."""
    if n < SEQUENTIAL_SUM:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= PAIRWISE_BLOCK:
        r0, r1, r2, r3, r4, r5, r6, r7 = a[lo:lo + 8]
        end = lo + n - n % 8
        for j in range(lo + 8, end, 8):
            r0 += a[j]
            r1 += a[j + 1]
            r2 += a[j + 2]
            r3 += a[j + 3]
            r4 += a[j + 4]
            r5 += a[j + 5]
            r6 += a[j + 6]
            r7 += a[j + 7]
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for i in range(end, lo + n):
            res += a[i]
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(a, lo, n2) + _pairwise(a, lo + n2, n - n2)
