"""Raids (``do: raid``): which weakly held hostile town within reach a unit strikes today.

A raider looks at the towns held by a faction hostile to it that it can reach within
``radius_km`` of marching (effective km, as movement counts them: road km / terrain move
factor) without fighting on the way: through towns it could enter without stopping (not
held by a hostile faction, no hostile fighters in them) and over open highways, the target
being the last town of the route. Of those (or of the ``towns`` listed), it takes the one where
the effective odds (:meth:`sim.odds.Odds.at`, the numbers the battle will use) are the best,
ties broken by the shorter march and then by town order, if they reach ``min_odds``; else the
rule does not apply and the next rule whose condition holds gives the order. The choice is
made again every day; the unit marches on it along ``orders.travel`` and the ordinary battle
code fights when it enters the town.

One :class:`Raiding` per orders phase, built only when some faction has a raid rule.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.agents import Faction, Relations, Unit
from sim.rules import CompiledRule
from sim.sense import Sense
from sim.smallpaths import SmallPaths
from sim.state import TownState
from sim.world import SMALL_GRAPH, Field, World

__all__ = ["Raiding", "raid_reach"]


def raid_reach(
    world: World,
    passable: np.ndarray,
    starts: Sequence[tuple[int, float]],
    radius_km: float,
    edge_open: np.ndarray | None = None,
) -> np.ndarray:
    """Marching distance (effective km) from a unit to every town, through passable towns.

    A route may leave only passable towns (and the unit's own ``starts``), so an impassable
    town is reached but not crossed. Beyond ``radius_km``: infinity.

    Args:
        world: the map.
        passable: bool per town, towns the unit can march through.
        starts: (town, km already to go to it) for where the unit stands: its town, or both
            ends of the highway it is on.
        radius_km: the search's limit.
        edge_open: bool per highway (None: all open).
    """
    n = world.n
    adj = world.adj_eff
    out = passable.copy()
    for town, _ in starts:
        out[town] = True
    if n <= SMALL_GRAPH:
        return _reach_small(world, out, starts, radius_km, edge_open)
    rows = np.repeat(np.arange(n), np.diff(adj.indptr))
    keep = out[rows]
    if edge_open is not None:
        keep &= edge_open[world.nbr_edge]  # adj_eff's entries, in the same order
    g = csr_matrix((adj.data[keep], (rows[keep], adj.indices[keep])), shape=(n, n))
    best = np.full(n, np.inf)
    for town, head in starts:
        if head > radius_km:
            continue
        d = dijkstra(g, directed=True, indices=town, limit=radius_km - head)
        np.minimum(best, d + head, out=best)
    best[best > radius_km] = np.inf
    return best


def _reach_small(
    world: World,
    out: np.ndarray,
    starts: Sequence[tuple[int, float]],
    radius_km: float,
    edge_open: np.ndarray | None,
) -> np.ndarray:
    """``raid_reach`` on a small map: the same searches in plain Python, the same floats.

    Building the sparse matrix and calling scipy cost ~10x the search on a map of tens of
    towns. Each search is Dijkstra's from one start with scipy's ``limit`` (towns farther than
    ``radius_km - head`` stay unreached); a town's distance is the least ``d[u] + km`` over the
    towns ``u`` settled before it, which is what any exact Dijkstra computes, so the
    distances are bit-identical to scipy's (``tests/test_raid.py`` compares them).
    """
    is_open = edge_open.tolist() if edge_open is not None else None  # per highway
    reach = np.array(_search_small(world, out.tolist(), starts, radius_km, is_open))
    reach[reach > radius_km] = np.inf
    return reach


def _search_small(
    world: World,
    crossable: list[bool],
    starts: Sequence[tuple[int, float]],
    radius_km: float,
    is_open: list[bool] | None,
) -> list[float]:
    """``_reach_small``'s searches on lists: per town, the least distance found.

    A distance may exceed ``radius_km`` by the head start's rounding: callers treat those as
    unreached (``_reach_small`` makes them infinite).
    """
    roads = _small_roads(world)
    inf = float("inf")
    n = world.n
    best = [inf] * n
    for town, head in starts:
        if head > radius_km:
            continue
        limit = radius_km - head
        dist = [inf] * n
        dist[town] = 0.0
        settled = [False] * n
        heap = [(0.0, town)]
        while heap:
            d, u = heapq.heappop(heap)
            if settled[u]:
                continue
            settled[u] = True
            if d + head < best[u]:
                best[u] = d + head
            if not crossable[u]:
                continue  # reached, not crossed
            for v, w, e in roads[u]:
                if is_open is not None and not is_open[e]:
                    continue
                nd = d + w
                if nd <= limit and nd < dist[v]:
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
    return best


_ROADS: WeakKeyDictionary[World, list[list[tuple[int, float, int]]]] = WeakKeyDictionary()


def _small_roads(world: World) -> list[list[tuple[int, float, int]]]:
    """Per town, its roads in ``adj_eff``'s order: (neighbour, effective km, highway).

    Built once per World (a map does not change during a run) rather than on every search:
    converting the CSR arrays to lists cost as much as a raid's search on a small map.
    """
    roads = _ROADS.get(world)
    if roads is None:
        adj = world.adj_eff
        roads = SmallPaths(adj.indptr, adj.indices, adj.data, world.nbr_edge).adj
        _ROADS[world] = roads
    return roads


class Raiding:
    """Today's raid targets: chosen once per unit and rule, and the routes to them.

    Args:
        world, towns, relations, sense: the run's state as the orders phase sees it.
        edge_open: bool per highway, None when none is closed.
    """

    def __init__(
        self,
        world: World,
        towns: TownState,
        relations: Relations,
        sense: Sense,
        edge_open: np.ndarray | None,
    ) -> None:
        self.world = world
        self.towns = towns
        self.relations = relations
        self.sense = sense
        self.edge_open = edge_open
        self._passable: dict[int, np.ndarray] = {}
        self._passable_list: dict[int, list[bool]] = {}  # the masks above, as lists
        self._enemy_held: dict[int, list[bool]] = {}  # per faction: its enemies' towns
        self._open: list[bool] | None = None  # edge_open as a list, once asked
        self._chosen: dict[tuple[str, str], int] = {}  # (unit key, rule id) -> town, -1
        self._routes: dict[tuple[int, int], Field] = {}

    @classmethod
    def needed(
        cls,
        factions: Sequence[Faction],
        world: World,
        towns: TownState,
        relations: Relations,
        sense: Sense,
        edge_open: np.ndarray | None,
    ) -> Raiding | None:
        """A Raiding for today's orders, or None when no faction has a raid rule (no cost)."""
        if not any(f.raids for f in factions):
            return None
        return cls(world, towns, relations, sense, edge_open)

    def passable(self, faction: int) -> np.ndarray:
        """Bool per town: the faction's units march through it without stopping to fight."""
        mask = self._passable.get(faction)
        if mask is None:
            held = self.relations.enemy_of[faction][self.towns.controller]
            mask = ~held & ~self.sense.enemy_present(faction)
            self._passable[faction] = mask
        return mask

    def target(self, unit: Unit, rule: CompiledRule) -> int:
        """The town the unit raids under this rule today (-1: none within reach at min_odds)."""
        key = (unit.key, rule.id)
        found = self._chosen.get(key)
        if found is None:
            found = self._choose(unit, rule.params)
            self._chosen[key] = found
        return found

    def _choose(self, unit: Unit, params: dict[str, Any]) -> int:
        w, f = self.world, unit.faction
        # control does not change during the orders phase: the enemies' towns once a faction
        candidates = self._enemy_held.get(f)
        if candidates is None:
            candidates = self.relations.enemy_of[f][self.towns.controller].tolist()
            self._enemy_held[f] = candidates
        named = params.get("towns") or []
        if named:
            listed = {w.index[t] for t in named}
            candidates = [c and i in listed for i, c in enumerate(candidates)]
        if not any(candidates):
            return -1
        radius = float(params["radius_km"])
        starts = _starts(w, unit)
        towns: list[tuple[int, float]]  # (town, km) in town order
        if w.n <= SMALL_GRAPH:  # raid_reach's small search, on lists
            passable = self.passable(f)
            crossable = self._passable_list.get(f)
            if crossable is None:
                crossable = self._passable_list[f] = passable.tolist()
            crossable = crossable.copy()
            for town, _ in starts:
                crossable[town] = True
            if self.edge_open is not None and self._open is None:
                self._open = self.edge_open.tolist()
            best = _search_small(w, crossable, starts, radius, self._open)
            towns = [(t, k) for t, (c, k) in enumerate(zip(candidates, best, strict=True))
                     if c and k <= radius]
        else:
            km = raid_reach(w, self.passable(f), starts, radius, self.edge_open)
            found = np.nonzero(np.array(candidates) & np.isfinite(km))[0]
            towns = [(t, float(km[t])) for t in found.tolist()]
        if not towns:
            return -1
        at = self.sense.odds_source().at
        # best odds, then the shorter march, then town order (the towns come in order)
        best_town, best_odds, best_km = -1, 0.0, 0.0
        for t, k in towns:
            o = at(f, unit, t)
            if best_town < 0 or o > best_odds or (o == best_odds and k < best_km):
                best_town, best_odds, best_km = t, o, k
        return best_town if best_odds >= float(params["min_odds"]) else -1

    def route(self, unit: Unit, rule: CompiledRule) -> Field:
        """Routes to the unit's target through towns passable to it (the target last)."""
        town = self.target(unit, rule)
        key = (unit.faction, town)
        fld = self._routes.get(key)
        if fld is None:
            mask = self.passable(unit.faction).copy()
            mask[town] = True
            for start, _ in _starts(self.world, unit):
                mask[start] = True
            fld = self.world.field(np.array([town], dtype=np.int64), np.zeros(1), mask,
                                   self.edge_open)
            if unit.dest < 0:  # a route from another raider's start may not serve this one
                self._routes[key] = fld
        return fld


def _starts(w: World, unit: Unit) -> list[tuple[int, float]]:
    """Where a unit stands: its town, or both ends of its highway with the km to each."""
    if unit.dest < 0:
        return [(unit.node, 0.0)]
    k = w.edge(unit.node, unit.dest)
    return [(unit.node, unit.progress), (unit.dest, float(w.eff_km[k] - unit.progress))]
