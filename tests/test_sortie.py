"""A garrison's sortie (timeline ``sortie:``): part of a garrison leaves its town as a unit."""

from __future__ import annotations

import pytest
from builders import faction, scenario, town
from test_timeline import fired, pocket, road
from test_timelinechecks import problems, write

from sim.model import TerritoryModel


def sortie(**extra) -> dict:
    return {"id": "s1", "name": "Sortie group", "faction": "red", "town": "b", **extra}


def test_a_share_of_the_garrison_leaves_as_a_unit_and_the_faction_keeps_its_fighters():
    ev = {"id": "out", "day": 2, "sortie": [sortie(share=0.4, tags=["breakout"])]}
    m = TerritoryModel(pocket([ev]))
    b = m.world.index["b"]
    quality, morale = m.towns.garrison_quality[b], m.towns.garrison_morale[b]
    m.run(1)
    before = m.stats("red")["fighters"]
    m.run(1)
    s1 = next(u for u in m.unit_list if u.key == "s1")
    assert (s1.node, s1.fighters, s1.tags) == (b, 4.0, frozenset({"breakout"}))
    assert (s1.quality, s1.morale) == (quality, morale)
    assert m.towns.garrison[b] == pytest.approx(6.0)
    assert m.stats("red")["fighters"] == pytest.approx(before)  # moved, not created
    assert m.ledger.arrived.tolist() == [0.0, 0.0]
    assert fired(m) == [(2, "out")]


def test_fighters_are_capped_by_the_garrison_and_the_event_may_set_quality_and_morale():
    ev = {"id": "out", "day": 1, "sortie": [sortie(fighters=50, quality=1.2, morale=0.9)]}
    m = TerritoryModel(pocket([ev]))
    m.run(1)
    s1 = next(u for u in m.unit_list if u.key == "s1")
    assert (s1.fighters, s1.quality, s1.morale) == (10.0, 1.2, 0.9)
    assert m.towns.garrison[m.world.index["b"]] == 0.0


def test_a_town_lost_before_the_sortie_sends_nobody_and_the_log_says_why():
    red = faction("red", supply_sources=["a"], rules=[{"do": "hold"}])
    blue = faction("blue", colour="#0000cc", rules=[{"do": "advance"}],
                   objectives=[{"town": "b"}],
                   forces=[{"id": "b1", "name": "B1", "town": "c", "fighters": 2000}])
    data = scenario([town("a", 38.0, "red"), town("b", 38.1, "red", 20),
                     town("c", 38.2, "blue")], [road("a", "b"), road("b", "c")],
                    [red, blue], days=5)
    data["events"] = [{"id": "late", "day": 4, "sortie": [sortie(share=0.5)]}]
    m = TerritoryModel(data).run()
    assert m.holder("b") == "blue"
    assert "s1" not in [u.key for u in m.unit_list]
    text = next(e.text for e in m.events if e.kind == "timeline")
    assert "Sortie group cannot sortie: b is not held by red" in text


def test_the_sortie_unit_follows_the_rules_for_its_tags():
    rules = [{"id": "break_out", "tags": ["breakout"], "do": "advance"}, {"do": "hold"}]
    data = pocket([{"id": "out", "day": 1, "sortie": [sortie(share=0.5, tags=["breakout"])]}])
    data["factions"][0]["rules"] = rules
    data["factions"][0]["objectives"] = [{"town": "far"}]
    m = TerritoryModel(data)
    m.run(2)
    s1 = next(u for u in m.unit_list if u.key == "s1")
    r1 = next(u for u in m.unit_list if u.key == "r1")
    assert s1.rule == "break_out" and s1.position()[1] > 38.5  # out of b, on the road to far
    assert (r1.rule, r1.node) == ("rules[1]", m.world.index["a"])  # the untagged unit holds


@pytest.mark.parametrize(("events", "offset", "expected"), [
    ("- id: out\n  day: 2\n  sortie:\n  - {id: s1, name: S, faction: red, town: bb, "
     "share: 0.5}\n", 3, "events.out.sortie.s1.town: unknown town 'bb' (did you mean 'b'?)"),
    ("- id: out\n  day: 2\n  sortie:\n  - {id: r1, name: S, faction: red, town: b, "
     "share: 0.5}\n", 3, "events.out.sortie.r1.id: unit id 'r1' is taken by a unit in forces"),
])
def test_bad_sorties_are_reported_at_their_line(tmp_path, capsys, events, offset, expected):
    path, first = write(tmp_path, events)
    assert problems(capsys, path) == [f"{path}:{first + offset}: {expected}"]


def test_a_sortie_needs_exactly_one_of_fighters_and_share(tmp_path, capsys):
    path, first = write(tmp_path, "- id: out\n  day: 2\n  sortie:\n  - {id: s1, name: S, "
                        "faction: red, town: b}\n")
    assert problems(capsys, path) == [
        f"{path}:{first + 3}: events.out.sortie.s1: give exactly one of fighters and share"]
