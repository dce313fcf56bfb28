"""A finished run as plain data (the map, control and sieges by day, units by day, events, series).

Every picture and export of a run (``map.png``, ``report.html``, the GIS layers, ``frontline
map``) is drawn from a :class:`RunData`, never from the model: :func:`run_data` is the one
adapter that reads a :class:`~sim.model.TerritoryModel`, and :func:`load_run` rebuilds the same
data from the files ``frontline run --out`` wrote, so any day of a finished run can be drawn
again.

Per-day unit positions and sieges are not kept by the model; :func:`attach_trail` records them
by wrapping the model's ``step`` (``frontline run`` attaches it). Without a trail,
:func:`run_data` replays the run from its scenario and seed (runs are deterministic) and checks
that the replay reproduces the control history; if it does not, units are known on the last
day only.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.state import closed_by_day

if TYPE_CHECKING:
    from sim.model import TerritoryModel

__all__ = ["RunData", "UnitPos", "attach_trail", "run_data"]

REPLAY_LIMIT = 5000  # towns: above this, a run without a trail is not replayed
UNIT_TRAIL_LIMIT = 2000  # units: above this the trail keeps sieges only (memory)


@dataclass(frozen=True)
class UnitPos:
    """Where one unit stands at the end of a day."""

    key: str
    name: str
    faction: int
    lat: float
    lon: float
    fighters: float
    order: str
    town: int  # the town it stands in or left from
    dest: int  # the town it marches to (-1 if it stands in ``town``)
    rule: str = ""  # the rule that gave the day's order ("" = the default hold)
    morale: float = 0.0
    strength: float = 0.0  # fighters / fighters at the start
    target: int = -1  # the town its order leads it to (-1: none)


@dataclass
class RunData:
    """One run, day by day, in plain arrays and lists (town and faction numbers index them).

    Attributes:
        info: what produced the run (``run.json``: scenario, seed, days, overrides, versions).
        factions: ``{"id", "name", "colour"}`` per faction number.
        hostile: ``hostile[a][b]``: factions ``a`` and ``b`` fight.
        town_ids, town_names, lat, lon, population: per town number (population at the start).
        objectives: faction id -> the towns it aims at, with their priority.
        highways: ``(from, to, name, terrain)`` per highway number.
        features: rivers and borders: ``{"kind", "name", "points": [[lat, lon], ...]}``.
        control: ``(days + 1, towns)``: the holder's faction number each day, -1 nobody.
        besieged: ``(days + 1, towns)``: besieged each day.
        units: per day, the units on the map (empty lists on days not recorded).
        events: the event rows (as in ``events.csv``).
        series: the per-faction daily rows (as in ``factions.csv``).
        crossings: highway number -> the kind of river crossing it is (``rivers:``: bridge,
            ferry, pontoon or ford); highways not declared a crossing are absent.
        closed: ``(days + 1, highways)``: closed each day (a crossing not yet built, or a
            highway or crossing the timeline closed); empty when nothing was ever closed.
    """

    info: dict[str, Any]
    factions: list[dict[str, str]]
    hostile: list[list[bool]]
    town_ids: list[str]
    town_names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    objectives: dict[str, list[tuple[str, float]]]
    highways: list[tuple[int, int, str, str]]
    features: list[dict[str, Any]]
    control: np.ndarray
    besieged: np.ndarray
    units: list[list[UnitPos]]
    events: list[dict[str, Any]]
    series: list[dict[str, Any]]
    units_recorded: bool = True
    crossings: dict[int, str] = field(default_factory=dict)
    closed: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def days(self) -> int:
        """The last day of the run (day 0 is the start)."""
        return int(self.control.shape[0]) - 1

    @property
    def start_date(self) -> dt.date:
        """The calendar date of day 0."""
        return dt.date.fromisoformat(self.info["start_date"])

    def date(self, day: int) -> dt.date:
        """The calendar date of ``day``."""
        return self.start_date + dt.timedelta(days=day)

    def index(self, town: str) -> int:
        """The number of the town with id ``town``."""
        if not self._index:
            self._index.update({t: i for i, t in enumerate(self.town_ids)})
        return self._index[town]

    def closed_on(self, day: int) -> np.ndarray:
        """Per highway: closed on ``day`` (no movement, no supply)."""
        if self.closed.shape[0] <= day or self.closed.shape[1] != len(self.highways):
            return np.zeros(len(self.highways), dtype=bool)
        return self.closed[day]

    def front(self, day: int) -> np.ndarray:
        """Per highway: its two ends are held by factions at war with each other on ``day``."""
        if not self.highways:
            return np.zeros(0, dtype=bool)
        hostile = np.array(self.hostile, dtype=bool)
        u = np.array([h[0] for h in self.highways])
        v = np.array([h[1] for h in self.highways])
        cu, cv = self.control[day, u], self.control[day, v]
        return (cu >= 0) & (cv >= 0) & hostile[np.maximum(cu, 0), np.maximum(cv, 0)]


# ---------------------------------------------------------------- the trail
_Trail = list[tuple[np.ndarray, list[UnitPos]]]
_TRAILS: weakref.WeakKeyDictionary[Any, tuple[bool, _Trail]] = weakref.WeakKeyDictionary()


def _snapshot(model: TerritoryModel, with_units: bool = True
              ) -> tuple[np.ndarray, list[UnitPos]]:
    from sim.orders import order_target

    units = []
    for u in model.unit_list if with_units else ():
        lat, lon = u.position()
        units.append(
            UnitPos(u.key, u.name, int(u.faction), round(lat, 5), round(lon, 5),
                    round(float(u.fighters), 1), u.order, int(u.node), int(u.dest),
                    u.rule, round(float(u.morale), 3), round(float(u.strength), 3),
                    order_target(u))
        )
    return model.besieged.copy(), units


def attach_trail(model: TerritoryModel) -> None:
    """Record sieges and unit positions at the end of every later day of ``model``.

    The current day is recorded at once; ``model.step`` is wrapped (also when called by
    ``model.run``). Attaching twice does nothing. With more than :data:`UNIT_TRAIL_LIMIT`
    units only sieges are recorded.
    """
    if model in _TRAILS:
        return
    with_units = len(model.unit_list) <= UNIT_TRAIL_LIMIT
    trail = [_snapshot(model, with_units)]
    _TRAILS[model] = (with_units, trail)
    step = model.step

    def step_and_record() -> None:
        step()
        trail.append(_snapshot(model, with_units))

    model.step = step_and_record  # type: ignore[method-assign]


def _trail_of(model: TerritoryModel) -> tuple[bool, _Trail] | None:
    trail = _TRAILS.get(model)
    if trail is not None and len(trail[1]) == model.day + 1:
        return trail
    if model.world.n > REPLAY_LIMIT:
        return None
    from sim.model import TerritoryModel

    replay = TerritoryModel(model.definition, seed=model.seed)
    attach_trail(replay)
    replay.run(model.day)
    same = len(replay.events) == len(model.events) and all(
        np.array_equal(a, b)
        for a, b in zip(replay.record.control_history, model.record.control_history,
                        strict=True)
    )
    return _TRAILS[replay] if same else None


# ---------------------------------------------------------------- the adapter
def run_info(model: TerritoryModel) -> dict[str, Any]:
    """What produced these outputs: scenario, seed, days, overrides and versions."""

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "unknown"

    return {
        "scenario": model.spec.name,
        "scenario_file": model.definition.file,
        "seed": model.seed,
        "days": model.day,
        "start_date": model.start_date.isoformat(),
        "end_date": model.date.isoformat(),
        "overrides": {k: v for k, v in model.definition.overrides},
        "versions": {d: version(d) for d in ("frontline", "mesa", "numpy", "networkx")},
    }


def run_data(model: TerritoryModel) -> RunData:
    """The run of ``model`` so far as plain data (the one place that reads the model)."""
    w = model.world
    spec = model.spec
    found = _trail_of(model)
    control = np.array(model.record.control_history, dtype=np.int16).reshape(-1, w.n)
    with_units = found is not None and found[0]
    if found is not None:
        besieged = np.array([b for b, _ in found[1]], dtype=bool).reshape(-1, w.n)
    else:
        besieged = _besieged_from_events(model, control.shape[0])
    if found is not None and with_units:
        units = [u for _, u in found[1]]
    else:
        units = [[] for _ in range(model.day)] + [_snapshot(model)[1]]
    return RunData(
        info=run_info(model),
        factions=[{"id": f.id, "name": f.name, "colour": f.colour} for f in model.factions],
        hostile=model.relations.hostile.tolist(),
        town_ids=list(w.ids),
        town_names=list(w.names),
        lat=w.lat.copy(),
        lon=w.lon.copy(),
        population=w.population.copy(),
        objectives={f.id: [(o.town, float(o.priority)) for o in f.objectives]
                    for f in spec.factions},
        highways=[(int(w.eu[k]), int(w.ev[k]), w.edge_names[k], w.edge_terrain[k])
                  for k in range(w.m)],
        features=[{"kind": f.kind, "name": f.name, "points": [list(p) for p in f.points]}
                  for f in spec.features],
        control=control,
        besieged=besieged,
        units=units,
        events=[e.row() for e in model.events],
        series=[dict(r) for r in model.record.series],
        units_recorded=with_units,
        crossings={int(k): c.kind for k, c in w.crossings.items()},
        closed=closed_by_day(model.record.closures, control.shape[0] - 1, w.m),
    )


def _besieged_from_events(model: TerritoryModel, days: int) -> np.ndarray:
    """Sieges by day as the events tell them (a siege ends when lifted or the town falls)."""
    out = np.zeros((days, model.world.n), dtype=bool)
    index = model.world.index
    for e in model.events:
        if e.kind == "siege_start":
            out[e.day:, index[e.town]] = True
        elif e.kind in ("siege_lifted", "capture") and e.town:
            out[e.day:, index[e.town]] = False
    return out
