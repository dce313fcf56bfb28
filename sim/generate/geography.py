"""The synthetic map: town positions, a planar road graph, terrain and town names."""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

__all__ = ["KM_PER_TOWN", "MEAN_DEGREE", "positions", "roads", "terrain", "town_names"]

KM_PER_TOWN = 10.0  # mean spacing: the square's side is KM_PER_TOWN * sqrt(towns)
MEAN_DEGREE = 2.9  # highways per town x 2
_SYLLABLES = ("al", "ar", "ba", "da", "el", "fa", "ha", "ja", "ka", "la", "ma", "na", "ra",
              "sa", "ta", "za", "bel", "dor", "gan", "kir", "mar", "nor", "sul", "tel", "vin",
              "ash", "ben", "cor", "dun", "esk", "hol", "ist", "lin", "mor", "os", "qar", "ruz")
_TERRAIN_CUTS = ((0.55, "flat"), (0.72, "desert"), (0.88, "hills"), (1.01, "mountain"))

def positions(rng: np.random.Generator, n: int) -> np.ndarray:
    """Town coordinates in km: 60% scattered, 40% in clusters around a few cities."""
    side = KM_PER_TOWN * math.sqrt(n)
    n_clustered = int(0.4 * n)
    n_cities = max(1, n // 400)
    centres = rng.uniform(0.1 * side, 0.9 * side, size=(n_cities, 2))
    which = rng.integers(0, n_cities, size=n_clustered)
    clustered = centres[which] + rng.normal(0.0, 2.0 * KM_PER_TOWN, size=(n_clustered, 2))
    scattered = rng.uniform(0.0, side, size=(n - n_clustered, 2))
    xy = np.clip(np.vstack((scattered, clustered)), 0.0, side)
    # jitter so no two towns share a point (Delaunay needs distinct points)
    return xy + rng.uniform(-0.05, 0.05, size=xy.shape)


def roads(rng: np.random.Generator, xy: np.ndarray) -> np.ndarray:
    """Highway end pairs (m x 2, u < v): spanning tree plus the shortest other Delaunay edges."""
    n = len(xy)
    if n == 1:
        return np.zeros((0, 2), dtype=np.int64)
    if n <= 3:
        return np.array([(i, i + 1) for i in range(n - 1)], dtype=np.int64)
    tri = Delaunay(xy).simplices
    pairs = np.vstack((tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]))
    pairs.sort(axis=1)
    pairs = np.unique(pairs, axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    graph = coo_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    in_tree = np.zeros(len(pairs), dtype=bool)
    tree_pairs = np.sort(np.column_stack((tree.row, tree.col)), axis=1)
    key = pairs[:, 0].astype(np.int64) * n + pairs[:, 1]
    in_tree[np.isin(key, tree_pairs[:, 0].astype(np.int64) * n + tree_pairs[:, 1])] = True
    want = max(round(MEAN_DEGREE * n / 2) - int(in_tree.sum()), 0)
    rest = np.nonzero(~in_tree)[0]
    # shorter roads (relative to the local spacing of towns, so that sparse country gets
    # roads too) are likelier; noise keeps the choice from being purely local
    ends = np.concatenate((pairs[:, 0], pairs[:, 1]))
    order = np.lexsort((np.concatenate((length, length)), ends))
    starts = np.searchsorted(ends[order], np.arange(n))
    counts = np.bincount(ends, minlength=n)
    median_len = np.concatenate((length, length))[order][starts + counts // 2]
    local = np.sqrt(median_len[pairs[rest, 0]] * median_len[pairs[rest, 1]])
    score = length[rest] / local * np.exp(rng.normal(0.0, 0.2, size=len(rest)))
    extra = rest[np.argsort(score, kind="stable")[:want]]
    keep = np.sort(np.concatenate((np.nonzero(in_tree)[0], extra)))
    return pairs[keep].astype(np.int64)


def terrain(rng: np.random.Generator, xy: np.ndarray, population: np.ndarray) -> list[str]:
    """A smooth random terrain field cut into flat / desert / hills / mountain; big towns urban."""
    side = float(xy.max()) if len(xy) else 1.0
    field = np.zeros(len(xy))
    for _ in range(6):
        angle = rng.uniform(0, 2 * math.pi)
        wave = side / rng.uniform(1.5, 4.0)
        phase = rng.uniform(0, 2 * math.pi)
        field += np.sin((xy[:, 0] * math.cos(angle) + xy[:, 1] * math.sin(angle))
                        * 2 * math.pi / wave + phase)
    rank = np.argsort(np.argsort(field, kind="stable"), kind="stable") / max(len(xy), 1)
    out = np.full(len(xy), "flat", dtype=object)
    lo = 0.0
    for cut, name in _TERRAIN_CUTS:
        out[(rank >= lo) & (rank < cut)] = name
        lo = cut
    if len(xy) >= 20:
        out[population >= np.quantile(population, 0.99)] = "urban"
    return list(out)


def town_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` pronounceable names of two or three syllables."""
    parts = rng.integers(0, len(_SYLLABLES), size=(n, 3))
    three = rng.random(n) < 0.3
    out = []
    for i in range(n):
        k = 3 if three[i] else 2
        out.append("".join(_SYLLABLES[j] for j in parts[i, :k]).capitalize())
    return out

