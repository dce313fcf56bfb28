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
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.agents import Faction, Relations, Unit
from sim.rules import CompiledRule
from sim.sense import Sense
from sim.state import TownState
from sim.world import Field, World

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
    if n <= SMALL_REACH:
        small = _reach_small(world, passable, starts, radius_km, edge_open)
        if small is not None:
            return small
    rows = np.repeat(np.arange(n), np.diff(adj.indptr))
    out = passable.copy()
    for town, _ in starts:
        out[town] = True
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


#: raid_reach on maps of at most this many towns: a plain-Python search, the same distances
SMALL_REACH = 256
#: id(adj_eff) -> (adj_eff, its rows' (start, end), columns, weights as lists)
_LISTS: dict[int, tuple[Any, list[int], list[int], list[float]]] = {}


def _reach_small(
    world: World,
    passable: np.ndarray,
    starts: Sequence[tuple[int, float]],
    radius_km: float,
    edge_open: np.ndarray | None,
) -> np.ndarray | None:
    """``raid_reach`` by a Dijkstra search in plain Python (None: leave it to scipy).

    scipy's ``dijkstra(limit=...)`` reaches a town when a route's sum of weights, added from
    the start in route order, is at most the limit; each town's distance is the least such
    sum. That least sum does not depend on the order in which a search settles the towns
    (weights are not negative, so a town settled later cannot give a smaller sum), so this
    search finds the same floats; then ``d + head``, the least over the starts, and the
    radius, as ``raid_reach`` does. Explicit zero weights are roads, as in scipy's sparse
    graphs; a negative or NaN weight, duplicate entries or a NaN start leave it to scipy.
    tests/test_unitrules.py compares both on random maps.
    """
    adj = world.adj_eff
    kept = _LISTS.get(id(adj))
    if kept is None or kept[0] is not adj:
        if not adj.has_canonical_format or not bool((adj.data >= 0).all()):
            return None
        if len(_LISTS) >= 8:
            _LISTS.clear()
        kept = _LISTS[id(adj)] = (adj, adj.indptr.tolist(), adj.indices.tolist(),
                                  adj.data.tolist())
    _, ptr, cols, weights = kept
    if any(head != head for _, head in starts):
        return None  # NaN: np.minimum's propagation is left to scipy's path
    out = passable.tolist()
    for town, _ in starts:
        out[town] = True
    opened = edge_open[world.nbr_edge].tolist() if edge_open is not None else None
    best = [math.inf] * world.n
    for town, head in starts:
        if head > radius_km:
            continue
        limit = radius_km - head
        dist = {town: 0.0}
        done: set[int] = set()
        heap = [(0.0, town)]
        while heap:
            d, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            total = d + head
            if total < best[u]:
                best[u] = total
            if not out[u]:
                continue  # reached, not crossed
            for jj in range(ptr[u], ptr[u + 1]):
                if opened is not None and not opened[jj]:
                    continue
                v = cols[jj]
                nd = d + weights[jj]
                if nd <= limit and v not in done and nd < dist.get(v, math.inf):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
    found = np.array(best, dtype=float)
    found[found > radius_km] = np.inf
    return found


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
        if not any(r.action == "raid" for f in factions for r in f.unit_rules):
            return None
        return cls(world, towns, relations, sense, edge_open)

    def usable_for(
        self, unit: Unit, inner: Callable[[CompiledRule], bool] | None
    ) -> partial[bool]:
        """``choose``'s test for this unit: a raid rule applies only when it has a target.

        Other rules are left to ``inner`` (the bridge rules' test), when given.
        """
        return partial(self._usable, unit, inner)

    def _usable(
        self, unit: Unit, inner: Callable[[CompiledRule], bool] | None, rule: CompiledRule
    ) -> bool:
        if rule.action == "raid":
            return self.target(unit, rule) >= 0
        return inner is None or inner(rule)

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
        candidates = self.relations.enemy_of[f][self.towns.controller]
        named = params.get("towns") or []
        if named:
            listed = np.zeros(w.n, dtype=bool)
            listed[[w.index[t] for t in named]] = True
            candidates &= listed
        if not candidates.any():
            return -1
        km = raid_reach(w, self.passable(f), _starts(w, unit), float(params["radius_km"]),
                        self.edge_open)
        towns = np.nonzero(candidates & np.isfinite(km))[0]
        if not len(towns):
            return -1
        at = self.sense.odds_source().at
        odds = {t: at(f, unit, t) for t in towns.tolist()}
        # best odds, then the shorter march, then town order
        best = min(odds, key=lambda t: (-odds[t], km[t], t))
        return best if odds[best] >= float(params["min_odds"]) else -1

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
