"""Sweep paths that name the same value are refused; dates are stored as text (issue 13 1, 4)."""

import datetime as dt

import pyarrow.parquet as pq
import pytest
import yaml
from builders import DATA

from sim.cli import main
from sim.errors import ScenarioError
from sim.sweep.spec import load_sweep

BASE = {"format": 1, "name": "t", "scenario": str(DATA / "line.yaml"), "days": 3,
        "metrics": [{"metric": "towns_held", "faction": "red"}]}


def write(tmp_path, **fields):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({**BASE, **fields}, sort_keys=False))
    return path


def messages(path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_an_index_and_an_id_for_the_same_value(tmp_path):
    path = write(tmp_path, parameters={"factions.red.forces.r1.fighters": [500, 3000],
                                       "factions.red.forces[0].fighters": [500, 3000]})
    assert messages(path) == [
        "parameters.factions.red.forces[0].fighters: names the same value as "
        "parameters.factions.red.forces.r1.fighters (both are "
        "factions.red.forces.r1.fighters): each value can be given in one place only"]


def test_a_path_beside_its_parent(tmp_path):
    unit = {"id": "r1", "name": "x", "town": "w0", "fighters": 100}
    path = write(tmp_path, parameters={"factions.red.forces.r1": [unit],
                                       "factions.red.forces.r1.fighters": [500, 3000]})
    assert messages(path) == [
        "parameters.factions.red.forces.r1.fighters: is inside "
        "parameters.factions.red.forces.r1 (factions.red.forces.r1 holds "
        "factions.red.forces.r1.fighters): each value can be given in one place only"]


def test_set_by_index_what_a_parameter_names_by_id(tmp_path):
    path = write(tmp_path, set={"factions.blue.rules[0].with.rate": 0.3},
                 parameters={"factions.blue.rules.conscript.with.rate": [0.0, 0.1]})
    assert messages(path) == [
        "parameters.factions.blue.rules.conscript.with.rate: names the same value as "
        "set.factions.blue.rules[0].with.rate (both are "
        "factions.blue.rules.conscript.with.rate): each value can be given in one place only"]


def test_the_same_text_twice_across_set_and_parameters(tmp_path):
    path = write(tmp_path, set={"simulation.combat.noise": 0.1},
                 parameters={"simulation.combat.noise": [0.0, 0.2]})
    assert messages(path) == [
        "parameters.simulation.combat.noise: names the same value as "
        "set.simulation.combat.noise: each value can be given in one place only"]


def test_the_cli_refuses_an_overlap_with_exit_2(tmp_path, capsys):
    path = write(tmp_path, parameters={"factions.red.forces.r1.fighters": [500],
                                       "factions.red.forces[0].fighters": [3000]})
    assert main(["sweep", str(path), "--workers", "1", "--out", str(tmp_path / "r.parquet")]) == 2
    assert "names the same value" in capsys.readouterr().err
    assert not (tmp_path / "r.parquet").exists()


def test_distinct_values_side_by_side_are_fine(tmp_path):
    plan = load_sweep(write(tmp_path, parameters={
        "factions.red.forces.r1.fighters": [500], "factions.red.forces.r1.morale": [0.5],
        "factions.blue.rules[1].enabled": [True]}))
    assert len(plan.params) == 3


def test_a_start_date_swept_and_set_runs_and_is_stored_as_text(tmp_path, capsys):
    path = write(tmp_path, set={"simulation.start_date": dt.date(2020, 3, 1)},
                 parameters={"factions.red.forces.r1.fighters": [500, 1000]})
    plan = load_sweep(path)
    assert plan.constants == {"simulation.start_date": "2020-03-01"}
    out = tmp_path / "r.parquet"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 0
    swept = write(tmp_path, parameters={"simulation.start_date": [dt.date(2020, 1, 1),
                                                                  dt.date(2020, 2, 1)]})
    plan = load_sweep(swept)
    assert plan.params[0].values == ("2020-01-01", "2020-02-01")
    out = tmp_path / "r2.parquet"
    assert main(["sweep", str(swept), "--workers", "1", "--out", str(out)]) == 0
    table = pq.read_table(out).to_pydict()
    assert table["simulation__start_date"] == ["2020-01-01", "2020-02-01"]


def test_a_fifo_as_the_sweeps_scenario_is_refused_at_once(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    path = write(tmp_path, scenario="pipe.yaml")
    assert messages(path) == [
        f"scenario: scenario file is a FIFO (named pipe), not a regular file (looked for "
        f"{tmp_path / 'pipe.yaml'})"]
