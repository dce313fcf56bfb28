"""The timeline: events on a date, a day or a condition, each effect on a purpose-built map."""

from __future__ import annotations

import csv

import pytest
from builders import DATA, faction, scenario, town

from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.output import write_outputs


def road(a: str, b: str, km: float = 10.0) -> dict:
    return {"from": a, "to": b, "length_km": km, "terrain": "flat"}


def fired(m: TerritoryModel) -> list[tuple[int, str]]:
    return [(e.day, e.detail) for e in m.events if e.kind == "timeline"]


def pocket(events: list[dict], days: int = 6) -> dict:
    """src - a - b (red, sources at src); blue far away; red holds, nobody moves."""
    red = faction("red", supply_sources=["src"], rules=[{"do": "hold"}],
                  forces=[{"id": "r1", "name": "R1", "town": "a", "fighters": 100}])
    blue = faction("blue", colour="#0000cc", supply_sources=["far"], rules=[{"do": "hold"}],
                   forces=[{"id": "b1", "name": "B1", "town": "far", "fighters": 300}])
    data = scenario([town("src", 38.0, "red"), town("a", 38.1, "red", 10),
                     town("b", 38.2, "red", 10), town("far", 39.0, "blue")],
                    [road("src", "a"), road("a", "b"), road("b", "far", 80)], [red, blue],
                    days=days)
    data["events"] = events
    return data


def test_a_reinforcement_arrives_on_its_day():
    ev = {"id": "tigers", "day": 3, "note": "Tiger Forces arrive",
          "add_units": [{"id": "t1", "name": "Tigers", "faction": "red", "town": "src",
                         "fighters": 700, "quality": 1.4}]}
    m = TerritoryModel(pocket([ev]))
    m.run(2)
    assert "t1" not in [u.key for u in m.unit_list]
    m.run(1)
    t1 = next(u for u in m.unit_list if u.key == "t1")
    assert (t1.node, t1.fighters, t1.quality) == (m.world.index["src"], 700.0, 1.4)
    assert fired(m) == [(3, "tigers")] and m.ledger.arrived.tolist() == [700.0, 0.0]
    assert m.stats("red")["units"] == 2


def test_a_bridge_blown_and_rebuilt_and_supply_follows():
    events = [{"id": "blown", "day": 2, "close": [{"from": "b", "to": "a"}]},
              {"id": "pontoon", "date": "2020-01-05", "open": [{"from": "a", "to": "b"}]}]
    m = TerritoryModel(pocket(events)).run()
    sieges = [(e.day, e.kind, e.town) for e in m.events if e.kind.startswith("siege")]
    assert sieges == [(2, "siege_start", "b"), (4, "siege_lifted", "b")]
    assert fired(m) == [(2, "blown"), (4, "pontoon")]


def test_a_relation_changes_mid_run_both_ways():
    red = faction("red", relations={"blue": "neutral"}, rules=[{"do": "advance"}],
                  objectives=[{"town": "b"}],
                  forces=[{"id": "r1", "name": "R1", "town": "a", "fighters": 1000}])
    blue = faction("blue", colour="#0000cc", relations={"red": "neutral"})
    data = scenario([town("a", 38.0, "red"), town("b", 38.1, "blue", 50)], [road("a", "b")],
                    [red, blue], days=5)
    data["events"] = [{"id": "war", "day": 3, "relations": [
        {"factions": ["blue", "red"], "relation": "hostile"}]}]
    m = TerritoryModel(data)
    m.run(2)
    assert m.holder("b") == "blue" and m.relations.relation(0, 1) == "neutral"
    m.run(1)
    assert m.relations.relation(0, 1) == m.relations.relation(1, 0) == "hostile"
    assert m.holder("b") == "red"  # taken on day 3, the day war is declared
    assert [e.day for e in m.events if e.kind == "capture"] == [3]


def test_a_condition_fires_once_though_it_stays_true():
    ev = {"id": "alarm", "when": "day >= 2", "faction": "red", "airlift": {"b": 0.5}}
    m = TerritoryModel(pocket([ev])).run()
    assert fired(m) == [(2, "alarm")]
    assert m.supply.airlift[m.world.index["b"]] == 0.5


def test_set_changes_parameters_and_rules_from_its_day():
    events = [{"id": "retreat", "day": 2, "set": {"factions.red.rules[0].do": "retreat",
                                                   "simulation.combat.kill_rate": 0.1}}]
    m = TerritoryModel(pocket(events))
    m.run(1)
    assert m.unit_list[0].order == "hold"
    m.run(1)
    assert m.unit_list[0].order == "retreat" and m.spec.simulation.combat.kill_rate == 0.1


def test_withdrawn_units_leave_with_their_fighters_counted():
    m = TerritoryModel(pocket([{"id": "home", "day": 2, "withdraw": ["b1"]}])).run()
    assert [u.key for u in m.unit_list] == ["r1"]
    assert m.ledger.withdrawn.tolist() == [0.0, 300.0]


def test_a_reinforcement_into_a_hostile_town_does_not_arrive_and_says_so(tmp_path):
    ev = {"id": "late", "day": 2, "add_units": [{"id": "x", "name": "X", "faction": "blue",
                                                  "town": "a", "fighters": 10}]}
    m = TerritoryModel(pocket([ev])).run()
    assert "x" not in [u.key for u in m.unit_list]
    write_outputs(m, tmp_path, plots=False)
    rows = [r for r in csv.DictReader((tmp_path / "events.csv").open()) if r["kind"] ==
            "timeline"]
    assert [(r["day"], r["detail"]) for r in rows] == [("2", "late")]
    assert "cannot arrive" in rows[0]["text"]


@pytest.mark.parametrize(("event", "message"), [
    ({"id": "e", "date": "2019-12-01"}, r"events\.e\.date: 2019-12-01 is not after the start"),
    ({"id": "e", "day": 2, "withdraw": ["nobody"]}, r"events\.e\.withdraw\[0\]: unknown unit"),
    ({"id": "e", "day": 2, "close": [{"from": "src", "to": "far"}]}, r"no highway joins"),
    ({"id": "e", "day": 2, "set": {"towns[0].lat": 3}}, r"cannot change during a run"),
    ({"id": "e", "when": "towns_hel > 1", "faction": "red"}, r"events\.e\.when: unknown"),
    ({"id": "e", "day": 2, "date": "2020-01-03"}, r"exactly one of date, day and when"),
    ({"id": "e", "day": 2, "relations": [{"factions": ["red", "red"],
                                          "relation": "allied"}]}, r"names 'red' twice"),
])
def test_bad_events_are_reported_with_their_path(event, message):
    with pytest.raises(ScenarioError, match=message):
        TerritoryModel(pocket([event]))


def test_no_events_no_change():
    assert TerritoryModel(DATA / "line.yaml").timeline.events == []


def test_objectives_changed_by_the_timeline_steer_units_the_next_day():
    # red advances from a through b towards its objective far; on day 3 the timeline makes
    # src (its own rear) its only objective: it stops, though control never changed
    data = pocket([{"id": "new_orders", "day": 3,
                    "set": {"factions.red.objectives": [{"town": "src", "priority": 1}]}}])
    data["factions"][0]["objectives"] = [{"town": "far", "priority": 1}]
    data["factions"][0]["rules"] = [{"do": "advance"}]
    data["factions"][0]["forces"][0]["speed_km_day"] = 4
    m = TerritoryModel(data)
    m.run(2)
    u = m.unit_list[0]
    assert (m.world.ids[u.node], m.world.ids[u.dest]) == ("a", "b")
    m.run(1)  # day 3: its only objective is now src, which red holds: nothing to march on
    assert (m.world.ids[u.node], u.dest) == ("b", -1)
    m.run(3)  # with the routes towards far kept, it marched on towards far
    assert (m.world.ids[u.node], u.dest) == ("b", -1)
