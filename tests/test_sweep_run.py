"""Running sweeps: identical results on every backend, failures recorded, exact resume."""

import io
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
from builders import DATA, ROOT
from rich.console import Console

from sim.cli import main
from sim.errors import FrontlineError
from sim.sweep.columns import FileRow
from sim.sweep.execute import run_sweep
from sim.sweep.spec import load_sweep
from sim.sweep.store import read_meta, series_path


def quiet() -> Console:
    return Console(file=io.StringIO(), width=100)


def sweep(name, out, **kwargs):
    return run_sweep(load_sweep(DATA / name), out, console=quiet(), progress=False, **kwargs)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: tests/data/sweep_line.yaml run in this process."""
    out = tmp_path_factory.mktemp("serial") / "line.parquet"
    outcome = sweep("sweep_line.yaml", out, workers=1)
    assert outcome.complete and outcome.ran == 18 and outcome.failed == 0
    return out


def test_results_have_one_row_per_run_in_run_order(serial):
    table = pq.read_table(serial)
    plan = load_sweep(DATA / "sweep_line.yaml")
    assert table.column("run").to_pylist() == list(range(18))
    assert table.column("seed").to_pylist() == list(plan.design.seeds)
    assert table.column_names[:6] == ["run", "point", "replicate", "seed",
                                      "factions__blue__rules__conscript__with__rate",
                                      "factions__red__forces__r1__fighters"]
    assert set(table.column("status").to_pylist()) == {"ok"}
    assert set(table.column("closed").to_pylist()) == {"[]"}  # the line has no crossing
    rows = table.to_pylist()
    assert [r["factions__red__forces__r1__fighters"] for r in rows[:9:3]] == [500, 1000, 1500]
    assert not serial.with_name(serial.name + ".parts").exists()
    assert read_meta(serial)["runs"] == 18


def test_a_row_is_the_run_function_of_its_parameters_and_seed(serial):
    from sim.sweep.runner import run_one

    plan = load_sweep(DATA / "sweep_line.yaml")
    row = pq.read_table(serial).to_pylist()[13]
    run = plan.design.run(13)
    again = FileRow(read_meta(serial)["columns"])(
        run_one(str(DATA / "line.yaml"), run.params, run.seed, plan.days, plan.metrics))
    assert "capture_day__e0__red__happened" in again
    assert {k: row[k] for k in again} == again


def test_process_pool_gives_identical_results(serial, tmp_path):
    out = tmp_path / "pool.parquet"
    outcome = sweep("sweep_line.yaml", out, workers=2, chunk_size=2)
    assert outcome.complete and outcome.backend == "on 2 local worker processes"
    assert out.read_bytes() == serial.read_bytes()


def test_dask_local_cluster_gives_identical_results(serial, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "dask.parquet"
    outcome = sweep("sweep_line.yaml", out, workers=2, dask="local", chunk_size=3)
    assert outcome.complete and "Dask LocalCluster" in outcome.backend
    assert out.read_bytes() == serial.read_bytes()


def test_csv_results_hold_the_same_rows(serial, tmp_path):
    out = tmp_path / "line.csv"
    assert sweep("sweep_line.yaml", out, workers=1).complete
    import pyarrow.csv as pacsv

    csv_rows = pacsv.read_csv(out).to_pylist()
    ref = pq.read_table(serial).to_pylist()
    assert len(csv_rows) == len(ref)
    for a, b in zip(csv_rows, ref, strict=True):
        assert a["run"] == b["run"] and a["seed"] == b["seed"]
        assert a["capture_day__e0__red"] == b["capture_day__e0__red"]
        assert a["capture_day__e0__red__happened"] == b["capture_day__e0__red__happened"]
        assert a["casualties__blue"] == pytest.approx(b["casualties__blue"])
    assert read_meta(out)["fingerprint"] == read_meta(serial)["fingerprint"]


def test_failing_runs_are_recorded_and_the_sweep_completes(tmp_path):
    out = tmp_path / "fail.parquet"
    outcome = sweep("sweep_fail.yaml", out, workers=1)
    assert outcome.complete and outcome.ran == 8 and outcome.failed == 2
    rows = pq.read_table(out).to_pylist()
    failed = [r for r in rows if r["status"] == "failed"]
    assert [(r["towns__w1__controller"], r["factions__red__forces__r1__town"]) for r in failed] == \
        [("blue", "w1")] * 2
    for r in failed:
        assert "unit starts in 'w1', held by hostile faction 'blue'" in r["error"]
        assert r["towns_held__red"] is None and r["control"] is None and r["closed"] is None
        assert r["capture_day__mid__happened"] is None  # failed: not "never"
    assert all(r["error"] is None and r["towns_held__red"] >= 1 for r in rows
               if r["status"] == "ok")


def test_each_run_records_the_days_its_crossings_closed_and_opened(tmp_path):
    out = tmp_path / "river.parquet"
    assert sweep("sweep_river.yaml", out, workers=1).complete
    rows = pq.read_table(out).to_pylist()
    # highway 2 is the ferry (blue sinks it on day 4 in every run), 3 the pontoon (closed at
    # the start; 300 sappers build it in 3 days, 600 never start: their rule needs < 500)
    assert [(r["factions__red__forces__sappers__fighters"], json.loads(r["closed"]))
            for r in rows] == [(300, [[0, 3, 1], [4, 2, 1], [4, 3, 0]]),
                               (600, [[0, 3, 1], [4, 2, 1]])]


def test_a_finished_sweep_is_not_run_again(serial, tmp_path):
    out = tmp_path / "again.parquet"
    out.write_bytes(serial.read_bytes())
    outcome = sweep("sweep_line.yaml", out)
    assert outcome.ran == 0 and outcome.already_done == 18 and outcome.complete


def test_other_results_are_never_overwritten(serial, tmp_path):
    out = tmp_path / "other.parquet"
    out.write_bytes(serial.read_bytes())
    with pytest.raises(FrontlineError, match="already exists and holds other results"):
        sweep("sweep_fail.yaml", out)
    assert out.read_bytes() == serial.read_bytes()


def test_a_partial_sweep_of_another_sweep_file_is_refused(tmp_path):
    out = tmp_path / "r.parquet"
    parts = tmp_path / "r.parquet.parts"
    parts.mkdir()
    (parts / "manifest.json").write_text('{"fingerprint": "something else"}')
    with pytest.raises(FrontlineError, match="holds a partial sweep with a different"):
        sweep("sweep_line.yaml", out)


def test_bad_output_name_and_workers(tmp_path):
    with pytest.raises(FrontlineError, match=r"must end in \.parquet or \.csv"):
        sweep("sweep_line.yaml", tmp_path / "r.txt")
    with pytest.raises(FrontlineError, match="--workers must be at least 1"):
        sweep("sweep_line.yaml", tmp_path / "r.parquet", workers=0)


def test_unreachable_dask_scheduler_is_one_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sim.sweep.backends.DASK_CONNECT_TIMEOUT", "1s")
    code = main(["sweep", str(DATA / "sweep_fail.yaml"), "--dask", "tcp://127.0.0.1:9",
                 "--out", str(tmp_path / "r.parquet")])
    assert code == 2
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def _shards(parts):
    return list(parts.glob("runs-*.parquet")) if parts.exists() else []


def test_sweep_killed_mid_run_resumes_without_loss_or_duplicates(tmp_path):
    out = tmp_path / "kill.parquet"
    parts = tmp_path / "kill.parquet.parts"
    cmd = [sys.executable, "-m", "sim", "sweep", str(DATA / "sweep_kill.yaml"), "--workers", "2",
           "--chunk-size", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_shards(parts)) < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, with no warning
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not out.exists()  # no results file until every run is in
    done = sum(pq.read_table(s, columns=["run"]).num_rows for s in _shards(parts))
    assert 0 < done < 240

    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {done} runs already done, {240 - done} to run" in again.stdout
    assert not parts.exists()

    ref = tmp_path / "ref.parquet"
    assert sweep("sweep_kill.yaml", ref, workers=1).complete
    assert out.read_bytes() == ref.read_bytes()
    assert series_path(out).read_bytes() == series_path(ref).read_bytes()
    runs = pq.read_table(out, columns=["run"]).column("run").to_pylist()
    assert runs == list(range(240))
    series = pq.read_table(series_path(out), columns=["run", "day", "faction"]).to_pylist()
    assert len(series) == 240 * 41 * 2
    assert len({tuple(r.values()) for r in series}) == len(series)


def test_leftovers_of_a_kill_between_writes_are_cleaned_up(tmp_path):
    """A temporary file, or a series shard whose runs shard never landed, is discarded."""
    out = tmp_path / "k.parquet"
    plan = load_sweep(DATA / "sweep_kill.yaml")
    from sim.sweep.store import ResultStore, results_schema, sweep_meta

    store = ResultStore(out, sweep_meta(plan), results_schema(plan.params, plan.metrics),
                        plan.series)
    assert store.open() == set()
    (store.parts / "runs-0000000000.parquet.tmp").write_bytes(b"half a file")
    orphan = store.parts / "series-0000000004.parquet"
    orphan.write_bytes(b"whatever")
    assert store.open() == set()
    assert not orphan.exists()
    assert not list(store.parts.glob("*.tmp"))


def test_result_columns_need_no_quoting_in_sql_and_never_is_a_boolean(serial):
    import re
    import sqlite3

    table = pq.read_table(serial)
    meta = read_meta(serial)
    assert [c["column"] for c in meta["columns"]] == table.column_names
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", c) for c in table.column_names)
    assert {c["column"]: c["path"] for c in meta["columns"]}[
        "control_day__mid_and_e1__red"] == "control_day.mid+e1.red"
    field = table.schema.field("factions__red__forces__r1__fighters")
    assert field.metadata == {b"path": b"factions.red.forces.r1.fighters", b"role": b"parameter"}
    rows = table.to_pylist()
    day, happened = "capture_day__e0__red", "capture_day__e0__red__happened"
    assert {(r[day] is None, r[happened]) for r in rows} == {(True, False), (False, True)}
    assert "holder__mid__happened" not in table.column_names  # day metrics only
    # a naive SQL query, no quoting: "never" is a false flag, not a day
    db = sqlite3.connect(":memory:")
    names = table.column_names
    db.execute(f"CREATE TABLE results ({', '.join(names)})")
    db.executemany(f"INSERT INTO results VALUES ({', '.join('?' * len(names))})",
                   [tuple(r[c] for c in names) for r in rows])
    never = db.execute("SELECT count(*) FROM results WHERE NOT capture_day__e0__red__happened"
                       ).fetchone()[0]
    assert never == sum(r[day] is None for r in rows) > 0
    mean = db.execute("SELECT avg(capture_day__e0__red) FROM results WHERE "
                      "capture_day__e0__red__happened").fetchone()[0]
    assert mean == pytest.approx(np.mean([r[day] for r in rows if r[day] is not None]))
