"""Bad input: every problem reported with file, line and path; nothing else escapes."""

import pytest
import yaml
from builders import DATA, faction, scenario, town

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.loader import merge


def problems(path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_the_line_scenario_loads():
    loaded = load_scenario(DATA / "line.yaml")
    assert [t.id for t in loaded.scenario.towns] == ["w0", "w1", "mid", "e1", "e0"]
    assert loaded.warnings == ()


def test_yaml_syntax_error_names_the_line(write_yaml):
    path = write_yaml("format: 1\nname: x\ntowns:\n  - {id: a, name: [unclosed\n")
    (msg,) = problems(path)
    assert msg.startswith(f"{path}:5:") or msg.startswith(f"{path}:4:")
    assert "YAML syntax error" in msg


def test_every_problem_is_reported_at_once_with_lines_and_paths(write_yaml, line_data):
    line_data["towns"][1]["population"] = "many"  # wrong type
    line_data["towns"][2]["garrison"] = -5  # negative
    line_data["highways"].append({"from": "e0", "to": "nowhere"})  # unknown town
    line_data["factions"][0]["relations"] = {"bleu": "hostile"}  # unknown faction
    line_data["factions"][0]["rules"].append({"when": "strenght < 1", "do": "advanse"})
    line_data["factions"][0]["rules"].append({"when": "x.__class__", "do": "advance"})
    line_data["factions"][1]["rules"][0]["with"]["rat"] = 0.1
    path = write_yaml(line_data)
    text = yaml.safe_dump(line_data, sort_keys=False).splitlines()
    msgs = problems(path)

    def line_of(fragment: str) -> int:
        return next(i for i, t in enumerate(text, 1) if fragment in t)

    expected = {
        "towns.w1.population": "valid integer",
        "towns.mid.garrison": "greater than or equal to 0",
        "highways[4].to": "unknown town 'nowhere'",
        "factions.red.relations.bleu": "unknown faction 'bleu' (did you mean 'blue'?)",
        "factions.red.rules[1].do": "'advance'",
        "factions.red.rules[2].when": "attribute access",
        "factions.blue.rules.conscript.with.rat": "did you mean 'rate'?",
    }
    for path_text, fragment in expected.items():
        hits = [m for m in msgs if f": {path_text}:" in m and fragment in m]
        assert hits, f"no message for {path_text} with {fragment!r} in {msgs}"
        assert hits[0].startswith(str(path) + ":")
    assert any(m.startswith(f"{path}:{line_of('population: many')}: towns.w1.population")
               for m in msgs)


def test_unknown_variable_and_function_suggest_the_closest(write_yaml, line_data):
    line_data["factions"][0]["rules"] = [
        {"when": "strenght_ratio > 2", "do": "advance"},
        {"when": "enemy_withn_km(30)", "do": "hold"},
    ]
    msgs = problems(write_yaml(line_data))
    assert any("did you mean 'strength_ratio'" in m for m in msgs)
    assert any("did you mean 'enemy_within_km'" in m for m in msgs)


def test_asymmetric_relations(write_yaml, line_data):
    line_data["factions"][1]["relations"] = {"red": "allied"}
    (msg,) = problems(write_yaml(line_data))
    assert "relations must be symmetric" in msg and "factions.blue.relations.red" in msg


def test_duplicate_ids(write_yaml, line_data):
    line_data["towns"].append(dict(line_data["towns"][0]))
    line_data["factions"][1]["forces"] = [{"id": "r1", "name": "Copy", "town": "e0",
                                           "fighters": 10}]
    msgs = problems(write_yaml(line_data))
    assert any("duplicate id 'w0' in towns" in m for m in msgs)
    assert any("duplicate unit id 'r1'" in m for m in msgs)


def test_unit_starting_in_a_hostile_town(write_yaml, line_data):
    line_data["factions"][0]["forces"][0]["town"] = "e0"
    (msg,) = problems(write_yaml(line_data))
    assert "factions.red.forces.r1.town" in msg and "held by hostile faction 'blue'" in msg


def test_missing_file():
    (msg,) = problems("no/such/file.yaml")
    assert msg == "no/such/file.yaml: file not found"


def test_extends_cycle(write_yaml, line_data):
    write_yaml({"extends": "b.yaml", "format": 1}, "a.yaml")
    path = write_yaml({"extends": "a.yaml", "format": 1}, "b.yaml")
    (msg,) = problems(path)
    assert "extends forms a cycle" in msg


def test_extends_merges_by_id_and_reports_lines_in_the_right_file(write_yaml, line_data):
    write_yaml(line_data, "base.yaml")
    variant = {"extends": "base.yaml", "name": "variant",
               "factions": [{"id": "red", "forces": [{"id": "r1", "fighters": 3000}]},
                            {"id": "blue", "rules": [{"id": "conscript", "enabled": False}]}],
               "towns": [{"id": "w1", "remove": True}]}
    path = write_yaml(variant, "variant.yaml")
    with pytest.raises(ScenarioError) as info:  # removing w1 leaves its highways dangling
        load_scenario(path)
    msgs = [str(p) for p in info.value.problems]
    assert any("base.yaml" in m and "unknown town 'w1'" in m for m in msgs), msgs
    variant["highways"] = [{"from": "w0", "to": "mid"}, {"from": "mid", "to": "e1"},
                           {"from": "e1", "to": "e0"}]
    loaded = load_scenario(write_yaml(variant, "variant.yaml"))
    red = loaded.scenario.factions[0]
    assert red.forces[0].fighters == 3000 and red.forces[0].speed_km_day == 30
    assert [r.enabled for r in loaded.scenario.factions[1].rules] == [False, True]
    assert loaded.scenario.name == "variant"
    assert [t.id for t in loaded.scenario.towns] == ["w0", "mid", "e1", "e0"]


def test_merge_replaces_plain_lists_and_appends_new_ids():
    base = {"a": [1, 2], "b": [{"id": "x", "v": 1}], "c": {"d": 1, "e": 2}}
    over = {"a": [3], "b": [{"id": "y", "v": 2}], "c": {"e": 5}}
    assert merge(base, over) == {"a": [3], "b": [{"id": "x", "v": 1}, {"id": "y", "v": 2}],
                                 "c": {"d": 1, "e": 5}}
    assert base["a"] == [1, 2]


def test_disconnected_map_is_a_warning(write_yaml, line_data):
    line_data["towns"].append({"id": "island", "name": "Island", "lat": 36, "lon": 38,
                               "population": 10})
    loaded = load_scenario(write_yaml(line_data))
    (warning,) = loaded.warnings
    assert warning.severity == "warning" and "not connected" in str(warning)
    assert "island" in str(warning)


@pytest.mark.parametrize("doc", [
    "!!python/object/apply:os.system ['echo pwned']",
    "format: !!python/name:os.system\n",
    "a: !!binary aGVsbG8=\n",
    "a: !custom 1\n",
])
def test_yaml_tags_that_construct_objects_are_rejected(write_yaml, doc):
    (msg,) = problems(write_yaml(doc))
    assert "is not allowed" in msg


def test_billion_laughs_is_bounded(write_yaml):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    (msg,) = problems(write_yaml("\n".join(lines) + "\n"))
    assert "expands to more than" in msg


def test_deep_nesting_is_bounded(write_yaml):
    (msg,) = problems(write_yaml("a: " + "[" * 200 + "]" * 200 + "\n"))
    assert "nesting" in msg or "nested" in msg


def test_not_a_mapping(write_yaml):
    (msg,) = problems(write_yaml("- just\n- a list\n"))
    assert "must be a mapping" in msg


def test_overrides_by_dotted_path():
    loaded = load_scenario(DATA / "line.yaml", {"factions.red.forces.r1.fighters": 999,
                                                "simulation.combat.kill_rate": 0.1,
                                                "factions.blue.rules[1].do": "hold"})
    s = loaded.scenario
    assert s.factions[0].forces[0].fighters == 999
    assert s.simulation.combat.kill_rate == 0.1
    assert s.factions[1].rules[1].do == "hold"


@pytest.mark.parametrize(("path", "value", "fragment"), [
    ("factions.red.forces.r1x.fighters", 1, "no item with id 'r1x' (did you mean 'r1'?)"),
    ("factions.redd.name", "x", "did you mean 'red'?"),
    ("factions.red.forces.r1.fighters", -1, "greater than or equal to 0"),
    ("simulation.dayz", 3, "unknown field (did you mean 'days'?)"),
    ("towns[9].name", "x", "index 9 is out of range"),
    ("a..b", 1, "malformed path"),
])
def test_bad_overrides_are_reported_as_such(path, value, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "line.yaml", {path: value})
    text = str(info.value)
    assert fragment in text and "--set" in text


def test_a_scenario_built_in_code():
    data = scenario([town("a", 38.0, "red"), town("b", 38.1, "red")], [("a", "b")],
                    [faction("red")])
    assert load_scenario(data).scenario.towns[1].id == "b"
