"""Sweep files: a valid one becomes a checked plan; a bad one gets every problem, located."""

import pytest
import yaml
from builders import DATA, ROOT

from sim.cli import main
from sim.errors import ScenarioError
from sim.sweep.spec import load_sweep

BASE = {"format": 1, "name": "t", "scenario": str(DATA / "line.yaml"),
        "metrics": [{"metric": "towns_held", "faction": "red"}]}


@pytest.fixture
def sweep_file(tmp_path):
    def write(extra=None, text=None, **fields):
        path = tmp_path / "sweep.yaml"
        data = {**BASE, **fields, **(extra or {})}
        path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False))
        return path

    return write


def problems(path):
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    return [str(p) for p in info.value.problems]


def test_valid_sweep_becomes_a_plan():
    plan = load_sweep(DATA / "sweep_line.yaml")
    assert plan.days == 20
    assert [p.path for p in plan.params] == ["factions.blue.rules.conscript.with.rate",
                                             "factions.red.forces.r1.fighters"]
    assert plan.params[1].values == (500, 1000, 1500)
    assert plan.design.n_runs == 2 * 3 * 3
    assert [m.column for m in plan.metrics] == [
        "capture_day.e0.red", "control_day.mid+e1.red", "holder.mid",
        "towns_held.red", "towns_held.blue", "casualties.blue"]
    assert plan.fingerprint == load_sweep(DATA / "sweep_line.yaml").fingerprint


def test_every_problem_is_reported_at_once_with_lines():
    found = problems(DATA / "sweep_bad.yaml")
    file = str(DATA / "sweep_bad.yaml")
    expected = {
        5: "replicates: Input should be greater than or equal to 1",
        6: "seeds: input should be 'common' or 'independent', got 'sometimes'",
        8: "factions.blue.rules has no item with id 'conscrpt' (did you mean 'conscript'?)",
        9: "value 2.0 makes the scenario invalid: simulation.combat.kill_rate: Input should "
           "be less than or equal to 1",
        10: "low/high parameters are sampled: set design: lhs or sobol",
        11: "parameters.simulation.seed: cannot be swept or set here",
        13: "unknown metric 'capture_dya' (did you mean 'capture_day'?)",
        14: "metrics[1].town: unknown town 'e9'",
        15: "metrics[2].faction: unknown faction 'green'",
        16: "metrics[3]: control_day needs towns:",
        17: "metrics[4].faction: holder does not take faction; it takes town",
        18: "series[0]: unknown series 'fighter' (did you mean 'fighters'?)",
    }
    assert len(found) == len(expected)
    for line, text in expected.items():
        assert any(p.startswith(f"{file}:{line}: ") and text in p for p in found), (line, found)


def test_cli_prints_one_message_and_exits_2(capsys):
    assert main(["sweep", str(DATA / "sweep_bad.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frontline: error: 12 problems found:")
    assert "Traceback" not in err


def test_paths_into_scenario_defaults_work(sweep_file):
    # line.yaml has no simulation.combat section: the defaults are there to override
    plan = load_sweep(sweep_file(parameters={"simulation.combat.kill_rate": [0.02, 0.06]}))
    assert plan.base["simulation"]["combat"]["kill_rate"] == 0.04


def test_scenario_problems_are_reported_with_the_scenario_file(sweep_file, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "line.yaml").read_text().replace("days: 30", "days: -3"))
    found = problems(sweep_file(scenario="bad.yaml"))
    assert any(":3: scenario: scenario" in p and "is invalid" in p for p in found), found
    assert any(p.startswith(f"{bad}:4: simulation.days:") for p in found), found


def test_missing_scenario(sweep_file):
    found = problems(sweep_file(scenario="nowhere.yaml"))
    assert len(found) == 1 and "scenario: scenario file not found" in found[0]


def test_a_scenario_given_as_the_sweep_file_is_recognised():
    found = problems(DATA / "line.yaml")
    assert found == [f"{DATA / 'line.yaml'}:2: this looks like a scenario file; a sweep file "
                     "names its scenario with scenario: (see docs/sweeps.md)"]


def test_yaml_syntax_error_has_a_line(sweep_file):
    found = problems(sweep_file(text="format: 1\nname: [unclosed\n"))
    assert len(found) == 1 and "YAML syntax error" in found[0] and ":3:" in found[0]


@pytest.mark.parametrize(("fields", "message"), [
    ({"parameters": {"factions.red.forces.r1.fighters": 5}},
     "expected a list of values, {from, to, step}, or {low, high}, got 5 (a constant goes "
     "under set:)"),
    ({"parameters": {"factions.red.forces.r1.fighters": {"from": 5, "to": 1, "step": 1}}},
     "to (1) is less than from (5)"),
    ({"parameters": {"factions.red.forces.r1.fighters": {"vals": [1]}}},
     "expected values: [...], from/to with step or num, or low/high"),
    ({"parameters": {"factions.red.forces.r1.fighters": {"values": [1], "step": 2}}},
     "step: unknown field"),
    ({"design": "sobol", "samples": 10,
      "parameters": {"factions.red.forces.r1.fighters": {"low": 1, "high": 2}}},
     "a Sobol design needs a power of 2 samples for its balance properties; use 8 or 16"),
    ({"design": "lhs", "parameters": {"factions.red.forces.r1.fighters": {"low": 1, "high": 2}}},
     "design: design: lhs needs samples: N"),
    ({"design": "lhs", "samples": 4, "parameters": {"factions.red.forces.r1.fighters": [1]}},
     "this sweep has none"),
    ({"set": {"factions.red.forces.r1.fighters": -5}},
     "set: makes the scenario invalid: factions.red.forces.r1.fighters: Input should be "
     "greater than or equal to 0"),
    ({"set": {"simulation.days": 5}}, "set.simulation.days: cannot be swept or set here: set "
                                      "the number of days with the sweep's days: field"),
    ({"metrics": [{"metric": "siege_lifted_day"}]}, "siege_lifted_day needs town: or towns:"),
    ({"metrics": [{"metric": "towns_held", "faction": "red", "name": "run"}]},
     "column 'run' (metric 1) clashes with a standard column"),
    ({"metrics": []}, "metrics: List should have at least 1 item"),
    ({"parameters": {"factions.red.forces.r1.fighters": {"from": 0, "to": 1e9, "step": 1e-9}}},
     "the range has more than 100,000 values; use a larger step or num"),
    ({"parameters": {"factions.red.forces.r1.fighters": {"from": 0, "to": 1e308, "num": 5,
                                                         "log": True}}},
     "log spacing needs a positive from"),
    ({"replicates": 100, "parameters": {
        "factions.red.forces.r1.fighters": {"from": 0, "to": 999, "step": 1},
        "factions.red.forces.r1.quality": {"from": 0.1, "to": 2, "num": 1000}}},
     "the sweep has 100,000,000 runs (points x replicates); the limit is 1,000,000"),
    ({"design": "oat", "parameters": {"factions.red.forces.r1.fighters": [1, 2]}},
     "design: oat needs an odd number (3 or more) of listed values per parameter"),
    ({"design": "oat", "samples": 4, "parameters": {"factions.red.forces.r1.fighters": [1, 2, 3]}},
     "samples applies to design: lhs or sobol, not oat"),
    ({"replicats": 3}, "replicats: unknown field (did you mean 'replicates'?)"),
    ({"scenario": None}, "scenario: Input should be a valid string"),
])
def test_bad_sweep_files(sweep_file, fields, message):
    found = problems(sweep_file(extra=fields))
    assert any(message in p for p in found), found


def test_a_value_invalid_for_the_scenario_is_found_before_running(sweep_file):
    found = problems(sweep_file(parameters={"factions.red.forces.r1.town": ["w0", "e0"]}))
    assert len(found) == 1
    assert "value 'e0' makes the scenario invalid: factions.red.forces.r1.town: unit starts " \
           "in 'e0', held by hostile faction 'blue'" in found[0]


def test_example_sweeps_are_valid():
    examples = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
    assert len(examples) >= 3
    for path in examples:
        plan = load_sweep(path)
        assert plan.design.n_runs > 1


def test_public_names_of_the_sweep_package_import():
    import importlib

    mod = importlib.import_module("sim.sweep")
    assert mod.__all__ == sorted(mod.__all__)
    for name in mod.__all__:
        assert getattr(mod, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = mod.nope


def test_missing_sweep_file(capsys, tmp_path):
    assert main(["sweep", str(tmp_path / "none.yaml")]) == 2
    assert f"{tmp_path / 'none.yaml'}: file not found" in capsys.readouterr().err
