"""Raids (sim.raid, ``do: raid``): target choice, reach, the threshold, a raid cutting a road."""

from __future__ import annotations

import pytest
from builders import DATA, faction, scenario, town
from phase_kit import Kit, kit, road

from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.odds import Odds
from sim.orders import give_orders, order_target
from sim.raid import Raiding, raid_reach
from sim.scenario import load_scenario

RAID = {"id": "strike", "do": "raid", "with": {"radius_km": 60, "min_odds": 1.0}}
SIT = {"id": "sit", "do": "defend"}


def raid_map(rules: list[dict], speed: float = 10.0, days: int = 10) -> dict:
    """Red's raider at base; blue towns around it (town order: base, weak, strong, ...).

    * weak (50) 20 km east and strong (1200) 25 km west: both in reach;
    * behind (1) 5 km past strong: 30 km away, but only through strong;
    * far (1) 90 km away through red's r1 and r2: out of reach.
    """
    red = faction("red", supply_sources=["base"], rules=rules, forces=[
        {"id": "r", "name": "Raiders", "town": "base", "fighters": 500, "quality": 1.0,
         "speed_km_day": speed, "morale": 0.8}])
    blue = faction("blue", colour="#0000cc", supply_sources=["strong"],
                   rules=[{"do": "defend"}])
    towns = [town("base", 38.0, "red", 10), town("weak", 38.2, "blue", 50),
             town("strong", 37.8, "blue", 1200), town("behind", 37.7, "blue", 1),
             town("r1", 38.0, "red", 10, lat=35.4), town("r2", 38.0, "red", 10, lat=35.8),
             town("far", 38.0, "blue", 1, lat=36.2)]
    roads = [road("base", "weak", 20), road("base", "strong", 25), road("strong", "behind", 5),
             road("base", "r1", 40), road("r1", "r2", 40), road("r2", "far", 10)]
    return scenario(towns, roads, [red, blue], days=days,
                    combat={"noise": 0.0, "entrench": 1.0})


def with_odds(k: Kit) -> Odds:
    k.supply.reach[:] = True
    k.supply.supplied[:] = True
    k.sense.odds = Odds(k.world, k.towns, k.forces, k.relations, k.supply,
                        lambda: k.spec.simulation.combat)
    return k.sense.odds


def orders(k: Kit, day: int = 1) -> None:
    stats = [{"towns": 0, "population": 0.0, "fighters": 0.0, "casualties": 0.0,
              "besieged_towns": 0}] * len(k.factions)
    give_orders(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense,
                k.routes, stats, day, k.spec.simulation.movement.priority_km)


def test_reach_is_the_march_through_passable_towns():
    k = kit(raid_map([RAID]))
    with_odds(k)
    raiding = Raiding(k.world, k.towns, k.relations, k.sense, None)
    km = raid_reach(k.world, raiding.passable(0), [(k.t("base"), 0.0)], 60.0)
    assert {k.world.ids[i]: float(d) for i, d in enumerate(km) if d < 1e9} == {
        "base": 0.0, "weak": 20.0, "strong": 25.0, "r1": 40.0}  # not behind, not far


def test_the_raider_picks_the_weakest_town_in_reach_and_marches_on_it():
    k = kit(raid_map([RAID, SIT]))
    odds = with_odds(k)
    r = k.unit("r")
    at = {t: odds.at(0, r, k.t(t)) for t in ("weak", "strong", "behind", "far")}
    assert min(at["far"], at["behind"]) > at["weak"] > 1.0 > at["strong"]  # far, behind: weaker
    orders(k)
    assert (r.order, r.rule, order_target(r)) == ("raid", "strike", k.t("weak"))
    assert (r.node, r.dest, r.progress) == (k.t("base"), k.t("weak"), 10.0)
    orders(k)  # on: it enters weak and stops there
    assert (r.node, r.dest) == (k.t("weak"), -1)


def test_below_min_odds_the_rule_gives_way_to_the_next():
    k = kit(raid_map([{**RAID, "with": {"radius_km": 60, "min_odds": 50}}, SIT]))
    with_odds(k)
    orders(k)
    r = k.unit("r")
    assert (r.order, r.rule, r.node, r.dest) == ("defend", "sit", k.t("base"), -1)


def test_the_towns_list_and_the_radius_restrict_the_choice():
    k = kit(raid_map([{**RAID, "with": {"radius_km": 60, "min_odds": 0.1,
                                        "towns": ["strong", "far"]}}, SIT]))
    with_odds(k)
    orders(k)
    assert order_target(k.unit("r")) == k.t("strong")  # weak not listed, far out of reach
    k = kit(raid_map([{**RAID, "with": {"radius_km": 15, "min_odds": 0.1}}, SIT]))
    with_odds(k)
    orders(k)
    assert k.unit("r").rule == "sit"  # nothing within 15 km


@pytest.mark.parametrize(("km_a", "km_b", "chosen"), [(20, 20, "b"), (15, 20, "a")])
def test_ties_go_to_the_shorter_march_then_to_town_order(km_a, km_b, chosen):
    red = faction("red", supply_sources=["base"], rules=[RAID], forces=[
        {"id": "r", "name": "R", "town": "base", "fighters": 500, "speed_km_day": 5}])
    blue = faction("blue", colour="#0000cc")
    data = scenario([town("base", 38.0, "red"), town("b", 38.2, "blue", 50),
                     town("a", 37.8, "blue", 50)],
                    [road("base", "a", km_a), road("base", "b", km_b)], [red, blue],
                    combat={"noise": 0.0})
    for _ in range(2):  # and the same again
        k = kit(data)
        with_odds(k)
        orders(k)
        assert order_target(k.unit("r")) == k.t(chosen)


def test_the_raid_takes_the_town_then_gives_way_when_nothing_else_is_weak():
    m = TerritoryModel(raid_map([RAID, SIT], speed=25.0, days=4)).run()
    captures = [(e.day, e.town) for e in m.events if e.kind == "capture"]
    assert captures == [(1, "weak")]
    assert not [e for e in m.events if e.kind == "battle" and e.town == "strong"]
    r = next(u for u in m.unit_list if u.key == "r")
    assert (r.node, r.rule, r.order) == (m.world.index["weak"], "sit", "defend")


def test_a_raid_cuts_the_supply_road_of_the_front():
    """tests/data/raid_road.yaml: blue's desert raiders take the depot on red's only road."""
    path = DATA / "raid_road.yaml"
    quiet = TerritoryModel(path, overrides={"factions.blue.rules.raid_the_road.enabled": False})
    quiet.run()
    assert quiet.holder("depot") == "red" and not quiet.is_besieged("front")
    m = TerritoryModel(path).run()
    first = {(e.kind, e.town): e.day for e in reversed(m.events)}
    assert first[("capture", "depot")] == 1
    assert first[("siege_start", "front")] == 1
    assert m.holder("depot") == "blue" and m.is_besieged("front")


def test_no_raid_rule_no_raiding():
    k = kit(raid_map([SIT]))
    assert Raiding.needed(k.factions, k.world, k.towns, k.relations, k.sense, None) is None


def test_raiding_follows_rules_put_in_place_at_run_time():
    """A timeline ``set`` puts new rule lists in a faction in place (``model._apply_sets``)."""
    k, with_raid = kit(raid_map([SIT])), kit(raid_map([RAID, SIT]))
    blue = next(f for f in k.factions if any(r.action == "defend" for r in f.unit_rules))
    raiders = next(f for f in with_raid.factions if f.id == blue.id)
    assert not blue.raids and raiders.raids
    blue.unit_rules = raiders.unit_rules
    assert blue.raids
    assert Raiding.needed(k.factions, k.world, k.towns, k.relations, k.sense, None) is not None
    blue.unit_rules = [r for r in raiders.unit_rules if r.action != "raid"]
    assert not blue.raids


def bad(rule: dict) -> str:
    with pytest.raises(ScenarioError) as err:
        load_scenario(raid_map([rule, SIT]))
    return str(err.value)


def test_bad_raid_parameters_are_reported_with_their_path():
    msg = bad({**RAID, "with": {"towns": ["weak", "strnog"]}})
    assert "factions.red.rules.strike.with.towns[1]" in msg
    assert "strnog" in msg and "'strong'" in msg
    assert "radius_km" in bad({**RAID, "with": {"radius_km": 0}})
    assert "min_odds" in bad({**RAID, "with": {"min_odds": -1}})


def test_a_raid_rule_with_when_true_does_not_shadow_the_next():
    defn = load_scenario(raid_map([{"id": "strike", "do": "raid"}, SIT]))
    assert not [p for p in defn.warnings if "can never fire" in str(p)]


def test_small_map_reach_equals_scipy_bit_for_bit(monkeypatch):
    """The plain-Python search of small maps gives scipy's distances exactly, edge cases too.

    Random passable sets, closed highways and starts on the default scenario's map; a radius
    set to a town's exact distance (scipy's ``limit`` keeps it) and a head start beyond it.
    """
    import numpy as np

    import sim.raid
    from sim.model import DEFAULT_SCENARIO
    from sim.world import World

    world = World(load_scenario(DEFAULT_SCENARIO).scenario)
    rng = np.random.default_rng(5)
    cases = []
    for _ in range(150):
        passable = rng.random(world.n) < rng.uniform(0.3, 1.0)
        edge_open = rng.random(world.m) < 0.85 if rng.random() < 0.5 else None
        k = int(rng.integers(world.m))
        if rng.random() < 0.5:
            starts = [(int(rng.integers(world.n)), 0.0)]
        else:
            head = float(rng.uniform(0, world.eff_km[k]))
            starts = [(int(world.eu[k]), head), (int(world.ev[k]), float(world.eff_km[k] - head))]
        cases.append((passable, starts, float(rng.uniform(20, 400)), edge_open))
    exact = raid_reach(world, np.ones(world.n, bool), [(0, 0.0)], 1e9)
    hit = float(np.sort(exact[np.isfinite(exact)])[5])
    cases += [(np.ones(world.n, bool), [(0, 0.0)], hit, None),
              (np.ones(world.n, bool), [(0, hit + 1.0)], hit, None)]
    small = [raid_reach(world, *c) for c in cases]
    monkeypatch.setattr(sim.raid, "SMALL_GRAPH", 0)
    big = [raid_reach(world, *c) for c in cases]
    for a, b in zip(small, big, strict=True):
        assert a.tobytes() == b.tobytes()
    assert np.isfinite(small[-2]).sum() == 6 and not np.isfinite(small[-1]).any()
    assert sum(np.isfinite(a).sum() for a in small) > 3 * len(small)  # the searches went far
