"""The Sense's parts: hostile units near a point, strength ratios town by town, unit positions.

Helpers of :class:`sim.sense.Sense` that give, on small inputs, the same floats as the array
and KD-tree code they stand in for (tests/test_small_paths.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from scipy.spatial import cKDTree

from sim.agents import Unit
from sim.constants import NO_ENEMY_RATIO
from sim.world import World

__all__ = [
    "LEAF", "ByTown", "Hostile", "OddsSource", "Ratios",
    "friendly_fighters", "maybe_near", "row_lists", "unit_xy",
]

LEAF = 16  # cKDTree's default leafsize: a tree of at most this many points is a single leaf


class OddsSource(Protocol):
    """What answers ``odds(town)`` and ``target_odds`` (``sim.odds.Odds``)."""

    def at(self, faction: int, unit: Unit | None, town: int) -> float:
        """Effective odds of the faction's bloc (with the unit) attacking the town."""

    def rule_value(self, faction: int, unit: Unit | None, town: int) -> float:
        """As ``at``, with NO_ENEMY_RATIO for a town without defenders."""

    def target(self, unit: Unit) -> float:
        """Effective odds at the unit's target."""


def row_lists(a: Any) -> list[list[int]]:
    """Per row of a CSR matrix, its stored columns in order (as Python lists)."""
    idx, ptr = a.indices.tolist(), a.indptr.tolist()
    return [idx[ptr[i]:ptr[i + 1]] for i in range(len(ptr) - 1)]


def friendly_fighters(units: list[Unit], friends: frozenset[int], n: int) -> list[float]:
    """The fighters of the units of ``friends`` per town (of ``n``), in Python floats.

    Added in the units' order onto zeros: the same additions as ``np.add.at`` (or
    ``np.bincount`` with weights) onto an array of zeros, without the arrays.
    """
    friendly = [0.0] * n  # only units can attack; garrisons stay home
    for u in units:
        if u.faction in friends:
            friendly[u.node] += float(u.fighters)
    return friendly


class ByTown:
    """Fighters per (faction, town) of few units, town by town, from a snapshot.

    Args:
        controller, garrison: the towns' arrays (copied: the snapshot is of now).
        units: the units counted, in their order (their faction, node and fighters read now).
        k: the number of factions.
        rows_k: ``np.arange(k)[:, None]`` (the Sense keeps it).

    ``column(town)`` is the town's column of the table that adding, onto zeros, each held
    town's garrison to its holder's entry and then each unit's fighters (as a Python float)
    in the units' order makes: the same additions, made only for the towns asked about.
    ``table()`` is the whole (k, n) array: the garrisons (``g + 0.0`` is ``0.0 + g``), the
    cells with units set from their columns. tests/test_unitrules.py compares both with
    ``np.add.at``.
    """

    __slots__ = ("_at", "_cols", "_ctrl", "_gar", "_lists", "_rows_k", "k")

    def __init__(self, controller: np.ndarray, garrison: np.ndarray, units: list[Unit],
                 k: int, rows_k: np.ndarray) -> None:
        self._ctrl = controller.copy()
        self._gar = garrison.copy()
        self.k = k
        self._rows_k = rows_k
        at: dict[int, list[tuple[int, float]]] = {}
        for u in units:
            here = at.get(u.node)
            if here is None:
                at[u.node] = [(u.faction, float(u.fighters))]
            else:
                here.append((u.faction, float(u.fighters)))
        self._at = at
        self._cols: dict[int, list[float]] = {}
        self._lists: tuple[list[int], list[float]] | None = None

    def _town_lists(self) -> tuple[list[int], list[float]]:
        lists = self._lists
        if lists is None:
            lists = self._lists = (self._ctrl.tolist(), self._gar.tolist())
        return lists

    def column(self, town: int) -> list[float]:
        """The fighters of each faction at the town (Python floats)."""
        col = self._cols.get(town)
        if col is None:
            ctrl, gar = self._town_lists()
            col = [0.0] * self.k
            c = ctrl[town]
            if c >= 0:
                col[c] += gar[town]
            for f, x in self._at.get(town, ()):
                col[f] += x
            self._cols[town] = col
        return col

    def any_above(self, town: int, rows: list[int], among: list[bool]) -> bool:
        """Whether some entry of ``rows`` of the town's column is above zero.

        ``among`` is ``rows`` as a bool per faction with a last False for nobody. Without
        units in the town only its holder's entry can be above zero, ``g + 0.0``, and it is
        when the garrison is (``g + 0.0 > 0`` is ``g > 0``): no column is made.
        """
        if town in self._at:
            col = self.column(town)
            for e in rows:  # noqa: SIM110 (no generator to set up)
                if col[e] > 0:
                    return True
            return False
        ctrl, gar = self._town_lists()
        return among[ctrl[town]] and gar[town] > 0

    def hostile(self, rows: list[int]) -> Callable[[int], float]:
        """The sum from 0.0 of the entries of ``rows`` (in their order) of a town's column.

        Without units in a town its column holds one garrison, ``g + 0.0``, in the holder's
        entry and zeros: the sum is ``g + 0.0`` when the holder is among ``rows`` (adding
        0.0 to a number that is not -0.0 leaves it, and ``g + 0.0`` is never -0.0), else
        0.0. Towns with units are summed entry by entry.
        """
        ctrl, gar = self._town_lists()
        among = [False] * (self.k + 1)  # the last entry: nobody (-1) holds the town
        for e in rows:
            among[e] = True
        at, column = self._at, self.column

        def at_town(town: int) -> float:
            if town in at:
                col = column(town)
                x = 0.0
                for e in rows:
                    x += col[e]
                return x
            return gar[town] + 0.0 if among[ctrl[town]] else 0.0

        return at_town

    def present(self, enemy_of: np.ndarray, rows: list[int]) -> np.ndarray:
        """Bool per town: some entry of ``rows`` in its column is above zero.

        ``enemy_of`` is ``rows`` as a bool per faction with a last False for nobody (a row of
        ``Relations.enemy_of``). Without units in a town only its holder's entry can be
        above zero, and it is when the garrison is (``g + 0.0 > 0`` is ``g > 0``); towns with
        units are read entry by entry. The same answer as ``table()[rows] > 0`` reduced by
        ``or``.
        """
        present = enemy_of[self._ctrl] & (self._gar > 0)
        for town in self._at:
            col = self.column(town)
            for e in rows:
                if col[e] > 0:
                    present[town] = True
                    break
            else:
                present[town] = False
        return present

    def table(self) -> np.ndarray:
        """The whole table: fighters per (faction, town)."""
        table = np.where(self._rows_k == self._ctrl, self._gar + 0.0, 0.0)
        for town, here in self._at.items():
            col = self.column(town)
            for f, _ in here:
                table[f, town] = col[f]
        return table


class Ratios:
    """Strength ratios town by town, from the fighters taken at the first question.

    Args:
        friendly: the fighters of the bloc's units per town.
        hostile: the hostile fighters at a town (``Sense._hostile``'s entry; asked once a
            town).
        rows: per town, the columns of its row of ``world.adj_self`` in stored order.

    ``at(town)`` is ``Sense.strength_ratios``' entry for the town, the same floats: the sparse
    product ``adj_self @ x`` (scipy's ``csr_matvec``) sums ``1.0 * x[j]`` over the row's
    stored columns in order, from 0.0, which is what the loop below adds (``1.0 * x`` is
    ``x``), and ``where(h > 0, f / maximum(h, 1e-12), NO_ENEMY_RATIO)`` is the test and the
    division of one entry. tests/test_unitrules.py compares both.
    """

    __slots__ = ("_h", "_hk", "_kept", "_rows", "friendly")

    def __init__(self, friendly: list[float], hostile: Callable[[int], float],
                 rows: list[list[int]]) -> None:
        self.friendly = friendly
        self._h = hostile
        self._hk: list[float | None] = [None] * len(rows)  # hostile's answers
        self._rows = rows
        self._kept: dict[int, float] = {}

    def at(self, town: int) -> float:
        """The strength ratio at the town."""
        r = self._kept.get(town)
        if r is None:
            f, hk = self.friendly, self._hk
            near_f = near_h = 0.0
            for j in self._rows[town]:
                near_f += f[j]
                h = hk[j]
                if h is None:
                    h = hk[j] = self._h(j)
                near_h += h
            r = near_f / max(near_h, 1e-12) if near_h > 0 else NO_ENEMY_RATIO
            self._kept[town] = r
        return r


class Hostile:
    """The units of a set of hostile factions: their positions and a KD-tree built on demand.

    Args:
        pts: their flat coordinates, an (m, 2) array or a list of (x, y) (made an array
            when asked for: the same floats).
        mask: which of the Sense's units they are (a bool array, or their indices in order).
        enemies: the factions.
        hits: the ``hits`` of an earlier Hostile of the same points, to share.

    Up to ``LEAF`` points a KD-tree is a single leaf, which ``cKDTree.query_ball_point``
    searches by brute force: points in index order, kept when ``dx*dx + dy*dy <= r*r`` (the
    squared distance summed in that order, the squared radius). ``within`` does the same in
    plain Python floats and no tree (building one costs more than the search); above ``LEAF``
    it asks the tree. tests/test_small_paths.py checks the two agree, on boundary cases too.
    """

    __slots__ = ("_pts", "_tree", "_xy", "enemies", "hits", "mask", "size")

    def __init__(self, pts: np.ndarray | list[tuple[float, float]],
                 mask: np.ndarray | list[int], enemies: frozenset[int],
                 hits: dict[tuple[Any, ...], Any] | None = None) -> None:
        self.mask = mask
        self.enemies = enemies
        self.size = len(pts)
        self._pts = pts if isinstance(pts, np.ndarray) else None
        self._xy = None if isinstance(pts, np.ndarray) else pts
        self._tree: cKDTree | None = None
        #: a point's key -> ``within``'s answer there (filled by the Sense; a function of
        #: the points alone, so shared by every Hostile of the same points)
        self.hits: dict[tuple[Any, ...], Any] = {} if hits is None else hits

    @property
    def pts(self) -> np.ndarray:
        """The points as an (m, 2) array."""
        if self._pts is None:
            self._pts = np.array(self._xy, dtype=float).reshape(-1, 2)
        return self._pts

    def tree(self) -> cKDTree | None:
        """The KD-tree of the points (None without points)."""
        if self._tree is None and self.size:
            self._tree = cKDTree(self.pts)
        return self._tree

    def within(self, xy: Any, km: float) -> list[int] | np.ndarray:
        """Indices of the points within ``km`` of ``xy``, in the order the KD-tree gives them."""
        r = float(km)
        if self.size <= LEAF:  # Python floats: the same IEEE operations as the tree's
            if self._xy is None:
                self._xy = [(float(a), float(b)) for a, b in self.pts.tolist()]
            x, y = float(xy[0]), float(xy[1])
            rr = r * r
            out = []
            i = 0
            for a, b in self._xy:  # (a - x) * (a - x) + (b - y) * (b - y) <= rr
                dx = a - x
                dy = b - y
                if dx * dx + dy * dy <= rr:
                    out.append(i)
                i += 1  # noqa: SIM113 (enumerate costs a fifth more here)
            return out
        tree = self.tree()
        assert tree is not None
        return np.asarray(tree.query_ball_point(xy, r=r), dtype=np.intp)

    def any_within(self, xy: np.ndarray, km: float) -> np.ndarray:
        """Bool per row of ``xy``: some point is within ``km`` of it (at most ``LEAF`` points).

        The test of ``within`` for every query point at once, in numpy: ``(a - x) * (a - x) +
        (b - y) * (b - y) <= r * r``, each operation its own ufunc (nothing fused), so the same
        floats as the tree's brute-force leaf.
        """
        assert self.size <= LEAF
        r = float(km)
        dx = self.pts[None, :, 0] - xy[:, None, 0]
        dy = self.pts[None, :, 1] - xy[:, None, 1]
        # np.logical_or.reduce is what .any() calls, without its Python wrapper
        return np.logical_or.reduce((dx * dx + dy * dy) <= r * r, axis=1)


def maybe_near(xy: np.ndarray, pts: np.ndarray, km: float) -> np.ndarray:
    """Bool per point of ``xy``: whether a point of ``pts`` may be within ``km`` of it.

    A conservative pre-filter (never False where one is within km): on a grid of cells a
    little wider than km, a point within km of another lies in the same or a neighbouring
    cell. The exact test is left to the KD-tree, asked about the candidates only; each query
    point's answer does not depend on the others asked with it.
    """
    cell = km * 1.01 + 1e-6
    hc = np.floor(pts / cell).astype(np.int64)
    tc = np.floor(xy / cell).astype(np.int64)
    lo = np.minimum(hc.min(axis=0), tc.min(axis=0)) - 1
    span = int(max(hc[:, 1].max(), tc[:, 1].max()) - lo[1] + 2)
    shifted = hc - lo
    keys = np.unique(np.concatenate([(shifted[:, 0] + dx) * span + shifted[:, 1] + dy
                                     for dx in (-1, 0, 1) for dy in (-1, 0, 1)]))
    want = (tc[:, 0] - lo[0]) * span + (tc[:, 1] - lo[1])
    at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    return keys[at] == want


def unit_xy(w: World, units: list[Unit],
            cols: tuple[tuple[Any, ...], ...] | None = None) -> np.ndarray:
    """Flat-projection km of every unit, as ``world.project(*unit.position())``, vectorised.

    The same float operations in the same order as ``Unit.position`` and ``Projection.xy``, so
    the coordinates are bit-identical. ``cols``: the units' nodes, destinations and progress
    (one tuple each, in the units' order) already read, instead of reading the units again.
    """
    count = len(units)
    if cols is not None:
        node = np.array(cols[0], dtype=np.int64)
        dest = np.array(cols[1], dtype=np.int64)
    else:
        node = np.fromiter((u.node for u in units), dtype=np.int64, count=count)
        dest = np.fromiter((u.dest for u in units), dtype=np.int64, count=count)
    lat = w.lat[node]
    lon = w.lon[node]
    moving = np.nonzero(dest >= 0)[0]
    if len(moving):
        a, b = node[moving], dest[moving]
        k = w.edges(a, b)
        progress = np.array([units[i].progress for i in moving.tolist()] if cols is None
                            else [cols[2][i] for i in moving.tolist()], dtype=float)
        f = np.minimum(progress / w.eff_km[k], 1.0)
        lat[moving] = w.lat[a] + f * (w.lat[b] - w.lat[a])
        lon[moving] = w.lon[a] + f * (w.lon[b] - w.lon[a])
    return w.projection.xy_arrays(lat, lon)
