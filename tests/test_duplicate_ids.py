"""A repeated id is reported at the later item (the line to change), naming the first one."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import DATA

from sim.errors import ScenarioError
from sim.scenario import load_scenario

REPEATS = """\
format: 1
name: repeats
simulation: {start_date: 2020-01-01, days: 10}
towns:
  - {id: a, name: A, lat: 35.0, lon: 38.0, population: 100, controller: red}
  - {id: b, name: B, lat: 35.0, lon: 38.1, population: 100, controller: red}
  - {id: b, name: B again, lat: 35.0, lon: 38.2, population: 100, controller: red}
  - {id: c, name: C, lat: 35.0, lon: 38.3, population: 100, controller: red}
highways:
  - {from: a, to: b}
  - {from: b, to: c}
rivers:
  - id: river
    name: River
    crossings:
      - {id: ab, from: a, to: b}
      - {id: ab, from: b, to: c}
  - {id: river, name: River again}
events:
  - {id: e1, day: 2}
  - {id: e1, day: DAY}
factions:
  - id: red
    name: Red
    colour: "#cc0000"
    forces:
      - {id: r1, name: R1, town: a, fighters: 100}
      - {id: r1, name: R1 again, town: a, fighters: 100}
    rules:
      - {id: go, do: advance}
      - {id: go, do: hold}
    flows:
      - {id: f, to_unit: r1, per_day: 5}
      - {id: f, to_unit: r1, per_day: 6}
"""


def write(tmp_path: Path, day: str = "3") -> tuple[str, list[str]]:
    text = REPEATS.replace("DAY", day)
    path = tmp_path / "repeats.yaml"
    path.write_text(text)
    return str(path), text.splitlines()


def lines(text: list[str], needle: str) -> list[int]:
    return [i for i, s in enumerate(text, 1) if needle in s]


def test_each_repeated_id_points_at_its_second_line_and_names_the_first(tmp_path):
    path, text = write(tmp_path)
    want = [  # (needle of both lines, path of the second, what)
        ("{id: b,", "towns[2].id", "id 'b' in towns", "towns.b"),
        ("{id: ab,", "rivers.river.crossings[1].id", "crossing id 'ab'",
         "rivers.river.crossings.ab"),
        ("id: river", "rivers[1].id", "river id 'river'", "rivers.river"),
        ("{id: e1,", "events[1].id", "event id 'e1'", "events.e1"),
        ("{id: r1,", "factions.red.forces[1].id", "unit id 'r1'", "factions.red.forces.r1"),
        ("{id: go,", "factions.red.rules[1].id", "rule id 'go'", "factions.red.rules.go"),
        ("{id: f,", "factions.red.flows[1].id", "flow id 'f'", "factions.red.flows.f"),
    ]
    expected = []
    for needle, second, what, first in want:
        one, two = lines(text, needle)
        why = "; an event fires once, by id" if what.startswith("event") else ""
        expected.append(f"{path}:{two}: {second}: duplicate {what} (first at {first}, line "
                        f"{one}){why}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert sorted(str(p) for p in info.value.problems if p.severity == "error") == \
        sorted(expected)


def test_a_unit_id_repeated_in_another_faction_says_ids_are_unique_across_factions():
    data = load_scenario(DATA / "river.yaml").data
    data["factions"][1]["forces"] = [{"id": "r1", "name": "Blue R1", "town": "town_e",
                                      "fighters": 10}]
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    assert [p.message for p in info.value.problems] == [
        "duplicate unit id 'r1' (first at factions.red.forces.r1); unit ids are unique across "
        "factions"]


def test_the_second_items_schema_problem_is_at_its_own_line(tmp_path):
    path, text = write(tmp_path, day="-3")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = [p for p in info.value.problems if p.path.endswith("day")]
    assert (problem.path, problem.line) == ("events[1].day", lines(text, "day: -3")[0])
