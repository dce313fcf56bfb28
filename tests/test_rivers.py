"""Rivers and crossings on a purpose-built map: movement, supply, engineering, assaults.

The map (west to east, 0.1 degrees of longitude ~ 9 km apart), with a river between ``wb`` and
``eb`` crossed only by the pontoon ``px``::

    src ---- wb ==px== eb ---- far        (red holds src, wb; blue holds eb, far)
                        |
                       post               (post: red's outpost on the east bank)
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from builders import faction, scenario, town
from phase_kit import kit, road

from sim.battle import fight
from sim.combat import lanchester_step
from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.rivers import crossing_defence
from sim.scenario import load_scenario

EAST = {"eb", "far", "post"}


def river_map(open_: bool = False, days: int = 12, red_rules: list[dict[str, Any]] | None = None,
              red_units: list[dict[str, Any]] | None = None, post: bool = False,
              **combat: Any) -> dict[str, Any]:
    towns = [town("src", 38.0, "red"), town("wb", 38.2, "red"),
             town("eb", 38.3, "blue", garrison=50), town("far", 38.5, "blue", garrison=50)]
    roads = [("src", "wb"), ("wb", "eb"), ("eb", "far")]
    if post:
        towns.append(town("post", 38.3, "red", garrison=100, lat=34.9))
        roads.append(("eb", "post"))
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["src"],
                  objectives=[{"town": "far"}],
                  forces=red_units if red_units is not None else [
                      {"id": "r1", "name": "R1", "town": "src", "fighters": 2000,
                       "speed_km_day": 100}],
                  rules=red_rules if red_rules is not None else [{"do": "advance"}])
    blue = faction("blue", "#0000cc", supply_sources=["far"], rules=[{"do": "defend"}])
    data = scenario(towns, roads, [red, blue], days=days, combat={"noise": 0, **combat})
    data["rivers"] = [{"id": "river", "name": "The River", "crossings": [
        {"id": "px", "from": "wb", "to": "eb", "name": "the pontoon", "kind": "pontoon",
         "open": open_}]}]
    return data


def on_east_bank(m: TerritoryModel) -> list[str]:
    """Red units in an east-bank town or on the crossing."""
    w = m.world
    return [u.key for u in m.unit_list if u.faction == 0
            and (w.ids[u.node] in EAST or (u.dest >= 0 and w.ids[u.dest] in EAST))]


def crossing_events(m: TerritoryModel) -> list[tuple[int, str]]:
    return [(e.day, e.detail) for e in m.events if e.kind == "crossing"]


# ------------------------------------------------------------------ movement
def test_the_east_bank_is_unreachable_until_the_timeline_opens_the_crossing():
    data = river_map()
    data["events"] = [{"id": "pontoon_laid", "day": 5, "open_crossings": ["px"],
                       "note": "the pontoon is laid"}]
    m = TerritoryModel(data)
    first = None
    while m.running:
        m.step()
        if first is None and on_east_bank(m):
            first = m.day
    assert first == 5
    assert m.holder("far") == "red"
    assert [(e.day, e.kind, e.detail) for e in m.events if e.kind == "timeline"] == [
        (5, "timeline", "pontoon_laid")]


def test_a_closed_crossing_stays_closed_without_events():
    m = TerritoryModel(river_map()).run()
    assert m.holder("eb") == m.holder("far") == "blue"
    assert not [e for e in m.events if e.kind in ("battle", "capture")]


def test_an_open_crossing_is_a_road_slowed_by_its_kind():
    data = river_map(open_=True)
    plain = copy.deepcopy(data)
    plain["rivers"] = []
    w, w0 = TerritoryModel(data).world, TerritoryModel(plain).world
    k = w.crossing_edge["px"]
    assert w.eff_km[k] == pytest.approx(w0.eff_km[k] / 0.5)  # a pontoon: move 0.5
    data["rivers"][0]["crossings"][0]["move"] = 0.25
    assert TerritoryModel(data).world.eff_km[k] == pytest.approx(w0.eff_km[k] / 0.25)
    assert [x for i, x in enumerate(w.eff_km) if i != k] == [
        x for i, x in enumerate(w0.eff_km) if i != k]


# ------------------------------------------------------------------ supply
def test_supply_follows_the_crossing_state():
    """The east-bank outpost is besieged while the pontoon is closed."""
    data = river_map(post=True, red_rules=[{"do": "hold"}], days=8)
    data["events"] = [{"id": "laid", "day": 3, "open_crossings": ["px"]},
                      {"id": "blown", "day": 6, "close_crossings": ["px"]}]
    # red's only road to the outpost runs through blue's eb: give it its own over the river
    data["highways"].append({"from": "wb", "to": "post"})
    data["rivers"][0]["crossings"].append({"id": "ferry", "from": "wb", "to": "post",
                                           "kind": "ferry", "open": False})
    data["events"][0]["open_crossings"] = ["ferry"]
    data["events"][1]["close_crossings"] = ["ferry"]
    m = TerritoryModel(data)
    besieged = [m.is_besieged("post")]
    while m.running:
        m.step()
        besieged.append(m.is_besieged("post"))
    assert besieged == [True, True, True, False, False, False, True, True, True]
    assert [(e.day, e.kind) for e in m.events if e.town == "post"] == [
        (0, "siege_start"), (3, "siege_lifted"), (6, "siege_start")]


# ------------------------------------------------------------------ engineering
ENGINEERS = {"id": "eng", "name": "Engineers", "town": "wb", "fighters": 100}


def test_engineers_open_the_crossing_after_exactly_their_days_of_work():
    data = river_map(red_units=[ENGINEERS], red_rules=[
        {"do": "bridge", "with": {"crossing": "px", "days": 3}}, {"do": "hold"}], days=4)
    m = TerritoryModel(data)
    k = m.world.crossing_edge["px"]
    closed = []
    while m.running:
        m.step()
        closed.append(bool(m.roads.closed[k]))
    assert closed == [True, True, False, False]
    assert crossing_events(m) == [(1, "px building"), (3, "px opened")]
    texts = [e.text for e in m.events if e.kind == "crossing"]
    assert texts[-1] == "Red's Engineers opens the pontoon at Wb after 3 days of work"
    assert m.unit_list[0].order == "hold"  # the crossing is open: the bridge rule no longer applies


def test_engineers_march_to_the_crossing_first():
    eng = {**ENGINEERS, "town": "src", "speed_km_day": 30}
    data = river_map(red_units=[eng], red_rules=[
        {"do": "bridge", "with": {"crossing": "px", "days": 2}}], days=4)
    m = TerritoryModel(data).run()
    assert crossing_events(m) == [(2, "px building"), (3, "px opened")]  # arrives on day 1


def test_a_day_without_work_starts_the_count_again():
    data = river_map(red_units=[ENGINEERS], red_rules=[
        {"when": "day == 3", "do": "hold"},
        {"do": "bridge", "with": {"crossing": "px", "days": 3}}], days=8)
    m = TerritoryModel(data).run()
    assert crossing_events(m) == [(1, "px building"), (4, "px building"), (6, "px opened")]


def test_a_bridge_rule_without_a_held_end_gives_way_to_the_next_rule():
    data = river_map(red_units=[ENGINEERS], red_rules=[
        {"do": "bridge", "with": {"crossing": "px"}}, {"do": "defend"}], days=2)
    data["towns"][1]["controller"] = "blue"  # wb, the west end, is blue's now
    data["factions"][0]["forces"][0]["town"] = "src"
    m = TerritoryModel(data).run()
    assert m.unit_list[0].order == "defend" and crossing_events(m) == []


# ------------------------------------------------------------------ assaults over the river
def _front(penalty: float | None = None, **combat: float) -> dict[str, Any]:
    """Red attacks blue's fort from camp over the crossing, or from side by road."""
    red = faction("red", supply_sources=["camp", "side"], forces=[
        {"id": "r", "name": "R", "town": "camp", "fighters": 3000, "quality": 1.0,
         "morale": 1.0}])
    blue = faction("blue", colour="#0000cc", supply_sources=["fort"], garrison_morale=1.0,
                   garrison_quality=1.0)
    data = scenario([town("camp", 38.0, "red", 10), town("fort", 38.1, "blue", 2000),
                     town("side", 38.1, "red", 10, lat=35.1)],
                    [road("camp", "fort"), road("side", "fort")], [red, blue],
                    combat={"noise": 0.0, "entrench": 1.0, **combat})
    crossing: dict[str, Any] = {"id": "x", "from": "camp", "to": "fort"}
    if penalty is not None:
        crossing["defence"] = penalty
    data["rivers"] = [{"id": "river", "name": "River", "crossings": [crossing]}]
    return data


def _assault(data: dict[str, Any], came_from: str) -> tuple[float, float]:
    k = kit(data)
    k.supply.reach[:] = True
    k.supply.supplied[:] = True
    r = k.unit("r")
    r.arrive(k.t(came_from))
    r.arrive(k.t("fort"))
    k.sense.refresh()
    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record)
    return r.fighters, float(k.towns.garrison[k.t("fort")])


def test_attacking_over_a_crossing_multiplies_the_defence():
    kill = 0.04
    assert _assault(_front(crossing_defence=2.0), "camp") == pytest.approx(
        lanchester_step(3000, 2000, kill / 2.0, kill), rel=1e-12)
    assert _assault(_front(), "camp") == pytest.approx(  # the default, 1.5
        lanchester_step(3000, 2000, kill / 1.5, kill), rel=1e-12)
    assert _assault(_front(penalty=3.0, crossing_defence=2.0), "camp") == pytest.approx(
        lanchester_step(3000, 2000, kill / 3.0, kill), rel=1e-12)


def test_attacking_by_road_is_not_penalised():
    assert _assault(_front(crossing_defence=2.0), "side") == pytest.approx(
        lanchester_step(3000, 2000, 0.04, 0.04), rel=1e-12)


def test_a_mixed_group_counts_the_harmonic_mean_of_its_units():
    k = kit(_front(crossing_defence=2.0))
    r = k.unit("r")
    r.arrive(k.t("fort"))  # from camp, over the crossing
    other = copy.copy(r)
    other.came_from, other.fighters = k.t("side"), 1000.0
    assert crossing_defence(k.world, k.t("fort"), [r], 2.0) == 2.0
    assert crossing_defence(k.world, k.t("fort"), [other], 2.0) == 1.0
    assert crossing_defence(k.world, k.t("fort"), [r, other], 2.0) == pytest.approx(
        4000 / (3000 / 2.0 + 1000))


# ------------------------------------------------------------------ loading
def _problems(data: dict[str, Any]) -> list[str]:
    try:
        loaded = load_scenario(data)
    except ScenarioError as exc:
        return [f"{p.path}: {p.message}" for p in exc.problems]
    return [f"{p.path}: warning: {p.message}" for p in loaded.warnings]


def test_crossings_must_be_highways_and_names_must_be_known():
    data = river_map()
    data["rivers"][0]["crossings"].append({"id": "px", "from": "src", "to": "far"})
    data["factions"][0]["rules"] = [{"do": "bridge", "with": {"crossing": "pxx"}}]
    data["events"] = [{"id": "e", "day": 2, "close_crossings": ["nope"]}]
    assert _problems(data) == [
        "events.e.close_crossings[0]: unknown crossing 'nope'",
        "factions.red.rules[0].with.crossing: unknown crossing 'pxx' (did you mean 'px'?)",
        "rivers.river.crossings[1]: no highway joins 'src' and 'far': a crossing is a highway "
        "of the map (add it to highways:)",
        "rivers.river.crossings[1].id: duplicate crossing id 'px' (first at "
        "rivers.river.crossings.px)",
    ]


def test_an_undeclared_highway_over_the_river_line_is_a_warning():
    data = river_map(open_=True)
    data["features"] = [{"id": "river", "name": "The River", "kind": "river",
                         "points": [[35.5, 38.25], [34.5, 38.25]]}]
    data["towns"].append(town("ford", 38.3, "blue", lat=35.05))
    data["highways"].append({"from": "wb", "to": "ford"})
    assert _problems(data) == [
        "highways[3]: warning: the highway ford - wb crosses the river 'river' (feature "
        "'river') but is not one of its crossings; declare it under the river's crossings "
        "(or it is a way across that no event or engineer controls)"]


def test_without_rivers_nothing_is_closed():
    data = river_map()
    del data["rivers"]
    m = TerritoryModel(data)
    assert not m.roads.any_closed and m.bridging is None and m.world.crossings == {}


# ------------------------------------------------------------------ the example file
def test_the_example_river_scenario():
    """tests/data/river.yaml (the example in docs/scenario-format.md)."""
    from builders import DATA

    m = TerritoryModel(str(DATA / "river.yaml"))
    m.run(4)
    r1 = next(u for u in m.unit_list if u.key == "r1")
    # on the ferry when blue sank the boats: back to its own bank, not on to the far one
    assert (m.world.ids[r1.dest], m.roads.closed[m.world.crossing_edge["north_ferry"]]) == (
        "ferry_w", True)
    m.run()
    assert crossing_events(m) == [(2, "south_pontoon building"), (4, "south_pontoon opened")]
    captures = [(e.day, e.town) for e in m.events if e.kind == "capture"]
    assert captures == [(8, "bank_e"), (10, "town_e")]
    assert m.holder("ferry_e") == "blue"


def test_a_bad_crossing_in_a_file_is_reported_with_its_line(tmp_path, capsys):
    from builders import DATA

    from sim.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {DATA / 'river.yaml'}\n"
                   "events:\n"
                   "  - {id: blown, day: 2, close_crossings: [south_pontoom]}\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert (f"{bad}:3: events.blown.close_crossings[0]: unknown crossing 'south_pontoom' "
            "(did you mean 'south_pontoon'?)") in err
    assert "Traceback" not in err


@pytest.mark.parametrize("closed", [False, True])
def test_a_broken_defender_does_not_fall_back_over_a_closed_crossing(closed):
    from sim.state import Roads

    red = faction("red", supply_sources=["camp"], forces=[
        {"id": "r", "name": "R", "town": "camp", "fighters": 3000, "morale": 1.0}])
    blue = faction("blue", colour="#0000cc", supply_sources=["fort"], forces=[
        {"id": "b", "name": "B", "town": "fort", "fighters": 500}])
    data = scenario([town("camp", 38.0, "red", 10), town("fort", 38.1, "blue"),
                     town("rear", 38.2, "blue", 10)],
                    [road("camp", "fort"), road("fort", "rear")], [red, blue],
                    combat={"noise": 0.0, "break_morale": 0.99})
    data["rivers"] = [{"id": "river", "name": "River", "crossings": [
        {"id": "x", "from": "fort", "to": "rear", "open": not closed}]}]
    k = kit(data)
    k.unit("r").arrive(k.t("fort"))
    k.sense.refresh()
    from sim.rivers import closed_at_start

    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record, Roads(closed_at_start(k.world)))
    kinds = [e.kind for e in k.record.events if e.kind in ("retreat", "surrender")]
    assert kinds == (["surrender"] if closed else ["retreat"])


def test_an_always_true_bridge_rule_shadows_no_later_rule():
    rules = [{"do": "bridge", "with": {"crossing": "px"}}, {"do": "advance"}]
    assert _problems(river_map(red_rules=rules)) == []
    assert _problems(river_map(red_rules=[{"do": "hold"}, {"do": "advance"}])) == [
        "factions.red.rules[1]: warning: this rule can never fire: earlier rule 'rules[0]' "
        "always holds (when: true) for every unit it applies to"]


def test_the_recorder_notes_every_closing_and_opening_as_the_daily_state_has_them():
    from builders import ROOT

    from sim.state import closed_by_day, closure_changes

    model = TerritoryModel(ROOT / "tests" / "data" / "river.yaml", days=8,
                           overrides={"factions.red.forces.sappers.fighters": 300})
    daily = [model.roads.closed.copy()]
    while model.day < model.days:
        model.step()
        daily.append(model.roads.closed.copy())
    matrix = np.array(daily)
    # the pontoon is closed at the start and built on the way; the ferry is sunk on day 4
    assert matrix[0].any() and (matrix[1:] != matrix[:-1]).any()
    assert model.record.closures == closure_changes(matrix)
    assert np.array_equal(closed_by_day(model.record.closures, model.days, len(daily[0])),
                          matrix)
