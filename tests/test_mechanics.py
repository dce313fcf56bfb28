"""Each mechanic on a small purpose-built map."""

import math

import pytest
from builders import faction, scenario, town

from sim.model import TerritoryModel

QUIET = {"noise": 0}


def kinds(m, kind):
    return [(e.day, e.faction, e.town) for e in m.events if e.kind == kind]


def pocket_map(red_rules, blue_garrison=100.0, **sim):
    """src(red) - gate(blue) - pocket(red): the pocket is cut off until red takes the gate."""
    towns = [town("src", 38.0, "red"), town("gate", 38.1, "blue", garrison=blue_garrison),
             town("pocket", 38.2, "red", garrison=500, airlift=sim.pop("airlift", 0.0)),
             town("blue_home", 38.1, "blue", lat=35.1)]
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["src"],
                  objectives=[{"town": "gate"}],
                  forces=[{"id": "r1", "name": "R1", "town": "src", "fighters": 2000}],
                  rules=red_rules)
    blue = faction("blue", "#0000cc", supply_sources=["blue_home"])
    return scenario(towns, [("src", "gate"), ("gate", "pocket"), ("gate", "blue_home")],
                    [red, blue], combat=QUIET, **sim)


def test_a_cut_off_town_is_besieged_on_day_0_and_relieved_when_a_path_opens():
    m = TerritoryModel(pocket_map([{"do": "advance"}], days=15)).run()
    assert kinds(m, "siege_start")[0] == (0, "red", "pocket")
    ((day, who, where),) = kinds(m, "capture")
    assert (who, where) == ("red", "gate")
    assert kinds(m, "siege_lifted") == [(day, "red", "pocket")]
    assert not m.is_besieged("pocket")


def test_a_siege_costs_the_garrison_and_an_airlift_slows_it():
    sim = {"siege": {"attrition": 0.02, "morale_loss": 0.0, "civilian_loss": 0.001}}
    hold = [{"do": "hold"}]
    plain = TerritoryModel(pocket_map(hold, days=10, **sim)).run()
    lifted = TerritoryModel(pocket_map(hold, days=10, airlift=0.75, **sim)).run()
    p = plain.world.index["pocket"]
    assert plain.towns.garrison[p] == pytest.approx(500 * 0.98**10)
    assert lifted.towns.garrison[p] == pytest.approx(500 * (1 - 0.02 * 0.25) ** 10)
    assert plain.towns.population[p] == pytest.approx(10000 * 0.999**10)
    assert plain.ledger.casualties[0] == pytest.approx(500 - 500 * 0.98**10)
    assert plain.is_besieged("pocket") and lifted.is_besieged("pocket")


def investment_map(assault_ratio, invest_ratio=1.0, days=20):
    """red holds src - mid - end; blue's unit marches from its base on mid."""
    towns = [town("src", 38.0, "red"), town("mid", 38.1, "red", garrison=400),
             town("end", 38.2, "red", garrison=100), town("base", 38.1, "blue", lat=35.15)]
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["src"],
                  rules=[{"do": "hold"}])
    blue = faction("blue", "#0000cc", supply_sources=["base"], objectives=[{"town": "mid"}],
                   forces=[{"id": "b1", "name": "B1", "town": "base", "fighters": 600,
                            "speed_km_day": 40}],
                   rules=[{"do": "besiege", "with": {"assault_ratio": assault_ratio}}])
    return scenario(towns, [("src", "mid"), ("mid", "end"), ("base", "mid")], [red, blue],
                    days=days, combat=QUIET,
                    siege={"attrition": 0.05, "invest_ratio": invest_ratio})


def test_besiegers_on_the_approaches_cut_supply_without_assaulting():
    m = TerritoryModel(investment_map(assault_ratio=100)).run()
    starts = kinds(m, "siege_start")
    assert {t for _, _, t in starts} == {"mid", "end"}  # end's only road runs through mid
    assert kinds(m, "capture") == [] and kinds(m, "battle") == []
    (unit,) = m.unit_list
    assert unit.dest == m.world.index["mid"] and unit.besieging == unit.dest  # on the road
    assert m.towns.garrison[m.world.index["mid"]] < 400 * 0.95 ** 10


def test_too_few_besiegers_do_not_cut_supply():
    m = TerritoryModel(investment_map(assault_ratio=100, invest_ratio=2.0)).run()
    assert kinds(m, "siege_start") == []


def test_besiegers_assault_once_attrition_gives_them_the_odds():
    m = TerritoryModel(investment_map(assault_ratio=2.5, days=40)).run()
    (siege_day, _, _) = kinds(m, "siege_start")[0]
    battles = kinds(m, "battle")
    assert battles and battles[0][0] > siege_day + 3  # they waited for attrition first
    assert m.towns.garrison[m.world.index["mid"]] if m.holder("mid") == "red" else True
    assert m.holder("mid") == "blue"
    # the first assault came when 600 fighters were >= 2.5x the starving garrison
    first = battles[0][0]
    assert 400 * 0.95 ** (first - 1) * 2.5 <= 600 * 1.0001


def conscription_map(rule, days=3):
    towns = [town("a", 38.0, "blue", garrison=100, population=40000),
             town("b", 38.1, "blue", garrison=0, population=20000), town("r", 38.2, "red")]
    blue = faction("blue", "#0000cc", supply_sources=["a"], rules=[rule, {"do": "defend"}])
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["r"],
                  forces=[{"id": "r1", "name": "R1", "town": "r", "fighters": 50}],
                  rules=[{"do": "hold"}])
    return scenario(towns, [("a", "b"), ("b", "r")], [blue, red], days=days,
                    fighting_age_share=0.25, combat=QUIET)


def test_conscription_turns_men_into_garrison_and_they_desert():
    rule = {"id": "draft", "when": "enemy_within_km(50)", "do": "conscript",
            "with": {"rate": 0.1, "max_share": 0.5, "quality": 0.4, "morale": 0.3,
                     "desertion": 0.05}}
    m = TerritoryModel(conscription_map(rule, days=1)).run()
    a = m.world.index["a"]
    assert m.towns.population[a] == pytest.approx(40000 - 1000)  # 10% of 10,000 fighting-age men
    assert m.towns.garrison[a] == pytest.approx(100 + 1000 - 1000 * 0.05)  # minus a day's deserters
    assert m.ledger.recruited[0] == pytest.approx(1000 + 500)
    assert m.ledger.deserted[0] == pytest.approx(1500 * 0.05)
    assert m.towns.garrison_quality[a] == pytest.approx((100 * 0.8 + 1000 * 0.4) / 1100)
    (ev,) = [e for e in m.events if e.kind == "conscription"]
    assert ev.faction == "blue" and ev.town == "a" and "1,500 men in 2 towns" in ev.text


def test_conscription_stops_at_its_cap_and_needs_its_trigger():
    rule = {"when": "true", "do": "conscript", "with": {"rate": 0.5, "max_share": 0.2,
                                                        "desertion": 0.0}}
    m = TerritoryModel(conscription_map(rule, days=10)).run()
    assert m.ledger.recruited[0] == pytest.approx(0.2 * 0.25 * 60000)
    quiet = {"when": "enemy_within_km(1)", "do": "conscript"}
    m = TerritoryModel(conscription_map(quiet, days=5)).run()
    assert m.ledger.recruited[0] == 0 and kinds(m, "conscription") == []


def march_map(terrain, length_km=90.0, speed=30.0):
    """A unit marches on an unheld town along one road of the given terrain."""
    towns = [town("start", 38.0, "red"), town("goal", 39.0)]
    red = faction("red", supply_sources=["start"],
                  forces=[{"id": "r1", "name": "R1", "town": "start", "fighters": 10,
                           "speed_km_day": speed}],
                  rules=[{"do": "advance", "with": {"objective": "goal"}}])
    return scenario(towns, [{"from": "start", "to": "goal", "length_km": length_km,
                             "terrain": terrain}], [red], days=30)


def arrival_day(m):
    m = TerritoryModel(m)
    while m.day < 30:
        m.step()
        if m.unit_list[0].node == m.world.index["goal"] and m.unit_list[0].dest < 0:
            return m.day
    return None


def test_mountains_slow_an_advance_and_flat_desert_does_not():
    assert arrival_day(march_map("flat")) == 3  # 90 km at 30 km a day
    assert arrival_day(march_map("desert")) == math.ceil(90 / (30 * 0.9))
    assert arrival_day(march_map("mountain")) == math.ceil(90 / (30 * 0.35))


def test_an_unheld_town_is_taken_unopposed():
    m = TerritoryModel(march_map("flat")).run()
    assert kinds(m, "capture") == [(3, "red", "goal")]
    assert "unopposed" in next(e.detail for e in m.events if e.kind == "capture")


def alliance_map(relation):
    towns = [town("r", 38.0, "red"), town("g", 38.1, "green", garrison=200),
             town("x", 38.2, "blue", garrison=50)]
    red = faction("red", relations={"green": relation, "blue": "hostile"},
                  supply_sources=["r"], objectives=[{"town": "x"}],
                  forces=[{"id": "r1", "name": "R1", "town": "r", "fighters": 1000}],
                  rules=[{"do": "advance"}])
    green = faction("green", "#00cc00", relations={"blue": "hostile"}, supply_sources=["g"],
                    forces=[{"id": "g1", "name": "G1", "town": "g", "fighters": 300}],
                    rules=[{"do": "hold"}])
    blue = faction("blue", "#0000cc", supply_sources=["x"])
    return scenario([*towns], [("r", "g"), ("g", "x")], [red, green, blue], days=10,
                    combat=QUIET)


def test_allies_never_fight_and_let_each_other_through():
    m = TerritoryModel(alliance_map("allied")).run()
    assert all(e.town != "g" for e in m.events if e.kind in ("battle", "capture"))
    assert m.holder("g") == "green" and m.holder("x") == "red"
    assert not m.is_besieged("x")  # supplied through the ally's town


def test_neutral_towns_are_passed_but_do_not_carry_supply():
    m = TerritoryModel(alliance_map("neutral")).run()
    assert all(e.town != "g" for e in m.events if e.kind in ("battle", "capture"))
    assert m.holder("x") == "red"
    assert m.is_besieged("x")  # the only road home runs through a neutral town


def test_hostile_units_fight_when_they_meet_in_a_town():
    m = TerritoryModel(alliance_map("hostile")).run()
    assert kinds(m, "battle")[0][2] == "g"


def test_a_broken_unit_retreats_to_the_nearest_safe_rear_town():
    towns = [town("home", 38.0, "red"), town("fwd", 38.1, "red"), town("front", 38.2, "red"),
             town("enemy", 38.3, "blue", garrison=10)]
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["home"],
                  forces=[{"id": "r1", "name": "R1", "town": "front", "fighters": 100,
                           "morale": 0.2, "speed_km_day": 5}],
                  rules=[{"when": "morale < 0.3", "do": "retreat"}, {"do": "hold"}])
    blue = faction("blue", "#0000cc", supply_sources=["enemy"])
    m = TerritoryModel(scenario(towns, [("home", "fwd"), ("fwd", "front"), ("front", "enemy")],
                                [red, blue], days=1, combat={"morale_recovery": 0.0}))
    m.step()
    (u,) = m.unit_list
    assert u.order == "retreat" and u.dest == m.world.index["fwd"] and u.progress == 5
    m.run(8)
    # fwd is the nearest town of its own with no enemy-held neighbour: it stops there
    assert u.node == m.world.index["fwd"] and u.dest == -1


def test_retreat_falls_back_on_the_supply_sources_when_nowhere_is_safe():
    towns = [town("home", 38.0, "red"), town("front", 38.1, "red"),
             town("enemy", 38.2, "blue", garrison=10)]
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["home"],
                  forces=[{"id": "r1", "name": "R1", "town": "front", "fighters": 100,
                           "morale": 0.2}],
                  rules=[{"when": "morale < 0.3", "do": "retreat"}, {"do": "hold"}])
    blue = faction("blue", "#0000cc", supply_sources=["enemy"],
                   forces=[{"id": "b1", "name": "B1", "town": "enemy", "fighters": 5}],
                   rules=[{"do": "hold"}])
    extra = town("far", 38.0, "blue", lat=35.1)  # makes home itself a front-line town
    m = TerritoryModel(scenario([*towns, extra], [("home", "front"), ("front", "enemy"),
                                                  ("home", "far")], [red, blue], days=3,
                                combat={"morale_recovery": 0.0})).run()
    r1 = next(u for u in m.unit_list if u.key == "r1")
    assert r1.node == m.world.index["home"] and r1.dest == -1


def test_units_recover_morale_on_the_road_but_not_in_battle():
    towns = [town("home", 38.0, "red"), town("goal", 39.5)]
    red = faction("red", supply_sources=["home"],
                  forces=[{"id": "r1", "name": "R1", "town": "home", "fighters": 100,
                           "morale": 0.9, "speed_km_day": 10}],
                  rules=[{"do": "advance", "with": {"objective": "goal"}}])
    data = scenario(towns, [("home", "goal")], [red], days=5,
                    combat={"morale_recovery": 0.05})
    data["factions"][0]["forces"][0]["morale"] = 0.9
    m = TerritoryModel(data)
    (u,) = m.unit_list
    u.morale = 0.5
    m.run(3)
    assert u.dest >= 0 and u.morale == pytest.approx(0.65)  # three days on a supplied road


def test_reinforcements_go_to_the_threatened_town():
    towns = [town("rear", 38.0, "blue"), town("road", 38.3, "blue"),
             town("front", 38.6, "blue"), town("enemy", 38.9, "red")]
    blue = faction("blue", "#0000cc", supply_sources=["rear"],
                   forces=[{"id": "b1", "name": "B1", "town": "rear", "fighters": 500,
                            "speed_km_day": 40}],
                   rules=[{"when": "enemy_within_km(200)", "do": "reinforce",
                           "with": {"radius_km": 40}}, {"do": "hold"}])
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["enemy"],
                  forces=[{"id": "r1", "name": "R1", "town": "enemy", "fighters": 100}],
                  rules=[{"do": "hold"}])
    m = TerritoryModel(scenario(towns, [("rear", "road"), ("road", "front"),
                                        ("front", "enemy")], [blue, red], days=5)).run()
    b1 = next(u for u in m.unit_list if u.key == "b1")
    assert b1.node == m.world.index["front"] and b1.dest == -1
