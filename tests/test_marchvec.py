"""Marches on arrays (sim.marchvec): the same positions, floats and types as the scalar march."""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any

import numpy as np
import pytest
from builders import faction, scenario, town
from phase_kit import Kit, kit, road

import sim.march
import sim.orders
from sim.generate import generate_scenario
from sim.march import Phase, march, stop
from sim.marchvec import march_many
from sim.model import TerritoryModel
from sim.scenario import load_scenario
from sim.world import Field

SIDE = 6  # a SIDE x SIDE grid of towns, every road 10 km: many equally short routes


def _grid() -> dict[str, Any]:
    """Red holds the west, blue the east column and a garrison at g2_3; blue units inside red."""
    names = [[f"g{r}_{c}" for c in range(SIDE)] for r in range(SIDE)]
    towns = []
    for r in range(SIDE):
        for c in range(SIDE):
            owner = "blue" if c == SIDE - 1 else "red"
            towns.append(town(names[r][c], 38.0 + 0.1 * c, owner,
                              50 if names[r][c] == "g2_3" else 0, lat=35.0 + 0.1 * r))
    roads = [road(names[r][c], names[r][c + 1]) for r in range(SIDE) for c in range(SIDE - 1)]
    roads += [road(names[r][c], names[r + 1][c]) for r in range(SIDE - 1) for c in range(SIDE)]
    roads[3]["length_km"] = 7.5  # one shorter road: exact budget = remaining ties elsewhere
    red_units = [{"id": f"r{i}", "name": f"R{i}", "town": names[i % SIDE][i % 3],
                  "fighters": 100, "speed_km_day": [10.0, 15.0, 25.0, 7.5, 40.0][i % 5]}
                 for i in range(90)]
    blue_units = [{"id": "b0", "name": "B0", "town": "g0_5", "fighters": 30},
                  {"id": "b1", "name": "B1", "town": "g0_5", "fighters": 0.0}]
    red = faction("red", supply_sources=["g0_0"],
                  objectives=[{"town": names[r][SIDE - 1]} for r in range(SIDE)],
                  rules=[{"do": "advance"}], forces=red_units)
    blue = faction("blue", colour="#0000cc", forces=blue_units)
    return scenario(towns, roads, [red, blue])


def _place(k: Kit, rng: np.random.Generator) -> None:
    """Red units at towns and on roads, either way along, at progress 0, halfway, the end."""
    w = k.world
    k.unit("b0").node, k.unit("b1").node = k.t("g4_2"), k.t("g1_4")  # inside red's land
    for i, u in enumerate(k.forces.units):
        if u.faction != 0 or i % 4 == 0:
            continue  # these stay in their towns
        e = int(rng.integers(w.m))
        a, b = (int(w.eu[e]), int(w.ev[e])) if i % 2 else (int(w.ev[e]), int(w.eu[e]))
        u.node, u.dest = a, b
        choice = [0.0, 0.5 * float(w.eff_km[e]), float(w.eff_km[e]), float(rng.random() * 10)]
        p = choice[i % 4]
        u.progress = np.float64(p) if i % 3 == 0 else p  # both types, as runs leave them


def _orders(k: Kit, edge_open: np.ndarray | None) -> Phase:
    return Phase(k.world, k.towns, k.factions, k.relations, k.supply, k.sense, k.routes, 1,
                   k.spec.simulation.movement.priority_km, edge_open, {}, [])


def _state(k: Kit) -> list[tuple[Any, ...]]:
    return [(u.node, u.dest, type(u.progress), float(u.progress).hex(), u.besieging,
             u.came_from) for u in k.forces.units]


@pytest.mark.parametrize("closed", [(), (2, 17, 33, 40)])
def test_march_many_moves_units_as_the_scalarmarch(closed: tuple[int, ...]) -> None:
    k = kit(_grid())
    rng = np.random.default_rng(5)
    _place(k, rng)
    k.sense.refresh()
    k.sense.town_fighters()  # the hostile presence fixed (b0 at g4_2; b1 has no fighters)
    edge_open = None
    if closed:
        edge_open = np.ones(k.world.m, dtype=bool)
        edge_open[list(closed)] = False
    o = _orders(k, edge_open)
    fld = sim.orders.objective_field(o, 0, None)
    other: Field = k.world.field(np.array([0, 7, 30]), np.array([0.0, 5.0, 0.0]), None,
                                 edge_open)  # a second field: two groups
    red = [u for u in k.forces.units if u.faction == 0]
    plan = [(u, fld if i % 3 else other) for i, u in enumerate(red)]
    start = [(u.node, u.dest, u.progress, u.besieging, u.came_from) for u in red]
    for u, f in plan:
        march(o, u, f, None)
    want = _state(k)
    for u, (node, dest, progress, besieging, came_from) in zip(red, start, strict=True):
        u.node, u.dest, u.progress, u.besieging, u.came_from = (
            node, dest, progress, besieging, came_from)
    march_many(k.world, plan, partial(k.routes.next_edges, k.world), partial(stop, o),
               edge_open, lambda u, f: march(o, u, f, None))
    assert _state(k) == want
    stops = {u.node for u in red if u.dest < 0}
    assert k.t("g4_2") in stops or k.t("g2_3") in stops  # hostile presence stopped some


def _digest(model: TerritoryModel) -> str:
    h = hashlib.sha256()
    for e in model.record.events:
        h.update(repr((e.day, e.kind, e.faction, e.town, e.detail)).encode())
    h.update(repr(model.record.series).encode())
    for u in model.forces:
        h.update(repr((u.key, u.node, u.dest, type(u.progress), u.progress.hex(),
                       u.fighters.hex(), u.besieging, u.came_from, u.rule,
                       u.cell.coordinate if u.cell else None)).encode())
    h.update(model.towns.controller.tobytes())
    return h.hexdigest()


def test_a_run_is_the_same_with_marches_queued_and_not(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_scenario(generate_scenario(2000, 2, None, seed=4))
    calls: list[int] = []
    real = sim.march.march_many

    def counted(world: Any, queue: Any, *args: Any) -> None:
        calls.append(len(queue))
        real(world, queue, *args)

    monkeypatch.setattr(sim.march, "march_many", counted)
    monkeypatch.setattr(sim.orders, "QUEUE_UNITS", 10**9)
    scalar = _digest(TerritoryModel(loaded, days=12).run())
    assert not calls
    monkeypatch.setattr(sim.orders, "QUEUE_UNITS", 0)
    queued = _digest(TerritoryModel(loaded, days=12).run())
    assert sum(calls) > 12 * 100  # most marches went on arrays
    monkeypatch.setattr(sim.march, "VECTOR_MARCH_UNITS", 1)
    every = _digest(TerritoryModel(loaded, days=12).run())
    assert scalar == queued == every
