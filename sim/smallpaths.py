"""Route searches of small maps in plain Python, with scipy's distances and next hops.

On a map of tens of towns ``World.field``'s scipy search costs 2-3x this one, nearly all of it
building the arrays and the sparse matrix and crossing into scipy; the search itself is a
few dozen heap operations. ``SmallPaths.search`` is scipy's Dijkstra step for step, with
``heapq`` on adjacency lists built once per map, over the same graph: ``adj_eff``'s entries
(kept where both ends are in ``mask`` and the highway is in ``edge_open``) plus a
super-source joined to each target by its weight in ``World``'s ``_source_row`` (offset +
1e-9, a twice-listed target's weights summed).

Why the answer is scipy's, bit for bit (``tests/test_small_search.py`` checks it). scipy's
``dijkstra`` since 1.16 (``_shortest_path.pyx``, ``_dijkstra`` with one source) keeps a C++
``std::priority_queue`` of ``(-distance, town)`` pairs, with lazy deletion (up to 1.15 it was a
Fibonacci heap, whose order among equal distances is another: with such a scipy the answers
differ from its own where ties decide, and the tests here fail):

* it pops the greatest pair, i.e. the least distance and, among equal distances, the
  *highest* town number. A town's entry is pushed only when its distance strictly drops, so
  no two entries are equal: the pairs are totally ordered and the pop order does not depend
  on how the heap is built or in which order entries went in. ``heapq`` on ``(distance,
  -town)`` pops in exactly that order;
* a popped entry is skipped if the town's distance is already below it; otherwise each of
  the town's entries in CSR order offers ``d + w``, taken (distance, predecessor, a push)
  only if ``d + w <= limit`` and strictly below the town's distance.

This module does the same. A road outside the mask or closed weighs inf in ``World._search``'s
scipy graph, and with its finite limit such an offer is skipped before it touches the town:
here the road is skipped. The same additions in the same order give the same doubles, the
same comparisons the same predecessors. Weights must not be negative or NaN (scipy's results
are then unspecified, or it may scan a town twice): ``search`` returns None, and the caller
runs scipy.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

__all__ = ["SmallPaths"]

MAX_OPEN_SETS = 8  # sets of closed highways whose road lists are kept


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
        self.ok = bool((data >= 0).all())  # no negative or NaN road
        #: edge_open's bytes (b"": all open) -> per town, its open roads as (neighbour,
        #: -neighbour, weight), in ``adj``'s order
        self._open: dict[bytes, list[list[tuple[int, int, float]]]] = {}

    def _roads(self, edge_open: np.ndarray | None) -> list[list[tuple[int, int, float]]]:
        """``adj`` without the closed highways (kept per set of closed highways)."""
        key = b"" if edge_open is None else edge_open.tobytes()
        roads = self._open.get(key)
        if roads is None:
            open_ = edge_open.tolist() if edge_open is not None else None
            roads = [[(v, -v, w) for v, w, e in row if open_ is None or open_[e]]
                     for row in self.adj]
            if len(self._open) >= MAX_OPEN_SETS:
                del self._open[next(iter(self._open))]  # the oldest
            self._open[key] = roads
        return roads

    def search(self, cols: np.ndarray, weights: np.ndarray, mask: np.ndarray | None,
               edge_open: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
        """(dist, next hop) by town as scipy finds them, or None if a weight is negative or NaN.

        Args:
            cols: the super-source's row's columns (``_source_row``: distinct targets).
            weights: its weights (offsets + 1e-9).
            mask: bool per town (roads between masked towns only), or None.
            edge_open: bool per highway (open highways only), or None.
        """
        if not self.ok:
            return None
        n = self.n
        inf = math.inf
        dist = [inf] * n
        pred = [-1] * n
        heap: list[tuple[float, int]] = []
        # the super-source is popped first (distance 0, alone) and scanned: its row in order
        for t, w in zip(cols.tolist(), weights.tolist(), strict=True):
            if not w >= 0:  # negative or NaN
                return None
            w += 0.0  # scipy's 0 + w (a -0.0 weight gives 0.0)
            if w < dist[t]:  # an infinite weight is above scipy's limit: no offer
                dist[t] = w
                heap.append((w, -t))
        heapq.heapify(heap)
        adj = self._roads(edge_open)  # a closed highway is no offer
        pop, push = heapq.heappop, heapq.heappush
        if mask is None:
            while heap:
                d, u = pop(heap)
                if dist[-u] < d:
                    continue  # a stale entry: u was pushed again at a smaller distance
                u = -u
                for v, nv, w in adj[u]:
                    nd = d + w
                    if nd < dist[v]:
                        dist[v] = nd
                        pred[v] = u
                        push(heap, (nd, nv))
        else:
            inside = mask.tolist()
            while heap:
                d, u = pop(heap)
                u = -u
                if dist[u] < d:
                    continue
                if not inside[u]:
                    continue  # reached from the source, but none of its roads is in the graph
                for v, nv, w in adj[u]:
                    nd = d + w
                    if nd < dist[v] and inside[v]:
                        dist[v] = nd
                        pred[v] = u
                        push(heap, (nd, nv))
        # fromiter: the same arrays as np.array of the lists, with less set-up
        return np.fromiter(dist, dtype=float, count=n), np.fromiter(pred, dtype=np.int64, count=n)
