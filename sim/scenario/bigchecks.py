"""Fast forms of the map's cross-reference checks, for big maps that pass them.

At 100,000 towns the checks of :mod:`sim.scenario.checks` walked every town and highway in
Python (``need_town`` twice a road, a ``frozenset`` per road, a Python union-find for
connectivity): about a quarter of a load. The functions here decide with set operations and
numpy whether the towns and highways pass, and return None as soon as anything would be a
problem: the plain checks then run and word every problem exactly as before. So messages,
their order and lines do not depend on which path ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

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
    items = [t for _, t in towns]
    ctrl = [t.get("controller") for t in items]
    if set(map(type, ctrl)) - {str, type(None)}:
        return None
    named = set(ctrl)
    named.discard(None)
    if not named <= factions:
        return None
    for g in [t.get("garrison") for c, t in zip(ctrl, items, strict=True) if c is None]:
        if isinstance(g, int | float) and g > 0:
            return None
    ids = [t.get("id") for t in items]
    if set(map(type, ids)) - {str}:
        return None
    return dict(zip(cast("list[str]", ids), ctrl, strict=True))


def road_ends(roads: list[Any], index: dict[str, int]) -> np.ndarray | None:
    """The (from, to) town indices of every highway as an (m, 2) array, or None.

    None unless every highway is a mapping between two different known towns and no pair of
    towns has two highways.
    """
    import numpy as np

    if set(map(type, roads)) - {dict}:
        return None
    ends = []
    for key in ("from", "to"):
        try:  # None for an unknown town or a value that is no town id (an int, a list)
            idx = list(map(index.get, [h.get(key) for h in roads]))
        except TypeError:  # unhashable
            return None
        if None in idx:
            return None
        ends.append(np.asarray(idx, dtype=np.int64))
    a, b = ends
    if len(roads) and bool(np.any(a == b)):
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
