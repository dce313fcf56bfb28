"""Hand-built states for testing one phase of the day alone (no TerritoryModel).

``kit(data)`` builds every state object from a small scenario dict the way the model does;
a test then moves units and sets arrays by hand and calls one phase function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from sim.agents import Faction, Forces, Relations, Unit
from sim.build import (
    build_factions,
    build_forces,
    build_grid,
    build_ledger,
    build_relations,
    build_towns,
)
from sim.orders import Routes
from sim.record import Recorder
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario
from sim.sense import Sense
from sim.state import Ledger, TownState
from sim.supply import SupplyState
from sim.world import World


@dataclass
class Kit:
    spec: Scenario
    world: World
    relations: Relations
    factions: list[Faction]
    towns: TownState
    forces: Forces
    ledger: Ledger
    supply: SupplyState
    sense: Sense
    routes: Routes
    record: Recorder
    rng: np.random.Generator

    def t(self, tid: str) -> int:
        return self.world.index[tid]

    def unit(self, key: str) -> Unit:
        return next(u for u in self.forces if u.key == key)

    def kinds(self) -> list[tuple[str, str]]:
        return [(e.kind, e.town) for e in self.record.events]


def kit(data: dict[str, Any]) -> Kit:
    spec = load_scenario(data).scenario
    host = mesa.Model(rng=1)
    world = World(spec)
    grid = build_grid(world, host)
    relations = build_relations(spec)
    factions = build_factions(spec, world, relations)
    towns = build_towns(spec, world, factions)
    forces = build_forces(spec, host, grid, world)
    ledger = build_ledger(towns, forces, len(factions))
    record = Recorder(world.ids, world.names, [f.id for f in factions], spec.simulation.start_date)
    return Kit(spec, world, relations, factions, towns, forces, ledger,
               SupplyState(len(factions), world.n), Sense(world, towns, forces, relations),
               Routes(), record, np.random.default_rng(1))


def road(a: str, b: str, km: float = 10.0) -> dict[str, Any]:
    """A highway of exactly ``km`` (flat terrain: effective km = km)."""
    return {"from": a, "to": b, "length_km": km, "terrain": "flat"}
