"""Morris and Sobol indices through the sweep machinery: designs, known answers, the report."""

import io
import math

import numpy as np
import pandas as pd
import pytest
from builders import DATA
from rich.console import Console

from sim.cli import main
from sim.errors import ScenarioError
from sim.sweep.design import ParamDef, build_design, count_points, unit_design
from sim.sweep.execute import run_sweep
from sim.sweep.report import report
from sim.sweep.sensitivity import COLUMNS, sensitivity
from sim.sweep.spec import load_sweep

PI = math.pi


def ishigami(x1, x2, x3, a=7.0, b=0.1):
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def results_of(params, method, samples, seed, fn, kind="amount", replicates=1):
    """The meta and results table a sweep of ``fn`` would leave, built by the sweep's design."""
    design = build_design(tuple(params), method, samples, replicates, seed, "common")
    rows = []
    for run in design.runs():
        x = [run.params[p.path] for p in params]
        rows.append({"run": run.index, "point": run.point, "replicate": run.replicate,
                     "seed": run.seed, "status": "ok", "error": None, **run.params,
                     "y": fn(*x)})
    meta = {"design": method, "points": len(design.points), "seed": seed, "days": 100,
            "parameters": [{"path": p.path} for p in params],
            "metrics": [{"column": "y", "metric": "m", "kind": kind}]}
    return meta, pd.DataFrame(rows)


def ranges(*names, low=-PI, high=PI):
    return [ParamDef(n, low=low, high=high) for n in names]


def test_designs_have_salib_shapes_and_are_seeded():
    params = ranges("a", "b", "c")
    assert count_points(params, 10, "morris") == 40
    assert count_points(params, 8, "saltelli") == 40
    a = build_design(tuple(params), "saltelli", 8, 2, 5, "common")
    assert len(a.points) == 40 and a.n_runs == 80
    assert a.points == build_design(tuple(params), "saltelli", 8, 2, 5, "common").points
    assert a.points != build_design(tuple(params), "saltelli", 8, 2, 6, "common").points
    m = unit_design(3, "morris", 10, 5)
    # each trajectory moves one parameter at a time by the 4-level step 2/3
    steps = np.abs(np.diff(m.reshape(10, 4, 3), axis=1))
    assert np.allclose(np.sort(steps, axis=2)[:, :, :2], 0)
    assert np.allclose(steps.max(axis=2), 2 / 3)


def test_sobol_indices_of_ishigami_match_the_analytic_values():
    meta, df = results_of(ranges("x1", "x2", "x3"), "saltelli", 1024, 1, ishigami)
    t = sensitivity(meta, df).set_index("parameter")
    # Ishigami (a=7, b=0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    assert t["S1"].tolist() == pytest.approx([0.314, 0.442, 0.0], abs=0.05)
    assert t["ST"].tolist() == pytest.approx([0.558, 0.442, 0.244], abs=0.05)
    assert (t["S1_low"] <= t["S1"]).all() and (t["S1"] <= t["S1_high"]).all()
    assert sorted(t.reset_index().columns) == sorted(COLUMNS)


def test_morris_indices_of_a_linear_function_are_exact_and_rank_ishigami():
    params = [ParamDef("a", low=0, high=10), ParamDef("b", low=5, high=6)]
    meta, df = results_of(params, "morris", 6, 3, lambda a, b: 2 * a + 0 * b)
    t = sensitivity(meta, df).set_index("parameter")
    # a moves 2 units per unit of a: 20 over its range of 10, the same everywhere
    assert t.loc["a", "mu_star"] == pytest.approx(20)
    assert t.loc["a", "sigma"] == pytest.approx(0)
    assert t.loc["b", "mu_star"] == pytest.approx(0)
    meta, df = results_of(ranges("x1", "x2", "x3"), "morris", 200, 3, ishigami)
    t = sensitivity(meta, df).set_index("parameter")
    # x3 acts only through its interaction with x1: effects of both signs, mu near 0
    assert abs(t.loc["x3", "mu"]) < 0.5 * t.loc["x3", "mu_star"]
    assert t.loc["x3", "sigma"] > t.loc["x3", "mu_star"]
    assert t.loc["x2", "mu_star"] > t.loc["x3", "mu_star"]


def test_never_is_censored_and_a_missing_point_gives_no_indices():
    params = ranges("a", "b", low=0, high=1)
    meta, df = results_of(params, "saltelli", 8, 0, lambda a, b: 5.0 if a > 0.5 else None,
                          kind="day")
    t = sensitivity(meta, df).set_index("parameter")
    assert t.loc["a", "ST"] > 0.9 and t.loc["b", "ST"] == pytest.approx(0, abs=1e-9)
    df.loc[0, "status"] = "failed"
    assert sensitivity(meta, df)["ST"].isna().all()


def test_sensitivity_designs_refuse_listed_parameters_and_bad_sample_sizes(tmp_path):
    text = (DATA / "sweep_morris.yaml").read_text().replace(
        "{low: 0.02, high: 0.08}", "[0.03, 0.05]").replace("scenario: line.yaml",
                                                          f"scenario: {DATA / 'line.yaml'}")
    bad = tmp_path / "m.yaml"
    bad.write_text(text.replace("design: morris", "design: saltelli"))
    with pytest.raises(ScenarioError) as info:
        load_sweep(bad)
    got = [str(p) for p in info.value.problems]
    assert any("simulation.combat.kill_rate: design: saltelli varies every parameter" in g
               for g in got)
    assert any("samples: a Sobol design needs a power of 2 samples" in g for g in got)


def test_a_morris_sweep_reports_its_indices(tmp_path):
    out = tmp_path / "m.parquet"
    assert run_sweep(load_sweep(DATA / "sweep_morris.yaml"), out, workers=1,
                     console=Console(file=io.StringIO()), progress=False).complete
    buf = io.StringIO()
    files = report(out, tmp_path / "rep", Console(file=buf, width=200))
    names = {f.name for f in files}
    assert {"sensitivity.csv", "sensitivity__capture_day_e0_red.png",
            "sensitivity__casualties_red.png"} <= names
    t = pd.read_csv(tmp_path / "rep" / "sensitivity.csv")
    assert list(t.columns) == list(COLUMNS)
    assert set(t["metric"]) == {"capture_day.e0.red", "casualties.red"}  # no faction metric
    assert (t["method"] == "morris").all() and t["mu_star"].notna().all()
    assert "sensitivity: Morris mu*" in buf.getvalue()


def test_report_refuses_results_without_the_expected_columns(tmp_path, capsys):
    out = tmp_path / "m.parquet"
    run_sweep(load_sweep(DATA / "sweep_morris.yaml"), out, workers=1,
              console=Console(file=io.StringIO()), progress=False)
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    pq.write_table(table.drop(["status", "casualties__red"]), tmp_path / "cut.parquet")
    assert main(["report", str(tmp_path / "cut.parquet")]) == 2
    err = capsys.readouterr().err
    assert ("not complete sweep results: no column 'status', 'casualties__red' "
            "(casualties.red)") in err
    assert "Traceback" not in err


def test_report_refuses_edited_metadata(tmp_path, capsys):
    import json

    out = tmp_path / "m.csv"
    run_sweep(load_sweep(DATA / "sweep_morris.yaml"), out, workers=1,
              console=Console(file=io.StringIO()), progress=False)
    meta_file = tmp_path / "m.meta.json"
    meta = json.loads(meta_file.read_text())
    del meta["design"]
    meta["metrics"][0].pop("kind")
    meta_file.write_text(json.dumps(meta))
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the sweep metadata has no valid 'design' (expected str)" in err
    assert "Traceback" not in err
