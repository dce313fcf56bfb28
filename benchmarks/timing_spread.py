"""Why one tree's run time differs between processes: an experiment, figures per process.

Usage (from the repository root)::

    python benchmarks/timing_spread.py                    # 8 processes per condition
    python benchmarks/timing_spread.py --procs 12 --runs 6 --json spread.json

Each worker process imports the model, then times ``--runs`` runs of the default scenario
(``TerritoryModel(loaded, seed=1).run()``, the first one cold) and, before each run, a fixed
piece of pure-Python work (the "calibration": it does not touch the model, so what slows it is
the machine, not the model: load, frequency, another process on the core). Beside CPU and wall
time each run reports the garbage collector's time and collections (``gc.callbacks``) and the
involuntary context switches (``getrusage``). The conditions, interleaved process by process so
that the load hits them alike:

* ``random``: as a shell starts Python (hash randomisation on, ASLR on);
* ``hash0``: ``PYTHONHASHSEED=0`` (set and dict-of-str iteration orders fixed);
* ``noaslr``: ``setarch -R`` (the same addresses in every process) with ``PYTHONHASHSEED=0``;
* ``nogc``: ``PYTHONHASHSEED=0`` and the collector off during the timed runs.

The report gives, per condition, the spread between processes (max/min and the coefficient of
variation of each process's median warm run) against the spread within a process.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

CONDITIONS: dict[str, tuple[list[str], dict[str, str]]] = {
    "random": ([], {}),
    "hash0": ([], {"PYTHONHASHSEED": "0"}),
    "noaslr": (["setarch", "-R"], {"PYTHONHASHSEED": "0"}),
    "nogc": ([], {"PYTHONHASHSEED": "0", "SPREAD_NOGC": "1"}),
}


def _calibrate() -> float:
    """CPU seconds of a fixed pure-Python loop (no model code, no allocation to speak of)."""
    c = time.process_time()
    x = 0
    for i in range(300_000):
        x = (x + i * i) % 1_000_003
    return time.process_time() - c


def _worker(runs: int) -> dict[str, Any]:
    t_import = time.process_time()
    from sim.model import DEFAULT_SCENARIO, TerritoryModel
    from sim.scenario import load_scenario

    loaded = load_scenario(DEFAULT_SCENARIO)
    imports = time.process_time() - t_import
    gc_time = [0.0, 0, 0.0]  # seconds, collections, start

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_time[2] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_time[2]
            gc_time[1] += 1

    gc.callbacks.append(watch)
    nogc = os.environ.get("SPREAD_NOGC") == "1"
    rows = []
    for _ in range(runs):
        cal = _calibrate()
        if nogc:
            gc.disable()
        gc_time[:2] = [0.0, 0]
        ru = resource.getrusage(resource.RUSAGE_SELF)
        c, t = time.process_time(), time.perf_counter()
        TerritoryModel(loaded, seed=1).run()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        ru2 = resource.getrusage(resource.RUSAGE_SELF)
        if nogc:
            gc.enable()
        rows.append({"cpu": cpu, "wall": wall, "cal": cal, "gc_s": gc_time[0],
                     "gc_n": gc_time[1], "ivcsw": ru2.ru_nivcsw - ru.ru_nivcsw,
                     "minflt": ru2.ru_minflt - ru.ru_minflt})
    return {"imports_cpu": imports, "runs": rows, "hash": hash("frontline"),
            "addr": hex(id(object()))}


def _spawn(cond: str, runs: int) -> dict[str, Any]:
    prefix, extra = CONDITIONS[cond]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    env.update(extra, PYTHONPATH=str(ROOT))
    proc = subprocess.run([*prefix, sys.executable, __file__, "--worker", str(runs)],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load"] = os.getloadavg()[0]
    return out


def _summary(procs: list[dict[str, Any]]) -> dict[str, float]:
    first = [p["runs"][0]["cpu"] for p in procs]
    warm = [statistics.median(r["cpu"] for r in p["runs"][1:]) for p in procs]
    within = [max(r["cpu"] for r in p["runs"][1:]) / min(r["cpu"] for r in p["runs"][1:])
              for p in procs]
    cal = [statistics.median(r["cal"] for r in p["runs"]) for p in procs]
    norm = [w / c for w, c in zip(warm, cal, strict=True)]
    gc_s = [statistics.median(r["gc_s"] for r in p["runs"][1:]) for p in procs]
    return {
        "first_ms": 1000 * statistics.median(first),
        "warm_ms": 1000 * statistics.median(warm),
        "warm_min_ms": 1000 * min(warm), "warm_max_ms": 1000 * max(warm),
        "between": max(warm) / min(warm),
        "cv": statistics.stdev(warm) / statistics.mean(warm) if len(warm) > 1 else 0.0,
        "within": statistics.median(within),
        "cal_between": max(cal) / min(cal),
        "norm_between": max(norm) / min(norm),
        "gc_ms": 1000 * statistics.median(gc_s),
        "ivcsw": statistics.median(r["ivcsw"] for p in procs for r in p["runs"][1:]),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the conditions interleaved, print the table."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        print(json.dumps(_worker(int(argv[1]))))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--procs", type=int, default=8, help="processes per condition")
    p.add_argument("--runs", type=int, default=5, help="runs per process (the first is cold)")
    p.add_argument("--conditions", default=",".join(CONDITIONS))
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    conds = args.conditions.split(",")
    res: dict[str, list[dict[str, Any]]] = {c: [] for c in conds}
    for i in range(args.procs):
        for c in (conds if i % 2 == 0 else conds[::-1]):
            res[c].append(_spawn(c, args.runs))
    print(f"{args.procs} processes per condition, {args.runs} runs each (first cold); CPU ms")
    print("condition  first  warm med   min    max  between   cv  within  cal-between  "
          "warm/cal-between  gc ms  ivcsw")
    for c in conds:
        s = _summary(res[c])
        print(f"{c:9} {s['first_ms']:6.0f} {s['warm_ms']:8.0f} {s['warm_min_ms']:6.0f} "
              f"{s['warm_max_ms']:6.0f} {s['between']:7.2f}x {s['cv']:5.1%} "
              f"{s['within']:6.2f}x {s['cal_between']:9.2f}x {s['norm_between']:14.2f}x "
              f"{s['gc_ms']:7.1f} {s['ivcsw']:5.0f}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
