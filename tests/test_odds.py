"""Effective odds (sim.odds): a hand computation, the battle's own numbers, the rule language."""

from __future__ import annotations

import pytest
from builders import faction, scenario, town
from phase_kit import Kit, kit, road

from sim.battle import fight
from sim.model import TerritoryModel
from sim.odds import Odds, defence_multiplier, morale_factor


def assault(garrison: float = 400, attackers: float = 1000, rules: list | None = None,
            days: int = 10, **combat: float) -> dict:
    """Red (at camp) against blue's urban, fortified fort; no combat noise."""
    red = faction("red", supply_sources=["camp"], rules=rules or [{"do": "hold"}], forces=[
        {"id": "r", "name": "R", "town": "camp", "fighters": attackers, "quality": 1.2,
         "morale": 0.6}], objectives=[{"town": "fort"}])
    blue = faction("blue", colour="#0000cc", supply_sources=["rear"], garrison_morale=0.8,
                   garrison_quality=0.9)
    return scenario([town("camp", 38.0, "red", 10),
                     town("fort", 38.1, "blue", garrison, terrain="urban", fortification=0.5),
                     town("rear", 38.2, "blue", 5)],
                    [road("camp", "fort"), road("fort", "rear")], [red, blue], days=days,
                    combat={"noise": 0.0, "entrench": 1.25, **combat})


def odds_of(k: Kit) -> Odds:
    k.supply.reach[:] = True
    k.supply.supplied[:] = True
    return Odds(k.world, k.towns, k.forces, k.relations, k.supply,
                lambda: k.spec.simulation.combat)


def by_hand(attackers: float, garrison: float) -> float:
    """The odds written out: red quality 1.2, morale 0.6; blue's garrison 0.9, 0.8; urban 2.0
    x (1 + 0.5) x entrenchment 1.25 (a garrison is always dug in)."""
    red = attackers * 1.2 * (0.5 + 0.5 * 0.6)
    blue = garrison * 0.9 * (0.5 + 0.5 * 0.8)
    return red / (blue * 2.0 * 1.5 * 1.25)


def battle_odds(a0: float, a1: float, d0: float, d1: float) -> float:
    """The odds the battle used, read back from its losses through the square law's invariant
    alpha A^2 - beta D^2: alpha / beta = (D0^2 - D1^2) / (A0^2 - A1^2); odds = alpha/beta x A0/D0.
    """
    return (d0 * d0 - d1 * d1) / (a0 * a0 - a1 * a1) * a0 / d0


def test_the_multipliers():
    k = kit(assault())
    assert morale_factor(0.6) == 0.8
    assert defence_multiplier(k.world, k.t("fort"), True, 1.25) == 2.0 * 1.5 * 1.25
    assert defence_multiplier(k.world, k.t("fort"), False, 1.25) == 3.0


def test_odds_equal_a_hand_computation_and_the_battle_that_follows():
    k = kit(assault())
    odds = odds_of(k)
    fort = k.t("fort")
    before = odds.at(0, k.unit("r"), fort)  # from camp, next door
    assert before == pytest.approx(by_hand(1000, 400), rel=1e-12)
    assert before == pytest.approx(0.7901234567901234, rel=1e-12)
    r = k.unit("r")
    r.arrive(fort)
    k.sense.refresh()
    assert odds.at(0, r, fort) == pytest.approx(before, rel=1e-12)  # in the town, same numbers
    assert odds.at(0, None, fort) == pytest.approx(before, rel=1e-12)  # faction scope
    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record)
    a1, d1 = r.fighters, k.towns.garrison[fort]
    assert 0 < a1 < 1000 and 0 < d1 < 400
    assert battle_odds(1000, a1, 400, d1) == pytest.approx(before, rel=1e-9)


def test_unsupplied_attackers_and_besiegers_count_as_in_battle():
    data = assault()
    data["factions"][0]["forces"].append(
        {"id": "r2", "name": "R2", "town": "camp", "fighters": 500, "quality": 1.0,
         "morale": 1.0})
    k = kit(data)
    odds = odds_of(k)
    fort = k.t("fort")
    r2 = k.unit("r2")
    r2.dest, r2.progress, r2.besieging = fort, 9.0, fort  # waiting on the approach road
    k.supply.reach[0, k.t("camp")] = False  # and the camp cut off: both attack unsupplied
    c = k.spec.simulation.combat
    red = 1000 * 1.2 * 0.8 * c.unsupplied + 500 * 1.0 * 1.0 * c.unsupplied
    blue = 400 * 0.9 * 0.9
    assert odds.at(0, k.unit("r"), fort) == pytest.approx(red / (blue * 3.75), rel=1e-12)
    # seen from r2 alone (r stays at camp, not besieging): only r2 and the besiegers
    assert odds.at(0, r2, fort) == pytest.approx(
        500 * c.unsupplied / (blue * 3.75), rel=1e-12)


def test_odds_where_there_is_nothing_to_fight():
    k = kit(assault(garrison=0))
    odds = odds_of(k)
    assert odds.at(0, k.unit("r"), k.t("fort")) == float("inf")  # undefended: walk in
    assert odds.rule_value(0, k.unit("r"), k.t("fort")) == 100.0
    assert odds.rule_value(0, k.unit("r"), k.t("camp")) == 100.0  # its own town
    assert odds.target(k.unit("r")) == 100.0


def test_a_rule_on_odds_attacks_only_when_the_effective_odds_are_good():
    rules = [{"do": "advance", "when": "odds('fort') >= 1.0"}, {"do": "hold"}]
    weak = TerritoryModel(assault(attackers=1000, rules=rules, days=3)).run()
    assert not [e for e in weak.events if e.kind == "battle"]
    strong = TerritoryModel(assault(attackers=1300, rules=rules, days=3)).run()  # 1.03
    assert [e.day for e in strong.events if e.kind in ("battle", "capture")][:1] == [1]


def test_target_odds_is_the_odds_where_the_unit_is_going():
    rules = [{"do": "retreat", "when": "target_odds < 1.5"},
             {"do": "besiege", "with": {"assault_ratio": 100}}]
    m = TerritoryModel(assault(attackers=1000, rules=rules, days=3))
    m.run(1)
    r = m.unit_list[0]
    assert r.besieging == m.world.index["fort"]
    fort = m.world.index["fort"]
    assert m.besieged[fort]  # invested: the garrison fights unsupplied, and lost 1 % a day
    g, gm = m.towns.garrison[fort], m.towns.garrison_morale[fort]
    blue = g * 0.9 * (0.5 + 0.5 * gm) * m.spec.simulation.combat.unsupplied
    assert (g, gm) == (396.0, pytest.approx(0.79))
    assert m.sense.odds_source().target(r) == pytest.approx(960 / (blue * 3.75), rel=1e-12)
    assert r.order == "besiege"  # day 1: its target was its own town (odds 100)
    m.run(1)
    assert r.order == "retreat"  # day 2: the fort's odds, 1.34


@pytest.mark.parametrize(("measure", "battles"), [("fighters", True), ("odds", False)])
def test_besiege_can_measure_its_assault_ratio_in_effective_odds(measure, battles):
    # 1000 against 400: 2.5 to 1 in fighters, 0.79 in effective odds
    rules = [{"do": "besiege", "with": {"assault_ratio": 2.0, "assault_on": measure}}]
    m = TerritoryModel(assault(rules=rules, days=4)).run()
    assert bool([e for e in m.events if e.kind == "battle"]) is battles
    if not battles:
        assert m.unit_list[0].besieging == m.world.index["fort"]


def test_a_faction_rule_reads_the_odds_of_the_units_in_or_besieging_the_town():
    rules = [{"do": "conscript", "when": "odds('fort') > 0.7"},
             {"do": "besiege", "with": {"assault_ratio": 100}}]
    m = TerritoryModel(assault(rules=rules, days=2)).run()
    # day 1: the faction rules run before the unit sets out (odds 0); day 2: it besieges
    assert [(e.day, e.kind) for e in m.events if e.faction == "red"] == [(2, "conscription")]


def test_the_defenders_odds_are_the_inverse_and_count_the_unit_asking():
    data = assault()
    data["factions"][1]["forces"] = [{"id": "b", "name": "B", "town": "rear", "fighters": 200,
                                      "quality": 1.0, "morale": 1.0}]
    k = kit(data)
    odds = odds_of(k)
    fort, r, b = k.t("fort"), k.unit("r"), k.unit("b")
    assert odds.at(1, None, fort) == 100.0  # nobody attacks it yet
    r.dest, r.progress, r.besieging = fort, 9.0, fort
    assert odds.at(1, None, fort) == pytest.approx(1 / by_hand(1000, 400), rel=1e-12)
    # b would reinforce from the rear: 200 more defenders at quality 1, morale 1
    blue = (400 * 0.9 * 0.9 + 200) * 3.75
    assert odds.at(1, b, fort) == pytest.approx(blue / 960, rel=1e-12)
    assert odds.target(b) == 100.0  # b's own town, the rear: nobody attacks it


def test_odds_across_a_river_crossing_carry_the_battles_crossing_penalty():
    data = assault()
    data["rivers"] = [{"id": "brook", "name": "Brook", "crossings": [
        {"id": "ford", "from": "camp", "to": "fort", "kind": "ford", "defence": 2.0}]}]
    k = kit(data)
    odds = odds_of(k)
    fort = k.t("fort")
    before = odds.at(0, k.unit("r"), fort)
    assert before == pytest.approx(by_hand(1000, 400) / 2.0, rel=1e-12)
    r = k.unit("r")
    r.arrive(fort)  # came from camp, over the ford
    k.sense.refresh()
    assert odds.at(0, r, fort) == pytest.approx(before, rel=1e-12)
    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record)
    a1, d1 = r.fighters, k.towns.garrison[fort]
    assert battle_odds(1000, a1, 400, d1) == pytest.approx(before, rel=1e-9)
