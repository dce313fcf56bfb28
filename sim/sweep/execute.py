"""Running a sweep's runs through a ``concurrent.futures`` executor, chunked, with progress.

Three backends share one code path, the standard ``Executor`` interface: this process (one
worker), a local process pool, or a Dask distributed cluster through its client's executor
(an existing scheduler, or a ``LocalCluster`` started for the sweep). Runs are grouped into
chunks of consecutive runs; the chunk size adapts so that a task costs a worker about
``TARGET_TASK_SECONDS`` of CPU time (per-task overhead stays negligible while progress stays
smooth and the last tasks stay short). At most two chunks per worker are in flight, so memory
stays bounded however large the sweep, and each finished chunk is committed to disk at once.

One sweep at a time writes a results file (``sim.sweep.lock``). SIGTERM is handled as Ctrl-C.
While a Dask cluster has no workers the sweep warns, and gives up after ``worker_timeout``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import FrontlineError
from sim.sweep.backends import Backend, SerialExecutor, default_workers, open_backend
from sim.sweep.lock import ResultsLock
from sim.sweep.runner import Chunk, ChunkResult, run_chunk
from sim.sweep.spec import SweepPlan
from sim.sweep.store import ResultStore, param_cell, results_schema, sweep_meta

__all__ = ["Backend", "SerialExecutor", "SweepOutcome", "Terminated", "default_workers",
           "open_backend", "run_sweep"]


#: CPU seconds a task should cost a worker. CPU, not wall: on a busy machine a run's wall time
#: grows with the load while each task's fixed costs (sending the scenario, writing and later
#: merging its shard: ~3 ms of CPU and ~15 ms of wall in the main process) stay, so sizing on
#: wall made chunks of one run, and a shard per run, just when cores were scarce. Two seconds
#: is ~8 runs of the default scenario: ~125 shards for 1,000 runs rather than 500-1,000.
TARGET_TASK_SECONDS = 2.0
MAX_CHUNK = 1000
POLL_SECONDS = 0.5  # how often a waiting sweep looks at its cluster
NO_WORKERS_WARNING_SECONDS = 2.0
DEFAULT_WORKER_TIMEOUT = 120.0


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C: save what finished, say how to resume, exit 143."""


@dataclass
class SweepOutcome:
    """What a call of ``run_sweep`` did.

    ``worker_seconds`` and ``worker_cpu_seconds`` add up the wall and CPU time the workers
    spent in the chunks of this call (their start-up excluded): CPU below wall means the
    workers waited for a core.
    """

    runs: int
    already_done: int = 0
    ran: int = 0
    failed: int = 0
    lost: int = 0
    lost_error: str = ""
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)
    backend: str = ""
    worker_seconds: float = 0.0
    worker_cpu_seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Whether every run is done and the results file is written."""
        return bool(self.files)


class _Chunker:
    """Hands out chunks of consecutive pending runs, sized from the CPU time measured so far."""

    def __init__(self, pending: list[int], slots: int, fixed: int | None):
        self.pending = pending
        self.pos = 0
        self.slots = slots
        self.fixed = fixed
        self.runs_timed = 0
        self.seconds = 0.0

    def observe(self, result: ChunkResult) -> None:
        self.runs_timed += len(result.rows)
        self.seconds += result.cpu_seconds

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


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the sweep runs, SIGTERM (systemd, docker stop, kill) acts as Ctrl-C does."""
    def handler(signum: int, frame: Any) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_sweep(plan: SweepPlan, out: Path, *, workers: int | None = None,
              dask: str | None = None, chunk_size: int | None = None,
              console: Any = None, progress: bool = True,
              worker_timeout: float = DEFAULT_WORKER_TIMEOUT) -> SweepOutcome:
    """Run (or resume) a sweep, committing results as chunks finish; merge them at the end.

    Only one sweep at a time writes a results file (``RESULTS.lock``); a second one stops at
    once naming the first. SIGTERM is handled as Ctrl-C.

    Args:
        plan: the checked sweep.
        out: the results file (.parquet or .csv).
        workers: local processes (default: every core), or LocalCluster workers.
        dask: a Dask scheduler address, or ``"local"``.
        chunk_size: runs per task (default: adaptive).
        console: a rich Console for messages (default: stdout).
        progress: show a progress bar on stderr.
        worker_timeout: seconds a Dask cluster may have no workers before the sweep stops
            (what finished is saved).

    Raises:
        FrontlineError: bad options, unusable output, an unreachable Dask scheduler, another
            sweep writing the same results.
        KeyboardInterrupt: after saving what finished and telling how to resume
            (``Terminated`` for SIGTERM).
    """
    from rich.console import Console

    console = console or Console(highlight=False)
    if chunk_size is not None and chunk_size < 1:
        raise FrontlineError(f"--chunk-size must be at least 1, got {chunk_size}")
    if not worker_timeout > 0:
        raise FrontlineError(f"--worker-timeout must be positive, got {worker_timeout}")
    schema = results_schema(plan.params, plan.metrics)
    store = ResultStore(out, sweep_meta(plan), schema, plan.series)
    with _sigterm_as_interrupt(), ResultsLock(out):
        return _run_locked(plan, store, workers, dask, chunk_size, console, progress,
                           worker_timeout)


def _run_locked(plan: SweepPlan, store: ResultStore, workers: int | None, dask: str | None,
                chunk_size: int | None, console: Any, progress: bool,
                worker_timeout: float) -> SweepOutcome:
    design = plan.design
    out = store.out
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
    fresh = not store.parts.exists()
    done = store.open()
    pending = [i for i in range(design.n_runs) if i not in done]
    outcome.already_done = len(done)
    if done:
        console.print(f"resuming: {len(done)} runs already done, {len(pending)} to run")
    types = {(f.metadata or {}).get(b"path", f.name.encode()).decode(): f.type
             for f in store.schema if (f.metadata or {}).get(b"role") != b"happened"}
    start = time.perf_counter()
    if pending:
        with ExitStack() as stack:
            try:
                backend = stack.enter_context(open_backend(workers, dask,
                                                           max_useful=len(pending)))
            except FrontlineError:
                if fresh:
                    store.discard()  # nothing was run: leave no empty parts folder behind
                raise
            outcome.backend = backend.label
            console.print(f"running {backend.label}")
            _execute(plan, store, pending, backend, chunk_size, types, outcome,
                     progress, console, worker_timeout)
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


class _Watch:
    """The cluster's workers as the sweep waits: warns when there are none, gives up later."""

    def __init__(self, backend: Backend, timeout: float, console: Any,
                 on_change: Callable[[int, int], None]):
        self.backend = backend
        self.timeout = timeout
        self.console = console
        self.on_change = on_change
        self.workers, self.slots = backend.slots, backend.slots
        self.empty_since: float | None = None
        self.warned = False
        self.last = time.monotonic()

    def check(self, often: bool = False) -> str | None:
        """Look at the cluster (unless ``often`` and it was looked at just now).

        Returns:
            Why the sweep should stop, or None.
        """
        now = time.monotonic()
        if often and now - self.last < POLL_SECONDS:
            return None
        self.last = now
        try:
            workers, slots = self.backend.now()
        except Exception as exc:  # the scheduler itself is gone
            return f"the Dask scheduler stopped answering ({type(exc).__name__}: {exc})"
        if (workers, slots) != (self.workers, self.slots):
            self.workers, self.slots = workers, slots
            self.on_change(workers, slots)
        if workers:
            if self.warned:
                self.console.print(f"{workers} Dask workers connected: running again")
            self.empty_since, self.warned = None, False
            return None
        if self.empty_since is None:
            self.empty_since = now
        waited = now - self.empty_since
        if waited >= NO_WORKERS_WARNING_SECONDS and not self.warned:
            self.warned = True
            self.console.print(
                f"[yellow]warning: the Dask cluster at {self.backend.scheduler} has no "
                f"workers; waiting for one (the sweep stops after {self.timeout:g} s without "
                "workers: --worker-timeout)[/]")
        if waited >= self.timeout:
            return f"the Dask cluster at {self.backend.scheduler} had no workers for " \
                   f"{self.timeout:g} s"
        return None


def _execute(plan: SweepPlan, store: ResultStore, pending: list[int], backend: Backend,
             chunk_size: int | None, types: dict[str, Any], outcome: SweepOutcome,
             show: bool, console: Any, worker_timeout: float) -> None:
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
    dynamic = backend.capacity is not None

    def describe(workers: int) -> str:
        return f"runs ({workers} workers)" if dynamic else "runs"

    with Progress(*columns, console=Console(stderr=True), disable=not show) as bar:
        task = bar.add_task(describe(backend.slots), total=len(pending), failed=0, rate="-")

        def changed(workers: int, slots: int) -> None:
            chunker.slots = max(1, slots)
            bar.update(task, description=describe(workers))

        watch = _Watch(backend, worker_timeout, bar.console if show else console, changed)

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
                while (not outcome.lost and len(in_flight) < 2 * max(1, watch.slots)
                       and submit()):
                    pass
                if not in_flight:
                    break
                finished, _ = wait(list(in_flight), timeout=POLL_SECONDS if dynamic else None,
                                   return_when=FIRST_COMPLETED)
                if dynamic and not finished:
                    reason = watch.check()
                    if reason:
                        backend.cancel()
                        for runs in in_flight.values():
                            outcome.lost += len(runs)
                        in_flight.clear()
                        outcome.lost_error = reason
                        break
                    continue
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
                    outcome.worker_seconds += result.seconds
                    outcome.worker_cpu_seconds += result.cpu_seconds
                    outcome.ran += len(result.rows)
                    outcome.failed += sum(r["status"] != "ok" for r in result.rows)
                    elapsed = time.perf_counter() - started
                    bar.update(task, advance=len(result.rows), failed=outcome.failed,
                               rate=f"{outcome.ran / elapsed:.1f}")
                if dynamic:
                    watch.check(often=True)  # keep the worker count current
        except FrontlineError:  # results cannot be written: stop the workers, then report
            backend.cancel()
            raise
        except KeyboardInterrupt as exc:
            backend.cancel()
            bar.stop()
            # counted on disk: the signal may have come between a shard's commit and its count
            saved = store.saved()
            what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
            console.print(f"\n{what}: {saved} of {design.n_runs} runs are saved in "
                          f"{store.parts}; run the same command again to resume")
            raise
        outcome.lost += len(pending) - chunker.pos  # never submitted after a failure


def _commit(store: ResultStore, result: ChunkResult, design: Any, types: dict[str, Any]
            ) -> None:
    rows = []
    for row in result.rows:
        run = design.run(row["run"])
        params = {k: param_cell(v, types[k]) for k, v in run.params.items()}
        rows.append({**row, "point": run.point, "replicate": run.replicate, **params})
    store.write(rows, result.series)
