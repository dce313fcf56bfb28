"""Connected components of a town graph: a union-find on small maps, scipy's on big ones.

``components`` labels nodes exactly as ``scipy.sparse.csgraph.connected_components`` does
(numbered in the order of each component's lowest node), so the choice between the two paths
never changes a result; supply's reach (``World.reachable``) is one call per faction and day.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["SMALL_GRAPH", "components"]

#: Maps of at most this many towns find connected components in pure Python (a union-find
#: costs ~50 us on 42 towns where a scipy sparse build + ``connected_components`` costs ~280 us;
#: the labels are identical, see ``components``).
SMALL_GRAPH = 256


def components(n: int, u: np.ndarray, v: np.ndarray, small: int = SMALL_GRAPH) -> np.ndarray:
    """Connected-component label per node of the undirected graph with edges ``(u[k], v[k])``.

    Labels are numbered in the order of each component's lowest node, as
    ``scipy.sparse.csgraph.connected_components`` numbers them (int32, as it returns them);
    graphs of at most ``small`` nodes are done with a union-find in plain Python instead.
    """
    if n > small:
        g = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n)).tocsr()
        return connected_components(g, directed=False)[1]
    parent = list(range(n))
    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        while parent[a] != a:
            a = parent[a]
        while parent[b] != b:
            b = parent[b]
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b
    labels = [0] * n
    count = 0
    for x in range(n):
        p = parent[x]
        if p == x:  # the lowest node of its component: the next label
            labels[x] = count
            count += 1
        else:  # parent[p] < x is already the root's label (roots are the lowest nodes)
            root = p
            while parent[root] != root:
                root = parent[root]
            parent[x] = root
            labels[x] = labels[root]
    return np.array(labels, dtype=np.int32)
