"""Invariants checked after every day of many generated scenarios (hypothesis).

Each generated scenario (tests/strategies.py) runs day by day; after every day:

* no fighters, population or morale is negative (or NaN), and no morale is above 1;
* fighters are conserved per faction: at the start + recruited + arrived + replaced = now +
  casualties + deserted + withdrawn (arrived: timeline units and reinforcement flows; replaced:
  replacement of losses), also with force generation and the timeline generated
  (``forcegen_scenarios``);
* every town has one controller or none, and a town nobody holds has no garrison;
* every unit stands in an existing town or on an existing highway, within its length, and
  besieges (waits on the approach road of) only the town its road leads to;
* allied factions never fight each other: no battle has allies on opposite sides;
* a town is besieged exactly when its holder has no supply path to it, recomputed here with
  networkx from the controllers, the relations in the scenario, the units on the roads and
  the highways closed (river crossings as declared, then as the timeline and engineers
  opened and closed them)
  (an implementation independent of ``sim/supply.py``, checked each time the model
  recomputes supply).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import networkx as nx
import numpy as np
import pytest
from hypothesis import event, given
from hypothesis.control import currently_in_test_context
from strategies import fixed, forcegen_scenarios, scenarios

import sim.battle
from sim.model import TerritoryModel

TOL = 1e-6


# ------------------------------------------------------------------ relations from the file
class Relations:
    """Who is allied to / hostile to whom, read from the scenario spec (not the model)."""

    def __init__(self, model: TerritoryModel):
        ids = [f.id for f in model.spec.factions]
        self.k = len(ids)
        table = {}
        for f in model.spec.factions:
            for other, rel in f.relations.items():
                table[frozenset((f.id, other))] = rel
        self.rel = {(i, j): ("self" if i == j else table.get(frozenset((ids[i], ids[j])),
                                                              "hostile"))
                    for i in range(self.k) for j in range(self.k)}

    def friends(self, a: int, b: int) -> bool:
        return self.rel[(a, b)] in ("self", "allied")

    def allied(self, a: int, b: int) -> bool:
        return self.rel[(a, b)] == "allied"

    def hostile(self, a: int, b: int) -> bool:
        return self.rel[(a, b)] == "hostile"


# ------------------------------------------------------------------ supply, independently
def closed_roads(model: TerritoryModel) -> set[frozenset[int]]:
    """Highways closed to everyone today, replayed from the scenario and the event log.

    River crossings start as declared (``open``); then, day by day, the timeline's events that
    fired that day (in file order: ``close``, ``open``, ``close_crossings``,
    ``open_crossings``) and the crossings engineers opened that day (``crossing`` events).
    """
    spec = model.spec
    index = {t.id: i for i, t in enumerate(spec.towns)}
    crossing = {c.id: frozenset((index[c.from_], index[c.to]))
                for r in spec.rivers for c in r.crossings}
    shut = {crossing[c.id] for r in spec.rivers for c in r.crossings if not c.open}
    built = [(e.day, e.detail.split()[0]) for e in model.events
             if e.kind == "crossing" and e.detail.endswith(" opened")]
    fired = {(e.day, e.detail) for e in model.events if e.kind == "timeline"}
    for day in range(1, model.day + 1):
        for ev in spec.events:
            if (day, ev.id) not in fired:
                continue
            road = [frozenset((index[r.from_], index[r.to])) for r in ev.close]
            shut |= set(road)
            shut -= {frozenset((index[r.from_], index[r.to])) for r in ev.open}
            shut |= {crossing[c] for c in ev.close_crossings}
            shut -= {crossing[c] for c in ev.open_crossings}
        shut -= {crossing[c] for d, c in built if d == day}
    return shut


def expected_besieged(model: TerritoryModel) -> np.ndarray:
    """Towns whose holder has no supply path to them, computed from scratch with networkx.

    A faction's supply runs from its sources (held by it or an ally) through towns held by
    it or an ally, along highways that are open to it. A highway is closed to faction f when
    a unit hostile to f is on it, or when it leads into a town held by f's bloc whose
    approaches are invested: the units of one faction b, hostile to the holder and to f,
    waiting on the town's approach roads (besieging it), number at least ``invest_ratio``
    times the town's defenders (its garrison and the units of the holder's bloc in it).
    A faction without supply sources is never besieged.
    """
    rel = Relations(model)
    spec = model.spec
    index = {t.id: i for i, t in enumerate(spec.towns)}
    n = len(spec.towns)
    ctrl = [int(c) for c in model.controller]
    highways = [(index[h.from_], index[h.to]) for h in spec.highways]
    ratio = spec.simulation.siege.invest_ratio
    shut = closed_roads(model)

    on_road: dict[frozenset[int], set[int]] = {}
    besiegers: dict[tuple[int, int], float] = {}
    in_town = np.zeros((rel.k, n))
    for u in model.unit_list:
        if u.dest >= 0:
            on_road.setdefault(frozenset((u.node, u.dest)), set()).add(u.faction)
            if u.besieging == u.dest:
                key = (u.dest, u.faction)
                besiegers[key] = besiegers.get(key, 0.0) + u.fighters
        else:
            in_town[u.faction, u.node] += u.fighters
    invested: list[tuple[int, int]] = []  # (town, besieging faction)
    for (town, b), fighters in besiegers.items():
        holder = ctrl[town]
        if holder < 0 or not rel.hostile(b, holder):
            continue
        defenders = model.towns.garrison[town] + sum(
            in_town[g, town] for g in range(rel.k) if rel.friends(g, holder))
        if fighters >= ratio * defenders:
            invested.append((town, b))

    def closed(f: int, a: int, b: int) -> bool:
        if frozenset((a, b)) in shut:
            return True
        if any(rel.hostile(g, f) for g in on_road.get(frozenset((a, b)), ())):
            return True
        return any(t in (a, b) and rel.friends(f, ctrl[t]) and rel.hostile(bf, f)
                   for t, bf in invested)

    besieged = np.zeros(n, dtype=bool)
    for f, fspec in enumerate(spec.factions):
        if not fspec.supply_sources:
            continue
        passable = {t for t in range(n) if ctrl[t] >= 0 and rel.friends(f, ctrl[t])}
        g = nx.Graph()
        g.add_nodes_from(passable)
        g.add_edges_from((a, b) for a, b in highways
                         if a in passable and b in passable and not closed(f, a, b))
        reached: set[int] = set()
        for s in fspec.supply_sources:
            if index[s] in passable:
                reached |= nx.node_connected_component(g, index[s])
        for t in range(n):
            if ctrl[t] == f and t not in reached:
                besieged[t] = True
    return besieged


# ------------------------------------------------------------------ battles, observed
class Observer:
    """Checks supply each time the model computes it, and who fights whom in every battle.

    The sides of a battle are observed, not predicted: each call of ``sim.battle._apply_losses``
    applies one side's losses (an attacking bloc, or the defenders with the garrison), so the
    factions of the calls made during one ``_battle_at`` are that battle's sides. No two sides
    may hold allied factions (attacking blocs never fight each other, and every one of them
    fights the defenders, so this is exact without knowing which side is which).
    """

    def __init__(self) -> None:
        self.supply_checks = 0
        self.battles = 0
        self.problems: list[str] = []
        self._sides: list[set[int]] | None = None

    @contextmanager
    def watching(self) -> Iterator[Observer]:
        real_supply = TerritoryModel._supply
        real_battle = sim.battle._battle_at
        real_losses = sim.battle._apply_losses
        models: list[TerritoryModel] = []  # the model being run (its supply is computed first)

        def supply(model: TerritoryModel) -> None:
            if not models or models[-1] is not model:
                models.append(model)
            expected = expected_besieged(model)
            real_supply(model)
            self.supply_checks += 1
            if not np.array_equal(expected, model.besieged):
                diff = np.nonzero(expected != model.besieged)[0]
                self.problems.append(
                    f"day {model.day}: besieged differs at "
                    + ", ".join(f"{model.world.ids[t]} (model {bool(model.besieged[t])}, "
                                f"expected {bool(expected[t])})" for t in diff))

        def battle_at(b: Any, town: int, units: list[Any], found: Any) -> None:
            self._sides = []
            real_battle(b, town, units, found)
            sides, self._sides = self._sides, None
            if len(sides) > 1:
                self.battles += 1
            model = models[-1]
            rel = Relations(model)
            ids = [f.id for f in model.factions]
            for one, other in itertools.combinations(sides, 2):
                self.problems += [
                    f"day {model.day}: allies {ids[a]} and {ids[b]} fight on opposite sides "
                    f"at {model.world.ids[town]}"
                    for a, b in itertools.product(sorted(one), sorted(other)) if rel.allied(a, b)]

        def apply_losses(b: Any, units: list[Any], garrison: float, town: int,
                         lost: float, before: float) -> None:
            if self._sides is not None:
                side = {u.faction for u in units}
                if garrison > 0:
                    side.add(int(b.towns.controller[town]))
                self._sides.append(side)
            real_losses(b, units, garrison, town, lost, before)

        with mock.patch.object(TerritoryModel, "_supply", supply), \
                mock.patch.object(sim.battle, "_battle_at", battle_at), \
                mock.patch.object(sim.battle, "_apply_losses", apply_losses):
            yield self


# ------------------------------------------------------------------ the day's state
def day_problems(model: TerritoryModel) -> list[str]:
    """Everything wrong with the model's state at the end of a day (empty when sound)."""
    out: list[str] = []
    w = model.world
    k = len(model.factions)
    rel = Relations(model)
    day = f"day {model.day}"

    def bad_number(x: float) -> bool:
        return not math.isfinite(x) or x < 0

    for name, arr in (("garrison", model.towns.garrison), ("population", model.towns.population),
                      ("garrison morale", model.towns.garrison_morale),
                      ("conscripts", model.towns.conscripts)):
        for t in np.nonzero(~np.isfinite(arr) | (arr < 0))[0]:
            out.append(f"{day}: {name} of {w.ids[t]} is {arr[t]}")
    for t in np.nonzero(model.towns.garrison_morale > 1 + TOL)[0]:
        out.append(f"{day}: garrison morale of {w.ids[t]} is {model.towns.garrison_morale[t]}")
    for u in model.unit_list:
        if bad_number(u.fighters):
            out.append(f"{day}: unit {u.key} has {u.fighters} fighters")
        if bad_number(u.morale) or u.morale > 1 + TOL:
            out.append(f"{day}: unit {u.key} has morale {u.morale}")

    # one controller or none, and no garrison without a holder
    if model.controller.shape != (w.n,) or not np.issubdtype(model.controller.dtype, np.integer):
        out.append(f"{day}: controller table has shape {model.controller.shape}")
    for t in range(w.n):
        c = int(model.controller[t])
        if not -1 <= c < k:
            out.append(f"{day}: {w.ids[t]} is held by faction number {c}")
        elif c < 0 and model.towns.garrison[t] > TOL:
            out.append(f"{day}: {w.ids[t]} is held by nobody but has a garrison")

    # units on the map
    edges = {frozenset((int(a), int(b))): e for e, (a, b) in enumerate(zip(w.eu, w.ev,
                                                                             strict=True))}
    live = {id(a) for a in model.agents}
    for u in model.unit_list:
        where = f"{day}: unit {u.key}"
        if not 0 <= u.node < w.n:
            out.append(f"{where} is at town number {u.node}")
            continue
        if id(u) not in live:
            out.append(f"{where} is not among the model's agents")
        if u.dest >= 0:
            e = edges.get(frozenset((u.node, u.dest)))
            if e is None:
                out.append(f"{where} is on a road {w.ids[u.node]} - {u.dest} that does not exist")
            elif not -TOL <= u.progress <= w.eff_km[e] + TOL:
                out.append(f"{where} is {u.progress} km along a {w.eff_km[e]} km road")
        if u.besieging >= 0 and u.besieging != u.dest:
            out.append(f"{where} besieges town number {u.besieging} but its road leads to "
                       f"{u.dest}")
        if u.cell is not model.grid[u.node]:
            out.append(f"{where} is in cell {u.cell} but at town {w.ids[u.node]}")

    # fighters are conserved
    held = model.controller >= 0
    for f in model.factions:
        i = f.index
        now = float(model.towns.garrison[held & (model.controller == i)].sum()) + sum(
            u.fighters for u in model.unit_list if u.faction == i)
        led = model.ledger
        lhs = led.initial[i] + led.recruited[i] + led.arrived[i] + led.replaced[i]
        rhs = now + float(led.casualties[i]) + float(led.deserted[i]) + float(led.withdrawn[i])
        if not math.isclose(lhs, rhs, rel_tol=1e-9, abs_tol=1e-6):
            out.append(f"{day}: {f.id}: initial {model.ledger.initial[i]} + recruited "
                       f"{model.ledger.recruited[i]} + arrived {led.arrived[i]} + replaced "
                       f"{led.replaced[i]} != "
                       f"now {now} + casualties {model.ledger.casualties[i]} + deserted "
                       f"{model.ledger.deserted[i]} + withdrawn {led.withdrawn[i]} (off by "
                       f"{lhs - rhs:.6g})")

    # battles are between hostile factions only (as recorded in the event log)
    fidx = model.faction_index
    for e in model.events:
        if e.day == model.day and e.kind in ("battle", "capture") and e.other_faction:
            a, b = fidx[e.faction], fidx[e.other_faction]
            if not rel.hostile(a, b):
                out.append(f"{day}: {e.kind} between {rel.rel[(a, b)]} factions: {e.text}")
    return out


def run_checked(data: Any, days: int | None = None) -> Observer:
    """Run a scenario day by day; fail with every problem of the first bad day."""
    with Observer().watching() as obs:
        model = TerritoryModel(data, days=days)
        problems = day_problems(model) + obs.problems
        assert not problems, "\n".join(problems)
        while model.running:
            model.step()
            problems = day_problems(model) + obs.problems
            assert not problems, "\n".join(problems)
    if not currently_in_test_context():
        return obs
    kinds = {e.kind for e in model.events}
    if model.ledger.replaced.any():
        event("has replacements")
    for kind in ("battle", "capture", "siege_start", "siege_lifted", "conscription", "retreat",
                 "surrender", "destroyed", "timeline", "flow", "release", "crossing"):
        if kind in kinds:
            event(f"has {kind} events")
    return obs


# ------------------------------------------------------------------ the properties
@fixed(max_examples=600, deadline_ms=None)
@given(scenarios())
def test_invariants_hold_every_day(data):
    run_checked(data)


@fixed(max_examples=150, deadline_ms=None)
@given(scenarios(rivers=True))
def test_invariants_hold_every_day_with_river_crossings(data):
    """Besieged == no supply path, with crossings opened and closed by events and engineers."""
    run_checked(data)


@fixed(max_examples=200, deadline_ms=None)
@given(forcegen_scenarios())
def test_invariants_hold_with_force_generation_and_the_timeline(data):
    run_checked(data)


@pytest.mark.slow
@fixed(max_examples=2000, deadline_ms=None)
@given(scenarios(max_towns=14, max_factions=5, max_units=5, days=(20, 80)))
def test_invariants_hold_every_day_long(data):
    run_checked(data)


@pytest.mark.parametrize("path", ["tests/data/line.yaml", "scenarios/deir_ez_zor_2017.yaml"])
def test_invariants_hold_on_the_shipped_scenarios(path):
    from builders import ROOT

    obs = run_checked(str(ROOT / path))
    assert obs.supply_checks > 30 and obs.battles > 0


# ------------------------------------------------------------------ regressions (shrunk)
def test_a_faction_allied_to_both_sides_stands_aside():
    """Shrunk from a generated scenario: alliances need not be transitive.

    b is allied to a and to h, while a and h are hostile. When a attacks h's town, where b's
    unit stands, b used to defend it with h, so allies a and b fought each other.
    """
    from builders import faction, scenario, town

    towns = [town("home", 38.0, "a"), town("fort", 38.1, "h", garrison=100)]
    a = faction("a", relations={"b": "allied", "h": "hostile"}, supply_sources=["home"],
                objectives=[{"town": "fort"}],
                forces=[{"id": "a1", "name": "A1", "town": "home", "fighters": 1000}],
                rules=[{"do": "advance"}])
    b = faction("b", "#00cc00", relations={"h": "allied"},
                forces=[{"id": "b1", "name": "B1", "town": "fort", "fighters": 300}],
                rules=[{"do": "hold"}])
    h = faction("h", "#0000cc", supply_sources=["fort"], rules=[{"do": "defend"}])
    data = scenario(towns, [("home", "fort")], [a, b, h], days=10, combat={"noise": 0})
    obs = run_checked(data)
    assert obs.battles > 0
    m = TerritoryModel(data).run()
    b1 = next(u for u in m.unit_list if u.key == "b1")
    assert b1.fighters == 300 and m.ledger.casualties[1] == 0
    assert m.holder("fort") == "a"


def test_a_besieger_whose_town_falls_stops_besieging_it():
    """Found by the invariant 'a unit besieges only the town its road leads to'.

    r1 waits on the approach to t; r2 takes t. r1 then marches through t towards c, but kept
    ``besieging = t`` on the road to c, so it would still have counted as investing t (and
    cut t's roads from afar) had t changed hands again.
    """
    from builders import faction, scenario, town

    towns = [town("src", 38.0, "red"), town("t", 38.1, "blue", garrison=100), town("c", 38.4),
             town("b", 38.1, "blue", lat=35.1)]
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["src"],
                  objectives=[{"town": "t", "priority": 5}, {"town": "c", "priority": 1}],
                  forces=[{"id": "r1", "name": "R1", "town": "src", "fighters": 100,
                           "speed_km_day": 5},
                          {"id": "r2", "name": "R2", "town": "src", "fighters": 5000,
                           "speed_km_day": 5}],
                  rules=[{"when": "fighters < 1000", "do": "besiege",
                          "with": {"assault_ratio": 50}}, {"do": "advance"}])
    blue = faction("blue", "#0000cc", supply_sources=["b"])
    data = scenario(towns, [("src", "t"), ("t", "c"), ("t", "b")], [red, blue], days=12,
                    combat={"noise": 0})
    run_checked(data)
    m = TerritoryModel(data)
    r1 = m.unit_list[0]
    m.run(2)
    assert r1.besieging == r1.dest == m.world.index["t"]  # waiting on the approach
    m.run(3)
    assert m.holder("t") == "red" and r1.dest == m.world.index["c"] and r1.besieging == -1


def test_units_marching_out_of_a_town_do_not_defend_it():
    """Shrunk from a generated scenario by the supply invariant.

    f0's two units leave t0 for t1 while f1's unit waits on the approach t3 - t0 to besiege
    t0 (garrison 81). The model counted the departing units (787 fighters in all) as t0's
    defenders, so the besieger (292) did not invest t0 and t2, whose only road runs through
    t0, stayed supplied; the defenders of a town are its garrison and the units standing in it.
    """
    from builders import faction, scenario, town

    fort = {"fortification": 0.5}
    towns = [town("t0", 38.3, "f0", garrison=100, **fort), town("t1", 38.0),
             town("t2", 38.0, "f1", garrison=100, **fort),
             town("t3", 38.0, "f1", garrison=100, **fort)]
    units = [{"id": f"u{i}", "name": f"U{i}", "town": "t0", "fighters": 400} for i in (0, 1)]
    f0 = faction("f0", relations={"f1": "hostile"}, supply_sources=["t0"],
                 objectives=[{"town": "t1"}, {"town": "t2"}], forces=units,
                 rules=[{"do": "advance"}])
    f1 = faction("f1", "#0000cc", objectives=[{"town": "t0"}],
                 forces=[{"id": "u2", "name": "U2", "town": "t2", "fighters": 400}],
                 rules=[{"do": "besiege"}])
    data = scenario(towns, [("t0", "t1"), ("t0", "t2"), ("t0", "t3"), ("t1", "t3")],
                    [f0, f1], days=9, seed=0)
    obs = run_checked(data)  # failed on day 9 (besieged differs at t2) before the fix
    assert obs.battles > 0
    # the besieger's odds count the same defenders: with the 81 in t0 it now assaults
    m = TerritoryModel(data).run(5)
    assert any(e.kind == "battle" and e.town == "t0" and e.faction == "f1" for e in m.events)
