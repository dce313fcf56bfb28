"""What the factions perceive of hostile units near a point: the proximity half of ``Sense``.

Which hostile units are within a distance of a town, a unit or any town a faction holds, from
the units' coordinates a refresh took (``Sense.unit_xy``, or ``Sense._xy_list`` with few units)
and the hostile units' KD-tree, built once per set of enemies and kept until a unit moves; with
few units, which of them are within a distance of a point is kept by their points across
refreshes (they sometimes stand where they stood on an earlier day); their fighters are summed once
per refresh. :class:`Proximity` is a base of :class:`sim.sense.Sense`,
which owns every attribute it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from sim.agents import Relations, Unit
from sim.numpysum import SEQUENTIAL_SUM, numpy_sum
from sim.senseparts import LEAF
from sim.senseparts import Hostile as _Hostile
from sim.senseparts import maybe_near as _maybe_near
from sim.state import TownState
from sim.world import World

__all__ = ["PREFILTER_TOWNS", "Proximity"]

PREFILTER_TOWNS = 256  # threatened_towns: above this many towns, a grid picks the candidates
HITS_KEPT = 1024  # sets of hostile points whose hits are kept, and points asked about in each


class Proximity:
    """Hostile units near points and towns (a base of ``Sense``; its state is the Sense's)."""

    world: World
    towns: TownState
    relations: Relations
    unit_xy: np.ndarray
    unit_faction: np.ndarray
    _where: list[tuple[int, int, float, int]] | None
    _xy_list: list[tuple[float, float]] | None
    _geo: dict[frozenset[int], _Hostile]
    _hits_by_points: dict[tuple[tuple[float, float], ...], dict[tuple[Any, ...], Any]]
    _near_sum: dict[tuple[Any, ...], float]
    _near_towns: dict[tuple[int, float], tuple[bool, float]]
    _held_trees: dict[int, tuple[bytes, cKDTree]]
    _fighter_list: list[float]
    _fighters: dict[frozenset[int], np.ndarray]
    _weight_list: dict[frozenset[int], list[float]]

    _xy: Callable[[Unit], tuple[float, float]]  # Sense's: a unit's coordinates, kept


    def _hostile_tree(self, faction: int) -> tuple[cKDTree | None, np.ndarray]:
        """(KD-tree of the faction's hostile units or None, their fighters), tree order."""
        geo = self._hostile_geo(self.relations.enemies[faction])
        return geo.tree(), self._weights(geo)

    def _hostile_geo(self, enemies: frozenset[int]) -> _Hostile:
        """Where the units of these factions are (kept until a unit moves)."""
        geo = self._geo.get(enemies)
        if geo is None:
            xy = self._xy_list
            if xy is not None:  # few units: their indices and points, in the units' order
                assert self._where is not None
                idx = [i for i, w in enumerate(self._where) if w[3] in enemies]
                pts = [xy[i] for i in idx]
                geo = _Hostile(pts, idx, enemies, self._hits_of(pts))
            else:
                hostile = np.zeros(len(self.relations.ids), dtype=bool)  # as np.isin
                hostile[list(enemies)] = True
                mask = hostile[self.unit_faction]
                geo = _Hostile(self.unit_xy[mask], mask, enemies)
            self._geo[enemies] = geo
        return geo

    def _hits_of(self, pts: list[tuple[float, float]]) -> dict[tuple[Any, ...], Any]:
        """The ``hits`` of the hostile units at these points, kept across refreshes.

        Which of them are within a distance of a point depends on the points alone, and the
        hostile units sometimes stand where they stood on an earlier day (besiegers, a side
        that did not move): in a default run 139 of 1,097 searches are answered from here.
        """
        kept: dict[tuple[tuple[float, float], ...], dict[tuple[Any, ...], Any]] | None = (
            getattr(self, "_hits_by_points", None))
        if kept is None:
            kept = self._hits_by_points = {}
        key = tuple(pts)
        hits = kept.get(key)
        if hits is None:
            if len(kept) >= HITS_KEPT:
                kept.clear()
            hits = kept[key] = {}
        return hits

    def _weights(self, geo: _Hostile) -> np.ndarray:
        """The fighters of the geo's units now (kept until the next refresh)."""
        fighters = self._fighters.get(geo.enemies)
        if fighters is None:
            fighters = self._fighters[geo.enemies] = np.array(
                self._fighter_list, dtype=float)[geo.mask]
        return fighters

    def _fighters_of(self, geo: _Hostile, idx: Any) -> float:
        """The sum of the fighters of the geo's units ``idx``, as ``weights[idx].sum()``.

        With few units (``geo.mask`` a list) and with fewer than ``SEQUENTIAL_SUM`` units
        within, summed in plain Python by numpy's order of additions (``numpy_sum``: one after
        the other from 0.0 for fewer than eight, its pairwise summation from eight), the same
        floats without the array calls; tests/test_small_paths.py checks it.
        """
        small = isinstance(geo.mask, list)
        if small or len(idx) < SEQUENTIAL_SUM:
            fighters = self._weight_list.get(geo.enemies)
            if fighters is None:
                listed = self._fighter_list
                fighters = self._weight_list[geo.enemies] = (
                    [listed[i] for i in geo.mask] if small
                    else self._weights(geo).tolist())
            if len(idx) < SEQUENTIAL_SUM:
                total = 0.0
                for i in idx:
                    total += fighters[i]
                return total
            return numpy_sum([fighters[i] for i in idx])
        return float(self._weights(geo)[idx].sum())

    def _near(self, faction: int, key: tuple[Any, ...], unit: Unit | None, town: int,
              km: float) -> float:
        """Hostile fighters within km of the unit, or of the town when ``unit`` is None.

        ``key`` names the point (the same key, the same point); which units are near is kept
        while the hostile units stand where they are (``Hostile.hits``; with few units across
        refreshes, see ``_hits_of``), their fighters are summed once per refresh.
        """
        near = self._near_sum.get(key)
        if near is None:
            geo = self._hostile_geo(self.relations.enemies[faction])
            if not geo.size:
                near = 0.0
            else:
                hits = geo.hits
                idx = hits.get(key)
                if idx is None:
                    if len(hits) >= HITS_KEPT:  # hostile units that stay put for long
                        hits.clear()
                    xy = self._xy(unit) if unit is not None else self.world.xy[town]
                    idx = hits[key] = geo.within(xy, km)
                near = self._fighters_of(geo, idx)
            self._near_sum[key] = near
        return near

    def near_unit(self, faction: int, unit: Unit, km: float) -> float:
        """Hostile fighters within km of the unit (``enemy_fighters_within_km``)."""
        key = (self.relations.enemies[faction], unit.node, unit.dest, unit.progress, km)
        near = self._near_sum.get(key)  # asked again this phase: no call of _near
        if near is None:
            near = self._near(faction, key, unit, -1, km)
        return near

    def near_town(self, faction: int, town: int, km: float) -> float:
        """Hostile fighters within km of a town (``enemy_near``)."""
        key = (self.relations.enemies[faction], town, km)
        near = self._near_sum.get(key)
        if near is None:
            near = self._near(faction, key, None, town, km)
        return near

    def hostile_units(self, faction: int) -> tuple[cKDTree | None, np.ndarray]:
        """(KD-tree of the positions, fighters) of the units hostile to the faction.

        As of the last refresh; the tree is None when there are none.
        """
        return self._hostile_tree(faction)

    def threatened_towns(self, faction: int, mask: np.ndarray, km: float) -> np.ndarray:
        """Town numbers among ``mask`` with a unit hostile to the faction within ``km``.

        The hostile units' KD-tree (built once per faction and refresh) is asked about the
        towns, rather than a tree of the towns built for every call; "within" is the same
        test, distance <= km, either way round.
        """
        towns = np.nonzero(mask)[0]
        geo = self._hostile_geo(self.relations.enemies[faction])
        if geo.size <= LEAF and len(towns) <= PREFILTER_TOWNS:  # one leaf: its test, no tree
            if not geo.size or not len(towns):
                return np.zeros(0, dtype=np.int64)
            return towns[geo.any_within(self.world.xy[towns], km)]
        tree, _ = self.hostile_units(faction)
        if tree is None or not len(towns):
            return np.zeros(0, dtype=np.int64)
        if len(towns) > PREFILTER_TOWNS and km > 0:  # the tree asked only about towns that
            towns = towns[_maybe_near(self.world.xy[towns], tree.data, float(km))]  # can be
        near = tree.query_ball_point(self.world.xy[towns], r=float(km), return_length=True)
        return towns[near > 0]

    def _near_held_towns(self, faction: int, km: float) -> tuple[bool, float]:
        """(any, fighters) of hostile units within km of any town the faction holds."""
        key = (faction, float(km))
        if key not in self._near_towns:
            tree, weights = self._hostile_tree(faction)
            held = np.nonzero(self.towns.controller == faction)[0]
            if tree is None or not len(held):
                self._near_towns[key] = (False, 0.0)
            else:
                d, _ = self._held_tree(faction, held).query(
                    tree.data, distance_upper_bound=float(km))
                close = np.isfinite(d)
                self._near_towns[key] = (bool(close.any()), float(weights[close].sum()))
        return self._near_towns[key]

    def _held_tree(self, faction: int, held: np.ndarray) -> cKDTree:
        """The KD-tree of the towns ``held`` by the faction, kept while they are the same."""
        key = held.tobytes()
        kept = self._held_trees.get(faction)
        if kept is None or kept[0] != key:
            kept = self._held_trees[faction] = (key, cKDTree(self.world.xy[held]))
        return kept[1]
