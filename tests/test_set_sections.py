"""``--set`` (and sweeps, variants' tunables) into an optional section the file leaves out."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml
from builders import DATA, ROOT

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.problems import Problems, SourceMap
from sim.sweep.paths import check_path


def test_set_creates_a_factions_missing_air_block():
    air = load_scenario(DATA / "line.yaml", {"factions.red.air.sorties_per_day": 10}) \
        .scenario.factions[0].air
    assert air is not None and air.sorties_per_day == 10
    assert air.effect_per_sortie == type(air).model_fields["effect_per_sortie"].default


def test_set_creates_a_garrison_policy_field_by_field():
    g = load_scenario(DATA / "line.yaml", {"factions.blue.garrison.fighters": 80,
                                           "factions.blue.garrison.release_km": 20}) \
        .scenario.factions[1].garrison
    assert g is not None and (g.fighters, g.release_km) == (80, 20)


def test_a_created_section_that_is_incomplete_is_reported_at_the_set():
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "line.yaml", {"factions.blue.garrison.release_km": 20})
    assert [str(p) for p in info.value.problems] == [
        "--set: factions.blue.garrison: give exactly one of share, fighters and threat_share"]


@pytest.mark.parametrize(("path", "message"), [
    ("factions.red.airr.sorties_per_day", "factions.red has no 'airr' (did you mean 'air'?)"),
    ("factions.red.air.sortie_per_day", "unknown field (did you mean 'sorties_per_day'?)"),
    ("factions.red.flows.f1.per_day",
     "factions.red has no flows yet; give the whole list (factions.red.flows=[...])"),
    ("factions.red.name.x", "factions.red.name is a single value; it has no 'x'"),
])
def test_unknown_or_impossible_paths_are_still_refused(path, message):
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "line.yaml", {path: 1})
    (problem,) = info.value.problems
    assert problem.file == "--set" and problem.message == message


def test_the_command_line_refuses_with_exit_2_and_accepts_the_section():
    def run(assignment: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sim", "validate", str(DATA / "line.yaml"),
                               "--set", assignment], capture_output=True, text=True, cwd=ROOT)

    ok = run("factions.red.air.sorties_per_day=10")
    assert ok.returncode == 0, ok.stderr
    bad = run("factions.red.airr.sorties_per_day=10")
    assert bad.returncode == 2 and "did you mean 'air'?" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_sweep_parameter_may_name_a_missing_section():
    base = yaml.safe_load((DATA / "line.yaml").read_text())
    problems = Problems(SourceMap([("sweep.yaml", {})]))
    assert check_path("factions.red.air.sorties_per_day", copy.deepcopy(base), ("p",), problems)
    assert not check_path("factions.red.airr.sorties_per_day", base, ("q",), problems)
    assert [p.message for p in problems.items] == [
        "factions.red has no 'airr' (did you mean 'air'?)"]


def test_a_variants_tunable_may_name_a_missing_section(tmp_path):
    variant = tmp_path / "v.yaml"
    variant.write_text(yaml.safe_dump({
        "extends": str(DATA / "line.yaml"),
        "tunables": [{"path": "factions.red.air.sorties_per_day", "label": "Sorties",
                      "min": 0, "max": 40, "step": 5}]}))
    loaded = load_scenario(variant, {"factions.red.air.sorties_per_day": 15})
    assert loaded.scenario.factions[0].air is not None
    assert loaded.scenario.factions[0].air.sorties_per_day == 15


def test_set_fills_a_section_the_file_gives_as_null():
    data = yaml.safe_load((DATA / "line.yaml").read_text())
    data["factions"][0]["garrison"] = None
    g = load_scenario(data, {"factions.red.garrison.fighters": 40}).scenario.factions[0].garrison
    assert g is not None and g.fighters == 40
