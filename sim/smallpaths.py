"""Route searches of small maps in plain Python, with scipy's distances and next hops.

On a map of tens of towns ``World.field``'s scipy search costs ~300 us, nearly all of it
building the arrays and the sparse matrix and crossing into scipy; the search itself is a
few dozen heap operations. ``SmallPaths.search`` is Dijkstra's with ``heapq`` on adjacency
lists built once per map, over the same graph: ``adj_eff``'s entries (kept where both ends
are in ``mask`` and the highway is in ``edge_open``) plus a super-source joined to each
target by its weight in ``World``'s ``_source_row`` (offset + 1e-9, a twice-listed target's
weights summed).

Why the answer is scipy's, bit for bit (``tests/test_small_search.py`` checks it):

* Distances. Each is ``d(u) + w`` in doubles, the same additions as scipy's loop. Float
  addition is monotone, so Dijkstra's with positive weights finds, in any scan order, the
  least over paths of the path's left-to-right float sum: order does not matter.
* Next hops. scipy relaxes with a strict ``<`` (a town's predecessor is set when it enters the
  heap and replaced only by a strictly smaller distance) and scans towns in order of
  distance; so ``v``'s predecessor is, among the towns ``u`` with ``d(u) + w == d(v)``, the
  one scanned first, i.e. the one of least ``d(u)``. Only when two such towns have the same
  ``d(u)`` does the order of the heap among equal keys decide (scipy's Fibonacci heap and
  ``heapq`` differ there). This search detects exactly that: when ``u`` offers ``v`` the
  distance ``v`` already holds and ``v``'s current predecessor has ``u``'s distance, the
  answer could depend on the heap, and ``search`` returns None (the caller runs scipy).
  An offer equal to ``d(v)`` from a town of smaller ``d`` than the predecessor cannot come
  later (scans go by distance), so every tie that could matter is seen.
* ``v``'s candidates must all be scanned before ``v``: true when no weight vanishes in a sum
  (``d + w > d``), checked per search with the largest distance a search can reach (the
  sources' heaviest weight plus all the roads once, as ``sim.fieldorder`` does). Weights must
  also be finite and positive (scipy inserts infinite offers, whose scan order is the heap's):
  otherwise ``search`` returns None too.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

__all__ = ["SmallPaths"]

#: A weight below this share of the largest reachable distance could vanish in a sum
#: (one ulp is 2.2e-16 of it); the margin of ``sim.fieldorder.TIE_SHARE``.
VANISH_SHARE = 1e-15


class SmallPaths:
    """A small map's search graph as plain lists, and the search on it.

    Args:
        indptr, indices, data: the map's canonical CSR graph (``World.adj_eff``).
        edge: the highway of each entry of that graph (``World.nbr_edge``).
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                 edge: np.ndarray) -> None:
        n = len(indptr) - 1
        self.n = n
        ptr = indptr.tolist()
        cols, km, eid = indices.tolist(), data.tolist(), edge.tolist()
        #: per town, its roads in ``adj_eff``'s order: (neighbour, weight, highway)
        self.adj: list[list[tuple[int, float, int]]] = [
            list(zip(cols[ptr[u]:ptr[u + 1]], km[ptr[u]:ptr[u + 1]], eid[ptr[u]:ptr[u + 1]],
                     strict=True))
            for u in range(n)
        ]
        self.ok = bool(len(data) == 0 or (np.isfinite(data).all() and (data > 0).all()))
        self.least = float(data.min()) if len(data) else math.inf
        self.total = float(data.sum()) / 2.0 if len(data) else 0.0  # roads listed twice

    def search(self, cols: np.ndarray, weights: np.ndarray, mask: np.ndarray | None,
               edge_open: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
        """(dist, next hop) by town, or None where scipy's answer could differ (see module).

        Args:
            cols: the super-source's row's columns (``_source_row``: distinct targets).
            weights: its weights (offsets + 1e-9).
            mask: bool per town (roads between masked towns only), or None.
            edge_open: bool per highway (open highways only), or None.
        """
        if not self.ok or len(weights) == 0:
            return None
        top = float(weights.max())
        if not (math.isfinite(top) and float(weights.min()) > 0.0):
            return None
        if not self.least > VANISH_SHARE * ((top + self.total) * 1.01 + 1.0):
            return None
        n = self.n
        inf = math.inf
        dist = [inf] * (n + 1)
        dist[n] = 0.0  # the super-source, scanned first
        pred = [-1] * n
        done = [False] * n
        heap = list(zip(weights.tolist(), cols.tolist(), strict=True))
        for w, t in heap:
            dist[t] = w
            pred[t] = n
        heapq.heapify(heap)
        inside = mask.tolist() if mask is not None else None
        open_ = edge_open.tolist() if edge_open is not None else None
        adj = self.adj
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            d, u = pop(heap)
            if done[u]:
                continue
            done[u] = True
            if inside is not None and not inside[u]:
                continue  # reached from the source, but none of its roads is in the graph
            for v, w, e in adj[u]:
                if done[v] or (inside is not None and not inside[v]) or (
                        open_ is not None and not open_[e]):
                    continue
                nd = d + w
                dv = dist[v]
                if nd < dv:
                    dist[v] = nd
                    pred[v] = u
                    push(heap, (nd, v))
                elif nd == dv and dist[pred[v]] == d:
                    return None  # two predecessors at the same distance: the heap decides
        hop = np.array(pred, dtype=np.int64)
        hop[hop == n] = -1
        return np.array(dist[:n]), hop
