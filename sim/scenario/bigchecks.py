"""Fast forms of the map's cross-reference checks, for big maps that pass them.

At 100,000 towns the checks of :mod:`sim.scenario.checks` walked every town and highway in
Python (``need_town`` twice a road, a ``frozenset`` per road, a Python union-find for
connectivity): about a quarter of a load. The functions here decide with set operations and
numpy whether the towns and highways pass, and return None as soon as anything would be a
problem: the plain checks then run and word every problem exactly as before. So messages,
their order and lines do not depend on which path ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["FAST_FROM", "components", "controllers", "road_ends"]

#: Maps with at least this many towns are checked the fast way first (scipy's import and the
#: array set-up cost more than they save on small maps).
FAST_FROM = 2_000


def controllers(towns: list[tuple[Any, dict[str, Any]]],
                factions: set[str]) -> dict[str, str | None] | None:
    """Town id -> controller, or None if the plain checks must look at the towns.

    None unless every controller is a known faction or none, and no town without one has a
    garrison.
    """
    ctrl = [t.get("controller") for _, t in towns]
    named = {c for c in ctrl if c is not None}
    if not all(isinstance(c, str) for c in named) or not named <= factions:
        return None
    for c, (_, t) in zip(ctrl, towns, strict=True):
        if c is None:
            g = t.get("garrison")
            if isinstance(g, int | float) and g > 0:
                return None
    ids = [t.get("id") for _, t in towns]
    if not all(isinstance(i, str) for i in ids):
        return None
    return {str(i): c for i, c in zip(ids, ctrl, strict=True)}


def road_ends(roads: list[Any], index: dict[str, int]) -> np.ndarray | None:
    """The (from, to) town indices of every highway as an (m, 2) array, or None.

    None unless every highway is a mapping between two different known towns and no pair of
    towns has two highways.
    """
    import numpy as np

    if not all(isinstance(h, dict) for h in roads):
        return None
    ends = []
    for key in ("from", "to"):
        names = [h.get(key) for h in roads]
        if not all(type(x) is str for x in names):
            return None
        idx = [index.get(x, -1) for x in names]
        ends.append(np.asarray(idx, dtype=np.int64))
    a, b = ends
    if len(roads) and (min(a.min(), b.min()) < 0 or bool(np.any(a == b))):
        return None
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    if np.unique(lo * len(index) + hi).size != len(roads):
        return None
    return np.stack([a, b], axis=1)


def components(n: int, ends: np.ndarray) -> list[list[int]]:
    """The connected parts of the map, as the plain union-find groups them.

    Each part is a list of town indices in town order; parts are in the order of their first
    town. Numpy only (scipy's import would cost more than the search on most maps): roots hook
    onto the smallest root across each highway, then pointers jump to their roots, until no
    highway joins two trees (a few rounds: each round at least halves the trees that touch).
    """
    import numpy as np

    parent = np.arange(n, dtype=np.int64)
    a, b = ends[:, 0], ends[:, 1]
    while True:
        ra, rb = parent[a], parent[b]
        cross = ra != rb
        if not cross.any():
            break
        lo, hi = np.minimum(ra[cross], rb[cross]), np.maximum(ra[cross], rb[cross])
        np.minimum.at(parent, hi, lo)  # hi is a root: it now points below itself, no cycle
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    if n == 0 or not parent.any():
        return [list(range(n))]
    groups: dict[int, list[int]] = {}
    for i, root in enumerate(parent.tolist()):
        groups.setdefault(root, []).append(i)
    return list(groups.values())
