"""TerritoryModel: the Mesa model of one campaign; one step is one day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim.agents import Faction, Unit
from sim.battle import fight
from sim.orders import faction_actions, give_orders
from sim.record import Event
from sim.rules import compile_rules
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario
from sim.sense import Sense
from sim.supply import attrition, compute_supply
from sim.world import Field, World

__all__ = ["DEFAULT_SCENARIO", "TerritoryModel"]

from sim.shipped import DEFAULT_SCENARIO

METRICS = (
    "towns",
    "population",
    "fighters",
    "casualties",
    "deserted",
    "recruited",
    "besieged_towns",
    "units",
)


def _stat_reporter(faction: int, key: str) -> Callable[[TerritoryModel], Any]:
    def report(model: TerritoryModel) -> Any:
        return model.factions[faction].stats[key]

    return report


class TerritoryModel(mesa.Model):
    """A campaign over a map of towns and highways.

    Args:
        scenario: a scenario file path, plain scenario data, or a loaded scenario.
        seed: root seed of the run's one random generator (default: the scenario's).
        days: days to run before ``running`` turns False (default: the scenario's).
        overrides: dotted path -> value, as ``--set`` on the command line.
        **params: more overrides as keywords, with ``__`` for dots (so that
            ``mesa.batch_run`` can sweep them), e.g.
            ``factions__isis__rules__forced_conscription__with__rate=0.02``.

    Each day: orders and movement, battles, supply and sieges, attrition, then records.
    """

    def __init__(
        self,
        scenario: str | Path | dict[str, Any] | LoadedScenario | Scenario = DEFAULT_SCENARIO,
        seed: int | None = None,
        days: int | None = None,
        overrides: dict[str, Any] | None = None,
        **params: Any,
    ):
        sets = dict(overrides or {})
        sets.update({k.replace("__", "."): v for k, v in sorted(params.items())})
        if days is not None:
            sets["simulation.days"] = days
        self.definition = load_scenario(scenario, sets)
        self.spec: Scenario = self.definition.scenario
        sim = self.spec.simulation
        self.seed = int(sim.seed if seed is None else seed)
        super().__init__(rng=self.seed)
        self.days = sim.days
        self.start_date: dt.date = sim.start_date
        self.day = 0
        self.world = w = World(self.spec)
        self.grid = Network(
            w.graph,
            random=self.random,
            layout={i: (float(w.lon[i]), float(w.lat[i])) for i in range(w.n)},
        )

        fidx = {f.id: i for i, f in enumerate(self.spec.factions)}
        k = len(fidx)
        rel = np.full((k, k), "hostile", dtype=object)
        for f in self.spec.factions:
            for other, r in f.relations.items():
                rel[fidx[f.id], fidx[other]] = rel[fidx[other], fidx[f.id]] = r
        np.fill_diagonal(rel, "self")
        self.hostile_matrix = rel == "hostile"
        town_ids = set(w.ids)
        self.factions: list[Faction] = []
        for i, f in enumerate(self.spec.factions):
            unit_rules, faction_rules = compile_rules(f.rules, town_ids)
            self.factions.append(
                Faction(
                    index=i,
                    id=f.id,
                    name=f.name,
                    colour=f.colour,
                    friends=frozenset(j for j in range(k) if rel[i, j] in ("self", "allied")),
                    enemies=frozenset(j for j in range(k) if rel[i, j] == "hostile"),
                    sources=np.array(
                        sorted({w.index[s] for s in f.supply_sources}), dtype=np.int64
                    ),
                    objectives=[(w.index[o.town], o.priority) for o in f.objectives],
                    unit_rules=unit_rules,
                    faction_rules=faction_rules,
                    garrison_quality=f.garrison_quality,
                    garrison_morale=f.garrison_morale,
                )
            )
        self.faction_index = fidx
        # friend_of[f][c]: faction c (or -1, nobody: the extra last column) is f or an ally;
        # a lookup costs ~1 us where np.isin costs ~20 us, and supply asks daily per faction
        self.friend_of = np.zeros((k, k + 1), dtype=bool)
        for fac in self.factions:
            self.friend_of[fac.index, sorted(fac.friends)] = True

        self.controller = np.array(
            [fidx[t.controller] if t.controller else -1 for t in self.spec.towns], dtype=np.int64
        )
        self.control_version = 0
        self.population = w.population.copy()
        self.men_initial = self.population * sim.fighting_age_share
        self.garrison = np.array([t.garrison for t in self.spec.towns], dtype=float)
        self.garrison_quality = np.array(
            [self.factions[c].garrison_quality if c >= 0 else 0.0 for c in self.controller]
        )
        self.garrison_morale = np.array(
            [self.factions[c].garrison_morale if c >= 0 else 0.0 for c in self.controller]
        )
        self.conscripts = np.zeros(w.n)
        self.conscripted = np.zeros(w.n)
        self.desert_rate = np.zeros(w.n)
        self.losses_by_faction = np.zeros(k)
        self.deserted_by_faction = np.zeros(k)

        self.unit_list: list[Unit] = []
        for f in self.spec.factions:
            for spec in f.forces:
                self.unit_list.append(
                    Unit(
                        self,
                        spec.id,
                        spec.name,
                        fidx[f.id],
                        w.index[spec.town],
                        spec.fighters,
                        spec.quality,
                        spec.speed_km_day,
                        spec.morale,
                    )
                )
        for fac in self.factions:
            fac.initial = float(self.garrison[self.controller == fac.index].sum()) + sum(
                u.fighters for u in self.unit_list if u.faction == fac.index
            )

        self.events: list[Event] = []
        self.listeners: list[Callable[[Event], None]] = []
        self.fields: dict[tuple[Any, ...], Field] = {}
        # (faction, radius) -> ((control version, threatened towns), routes): see reinforce_field
        self.reinforce_routes: dict[tuple[int, float], tuple[tuple[int, bytes], Field]] = {}
        self.besiegers: dict[tuple[int, int], float] = {}
        self._supply_cache: dict[int, Any] = {}
        self.besieged = np.zeros(w.n, dtype=bool)
        self.supplied = np.zeros(w.n, dtype=bool)
        self.reach = np.zeros((k, w.n), dtype=bool)
        self.pocket_airlift = np.zeros(w.n)
        self._prev_ctrl = self.controller.copy()
        self.control_history: list[np.ndarray] = []
        self.series: list[dict[str, Any]] = []
        self.sense = Sense(self)
        compute_supply(self)
        self._update_stats()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self._record()

    # ----------------------------------------------------------------- the day
    @property
    def date(self) -> dt.date:
        """Calendar date of the current day."""
        return self.start_date + dt.timedelta(days=self.day)

    def step(self) -> None:
        """Advance the campaign by one day."""
        self.day += 1
        self._prev_ctrl = self.controller.copy()
        self.sense = Sense(self)
        self.besiegers = {}
        for u in self.unit_list:
            if u.besieging >= 0:
                key = (u.besieging, u.faction)
                self.besiegers[key] = self.besiegers.get(key, 0.0) + u.fighters
        faction_actions(self)
        give_orders(self)
        self.sense = Sense(self)
        fight(self)
        self.sense = Sense(self)
        compute_supply(self)
        attrition(self)
        self._update_stats()
        self._record()
        if self.day >= self.days:
            self.running = False

    def run(self, days: int | None = None) -> TerritoryModel:
        """Run ``days`` more days (default: to the scenario's end); returns self."""
        target = self.days if days is None else self.day + days
        while self.day < target:
            self.step()
        return self

    # ------------------------------------------------------------ bookkeeping
    def set_controller(self, town: int, faction: int) -> None:
        """Change hands; invalidates routes and supply caches that depend on control."""
        self.controller[town] = faction
        self.control_version += 1
        self.fields.clear()

    def remove_unit(self, unit: Unit) -> None:
        """Take a destroyed or surrendered unit off the map."""
        self.unit_list.remove(unit)
        unit.cell = None
        unit.remove()

    def emit(self, kind: str, faction: str, town: int, other: str, detail: str, text: str) -> None:
        """Record an event and pass it to listeners (the CLI prints them)."""
        ev = Event(
            self.day,
            self.date,
            kind,
            faction,
            self.world.ids[town] if town >= 0 else "",
            self.world.names[town] if town >= 0 else "",
            other,
            detail,
            text,
        )
        self.events.append(ev)
        for listener in self.listeners:
            listener(ev)

    def _update_stats(self) -> None:
        units_by = np.zeros(len(self.factions))
        count_by = np.zeros(len(self.factions))
        for u in self.unit_list:
            units_by[u.faction] += u.fighters
            count_by[u.faction] += 1
        held = self.controller >= 0
        towns = np.bincount(self.controller[held], minlength=len(self.factions))
        pop = np.bincount(
            self.controller[held], weights=self.population[held], minlength=len(self.factions)
        )
        garrisons = np.bincount(
            self.controller[held], weights=self.garrison[held], minlength=len(self.factions)
        )
        besieged = np.bincount(self.controller[self.besieged], minlength=len(self.factions))
        for f in self.factions:
            i = f.index
            f.casualties = float(self.losses_by_faction[i])
            f.deserted = float(self.deserted_by_faction[i])
            f.stats = {
                "towns_held": int(towns[i]),
                "population_held": float(pop[i]),
                "faction_fighters": float(units_by[i] + garrisons[i]),
                "casualties": f.casualties,
                "besieged_towns": int(besieged[i]),
                "units": int(count_by[i]),
                "recruited": f.recruited,
                "deserted": f.deserted,
            }

    def _reporters(self) -> dict[str, Callable[[TerritoryModel], Any]]:
        keys = {
            "towns": "towns_held",
            "population": "population_held",
            "fighters": "faction_fighters",
            "casualties": "casualties",
        }
        out: dict[str, Callable[[TerritoryModel], Any]] = {"day": lambda m: m.day}
        for f in self.factions:
            for name, key in keys.items():
                out[f"{f.id}_{name}"] = _stat_reporter(f.index, key)
        return out

    def _record(self) -> None:
        self.control_history.append(self.controller.astype(np.int16))
        for f in self.factions:
            s = f.stats
            self.series.append(
                {
                    "date": self.date.isoformat(),
                    "day": self.day,
                    "faction": f.id,
                    "towns": s["towns_held"],
                    "population": round(s["population_held"]),
                    "fighters": round(s["faction_fighters"]),
                    "casualties": round(s["casualties"]),
                    "deserted": round(s["deserted"]),
                    "recruited": round(s["recruited"]),
                    "besieged_towns": s["besieged_towns"],
                    "units": s["units"],
                }
            )
        self.datacollector.collect(self)

    # --------------------------------------------------------------- queries
    def holder(self, town: str) -> str | None:
        """Id of the faction holding a town (None if nobody)."""
        c = self.controller[self.world.index[town]]
        return self.factions[c].id if c >= 0 else None

    def is_besieged(self, town: str) -> bool:
        """Whether the town's holder has no supply path to it."""
        return bool(self.besieged[self.world.index[town]])
