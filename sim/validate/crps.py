"""The continuous ranked probability score (CRPS) of an ensemble of days, with a tolerance.

The CRPS compares the empirical distribution function ``F`` of a sample with an observation
``y``: ``CRPS = integral of (F(x) - 1{x >= y})^2 dx``; in days, and 0 only when every member
equals ``y``. It equals the mean absolute error of a deterministic forecast, and for an
ensemble ``E|X - y| - E|X - X'| / 2`` (the sum over all pairs divided by ``m^2``).

An observation known only to within ``[a, b]`` (a date +- its uncertainty) is scored with the
integrand set to zero inside the window: ``integral_{x<a} F(x)^2 dx + integral_{x>=b}
(1 - F(x))^2 dx``, which is 0 when every member falls in the window and equals the CRPS when
``a == b``.

Examples:
    >>> crps([1, 3], 2)
    0.5
    >>> crps_window([1, 3], 2, 2)
    0.5
    >>> crps_window([4, 8], 5, 7)  # half a day's square error either side of the window
    0.5
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["crps", "crps_window"]


def crps(sample: Sequence[float] | npt.NDArray[np.floating], y: float) -> float:
    """The CRPS of a sample against ``y``, by the pairwise form ``E|X-y| - E|X-X'|/2``.

    Raises:
        ValueError: the sample is empty.
    """
    x = np.asarray(sample, dtype=float)
    if x.size == 0:
        raise ValueError("the sample is empty")
    return float(np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean())


def crps_window(sample: Sequence[float] | npt.NDArray[np.floating], a: float, b: float) -> float:
    """The CRPS of a sample against an observation known to lie in ``[a, b]``.

    Computed exactly from the step function ``F``: ``F = k/m`` between the ``k``-th and
    ``k+1``-th smallest members.

    Raises:
        ValueError: the sample is empty, or ``a > b``.
    """
    x = np.sort(np.asarray(sample, dtype=float))
    m = x.size
    if m == 0:
        raise ValueError("the sample is empty")
    if a > b:
        raise ValueError(f"the window's start {a} is after its end {b}")
    lo = np.concatenate(([-np.inf], x))  # F = k/m on [lo[k], hi[k])
    hi = np.concatenate((x, [np.inf]))
    level = np.arange(m + 1) / m
    below = np.clip(np.minimum(hi, a) - lo, 0.0, None)  # length of [lo, hi) left of a
    above = np.clip(hi - np.maximum(lo, b), 0.0, None)  # length of [lo, hi) right of b
    below[0] = 0.0  # F = 0 there: no contribution, and avoids inf * 0
    above[-1] = 0.0  # F = 1 there
    return float((level**2 * below).sum() + ((1 - level) ** 2 * above).sum())
