"""The timeline: scenario events that fire on a date, on a day, or when a condition holds.

This module owns :class:`Timeline` (which events have fired) and the dawn phase
:func:`fire_due`, which applies each event's effects to the state objects and logs a
``timeline`` event. An event fires once: on its date or day, or at dawn of the first day its
condition holds (evaluated from its ``faction``'s view, on yesterday's statistics); a
condition that stays true does not fire it again. Effects apply at dawn, before the day's
rules, in this order: set, relations, close, open, close_crossings, open_crossings, airlift,
airlift_capacity, air, withdraw, add_units.

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
from sim.context import FactionContext
from sim.errors import Problem, ScenarioError
from sim.record import Recorder
from sim.scenario.expr import FACTION, Condition, ExprError, compile_condition
from sim.scenario.schema import Arrival, Scenario, TimelineEvent
from sim.sense import Sense
from sim.state import Ledger, Roads, TownState
from sim.supply import SupplyState
from sim.world import World

__all__ = ["RUNTIME_PATHS", "Timeline", "fire_due"]

#: Dotted-path prefixes a timeline ``set`` may change during a run (read afresh every day).
RUNTIME_PATHS = (
    "simulation.combat.",
    "simulation.siege.",
    "simulation.movement.",
    "simulation.fighting_age_share",
)
_FACTION_FIELDS = (
    "rules", "objectives", "garrison_quality", "garrison_morale", "garrison", "air"
)


class Timeline:
    """The scenario's timeline events, checked against the map, and which have fired.

    Args:
        spec: the scenario.
        world: its map.
        file: the scenario file, for messages.

    Raises:
        ScenarioError: an event names an unknown town, unit, faction or highway, a date
            outside the run, a path that cannot change during a run, or a bad condition.
    """

    def __init__(self, spec: Scenario, world: World, file: str = "<scenario>") -> None:
        self.events = list(spec.events)
        self.start: dt.date = spec.simulation.start_date
        self.fired: set[str] = set()
        self.fired_on: dict[str, int] = {}
        self.day_of: dict[str, int] = {}
        self.conditions: dict[str, Condition] = {}
        problems: list[Problem] = []
        factions = {f.id for f in spec.factions}
        with_air = {f.id for f in spec.factions if f.air is not None}
        units = {u.id for f in spec.factions for u in f.forces}
        roads = {frozenset((h.from_, h.to)) for h in spec.highways}
        days = spec.simulation.days

        def bad(i: int, where: str, message: str) -> None:
            problems.append(Problem(file, None, f"events[{i}]{where}", message))

        for i, ev in enumerate(self.events):
            triggers = [x for x in (ev.date, ev.day, ev.when) if x is not None]
            if len(triggers) != 1:
                bad(i, "", "give exactly one of date, day and when")
            if ev.date is not None and not 0 < (ev.date - self.start).days <= days:
                bad(i, ".date", f"{ev.date} is outside the run ({self.start} + {days} days)")
            if ev.day is not None and ev.day > days:
                bad(i, ".day", f"day {ev.day} is after the run's last day ({days})")
            base = ev.day if ev.date is None else (ev.date - self.start).days
            if base is not None:
                self.day_of[ev.id] = base
            if ev.spread_days and base is None:
                bad(i, ".spread_days", "a spread needs a date or a day, not a condition")
            elif ev.spread_days and base is not None:
                lo, hi = base - ev.spread_days, base + ev.spread_days
                if lo < 1 or hi > days:
                    bad(i, ".spread_days", f"the window {self._date(lo)} - {self._date(hi)} "
                        f"(days {lo} - {hi}) is not inside the run (days 1 - {days}, "
                        f"{self._date(1)} to {self._date(days)})")
            if ev.when is not None:
                if ev.faction not in factions:
                    bad(i, ".faction", "a condition needs the faction it is seen from")
                try:
                    self.conditions[ev.id] = compile_condition(ev.when, FACTION, set(world.ids))
                except ExprError as exc:
                    bad(i, ".when", str(exc))
            for path in ev.set:
                parts = path.split(".")
                ok = path.startswith(RUNTIME_PATHS) or (
                    len(parts) >= 3 and parts[0] == "factions" and parts[1] in factions
                    and parts[2].split("[")[0] in _FACTION_FIELDS
                )
                if not ok:
                    bad(i, f".set.{path}", "cannot change during a run (see RUNTIME_PATHS)")
                elif parts[0] == "factions" and parts[2] == "air" and parts[1] not in with_air:
                    bad(i, f".set.{path}", f"faction {parts[1]!r} has no air: block to change")
            for j, change in enumerate(ev.relations):
                a, b = change.factions
                if a == b or a not in factions or b not in factions:
                    bad(i, f".relations[{j}]", f"needs two different factions, got {a}, {b}")
            for key in ("close", "open"):
                for j, r in enumerate(getattr(ev, key)):
                    if frozenset((r.from_, r.to)) not in roads:
                        bad(i, f".{key}[{j}]", f"no highway joins {r.from_!r} and {r.to!r}")
            for town, share in ev.airlift.items():
                if town not in world.index:
                    bad(i, f".airlift.{town}", f"unknown town {town!r}")
                if not 0 <= share <= 1:
                    bad(i, f".airlift.{town}", f"a share is between 0 and 1, got {share}")
            for town, capacity in ev.airlift_capacity.items():
                if town not in world.index:
                    bad(i, f".airlift_capacity.{town}", f"unknown town {town!r}")
                if not 0 <= capacity <= 10_000_000:
                    bad(i, f".airlift_capacity.{town}",
                        f"a capacity is 0 to 10,000,000 fighter-days a day, got {capacity}")
            for fid, sorties in ev.air.items():
                if fid not in factions:
                    bad(i, f".air.{fid}", f"unknown faction {fid!r}")
                elif fid not in with_air:
                    bad(i, f".air.{fid}", f"faction {fid!r} has no air: block (its "
                        "effect_per_sortie and max_multiplier)")
                if not 0 <= sorties <= 100_000:
                    bad(i, f".air.{fid}", f"sorties a day are 0 to 100,000, got {sorties}")
            for j, uid in enumerate(ev.withdraw):
                if uid not in units:
                    bad(i, f".withdraw[{j}]", f"unknown unit {uid!r}")
            for j, arr in enumerate(ev.add_units):
                if arr.faction not in factions:
                    bad(i, f".add_units[{j}].faction", f"unknown faction {arr.faction!r}")
                if arr.town not in world.index:
                    bad(i, f".add_units[{j}].town", f"unknown town {arr.town!r}")
                if arr.id in units:
                    bad(i, f".add_units[{j}].id", f"unit id {arr.id!r} is taken")
                units.add(arr.id)
        if problems:
            raise ScenarioError(problems)

    def _date(self, day: int) -> str:
        """The date of a day of the run, as text ("off the calendar" outside years 1-9999)."""
        try:
            return str(self.start + dt.timedelta(days=day))
        except OverflowError:
            return "off the calendar"

    def draw(self, rng: np.random.Generator) -> None:
        """Draw the day of each event with ``spread_days`` (file order; once per run)."""
        for ev in self.events:
            if ev.spread_days and ev.id in self.day_of:
                self.day_of[ev.id] += int(rng.integers(-ev.spread_days, ev.spread_days + 1))

    def window(self, ev: TimelineEvent) -> str:
        """The days an event with a spread may fall on, as text: ``"days 3-7"``."""
        base = ev.day if ev.date is None else (ev.date - self.start).days
        return f"days {(base or 0) - ev.spread_days}-{(base or 0) + ev.spread_days}"

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
        text = ev.note or f"timeline event {ev.id}"
        if ev.spread_days:
            text += f" (drawn day {day} of {timeline.window(ev)})"
        where = world.index[ev.add_units[0].town] if ev.add_units else -1
        record.emit(
            "timeline", "", where, "", ev.id, text + (f" ({'; '.join(notes)})" if notes else "")
        )
    if due:
        sense.refresh()
