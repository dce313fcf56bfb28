"""The one place the page reads a model: what a run is (static) and what a day looks like.

Everything the page draws comes from a :class:`RunInfo` (fixed for a run: the world, the
factions, the scenario) and a :class:`DayState` (one day's control, sieges, garrisons and units,
small enough to keep one per day for replay). When the model's attributes are renamed (the
recorder of the core redesign), this module is the only one to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.model import TerritoryModel
    from sim.record import Event
    from sim.scenario import LoadedScenario
    from sim.scenario.schema import Feature, Scenario
    from sim.world import World

__all__ = ["DayState", "FactionInfo", "RunInfo", "UnitMark", "events", "run_info", "series",
           "snapshot"]


@dataclass(frozen=True)
class FactionInfo:
    """A faction as drawn: its id, name and colour."""

    id: str
    name: str
    colour: str


@dataclass(frozen=True)
class RunInfo:
    """What does not change during a run.

    Attributes:
        world: the towns and highways (ids, names, positions, edges).
        factions: in the model's order (a town's controller indexes this).
        hostile: hostile[a, b]: factions a and b fight each other.
        spec: the scenario as validated.
        definition: the scenario as loaded (for the tunables' values).
        seed: the run's seed.
        days: the scenario's length.
        start_date: day 0.
    """

    world: World
    factions: tuple[FactionInfo, ...]
    hostile: np.ndarray
    spec: Scenario
    definition: LoadedScenario
    seed: int
    days: int
    start_date: dt.date

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.spec.name)

    @property
    def features(self) -> Sequence[Feature]:
        """Rivers, borders and other reference lines."""
        return list(self.spec.features)

    def date(self, day: int) -> dt.date:
        """The date of a day of the run."""
        return self.start_date + dt.timedelta(days=day)


@dataclass(frozen=True)
class UnitMark:
    """A unit as the map draws it (a copy: the model moves its units on)."""

    key: str
    name: str
    faction: int
    node: int
    dest: int  # -1 when standing in ``node``
    fighters: float
    order: str
    lat: float
    lon: float


@dataclass(frozen=True)
class DayState:
    """One day of a run as the map, legend and tooltips show it.

    Attributes:
        day: days since the start.
        date: the day's date.
        controller: holder of each town (a faction index, -1 for nobody).
        prev: holder of each town the day before (equal to ``controller`` on day 0).
        besieged: each town's holder has no supply path to it.
        garrison: fighters garrisoned in each town.
        population: each town's population.
        units: the units standing or marching.
        towns_held: towns held, by faction index.
        fighters: fighters (units and garrisons), by faction index.
        closed: each highway is closed (a crossing not yet built, or closed by the timeline);
            empty: none is.
    """

    day: int
    date: dt.date
    controller: np.ndarray
    prev: np.ndarray
    besieged: np.ndarray
    garrison: np.ndarray
    population: np.ndarray
    units: tuple[UnitMark, ...]
    towns_held: tuple[int, ...]
    fighters: tuple[float, ...]
    closed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def run_info(model: TerritoryModel) -> RunInfo:
    """The unchanging part of a model's run."""
    return RunInfo(
        world=model.world,
        factions=tuple(FactionInfo(f.id, f.name, f.colour) for f in model.factions),
        hostile=np.asarray(model.relations.hostile, dtype=bool),
        spec=model.spec, definition=model.definition, seed=int(model.seed),
        days=int(model.days), start_date=model.start_date)


def snapshot(model: TerritoryModel) -> DayState:
    """The model's current day, copied (about 2 kB for the Deir ez-Zor scenario)."""
    towns, record = model.towns, model.record
    history = record.control_history
    prev = history[-2] if len(history) > 1 else towns.controller
    units = []
    for u in sorted(model.forces.units, key=lambda u: u.key):
        lat, lon = u.position()
        units.append(UnitMark(u.key, u.name, int(u.faction), int(u.node), int(u.dest),
                              float(u.fighters), str(u.order), float(lat), float(lon)))
    return DayState(
        day=int(model.day), date=model.date,
        controller=np.array(towns.controller, dtype=np.int16),
        prev=np.array(prev, dtype=np.int16),
        besieged=np.array(model.supply.besieged, dtype=bool),
        garrison=np.array(towns.garrison, dtype=np.float32),
        population=np.array(towns.population, dtype=np.float32),
        units=tuple(units),
        towns_held=tuple(int(s["towns"]) for s in record.stats),
        fighters=tuple(float(s["fighters"]) for s in record.stats),
        closed=np.array(model.roads.closed, dtype=bool))


def events(model: TerritoryModel) -> list[Event]:
    """The run's dated events so far, oldest first."""
    return list(model.record.events)


def series(model: TerritoryModel) -> list[dict[str, Any]]:
    """The daily series: one row per day and faction.

    Each row has ``day``, ``faction`` (id), ``towns``, ``population`` and ``fighters``.
    """
    return list(model.record.series)
