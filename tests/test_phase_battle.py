"""The combat phase alone: exact Lanchester outcomes, capture, retreat, destruction."""

from __future__ import annotations

import pytest
from builders import faction, scenario, town
from phase_kit import Kit, kit, road

from sim.battle import fight
from sim.combat import lanchester_step


def front(attackers: float, garrison: float, **combat: float) -> dict:
    """Red attacks blue's fort (garrison only) from camp; no noise unless given."""
    red = faction("red", supply_sources=["camp"], forces=[
        {"id": "r", "name": "R", "town": "camp", "fighters": attackers, "quality": 1.0,
         "morale": 1.0}])
    blue = faction("blue", colour="#0000cc", supply_sources=["fort"], garrison_morale=1.0,
                   garrison_quality=1.0)
    return scenario([town("camp", 38.0, "red", 10), town("fort", 38.1, "blue", garrison),
                     town("rear", 38.2, "blue", 5)],
                    [road("camp", "fort"), road("fort", "rear")], [red, blue],
                    combat={"noise": 0.0, "entrench": 1.0, **combat})


def battle(k: Kit) -> None:
    """Red's unit, arrived from camp, fights at the fort."""
    r = k.unit("r")
    if r.node == k.t("camp"):
        r.arrive(k.t("fort"))
    k.sense.refresh()
    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record)


def test_a_day_of_battle_follows_the_square_law():
    k = kit(front(3000, 2000))
    k.supply.reach[:] = True  # both sides supplied
    k.supply.supplied[:] = True
    battle(k)
    c = k.spec.simulation.combat
    a, d = lanchester_step(3000, 2000, c.kill_rate, c.kill_rate)
    assert k.unit("r").fighters == pytest.approx(a, rel=1e-12)
    assert k.towns.garrison[k.t("fort")] == pytest.approx(d, rel=1e-12)
    assert k.ledger.casualties.tolist() == pytest.approx([3000 - a, 2000 - d], rel=1e-12)
    assert [e.kind for e in k.record.events] == ["battle"]
    assert k.unit("r").in_battle


def test_an_empty_town_is_captured_and_garrisoned_with_the_occupation_share():
    k = kit(front(1000, 0, occupation_share=0.1))
    battle(k)
    assert k.towns.controller[k.t("fort")] == 0 and k.towns.version == 1
    assert k.towns.garrison[k.t("fort")] == 100.0 and k.unit("r").fighters == 900.0
    assert [(e.kind, e.detail) for e in k.record.events] == [("capture", "unopposed")]


def test_a_broken_attacker_falls_back_where_it_came_from():
    k = kit(front(1000, 1500, break_morale=0.99))
    battle(k)
    r = k.unit("r")
    assert (r.node, r.dest) == (k.t("camp"), -1)
    assert [e.kind for e in k.record.events] == ["battle", "retreat"]


def test_a_unit_below_half_a_fighter_is_destroyed_and_counted():
    k = kit(front(0.4, 0))
    k.towns.set_controller(k.t("fort"), 0)  # nothing to fight: only the bookkeeping
    battle(k)
    assert len(k.forces) == 0
    assert k.ledger.casualties[0] == pytest.approx(0.4)
    assert [e.kind for e in k.record.events] == ["destroyed"]
