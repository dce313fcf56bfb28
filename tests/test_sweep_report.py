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
from sim.sweep.columns import renames
from sim.sweep.execute import run_sweep
from sim.sweep.report import report
from sim.sweep.spec import load_sweep
from sim.sweep.store import read_meta

PNG = b"\x89PNG\r\n\x1a\n"


def dotted_rows(results):
    """The results file's rows, its SQL-safe columns renamed to dotted names by its metadata."""
    table = pq.read_table(results)
    names = renames(read_meta(results))
    return table.rename_columns([names.get(c, c) for c in table.column_names]).to_pylist()


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
    table = dotted_rows(results)
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
    table = dotted_rows(results)
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


def test_results_written_before_sql_names_still_report(results, tmp_path):
    """A file with dotted columns and no ``columns`` in its metadata (older frontline)."""
    import json

    from sim.sweep.store import META_KEY

    meta = read_meta(results)
    names = renames(meta)
    del meta["columns"]
    table = pq.read_table(results)
    keep = [c for c in table.column_names if not c.endswith("__happened")]
    old = table.select(keep).rename_columns([names.get(c, c) for c in keep])
    old = old.replace_schema_metadata({META_KEY: json.dumps(meta)})
    pq.write_table(old, tmp_path / "old.parquet")
    report(old_path := tmp_path / "old.parquet", tmp_path / "old-rep",
           Console(file=io.StringIO(), width=200))
    report(results, tmp_path / "new-rep", Console(file=io.StringIO(), width=200))
    assert old_path.exists()
    assert (tmp_path / "old-rep" / "summary.csv").read_text() == \
        (tmp_path / "new-rep" / "summary.csv").read_text()


def test_observed_events_are_marked_on_the_report(results, tmp_path):
    """--observed: the events within the runs, matched to the metrics they date, with shares."""
    import json
    import re

    out = tmp_path / "obs-rep"
    assert main(["report", str(results), "--out", str(out), "--observed",
                 str(DATA / "obs_line.yaml")]) == 0
    page = (out / "report.html").read_text()
    doc = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    obs = {o["id"]: o for o in doc["observed"]}
    assert sorted(obs) == ["blue_conscripts", "e0_falls", "e1_blue", "mid_falls"]
    assert obs["e0_falls"]["metrics"] == ["capture_day.e0.red"]  # a capture by anyone
    assert obs["mid_falls"]["metrics"] == []  # the sweep records no capture of mid
    assert (obs["mid_falls"]["day"], obs["mid_falls"]["uncertainty"]) == (3, 1)
    rows = dotted_rows(results)
    e0 = [r["capture_day.e0.red"] for r in rows]
    assert obs["e0_falls"]["share"] == round(sum(d is not None and d <= 19 for d in e0) / 18, 3)

    def red_holds_mid_on_day_3(control):
        return [h for d, h in json.loads(control)["mid"] if d <= 3][-1] == "red"

    assert obs["mid_falls"]["share"] == round(
        sum(red_holds_mid_on_day_3(r["control"]) for r in rows) / 18, 3)
    assert obs["blue_conscripts"]["share"] is None  # no metric dates it
    from sim.sweep.plots import slug

    png = out / f"{slug('capture_day.e0.red')}__{slug('factions.red.forces.r1.fighters')}.png"
    plain = tmp_path / "plain-rep"
    report(results, plain, Console(file=io.StringIO(), width=200))
    assert png.read_bytes() != (plain / png.name).read_bytes()  # the observed line is drawn
    control = "control_by_day.png"
    assert (out / control).read_bytes() != (plain / control).read_bytes()


def test_an_invalid_observations_file_is_refused_before_writing(results, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nname: x\nobservations:\n  - {id: a, date: 2020-01-02, "
                   "event: capture, town: nowhere, source: test}\n")
    assert main(["report", str(results), "--out", str(tmp_path / "r"),
                 "--observed", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:4" in err and "nowhere" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()
