"""Searches of many targets: the targets' own answers set at once, only the other towns searched.

A retreat search of a faction's rear (``orders.retreat_field``) has a target in nearly every
town it may use (3,700 of 3,700 at 10,000 towns): each target's route is its own seed, and
only the towns by the front are searched. scipy's search over the whole map still inserts
and pops every target and sets up every town (0.7-0.9 ms at 10,000 towns, 7-10 ms at
100,000). ``seeded_search`` sets the targets whose seed no road can beat, and hands scipy
only the graph of the other towns in the mask, each joined to the super-source by its best
offer from a set target (or its own seed).

Why the answer is scipy's, bit for bit (``tests/test_field_seeds.py`` compares the two):

* A target whose seed is at most ``least seed + least road`` (in doubles) is reached by
  nothing shorter: every offer is some ``d(u) + w`` with ``d(u) >=`` the least seed and ``w
  >=`` the least road, and float addition is monotone. An offer equal to its seed loses to
  the super-source, which scipy scans first: distance the seed, no next hop.
* The other towns: the unique solution of ``d(v) = min(seed(v), min over roads u-v of d(u) +
  w)``, with the set targets' values fixed, is what scipy finds on their
  graph from a super-source offering each its best offer from a set target (``0 + x == x``).
* Their next hops follow scipy's rule: among the towns offering ``d(v)``, the one of least
  ``d(u)`` (the super-source before any town). Where two such towns have the same ``d(u)``
  the heap's order would decide: ``seeded_search`` returns None and the caller searches the
  whole map, as where a road could vanish in a sum (then a town could be offered its distance
  after it was scanned).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

__all__ = ["SEEDED_SHARE", "seeded_search"]

#: Use the seeded search when at least this share of the towns in the mask are set targets
#: (below it the towns left to search are most of the map: nothing to gain).
SEEDED_SHARE = 0.3

#: A road below this share of the largest reachable distance could vanish in a sum (the
#: margin of ``sim.fieldorder.TIE_SHARE``).
VANISH_SHARE = 1e-15


def seeded_search(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                  edge: np.ndarray, least: float, total: float, cols: np.ndarray,
                  weights: np.ndarray, mask: np.ndarray, edge_open: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """(dist, next hop) by town as ``World``'s whole-map search gives them, or None.

    Args:
        indptr: the map's canonical CSR graph (``World.adj_eff``): row pointers,
        indices: its columns,
        data: its weights (effective km).
        edge: the highway of each entry (``World.nbr_edge``).
        least: the least weight.
        total: all the roads' weights once (a bound on any distance, less the seeds).
        cols: the super-source's row (``_source_row``): the distinct targets,
        weights: and their weights.
        mask: bool per town (roads between masked towns only).
        edge_open: bool per highway (open highways only), or None.
    """
    n = len(indptr) - 1
    if len(weights) < SEEDED_SHARE * np.count_nonzero(mask):
        return None  # too few targets (the set ones are some of them)
    if not len(weights):
        return None
    lo, top = float(weights.min()), float(weights.max())
    if not (np.isfinite(top) and lo > 0.0 and least > VANISH_SHARE * ((top + total) * 1.01
                                                                      + 1.0)):
        return None
    seed = np.full(n, np.inf)
    seed[cols] = weights
    fixed = np.zeros(n, dtype=bool)
    fixed[cols[weights <= lo + least]] = True
    left = np.flatnonzero(mask & ~fixed)
    if np.count_nonzero(fixed) < SEEDED_SHARE * np.count_nonzero(mask | fixed):
        return None
    dist = np.where(fixed, seed, np.inf)
    hop = np.full(n, -1, dtype=np.int64)
    loose = np.flatnonzero(~mask & ~fixed & np.isfinite(seed))
    dist[loose] = seed[loose]  # a target outside the mask: its seed, no road
    r = len(left)
    if not r:
        return dist, hop
    starts = indptr[left]
    cnt = indptr[left + 1] - starts
    first = np.cumsum(cnt) - cnt
    ent = np.arange(int(cnt.sum())) + np.repeat(starts - first, cnt)
    row = np.repeat(np.arange(r), cnt)
    u = indices[ent]
    w = data[ent]
    ok = mask[u]  # the rows' towns are in the mask
    if edge_open is not None:
        ok &= edge_open[edge[ent]]
    inner = ok & ~fixed[u]
    src = np.minimum(seed[left], _row_min(np.where(ok & fixed[u], dist[u] + w, np.inf), first))
    loc = np.empty(n, dtype=np.int32)
    loc[left] = np.arange(r, dtype=np.int32)
    ptr = np.concatenate(([0], np.cumsum(np.bincount(row[inner], minlength=r))))
    sc = np.flatnonzero(np.isfinite(src))
    g = csr_matrix((np.concatenate((w[inner], src[sc])),
                    np.concatenate((loc[u[inner]], sc.astype(np.int32))),
                    np.concatenate((ptr, [ptr[-1] + len(sc)])).astype(np.int32)),
                   shape=(r + 1, r + 1))
    d = dijkstra(g, directed=True, indices=r)[:r]
    dist[left] = d
    # next hops by scipy's rule: the offer of d(v) from the town of least d(u)
    offer = np.where(ok, dist[u] + w, np.inf)
    reached = np.isfinite(d)
    by_seed = reached & (seed[left] == d)  # the super-source comes first
    gives = (offer == d[row]) & reached[row] & ~by_seed[row]
    key = np.where(gives, dist[u], np.inf)
    pick = np.flatnonzero(gives & (key == _row_min(key, first)[row]))
    if len(pick) > 1 and (row[pick][1:] == row[pick][:-1]).any():
        return None  # two predecessors at the same distance: the heap would decide
    new = np.full(r, -1, dtype=np.int64)
    new[row[pick]] = u[pick]
    hop[left] = new
    return dist, hop


def _row_min(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The least of each row's values (rows are runs starting at ``first``; inf if empty)."""
    out = np.full(len(first), np.inf)
    if len(values):
        filled = first < np.append(first[1:], len(values))
        out[filled] = np.minimum.reduceat(values, first[filled])
    return out
