"""Load-time checks of the timeline (``events:``): triggers, dates, ids, towns, factions, paths.

They run on the validated scenario (so every value has its type), after ``checks.py``, and add
located problems (file, line, path such as ``events.<id>.add_units.<unit>.town``) with "did
you mean" suggestions to the loader's collector, so ``frontline validate`` and ``frontline
run`` report them together. :class:`sim.timeline.Timeline` then only tracks which events fired.

Crossings named by events are checked in :mod:`sim.scenario.rivers`, tags named by
conditions in :mod:`sim.scenario.tasking`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from pydantic import ValidationError

from sim.errors import Problem
from sim.scenario.checks import faction_problems
from sim.scenario.copying import plain_copy
from sim.scenario.expr import FACTION, ExprError, compile_condition
from sim.scenario.overrides import apply_override, canonical_path, parse_path
from sim.scenario.problems import Problems, pydantic_problems, suggest
from sim.scenario.schema import Arrival, Faction, Scenario, SimulationParams, TimelineEvent
from sim.scenario.yamlio import PathKey, format_path, item_segments

__all__ = ["FACTION_FIELDS", "RUNTIME_PATHS", "check_timeline"]

#: Dotted-path prefixes a timeline ``set`` may change during a run (read afresh every day).
RUNTIME_PATHS = (
    "simulation.combat.",
    "simulation.siege.",
    "simulation.movement.",
    "simulation.fighting_age_share",
)
#: The fields of ``factions.<id>`` a timeline ``set`` may change during a run.
FACTION_FIELDS = (
    "rules", "objectives", "garrison_quality", "garrison_morale", "garrison", "air"
)


class _Context:
    """What the events of one scenario are checked against."""

    def __init__(self, spec: Scenario, data: dict[str, Any], problems: Problems,
                 touched: Collection[PathKey] | None = None) -> None:
        self.problems = problems
        self.data = data
        #: at run time, the sections a ``set`` changed (see :func:`check_timeline`)
        self.touched = touched
        #: event id -> (its place in the file, the event); the first of a repeated id
        self.events = {e.id: (i, e) for i, e in reversed(list(enumerate(spec.events)))}
        self.start: dt.date = spec.simulation.start_date
        self.days = spec.simulation.days
        self.factions = [f.id for f in spec.factions]
        self.towns = [t.id for t in spec.towns]
        self.town_set = set(self.towns)
        self.roads = {frozenset((h.from_, h.to)) for h in spec.highways}
        self.units = {u.id for f in spec.factions for u in f.forces}
        self.with_air = {f.id for f in spec.factions if f.air is not None}
        self._had: dict[str, set[tuple[str, str]]] = {}

    def new_problems(self, faction: dict[str, Any]) -> list[Problem]:
        """The cross-reference problems of a changed faction that the file does not have."""
        fid = str(faction.get("id"))
        mine = next((f for f in self.data.get("factions") or [] if isinstance(f, dict)
                     and f.get("id") == fid), {})
        if self.touched is not None:  # all its errors: a superset of the new ones is enough
            if faction == mine:  # the set changes nothing the caller has not checked
                return []
            return [p for p in faction_problems(self.data, faction, self.towns, self.town_set)
                    if p.severity == "error"]
        if fid not in self._had:
            self._had[fid] = {(p.path, p.message) for p in faction_problems(
                self.data, mine, self.towns, self.town_set)}
        return [p for p in faction_problems(self.data, faction, self.towns, self.town_set)
                if (p.path, p.message) not in self._had[fid]]

    def date(self, day: int) -> str:
        """The date of a day of the run, as text ("off the calendar" outside years 1-9999)."""
        try:
            return str(self.start + dt.timedelta(days=day))
        except OverflowError:
            return "off the calendar"

    def town(self, path: PathKey, tid: str) -> bool:
        """Whether ``tid`` is a town; report it unknown (with a suggestion) if not."""
        if tid in self.town_set:
            return True
        self.problems.add(path, f"unknown town {tid!r}{suggest(tid, self.towns)}")
        return False

    def faction(self, path: PathKey, fid: str) -> bool:
        """Whether ``fid`` is a faction; report it unknown (with a suggestion) if not."""
        if fid in self.factions:
            return True
        self.problems.add(path, f"unknown faction {fid!r}{suggest(fid, self.factions)}")
        return False


def check_timeline(spec: Scenario, data: dict[str, Any], problems: Problems,
                   touched: Collection[PathKey] | None = None) -> None:
    """Add every problem of the scenario's ``events`` to ``problems``.

    Args:
        spec: the validated scenario.
        data: the merged plain data it was validated from (for the ``set`` checks).
        problems: the loader's collector.
        touched: at run time (``sim.scenario.runsets``), the sections (``("simulation",)``,
            ``("factions", id)``) a ``set`` changed in a scenario that loaded without errors,
            no ``air`` block removed; the caller checks the touched factions as they are
            (``checks.faction_problems``). Then only what can bring an error there is
            checked: each event's ``set`` of those sections, applied and validated, errors
            only (at least the errors the full check finds; the warnings are not looked for,
            the run does not read them). The rest of the timeline's checks read nothing a
            run-time ``set`` changes.
    """
    if not spec.events:
        return
    ctx = _Context(spec, data, problems, touched)
    if touched is not None:
        for seg, ev in zip(item_segments([{"id": ev.id} for ev in spec.events]), spec.events,
                           strict=True):
            if ev.set:
                _check_set(ev, ("events", seg), ctx)
        return
    arrivals: dict[str, str] = {}  # arrival id -> the event that brings it
    for ev in spec.events:
        for a in ev.newcomers():
            arrivals.setdefault(a.id, ev.id)
    seen_arrivals: set[str] = set()
    segments = item_segments([{"id": ev.id} for ev in spec.events])
    for seg, ev in zip(segments, spec.events, strict=True):
        base: PathKey = ("events", seg)
        if seg != ev.id:
            problems.duplicate((*base, "id"), ("events", ev.id), f"event id {ev.id!r}",
                               "an event fires once, by id")
        _check_trigger(ev, base, ctx)
        _check_set(ev, base, ctx)
        _check_relations(ev, base, ctx)
        _check_roads(ev, base, ctx)
        _check_air(ev, base, ctx)
        _check_withdraw(ev, base, arrivals, ctx)
        for a in ev.newcomers():
            key = "add_units" if isinstance(a, Arrival) else "sortie"
            apath: PathKey = (*base, key, a.id)
            ctx.faction((*apath, "faction"), a.faction)
            ctx.town((*apath, "town"), a.town)
            if a.id in ctx.units:
                problems.add((*apath, "id"), f"unit id {a.id!r} is taken by a unit in forces")
            elif a.id in seen_arrivals:
                problems.add((*apath, "id"), f"unit id {a.id!r} is taken by an earlier arrival "
                             f"(event {arrivals[a.id]!r})")
            seen_arrivals.add(a.id)


def _check_withdraw(ev: TimelineEvent, base: PathKey, arrivals: dict[str, str],
                    ctx: _Context) -> None:
    """Each withdrawn unit exists, once, and is on the map by then (if that can be known)."""
    seen: set[str] = set()
    for j, uid in enumerate(ev.withdraw):
        where: PathKey = (*base, "withdraw", j)
        if uid in seen:
            ctx.problems.add(where, f"names {uid!r} twice")
            continue
        seen.add(uid)
        if uid in ctx.units:
            continue
        if arrivals.get(uid, ev.id) == ev.id:
            known = sorted(ctx.units | set(arrivals))
            extra = (" (it arrives in this same event, and withdraw applies before add_units)"
                     if uid in arrivals else suggest(uid, known))
            ctx.problems.add(where, f"unknown unit {uid!r}{extra}")
            continue
        i, here = ctx.events[ev.id]
        k, there = ctx.events[arrivals[uid]]
        mine, theirs = here.day_number(ctx.start), there.day_number(ctx.start)
        if mine is None or theirs is None:
            continue  # a condition: its day cannot be known before the run
        spread = here.spread_days + there.spread_days
        if mine + spread < theirs or (spread == 0 and mine == theirs and i < k):
            ctx.problems.add(where, f"unit {uid!r} arrives only on day {theirs} (event "
                             f"{there.id!r}), after this event (day {mine}): there is nothing "
                             "to withdraw yet")


def _check_trigger(ev: TimelineEvent, base: PathKey, ctx: _Context) -> None:
    """One of date, day and when; after the start; a spread window that starts in the run.

    A date or day after the last day is a warning (the run ends first), not an error.
    """
    bad = ctx.problems.add
    triggers = [x for x in (ev.date, ev.day, ev.when) if x is not None]
    if len(triggers) != 1:
        given = ", ".join(k for k in ("date", "day", "when") if getattr(ev, k) is not None)
        bad(base, f"give exactly one of date, day and when (given: {given or 'none'})")
    days = ctx.days
    # A date or day after the last day is no error: a run shortened by --days, a sweep or a
    # calibration of the first weeks simply ends before it (a warning says so; with a spread,
    # only when its whole window is after the last day).
    day = ev.day_number(ctx.start)
    field = "day" if ev.date is None else "date"
    if ev.date is not None and day is not None and day < 1:
        bad((*base, "date"), f"{ev.date} is not after the start date {ctx.start}: an event "
            f"fires at dawn of a day of the run ({ctx.date(1)} or later)")
    elif day is not None and day - ev.spread_days > days:
        when = f"day {ev.day}" if ev.date is None else str(ev.date)
        last = f"{days}" if ev.date is None else ctx.date(days)
        ctx.problems.warn((*base, field), f"{when} is after the run's last day ({last}): it "
                          "does not fire in this run")
    if ev.spread_days and day is None:
        bad((*base, "spread_days"), "a spread needs a date or a day, not a condition")
    elif ev.spread_days and day is not None and day - ev.spread_days < 1 <= day:
        lo, hi = day - ev.spread_days, day + ev.spread_days
        bad((*base, "spread_days"), f"the window {ctx.date(lo)} - {ctx.date(hi)} (days "
            f"{lo} - {hi}) starts before the run (day 1, {ctx.date(1)}); a drawn day after "
            "the last day does not fire")
    if ev.when is None:
        return
    if ev.faction is None:
        bad((*base, "when"), "a condition needs the faction it is seen from (add faction: "
            f"one of {', '.join(ctx.factions)})")
    else:
        ctx.faction((*base, "faction"), ev.faction)
    try:
        compile_condition(ev.when, FACTION, ctx.town_set)
    except ExprError as exc:
        bad((*base, "when"), str(exc))


def _check_set(ev: TimelineEvent, base: PathKey, ctx: _Context) -> None:
    """Each path may change at run time, and the values are valid there, together.

    The event's sets of one section (the simulation, or one faction) are applied together to
    a copy of it, as the run applies them, and the result validated: by the schema, and for a
    faction by the cross-reference checks of the whole scenario (towns, rule conditions and
    parameters, tags), so that a bad value is reported here, at load time, not when it fires.
    """
    sections: dict[PathKey, list[tuple[PathKey, str, Any]]] = {}
    for text, value in ev.set.items():
        where: PathKey = (*base, "set", text)
        parts = text.split(".")
        if text.startswith(RUNTIME_PATHS):
            sections.setdefault(("simulation",), []).append((where, text, value))
            continue
        if len(parts) >= 3 and parts[0] == "factions":
            field = parts[2].split("[")[0]
            if not ctx.faction(where, parts[1]):
                continue
            if field == "air" and parts[1] not in ctx.with_air:
                ctx.problems.add(where, f"faction {parts[1]!r} has no air: block to change "
                                 "(give it one, with sorties_per_day: 0 until this event)")
                continue
            if field in FACTION_FIELDS:
                sections.setdefault(("factions", parts[1]), []).append((where, text, value))
                continue
            ctx.problems.add(where, f"factions.{parts[1]}.{field} cannot change during a run "
                             f"(a faction's {', '.join(FACTION_FIELDS)} can)"
                             f"{suggest(field, FACTION_FIELDS)}")
            continue
        ctx.problems.add(where, "cannot change during a run (paths that can: "
                         f"{', '.join(p.rstrip('.') for p in RUNTIME_PATHS)}, factions.<id>."
                         f"{{{','.join(FACTION_FIELDS)}}})")
    for section, sets in sections.items():
        if ctx.touched is None or section in ctx.touched:
            _try_values(sets, ctx, section)


def _try_values(sets: list[tuple[PathKey, str, Any]], ctx: _Context, section: PathKey) -> None:
    """Apply the sets to a copy of their section (simulation or one faction) and check it.

    Each problem found is reported at the set whose path it lies under (else the first).
    """
    node: Any = ctx.data
    for seg in section:
        if isinstance(node, dict):
            node = node.get(seg)
        elif isinstance(node, list):
            node = next((x for x in node if isinstance(x, dict) and x.get("id") == seg), None)
    if not isinstance(node, dict):
        return
    part = plain_copy(node)
    # the section alone, at its place in a document (so that apply_override sees the path)
    doc: dict[str, Any] = {"simulation": part} if section == ("simulation",) else {
        "factions": [part]}
    applied: list[tuple[PathKey, str]] = []
    for where, text, value in sets:
        try:
            apply_override(doc, parse_path(text), value)
        except ValueError as exc:
            ctx.problems.add(where, str(exc))
            return
        applied.append((where, format_path(canonical_path(doc, parse_path(text)))))

    def report(shown: str, message: str, severity: str = "error") -> None:
        under = [w for w, p in applied if shown == p or shown.startswith((p + ".", p + "["))]
        ctx.problems.add(under[-1] if under else applied[0][0], f"{shown}: {message}", severity)

    model = SimulationParams if section == ("simulation",) else Faction
    try:
        model.model_validate(part)
    except ValidationError as exc:
        for sub, message in pydantic_problems(exc, model, part)[:3]:
            report(format_path((*section, *sub)), message)
        return
    if section[0] == "factions":
        for problem in ctx.new_problems(part)[:3]:
            report(problem.path, problem.message, problem.severity)


def _check_relations(ev: TimelineEvent, base: PathKey, ctx: _Context) -> None:
    """Two different known factions each; one pair not set two ways in one event."""
    pairs: dict[frozenset[str], str] = {}
    for j, change in enumerate(ev.relations):
        where: PathKey = (*base, "relations", j, "factions")
        a, b = change.factions
        if a == b:
            ctx.problems.add(where, f"names {a!r} twice: a relation is between two different "
                             "factions")
            continue
        if not (ctx.faction((*where, 0), a) & ctx.faction((*where, 1), b)):
            continue
        pair = frozenset((a, b))
        if pair in pairs and pairs[pair] != change.relation:
            ctx.problems.add(where, f"{a} - {b} is set to both {pairs[pair]} and "
                             f"{change.relation} in this event (a relation is symmetric)")
        pairs.setdefault(pair, change.relation)


def _check_roads(ev: TimelineEvent, base: PathKey, ctx: _Context) -> None:
    """Each highway closed or opened joins two known towns."""
    for key in ("close", "open"):
        for j, r in enumerate(getattr(ev, key)):
            where: PathKey = (*base, key, j)
            known = ctx.town((*where, "from"), r.from_) & ctx.town((*where, "to"), r.to)
            if known and frozenset((r.from_, r.to)) not in ctx.roads:
                near = sorted(t for p in ctx.roads if r.from_ in p for t in p if t != r.from_)
                ctx.problems.add(where, f"no highway joins {r.from_!r} and {r.to!r} (roads "
                                 f"from {r.from_!r} go to: {', '.join(near) or 'none'})")


def _check_air(ev: TimelineEvent, base: PathKey, ctx: _Context) -> None:
    """Airlift towns and shares, airlift capacities, air sorties of factions with air."""
    bad = ctx.problems.add
    for town, share in ev.airlift.items():
        if ctx.town((*base, "airlift", town), town) and not 0 <= share <= 1:
            bad((*base, "airlift", town), f"a share is between 0 and 1, got {share}")
    for town, capacity in ev.airlift_capacity.items():
        where: PathKey = (*base, "airlift_capacity", town)
        if ctx.town(where, town) and not 0 <= capacity <= 10_000_000:
            bad(where, f"a capacity is 0 to 10,000,000 fighter-days a day, got {capacity}")
    for fid, sorties in ev.air.items():
        where = (*base, "air", fid)
        if not ctx.faction(where, fid):
            continue
        if fid not in ctx.with_air:
            bad(where, f"faction {fid!r} has no air: block (its effect_per_sortie and "
                "max_multiplier)")
        elif not 0 <= sorties <= 100_000:
            bad(where, f"sorties a day are 0 to 100,000, got {sorties}")
