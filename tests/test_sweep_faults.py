"""Faults in sweeps (issue #6): killed workers, a sweep killed again and again, a full disk.

Whatever fails, no finished run is lost or duplicated, every shard on disk stays readable, and
running the same command again ends with the very results of an uninterrupted sweep.
"""

import errno
import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from builders import DATA, ROOT
from rich.console import Console

from sim.cli import main
from sim.sweep.execute import run_sweep
from sim.sweep.spec import load_sweep
from sim.sweep.store import series_path

psutil = pytest.importorskip("psutil")

RUNS = 240  # tests/data/sweep_kill.yaml


def sweep(name, out, **kwargs):
    return run_sweep(load_sweep(DATA / name), out, console=Console(file=io.StringIO()),
                     progress=False, **kwargs)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """sweep_kill.yaml run once, uninterrupted."""
    out = tmp_path_factory.mktemp("ref") / "ref.parquet"
    assert sweep("sweep_kill.yaml", out, workers=2, chunk_size=4).complete
    return out


def command(out, *extra):
    return [sys.executable, "-m", "sim", "sweep", str(DATA / "sweep_kill.yaml"),
            "--chunk-size", "2", "--out", str(out), *extra]


def shards(parts):
    return sorted(parts.glob("runs-*.parquet")) if parts.exists() else []


def wait_for_shards(proc, parts, n, timeout=60.0):
    deadline = time.monotonic() + timeout
    while len(shards(parts)) < n and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before the fault"
    assert len(shards(parts)) >= n, "no results in time"


def worker_processes(pid):
    """The processes running runs: spawned children of the sweep (not the resource tracker)."""
    out = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in cmd and "resource_tracker" not in cmd:
            out.append(child)
    return out


def done_runs(parts, series=True):
    """Every run in the committed shards; each shard must be readable, with its series."""
    runs = []
    for shard in shards(parts):
        runs += pq.read_table(shard).column("run").to_pylist()
        if series:
            assert pq.read_table(shard.with_name(shard.name.replace("runs-", "series-")))
    for shard in parts.glob("series-*.parquet") if parts.exists() else []:
        pq.read_table(shard)  # an orphan series shard (killed before its runs shard) is whole
    assert len(runs) == len(set(runs)), "a run is saved twice"
    return runs


def assert_same_results(out, reference):
    assert out.read_bytes() == reference.read_bytes()
    assert series_path(out).read_bytes() == series_path(reference).read_bytes()
    assert pq.read_table(out, columns=["run"]).column("run").to_pylist() == list(range(RUNS))
    assert not out.with_name(out.name + ".parts").exists()


def kill_one_worker(proc, parts, after):
    wait_for_shards(proc, parts, after)
    deadline = time.monotonic() + 10
    while len(workers := worker_processes(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(workers) == 2, "the two worker processes not found"
    victim = workers[0]
    victim.send_signal(signal.SIGKILL)
    return victim.pid


def test_killing_a_local_worker_saves_what_finished_and_a_rerun_completes(tmp_path,
                                                                           reference):
    out = tmp_path / "w.parquet"
    parts = tmp_path / "w.parquet.parts"
    cmd = command(out, "--workers", "2")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        kill_one_worker(proc, parts, after=4)
        stdout, stderr = proc.communicate(timeout=60)  # no hang
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # The pool is broken: the runs in flight are lost, the finished ones are kept.
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "could not be run: BrokenProcessPool" in stdout
    assert "run the same command again to run the rest" in stdout
    assert not out.exists()
    done = done_runs(parts)
    assert 8 <= len(done) < RUNS

    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {len(done)} runs already done, {RUNS - len(done)} to run" in again.stdout
    assert_same_results(out, reference)


def test_killing_a_dask_worker_loses_nothing(tmp_path, reference):
    pytest.importorskip("distributed")
    out = tmp_path / "d.parquet"
    parts = tmp_path / "d.parquet.parts"
    cmd = command(out, "--workers", "2", "--dask", "local")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        kill_one_worker(proc, parts, after=4)
        stdout, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # The scheduler gives the dead worker's tasks to the other (its nanny starts a new one):
    # the sweep completes in one go.
    assert proc.returncode == 0, stderr
    assert f"done: {RUNS} runs" in stdout and "could not be run" not in stdout
    assert_same_results(out, reference)


def test_sweep_killed_again_and_again_ends_with_the_uninterrupted_results(tmp_path,
                                                                           reference):
    out = tmp_path / "k.parquet"
    parts = tmp_path / "k.parquet.parts"
    cmd = command(out, "--workers", "2")
    rng = random.Random(6)
    seen: list[int] = []
    kills: list[tuple[int, int]] = []
    for _ in range(5):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            # at a random moment: starting or resuming (no new shard yet), or amid writing
            # shards (after 1-12 new ones, plus a random fraction of a chunk's time)
            new = rng.choice([0, rng.randint(1, 12)])
            if new:
                wait_for_shards(proc, parts, len(shards(parts)) + new)
            deadline = time.monotonic() + rng.uniform(0.0, 0.3 if new else 1.5)
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            assert proc.poll() is None, "the sweep finished before it was killed"
            kills.append((new, len(shards(parts))))
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert not out.exists()
        done = done_runs(parts)
        assert set(seen) <= set(done), "a saved run was lost"
        seen = done
    assert 0 < len(seen) < RUNS, kills
    assert any(new == 0 for new, _ in kills) and any(new for new, _ in kills), kills
    final = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert f"resuming: {len(seen)} runs already done" in final.stdout
    assert_same_results(out, reference)


def _disk_fills_after(monkeypatch, writes):
    import sim.sweep.store as store

    real = store.pq.write_table
    calls = []

    def write_table(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) > writes:
            Path(where).write_bytes(b"half a shard")  # what a full disk leaves behind
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(store.pq, "write_table", write_table)


def test_a_full_disk_is_a_clear_error_and_the_saved_runs_are_resumed(tmp_path, monkeypatch,
                                                                      capsys):
    out = tmp_path / "full.parquet"
    parts = tmp_path / "full.parquet.parts"
    args = ["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1", "--chunk-size", "3",
            "--out", str(out)]
    _disk_fills_after(monkeypatch, writes=2)  # two shards land, the third does not
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "\nfrontline: error: cannot write results to" in "\n" + err
    assert "No space left on device" in err and "run the same command again" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in parts.iterdir()) == [
        "manifest.json", "runs-0000000000.parquet", "runs-0000000003.parquet"]
    assert done_runs(parts, series=False) == list(range(6))

    monkeypatch.undo()
    capsys.readouterr()
    assert main(args) == 0
    assert "resuming: 6 runs already done, 12 to run" in capsys.readouterr().out
    ref = tmp_path / "ref.parquet"
    assert sweep("sweep_line.yaml", ref, workers=1).complete
    assert out.read_bytes() == ref.read_bytes()


def test_a_full_disk_when_merging_keeps_every_run(tmp_path, monkeypatch, capsys):
    """Every run is in; writing the results file fails: the shards stay, a re-run merges."""
    import sim.sweep.store as store

    out = tmp_path / "m.csv"
    parts = tmp_path / "m.csv.parts"
    args = ["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1", "--out", str(out)]
    real = store.ResultStore._merge

    def full(self, shards, where, schema):
        where.with_name(where.name + ".tmp").write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.ResultStore, "_merge", full)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"\nfrontline: error: cannot write {out}: No space left on device" in "\n" + err
    assert "Traceback" not in err
    assert not out.exists() and sorted(done_runs(parts, series=False)) == list(range(18))

    monkeypatch.setattr(store.ResultStore, "_merge", real)
    assert main(args) == 0
    assert "resuming: 18 runs already done, 0 to run" in capsys.readouterr().out
    ref = tmp_path / "ref.csv"
    assert sweep("sweep_line.yaml", ref, workers=1).complete
    assert out.read_bytes() == ref.read_bytes()


def test_results_under_a_file_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a directory")
    code = main(["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1",
                 "--out", str(blocker / "r.parquet")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("frontline: error: cannot create")
    assert "Traceback" not in err


class Killed(BaseException):
    """Stands for a SIGKILL in this process."""


def test_killed_while_removing_the_shards_after_the_merge(tmp_path, monkeypatch, reference):
    """A runs shard whose series shard is already removed is run again (regression).

    The merge is done and the shards are being removed when the sweep is killed: if the
    removal took a series shard but not its runs shard, the re-run used to count those runs
    as done and merge a series file without their days.
    """
    import sim.sweep.store as store

    out = tmp_path / "rm.parquet"

    def killed_mid_removal(path):
        (Path(path) / "series-0000000000.parquet").unlink()
        raise Killed

    monkeypatch.setattr(store.shutil, "rmtree", killed_mid_removal)
    with pytest.raises(Killed):
        sweep("sweep_kill.yaml", out, workers=2, chunk_size=4)
    monkeypatch.undo()
    outcome = sweep("sweep_kill.yaml", out, workers=2, chunk_size=4)
    assert outcome.complete and outcome.already_done == RUNS - 4 and outcome.ran == 4
    assert_same_results(out, reference)


def test_a_pool_that_breaks_between_two_submissions_is_reported_not_raised(
        tmp_path, monkeypatch, capsys):
    """The pool can break while a chunk is being submitted, not only while one runs."""
    from concurrent.futures.process import BrokenProcessPool

    import sim.sweep.execute as execute

    real_submit = execute.SerialExecutor.submit
    calls = {"n": 0}

    def breaking_submit(self, fn, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            raise BrokenProcessPool("A child process terminated abruptly")
        return real_submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(execute.SerialExecutor, "submit", breaking_submit)
    out = tmp_path / "broken.parquet"
    args = ["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1", "--chunk-size", "3",
            "--out", str(out)]
    assert main(args) == 1
    printed = capsys.readouterr()
    text = " ".join((printed.out + printed.err).split())  # the console wraps long lines
    assert "Traceback" not in text
    assert "12 runs could not be run: BrokenProcessPool" in text
    assert "run the same command again" in text
    assert done_runs(tmp_path / "broken.parquet.parts", series=False) == list(range(6))
    monkeypatch.undo()
    assert main(args) == 0
    ref = tmp_path / "ref.parquet"
    assert sweep("sweep_line.yaml", ref, workers=1).complete
    assert out.read_bytes() == ref.read_bytes()


# ---------------------------------------------------------------- issue 13: 7, 9-13
def test_a_second_sweep_on_the_same_results_refuses_at_once_naming_the_first(tmp_path,
                                                                              capsys):
    from sim.sweep.lock import ResultsLock, lock_path

    out = tmp_path / "l.parquet"
    args = ["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1", "--out", str(out)]
    with ResultsLock(out):  # another sweep holds the results (flock: any other open fails)
        assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{out} is being written by another sweep (process {os.getpid()} on " in err
    assert "Traceback" not in err
    assert not (tmp_path / "l.parquet.parts").exists()  # it touched nothing
    # a stale lock file (its holder was killed: the kernel dropped the flock) blocks no one
    lock_path(out).write_text('{"pid": 999999999, "host": "gone"}')
    assert main(args) == 0
    assert out.exists() and not lock_path(out).exists()


def test_two_sweep_processes_on_one_output_lose_nothing(tmp_path, reference):
    out = tmp_path / "two.parquet"
    parts = tmp_path / "two.parquet.parts"
    first = subprocess.Popen(command(out, "--workers", "2"), cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for_shards(first, parts, 2)
        started = time.monotonic()
        second = subprocess.run(command(out, "--workers", "2"), cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
        assert time.monotonic() - started < 20  # at once, not after running anything
        assert second.returncode == 2
        assert f"is being written by another sweep (process {first.pid} on" in second.stderr
        stdout, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == 0, stderr
    assert f"done: {RUNS} runs" in stdout
    assert_same_results(out, reference)


def test_a_truncated_series_shard_is_run_again(tmp_path, monkeypatch, reference):
    """A series shard cut short (a disk error, a copy) used to crash every resume."""
    import sim.sweep.store as store

    out = tmp_path / "t.parquet"
    parts = tmp_path / "t.parquet.parts"
    monkeypatch.setattr(store.ResultStore, "finish", lambda self: (_ for _ in ()).throw(Killed))
    with pytest.raises(Killed):
        sweep("sweep_kill.yaml", out, workers=2, chunk_size=4)
    monkeypatch.undo()
    victim = parts / "series-0000000008.parquet"
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    outcome = sweep("sweep_kill.yaml", out, workers=2, chunk_size=4)
    assert outcome.complete and outcome.already_done == RUNS - 4 and outcome.ran == 4
    assert_same_results(out, reference)


def test_sigterm_saves_what_finished_like_ctrl_c(tmp_path, reference):
    """As systemd stops a service: SIGTERM to every process of the sweep."""
    out = tmp_path / "term.parquet"
    parts = tmp_path / "term.parquet.parts"
    cmd = command(out, "--workers", "2")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        wait_for_shards(proc, parts, 4)
        os.killpg(proc.pid, signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode in (143, 1), (proc.returncode, stderr)
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr
    text = "".join(stdout.split())  # the console wraps long lines, even amid a path
    done = done_runs(parts)
    if proc.returncode == 143:
        assert "".join(f"terminated (SIGTERM): {len(done)} of {RUNS} runs are saved in {parts}; "
                       "run the same command again to resume".split()) in text
    else:  # the workers ended first: the parent saw its pool break, then stopped
        assert "runthesamecommandagain" in text
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {len(done)} runs already done" in again.stdout
    assert_same_results(out, reference)


def test_sigterm_to_the_sweep_alone_stops_it_and_its_workers(tmp_path):
    """As ``docker stop`` or ``kill PID``: only the sweep's own process gets SIGTERM."""
    out = tmp_path / "t1.parquet"
    parts = tmp_path / "t1.parquet.parts"
    proc = subprocess.Popen(command(out, "--workers", "2"), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for_shards(proc, parts, 2)
        workers = worker_processes(proc.pid)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr
    text = " ".join(stdout.split())
    assert "terminated (SIGTERM)" in text and "run the same command again" in text
    assert "frontline: terminated" in stderr
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
    done_runs(parts)


def test_a_tls_scheduler_without_certificates_is_a_clear_error_leaving_nothing(tmp_path,
                                                                             capsys,
                                                                             monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("sim.sweep.backends.DASK_CONNECT_TIMEOUT", "1s")
    errors = {}
    for address in ("tls://127.0.0.1:9", "tcp://127.0.0.1:9"):
        out = tmp_path / "new" / "r.parquet"
        code = main(["sweep", str(DATA / "sweep_line.yaml"), "--dask", address,
                     "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"frontline: error: cannot connect to the Dask scheduler at {address}" in err
        assert "Traceback" not in err
        assert not (tmp_path / "new").exists()  # no parts folder, no lock file, no folder
        errors[address] = err
    assert "a tls:// address needs the cluster's certificates" in errors["tls://127.0.0.1:9"]


def test_a_dask_cluster_without_workers_warns_then_stops_keeping_what_was_saved(tmp_path,
                                                                                capsys):
    distributed = pytest.importorskip("distributed")
    from sim.sweep.execute import NO_WORKERS_WARNING_SECONDS

    out = tmp_path / "nw.parquet"
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0",
                                  scheduler_kwargs={"dashboard": False}) as cluster:
        address = cluster.scheduler_address
        started = time.monotonic()
        console = Console(file=io.StringIO(), width=300)
        outcome = run_sweep(load_sweep(DATA / "sweep_line.yaml"), out,
                            dask=cluster.scheduler_address, console=console, progress=False,
                            worker_timeout=3)
        took = time.monotonic() - started
        printed = console.file.getvalue()
    assert 3 <= took < 15, took
    assert not outcome.complete and outcome.lost == 18 and outcome.ran == 0
    assert f"warning: the Dask cluster at {address} has no workers" in printed
    assert "has no workers; waiting for one" in printed and NO_WORKERS_WARNING_SECONDS < 3
    assert f"18 runs could not be run: the Dask cluster at {address}" in printed
    assert "had no workers for 3 s" in printed


def test_a_dask_cluster_that_loses_its_last_worker_stops_keeping_what_finished(
        tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import sim.sweep.store as store

    out = tmp_path / "lw.parquet"
    real_write = store.ResultStore.write
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0",
                                  scheduler_kwargs={"dashboard": False}) as cluster:
        def write_then_lose_the_worker(self, rows, series):
            real_write(self, rows, series)
            if len(shards(self.parts)) == 2:
                cluster.scale(0)

        monkeypatch.setattr(store.ResultStore, "write", write_then_lose_the_worker)
        console = Console(file=io.StringIO(), width=300)
        outcome = run_sweep(load_sweep(DATA / "sweep_line.yaml"), out,
                            dask=cluster.scheduler_address, chunk_size=3, console=console,
                            progress=False, worker_timeout=2)
        printed = console.file.getvalue()
    assert not outcome.complete and outcome.lost == 18 - outcome.ran and outcome.ran >= 6
    assert "had no workers for 2 s" in printed
    assert done_runs(tmp_path / "lw.parquet.parts", series=False) == list(range(outcome.ran))


def test_a_full_disk_during_the_merge_leaves_no_temporary_file(tmp_path, monkeypatch,
                                                               capsys):
    """What a full disk does: the file is created, its first write fails."""
    import sim.sweep.store as store

    out = tmp_path / "f.csv"
    args = ["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1", "--out", str(out)]
    real = store.pacsv.CSVWriter

    def full(where, schema, *a, **k):
        Path(where).write_bytes(b"")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.pacsv, "CSVWriter", full)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"frontline: error: cannot write {out}: No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv.parts", "f.meta.json"]
    monkeypatch.setattr(store.pacsv, "CSVWriter", real)
    assert main(args) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "f.meta.json"]
