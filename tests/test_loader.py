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
    "a: !!python/object/new:os.system [echo pwned]\n",
    "a: !!python/object:builtins.object {}\n",
    "a: !!python/module:os\n",
    "a: !!python/tuple [1, 2]\n",
    "a: !<tag:yaml.org,2002:python/object/apply:os.system> [echo pwned]\n",
    "%TAG !py! tag:yaml.org,2002:python/\n---\na: !py!object/apply:os.system [echo]\n",
    "a: !!set {x, y}\n",
    "a: !!omap [{x: 1}]\n",
    "a: !!pairs [{x: 1}]\n",
    "b: &b {x: 1}\na: {<<: *b}\n",  # merge keys
    "? !!python/name:os.system x\n: 1\n",  # a tag on a key
    "a: !!python/object/apply:subprocess.check_output [[ls]]\n",
])
def test_yaml_tags_that_construct_objects_are_rejected(write_yaml, doc):
    msgs = problems(write_yaml(doc))
    assert any("is not allowed" in m for m in msgs), msgs


def test_billion_laughs_is_bounded(write_yaml):
    """A 550-byte file whose aliases expand to 3.8 billion values. It used to be stopped only
    at 10 million values, after 8 s and 1.6 GB; aliases now have a budget of their own."""
    import time

    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    start = time.process_time()
    (msg,) = problems(write_yaml("\n".join(lines) + "\n"))
    assert time.process_time() - start < 1.0
    assert "aliases expand to more than 100,000 values" in msg


def test_aliases_within_their_budget_still_load(write_yaml):
    text = (DATA / "line.yaml").read_text()
    red = '    rules:\n      - {id: go, when: "strength > 0.3", do: advance}\n'
    blue = ("    rules:\n      - {id: conscript, when: \"enemy_near('e0', 40) > 0\", do: conscript,"
            " with: {rate: 0.02}}\n      - {do: defend}\n")
    assert red in text and blue in text
    text = text.replace(red, red.replace("rules:", "rules: &shared")).replace(
        blue, "    rules: *shared\n")
    loaded = load_scenario(write_yaml(text))
    assert [r.do for f in loaded.scenario.factions for r in f.rules] == ["advance", "advance"]


def test_recursive_aliases_are_bounded(write_yaml):
    (msg,) = problems(write_yaml("a: &a [1, *a]\n"))
    assert "nesting deeper than" in msg


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    from sim.scenario.yamlio import MAX_FILE_BYTES

    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:  # sparse: costs no disk
        fh.truncate(MAX_FILE_BYTES + 1)
    (msg,) = problems(path)
    assert msg == f"{path}: file is {MAX_FILE_BYTES + 1:,} bytes; the limit is {MAX_FILE_BYTES:,}"


def test_too_many_towns_is_an_error_and_the_messages_stay_short():
    """The schema's 200,000-town limit; and a map of 200,001 separate towns used to produce a
    1.7 MB warning naming every one of them."""
    towns = [{"id": f"t{i}", "name": "x", "lat": 1, "lon": 1, "population": 1}
             for i in range(200_001)]
    data = {"format": 1, "name": "x", "simulation": {"start_date": "2020-01-01"},
            "towns": towns, "factions": [faction("a")]}
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    msgs = [str(p) for p in info.value.problems]
    assert any("towns: List should have at most 200000 items" in m for m in msgs), msgs
    assert any("include t0, t1, t2, t3, t4, t5, t6, t7, t8, t9 and 199,990 more" in m
               for m in msgs), msgs
    assert len(str(info.value)) < 1000


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


@pytest.mark.parametrize(("text", "line", "char"), [
    ("\x08", 1, "U+0008"),  # found by fuzzing: yaml.reader.ReaderError escaped
    ("format: 1\nname: \x1f\n", 2, "U+001F"),
    ("name: \ud800\n", 1, "U+D800"),  # a lone surrogate: UnicodeEncodeError escaped libyaml
])
def test_characters_yaml_does_not_allow(text, line, char):
    from sim.scenario.yamlio import parse_yaml

    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "f.yaml")
    (p,) = info.value.problems
    assert str(p) == f"f.yaml:{line}: character {char} is not allowed in YAML " \
                     "(special characters are not allowed)"


def test_a_set_argument_with_undecodable_bytes_is_an_error():
    from sim.scenario.loader import parse_assignment

    with pytest.raises(ScenarioError, match=r"character U\+DCFF is not allowed"):
        parse_assignment("simulation.days=\udcff")  # how Python passes a non-UTF-8 argv byte


@pytest.mark.parametrize("value", [[], {}, [1, 2], {"a": 1}])
def test_an_action_that_is_not_text(write_yaml, line_data, value):
    """Found by fuzzing: a list or mapping under ``do:`` made the cross-reference checks raise
    TypeError (unhashable) instead of reporting the problem."""
    line_data["factions"][0]["rules"][0]["do"] = value
    (msg,) = problems(write_yaml(line_data))
    assert ": factions.red.rules.go.do: " in msg and "'advance'" in msg


@pytest.mark.parametrize("path", ["factions.red.supply_sources", "factions.red.objectives",
                                  "highways", "tunables"])
@pytest.mark.parametrize("value", [1, 2.5, True])
def test_a_number_where_a_list_belongs(path, value):
    """Found by fuzzing: ``--set factions.red.supply_sources=1`` made the cross-reference
    checks raise TypeError ('int' object is not iterable) instead of reporting the problem."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "line.yaml", {path: value})
    assert f"--set: {path}: Input should be a valid list" in str(info.value)


@pytest.mark.parametrize(("path", "value", "fragment"), [
    # found by fuzzing: an infinite garrison loaded, then the run failed on day 0 with
    # OverflowError (and nan fighters would have spread through every battle)
    ("towns.w0.garrison", float("inf"), "towns.w0.garrison: Input should be a finite number"),
    ("towns.w0.garrison", 1e12, "towns.w0.garrison: Input should be less than or equal to"),
    ("towns.w0.lat", float("nan"), "towns.w0.lat: Input should be a finite number"),
    ("simulation.siege.invest_ratio", float("nan"), "Input should be a finite number"),
    # action parameters are checked by their action's schema model, like every other field
    ("factions.blue.rules.conscript.with.rate", float("nan"), "Input should be a finite number"),
    ("factions.blue.rules.conscript.with.quality", float("inf"),
     "Input should be a finite number"),
    ("factions.blue.rules.conscript.with.quality", 1e300,
     "Input should be less than or equal to 3 (got 1e+300)"),
    ("factions.red.rules.go.do", "besiege", None),  # (control: this one is fine)
])
def test_numbers_that_would_break_a_run_are_refused(path, value, fragment):
    if fragment is None:
        assert load_scenario(DATA / "line.yaml", {path: value})
        return
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "line.yaml", {path: value})
    assert f"--set: {path}: " in str(info.value) and fragment in str(info.value)
