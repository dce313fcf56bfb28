"""Calibration: file checks, the calibrated variant, a synthetic truth recovered, kill + resume."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from builders import DATA, ROOT

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.validate.calibfile import load_calibration
from sim.validate.calibout import variant_patch

TRUE_SPEED = 15.0  # km/day: the synthetic truth
SPEED = "factions.red.forces.r1.speed_km_day"


def truth_observations(path: Path, seed: int = 1) -> Path:
    """Observations of one run of line.yaml at the true speed: when red took each town."""
    from sim.model import TerritoryModel

    model = TerritoryModel(DATA / "line.yaml", seed=seed, overrides={SPEED: TRUE_SPEED})
    model.run()
    obs, seen = [], set()
    for ev in model.events:
        if ev.kind == "capture" and ev.faction == "red" and ev.town not in seen:
            seen.add(ev.town)
            obs.append({"id": ev.town, "date": ev.date.isoformat(), "event": "capture",
                        "town": ev.town, "by": "red", "source": f"run at {TRUE_SPEED}"})
    assert len(obs) >= 2
    path.write_text(yaml.safe_dump({"format": 1, "name": "truth",
                                    "observations": obs}, sort_keys=False))
    return path


def calibration(tmp_path: Path, **extra) -> Path:
    truth_observations(tmp_path / "truth.yaml")
    data = {"format": 1, "name": "speed", "scenario": str(DATA / "line.yaml"),
            "observed": "truth.yaml", "days": 14, "seed": 3, "runs": 2, "trials": 24,
            "parameters": {SPEED: {"low": 5, "high": 60}}, **extra}
    path = tmp_path / "calib.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_calibration_file_problems_are_located(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(f"format: 1\nname: c\nscenario: {DATA / 'line.yaml'}\n"
                    f"observed: {DATA / 'obs_line.yaml'}\n"
                    "parameters:\n"
                    "  factions.red.forces.r2.speed_km_day: {low: 5, high: 60}\n"
                    "  simulation.combat.kill_rate: {low: 0.5, high: 0.1}\n"
                    "  simulation.days: {low: 5, high: 10}\n"
                    "  factions.red.forces.r1.fighters: {low: -100, high: 10, integer: true}\n")
    with pytest.raises(ScenarioError) as info:
        load_calibration(path)
    got = [str(p) for p in info.value.problems]
    assert got[0] == (f"{path}:6: parameters.factions.red.forces.r2.speed_km_day: "
                      "factions.red.forces has no item with id 'r2'")
    assert got[1] == (f"{path}:7: parameters.simulation.combat.kill_rate: need finite low < "
                      "high, got low 0.5, high 0.1")
    assert got[2] == (f"{path}:8: parameters.simulation.days: cannot be fitted: set the days "
                      "with the calibration's days: field")
    assert got[3].startswith(f"{path}:9: parameters.factions.red.forces.r1.fighters: value -100 "
                             "makes the scenario invalid: factions.red.forces.r1.fighters:")
    assert len(got) == 4


def test_variant_patch_writes_ids_and_loads_to_the_same_scenario(tmp_path):
    base = load_scenario(DATA / "line.yaml")
    data = base.scenario.model_dump(by_alias=True, mode="json", exclude_none=True)
    values = {SPEED: 12.5, "simulation.combat.kill_rate": 0.07,
              "factions.blue.rules.conscript.with.rate": 0.01, "towns[2].garrison": 333}
    patch = variant_patch(data, values)
    assert patch["factions"] == [
        {"id": "red", "forces": [{"id": "r1", "speed_km_day": 12.5}]},
        {"id": "blue", "rules": [{"id": "conscript", "with": {"rate": 0.01}}]}]
    assert patch["towns"] == [{"id": "mid", "garrison": 333}]
    (tmp_path / "v.yaml").write_text(yaml.safe_dump({"extends": str(DATA / "line.yaml"),
                                                     **patch}))
    got = load_scenario(tmp_path / "v.yaml").scenario
    assert got == load_scenario(DATA / "line.yaml", values).scenario


def test_synthetic_truth_is_recovered(tmp_path, capsys):
    # Marching speed sets the capture days: 24 TPE trials of 2 runs find a speed whose runs
    # reproduce them; the tolerance is the band of speeds giving the same days (about +-20 %)
    calib = calibration(tmp_path)
    out = tmp_path / "out"
    assert main(["calibrate", str(calib), "--workers", "1", "--out", str(out)]) == 0
    fit = json.loads((out / "fit.json").read_text())
    p = fit["parameters"][SPEED]
    assert fit["best_value"] == 0.0
    assert abs(p["best"] - TRUE_SPEED) <= 0.25 * TRUE_SPEED
    assert p["low"] <= TRUE_SPEED * 1.05 and p["high"] >= TRUE_SPEED * 0.95
    after = json.loads((out / "score_after.json").read_text())
    before = json.loads((out / "score_before.json").read_text())
    assert after["mean_crps"] == 0.0 < before["mean_crps"]
    # the calibrated variant loads and carries the best speed
    s = load_scenario(out / "calibrated.yaml").scenario
    assert s.factions[0].forces[0].speed_km_day == p["best"]
    rows = (out / "trials.csv").read_text().splitlines()
    assert len(rows) == 25 and rows[0].startswith("number,state,value," + SPEED)
    for name in ("history.png", "trials.parquet", "score_before.png"):
        assert (out / name).stat().st_size > 0


@pytest.mark.slow
def test_synthetic_truth_is_recovered_with_two_parameters_and_cmaes(tmp_path):
    calib = calibration(tmp_path, trials=120, runs=4, method="cmaes", parameters={
        SPEED: {"low": 5, "high": 60}, "simulation.combat.kill_rate": {"low": 0.02,
                                                                        "high": 0.08}})
    out = tmp_path / "out"
    assert main(["calibrate", str(calib), "--workers", "2", "--out", str(out)]) == 0
    p = json.loads((out / "fit.json").read_text())["parameters"][SPEED]
    assert abs(p["best"] - TRUE_SPEED) <= 0.25 * TRUE_SPEED


def test_a_failing_trial_is_recorded_and_the_study_goes_on(tmp_path):
    # each end of each range is valid, but a slider's min above its max is not: those trials'
    # runs fail to load, are recorded as failed, and the others complete
    scenario = yaml.safe_load((DATA / "line.yaml").read_text())
    scenario["tunables"] = [{"path": "simulation.combat.kill_rate", "label": "kill rate",
                             "min": 0.02, "max": 0.05, "step": 0.01}]
    (tmp_path / "line_t.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    calib = calibration(tmp_path, trials=10, method="random", scenario="line_t.yaml",
                        parameters={"tunables[0].min": {"low": 0.01, "high": 0.049},
                                    "tunables[0].max": {"low": 0.021, "high": 0.06}})
    out = tmp_path / "out"
    assert main(["calibrate", str(calib), "--workers", "1", "--out", str(out),
                 "--no-scores"]) == 0
    import pandas as pd

    t = pd.read_csv(out / "trials.csv")
    bad = t["tunables[0].min"] >= t["tunables[0].max"]
    assert len(t) == 10 and bad.any() and (~bad).any()
    assert (t.loc[bad, "state"] == "FAIL").all() and (t.loc[~bad, "state"] == "COMPLETE").all()
    assert t.loc[bad, "error"].str.startswith("ScenarioError").all()


def _complete(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=30) as con:
        try:
            return con.execute("select count(*) from trials where state = 'COMPLETE'"
                               ).fetchone()[0]
        except sqlite3.OperationalError:  # tables not created yet
            return 0


def test_a_killed_calibration_resumes_and_loses_nothing(tmp_path):
    calib = calibration(tmp_path, trials=500)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sim", "calibrate", str(calib), "--workers", "1", "--out",
           str(out), "--no-scores"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while _complete(out / "study.db") < 4 and time.monotonic() < deadline:
        assert proc.poll() is None, "the calibration ended before it could be killed"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    import optuna

    before = {t.number: (t.state.name, t.params, t.value)
              for t in optuna.load_study(study_name="frontline",
                                         storage=f"sqlite:///{out / 'study.db'}").trials}
    done = [n for n, (s, _, _) in before.items() if s == "COMPLETE"]
    assert len(done) >= 4
    target = len(before) + 3
    res = subprocess.run([*cmd[:-1], "--no-scores", "--trials", str(target)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    after = optuna.load_study(study_name="frontline", storage=f"sqlite:///{out / 'study.db'}")
    trials = {t.number: t for t in after.trials}
    for n in done:  # every trial finished before the kill is there, unchanged
        assert (trials[n].state.name, trials[n].params, trials[n].value) == before[n]
    for n, (state, params, _) in before.items():
        if state == "RUNNING":  # interrupted: failed, and its parameters run again
            assert trials[n].state.name == "FAIL"
            assert trials[n].user_attrs["error"] == "interrupted (re-queued)"
            if params:
                again = [t for t in after.trials if t.user_attrs.get("requeued_from") == n]
                assert again and again[0].params == params and again[0].state.name == "COMPLETE"
    finished = [t for t in after.trials if t.state.name in ("COMPLETE", "FAIL")]
    assert len(finished) == target
    assert (out / "calibrated.yaml").exists()


def test_another_calibration_in_the_same_folder_is_refused(tmp_path, capsys):
    calib = calibration(tmp_path, trials=2)
    out = tmp_path / "out"
    assert main(["calibrate", str(calib), "--workers", "1", "--out", str(out),
                 "--no-scores"]) == 0
    other = calibration(tmp_path, trials=2, seed=4)
    assert main(["calibrate", str(other), "--workers", "1", "--out", str(out)]) == 2
    assert "holds a different calibration" in capsys.readouterr().err



def test_shipped_example_files_load():
    # the example calibration, its observations (checked against the default scenario) and
    # the sensitivity sweeps are valid as shipped
    from sim.sweep.spec import load_sweep

    plan = load_calibration(ROOT / "scenarios" / "calibration" / "deir_ez_zor_2017.yaml")
    assert (plan.days, plan.held_out_days, plan.spec.runs) == (44, 120, 8)
    assert len(plan.params) == 5
    assert plan.held_out is not None and plan.held_out.scorable
    # the scenario of 8 Aug has every town and faction the observations name
    assert len(plan.observed.scorable) == len(plan.observed.observations)
    for name, design in (("morris_screening", "morris"), ("sobol_indices", "saltelli")):
        sweep = load_sweep(ROOT / "scenarios" / "sweeps" / f"{name}.yaml")
        assert sweep.spec.design == design
