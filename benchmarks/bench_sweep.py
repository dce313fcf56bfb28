"""Benchmark of sweeps: runs per second of the default scenario, serial and on 2 workers.

Not a test: it prints figures (and optionally writes them as JSON) for docs/performance.md.

    python benchmarks/bench_sweep.py                  # 60 runs per backend, ~1 minute
    python benchmarks/bench_sweep.py --runs 200 --full 1000 --json sweep-bench.json

Measured, each through the same code path as ``frontline sweep`` (spec, chunks, shards, merge):
  * serial: every run in this process (``--workers 1``);
  * 2 workers: a local process pool; the wall time includes starting the pool (spawned workers
    import Mesa), the steady-state rate excludes it;
  * Dask: a LocalCluster of 2 single-threaded worker processes on loopback (started outside
    the timing), through ``Client.get_executor()``;
  * per-task overhead: empty chunks mapped through the process pool and through Dask;
  * optionally a full sweep of ``--full`` runs on 2 workers (the "1,000 runs" figure).

The machine is shared: the script prints the load average and CPU times beside wall times, and
takes the best of ``--repeat`` timings of the short measurements.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "deir_ez_zor_2017.yaml"


def write_sweep(folder: Path, runs: int) -> Path:
    """A sweep of the default scenario (120 days) with ``runs`` runs over two parameter points."""
    data = {
        "format": 1, "name": "bench", "scenario": str(SCENARIO), "days": 120, "seed": 1,
        "replicates": max(1, runs // 2),
        "parameters": {"factions.isis.rules.forced_conscription.with.rate": [0.005, 0.02]},
        "metrics": [
            {"metric": "siege_lifted_day", "towns": ["dez_joura", "dez_brigade_137"]},
            {"metric": "capture_day", "town": "mayadin", "faction": "saa"},
            "towns_held", "casualties"],
    }
    path = folder / f"bench_{runs}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def timed_sweep(sweep: Path, out: Path, **kwargs: Any) -> dict[str, float]:
    """Run a sweep as ``frontline sweep`` does.

    Returns wall time, rate, and the CPU time of this process and of its finished child
    processes (a process pool's workers, once it has shut down).
    """
    from sim.sweep.execute import run_sweep
    from sim.sweep.spec import load_sweep

    plan = load_sweep(sweep)
    cpu0, kids0 = time.process_time(), _children_cpu()
    t0 = time.perf_counter()
    outcome = run_sweep(plan, out, console=Console(file=io.StringIO()), progress=False,
                        **kwargs)
    wall = time.perf_counter() - t0
    assert outcome.complete and outcome.failed == 0, outcome
    main_cpu = time.process_time() - cpu0
    return {"runs": outcome.ran, "wall_s": wall, "runs_per_s": outcome.ran / wall,
            "main_cpu_s": main_cpu, "cpu_s": main_cpu + _children_cpu() - kids0,
            "worker_s": outcome.worker_seconds, "worker_cpu_s": outcome.worker_cpu_seconds,
            "load": os.getloadavg()[0]}


def breakdown(r: dict[str, float], workers: int) -> str:
    """Where a sweep's wall time went, per run: the workers' chunks, their CPU, the rest."""
    n = r["runs"]
    return (f"per run: {1000 * r['wall_s'] * workers / n:.0f} ms of wall per worker, of which "
            f"{1000 * r['worker_s'] / n:.0f} ms in chunks ({1000 * r['worker_cpu_s'] / n:.0f} "
            f"ms CPU: the workers had a core {r['worker_cpu_s'] / max(r['worker_s'], 1e-9):.0%}"
            f" of the time), the rest start-up, waiting and the merge; main process "
            f"{1000 * r['main_cpu_s'] / n:.1f} ms CPU a run; load average {r['load']:.1f}")


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def pool_startup(workers: int) -> float:
    """Seconds to start a spawned pool and have every worker import the run code and Mesa."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_import_model, range(workers)))
    return time.perf_counter() - t0


def _import_model(_: int) -> int:
    import sim.model  # noqa: F401

    return os.getpid()


def task_overhead(executor: Any, n: int) -> float:
    """Seconds per task of mapping ``n`` empty chunks (warm workers)."""
    from sim.sweep.runner import Chunk, run_chunk

    empty = Chunk({}, 1, {}, (), (), ())
    list(executor.map(run_chunk, [empty] * 8))  # warm up
    t0 = time.perf_counter()
    futures = [executor.submit(run_chunk, empty) for _ in range(n)]
    for f in futures:
        f.result()
    return (time.perf_counter() - t0) / n


def best(results: list[dict[str, float]]) -> dict[str, float]:
    """The fastest of repeated timings (the others were slowed by other work)."""
    return min(results, key=lambda r: r["wall_s"])


def main() -> int:
    """Measure, print, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="runs per measurement")
    parser.add_argument("--repeat", type=int, default=2, help="repeats (best is kept)")
    parser.add_argument("--full", type=int, default=0, help="also time a sweep of this many "
                                                            "runs on 2 workers")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    out: dict[str, Any] = {"python": platform.python_version(), "cores": os.cpu_count(),
                           "load_before": os.getloadavg()}
    from sim.model import TerritoryModel
    from sim.scenario import load_scenario

    base = load_scenario(SCENARIO)
    TerritoryModel(base, seed=0, days=120).run()  # warm
    t0 = time.perf_counter()
    for s in range(5):
        TerritoryModel(base, seed=s, days=120).run()
    out["model_run_s"] = (time.perf_counter() - t0) / 5
    print(f"one run of the default scenario (120 days), in process: "
          f"{out['model_run_s'] * 1000:.0f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sweep = write_sweep(folder, args.runs)
        n = [0]

        def fresh(name: str) -> Path:
            n[0] += 1
            return folder / f"{name}{n[0]}.parquet"

        serial: list[dict[str, float]] = []
        pool: list[dict[str, float]] = []
        starts: list[float] = []
        for _ in range(args.repeat):  # interleaved, so that a burst of other work hits both
            serial.append(timed_sweep(sweep, fresh("serial"), workers=1))
            starts.append(pool_startup(2))
            pool.append(timed_sweep(sweep, fresh("pool"), workers=2))
        out["serial"], out["pool2"] = s1, p = best(serial), best(pool)
        out["pool_startup_s"] = min(starts)
        print(f"serial:    {s1['runs_per_s']:.2f} runs/s ({s1['runs']} runs in "
              f"{s1['wall_s']:.1f} s; CPU {1000 * s1['cpu_s'] / s1['runs']:.0f} ms a run)")
        p["steady_runs_per_s"] = p["runs"] / max(p["wall_s"] - out["pool_startup_s"], 1e-9)
        out["speedup_wall"] = p["runs_per_s"] / s1["runs_per_s"]
        out["speedup_steady"] = p["steady_runs_per_s"] / s1["runs_per_s"]
        print(f"2 workers: {p['runs_per_s']:.2f} runs/s wall incl. {out['pool_startup_s']:.1f} s "
              f"pool start-up (speed-up {out['speedup_wall']:.2f}x, efficiency "
              f"{out['speedup_wall'] / 2:.0%}); steady state {p['steady_runs_per_s']:.2f} runs/s "
              f"(speed-up {out['speedup_steady']:.2f}x, efficiency "
              f"{out['speedup_steady'] / 2:.0%}); CPU {1000 * p['cpu_s'] / p['runs']:.0f} ms a "
              f"run incl. start-up, of which the main process {p['main_cpu_s']:.1f} s; "
              f"{breakdown(p, 2)}")
        out["cpu_efficiency"] = s1["cpu_s"] / p["cpu_s"]

        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from distributed import Client, LocalCluster

        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
            out["pool_task_overhead_ms"] = task_overhead(ex, 400) * 1000
        t0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            out["dask_cluster_start_s"] = time.perf_counter() - t0
            address = cluster.scheduler_address
            out["dask_task_overhead_ms"] = task_overhead(
                client.get_executor(pure=False), 400) * 1000
            out["dask2"] = best([timed_sweep(sweep, fresh("dask"), dask=address)
                                 for _ in range(args.repeat)])
        d = out["dask2"]
        out["dask_overhead_per_run_ms"] = 1000 * (1 / d["runs_per_s"] - 1 / p["steady_runs_per_s"])
        print(f"Dask LocalCluster (2 workers, started in {out['dask_cluster_start_s']:.1f} s): "
              f"{d['runs_per_s']:.2f} runs/s; per task: Dask "
              f"{out['dask_task_overhead_ms']:.2f} ms, process pool "
              f"{out['pool_task_overhead_ms']:.2f} ms; Dask vs pool steady state: "
              f"{out['dask_overhead_per_run_ms']:+.1f} ms a run")

        if args.full:
            big = write_sweep(folder, args.full)
            out["full"] = timed_sweep(big, fresh("full"), workers=2)
            f = out["full"]
            print(f"{f['runs']} runs on 2 workers: {f['wall_s']:.0f} s "
                  f"({f['runs_per_s']:.2f} runs/s); {breakdown(f, 2)}")
    out["load_after"] = os.getloadavg()
    print(f"load average before {out['load_before'][0]:.2f}, after {out['load_after'][0]:.2f} "
          f"(2 cores; other work on the machine slows every figure)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
