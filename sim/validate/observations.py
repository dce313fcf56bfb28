"""Observed-events files (``format: 1``): their schema, and loading one checked against a scenario.

An observations file lists dated things that happened (a town captured, a siege formed or
lifted, conscription begun, a town still held on a date), each with its source. Loading checks
the file's shape, then its towns and factions against a scenario (the one the file names with
``scenario:``, or the one given by the caller), reporting every problem at once as
``file:line: path: message`` with the closest valid name.

Examples:
    >>> Observation("k", dt.date(2017, 9, 4), "capture", town="kabajib", by="saa").day(
    ...     dt.date(2017, 8, 15))
    20
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.errors import ScenarioError
from sim.validate.problems import (
    LoadedScenario,
    PathKey,
    Problems,
    load_scenario_for,
    read_yaml,
    suggest,
)

__all__ = ["EVENTS", "Observation", "ObservationSet", "load_observations"]

EventKind = Literal["capture", "siege_start", "siege_lifted", "conscription", "held"]

#: Each event kind: (fields required, fields allowed besides them, what it means).
EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "capture": (("town",), ("by",), "the town is taken (by `by`; any faction if omitted)"),
    "siege_start": (("town",), ("faction",), "the town's holder (`faction`, if given) is cut "
                                             "off from supply"),
    "siege_lifted": (("town",), ("faction",), "the siege of the town is lifted while its "
                                              "holder (`faction`, if given) keeps it"),
    "conscription": (("faction",), (), "the faction conscripts for the first time"),
    "held": (("town", "by"), (), "the town is held by `by` on that date"),
}
_ARGS = ("town", "by", "faction")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.\-]+$",
                    description="a unique name for the observation")
    date: dt.date = Field(description="the date it was observed (YYYY-MM-DD)")
    event: EventKind = Field(description="what happened: " + ", ".join(EVENTS))
    town: str | None = Field(None, description="the town's id in the scenario")
    by: str | None = Field(None, description="the capturing / holding faction's id")
    faction: str | None = Field(None, description="the faction (conscription; sieges)")
    uncertainty_days: int = Field(0, ge=0, le=365, description="the date is known to +- days")
    source: str = Field(min_length=1, description="where it is reported (citation or URL)")
    note: str = Field("", description="free text")
    if_absent: Literal["error", "skip"] = Field(
        "error", description="skip: if the town or faction is not in the scenario, report the "
                             "observation as not scorable instead of refusing the file")

    @field_validator("date", mode="before")
    @classmethod
    def _no_numbers(cls, v: Any) -> Any:
        if isinstance(v, bool | int | float):
            raise ValueError("expected a date as YYYY-MM-DD")
        return v


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1]
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    scenario: str | None = Field(None, min_length=1)
    observations: list[Any] = Field(min_length=1)


@dataclass(frozen=True)
class Observation:
    """One observed event.

    Attributes:
        id: unique name within its file.
        date: when it was observed.
        event: ``capture``, ``siege_start``, ``siege_lifted``, ``conscription`` or ``held``.
        town: the town's id (None for conscription).
        by: the capturing or holding faction (None: any faction, for capture).
        faction: the conscripting faction, or the besieged holder.
        uncertainty_days: the date is known to within this many days either way.
        source: the citation.
        scorable: False when the town or faction is absent from the scenario and the file
            allows it (``if_absent: skip``).
        note: free text.
    """

    id: str
    date: dt.date
    event: str
    town: str | None = None
    by: str | None = None
    faction: str | None = None
    uncertainty_days: int = 0
    source: str = ""
    scorable: bool = True
    note: str = ""

    def day(self, start: dt.date) -> int:
        """The observation's date as a day number of a run starting on ``start`` (day 0)."""
        return (self.date - start).days

    def describe(self) -> str:
        """A short phrase: ``capture kabajib by saa``."""
        parts = [self.event, self.town or "", f"by {self.by}" if self.by else "",
                 self.faction or ""]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class ObservationSet:
    """A checked observations file.

    Attributes:
        file: the file as the user named it.
        name: its ``name:``.
        scenario_file: the scenario it was checked against (None if none).
        observations: every observation, in file order.
        warnings: problems that do not stop scoring (dates before the start, skipped ones).
    """

    file: str
    name: str
    scenario_file: str | None
    observations: tuple[Observation, ...]
    warnings: tuple[Any, ...] = field(default=())

    @property
    def scorable(self) -> tuple[Observation, ...]:
        """The observations the scenario can be scored on."""
        return tuple(o for o in self.observations if o.scorable)


def load_observations(path: str | Path, scenario: LoadedScenario | str | Path | None = None,
                      days: int | None = None) -> ObservationSet:
    """Read and check an observations file, collecting every problem.

    Args:
        path: the observations file.
        scenario: the scenario to check towns and factions against (default: the one the
            file names with ``scenario:``, relative to the file; none: no such checks).
        days: the runs' length: an observation (plus its uncertainty) after the last day is
            an error, since a run cannot say whether it happened.

    Raises:
        ScenarioError: the file (or the scenario it names) is invalid; every problem, located.
    """
    file = str(path)
    data, locs = read_yaml(path)
    problems = Problems(file, locs)
    if not isinstance(data, dict):
        problems.add((), "an observations file must be a mapping (format, name, observations)")
        raise ScenarioError(problems.items)
    try:
        head = _File.model_validate(data)
    except ValidationError as exc:
        problems.from_validation(exc, (), _File)
        raise ScenarioError(problems.items) from None
    loaded: LoadedScenario | None = None
    if isinstance(scenario, LoadedScenario):
        loaded = scenario
    elif scenario is not None or head.scenario is not None:
        where = Path(scenario) if scenario is not None else Path(path).parent / str(head.scenario)
        loaded = load_scenario_for(where, problems, ("scenario",))
        problems.raise_if_errors()
    entries = _entries(head.observations, problems)
    if loaded is not None:
        obs = _against(entries, loaded, days, problems)
    else:
        obs = [o for _, o, _ in entries]
    problems.raise_if_errors()
    return ObservationSet(file, head.name, loaded.file if loaded else None, tuple(obs),
                          tuple(problems.items))


def _entries(raw: list[Any], problems: Problems) -> list[tuple[PathKey, Observation, bool]]:
    """Each valid entry with its path key and whether it may be skipped; bad ones reported."""
    out: list[tuple[PathKey, Observation, bool]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        seg: str | int = i
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            seg = item["id"]
        where: PathKey = ("observations", seg)
        if not isinstance(item, dict):
            problems.add(where, f"an observation must be a mapping (id, date, event, ...), got "
                                f"{item!r}")
            continue
        if isinstance(item.get("event"), str) and item["event"] not in EVENTS:
            problems.add((*where, "event"), f"unknown event {item['event']!r}"
                                            f"{suggest(item['event'], list(EVENTS))}; choose "
                                            f"from {', '.join(EVENTS)}")
            continue
        try:
            e = _Entry.model_validate(item)
        except ValidationError as exc:
            problems.from_validation(exc, where, _Entry)
            continue
        if e.id in seen:
            problems.add((*where, "id"), f"id {e.id!r} is given to observations "
                                         f"{seen[e.id] + 1} and {i + 1} (counting from 1)")
        seen.setdefault(e.id, i)
        required, allowed, doc = EVENTS[e.event]
        ok = True
        for a in _ARGS:
            given = getattr(e, a) is not None
            if a in required and not given:
                problems.add(where, f"{e.event} needs {a}: ({doc})")
                ok = False
            elif given and a not in required + allowed:
                takes = " and ".join(required + allowed)
                problems.add((*where, a), f"{e.event} does not take {a}; it takes {takes}")
                ok = False
        if ok:
            out.append((where, Observation(e.id, e.date, e.event, e.town, e.by, e.faction,
                                           e.uncertainty_days, e.source, True, e.note),
                        e.if_absent == "skip"))
    return out


def _against(obs: list[tuple[PathKey, Observation, bool]], loaded: LoadedScenario,
             days: int | None, problems: Problems) -> list[Observation]:
    """The observations checked against the scenario's towns, factions and dates."""
    s = loaded.scenario
    towns = [t.id for t in s.towns]
    factions = [f.id for f in s.factions]
    start = s.simulation.start_date
    last = s.simulation.days if days is None else days
    out: list[Observation] = []
    for where, o, skippable in obs:
        absent = []
        if o.town is not None and o.town not in towns:
            absent.append(("town", f"unknown town {o.town!r}{suggest(o.town, towns)}"))
        for a in ("by", "faction"):
            v = getattr(o, a)
            if v is not None and v not in factions:
                absent.append((a, f"unknown faction {v!r}{suggest(v, factions)}"))
        if absent and skippable:
            what = "; ".join(m for _, m in absent)
            problems.add(where, f"not scorable: {what} in scenario {s.name!r} (if_absent: skip)",
                         "warning")
            out.append(replace(o, scorable=False))
            continue
        for a, message in absent:
            problems.add((*where, a), message + (" (add if_absent: skip to the observation "
                                                 "to report it as not scorable instead)"))
        if absent:
            continue
        day = o.day(start)
        if day + o.uncertainty_days > last:
            end = start + dt.timedelta(days=last)
            problems.add((*where, "date"), f"{o.date} (+{o.uncertainty_days} days) is after the "
                                           f"runs' last day, {end} (day {last}); run longer "
                                           "(--days) or drop the observation")
            continue
        if day < 0:
            problems.add((*where, "date"), f"{o.date} is before the scenario starts ({start}): "
                                           "a run can at best place it on day 1", "warning")
        out.append(o)
    return out
