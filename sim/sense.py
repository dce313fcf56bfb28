"""What factions perceive: local force ratios, defenders, enemies within a distance.

One :class:`Sense` per run, kept current by the phases: each phase that moves units or changes
fighters calls :meth:`Sense.refresh` when it is done (orders and movement, battles, attrition).
A refresh takes a snapshot of the units' positions and fighters; everything else is filled
lazily on first use after it (a KD-tree of each faction's hostile units, per-town fighter
sums, neighbourhood sums through the sparse adjacency), from the state as it is then. Nothing
here loops over all towns in Python.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from scipy.spatial import cKDTree

from sim.agents import Forces, Relations, Unit
from sim.constants import NO_ENEMY_RATIO
from sim.state import TownState
from sim.world import World

__all__ = ["Sense"]

VECTOR_UNITS = 64  # above this many units, positions are computed with arrays (same floats)


class OddsSource(Protocol):
    """What answers ``odds(town)`` and ``target_odds`` (``sim.odds.Odds``)."""

    def at(self, faction: int, unit: Unit | None, town: int) -> float:
        """Effective odds of the faction's bloc (with the unit) attacking the town."""

    def rule_value(self, faction: int, unit: Unit | None, town: int) -> float:
        """As ``at``, with NO_ENEMY_RATIO for a town without defenders."""

    def target(self, unit: Unit) -> float:
        """Effective odds at the unit's target."""


class Sense:
    """The battlefield as the factions perceive it, shared by every rule evaluated.

    Args:
        world: the map.
        towns: the towns' state (control and garrisons are read lazily).
        forces: the units on the map.
        relations: who is hostile to whom.
    """

    def __init__(
        self, world: World, towns: TownState, forces: Forces, relations: Relations
    ) -> None:
        self.world = world
        self.towns = towns
        self.forces = forces
        self.relations = relations
        #: the effective odds (``sim.odds.Odds``), attached by whoever builds the run
        self.odds: OddsSource | None = None
        self.refresh()

    def odds_source(self) -> OddsSource:
        """The attached effective odds (the model attaches them when it builds the run)."""
        if self.odds is None:
            raise RuntimeError("no effective odds attached to this Sense (sense.odds)")
        return self.odds

    def refresh(self) -> None:
        """Forget what was perceived: units moved, fought or lost fighters since.

        What depends only on where the units are (their coordinates, the hostile units'
        KD-trees and which of them are within a distance of a point) is kept while no unit has
        moved and none has come or gone: of a day's refreshes only the one after movement
        finds them moved. Fighter sums are always recomputed.
        """
        units = self.forces.units
        self.units = units
        where = [(u.node, u.dest, u.progress, u.faction) for u in units]
        if where != getattr(self, "_where", None):
            self._where = where
            if len(units) > VECTOR_UNITS:
                self.unit_xy = _unit_xy(self.world, self.units)
            else:
                self.unit_xy = (
                    np.array([self.world.project(*u.position()) for u in units])
                    if units
                    else np.zeros((0, 2))
                )
            self.unit_faction = np.array([u.faction for u in units], dtype=np.int64)
            # keyed by a set of hostile factions (factions with the same enemies share them):
            #: enemies -> (KD-tree of their units or None, which units they are)
            self._geo: dict[frozenset[int], tuple[cKDTree | None, np.ndarray]] = {}
            #: (enemies, km) -> per town, the hostile units within km (tree order)
            self._town_hits: dict[tuple[frozenset[int], float], Any] = {}
            #: (enemies, node, dest, progress, km) -> hostile units within km of that point
            self._point_hits: dict[tuple[Any, ...], Any] = {}
        self.unit_fighters = np.array([u.fighters for u in units], dtype=float)
        #: enemies -> (their KD-tree, their units' fighters)
        self._trees: dict[frozenset[int], tuple[cKDTree | None, np.ndarray]] = {}
        #: (friends, enemies) -> strength ratio per town
        self._ratio: dict[tuple[frozenset[int], frozenset[int]], np.ndarray] = {}
        self._town_fighters: np.ndarray | None = None
        self._defenders: np.ndarray | None = None
        self._near_towns: dict[tuple[int, float], tuple[bool, float]] = {}
        self._enemy_present: dict[int, np.ndarray] = {}
        #: (enemies, town, km) or (enemies, node, dest, progress, km) -> hostile fighters
        #: near the town (``enemy_near``) or the point (``enemy_within_km``)
        self._near: dict[tuple[Any, ...], float] = {}

    def town_fighters(self) -> np.ndarray:
        """Fighters per (faction, town): garrisons plus units in the town or on a road out of it.

        This is what a faction perceives around a town (a column that has just left is still
        there in effect); the town's defenders are ``defenders()``.
        """
        if self._town_fighters is None:
            t = self.towns
            tf = np.zeros((len(self.relations.ids), self.world.n))
            held = t.controller >= 0
            np.add.at(tf, (t.controller[held], np.nonzero(held)[0]), t.garrison[held])
            for u in self.units:
                tf[u.faction, u.node] += u.fighters
            self._town_fighters = tf
        return self._town_fighters

    def defenders(self) -> np.ndarray:
        """Fighters per (faction, town) defending it: garrisons plus units standing in it."""
        if self._defenders is None:
            t = self.towns
            df = np.zeros((len(self.relations.ids), self.world.n))
            held = t.controller >= 0
            np.add.at(df, (t.controller[held], np.nonzero(held)[0]), t.garrison[held])
            for u in self.units:
                if u.dest < 0:
                    df[u.faction, u.node] += u.fighters
            self._defenders = df
        return self._defenders

    def enemy_present(self, faction: int) -> np.ndarray:
        """Bool per town: fighters (garrison or units) of a faction hostile to ``faction``."""
        present = self._enemy_present.get(faction)
        if present is None:
            enemies = self.relations.enemies[faction]
            if enemies:  # fighters are never negative, so "sum > 0" is "any > 0"
                present = (self.town_fighters()[sorted(enemies)] > 0).any(axis=0)
            else:
                present = np.zeros(self.world.n, dtype=bool)
            self._enemy_present[faction] = present
        return present

    def strength_ratio(self, faction: int, town: int) -> float:
        """Friendly units' fighters / all hostile fighters in ``town`` and the towns next to it."""
        friends = self.relations.friends[faction]
        enemies = self.relations.enemies[faction]
        ratio = self._ratio.get((friends, enemies))
        if ratio is None:
            w = self.world
            tf = self.town_fighters()
            friendly = np.zeros(w.n)  # only units can attack; garrisons stay home
            for u in self.units:
                if u.faction in friends:
                    friendly[u.node] += u.fighters
            hostile = tf[sorted(enemies)].sum(axis=0) if enemies else np.zeros(w.n)
            near_f = w.adj_self @ friendly
            near_h = w.adj_self @ hostile
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(near_h > 0, near_f / np.maximum(near_h, 1e-12), NO_ENEMY_RATIO)
            self._ratio[(friends, enemies)] = ratio
        return float(ratio[town])

    def _hostile_tree(self, faction: int) -> tuple[cKDTree | None, np.ndarray]:
        """(KD-tree of the faction's hostile units or None, their fighters), tree order."""
        enemies = self.relations.enemies[faction]
        entry = self._trees.get(enemies)
        if entry is None:
            tree, mask = self._hostile_geo(enemies)
            entry = (tree, self.unit_fighters[mask])
            self._trees[enemies] = entry
        return entry

    def _hostile_geo(self, enemies: frozenset[int]) -> tuple[cKDTree | None, np.ndarray]:
        """(KD-tree of the units of these factions or None, which units they are)."""
        geo = self._geo.get(enemies)
        if geo is None:
            hostile = np.zeros(len(self.relations.ids), dtype=bool)  # as np.isin, ~20x faster
            hostile[list(enemies)] = True
            mask = hostile[self.unit_faction]
            pts = self.unit_xy[mask]
            geo = (cKDTree(pts) if len(pts) else None, mask)
            self._geo[enemies] = geo
        return geo

    def _near_unit(self, faction: int, unit: Unit, km: float) -> float:
        """Hostile fighters within km of the unit (which units: kept until one moves)."""
        key = (self.relations.enemies[faction], unit.node, unit.dest, unit.progress, km)
        near = self._near.get(key)
        if near is None:
            tree, weights = self._hostile_tree(faction)
            if tree is None:
                near = 0.0
            else:
                idx = self._point_hits.get(key)
                if idx is None:
                    xy = self.world.project(*unit.position())
                    idx = np.asarray(tree.query_ball_point(xy, r=float(km)), dtype=np.intp)
                    self._point_hits[key] = idx
                near = float(weights[idx].sum()) if len(idx) else 0.0
            self._near[key] = near
        return near

    def _near_town(self, faction: int, town: int, km: float) -> float:
        """Hostile fighters within km of a town: one tree query per (faction, km) answers all.

        The batch query returns each town's hits in the order a single query would (unsorted),
        so the sums are the same floats.
        """
        enemies = self.relations.enemies[faction]
        key = (enemies, town, km)
        near = self._near.get(key)
        if near is None:
            tree, weights = self._hostile_tree(faction)
            where = (enemies, km)
            hits = self._town_hits.get(where)
            if hits is None and tree is not None:
                hits = tree.query_ball_point(self.world.xy, r=float(km), return_sorted=False)
                self._town_hits[where] = hits
            idx = hits[town] if hits is not None else None
            near = float(weights[idx].sum()) if idx else 0.0
            self._near[key] = near
        return near

    def threatened_towns(self, faction: int, mask: np.ndarray, km: float) -> np.ndarray:
        """Town numbers among ``mask`` with a unit hostile to the faction within ``km``."""
        towns = np.nonzero(mask)[0]
        tree, _ = self._hostile_tree(faction)
        if tree is None or not len(towns):
            return np.zeros(0, dtype=np.int64)
        pts = tree.data
        hits = cKDTree(self.world.xy[towns]).query_ball_point(pts, r=float(km))
        found = sorted({int(i) for h in hits for i in np.atleast_1d(h)})
        return towns[np.array(found, dtype=np.int64)] if found else np.zeros(0, dtype=np.int64)

    def _near_held_towns(self, faction: int, km: float) -> tuple[bool, float]:
        """(any, fighters) of hostile units within km of any town the faction holds."""
        key = (faction, float(km))
        if key not in self._near_towns:
            tree, weights = self._hostile_tree(faction)
            held = np.nonzero(self.towns.controller == faction)[0]
            if tree is None or not len(held):
                self._near_towns[key] = (False, 0.0)
            else:
                d, _ = cKDTree(self.world.xy[held]).query(tree.data, distance_upper_bound=float(km))
                close = np.isfinite(d)
                self._near_towns[key] = (bool(close.any()), float(weights[close].sum()))
        return self._near_towns[key]

    def call(self, faction: int, unit: Unit | None, name: str, args: tuple[Any, ...]) -> Any:
        """Evaluate a rule-language function for a faction (and unit, if any)."""
        w = self.world
        match name:
            case "min":
                return min(args)
            case "max":
                return max(args)
            case "abs":
                return abs(args[0])
            case "holds":
                c = self.towns.controller[w.index[args[0]]]
                return bool(c >= 0 and c in self.relations.friends[faction])
            case "enemy_near":
                return self._near_town(faction, w.index[args[0]], max(args[1], 0))
            case "enemy_within_km" | "enemy_fighters_within_km":
                km = max(args[0], 0)
                if unit is None:
                    anyone, total = self._near_held_towns(faction, km)
                else:
                    total = self._near_unit(faction, unit, km)
                    anyone = total > 0
                return anyone if name == "enemy_within_km" else total
            case "odds":
                return self.odds_source().rule_value(faction, unit, w.index[args[0]])
        raise KeyError(name)  # unreachable: names are checked when the scenario loads


def _unit_xy(w: World, units: list[Unit]) -> np.ndarray:
    """Flat-projection km of every unit, as ``world.project(*unit.position())``, vectorised.

    The same float operations in the same order as ``Unit.position`` and ``Projection.xy``, so
    the coordinates are bit-identical.
    """
    count = len(units)
    node = np.fromiter((u.node for u in units), dtype=np.int64, count=count)
    dest = np.fromiter((u.dest for u in units), dtype=np.int64, count=count)
    lat = w.lat[node]
    lon = w.lon[node]
    moving = np.nonzero(dest >= 0)[0]
    if len(moving):
        a, b = node[moving], dest[moving]
        k = np.array(
            [w.edge(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=np.int64
        )
        progress = np.array([units[i].progress for i in moving.tolist()], dtype=float)
        f = np.minimum(progress / w.eff_km[k], 1.0)
        lat[moving] = w.lat[a] + f * (w.lat[b] - w.lat[a])
        lon[moving] = w.lon[a] + f * (w.lon[b] - w.lon[a])
    return w.projection.xy_arrays(lat, lon)
