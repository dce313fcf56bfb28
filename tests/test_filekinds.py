"""frontline validate checks each kind of file as what it is (issue 13 item 23)."""


import pytest
from builders import DATA, ROOT

from sim.cli import main
from sim.filekinds import detect_kind


def test_a_sweep_file_is_validated_as_a_sweep_with_a_dry_run(capsys):
    assert main(["validate", str(DATA / "sweep_line.yaml")]) == 0
    assert capsys.readouterr().out == (
        f"{DATA / 'sweep_line.yaml'}: valid sweep (dry run): 18 runs (6 points x 3 replicates) "
        f"of 20 days on {DATA / 'line.yaml'}; 6 metric columns; parameters: "
        "factions.blue.rules.conscript.with.rate, factions.red.forces.r1.fighters\n")


def test_a_bad_sweep_file_gets_the_sweep_loaders_problems(capsys):
    assert main(["validate", str(DATA / "sweep_bad.yaml")]) == 2
    err = capsys.readouterr().err
    assert "12 problems found" in err and "unknown metric 'capture_dya'" in err
    assert "towns: required field is missing" not in err  # not checked as a scenario


def test_set_is_for_scenarios_only(capsys):
    assert main(["validate", str(DATA / "sweep_line.yaml"), "--set", "simulation.days=3"]) == 2
    assert "is a sweep file: --set applies to scenarios only" in capsys.readouterr().err


@pytest.mark.parametrize(("data", "kind"), [
    ({"format": 1, "scenario": "s.yaml", "parameters": {"a": [1]}, "metrics": ["x"]}, "sweep"),
    ({"format": 1, "scenario": "s.yaml", "metrics": ["x"]}, "sweep"),
    ({"format": 1, "observations": [{"id": "a", "event": "capture"}]}, "observations"),
    ({"format": 1, "scenario": "s.yaml", "observations": "obs.yaml", "parameters": {}},
     "calibration"),
    ({"format": 1, "scenario": "s.yaml", "objective": "crps", "parameters": {}}, "calibration"),
    ({"format": 1, "name": "x", "towns": [], "parameters": {}}, "scenario"),
    ({"extends": "base.yaml", "format": 1}, "scenario"),
    (["a", "list"], "scenario"),
])
def test_the_kind_is_told_by_the_keys(data, kind):
    assert detect_kind(data) == kind


def test_validate_checks_the_shipped_observations_and_calibration_files(capsys):
    obs = ROOT / "scenarios" / "observed" / "deir_ez_zor_2017_aug_sep.yaml"
    cal = ROOT / "scenarios" / "calibration" / "deir_ez_zor_2017.yaml"
    assert main(["validate", str(obs)]) == 0
    out = capsys.readouterr().out
    assert f"{obs}: valid observations file: 34 observations" in out
    assert main(["validate", str(cal)]) == 0
    out = capsys.readouterr().out
    assert f"{cal}: valid calibration file: 5 parameters" in out and "32 held out" in out


def test_validate_reports_a_bad_observation_with_its_line(write_yaml, capsys):
    path = write_yaml("format: 1\nname: x\nobservations:\n  - {id: a, date: 2017-09-05}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: observations.a.source: required field is missing" in err
