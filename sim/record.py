"""What a run leaves behind: the recorder of dated events, per-faction series and control.

One :class:`Recorder` per run holds everything every consumer reads (the CLI's summary, the
output files, the plots, the browser view, sweep metrics): the events as they happen, each
faction's statistics of today (``stats``) and of every day (``series``, the rows of
factions.csv), who held each town each day (``control_history``), which highways were closed
when (``closures``) and Mesa's DataCollector.
Each statistic has one name, in ``STATISTICS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from sim.agents import Unit
from sim.state import Ledger, TownState

__all__ = ["BATTLE_FIGURES", "COLLECTED", "EVENT_KINDS", "STATISTICS", "Event", "Recorder"]

EVENT_KINDS = (
    "capture",
    "siege_start",
    "siege_lifted",
    "conscription",
    "battle",
    "retreat",
    "surrender",
    "destroyed",
    "timeline",
    "crossing",
    "flow",
    "release",
    "air",
)

#: Per-faction statistics recorded each day, as named in factions.csv and sweep series:
#: towns held, population of those towns, fighters (units + garrisons), casualties so far,
#: conscripts deserted so far, men conscripted so far, besieged towns, units on the map.
STATISTICS = (
    "towns",
    "population",
    "fighters",
    "casualties",
    "deserted",
    "recruited",
    "besieged_towns",
    "units",
)

#: A battle's figures, in fighters: the attackers and defenders engaged and what each lost.
#: They are events.csv's last columns (empty on other events), rounded to whole fighters.
BATTLE_FIGURES = ("attackers", "defenders", "attackers_lost", "defenders_lost")

#: Statistics in the DataCollector, as ``<faction id>_<statistic>`` columns.
COLLECTED = ("towns", "population", "fighters", "casualties")


@dataclass(frozen=True)
class Event:
    """One dated thing that happened, with a readable sentence in ``text``.

    ``figures`` is set on battles only: attackers, defenders, attackers lost, defenders lost
    (fighters, as in ``BATTLE_FIGURES``); the same numbers are in ``detail`` as text.
    """

    day: int
    date: dt.date
    kind: str
    faction: str
    town: str
    town_name: str
    other_faction: str
    detail: str
    text: str
    figures: tuple[float, float, float, float] | None = None

    def line(self) -> str:
        """The event as a log line: ``2017-08-29  Syrian Arab Army captures Maadan from ISIS``."""
        return f"{self.date.isoformat()}  {self.text}"

    def row(self) -> dict[str, object]:
        """The event as a CSV row (a battle's ``BATTLE_FIGURES`` as whole numbers, else "")."""
        nums: tuple[object, ...] = (
            tuple(round(x) for x in self.figures) if self.figures else ("",) * 4
        )
        return {
            "date": self.date.isoformat(),
            "day": self.day,
            "kind": self.kind,
            "faction": self.faction,
            "town": self.town,
            "town_name": self.town_name,
            "other_faction": self.other_faction,
            "detail": self.detail,
            "text": self.text,
            **dict(zip(BATTLE_FIGURES, nums, strict=True)),
        }


def _event(
    day: int,
    date: dt.date,
    kind: str,
    faction: str,
    town: str,
    town_name: str,
    other_faction: str,
    detail: str,
    text: str,
    figures: tuple[float, float, float, float] | None,
) -> Event:
    """``Event(...)`` of these fields, without the frozen dataclass's ``__init__``.

    That sets each field through ``object.__setattr__`` (~5.5 us an event, ~300 events a run
    of the default scenario); the instance's ``__dict__`` filled at once, in the fields'
    order, is the same object (equal, the same hash, repr and pickle) for ~1.2 us.
    """
    ev = _NEW(Event)
    ev.__dict__.update(
        day=day, date=date, kind=kind, faction=faction, town=town, town_name=town_name,
        other_faction=other_faction, detail=detail, text=text, figures=figures,
    )
    return ev


_NEW = object.__new__


class Recorder:
    """The run's record: events, per-faction statistics and series, the control table.

    Args:
        town_ids: town ids by town number (events name towns by id and name).
        town_names: town names by town number.
        faction_ids: faction ids by faction number.
        start_date: the date of day 0.

    Attributes:
        day: the day being recorded (the model advances it).
        events: every event so far, in order.
        listeners: called with each event as it is emitted (the CLI prints them).
        stats: per faction number, today's ``STATISTICS`` (unrounded).
        series: one row per faction and day, with ``date``, ``day``, ``faction`` and the
            ``STATISTICS`` (rounded as in factions.csv).
        control_history: per day from day 0, the faction number holding each town (int16).
        closures: ``[day, highway, 1|0]``: the highways closed on day 0, then each day one
            closed (1) or opened (0) (a river crossing built or sunk, a highway the timeline
            closed); empty when none ever was (``sim.state.closed_by_day`` makes the matrix).
        datacollector: Mesa's DataCollector: ``day`` and ``<faction>_<COLLECTED>`` columns.
    """

    def __init__(
        self,
        town_ids: Sequence[str],
        town_names: Sequence[str],
        faction_ids: Sequence[str],
        start_date: dt.date,
    ) -> None:
        self.town_ids = list(town_ids)
        self.town_names = list(town_names)
        self.faction_ids = list(faction_ids)
        self.start_date = start_date
        self.day = 0
        self.events: list[Event] = []
        self.listeners: list[Callable[[Event], None]] = []
        self.stats: list[dict[str, Any]] = [{} for _ in self.faction_ids]
        self.series: list[dict[str, Any]] = []
        self.control_history: list[np.ndarray] = []
        self.closures: list[list[int]] = []
        self._closed: np.ndarray | None = None
        # Mesa's DataCollector is made when first asked for (``datacollector``): until then
        # each day's values wait here, with the model's time, as its collect would store them
        self._collector: mesa.DataCollector | None = None
        self._waiting: list[tuple[float, tuple[Any, ...]]] = []
        self._dated: tuple[int, dt.date] = (0, start_date)  # (day, its date), for ``emit``

    def _reporters(self) -> dict[str, Callable[[mesa.Model], Any]]:
        """The DataCollector's reporters: ``day`` and ``<faction>_<COLLECTED>``, in order."""
        reporters: dict[str, Callable[[mesa.Model], Any]] = {"day": lambda m: self.day}
        for i, fid in enumerate(self.faction_ids):
            for name in COLLECTED:
                reporters[f"{fid}_{name}"] = self._reporter(i, name)
        return reporters

    def _reporter(self, faction: int, name: str) -> Callable[[mesa.Model], Any]:
        def report(model: mesa.Model) -> Any:
            return self.stats[faction][name]

        return report

    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's DataCollector, with every day collected so far (made on first use).

        Collecting into it costs a deep copy per value and day; most runs never read it (the
        CLI, sweeps), so the days wait as plain tuples and are filled in here, exactly as its
        ``collect`` would have stored them (the values are ints and floats, which a deep copy
        returns as they are; the collection steps are the model's times). From then on each
        day is collected into it directly.
        """
        if self._collector is None:
            dc = mesa.DataCollector(model_reporters=self._reporters())
            columns = list(dc.model_vars.values())
            for time, values in self._waiting:
                dc._collection_steps.append(time)
                for column, value in zip(columns, values, strict=True):
                    column.append(value)
            dc._validated = bool(self._waiting)
            self._collector, self._waiting = dc, []
        return self._collector

    @property
    def date(self) -> dt.date:
        """The calendar date of ``day``."""
        return self.start_date + dt.timedelta(days=self.day)

    def emit(
        self,
        kind: str,
        faction: str,
        town: int,
        other: str,
        detail: str,
        text: str,
        figures: tuple[float, float, float, float] | None = None,
    ) -> None:
        """Record an event of today and pass it to the listeners.

        Args:
            kind: one of ``EVENT_KINDS``.
            faction: id of the faction it happened to (or that did it).
            town: town number where it happened (-1: none).
            other: id of the other faction involved, or "".
            detail: a short machine-readable detail.
            text: the sentence shown in the log.
            figures: a battle's attackers, defenders, attackers lost, defenders lost.
        """
        day = self.day
        if self._dated[0] != day:
            self._dated = (day, self.date)
        ev = _event(
            day,
            self._dated[1],
            kind,
            faction,
            self.town_ids[town] if town >= 0 else "",
            self.town_names[town] if town >= 0 else "",
            other,
            detail,
            text,
            figures,
        )
        self.events.append(ev)
        for listener in self.listeners:
            listener(ev)

    def collect(
        self,
        model: mesa.Model,
        towns: TownState,
        besieged: np.ndarray,
        units: Sequence[Unit],
        ledger: Ledger,
        closed: np.ndarray,
    ) -> None:
        """Record the end of a day: statistics, a series row per faction, control, Mesa's data.

        Args:
            model: the Mesa model (the DataCollector's reporters are called with it).
            towns: the towns' state.
            besieged: bool per town (``SupplyState.besieged``).
            units: the units on the map.
            ledger: the factions' running totals.
            closed: bool per highway, closed today (``Roads.closed``).
        """
        k = len(self.faction_ids)
        units_by = [0.0] * k  # the same sums, in the same order, as numpy's += would make
        count_by = [0] * k
        for u in units:
            units_by[u.faction] += u.fighters
            count_by[u.faction] += 1
        ctrl = towns.controller
        # by holder, bin 0 for nobody: each bin's sum runs over its towns in town order, as
        # over the held towns alone; plain numbers from the lists
        by = ctrl + 1
        n_towns = np.bincount(by, minlength=k + 1).tolist()
        pop = np.bincount(by, weights=towns.population, minlength=k + 1).tolist()
        garrisons = np.bincount(by, weights=towns.garrison, minlength=k + 1).tolist()
        sieges = np.bincount(by, weights=besieged, minlength=k + 1).tolist()
        casualties = ledger.casualties.tolist()
        deserted = ledger.deserted.tolist()
        recruited = ledger.recruited.tolist()
        date = self.date.isoformat()
        for i, fid in enumerate(self.faction_ids):
            s: dict[str, Any] = {
                "towns": n_towns[i + 1],
                "population": pop[i + 1],
                "fighters": float(units_by[i] + garrisons[i + 1]),  # a unit's may be numpy's
                "casualties": casualties[i],
                "deserted": deserted[i],
                "recruited": recruited[i],
                "besieged_towns": int(sieges[i + 1]),
                "units": count_by[i],
            }
            self.stats[i] = s
            self.series.append(
                {
                    "date": date,
                    "day": self.day,
                    "faction": fid,
                    "towns": s["towns"],
                    "population": round(s["population"]),
                    "fighters": round(s["fighters"]),
                    "casualties": round(s["casualties"]),
                    "deserted": round(s["deserted"]),
                    "recruited": round(s["recruited"]),
                    "besieged_towns": s["besieged_towns"],
                    "units": s["units"],
                }
            )
        self.control_history.append(ctrl.astype(np.int16))
        if self._closed is None:
            self.closures += [[self.day, int(k), 1] for k in np.flatnonzero(closed)]
            self._closed = closed.copy()
        elif closed.tobytes() != self._closed.tobytes():
            self.closures += [[self.day, int(k), int(closed[k])]
                              for k in np.flatnonzero(closed != self._closed)]
            self._closed = closed.copy()
        if self._collector is not None:
            self._collector.collect(model)
        else:
            self._waiting.append((model.time, (self.day, *(
                self.stats[i][name] for i in range(k) for name in COLLECTED))))

