"""Route searches of big maps on the towns renumbered along a space-filling path (cache locality).

scipy's Dijkstra touches each town's heap node and each road's entry once, in an order set by
the distances; on a 100,000-town map numbered in no spatial order (as generated or loaded)
almost every touch misses the CPU caches, and a search over the whole map costs 45-55 ms.
With the towns renumbered so that towns near each other have near numbers (a boustrophedon
walk over a grid of about sqrt(n) cells a side), the same search costs 28-30 ms. The answer is
mapped back to the map's own numbers.

Why the answer is the same, bit for bit: with positive weights Dijkstra's distances are the
unique fixpoint d(v) = min over ways in of (d(u) + w), the same floats whatever the numbering
(each is the sum along the same path, added in the same order). scipy keeps as a town's
predecessor the first town scanned that reached its final distance, and towns are scanned in
order of distance; so the predecessor is the candidate of smallest distance, whatever the
numbering, unless two candidates have the same distance and reach v with the same float sum:
that needs two roads into v whose weights differ by at most one rounding of a distance (a
grid of equal roads, say). ``LocalOrder.usable`` rules that out for the map once (the
smallest difference between two weights at any town, against the largest distance a search
can reach); where it cannot, and for masked searches (whose graphs are small and gain
nothing), the search runs in the map's numbering as before. A road's weight must also not
vanish against a distance (it does not: weights are at least 0.01 km).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

__all__ = ["LOCAL_TOWNS", "LocalOrder"]

#: Maps of at least this many towns search unmasked fields in the local numbering (below
#: it the map's arrays fit the caches and the renumbering gains nothing: measured at 10,000
#: and 20,000 towns, 0.95-1.11x).
LOCAL_TOWNS = 50_000

#: A weight difference below this share of the largest reachable distance could be lost in
#: the rounding of a sum (one ulp is 2.2e-16 of it); a margin of 4.5x.
TIE_SHARE = 1e-15


class LocalOrder:
    """A map's symmetric search graph in a local numbering, and the search on it.

    Args:
        xy: town coordinates (km), by town number.
        indptr, indices, data: the map's canonical CSR graph (``World.adj_eff``).
        edge: the highway of each entry of that graph (``World.nbr_edge``).
    """

    def __init__(self, xy: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                 data: np.ndarray, edge: np.ndarray) -> None:
        n = len(indptr) - 1
        self.n = n
        rows = np.repeat(np.arange(n), np.diff(indptr))
        # the smallest difference between two weights of roads at the same town
        order = np.lexsort((data, rows))
        same = rows[order][1:] == rows[order][:-1]
        gaps = np.diff(data[order])[same]
        self.gap = float(gaps.min()) if len(gaps) else np.inf
        self.least = float(data.min()) if len(data) else np.inf
        self.total = float(data.sum()) / 2.0  # each road listed from both ends
        cells = max(1, int(np.sqrt(n)))
        lo = xy.min(axis=0)
        size = float(np.ptp(xy, axis=0).max()) or 1.0
        g = np.minimum(((xy - lo) / size * cells).astype(np.int64), cells - 1)
        key = g[:, 1] * cells + np.where(g[:, 1] % 2 == 0, g[:, 0], cells - 1 - g[:, 0])
        self.perm = np.argsort(key, kind="stable")  # local number -> town
        self.inv = np.empty(n, dtype=np.int64)  # town -> local number
        self.inv[self.perm] = np.arange(n)
        # the graph in local numbers, canonical (each row's columns sorted)
        new_rows = self.inv[rows]
        new_cols = self.inv[indices]
        ent = np.lexsort((new_cols, new_rows))
        self.indices = new_cols[ent].astype(indices.dtype)
        self.data = data[ent]
        self.edge = edge[ent]
        self.rows = new_rows[ent]
        self.indptr = np.concatenate(([0], np.cumsum(np.bincount(self.rows, minlength=n)))
                                     ).astype(indptr.dtype)

    def usable(self, top_weight: float) -> bool:
        """No tie can make the numbering matter (sources' weights at most ``top_weight``)."""
        reach = (top_weight + self.total) * 1.01 + 1.0
        return self.gap > TIE_SHARE * reach and self.least > TIE_SHARE * reach

    def search(self, cols: np.ndarray, weights: np.ndarray, edge_open: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(dist, next hop) by town number, from a super-source row (``cols``, ``weights``).

        As ``World``'s search of the unmasked graph (only the open highways with
        ``edge_open``); call only where ``usable(weights.max())``.
        """
        n = self.n
        indptr, indices, data = self.indptr, self.indices, self.data
        if edge_open is not None:
            keep = edge_open[self.edge]
            indices, data = indices[keep], data[keep]
            indptr = np.concatenate(([0], np.cumsum(np.bincount(self.rows[keep], minlength=n)))
                                    ).astype(self.indptr.dtype)
        local = self.inv[cols]
        by = np.argsort(local, kind="stable")
        big = csr_matrix(
            (
                np.concatenate((data, weights[by])),
                np.concatenate((indices, local[by].astype(indices.dtype))),
                np.concatenate((indptr, [indptr[-1] + len(by)])),
            ),
            shape=(n + 1, n + 1),
        )
        dist, pred = dijkstra(big, directed=True, indices=n, return_predecessors=True)
        d = dist[:n][self.inv]
        p = pred[:n][self.inv].astype(np.int64)
        hop = np.full(n, -1, dtype=np.int64)
        town = (p >= 0) & (p < n)
        hop[town] = self.perm[p[town]]
        return d, hop
