"""Unit orders: which rule applies to each unit, and how each action moves it along highways.

Route choice uses one shared search per faction and purpose (a ``Field``), kept in
:class:`Routes` until control of some town changes, so a unit's move costs the length of its
route, not the map.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from sim.agents import Faction, Forces, Relations, Unit
from sim.attrition import conscript
from sim.choice import RuleChoice, choose
from sim.context import FactionContext
from sim.factionday import FactionDay
from sim.march import Phase, blocked, flush, hold, march, travel
from sim.raid import Raiding
from sim.record import Recorder
from sim.rivers import Bridging
from sim.routes import Routes
from sim.rules import CompiledRule
from sim.sense import Sense
from sim.state import Ledger, Roads, TownState
from sim.supply import SupplyState
from sim.unitrules import compile_unit
from sim.world import Field, World

__all__ = ["QUEUE_UNITS", "Routes", "choose", "faction_actions", "give_orders", "order_target"]

#: With more units than this on the map, marches that depend on nothing another unit changes
#: during the phase are queued and marched together on arrays (``sim.marchvec``).
QUEUE_UNITS = 64


def faction_actions(
    factions: Sequence[Faction],
    towns: TownState,
    ledger: Ledger,
    stats: Sequence[dict[str, Any]],
    day: int,
    sense: Sense,
    fighting_age_share: float,
    record: Recorder,
) -> None:
    """Run every faction-wide rule whose condition holds (conscription).

    A condition of faction-wide names only is evaluated in its unit form
    (``sim.unitrules``: the same questions in the same order, fewer calls).
    """
    for f in factions:
        if not f.faction_rules:
            continue
        ctx: FactionContext | None = None
        env: FactionDay | None = None
        for rule in f.faction_rules:
            cond = compile_unit(rule.condition)
            if cond.unit_free:
                if env is None:
                    # no unit, no supply: a unit-free condition reads neither
                    env = FactionDay(f.index, day, stats[f.index], sense, cast(SupplyState, None))
                holds = bool(cond.test(cast(Unit, None), env))
            else:
                if ctx is None:
                    ctx = FactionContext(f.index, day, stats[f.index], sense)
                holds = rule.condition.evaluate(ctx)
            if holds and rule.action == "conscript":
                conscript(towns, ledger, f, rule.params, fighting_age_share, record)


def give_orders(
    forces: Forces,
    factions: Sequence[Faction],
    relations: Relations,
    world: World,
    towns: TownState,
    supply: SupplyState,
    sense: Sense,
    routes: Routes,
    stats: Sequence[dict[str, Any]],
    day: int,
    priority_km: float,
    roads: Roads | None = None,
    bridging: Bridging | None = None,
) -> None:
    """Each unit, in a fixed order, takes its order for the day and moves; refreshes ``sense``.

    Highways the timeline closed (``roads``) carry no route; engineers (``bridging``, with
    ``roads``) work on closed river crossings, which open at the end of the phase.
    """
    routes.sync(towns.version)
    edge_open = ~roads.closed if roads is not None and roads.any_closed else None
    raiding = Raiding.needed(factions, world, towns, relations, sense, edge_open)
    bridges = bridging is not None and roads is not None
    # queued marches wait while other units choose and move: that is the same as marching
    # at once as long as nothing reads where the queued units stand (see flush)
    queue: list[tuple[Unit, Field | None]] | None = (
        [] if len(forces.units) > QUEUE_UNITS and raiding is None and bridging is None else None)
    o = Phase(world, towns, factions, relations, supply, sense, routes, day, priority_km,
                edge_open, {}, queue)
    rules = RuleChoice(forces.units, factions, day, stats, sense, supply,
                       bridges or raiding is not None)
    gate = _gate(towns, relations, roads, bridging, raiding)
    # a unit's field depends only on its faction, its order's parameter and its tags (and on
    # control, roads and the day, fixed during the phase): looked up once per phase
    fields: dict[tuple[Any, ...], Field] = {}
    rule_of = rules.rule
    scalar = rules.scalar  # faction -> (UnitProgram.first, its FactionDay), once known
    for place, unit in enumerate(forces.units):
        if queue and rules.evaluates(unit):  # its conditions may read where units stand
            flush(o)
        f = unit.faction
        kept = scalar.get(f)
        rule = kept[0](unit, kept[1], gate) if kept is not None else rule_of(place, unit, gate)
        if rule is None:
            action, params = "hold", _NO_PARAMS
            unit.rule = ""
        else:
            action, params = rule.action, rule.params
            unit.rule = rule.id
        unit.order = action
        unit.route, unit.goal = None, -1
        unit.entrenched = action == "defend" or action == "hold"
        if action != "besiege":
            unit.besieging = -1
        if unit.dest < 0 and blocked(o, unit, unit.node):
            # in a contested town: fight on, or break off towards the town it came from
            if action == "retreat" and unit.came_from != unit.node and (
                    edge_open is None or edge_open[world.edge(unit.node, unit.came_from)]):
                unit.dest, unit.progress = unit.came_from, 0.0
                travel(o, unit, _route(o, fields, "retreat", f))
            else:
                unit.goal = unit.node
            continue
        fld: Field | None = None
        ratio: float | None = None
        on_odds = False
        if action == "advance":
            key: tuple[Any, ...] = ("objective", f, params.get("objective"), unit.tags)
            fld = fields.get(key)
            if fld is None:
                fld = _route(o, fields, "objective", f, params.get("objective"), unit.tags)
        elif action == "besiege":
            key = ("objective", f, params.get("target"), unit.tags)
            fld = fields.get(key)
            if fld is None:
                fld = _route(o, fields, "objective", f, params.get("target"), unit.tags)
            ratio = float(params["assault_ratio"])
            on_odds = params.get("assault_on") == "odds"
        elif action == "reinforce":
            fld = _route(o, fields, "reinforce", f, float(params["radius_km"]))
        elif action == "retreat":
            fld = _route(o, fields, "retreat", f)
        elif action == "raid" and raiding is not None and rule is not None:
            fld = raiding.route(unit, rule)
        elif action == "bridge" and bridging is not None:
            ends = bridging.held_ends(str(params["crossing"]), unit.faction, towns, relations)
            if unit.dest < 0 and unit.node in ends:
                bridging.work_day(unit, params, day, factions[unit.faction])
                unit.goal = unit.node
            else:
                fld = toward_field(o, unit.faction, ends)
        else:
            hold(unit)
        if fld is not None:
            if queue is None:  # travel's own steps without a queue
                unit.route = fld
                march(o, unit, fld, ratio, on_odds)
                unit.settle()
            else:
                travel(o, unit, fld, assault_ratio=ratio, on_odds=on_odds)
    flush(o)
    if bridging is not None and roads is not None:
        bridging.finish_day(roads, towns)
    sense.refresh()


_NO_PARAMS: dict[str, Any] = {}


def _route(
    o: Phase,
    fields: dict[tuple[Any, ...], Field],
    kind: str,
    faction: int,
    param: Any = None,
    tags: frozenset[str] = frozenset(),
) -> Field:
    """The phase's field of this kind (``objective_field``, ...), asked once per phase.

    What a field depends on besides these (control, the roads, the day) is fixed during the
    phase, so the same key gives the same field as asking again.
    """
    key = (kind, faction, param, tags)
    fld = fields.get(key)
    if fld is None:
        if kind == "objective":
            fld = objective_field(o, faction, param, tags)
        elif kind == "reinforce":
            fld = reinforce_field(o, faction, param)
        else:
            fld = retreat_field(o, faction)
        fields[key] = fld
    return fld


def _gate(
    towns: TownState,
    relations: Relations,
    roads: Roads | None,
    bridging: Bridging | None,
    raiding: Raiding | None,
) -> Callable[[Unit, CompiledRule], bool] | None:
    """Whether a rule can give a unit its order (None: every rule can).

    A ``raid`` rule only when the unit has a target (``Raiding.target``), a ``bridge`` rule
    only when ``Bridging.usable`` says so; the rule choice asks only about those two.
    """
    bridge = bridging.usable if bridging is not None and roads is not None else None
    if bridge is None and raiding is None:
        return None

    def gate(unit: Unit, rule: CompiledRule) -> bool:
        if raiding is not None and rule.action == "raid":
            return raiding.target(unit, rule) >= 0
        return bridge is None or bridge(unit, towns, relations, roads, rule)  # type: ignore[arg-type]

    return gate


def objective_field(
    o: Phase, faction: int, town: str | None, tags: frozenset[str] = frozenset()
) -> Field:
    """Routes towards the best objective not yet held by the bloc, for a unit with ``tags``.

    The objectives are the faction's untagged ones and those tagged for one of ``tags``
    (all of them when no objective has tags); one search per objective set.
    """
    f = o.factions[faction]
    chosen = f.objectives_for(tags) if town is None and f.objective_tags else None
    key: tuple[Any, ...] = ("objective", faction, town, o.towns.version)
    if chosen is not None:
        key = (*key, chosen)
    cached = o.routes.fields.get(key)
    if cached is not None:
        return cached
    ctrl = o.towns.controller
    friends = f.friends  # a set: ``x in array`` costs ~3 us a test
    if town is not None:
        goals = [(o.world.index[town], 1.0)]
    elif chosen is not None:
        goals = [f.objectives[i] for i in chosen]
    else:
        goals = f.objectives
    targets = [t for t, _ in goals if int(ctrl[t]) not in friends]
    prios = [p for t, p in goals if int(ctrl[t]) not in friends]
    top = max(prios) if prios else 0.0
    km = o.priority_km
    fld = o.world.field(
        np.array(targets, dtype=np.int64),
        np.array([(top - p) * km for p in prios]),
        edge_open=o.edge_open,
    )
    o.routes.fields[key] = fld
    return fld


def toward_field(o: Phase, faction: int, towns: list[int]) -> Field:
    """Routes through friendly territory to the nearest of these towns (a crossing's ends)."""
    key = ("toward", faction, tuple(towns), o.towns.version)
    cached = o.routes.fields.get(key)
    if cached is None:
        cached = o.world.field(np.array(towns, dtype=np.int64), np.zeros(len(towns)),
                               _friendly_mask(o, faction), o.edge_open)
        o.routes.fields[key] = cached
    return cached


def _friendly_mask(o: Phase, faction: int) -> np.ndarray:
    return o.relations.friend_of[faction][o.towns.controller]


def reinforce_field(o: Phase, faction: int, radius_km: float) -> Field:
    """Routes through friendly territory to the nearest friendly town with enemies near."""
    fields = o.routes.fields
    key = ("reinforce", faction, radius_km, o.day)
    cached = fields.get(key)
    if cached is None:
        # earlier days' entries are stale: drop them, or a long run without a capture (which
        # clears the cache) keeps one per day (10,000 days of the default scenario: 9,874)
        for old in [k for k in fields if k[0] == "reinforce" and k[3] != o.day]:
            del fields[old]
        mask = _friendly_mask(o, faction)
        threatened = o.sense.threatened_towns(faction, mask, radius_km)
        # the routes depend only on the threatened towns and on control (the mask): reuse
        # yesterday's search when neither changed
        inputs = (o.towns.version, threatened.tobytes())
        last = o.routes._reinforce.get((faction, radius_km))
        if last is not None and last[0] == inputs:
            cached = last[1]
        else:
            cached = o.world.field(threatened, np.zeros(len(threatened)), mask, o.edge_open)
            o.routes._reinforce[(faction, radius_km)] = (inputs, cached)
        fields[key] = cached
    return cached


def retreat_field(o: Phase, faction: int) -> Field:
    """Routes through friendly territory to the nearest safe rear town.

    A rear town is held by the faction's bloc, supplied, and has no enemy-held town next to
    it; where there is none, the routes lead back to the supply sources.
    """
    key = ("retreat", faction, o.towns.version)
    cached = o.routes.fields.get(key)
    if cached is None:
        w = o.world
        f = o.factions[faction]
        mask = _friendly_mask(o, faction)
        # as np.isin(controller, enemies), ~20x faster (the last column is nobody's: False)
        enemy_held = o.relations.enemy_of[faction][o.towns.controller]
        rear = mask & o.supply.reach[faction] & ~near_held(w, enemy_held)
        targets = np.nonzero(rear)[0]
        if not len(targets):
            targets = f.sources[mask[f.sources]] if len(f.sources) else f.sources
        cached = w.field(targets, np.zeros(len(targets)), mask, o.edge_open)
        o.routes.fields[key] = cached
    return cached


def near_held(w: World, held: np.ndarray) -> np.ndarray:
    """Bool per town: ``held`` there or in a town a highway joins to it.

    ``(adj_self @ held) > 0``, the 0/1 matrix of the highways and the towns themselves,
    without the sparse product's set-up (tests/test_phase_orders.py compares them).
    """
    near = held.copy()
    near[w.eu[held[w.ev]]] = True
    near[w.ev[held[w.eu]]] = True
    return near


def order_target(unit: Unit) -> int:
    """The town today's order leads the unit to (-1: none; for the diagnostics files).

    The town it waits outside (besieging) or fights in, else the end of the route it
    followed (walked along the route's next hops from where it stands).
    """
    if unit.besieging >= 0:
        return unit.besieging
    fld = unit.route
    if fld is None:
        return unit.goal
    town = unit.dest if unit.dest >= 0 else unit.node
    for _ in range(len(fld.next_hop)):
        nxt = int(fld.next_hop[town])
        if nxt < 0:
            break
        town = nxt
    return town if np.isfinite(fld.dist[town]) else -1
