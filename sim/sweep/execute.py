"""Running a sweep's runs through a ``concurrent.futures`` executor, chunked, with progress.

Three backends share one code path, the standard ``Executor`` interface: this process (one
worker), a local process pool, or a Dask distributed cluster through its client's executor
(an existing scheduler, or a ``LocalCluster`` started for the sweep). Runs are grouped into
chunks of consecutive runs; the chunk size adapts so that a task takes about
``TARGET_TASK_SECONDS`` (per-task overhead stays negligible while progress stays smooth and the
last tasks stay short). At most two chunks per worker are in flight, so memory stays bounded
however large the sweep, and each finished chunk is committed to disk at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import FrontlineError
from sim.sweep.runner import Chunk, ChunkResult, run_chunk
from sim.sweep.spec import SweepPlan
from sim.sweep.store import ResultStore, param_cell, results_schema, sweep_meta

__all__ = ["Backend", "SerialExecutor", "SweepOutcome", "default_workers", "open_backend",
           "run_sweep"]

TARGET_TASK_SECONDS = 0.5
MAX_CHUNK = 1000
DASK_CONNECT_TIMEOUT = "10s"
ORPHAN_CHECK_SECONDS = 1.0


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor(Executor):
    """An executor that runs each task in this process as it is submitted (``--workers 1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn`` now; the returned future is already done."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass
class Backend:
    """An executor plus what the sweep needs to know about it."""

    executor: Executor
    slots: int
    label: str
    cancel: Callable[[], None] = lambda: None


def _init_worker(parent: int) -> None:
    """Worker initializer: leave Ctrl-C to the parent, and exit if the parent dies.

    The parent saves finished chunks and stops the pool on Ctrl-C. If it is killed outright
    (SIGKILL, out of memory) nothing tells an idle worker, which would wait forever; a daemon
    thread notices the worker has been orphaned and ends it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


@contextmanager
def open_backend(workers: int | None = None, dask: str | None = None,
                 max_useful: int | None = None) -> Iterator[Backend]:
    """The executor for ``--workers`` / ``--dask``; shut down (and a LocalCluster closed) after.

    Args:
        workers: local processes (default: every core); with ``dask="local"``, the
            LocalCluster's workers; 1 runs in this process.
        dask: a scheduler address (``tcp://host:8786``), or ``"local"`` for a LocalCluster.
        max_useful: start no more local processes than this (the number of tasks).

    Raises:
        FrontlineError: a bad worker count, or the Dask scheduler cannot be reached.
    """
    if workers is not None and workers < 1:
        raise FrontlineError(f"--workers must be at least 1, got {workers}")
    n = workers or default_workers()
    if dask is None:
        n = max(1, min(n, max_useful or n))
        if n == 1:
            yield Backend(SerialExecutor(), 1, "in this process")
            return
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(os.getpid(),))
        try:
            yield Backend(pool, n, f"on {n} local worker processes",
                          lambda: pool.shutdown(wait=False, cancel_futures=True))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    with _dask_client(dask, n) as (client, label):
        executor = client.get_executor(pure=False)
        slots = max(1, sum(client.nthreads().values()))
        try:
            yield Backend(executor, slots, f"on {label} ({slots} worker threads)",
                          lambda: executor.shutdown(wait=False))
        finally:
            executor.shutdown(wait=False)


@contextmanager
def _dask_client(address: str, workers: int) -> Iterator[tuple[Any, str]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise FrontlineError("--dask needs dask[distributed]: pip install "
                             "'dask[distributed]'") from None
    if address == "local":
        # The cluster's processes inherit an ignored SIGINT: Ctrl-C is ours to handle (save,
        # then close the cluster), not a traceback from every worker.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", silence_logs=logging.ERROR,
                                   # no dashboard; the scheduler's HTTP endpoint on any free
                                   # loopback port, not 8787 (which may be taken)
                                   dashboard_address="127.0.0.1:0",
                                   scheduler_kwargs={"dashboard": False})
        finally:
            signal.signal(signal.SIGINT, previous)
        try:
            with Client(cluster) as client:
                yield client, f"a Dask LocalCluster of {workers} workers"
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise FrontlineError(f"cannot connect to the Dask scheduler at {address}: {exc}; is "
                             "it running (dask scheduler), and is the address right?") from None
    try:
        yield client, f"the Dask cluster at {address}"
    finally:
        client.close()


@dataclass
class SweepOutcome:
    """What a call of ``run_sweep`` did."""

    runs: int
    already_done: int = 0
    ran: int = 0
    failed: int = 0
    lost: int = 0
    lost_error: str = ""
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)
    backend: str = ""

    @property
    def complete(self) -> bool:
        """Whether every run is done and the results file is written."""
        return bool(self.files)


class _Chunker:
    """Hands out chunks of consecutive pending runs, sized from the run time measured so far."""

    def __init__(self, pending: list[int], slots: int, fixed: int | None):
        self.pending = pending
        self.pos = 0
        self.slots = slots
        self.fixed = fixed
        self.runs_timed = 0
        self.seconds = 0.0

    def observe(self, result: ChunkResult) -> None:
        self.runs_timed += len(result.rows)
        self.seconds += result.seconds

    def size(self) -> int:
        if self.fixed:
            return self.fixed
        if not self.runs_timed:
            return 1
        per_run = max(self.seconds / self.runs_timed, 1e-6)
        left = len(self.pending) - self.pos
        balance = max(1, left // (self.slots * 4))  # keep the last tasks short
        return max(1, min(round(TARGET_TASK_SECONDS / per_run), balance, MAX_CHUNK))

    def next(self) -> list[int]:
        size = self.size()
        out: list[int] = []
        while self.pos < len(self.pending) and len(out) < size:
            run = self.pending[self.pos]
            if out and run != out[-1] + 1:
                break  # a shard holds consecutive runs, so that merging is a concatenation
            out.append(run)
            self.pos += 1
        return out


def run_sweep(plan: SweepPlan, out: Path, *, workers: int | None = None,
              dask: str | None = None, chunk_size: int | None = None,
              console: Any = None, progress: bool = True) -> SweepOutcome:
    """Run (or resume) a sweep, committing results as chunks finish; merge them at the end.

    Args:
        plan: the checked sweep.
        out: the results file (.parquet or .csv).
        workers: local processes (default: every core), or LocalCluster workers.
        dask: a Dask scheduler address, or ``"local"``.
        chunk_size: runs per task (default: adaptive).
        console: a rich Console for messages (default: stdout).
        progress: show a progress bar on stderr.

    Raises:
        FrontlineError: bad options, unusable output, an unreachable Dask scheduler.
        KeyboardInterrupt: after saving what finished and telling how to resume.
    """
    from rich.console import Console

    console = console or Console(highlight=False)
    if chunk_size is not None and chunk_size < 1:
        raise FrontlineError(f"--chunk-size must be at least 1, got {chunk_size}")
    design = plan.design
    schema = results_schema(plan.params, plan.metrics)
    store = ResultStore(out, sweep_meta(plan), schema, plan.series)
    outcome = SweepOutcome(runs=design.n_runs)
    days = f"{plan.days} days each"
    shape = (f"{len(design.points)} points x {design.replicates} replicates"
             if design.replicates > 1 else f"{len(design.points)} points")
    console.print(f"sweep {plan.spec.name!r}: {design.n_runs} runs ({shape}, {days}) of "
                  f"{plan.scenario.scenario.name!r}")
    if store.complete():
        outcome.already_done = design.n_runs
        console.print(f"all {design.n_runs} runs are already done: {out}")
        outcome.files = [out]
        return outcome
    done = store.open()
    pending = [i for i in range(design.n_runs) if i not in done]
    outcome.already_done = len(done)
    if done:
        console.print(f"resuming: {len(done)} runs already done, {len(pending)} to run")
    types = {f.name: f.type for f in schema}
    start = time.perf_counter()
    if pending:
        with open_backend(workers, dask, max_useful=len(pending)) as backend:
            outcome.backend = backend.label
            console.print(f"running {backend.label}")
            _execute(plan, store, pending, backend, chunk_size, types, outcome,
                     progress, console)
    outcome.seconds = time.perf_counter() - start
    if outcome.lost:
        console.print(f"[red]{outcome.lost} runs could not be run: {outcome.lost_error}[/]\n"
                      f"The {design.n_runs - outcome.lost} finished runs are saved in "
                      f"{store.parts}; run the same command again to run the rest.")
        return outcome
    outcome.files = store.finish()
    rate = outcome.ran / outcome.seconds if outcome.seconds > 0 else 0.0
    failed = f", [red]{outcome.failed} failed[/]" if outcome.failed else ""
    console.print(f"done: {outcome.ran} runs{failed} in {outcome.seconds:.1f} s "
                  f"({rate:.1f} runs/s); results: " + ", ".join(map(str, outcome.files)))
    return outcome


def _execute(plan: SweepPlan, store: ResultStore, pending: list[int], backend: Backend,
             chunk_size: int | None, types: dict[str, Any], outcome: SweepOutcome,
             show: bool, console: Any) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    design = plan.design
    chunker = _Chunker(pending, backend.slots, chunk_size)
    in_flight: dict[Future[ChunkResult], list[int]] = {}
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("[red]{task.fields[failed]} failed[/]"),
               TextColumn("{task.fields[rate]} runs/s"), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not show) as bar:
        task = bar.add_task("runs", total=len(pending), failed=0, rate="-")

        def submit() -> bool:
            runs = chunker.next()
            if not runs:
                return False
            chunk = Chunk(plan.base, plan.days, plan.constants, plan.metrics, plan.series,
                          tuple((i, design.seeds[i], design.points[i // design.replicates])
                                for i in runs))
            try:
                in_flight[backend.executor.submit(run_chunk, chunk)] = runs
            except BrokenExecutor as exc:  # a worker died between two submissions
                outcome.lost += len(runs)
                outcome.lost_error = f"{type(exc).__name__}: {exc}"
                return False
            return True

        try:
            while True:
                while not outcome.lost and len(in_flight) < 2 * backend.slots and submit():
                    pass
                if not in_flight:
                    break
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: in_flight[f][0]):
                    runs = in_flight.pop(fut)
                    try:
                        result = fut.result()
                    except Exception as exc:  # the worker, not the run, failed
                        outcome.lost += len(runs)
                        outcome.lost_error = f"{type(exc).__name__}: {exc}"
                        continue
                    _commit(store, result, design, types)
                    chunker.observe(result)
                    outcome.ran += len(result.rows)
                    outcome.failed += sum(r["status"] != "ok" for r in result.rows)
                    elapsed = time.perf_counter() - started
                    bar.update(task, advance=len(result.rows), failed=outcome.failed,
                               rate=f"{outcome.ran / elapsed:.1f}")
        except FrontlineError:  # results cannot be written: stop the workers, then report
            backend.cancel()
            raise
        except KeyboardInterrupt:
            backend.cancel()
            bar.stop()
            saved = outcome.already_done + outcome.ran
            console.print(f"\ninterrupted: {saved} of {design.n_runs} runs are saved in "
                          f"{store.parts}; run the same command again to resume")
            raise
        outcome.lost += len(pending) - chunker.pos  # never submitted after a worker failure


def _commit(store: ResultStore, result: ChunkResult, design: Any, types: dict[str, Any]
            ) -> None:
    rows = []
    for row in result.rows:
        run = design.run(row["run"])
        params = {k: param_cell(v, types[k]) for k, v in run.params.items()}
        rows.append({**row, "point": run.point, "replicate": run.replicate, **params})
    store.write(rows, result.series)
