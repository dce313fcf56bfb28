"""frontline report: summary tables from the results, and the plots."""

import csv
import io

import numpy as np
import pyarrow.parquet as pq
import pytest
from builders import DATA
from rich.console import Console

from sim.cli import main
from sim.errors import FrontlineError
from sim.sweep.execute import run_sweep
from sim.sweep.report import report
from sim.sweep.spec import load_sweep

PNG = b"\x89PNG\r\n\x1a\n"


def run(name, out):
    assert run_sweep(load_sweep(DATA / name), out, workers=1, console=Console(file=io.StringIO()),
                     progress=False).complete
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run("sweep_line.yaml", tmp_path_factory.mktemp("line") / "line.parquet")


@pytest.fixture(scope="module")
def reported(results, tmp_path_factory):
    """The report of the results: (printed text, files written, output directory)."""
    buf = io.StringIO()
    out = tmp_path_factory.mktemp("rep")
    files = report(results, out, Console(file=buf, width=200))
    return buf.getvalue(), files, out


def test_report_prints_tables_and_writes_plots(reported):
    text, files, _ = reported
    assert "line test: 18 runs of 'line', 20 days from 2020-01-01; 6 points x 3 replicates" \
        in text
    assert "18 ok, 0 failed" in text and "no failed runs" in text
    for m in ("capture_day.e0.red (capture_day)", "holder.mid (holder)",
              "casualties.blue (casualties)"):
        assert m in text
    names = {f.name for f in files}
    params = ("factions_blue_rules_conscript_with_rate", "factions_red_forces_r1_fighters")
    for metric in ("capture_day_e0_red", "control_day_mid_e1_red", "holder_mid",
                   "towns_held_red", "towns_held_blue", "casualties_blue"):
        for p in params:
            assert f"{metric}__{p}.png" in names
    assert {"summary.csv", "control_by_day.png",
            f"control_by_day__{params[0]}_0_0.png", f"control_by_day__{params[0]}_0_05.png"} \
        <= names
    for f in files:
        assert f.exists() and f.stat().st_size > 0
        if f.suffix == ".png":
            assert f.read_bytes().startswith(PNG)


def test_summary_numbers_are_the_runs_statistics(results, reported):
    rows = list(csv.DictReader(io.StringIO((reported[2] / "summary.csv").read_text())))
    table = pq.read_table(results).to_pylist()
    rate, fighters = "factions.blue.rules.conscript.with.rate", "factions.red.forces.r1.fighters"
    for r in rows:
        runs = [t for t in table if t["point"] == int(r["point"])]
        assert len(runs) == 3 == int(r["runs"])
        assert float(r[rate]) == runs[0][rate] and int(r[fighters]) == runs[0][fighters]
        values = [t[r["metric"]] for t in runs]
        if r["metric"] == "casualties.blue":
            assert float(r["mean"]) == pytest.approx(np.mean(values))
            assert float(r["q50"]) == pytest.approx(np.median(values))
        if r["metric"] == "capture_day.e0.red":
            happened = [v for v in values if v is not None]
            assert float(r["P(by day 20)"]) == pytest.approx(len(happened) / 3)
            if len(happened) >= 2:  # the median counts "never" as later than any day
                assert float(r["q50"]) == sorted(happened)[1]
            else:
                assert float(r["q50"]) == np.inf
        if r["metric"] == "holder.mid":
            assert float(r["share red"]) == pytest.approx(values.count("red") / 3)


def test_report_counts_failures(tmp_path):
    res = run("sweep_fail.yaml", tmp_path / "fail.parquet")
    buf = io.StringIO()
    files = report(res, tmp_path / "rep", Console(file=buf, width=200))
    text = buf.getvalue()
    assert "6 ok, 2 failed" in text
    assert "failures: 2 of 8 runs" in text
    assert "ScenarioError: 1 problem found:" in text
    failures = list(csv.DictReader(io.StringIO((tmp_path / "rep" / "failures.csv").read_text())))
    assert [f["towns.w1.controller"] for f in failures] == ["blue", "blue"]
    assert any(f.name == "failures.csv" for f in files)


def test_report_on_sampled_design_summarises_with_correlations(tmp_path):
    res = run("sweep_lhs.yaml", tmp_path / "lhs.csv")
    buf = io.StringIO()
    files = report(res, tmp_path / "rep", Console(file=buf, width=250))
    text = buf.getvalue()
    assert "capture_day.e0.red" in text
    names = {f.name for f in files}
    assert "capture_day_e0_red__factions_red_forces_r1_fighters.png" in names
    assert "capture_day_e0_red__simulation_combat_kill_rate.png" in names


def test_report_via_cli_and_bad_input(results, tmp_path, capsys):
    assert main(["report", str(results), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "control_by_day.png").exists()
    assert main(["report", str(tmp_path / "missing.parquet")]) == 2
    assert "results file not found" in capsys.readouterr().err
    bogus = tmp_path / "bogus.parquet"
    pq.write_table(pq.read_table(results).replace_schema_metadata(None), bogus)
    with pytest.raises(FrontlineError, match="not a frontline sweep results file"):
        report(bogus, tmp_path / "r2", Console(file=io.StringIO()))


def test_by_day_gives_the_probability_of_a_deadline(results, tmp_path):
    files = report(results, tmp_path / "rep", Console(file=io.StringIO(), width=200), by_day=6)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "rep" / "summary.csv").read_text())))
    table = pq.read_table(results).to_pylist()
    checked = 0
    for r in rows:
        if r["metric"] != "capture_day.e0.red":
            continue
        values = [t["capture_day.e0.red"] for t in table if t["point"] == int(r["point"])]
        assert float(r["P(by day 6)"]) == pytest.approx(
            sum(v is not None and v <= 6 for v in values) / len(values))
        checked += 1
    assert checked == 6
    assert any(0 < float(r["P(by day 6)"]) < float(r["P(by day 20)"]) for r in rows
               if r["metric"] == "capture_day.e0.red")  # the deadline matters here
    assert len(files) > 10


def test_many_points_get_an_overall_table_and_sensitivities(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.sweep.report.MAX_POINT_ROWS", 4)
    res = run("sweep_lhs.yaml", tmp_path / "lhs.parquet")
    buf = io.StringIO()
    files = report(res, tmp_path / "rep", Console(file=buf, width=250))
    text = buf.getvalue()
    assert "metrics over all 32 runs" in text
    assert "sensitivity: Spearman rank correlation" in text
    overall = list(csv.DictReader(io.StringIO((tmp_path / "rep" / "overall.csv").read_text())))
    assert [r["metric"] for r in overall] == ["capture_day.e0.red", "towns_held.red",
                                               "towns_held.blue"]
    rho = float(overall[0]["rho r1 fighters"])
    assert -1 <= rho < 0  # a stronger brigade takes East 0 sooner
    assert any(f.name == "overall.csv" for f in files)
