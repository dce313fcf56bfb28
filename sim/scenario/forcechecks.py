"""Cross-reference checks of force generation: reinforcement flows' units, towns, events, days.

They run on the validated scenario (so every value has its type), after ``checks.py``, and add
located problems (file, line, path) to the loader's collector.
"""

from __future__ import annotations

import datetime as dt

from sim.scenario.problems import Problems, suggest
from sim.scenario.schema import Flow, Scenario
from sim.scenario.yamlio import PathKey, item_segments

__all__ = ["check_forces"]


def check_forces(spec: Scenario, problems: Problems) -> None:
    """Add every problem of the factions' ``flows`` to ``problems``."""
    start, days = spec.simulation.start_date, spec.simulation.days
    towns = [t.id for t in spec.towns]
    town_set = set(towns)
    events = [ev.id for ev in spec.events]
    owner: dict[str, str] = {}
    for f in spec.factions:
        for u in f.forces:
            owner.setdefault(u.id, f.id)
    for ev in spec.events:
        for a in ev.newcomers():
            owner.setdefault(a.id, a.faction)
    for fseg, f in zip(item_segments([{"id": f.id} for f in spec.factions]), spec.factions,
                       strict=True):
        segments = item_segments([{"id": flow.id} for flow in f.flows])
        for seg, flow in zip(segments, f.flows, strict=True):
            base = ("factions", fseg, "flows", seg)
            if seg != flow.id:
                problems.duplicate((*base, "id"), ("factions", fseg, "flows", flow.id),
                                   f"flow id {flow.id!r}")
            if flow.to_unit is not None:
                who = owner.get(flow.to_unit)
                if who is None:
                    problems.add((*base, "to_unit"), f"unknown unit {flow.to_unit!r}"
                                 f"{suggest(flow.to_unit, sorted(owner))}")
                elif who != f.id:
                    problems.add((*base, "to_unit"), f"unit {flow.to_unit!r} belongs to "
                                 f"{who!r}: a flow reinforces its own faction's units")
            if flow.to_town is not None and flow.to_town not in town_set:
                problems.add((*base, "to_town"),
                             f"unknown town {flow.to_town!r}{suggest(flow.to_town, towns)}")
            if flow.from_event is not None and flow.from_event not in events:
                problems.add((*base, "from_event"), f"unknown timeline event "
                             f"{flow.from_event!r}{suggest(flow.from_event, events)}")
            _check_days(flow, base, start, days, problems)


def _check_days(
    flow: Flow, base: PathKey, start: dt.date, days: int, problems: Problems
) -> None:
    """``from`` and ``until`` against the run, as the timeline's dates are.

    A flow that starts after the last day is a warning (a run shortened by ``--days``, a sweep
    or a calibration of the first weeks ends first; it delivers nothing), and one that goes on
    after it simply ends with the run. Before the run it is an error: a ``from`` on or before
    the start date is no day of the run (and would leave unsaid whether ``total`` counts what
    arrived before it: a flow already under way leaves ``from`` out), and an ``until`` there
    would never deliver. Day numbers are at least 1 (the schema).
    """
    def date(day: int) -> dt.date:
        return start + dt.timedelta(days=day)

    found: dict[str, int] = {}
    for key, value in (("from", flow.from_), ("until", flow.until)):
        if value is None:
            continue
        found[key] = day = value if isinstance(value, int) else (value - start).days
        if day < 1:
            what = ("a flow starts on a day of the run; leave from out for a flow already "
                    "under way at the start (it starts on day 1, and total counts only what "
                    "is still to come)" if key == "from" else "the flow would never deliver")
            problems.add((*base, key), f"{value} is not after the start date {start} (day 1 "
                         f"is {date(1)}): {what}")
    if "until" in found and "from" in found and found["until"] < found["from"]:
        problems.add((*base, "until"), f"until (day {found['until']}) is before from (day "
                     f"{found['from']})")
    first = found.get("from", 1)
    if first > days and flow.from_ is not None:
        shown = f"day {flow.from_}" if isinstance(flow.from_, int) else str(flow.from_)
        last = f"{days}" if isinstance(flow.from_, int) else str(date(days))
        problems.warn((*base, "from"), f"{shown} is after the run's last day ({last}): the "
                      "flow delivers nothing in this run")
