"""The orders phase alone: rule choice and movement on hand-built states."""

from __future__ import annotations

from builders import faction, scenario, town
from phase_kit import Kit, kit, road

from sim.orders import give_orders


def road_map(rules: list[dict], speed: float = 15.0, blue_garrison: float = 100) -> dict:
    """a - b - c (red) - d (blue, garrison); red unit at a; every road 10 km."""
    red = faction("red", supply_sources=["a"], objectives=[{"town": "d"}], rules=rules,
                  forces=[{"id": "r", "name": "R", "town": "a", "fighters": 100,
                           "speed_km_day": speed}])
    blue = faction("blue", colour="#0000cc")
    return scenario([town("a", 38.0, "red"), town("b", 38.1, "red"), town("c", 38.2, "red"),
                     town("d", 38.3, "blue", blue_garrison)],
                    [road("a", "b"), road("b", "c"), road("c", "d")], [red, blue])


def orders(k: Kit, day: int = 1) -> None:
    stats = [{"towns": 3, "population": 0.0, "fighters": 0.0, "casualties": 0.0,
              "besieged_towns": 0}, {"towns": 1, "population": 0.0, "fighters": 0.0,
                                     "casualties": 0.0, "besieged_towns": 0}]
    give_orders(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense,
                k.routes, stats, day, k.spec.simulation.movement.priority_km)


def test_an_advancing_unit_covers_its_speed_along_the_route():
    k = kit(road_map([{"do": "advance"}]))
    orders(k)
    r = k.unit("r")
    assert (r.order, r.node, r.dest, r.progress) == ("advance", k.t("b"), k.t("c"), 5.0)
    assert r.cell is not None and r.cell.coordinate == k.t("b")  # its Mesa cell moved once
    orders(k)  # 5 km to c, then the whole 10 km road to d: it enters the enemy town, stops
    assert (r.node, r.dest, r.progress, r.came_from) == (k.t("d"), -1, 0.0, k.t("c"))
    orders(k)
    assert (r.node, r.dest) == (k.t("d"), -1)  # in a contested town it fights on


def test_a_besieger_waits_at_the_stand_off_and_joins_the_tally():
    k = kit(road_map([{"do": "besiege", "with": {"assault_ratio": 2.5}}], speed=25.0))
    orders(k)  # 25 km: a -> b -> c, then 5 km towards d: short of the 9 km stand-off
    r = k.unit("r")
    assert (r.node, r.dest, r.progress, r.besieging) == (k.t("c"), k.t("d"), 5.0, k.t("d"))
    assert k.supply.besiegers.items() == [((k.t("d"), 0), 100.0)]
    orders(k)
    assert (r.progress, r.besieging) == (9.0, k.t("d"))  # waits at 0.9 of the road
    assert k.supply.besiegers.items() == [((k.t("d"), 0), 100.0)]  # counted once


def test_a_besieger_with_the_odds_assaults():
    k = kit(road_map([{"do": "besiege", "with": {"assault_ratio": 2.5}}], speed=35.0,
                     blue_garrison=40))
    orders(k)  # 100 / 40 = 2.5: it marches in
    r = k.unit("r")
    assert (r.node, r.dest, r.besieging) == (k.t("d"), -1, -1)


def test_the_first_rule_that_holds_is_taken_and_hold_walks_back_off_the_road():
    rules = [{"do": "hold", "when": "day >= 2"}, {"do": "advance"}]
    k = kit(road_map(rules, speed=5.0))
    orders(k, day=1)
    r = k.unit("r")
    assert (r.order, r.node, r.dest, r.progress) == ("advance", k.t("a"), k.t("b"), 5.0)
    orders(k, day=2)
    assert (r.order, r.node, r.dest, r.progress, r.entrenched) == ("hold", k.t("a"), -1, 0.0,
                                                                   True)


def test_towns_next_to_held_ones_are_the_sparse_products() -> None:
    """orders.near_held against (adj_self @ held) > 0 on a generated map, random holdings."""
    import numpy as np

    from sim.generate import generate_scenario
    from sim.model import TerritoryModel
    from sim.orders import near_held

    w = TerritoryModel(generate_scenario(300, 3, None, 1)).world
    rng = np.random.default_rng(3)
    for share in (0.0, 0.01, 0.1, 0.5, 1.0):
        held = rng.random(w.n) < share
        want = (w.adj_self @ held.astype(float)) > 0
        assert near_held(w, held).tolist() == want.tolist()
