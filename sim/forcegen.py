"""Force generation: replacement of losses, reinforcement flows, garrison sizes and release.

This module owns :class:`ForceGen` (each reinforcement flow's progress) and the dawn phase
:func:`generate`, which runs right after the timeline (``sim.timeline.fire_due``) and before
the faction rules, on the supply state computed at the end of the day before:

1. **replacements**: a unit with ``replacements_per_day`` that was out of battle yesterday and
   whose faction's supply reaches it gains that many fighters, up to its ``authorised``
   strength (``Ledger.replaced``);
2. **flows** (faction order, then file order): each active flow delivers ``per_day`` fighters
   (the last day: what is left of ``total``) to its unit or town; a delivery that cannot be
   made (the unit is off the map or cut off, the town is not held by the flow's faction or cut
   off) is not made, and the first day of each such stretch is logged (``Ledger.arrived``);
3. **release** (faction order, then town order): a garrison of a faction whose
   :class:`~sim.scenario.schema.GarrisonPolicy` has ``release_km`` sends what it holds above
   the policy's need to a unit of its faction standing in the town or next to it over an
   open highway (not across a closed river crossing or a blown bridge, ``Roads.closed``).

:func:`garrison_to_leave` sizes the garrison a capturing faction leaves (``sim.capture.capture``
calls it). Every figure is in fighters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.agents import Faction, Forces, Unit
from sim.constants import RELEASE_MIN
from sim.record import Recorder
from sim.scenario.schema import Flow, GarrisonPolicy, Scenario
from sim.sense import Sense
from sim.state import Ledger, Roads, TownState
from sim.supply import SupplyState
from sim.world import World

__all__ = ["ForceGen", "garrison_need", "garrison_to_leave", "generate"]


def garrison_need(
    policy: GarrisonPolicy, faction: int, town: int, sense: Sense, world: World
) -> float:
    """Fighters a ``fighters`` or ``threat_share`` policy wants in the town now.

    ``threat_share`` counts the fighters of hostile units within ``radius_km`` of the town
    (as ``enemy_near``: garrisons do not march out, so they are no threat).
    """
    if policy.fighters is not None:
        return policy.fighters
    return _need_at(policy, sense.call(faction, None, "enemy_near",
                                       (world.ids[town], policy.radius_km)))


def _need_at(policy: GarrisonPolicy, threat: float) -> float:
    """:func:`garrison_need` when ``threat`` hostile fighters are within ``radius_km``.

    It never falls as the threat grows (``threat_share`` and ``min`` are at least 0), so at a
    threat of 0 it is the least the policy can ask at any threat.
    """
    if policy.fighters is not None:
        return policy.fighters
    need = max(float(policy.threat_share or 0.0) * threat, policy.min)
    return need if policy.max is None else min(need, policy.max)


def _least_need(policy: GarrisonPolicy) -> float:
    """The least :func:`garrison_need` can return for the policy, at any threat."""
    return _need_at(policy, 0.0)


def _quiet_need(policy: GarrisonPolicy) -> float | None:
    """:func:`garrison_need` of a town with no hostile unit within ``release_km``.

    None when that is not known without asking: the threat is counted within ``radius_km``,
    so only when that does not reach beyond ``release_km`` is it no fighter at all (the 0.0
    of an empty sum; a -0.0 would give the same need and excess).
    """
    if policy.fighters is None and (policy.release_km is None
                                    or policy.radius_km > policy.release_km):
        return None
    return _need_at(policy, 0.0)


def garrison_to_leave(
    policy: GarrisonPolicy, faction: int, town: int, capturing: float, sense: Sense,
    world: World,
) -> float:
    """Fighters a ``fighters`` or ``threat_share`` policy takes from ``capturing`` fighters.

    The need (:func:`garrison_need`), but never more than ``cap_share`` of the capturing
    units' fighters (so a capture never dissolves the force that made it).
    """
    return min(garrison_need(policy, faction, town, sense, world), policy.cap_share * capturing)


def _day(value: int | dt.date | None, start: dt.date) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return (value - start).days


@dataclass
class _FlowRun:
    """One flow and how far it has come."""

    faction: int
    flow: Flow
    start: int | None  # first day (None: the day its from_event fires)
    until: int | None  # last day (None: the end of the run)
    delivered: float = 0.0
    arrived: bool = False
    blocked: bool = False
    done: bool = False


class ForceGen:
    """The run's reinforcement flows and their progress (in faction, then file, order).

    Args:
        spec: the scenario.
        world: its map.

    Attributes:
        flows: each flow with the fighters it has delivered so far.
    """

    def __init__(self, spec: Scenario, world: World) -> None:
        start = spec.simulation.start_date
        self.world = world
        self.flows: list[_FlowRun] = []
        for i, f in enumerate(spec.factions):
            for flow in f.flows:
                first = _day(flow.from_, start) if flow.from_event is None else None
                if flow.from_ is None and flow.from_event is None:
                    first = 1
                self.flows.append(_FlowRun(i, flow, first, _day(flow.until, start)))

    @staticmethod
    def needed(spec: Scenario) -> bool:
        """Whether the scenario uses any of it (else the model skips the phase)."""
        units = [u for f in spec.factions for u in f.forces]
        units += [a for ev in spec.events for a in ev.add_units]
        return (
            any(u.replacements_per_day > 0 for u in units)
            or any(f.flows for f in spec.factions)
            or any(f.garrison is not None and f.garrison.release_km for f in spec.factions)
            or any(".garrison" in path for ev in spec.events for path in ev.set)
        )


def generate(
    gen: ForceGen,
    day: int,
    fired_on: dict[str, int],
    towns: TownState,
    forces: Forces,
    factions: Sequence[Faction],
    supply: SupplyState,
    ledger: Ledger,
    sense: Sense,
    record: Recorder,
    roads: Roads | None = None,
) -> None:
    """The dawn phase of force generation (see the module's docstring); refreshes ``sense``.

    Args:
        gen: the flows' state.
        day: today.
        fired_on: timeline event id -> the day it fired (``Timeline.fired_on``).
        towns: control and garrisons (flows and release change garrisons).
        forces: the units (replacements, flows and release change fighters).
        factions: their garrison policies and garrison quality and morale.
        supply: yesterday's supply (who is reached, which towns are supplied).
        ledger: ``replaced`` and ``arrived`` are counted here.
        sense: asked for hostile units near a town; refreshed when fighters changed.
        record: ``flow`` and ``release`` events.
        roads: closed highways, which a released garrison does not cross (None: none closed).
    """
    changed = _replace(forces, supply, ledger)
    if gen.flows:
        changed |= _flows(gen, day, fired_on, towns, forces, factions, supply, ledger, record)
    if any(f.garrison_policy is not None and f.garrison_policy.release_km for f in factions):
        changed |= _release(gen.world, towns, forces, factions, supply, sense, record, roads)
    if changed:
        sense.refresh()


def _replace(forces: Forces, supply: SupplyState, ledger: Ledger) -> bool:
    changed = False
    for u in forces:
        room = u.authorised - u.fighters
        if u.replacements > 0 and room > 0 and not u.in_battle and supply.reach[u.faction, u.node]:
            add = min(u.replacements, room)
            u.fighters += add
            ledger.replaced[u.faction] += add
            changed = True
    return changed


def _mix(old: float, old_n: float, new: float, new_n: float) -> float:
    """Fighter-weighted mean of two values."""
    total = old_n + new_n
    return old if total <= 0 else (old * old_n + new * new_n) / total


def _flows(
    gen: ForceGen,
    day: int,
    fired_on: dict[str, int],
    towns: TownState,
    forces: Forces,
    factions: Sequence[Faction],
    supply: SupplyState,
    ledger: Ledger,
    record: Recorder,
) -> bool:
    w = gen.world
    by_key = {u.key: u for u in forces}
    changed = False
    for run in gen.flows:
        flow = run.flow
        start = run.start if flow.from_event is None else fired_on.get(flow.from_event)
        if run.done or start is None or day < start:
            continue
        f = factions[run.faction]
        if run.until is not None and day > run.until:
            _finish(run, f, -1, record, "its last day has passed")
            continue
        amount = flow.per_day if flow.total is None else min(flow.per_day,
                                                             flow.total - run.delivered)
        unit: Unit | None = None
        town = -1
        if flow.to_unit is not None:
            unit = by_key.get(flow.to_unit)
            why = _unit_blocked(unit, flow, supply, run.faction)
            if unit is not None:
                town = unit.node
        else:
            town = w.index[str(flow.to_town)]
            why = _town_blocked(town, flow, towns, supply, run.faction, factions)
        if why:
            if not run.blocked:
                record.emit("flow", f.id, town, "", f"{flow.id} blocked",
                            f"{f.name}'s reinforcements ({flow.id}) cannot arrive: {why}")
            run.blocked = True
            continue
        run.blocked = False
        if unit is not None:
            if flow.quality is not None:
                unit.quality = _mix(unit.quality, unit.fighters, flow.quality, amount)
            if flow.morale is not None:
                unit.morale = _mix(unit.morale, unit.fighters, flow.morale, amount)
            unit.fighters += amount
        else:
            g = float(towns.garrison[town])
            q = f.garrison_quality if flow.quality is None else flow.quality
            m = f.garrison_morale if flow.morale is None else flow.morale
            towns.garrison_quality[town] = _mix(float(towns.garrison_quality[town]), g, q, amount)
            towns.garrison_morale[town] = _mix(float(towns.garrison_morale[town]), g, m, amount)
            towns.garrison[town] = g + amount
        ledger.arrived[run.faction] += amount
        run.delivered += amount
        changed = True
        target = unit.name if unit is not None else w.names[town]
        if not run.arrived:
            run.arrived = True
            record.emit("flow", f.id, town, "", f"{flow.id} arrives",
                        f"{f.name}'s reinforcements ({flow.id}) start arriving: "
                        f"{amount:,.0f} fighters to {target}")
        if flow.total is not None and run.delivered >= flow.total:
            _finish(run, f, town, record, "its total has arrived")
        elif run.until is not None and day >= run.until:
            _finish(run, f, town, record, "its last day")
    return changed


def _unit_blocked(unit: Unit | None, flow: Flow, supply: SupplyState, faction: int) -> str:
    if unit is None:
        return f"unit {flow.to_unit} is not on the map"
    if flow.needs_supply and not supply.reach[faction, unit.node]:
        return f"{unit.name} is cut off from supply"
    return ""


def _town_blocked(
    town: int, flow: Flow, towns: TownState, supply: SupplyState, faction: int,
    factions: Sequence[Faction],
) -> str:
    holder = int(towns.controller[town])
    if holder != faction:
        return f"{flow.to_town} is held by " + (factions[holder].name if holder >= 0 else
                                                "nobody")
    if flow.needs_supply and not supply.supplied[town]:
        return f"{flow.to_town} is cut off from supply"
    return ""


def _finish(run: _FlowRun, f: Faction, town: int, record: Recorder, why: str) -> None:
    run.done = True
    record.emit("flow", f.id, town, "", f"{run.flow.id} complete",
                f"{f.name}'s reinforcements ({run.flow.id}) end ({why}): "
                f"{run.delivered:,.0f} fighters arrived")


def _release(
    world: World,
    towns: TownState,
    forces: Forces,
    factions: Sequence[Faction],
    supply: SupplyState,
    sense: Sense,
    record: Recorder,
    roads: Roads | None = None,
) -> bool:
    closed = roads.closed if roads is not None and roads.any_closed else None
    changed = False
    for f in factions:
        policy = f.garrison_policy
        if policy is None or not policy.release_km:
            continue
        mine = [(i, u) for i, u in enumerate(forces) if u.faction == f.index and u.dest < 0]
        if not mine:
            continue
        # towns with one of those units in them or next to them (a superset of where a
        # release can go): the others are skipped before their threat is asked about
        close = {u.node for _, u in mine}
        for node in list(close):
            close.update(world.neighbours(node).tolist())
        # only this town's garrison changes in the loop, so the others can be sifted first;
        # a garrison less than RELEASE_MIN above the least need releases nothing at any
        # threat (its excess, g - need, is at most g - least: rounding keeps the order), so
        # its threat is not asked about
        garrison = towns.garrison
        held = ((towns.controller == f.index) & (garrison > RELEASE_MIN) & supply.supplied
                & (garrison - _least_need(policy) >= RELEASE_MIN))
        quiet = _quiet_need(policy)
        for town in np.flatnonzero(held).tolist():
            if town not in close:
                continue
            g = float(towns.garrison[town])
            if sense.call(f.index, None, "enemy_near", (world.ids[town], policy.release_km)):
                continue
            if quiet is None:
                excess = g - garrison_need(policy, f.index, town, sense, world)
            else:
                excess = g - quiet  # nothing hostile within release_km: the need is known
            if excess < RELEASE_MIN:
                continue
            near = {town: 0.0}
            for nb in world.neighbours(town):
                k = world.edge(town, int(nb))
                if closed is None or not closed[k]:
                    near[int(nb)] = float(world.eff_km[k])
            options = [(near[u.node], i, u) for i, u in mine if u.node in near]
            if not options:
                continue
            _, _, unit = min(options, key=lambda o: (o[0], o[1]))
            unit.quality = _mix(unit.quality, unit.fighters,
                                float(towns.garrison_quality[town]), excess)
            unit.morale = _mix(unit.morale, unit.fighters, float(towns.garrison_morale[town]),
                               excess)
            unit.fighters += excess
            towns.conscripts[town] *= (g - excess) / g
            towns.garrison[town] = g - excess
            changed = True
            record.emit("release", f.id, town, "", f"{excess:.0f} fighters to {unit.key}",
                        f"{f.name} releases {excess:,.0f} of {world.names[town]}'s garrison "
                        f"to {unit.name}")
    return changed
