"""What a finished run tells about observations: the one adapter to the model, and the matching.

``run_facts`` is the only function of this package that reads a model: its events and daily
control table, copied into a small plain record (``RunFacts``). Everything else (when did the
observed thing happen in this run?) is a pure function of that record, so it is tested on
hand-made records and stays unchanged when the model's internals do.

Matching rules (docs/validation.md):
    - ``capture``: the day of the run's first capture of the town (by ``by``, if given);
    - ``siege_start`` / ``siege_lifted``: the first such event at the town (with that holder,
      if ``faction`` is given);
    - ``conscription``: the first day the faction conscripts;
    - ``held``: not a day but a distance: the days from the observed date to the nearest day on
      which ``by`` holds the town (0 if it holds it on that date; a date before the start is
      read as day 0).

``None`` means it never happened in the run (for ``held``: ``by`` never held the town).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.validate.observations import Observation

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["RunFacts", "run_facts", "simulated"]


@dataclass(frozen=True)
class RunFacts:
    """The facts of one finished run that observations are matched against.

    Attributes:
        start: the date of day 0.
        last_day: the run's last day (days simulated).
        events: ``(day, kind, faction, town)`` of every event, in order.
        control: the holder of each town at the end of each day (day 0 = the start), as an
            index into ``factions``, -1 for nobody; shape ``(last_day + 1, len(towns))``.
        towns: town ids, in the columns' order.
        factions: faction ids, in index order.
    """

    start: dt.date
    last_day: int
    events: tuple[tuple[int, str, str, str], ...]
    control: NDArray[np.int16]
    towns: tuple[str, ...]
    factions: tuple[str, ...]


def run_facts(model: Any) -> RunFacts:
    """Copy what observations need from a finished ``TerritoryModel`` (the one adapter)."""
    return RunFacts(
        start=model.start_date,
        last_day=int(model.day),
        events=tuple((int(e.day), e.kind, e.faction, e.town) for e in model.record.events),
        control=np.stack(model.record.control_history).astype(np.int16),
        towns=tuple(model.world.ids),
        factions=tuple(f.id for f in model.factions),
    )


def simulated(facts: RunFacts, obs: Observation) -> int | None:
    """When the observed thing happened in this run (a day), or None if it never did.

    For ``held``, the distance in days from the observed date to the nearest day the town is
    held by ``by`` (0: held on the date); None if ``by`` never holds it.
    """
    if not obs.scorable:
        return None
    if obs.event == "held":
        return _held_distance(facts, obs)
    for day, kind, faction, town in facts.events:
        if kind != obs.event:
            continue
        if obs.event == "conscription":
            if faction == obs.faction:
                return day
        elif town == obs.town:
            who = obs.by if obs.event == "capture" else obs.faction
            if who is None or faction == who:
                return day
    return None


def _held_distance(facts: RunFacts, obs: Observation) -> int | None:
    f = facts.factions.index(obs.by or "")
    col = facts.control[:, facts.towns.index(obs.town or "")]
    days = np.flatnonzero(col == f)
    if not days.size:
        return None
    # a date before the start is read as the start: the scenario's first day is its knowledge
    return int(np.abs(days - max(0, obs.day(facts.start))).min())
