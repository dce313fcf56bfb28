"""The timeline: scenario events that fire on a date, on a day, or when a condition holds.

This module owns :class:`Timeline` (which events have fired) and the dawn phase
:func:`fire_due`, which applies each event's effects to the state objects and logs a
``timeline`` event. An event fires once: on its date or day, or at dawn of the first day its
condition holds (evaluated from its ``faction``'s view, on yesterday's statistics); a
condition that stays true does not fire it again. Effects apply at dawn, before the day's
rules, in this order: set, relations, close, open, close_crossings, open_crossings, airlift,
airlift_capacity, air, withdraw, add_units, sortie.

An event on a date or day with ``spread_days: N`` fires on a day drawn once per run,
uniformly from its day - N to its day + N (whole days), by :meth:`Timeline.draw`: the model
calls it once, when the run is built and before anything else draws from the run's generator,
for the events with a spread in file order (one ``rng.integers`` each). A scenario without a
spread draws nothing, so its results do not change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sim.agents import Faction, Forces, Relations, Unit
from sim.air import AirPower
from sim.constants import DESTROYED_BELOW
from sim.context import FactionContext
from sim.errors import Problem, ScenarioError
from sim.record import Recorder
from sim.scenario.expr import FACTION, Condition, ExprError, compile_condition
from sim.scenario.schema import Arrival, Scenario, Sortie, TimelineEvent
from sim.scenario.timelinechecks import RUNTIME_PATHS
from sim.sense import Sense
from sim.state import Ledger, Roads, TownState
from sim.supply import SupplyState
from sim.world import World

__all__ = ["RUNTIME_PATHS", "Timeline", "fire_due"]


class Timeline:
    """The scenario's timeline events and which have fired.

    The user-facing checks of the events run when the scenario is loaded
    (:mod:`sim.scenario.timelinechecks`); here an event's day and condition are only computed.

    Args:
        spec: the scenario (loaded, so its events are checked).
        world: its map.
        file: the scenario file, for messages.

    Raises:
        ScenarioError: a condition does not compile (only for a scenario that was not
            loaded through :func:`~sim.scenario.load_scenario`).
    """

    def __init__(self, spec: Scenario, world: World, file: str = "<scenario>") -> None:
        self.events = list(spec.events)
        self.start: dt.date = spec.simulation.start_date
        self.fired: set[str] = set()
        self.fired_on: dict[str, int] = {}
        self.day_of: dict[str, int] = {}
        self.conditions: dict[str, Condition] = {}
        for ev in self.events:
            base = ev.day_number(self.start)
            if base is not None:
                self.day_of[ev.id] = base
            if ev.when is not None:
                try:
                    self.conditions[ev.id] = compile_condition(ev.when, FACTION, set(world.ids))
                except ExprError as exc:
                    raise ScenarioError([Problem(file, None, f"events.{ev.id}.when",
                                                 str(exc))]) from None

    def draw(self, rng: np.random.Generator) -> None:
        """Draw the day of each event with ``spread_days`` (file order; once per run)."""
        for ev in self.events:
            if ev.spread_days and ev.id in self.day_of:
                self.day_of[ev.id] += int(rng.integers(-ev.spread_days, ev.spread_days + 1))

    def window(self, ev: TimelineEvent) -> str:
        """The days an event with a spread may fall on, as text: ``"days 3-7"``."""
        base = ev.day_number(self.start) or 0
        return f"days {base - ev.spread_days}-{base + ev.spread_days}"

    def due(
        self, day: int, stats: Sequence[dict[str, Any]], sense: Sense, index: dict[str, int]
    ) -> list[TimelineEvent]:
        """The events that fire at dawn of ``day`` (marked as fired)."""
        out = []
        for ev in self.events:
            if ev.id in self.fired:
                continue
            if ev.when is not None and ev.faction is not None:
                f = index[ev.faction]
                ctx = FactionContext(f, day, stats[f], sense)
                hit = bool(self.conditions[ev.id].evaluate(ctx))
            else:
                hit = self.day_of.get(ev.id) == day
            if hit:
                self.fired.add(ev.id)
                self.fired_on[ev.id] = day
                out.append(ev)
        return out


def fire_due(
    timeline: Timeline,
    day: int,
    stats: Sequence[dict[str, Any]],
    world: World,
    towns: TownState,
    roads: Roads,
    relations: Relations,
    factions: Sequence[Faction],
    forces: Forces,
    supply: SupplyState,
    ledger: Ledger,
    sense: Sense,
    record: Recorder,
    make_unit: Callable[[Arrival], Unit],
    apply_sets: Callable[[dict[str, Any]], None],
    air: AirPower | None = None,
) -> None:
    """Apply the effects of every event due at dawn; each firing is a ``timeline`` event.

    Refreshes ``sense`` when something fired (units may have come or gone).
    """
    due = timeline.due(day, stats, sense, relations.index)
    for ev in due:
        if ev.set:
            apply_sets(dict(ev.set))
        if ev.relations:
            for change in ev.relations:
                relations.set(change.factions[0], change.factions[1], change.relation)
            towns.bump()
        changed = False
        for key, value in (("close", True), ("open", False)):
            for r in getattr(ev, key):
                roads.closed[world.edge(world.index[r.from_], world.index[r.to])] = value
                changed = True
        for crossings, value in ((ev.close_crossings, True), (ev.open_crossings, False)):
            for cid in crossings:
                roads.closed[world.crossing_edge[cid]] = value
                changed = True
        if changed:
            towns.bump()
        for town, share in ev.airlift.items():
            supply.airlift[world.index[town]] = share
        for town, capacity in ev.airlift_capacity.items():
            supply.airlift_capacity[world.index[town]] = capacity
        if air is not None:
            for fid, sorties in ev.air.items():
                air.sorties[relations.index[fid]] = float(sorties)
        notes = []
        for uid in ev.withdraw:
            unit = next((u for u in forces if u.key == uid), None)
            if unit is not None:
                ledger.withdrawn[unit.faction] += unit.fighters
                forces.remove(unit)
            else:
                notes.append(f"{uid} is no longer on the map")
        for arrival in ev.add_units:
            f = relations.index[arrival.faction]
            holder = towns.controller[world.index[arrival.town]]
            if holder >= 0 and holder in relations.friends[f]:
                unit = make_unit(arrival)
                forces.add(unit)
                ledger.arrived[f] += unit.fighters
            else:
                notes.append(f"{arrival.name} cannot arrive: {arrival.town} is not held by a "
                             "friend")
        for sortie in ev.sortie:
            note = _sortie(sortie, world, towns, relations, forces, make_unit)
            if note:
                notes.append(note)
        text = ev.note or f"timeline event {ev.id}"
        if ev.spread_days:
            text += f" (drawn day {day} of {timeline.window(ev)})"
        first = ev.newcomers()
        where = world.index[first[0].town] if first else -1
        record.emit(
            "timeline", "", where, "", ev.id, text + (f" ({'; '.join(notes)})" if notes else "")
        )
    if due:
        sense.refresh()


def _sortie(
    sortie: Sortie,
    world: World,
    towns: TownState,
    relations: Relations,
    forces: Forces,
    make_unit: Callable[[Arrival], Unit],
) -> str:
    """Part of a garrison leaves its town as a unit; returns a note when nothing could leave.

    The fighters move from the garrison to the unit, so the faction's totals do not change
    (no ledger entry); the garrison's conscripts leave in proportion, and the unit takes the
    garrison's quality and morale unless the event gives its own.
    """
    t = world.index[sortie.town]
    f = relations.index[sortie.faction]
    if towns.controller[t] != f:
        return f"{sortie.name} cannot sortie: {sortie.town} is not held by {sortie.faction}"
    g = float(towns.garrison[t])
    take = min(g, sortie.fighters) if sortie.fighters is not None else g * (sortie.share or 0.0)
    if take < DESTROYED_BELOW:
        return f"{sortie.name} cannot sortie: {sortie.town}'s garrison is {g:,.0f}"
    towns.conscripts[t] *= (g - take) / g
    towns.garrison[t] = g - take
    quality = sortie.quality if sortie.quality is not None else float(towns.garrison_quality[t])
    morale = sortie.morale if sortie.morale is not None else float(towns.garrison_morale[t])
    forces.add(make_unit(Arrival(
        id=sortie.id, name=sortie.name, faction=sortie.faction, town=sortie.town,
        fighters=take, quality=quality, morale=morale, speed_km_day=sortie.speed_km_day,
        tags=list(sortie.tags),
    )))
    return ""

