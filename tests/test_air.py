"""Air power (sim.air) and airlift capacity, on purpose-built maps with exact outcomes."""

from __future__ import annotations

import pytest
from builders import faction, scenario, town
from phase_kit import Kit, kit, road
from test_odds import battle_odds

from sim.air import AirPower, Engagement, allocate
from sim.battle import fight
from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.odds import Odds


def two_fronts(air: dict | None, days: int = 5, events: list | None = None,
               red_rules: list | None = None) -> dict:
    """Red attacks blue's fort1 (the big battle) and fort2 (the small one), no noise."""
    units = [{"id": "r1", "name": "R1", "town": "camp1", "fighters": 1000},
             {"id": "r2", "name": "R2", "town": "camp2", "fighters": 300}]
    red = faction("red", supply_sources=["camp1", "camp2"], forces=units,
                  rules=red_rules or [{"do": "advance"}],
                  objectives=[{"town": "fort1", "priority": 1}, {"town": "fort2", "priority": 5}])
    if air is not None:
        red["air"] = air
    blue = faction("blue", colour="#0000cc", supply_sources=["fort1", "fort2"],
                   garrison_morale=1.0, garrison_quality=1.0)
    data = scenario([town("camp1", 38.0, "red"), town("fort1", 38.1, "blue", 4000),
                     town("camp2", 38.0, "red", lat=36.0), town("fort2", 38.1, "blue", 1000,
                                                                lat=36.0)],
                    [road("camp1", "fort1"), road("camp2", "fort2")], [red, blue], days=days,
                    combat={"noise": 0.0, "entrench": 1.0, "break_morale": 0.0,
                            "kill_rate": 0.01})
    data["events"] = events or []
    return data


def day_one(k: Kit, air: AirPower | None) -> dict[str, float]:
    """Both units at their forts; one day of battle; the odds each battle used."""
    k.supply.reach[:] = True
    k.supply.supplied[:] = True
    for key, fort in (("r1", "fort1"), ("r2", "fort2")):
        k.unit(key).arrive(k.t(fort))
    k.sense.refresh()
    before = {key: (k.unit(key).fighters, k.towns.garrison[k.t(f)])
              for key, f in (("r1", "fort1"), ("r2", "fort2"))}
    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record, air=air)
    return {f: battle_odds(before[key][0], k.unit(key).fighters, before[key][1],
                           k.towns.garrison[k.t(f)])
            for key, f in (("r1", "fort1"), ("r2", "fort2"))}


def test_air_raises_effectiveness_at_the_largest_battle_and_nowhere_else():
    ground = day_one(kit(two_fronts(None)), None)
    # red's morale 0.8 (the default): a morale factor of 0.9
    assert ground["fort1"] == pytest.approx(0.9 * 1000 / 4000, rel=1e-9)
    assert ground["fort2"] == pytest.approx(0.9 * 300 / 1000, rel=1e-9)
    k = kit(two_fronts({"sorties_per_day": 20, "effect_per_sortie": 0.01,
                        "max_multiplier": 1.5}))
    air = AirPower(k.spec)
    aired = day_one(k, air)
    assert air.applied == {(k.t("fort1"), 0): (20.0, 1.2)}
    assert aired["fort1"] == pytest.approx(1.2 * ground["fort1"], rel=1e-9)
    assert aired["fort2"] == pytest.approx(ground["fort2"], rel=1e-9)
    assert [(e.kind, e.town, e.detail) for e in k.record.events][:2] == [
        ("air", "fort1", "20.0 sorties, effectiveness x1.200"), ("battle", "fort1", pytest.approx(
            k.record.events[1].detail))]
    # the odds a rule sees there now include the air applied today
    odds = Odds(k.world, k.towns, k.forces, k.relations, k.supply,
                lambda: k.spec.simulation.combat, air)
    r1, fort1 = k.unit("r1"), k.t("fort1")
    plain = Odds(k.world, k.towns, k.forces, k.relations, k.supply,
                 lambda: k.spec.simulation.combat)
    assert odds.at(0, r1, fort1) == pytest.approx(1.2 * plain.at(0, r1, fort1), rel=1e-12)


def test_sorties_beyond_the_cap_go_to_the_next_battle():
    k = kit(two_fronts({"sorties_per_day": 20, "effect_per_sortie": 0.01,
                        "max_multiplier": 1.15}))
    air = AirPower(k.spec)
    aired = day_one(k, air)
    assert air.applied == {(k.t("fort1"), 0): (pytest.approx(15.0), pytest.approx(1.15)),
                           (k.t("fort2"), 0): (pytest.approx(5.0), pytest.approx(1.05))}
    assert aired["fort2"] == pytest.approx(1.05 * 0.27, rel=1e-9)


def test_air_on_objectives_goes_to_the_highest_priority_battle():
    k = kit(two_fronts({"sorties_per_day": 10, "effect_per_sortie": 0.02,
                        "target": "objectives"}))
    air = AirPower(k.spec)
    day_one(k, air)
    assert air.applied == {(k.t("fort2"), 0): (10.0, 1.2)}


def test_allocate_defends_too_and_skips_battles_it_is_not_in():
    k = kit(two_fronts({"sorties_per_day": 10, "effect_per_sortie": 0.01}))
    air = AirPower(k.spec)
    battles = [Engagement(3, 50.0, (frozenset({1}),)),  # blue against blue's enemy: not red
               Engagement(1, 10.0, (frozenset({1}), frozenset({0})))]  # red defends
    assert allocate(air, k.factions, battles) == {(1, 0): (10.0, 1.1)}


def air_days(m: TerritoryModel) -> list[int]:
    return [e.day for e in m.events if e.kind == "air"]


def test_a_timeline_event_stops_air_support_and_another_restarts_it():
    air = {"sorties_per_day": 10, "effect_per_sortie": 0.01}
    events = [{"id": "stop", "day": 3, "air": {"red": 0}},
              {"id": "again", "day": 5, "set": {"factions.red.air.sorties_per_day": 4}}]
    m = TerritoryModel(two_fronts(air, days=6, events=events)).run()
    assert air_days(m) == [1, 2, 5, 6]  # 10 sorties do not saturate the big battle
    sorties = [e.detail for e in m.events if e.kind == "air" and e.town == "fort1"]
    assert sorties == ["10.0 sorties, effectiveness x1.100"] * 2 + [
        "4.0 sorties, effectiveness x1.040"] * 2
    assert [e.day for e in m.events if e.kind == "battle" and e.town == "fort1"] == [
        1, 2, 3, 4, 5, 6]  # the battle went on without air on days 3 and 4
    assert not [e for e in m.events if e.kind == "air" and e.town == "fort2"]


def test_no_air_block_no_air_and_no_change():
    m = TerritoryModel(two_fronts(None, days=3)).run()
    assert m.air is None and air_days(m) == []


@pytest.mark.parametrize(("event", "message"), [
    ({"id": "e", "day": 2, "air": {"blue": 5}}, r"events\.e\.air\.blue: faction 'blue' has "
                                                r"no air: block"),
    ({"id": "e", "day": 2, "air": {"green": 5}}, r"events\.e\.air\.green: unknown faction"),
    ({"id": "e", "day": 2, "set": {"factions.blue.air.sorties_per_day": 5}}, r"no air: block"),
    ({"id": "e", "day": 2, "airlift_capacity": {"nowhere": 5}}, r"unknown town 'nowhere'"),
])
def test_bad_air_events_are_reported_with_their_path(event, message):
    with pytest.raises(ScenarioError, match=message):
        TerritoryModel(two_fronts({"sorties_per_day": 1}, events=[event]))


def pocket(capacity: float, share: float = 0.0, days: int = 3) -> dict:
    """Red's town b (garrison 100, red unit of 100 in it) is cut off from day 1."""
    red = faction("red", supply_sources=["src"], rules=[{"do": "hold"}],
                  forces=[{"id": "r1", "name": "R1", "town": "b", "fighters": 100}])
    blue = faction("blue", colour="#0000cc", supply_sources=["far"], rules=[{"do": "hold"}])
    data = scenario([town("src", 38.0, "red"), town("a", 38.1, "red", 10),
                     town("b", 38.2, "red", 100, airlift=share, airlift_capacity=capacity),
                     town("far", 39.0, "blue", 10)],
                    [road("src", "a"), road("a", "b"), road("b", "far", 80)], [red, blue],
                    days=days)
    data["events"] = [{"id": "blown", "day": 1, "close": [{"from": "a", "to": "b"}]}]
    return data


@pytest.mark.parametrize(("capacity", "share", "relief"), [
    (50.0, 0.0, 0.25),   # 50 fighter-days for 200 besieged fighters: a quarter spared
    (400.0, 0.0, 1.0),   # more than they need: fully supplied by air
    (50.0, 0.4, 0.4),    # the share form is larger: it applies
    (0.0, 0.0, 0.0),
])
def test_airlift_capacity_against_need(capacity, share, relief):
    m = TerritoryModel(pocket(capacity, share)).run(1)
    b = m.world.index["b"]
    assert m.besieged[b]
    assert m.supply.pocket_airlift[b] == pytest.approx(relief, rel=1e-12)
    loss = 0.01 * (1 - relief)
    assert m.towns.garrison[b] == pytest.approx(100 * (1 - loss), rel=1e-12)
    assert m.unit_list[0].fighters == pytest.approx(100 * (1 - loss), rel=1e-12)


def test_airlift_capacity_follows_the_need_and_the_timeline():
    data = pocket(50.0, days=3)
    data["events"].append({"id": "more", "day": 3, "airlift_capacity": {"b": 0.0}})
    m = TerritoryModel(data).run(1)
    b = m.world.index["b"]
    need = m.towns.garrison[b] + m.unit_list[0].fighters  # fewer after a day's attrition
    m.run(1)  # the share is set when supply is computed, before the day's attrition
    assert m.supply.pocket_airlift[b] == pytest.approx(50.0 / need, rel=1e-12)
    assert m.supply.pocket_airlift[b] > 0.25
    m.run(1)
    assert m.supply.pocket_airlift[b] == 0.0


def test_the_example_scenario_logs_its_air_support_and_is_deterministic():
    from builders import DATA

    runs = [TerritoryModel(DATA / "air_line.yaml").run() for _ in range(2)]
    assert [e.row() for e in runs[0].events] == [e.row() for e in runs[1].events]
    air = [(e.day, e.town, e.detail) for e in runs[0].events if e.kind == "air"]
    assert air == [(2, "mid", "25.0 sorties, effectiveness x1.250"),
                   (3, "e1", "25.0 sorties, effectiveness x1.250")]  # stopped on day 4
    assert [e.day for e in runs[0].events if e.kind == "timeline"] == [4, 6]


def waiting_before_forts(k: Kit) -> None:
    """r1 and r2 wait on the approach roads of fort1 and fort2 (a siege, no battle)."""
    k.supply.reach[:] = True
    k.supply.supplied[:] = True
    for key, camp, fort in (("r1", "camp1", "fort1"), ("r2", "camp2", "fort2")):
        u = k.unit(key)
        u.node, u.dest, u.besieging = k.t(camp), k.t(fort), k.t(fort)
        u.progress = 0.9
    k.sense.refresh()


def bombard(k: Kit, air: AirPower) -> None:
    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record, air=air)


def test_sorties_no_battle_needs_bombard_the_besieged_towns_largest_siege_first():
    air_spec = {"sorties_per_day": 70, "effect_per_sortie": 0.01, "max_multiplier": 1.5,
                "bombard_kills_per_sortie": 0.5}
    k = kit(two_fronts(air_spec))
    waiting_before_forts(k)
    air = AirPower(k.spec)
    before = k.ledger.casualties[1]
    bombard(k, air)
    fort1, fort2 = k.t("fort1"), k.t("fort2")
    # r1 (1000 fighters) besieges fort1: it gets the 50 sorties that saturate a battle,
    # fort2 the 20 left; 0.5 fighters each
    assert k.towns.garrison[fort1] == pytest.approx(4000 - 25.0, rel=1e-12)
    assert k.towns.garrison[fort2] == pytest.approx(1000 - 10.0, rel=1e-12)
    assert k.ledger.casualties[1] - before == pytest.approx(35.0, rel=1e-12)
    assert k.unit("r1").fighters == 1000 and k.unit("r2").fighters == 300  # nobody fought
    assert air.left[0] == 0
    lines = [(e.kind, e.town, e.detail) for e in k.record.events if e.kind == "air"]
    assert lines == [("air", "fort1", "50.0 sorties bombard, 25.0 put out of action"),
                     ("air", "fort2", "20.0 sorties bombard, 10.0 put out of action")]


def test_no_bombardment_by_default_or_where_a_battle_took_the_sorties():
    k = kit(two_fronts({"sorties_per_day": 70, "effect_per_sortie": 0.01,
                        "max_multiplier": 1.5}))
    waiting_before_forts(k)
    bombard(k, AirPower(k.spec))
    assert k.towns.garrison[k.t("fort1")] == 4000 and k.towns.garrison[k.t("fort2")] == 1000
    # r1 fights at fort1 (its battle takes 50 sorties); r2 waits before fort2: the 20 left
    # bombard fort2 only
    k = kit(two_fronts({"sorties_per_day": 70, "effect_per_sortie": 0.01,
                        "max_multiplier": 1.5, "bombard_kills_per_sortie": 0.5}))
    waiting_before_forts(k)
    r1 = k.unit("r1")
    r1.arrive(k.t("fort1"))
    k.sense.refresh()
    air = AirPower(k.spec)
    bombard(k, air)
    assert air.applied[(k.t("fort1"), 0)] == (50.0, 1.5)
    assert k.towns.garrison[k.t("fort2")] == pytest.approx(990.0, rel=1e-12)
    bombed = [e.town for e in k.record.events if e.kind == "air" and "bombard" in e.detail]
    assert bombed == ["fort2"]
