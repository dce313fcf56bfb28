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
    build_factions,
    build_forces,
    build_grid,
    build_ledger,
    build_relations,
    build_towns,
)
from sim.buildcache import frozen_build, shared_world
from sim.forcegen import ForceGen, generate
from sim.odds import Odds
from sim.orders import Routes, faction_actions, give_orders
from sim.record import STATISTICS, Event, Recorder
from sim.rivers import Bridging, closed_at_start
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.schema import Arrival
from sim.scenario.schema import Scenario as ScenarioSpec
from sim.sense import Sense
from sim.setevents import apply_sets
from sim.shipped import DEFAULT_SCENARIO
from sim.state import Roads
from sim.supply import SupplyState, compute_supply
from sim.timeline import Timeline, fire_due

__all__ = ["DEFAULT_SCENARIO", "METRICS", "CampaignScenario", "TerritoryModel"]

#: The per-faction statistics recorded each day (``sim.record.STATISTICS``).
METRICS = STATISTICS

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
        with frozen_build(len(self.spec.towns)):
            self.world = w = shared_world(self.spec)
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
        """A timeline ``set``: the scenario with these overrides from now on (``apply_sets``)."""
        loaded = apply_sets(
            self._data, self.spec, sets, self.world, self.relations, self.factions,
            self.faction_index, self.routes, self.air,
        )
        self._data, self.spec = loaded.data, loaded.scenario

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
