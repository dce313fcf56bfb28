"""Observed events beside a sweep's results: those within its runs, and the metrics they date.

``frontline report RESULTS --observed FILE`` reads an observations file (the format of
``frontline score``, see docs/validation.md), checked against the sweep's scenario, and marks
each observation on the report's map timeline and on the fan charts (and PNG plots) of the day
metrics it dates: a ``capture`` of a town dates ``capture_day`` of that town (by that faction,
when both name one) and a ``control_day`` of that town alone by the capturer; a ``held``
dates that ``control_day`` too (it had happened by then); a ``siege_lifted`` of a town dates a
``siege_lifted_day`` of that town (or of towns including it); a ``siege_start`` dates nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Marker", "dated_metrics", "markers", "read_observed"]


@dataclass(frozen=True)
class Marker:
    """One observation placed on a sweep's days.

    Attributes:
        id: the observation's id.
        day: its date as a day of the runs (0 = the start date).
        date: its date, ISO.
        event: ``capture``, ``siege_start``, ``siege_lifted``, ``conscription`` or ``held``.
        town: the town's id, or "".
        faction: the capturing or holding faction (``by``), or the one named, or "".
        uncertainty: the date's uncertainty, days either way.
        text: a short phrase for a label (``capture kabajib by saa``).
        source: the citation.
        metrics: the columns of the day metrics it dates (see the module doc).
        exact: per column in ``metrics``, whether the metric means exactly this event (False: a
            siege of several towns lifted, of which this is one; a ``held`` is "by then").
    """

    id: str
    day: int
    date: str
    event: str
    town: str
    faction: str
    uncertainty: int
    text: str
    source: str
    metrics: tuple[str, ...]
    exact: tuple[bool, ...]

    def as_json(self) -> dict[str, Any]:
        """The marker as JSON-ready data for the HTML report."""
        return {"id": self.id, "day": self.day, "date": self.date, "event": self.event,
                "town": self.town, "faction": self.faction, "uncertainty": self.uncertainty,
                "text": self.text, "source": self.source, "metrics": list(self.metrics),
                "exact": list(self.exact)}


def dated_metrics(obs: Any, metrics: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """The day metrics (as in a sweep's metadata) the observation dates, with exactness."""
    out: list[tuple[str, bool]] = []
    by = obs.by or obs.faction
    for m in metrics:
        if m.get("kind") != "day":
            continue
        towns = list(m.get("towns") or ()) or ([m["town"]] if m.get("town") else [])
        name, faction = m.get("metric"), m.get("faction")
        if name == "capture_day" and obs.event == "capture" and towns == [obs.town] and (
                not faction or not obs.by or faction == obs.by):
            out.append((m["column"], True))
        elif name == "control_day" and obs.event in ("capture", "held") and towns == [obs.town] \
                and by and faction == by:
            out.append((m["column"], obs.event == "capture"))
        elif name == "siege_lifted_day" and obs.event == "siege_lifted" and obs.town in towns:
            out.append((m["column"], towns == [obs.town]))
    return out


def markers(observations: Any, meta: dict[str, Any]) -> tuple[list[Marker], int]:
    """The observations within the sweep's days, as markers; and how many fall outside."""
    start = dt.date.fromisoformat(meta["start_date"])
    days = int(meta["days"])
    out, outside = [], 0
    for o in observations.observations:
        day = o.day(start)
        if not o.scorable or not 0 <= day <= days:
            outside += 1
            continue
        dated = dated_metrics(o, meta["metrics"])
        out.append(Marker(o.id, day, o.date.isoformat(), o.event, o.town or "",
                          o.by or o.faction or "", int(o.uncertainty_days), o.describe(),
                          o.source, tuple(c for c, _ in dated), tuple(e for _, e in dated)))
    return out, outside


def read_observed(path: str | Path, meta: dict[str, Any]) -> Any:
    """Load an observations file, checked against the sweep's scenario when it is still there.

    Raises:
        ScenarioError: the file is invalid (every problem, located).
    """
    from sim.validate.observations import load_observations

    scenario = meta.get("scenario_file")
    where = Path(scenario) if isinstance(scenario, str) and Path(scenario).is_file() else None
    return load_observations(path, where)
