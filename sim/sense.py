"""What factions perceive: local force ratios, defenders, enemies within a distance.

One :class:`Sense` per run, kept current by the phases: each phase that moves units or changes
fighters calls :meth:`Sense.refresh` when it is done (orders and movement, battles, attrition).
A refresh takes a snapshot of the units' positions and fighters; everything else is filled
lazily on first use after it (the hostile units of each set of enemies and their KD-tree,
per-town fighter sums, neighbourhood sums through the sparse adjacency), from the state as it
is then. What depends only on positions (which hostile units are near a point) is kept until a
unit moves. Nothing here loops over all towns in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from scipy.spatial import cKDTree

from sim.agents import Forces, Relations, Unit
from sim.constants import NO_ENEMY_RATIO
from sim.numpysum import SEQUENTIAL_SUM
from sim.sensenear import Proximity
from sim.senseparts import (
    ByTown,
    OddsSource,
    Ratios,
    friendly_fighters,
    row_lists,
)
from sim.senseparts import unit_xy as _unit_xy
from sim.state import TownState
from sim.world import World

__all__ = ["Sense"]

VECTOR_UNITS = 64  # above this many units, positions are computed with arrays (same floats)
XY_KEPT = 4096  # unit positions' coordinates kept (Sense._xy) before they are dropped
SMALL_RATIO_TOWNS = 4096  # strength_ratio: up to this many towns, one town's at a time (Ratios)


class Sense(Proximity):
    """The battlefield as the factions perceive it, shared by every rule evaluated.

    Args:
        world: the map.
        towns: the towns' state (control and garrisons are read lazily).
        forces: the units on the map.
        relations: who is hostile to whom.

    Its attributes are slots: a Sense has some thirty, and an instance dictionary that large
    loses CPython's specialised attribute reads (``LOAD_ATTR_INSTANCE_VALUE``).
    """

    __slots__ = (
        "_adj_rows", "_among", "_cols", "_defenders", "_enemy_at", "_enemy_present",
        "_fighter_list", "_fighters", "_geo", "_held_trees", "_hits_by_points", "_near_sum",
        "_near_towns", "_ratio", "_road_lists", "_rows_k", "_small_ratio", "_tf_small",
        "_town_fighters", "_town_xy", "_unit_xy", "_weight_list", "_where", "_xy_list",
        "_xy_of", "forces", "odds", "relations", "towns", "unit_faction", "units", "world",
    )

    def __init__(
        self, world: World, towns: TownState, forces: Forces, relations: Relations
    ) -> None:
        self.world = world
        self.towns = towns
        self.forces = forces
        self.relations = relations
        #: the effective odds (``sim.odds.Odds``), attached by whoever builds the run
        self.odds: OddsSource | None = None
        #: faction -> (its towns' numbers as bytes, their KD-tree): see _held_tree
        self._held_trees: dict[int, tuple[bytes, cKDTree]] = {}
        self._adj_rows: list[list[int]] | None = None  # see _rows
        self._rows_k: np.ndarray | None = None  # np.arange(factions)[:, None] (_by_town_small)
        #: (node, dest, progress, faction) -> flat coordinates of a unit there (see _xy; the
        #: faction is not needed, but the key is then a refresh's snapshot entry as it is)
        self._xy_of: dict[tuple[int, int, float, int], tuple[float, float]] = {}
        #: with many units, the (node, dest, progress, faction) columns of the last snapshot
        #: (one list per attribute: 2.5x faster to read and compare than a list of tuples);
        #: with few, ``_where`` holds them as tuples (``_hostile_geo`` reads it) and this None
        self._cols: tuple[list[int], list[int], list[float], list[int]] | None = None
        self._where: list[tuple[int, int, float, int]] | None = None
        self._xy_list: list[tuple[float, float]] | None = None
        self._unit_xy: np.ndarray | None = None
        #: per town, its flat coordinates as Python floats (see _town_xy_list), when needed
        self._town_xy: list[tuple[float, float]] | None = None
        #: the towns' lat and lon and the highways' eff_km as Python floats (see _on_road)
        self._road_lists: tuple[list[float], list[float], list[float]] | None = None
        #: a set of factions -> per faction number whether it is among them, and a last
        #: False for nobody (-1), as a row of ``Relations.enemy_of`` (kept: a function of it)
        self._among: dict[frozenset[int], list[bool]] = {}
        # the caches refresh() empties (made here so that it can tell an empty one)
        self._fighters: dict[frozenset[int], np.ndarray] = {}
        self._weight_list: dict[frozenset[int], list[float]] = {}
        self._ratio: dict[tuple[frozenset[int], frozenset[int]], np.ndarray] = {}
        self._small_ratio: dict[tuple[frozenset[int], frozenset[int]], Ratios] = {}
        self._near_towns: dict[tuple[int, float], tuple[bool, float]] = {}
        self._enemy_present: dict[int, np.ndarray] = {}
        #: with few units, (enemies, town) -> enemy_at's answer (see enemy_at)
        self._enemy_at: dict[tuple[frozenset[int], int], bool] = {}
        self._near_sum: dict[tuple[Any, ...], float] = {}
        self._town_fighters: np.ndarray | None = None
        self._tf_small: ByTown | None = None
        self._defenders: np.ndarray | None = None
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
        finds them moved. Fighter sums are always recomputed. The per-refresh caches are new
        empty dicts (one left empty since the last refresh is kept: it is empty already).
        """
        units = self.forces.units
        self.units = units
        if len(units) > VECTOR_UNITS:  # the snapshot's columns: one list per attribute
            cols = ([u.node for u in units], [u.dest for u in units],
                    [u.progress for u in units], [u.faction for u in units])
            moved = cols != self._cols
        else:
            where = [(u.node, u.dest, u.progress, u.faction) for u in units]
            moved = self._cols is not None or where != self._where
        if moved:
            if len(units) > VECTOR_UNITS:
                self._cols = cols
                # lists index as the tuples unit_xy is annotated with
                self._unit_xy = _unit_xy(self.world, self.units, cast(Any, cols))
                self.unit_faction = np.array(cols[3], dtype=np.int64)
                self._xy_list = None
            else:  # lists: the hostile groups are picked out in plain Python (_hostile_geo)
                self._cols = None
                self._where = where
                town_xy = self._town_xy
                if town_xy is None:
                    town_xy = self._town_xy = self._town_xy_list()
                xy_of = self._xy_of
                self._xy_list = [town_xy[w[0]] if w[1] < 0 else (xy_of.get(w) or self._xy(u))
                                 for u, w in zip(units, where, strict=True)]
                self._unit_xy = None  # the array made when asked for (unit_xy)
            #: enemies -> where the units of those factions are (factions with the same
            #: enemies share it)
            self._geo = {}
        #: the units' fighters now (Python floats, as the array's ``tolist``)
        self._fighter_list = [float(u.fighters) for u in units]
        #: enemies -> their units' fighters (an array, and a list for plain-Python sums)
        if self._fighters:
            self._fighters = {}
        if self._weight_list:
            self._weight_list = {}
        #: (friends, enemies) -> strength ratio per town
        if self._ratio:
            self._ratio = {}
        #: (friends, enemies) -> the fighters of the first question, town by town (small maps)
        if self._small_ratio:
            self._small_ratio = {}
        self._town_fighters = None
        #: with few units, the fighters by town taken at the first question, town by town
        self._tf_small = None
        self._defenders = None
        if self._near_towns:
            self._near_towns = {}
        if self._enemy_present:
            self._enemy_present = {}
        if self._enemy_at:
            self._enemy_at = {}
        #: (enemies, node, dest, progress, km) or (enemies, town, km) -> hostile fighters near
        #: that town (``enemy_near``) or unit (``enemy_within_km``)
        if self._near_sum:
            self._near_sum = {}

    @property
    def unit_xy(self) -> np.ndarray:  # type: ignore[override]
        """Flat coordinates of the units of the last snapshot, an (m, 2) array."""
        xy = self._unit_xy
        if xy is None:
            xy_list = self._xy_list
            xy = self._unit_xy = (np.array(xy_list) if xy_list else np.zeros((0, 2)))
        return xy

    def _town_xy_list(self) -> list[tuple[float, float]]:
        """``world.project(lat, lon)`` of each town, as ``Unit.position`` gives for a unit there.

        ``world.xy`` is ``projection.xy_arrays`` of the towns: the same float operations as
        ``projection.xy`` (tests/test_golden.py compares the units' coordinates both ways).
        """
        return [(x, y) for x, y in self.world.xy.tolist()]

    def _xy(self, unit: Unit) -> tuple[float, float]:
        """``world.project(*unit.position())``, kept by where the unit is.

        A pure function of (node, dest, progress) on the static map: units standing in a
        town, and besiegers waiting on an approach road, are where they were yesterday.
        """
        town_xy = self._town_xy  # made by a refresh of few units (not for a big map's units)
        if town_xy is not None and unit.dest < 0:
            return town_xy[unit.node]
        key = (unit.node, unit.dest, unit.progress, unit.faction)
        xy = self._xy_of.get(key)
        if xy is None:
            if len(self._xy_of) >= XY_KEPT:
                self._xy_of.clear()
            xy = self._xy_of[key] = self._on_road(unit)
        return xy

    def _on_road(self, unit: Unit) -> tuple[float, float]:
        """``world.project(*unit.position())`` of a unit on a highway, in Python floats.

        ``Unit.position``'s operations on the map's arrays' entries as Python floats (numpy's
        float64 scalars make the same IEEE operations): the same coordinates without the
        scalars (tests/test_unitrules.py compares them).
        """
        w = self.world
        lists = self._road_lists
        if lists is None:
            lists = self._road_lists = (w.lat.tolist(), w.lon.tolist(), w.eff_km.tolist())
        lat, lon, eff = lists
        node, dest = unit.node, unit.dest
        km = eff[w.edge(node, dest)]
        if not km > 0:  # never on a valid map (length_km > 0): as the unit says
            return w.project(*unit.position())
        f = min(float(unit.progress) / km, 1.0)  # progress may be an np.float64
        la, lo = lat[node], lon[node]
        return w.project(la + f * (lat[dest] - la), lo + f * (lon[dest] - lo))

    def town_fighters(self) -> np.ndarray:
        """Fighters per (faction, town): garrisons plus units in the town or on a road out of it.

        This is what a faction perceives around a town (a column that has just left is still
        there in effect); the town's defenders are ``defenders()``.
        """
        if self._town_fighters is None:
            if len(self.units) <= VECTOR_UNITS:
                self._town_fighters = self._small_fighters().table()
            else:
                self._town_fighters = self._by_town(on_roads=True)
        return self._town_fighters

    def _small_fighters(self) -> ByTown:
        """``town_fighters`` of few units, town by town (taken now if not yet)."""
        small = self._tf_small
        if small is None:
            small = self._tf_small = self._by_town_small(self.units)
        return small

    def presence_fixed(self) -> bool:
        """Whether the fighters by town (and so ``enemy_present``) are fixed until the refresh.

        They are taken from where the units stand at the first question after a refresh;
        once asked, later moves do not change them.
        """
        return self._town_fighters is not None or self._tf_small is not None

    def defenders_fixed(self) -> bool:
        """Whether ``defenders()`` is fixed until the refresh (asked once already)."""
        return self._defenders is not None

    def defenders(self) -> np.ndarray:
        """Fighters per (faction, town) defending it: garrisons plus units standing in it."""
        if self._defenders is None:
            if len(self.units) <= VECTOR_UNITS:
                standing = [u for u in self.units if u.dest < 0]
                self._defenders = self._by_town_small(standing).table()
            else:
                self._defenders = self._by_town(on_roads=False)
        return self._defenders

    def _by_town_small(self, units: list[Unit]) -> ByTown:
        """The garrisons plus ``units``' fighters per (faction, town), as they are now."""
        k = len(self.relations.ids)
        rows_k = self._rows_k
        if rows_k is None or len(rows_k) != k:
            rows_k = self._rows_k = np.arange(k)[:, None]
        return ByTown(self.towns.controller, self.towns.garrison, units, k, rows_k)

    def _by_town(
        self, on_roads: bool, live: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]
        | None = None
    ) -> np.ndarray:
        """Garrisons plus the units' fighters per (faction, town), from where units stand now.

        The sums are those of adding each unit's fighters, in the units' order, to a table of
        zeros holding the garrisons (one controller per town: 0.0 + garrison), by
        ``np.add.at``; with few units, :class:`~sim.senseparts.ByTown` makes the same
        additions in Python floats (tests/test_unitrules.py compares it with ``np.add.at``).
        """
        t = self.towns
        k, n = len(self.relations.ids), self.world.n
        held = np.nonzero(t.controller >= 0)[0]
        table = np.zeros((k, n))
        table[t.controller[held], held] = t.garrison[held] + 0.0  # np.add.at onto zeros
        faction, node, dest, fighters = self._live(not on_roads) if live is None else live
        if not on_roads:
            assert dest is not None
            still = dest < 0
            faction, node, fighters = faction[still], node[still], fighters[still]
        np.add.at(table, (faction, node), fighters)  # in the units' order
        return table

    def _live(
        self, with_dest: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        """(faction, node, dest, fighters) of each unit as it is now, in the units' order.

        Not a refresh's snapshot: the lazily filled sums take the units from where they stand
        at the first question. ``np.add.at`` adds them one after the other in this order,
        the same floats as the loop over the units. ``dest`` is None unless ``with_dest``:
        only the defenders (units standing in a town) need it, and a column costs a quarter
        of the pass (~0.35 ms at 10,000 units).
        """
        units = self.units  # one list per attribute: 4x faster than a list of tuples
        return (np.array([u.faction for u in units], dtype=np.int64),
                np.array([u.node for u in units], dtype=np.int64),
                np.array([u.dest for u in units], dtype=np.int64) if with_dest else None,
                np.array([u.fighters for u in units], dtype=float))

    def enemy_present(self, faction: int) -> np.ndarray:
        """Bool per town: fighters (garrison or units) of a faction hostile to ``faction``."""
        present = self._enemy_present.get(faction)
        if present is None:
            enemies = self.relations.enemies[faction]
            if enemies and len(self.units) <= VECTOR_UNITS:
                present = self._small_fighters().present(
                    self.relations.enemy_of[faction], self.relations.enemy_rows[faction])
            elif enemies:  # fighters are never negative, so "sum > 0" is "any > 0"
                # np.logical_or.reduce is what .any() calls, without its Python wrapper
                present = np.logical_or.reduce(
                    self.town_fighters()[self.relations.enemy_rows[faction]] > 0, axis=0)
            else:
                present = np.zeros(self.world.n, dtype=bool)
            self._enemy_present[faction] = present
        return present

    def enemy_at(self, faction: int, town: int) -> bool:
        """``enemy_present(faction)[town]``, without the array when it was not asked for.

        The same test on the same fighters by town (fixed at the first question either way):
        some faction hostile to ``faction`` has fighters there.
        """
        present = self._enemy_present.get(faction)
        if present is not None:
            return bool(present[town])
        if len(self.units) <= VECTOR_UNITS:
            small = self._tf_small
            if small is None:
                small = self._small_fighters()
            relations = self.relations
            enemies = relations.enemies[faction]
            key = (enemies, town)
            seen = self._enemy_at.get(key)
            if seen is not None:  # asked already since the refresh (the same enemies)
                return seen
            among = self._among.get(enemies)
            if among is None:
                among = self._among[enemies] = [
                    c in enemies for c in range(len(relations.ids))] + [False]
            seen = self._enemy_at[key] = small.any_above(town, relations.enemy_rows[faction],
                                                         among)
            return seen
        tf = self._town_fighters
        if tf is None:
            tf = self.town_fighters()
        for e in self.relations.enemy_rows[faction]:  # noqa: SIM110 (no generator to set up)
            if tf[e, town] > 0:
                return True
        return False

    def strength_ratio(self, faction: int, town: int) -> float:
        """Friendly units' fighters / all hostile fighters in ``town`` and the towns next to it."""
        return self.ratio_lookup(faction)(town)

    def ratio_lookup(self, faction: int) -> Callable[[int], float]:
        """``strength_ratio`` of the faction as a function of the town (fixed from now on).

        With few units (at most ``VECTOR_UNITS``) on a map of at most ``SMALL_RATIO_TOWNS``
        towns, a town's ratio alone is worked out in plain Python from the fighters as they
        stood at the faction's first question (:class:`~sim.senseparts.Ratios`), not every
        town's with arrays.
        """
        key = (self.relations.friends[faction], self.relations.enemies[faction])
        small = self._small_ratio.get(key)
        if small is not None:
            return small.at
        ratio = self._ratio.get(key)
        if ratio is None and len(self.units) <= VECTOR_UNITS and (
                self.world.n <= SMALL_RATIO_TOWNS):
            small = self._small_ratio[key] = Ratios(
                self._friendly_list(faction), self._hostile_at(faction), self._rows())
            return small.at
        if ratio is None:
            ratio = self.strength_ratios(faction)
        return lambda town: float(ratio[town])

    def strength_ratios(self, faction: int) -> np.ndarray:
        """``strength_ratio`` of every town (computed when first asked, then kept)."""
        friends = self.relations.friends[faction]
        enemies = self.relations.enemies[faction]
        ratio = self._ratio.get((friends, enemies))
        if ratio is None:
            w = self.world
            small = self._small_ratio.get((friends, enemies))  # the fighters already taken
            friendly, hostile = (
                (np.array(small.friendly), self._hostile(faction)) if small is not None
                else self._ratio_inputs(faction))
            near_f = w.adj_self @ friendly
            near_h = w.adj_self @ hostile
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(near_h > 0, near_f / np.maximum(near_h, 1e-12), NO_ENEMY_RATIO)
            self._ratio[(friends, enemies)] = ratio
        return ratio

    def _ratio_inputs(self, faction: int) -> tuple[np.ndarray, np.ndarray]:
        """(friendly units' fighters, hostile fighters) per town, from where units stand now."""
        if len(self.units) > VECTOR_UNITS:
            friendly = np.zeros(self.world.n)  # only units can attack; garrisons stay home
            if self._town_fighters is None and self.relations.enemy_rows[faction]:
                live = self._live(with_dest=False)  # units on a road count at their town
                fac, node, _, fighters = live
                ours = self.relations.friend_of[faction][fac]
                np.add.at(friendly, node[ours], fighters[ours])
                # _hostile asks for it next, nothing moved since: the same units, read once
                self._town_fighters = self._by_town(True, live)
            else:  # only the bloc's units read (in the units' order: the same additions)
                bloc = self.relations.friend_of[faction].tolist()
                ours_units = [u for u in self.units if bloc[u.faction]]
                np.add.at(friendly, np.array([u.node for u in ours_units], dtype=np.int64),
                          np.array([u.fighters for u in ours_units], dtype=float))
        else:
            friendly = np.array(self._friendly_list(faction))
        return friendly, self._hostile(faction)

    def _friendly_list(self, faction: int) -> list[float]:
        """The fighters of the faction's bloc's units per town, from where they stand now."""
        return friendly_fighters(self.units, self.relations.friends[faction], self.world.n)

    def _hostile(self, faction: int) -> np.ndarray:
        """Hostile fighters (garrisons and units) per town: the enemies' rows of the table."""
        rows = self.relations.enemy_rows[faction]
        return self.town_fighters()[rows].sum(axis=0) if rows else np.zeros(self.world.n)

    def _hostile_at(self, faction: int) -> Callable[[int], float]:
        """``_hostile``'s entry as a function of the town, the same float.

        numpy sums fewer than ``SEQUENTIAL_SUM`` rows along the first axis from 0.0 one row
        after the other, so with few units that is the sum of the enemies' entries of the
        town's column in their order (:meth:`~sim.senseparts.ByTown.hostile`; no array is
        made); for more, the sum as numpy makes it.
        """
        rows = self.relations.enemy_rows[faction]
        if len(rows) >= SEQUENTIAL_SUM or len(self.units) > VECTOR_UNITS:
            return cast(list[float], self._hostile(faction).tolist()).__getitem__
        return self._small_fighters().hostile(rows)

    def _rows(self) -> list[list[int]]:
        """Per town, the columns of its row of ``world.adj_self`` in stored order (kept)."""
        if self._adj_rows is None:
            self._adj_rows = row_lists(self.world.adj_self)
        return self._adj_rows

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
                return self.near_town(faction, w.index[args[0]], max(args[1], 0))
            case "enemy_within_km" | "enemy_fighters_within_km":
                km = max(args[0], 0)
                if unit is None:
                    anyone, total = self._near_held_towns(faction, km)
                else:
                    total = self.near_unit(faction, unit, km)
                    anyone = total > 0
                return anyone if name == "enemy_within_km" else total
            case "odds":
                return self.odds_source().rule_value(faction, unit, w.index[args[0]])
        raise KeyError(name)  # unreachable: names are checked when the scenario loads
