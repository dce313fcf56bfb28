"""TerritoryModel: the Mesa model of one campaign; one step is one day.

The model builds the run's state objects and calls the day's phases in order; each phase is a
function of the state objects it reads and changes (see docs/architecture.md):

====================  =============================  ==========================================
state                 owner                          what it holds
====================  =============================  ==========================================
``world``             ``sim.world.World``            the static map and its graph searches
``towns``             ``sim.state.TownState``        control, garrisons, population, conscripts
``ledger``            ``sim.state.Ledger``           each faction's casualties, desertions, ...
``relations``         ``sim.agents.Relations``       who fights whom
``forces``            ``sim.agents.Forces``          the units (Mesa agents on ``grid``)
``supply``            ``sim.supply.SupplyState``     reach, sieges, airlift, besiegers' tally
``sense``             ``sim.sense.Sense``            what the factions perceive
``routes``            ``sim.orders.Routes``          the orders' cached route searches
``record``            ``sim.record.Recorder``        events, statistics, series, DataCollector
``forcegen``          ``sim.forcegen.ForceGen``      reinforcement flows (None: not used)
====================  =============================  ==========================================
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario

from sim.agents import Unit
from sim.air import AirPower
from sim.attrition import attrition
from sim.battle import fight
from sim.build import (
    build_faction,
    build_factions,
    build_forces,
    build_grid,
    build_ledger,
    build_relations,
    build_towns,
)
from sim.forcegen import ForceGen, generate
from sim.odds import Odds
from sim.orders import Routes, faction_actions, give_orders
from sim.record import STATISTICS, Event, Recorder
from sim.rivers import Bridging, closed_at_start
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.runsets import with_runtime_sets
from sim.scenario.schema import Arrival
from sim.scenario.schema import Scenario as ScenarioSpec
from sim.sense import Sense
from sim.shipped import DEFAULT_SCENARIO
from sim.startup import collector_off_then_freeze
from sim.state import Roads
from sim.supply import SupplyState, compute_supply
from sim.timeline import Timeline, fire_due
from sim.world import World

__all__ = ["DEFAULT_SCENARIO", "METRICS", "CampaignScenario", "TerritoryModel"]

#: The per-faction statistics recorded each day (``sim.record.STATISTICS``).
METRICS = STATISTICS

#: Maps of at least this many towns freeze the garbage collector's view of the built objects.
FREEZE_GC_TOWNS = 2_000
_frozen = [0]  # builds that froze so far (this process)


@contextmanager
def _frozen_build(towns: int) -> Iterator[None]:
    """Build a big map without garbage collections, then exempt its objects from later ones.

    A full collection traverses every tracked object; a 10,000-town map's build and loaded
    scenario leave enough of them that one full collection costs about a day's time (0.1 s).
    Left enabled, the collector runs that collection in the middle of the build (the build
    allocates enough to trigger it), or on day 3-5 when the build happens to stay below the
    threshold; so the collector is off during the build, and ``gc.freeze()`` afterwards moves
    the built objects out of its view (they are still freed by reference counting; results
    do not depend on the collector). A later big build first unfreezes and collects, so
    cyclic garbage of earlier models is not kept for ever.
    """
    if towns < FREEZE_GC_TOWNS:
        yield
        return
    if _frozen[0]:
        gc.unfreeze()
        gc.collect()
    try:
        with collector_off_then_freeze():
            yield
    finally:
        _frozen[0] += 1


_last_world: list[tuple[ScenarioSpec, World]] = []  # the last map built, by its scenario


def _world(spec: ScenarioSpec) -> World:
    """The ``World`` of a validated scenario, reused while the same scenario object is run.

    A ``World`` is never changed by a run, so the runs of one parameter point in a sweep
    (which share one loaded scenario) share it.
    """
    if _last_world and _last_world[0][0] is spec:
        return _last_world[0][1]
    w = World(spec)
    _last_world[:] = [(spec, w)]
    return w


#: Timeline ``set`` results kept for later runs (entries; only maps below FREEZE_GC_TOWNS).
SET_CACHE = 8
# (the data the overrides were applied to, the overrides, the scenario they made)
_set_results: list[tuple[dict[str, Any], dict[str, Any], LoadedScenario]] = []


def _with_sets(
    data: dict[str, Any], sets: dict[str, Any], spec: ScenarioSpec | None = None
) -> LoadedScenario:
    """``load_scenario(data, sets)``, reused while the runs share the same data object.

    With ``spec`` (validated from ``data``) only the touched sections are validated again
    (``sim.scenario.runsets``: the same scenario and data, and only the checks that can find an
    error there: about 1.1 ms CPU a set instead of 2.5, 6,800 function calls instead of 19,800;
    its warnings are not collected). Loading plain data
    is a function of the data and the overrides alone (no file is read), and its result is
    frozen; the runs of one loaded scenario (a sweep's parameter point)
    fire the same ``set`` events on the same data, so each validation is done once (about 3 %
    of a default-scenario run). Big maps are not kept: their data is large.
    """
    for seen, given, loaded in _set_results:
        if seen is data and given == sets:
            return loaded
    loaded = load_scenario(data, sets) if spec is None else with_runtime_sets(data, spec, sets)
    if len(loaded.scenario.towns) < FREEZE_GC_TOWNS:
        _set_results.append((data, sets, loaded))
        del _set_results[:-SET_CACHE]
    return loaded


#: What a campaign can be built from: a file, plain scenario data, or a loaded scenario.
Source = str | Path | dict[str, Any] | LoadedScenario | ScenarioSpec


class CampaignScenario(Scenario["TerritoryModel"]):
    """A Mesa ``Scenario`` naming a frontline campaign: the scenario file, overrides and days.

    ``rng`` is the run's root seed, as for every Mesa scenario. Fields left None fall back to
    the keyword arguments of :class:`TerritoryModel`, then to the scenario file.

    Examples:
        >>> s = CampaignScenario(source="scenarios/deir_ez_zor_2017.yaml", rng=3, days=10)
        >>> s.source, s.rng, s.days, s.overrides
        ('scenarios/deir_ez_zor_2017.yaml', 3, 10, None)
    """

    source: Source | None = None
    overrides: dict[str, Any] | None = None
    days: int | None = None


class TerritoryModel(mesa.Model):
    """A campaign over a map of towns and highways.

    Args:
        source: a scenario file path, plain scenario data, or a loaded scenario (default: the
            ``scenario``'s, else the Deir ez-Zor 2017 scenario).
        seed: root seed of the run's one random generator (default: the ``scenario``'s
            ``rng``, else the scenario file's).
        days: days to run before ``running`` turns False (default: the scenario file's).
        overrides: dotted path -> value, as ``--set`` on the command line.
        scenario: Mesa's scenario object; a :class:`CampaignScenario` (or any Mesa
            ``Scenario`` with ``source``, ``overrides`` or ``days`` attributes) supplies what
            the keywords above leave unset. ``model.scenario`` is always a CampaignScenario
            of what was run.
        **params: more overrides as keywords, with ``__`` for dots (so that
            ``mesa.batch_run`` can sweep them), e.g.
            ``factions__isis__rules__forced_conscription__with__rate=0.02``.

    Each day: faction rules, orders and movement, battles, supply and sieges, attrition,
    then the record.
    """

    def __init__(
        self,
        source: Source | None = None,
        seed: int | None = None,
        days: int | None = None,
        overrides: dict[str, Any] | None = None,
        *,
        scenario: Scenario[Any] | None = None,
        **params: Any,
    ) -> None:
        if scenario is not None and not isinstance(scenario, Scenario):
            raise TypeError(
                f"scenario= takes a Mesa Scenario, not {type(scenario).__name__}: pass the "
                "scenario file as source= (or as CampaignScenario(source=...))"
            )
        given = scenario if scenario is not None else CampaignScenario()
        if source is None:
            source = getattr(given, "source", None) or DEFAULT_SCENARIO
        if seed is None and isinstance(given.rng, int | np.integer):
            seed = int(given.rng)
        if days is None:
            days = getattr(given, "days", None)
        sets = dict(getattr(given, "overrides", None) or {})
        sets.update(overrides or {})
        sets.update({k.replace("__", "."): v for k, v in sorted(params.items())})
        if days is not None:
            sets["simulation.days"] = days
        self.definition = load_scenario(source, sets)
        self.spec: ScenarioSpec = self.definition.scenario
        sim = self.spec.simulation
        self.seed = int(sim.seed if seed is None else seed)
        ran = CampaignScenario(source=source, overrides=sets or None, days=days, rng=self.seed)
        super().__init__(rng=self.seed, scenario=ran)
        self.days = sim.days
        self.start_date: dt.date = sim.start_date
        self.day = 0
        with _frozen_build(len(self.spec.towns)):
            self.world = w = _world(self.spec)
            self.grid = build_grid(w, self)
            self.relations = build_relations(self.spec)
            self.factions = build_factions(self.spec, w, self.relations)
            self.faction_index = dict(self.relations.index)
            self.towns = build_towns(self.spec, w, self.factions)
            self.forces = build_forces(self.spec, self, self.grid, w)
            self.ledger = build_ledger(self.towns, self.forces, len(self.factions))
            self.record = Recorder(w.ids, w.names, [f.id for f in self.factions], self.start_date)
            self.supply = SupplyState(len(self.factions), w.n, w.airlift, w.airlift_capacity)
            self.roads = Roads(closed_at_start(w))
            self.bridging = Bridging(w, self.record) if w.crossings else None
            self.sense = Sense(w, self.towns, self.forces, self.relations)
            has_air = any(f.air is not None for f in self.spec.factions)
            self.air: AirPower | None = AirPower(self.spec) if has_air else None
            self.sense.odds = Odds(
                w, self.towns, self.forces, self.relations, self.supply,
                lambda: self.spec.simulation.combat, self.air,
            )
            self.routes = Routes()
            self.timeline = Timeline(self.spec, w, self.definition.file or "<scenario>")
            self.timeline.draw(self.rng)  # uncertain dates: before anything else draws
            self.forcegen = ForceGen(self.spec, w) if ForceGen.needed(self.spec) else None
            self._data = self.definition.data
            self._supply()
            self._collect()

    # ----------------------------------------------------------------- the day
    @property
    def date(self) -> dt.date:
        """Calendar date of the current day."""
        return self.start_date + dt.timedelta(days=self.day)

    def step(self) -> None:
        """Advance the campaign by one day."""
        self.day += 1
        self.record.day = self.day
        self.towns.start_day()
        if self.timeline.events:
            fire_due(
                self.timeline,
                self.day,
                self.record.stats,
                self.world,
                self.towns,
                self.roads,
                self.relations,
                self.factions,
                self.forces,
                self.supply,
                self.ledger,
                self.sense,
                self.record,
                self._arrival,
                self._apply_sets,
                self.air,
            )
        if self.forcegen is not None:
            generate(
                self.forcegen,
                self.day,
                self.timeline.fired_on,
                self.towns,
                self.forces,
                self.factions,
                self.supply,
                self.ledger,
                self.sense,
                self.record,
                self.roads,
            )
        sim = self.spec.simulation
        common = (self.factions, self.relations, self.world, self.towns, self.supply, self.sense)
        faction_actions(
            self.factions,
            self.towns,
            self.ledger,
            self.record.stats,
            self.day,
            self.sense,
            sim.fighting_age_share,
            self.record,
        )
        give_orders(
            self.forces,
            *common,
            self.routes,
            self.record.stats,
            self.day,
            sim.movement.priority_km,
            self.roads,
            self.bridging,
        )
        fight(
            self.forces, *common, self.ledger, sim.combat, self.rng, self.record, self.roads,
            self.air,
        )
        self._supply()
        attrition(
            self.supply,
            self.towns,
            self.forces.units,
            self.factions,
            self.relations,
            self.ledger,
            sim,
            self.sense,
        )
        self._collect()
        if self.day >= self.days:
            self.running = False

    def _supply(self) -> None:
        compute_supply(
            self.supply,
            self.world,
            self.towns,
            self.forces.units,
            self.factions,
            self.relations,
            self.sense,
            self.spec.simulation.siege.invest_ratio,
            self.record,
            self.roads,
        )

    def _arrival(self, a: Arrival) -> Unit:
        """A timeline reinforcement as a unit on the map."""
        w = self.world
        return Unit(
            self,
            self.grid,
            w,
            a.id,
            a.name,
            self.faction_index[a.faction],
            w.index[a.town],
            a.fighters,
            a.quality,
            a.speed_km_day,
            a.morale,
            a.authorised,
            a.replacements_per_day,
            a.tags,
        )

    def _apply_sets(self, sets: dict[str, Any]) -> None:
        """A timeline ``set``: the scenario with these overrides from now on.

        Parameters are read from ``spec`` every day; the factions' rules, objectives and
        garrison settings are rebuilt (paths are limited to those, see sim.timeline).
        """
        loaded = _with_sets(self._data, sets, self.spec)
        before, self._data, self.spec = self.spec.factions, loaded.data, loaded.scenario
        # a faction whose validated section is the same object is unchanged (runsets keeps
        # the untouched ones): its compiled rules stand
        changed = [i for i, f in enumerate(self.spec.factions) if f is not before[i]]
        town_ids = set(self.world.ids) if changed else set()
        for i in changed:
            old = self.factions[i]
            new = build_faction(self.spec.factions[i], i, self.world, self.relations, town_ids)
            old.unit_rules, old.faction_rules = new.unit_rules, new.faction_rules
            old.objectives, old.objective_tags = new.objectives, new.objective_tags
            old.garrison_quality, old.garrison_morale = new.garrison_quality, new.garrison_morale
            old.garrison_policy = new.garrison_policy
        if any(".objectives" in path for path in sets):
            self.routes.fields.clear()  # routes towards the old objectives are stale
        if self.air is not None:
            for path in sets:
                parts = path.split(".")
                if parts[0] == "factions" and len(parts) > 2 and parts[2] == "air":
                    self.air.refresh(self.spec, self.faction_index[parts[1]])

    def _collect(self) -> None:
        self.record.collect(self, self.towns, self.supply.besieged, self.forces.units, self.ledger,
                            self.roads.closed)

    def run(self, days: int | None = None) -> TerritoryModel:
        """Run ``days`` more days (default: to the scenario's end); returns self."""
        target = self.days if days is None else self.day + days
        while self.day < target:
            self.step()
        return self

    # --------------------------------------------------------------- queries
    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's DataCollector (``day`` and ``<faction>_<statistic>`` columns)."""
        return self.record.datacollector

    @property
    def events(self) -> list[Event]:
        """Every event so far (``record.events``)."""
        return self.record.events

    @property
    def unit_list(self) -> list[Unit]:
        """The units on the map, in order (``forces.units``)."""
        return self.forces.units

    @property
    def controller(self) -> np.ndarray:
        """Faction number holding each town, -1 for nobody (``towns.controller``)."""
        return self.towns.controller

    @property
    def besieged(self) -> np.ndarray:
        """Bool per town: held and cut off from its holder's supply (``supply.besieged``)."""
        return self.supply.besieged

    def holder(self, town: str) -> str | None:
        """Id of the faction holding a town (None if nobody)."""
        c = self.towns.controller[self.world.index[town]]
        return self.factions[c].id if c >= 0 else None

    def is_besieged(self, town: str) -> bool:
        """Whether the town's holder has no supply path to it."""
        return bool(self.supply.besieged[self.world.index[town]])

    def stats(self, faction: str) -> dict[str, Any]:
        """The faction's statistics as last recorded (``sim.record.STATISTICS``)."""
        return self.record.stats[self.faction_index[faction]]
