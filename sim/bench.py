"""``frontline bench``: speed and scaling, measured against Mesa's VirusOnNetwork on this machine.

What is measured (all timings are medians unless said otherwise):

* the default scenario, 120 days, in-process (model build + run, and run alone);
* start-up: ``frontline run <default> --quiet`` end-to-end against ``python -c "import mesa"``;
* synthetic theatres (``sim.generate``) of 1,000 / 10,000 / 100,000 towns with one unit per ten
  towns, each in a fresh subprocess so that its peak memory (``ru_maxrss``) is its own:
  generating, writing and loading the YAML file, building the model from plain data, and
  milliseconds per simulated day;
* Mesa's ``VirusOnNetwork`` example at the same node counts, also in fresh subprocesses, as a
  baseline: milliseconds per step once its epidemic is under way (its default parameters and
  outbreak; steps timed after a warm-up), and the ratio (our time per town-day) / (its time
  per node-step).

Workers are this module run as ``python -m sim.bench worker KIND N STEPS``; each prints one JSON
line. Nothing here is imported by the simulation.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import atomic
from sim.errors import FrontlineError

__all__ = ["bench_command", "machine_info"]

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200, 1_000)
DAYS = 10  # simulated days timed per synthetic theatre (after the build)
VIRUS_STEPS = 10
VIRUS_WARMUP = 25  # steps before timing: the default outbreak (one node) needs ~15-20 to spread
DEFAULT_REPEATS = 7
STARTUP_REPEATS = 5
WORKER_TIMEOUT_S = 1800
PACKAGES = ("mesa", "numpy", "scipy", "networkx", "pydantic", "pyyaml")


# ------------------------------------------------------------------------ machine

def _time_steps(step: Callable[[], Any], n: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each of ``n`` calls of ``step``."""
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu

def machine_info() -> dict[str, Any]:
    """The machine and the versions the figures were measured with."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    try:
        import yaml

        libyaml = bool(yaml.__with_libyaml__)
    except ImportError:
        libyaml = False
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "versions": versions, "libyaml": libyaml,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


# ------------------------------------------------------------------------ workers
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _worker_synthetic(towns: int, days: int, with_yaml: bool) -> dict[str, Any]:
    import gc

    t = time.perf_counter()
    from sim.generate import generate_scenario, scenario_yaml
    from sim.model import TerritoryModel
    from sim.scenario import load_scenario

    out: dict[str, Any] = {"towns": towns, "import_s": time.perf_counter() - t}
    t = time.perf_counter()
    data = generate_scenario(towns, 3, None, seed=1)
    out["generate_s"] = time.perf_counter() - t
    out["highways"] = len(data["highways"])
    out["units"] = sum(len(f["forces"]) for f in data["factions"])
    if with_yaml:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "theatre.yaml"
            t = time.perf_counter()
            path.write_text(scenario_yaml(data), encoding="utf-8")
            out["yaml_write_s"] = time.perf_counter() - t
            out["yaml_mb"] = path.stat().st_size / 1e6
            t = time.perf_counter()
            try:
                load_scenario(path)
                out["yaml_load_s"] = time.perf_counter() - t
            except Exception as exc:  # reported, not fatal: the in-memory build still runs
                out["yaml_load_error"] = str(exc).splitlines()[-1][:200]
        gc.collect()
    t = time.perf_counter()
    loaded = load_scenario(data)
    out["validate_s"] = time.perf_counter() - t
    del data
    t = time.perf_counter()
    model = TerritoryModel(loaded)
    out["build_s"] = time.perf_counter() - t
    per_day, cpu_day = _time_steps(model.step, days)
    out["day_ms"] = [1000 * x for x in per_day]
    out["cpu_ms_per_day"] = 1000 * statistics.median(cpu_day)
    out["ms_per_day"] = 1000 * statistics.median(per_day)
    out["ms_per_day_mean"] = 1000 * statistics.fmean(per_day)
    out["events"] = len(model.events)
    out["peak_mb"] = _peak_mb()
    return out


def _worker_virus(nodes: int, steps: int, warmup: int) -> dict[str, Any]:
    import types

    import networkx as nx
    from mesa.discrete_space import Network
    from mesa.examples.basic.virus_on_network import model as virus

    # The example draws G(n, p) with nx.erdos_renyi_graph, which is O(n^2) (5e9 coin flips at
    # 100,000 nodes), and lays it out with spring_layout, which is quadratic too (see
    # PERF-NOTES.md). Same graph distribution in O(n + m), seeded, and random positions.
    rng_seed = 1
    virus.nx = types.SimpleNamespace(
        erdos_renyi_graph=lambda n, p: nx.fast_gnp_random_graph(n, p, seed=rng_seed))

    def network(graph: Any, **kw: Any) -> Network:
        import numpy as np

        pos = np.random.default_rng(rng_seed).random((graph.number_of_nodes(), 2))
        return Network(graph, layout={i: pos[i] for i in graph.nodes}, **kw)

    virus.Network = network
    t = time.perf_counter()
    model = virus.VirusOnNetwork(num_nodes=nodes, rng=rng_seed)
    out: dict[str, Any] = {"nodes": nodes, "build_s": time.perf_counter() - t}
    for _ in range(warmup):
        model.step()
    per_step, cpu_step = _time_steps(model.step, steps)
    out["ms_per_step"] = 1000 * statistics.median(per_step)
    out["cpu_ms_per_step"] = 1000 * statistics.median(cpu_step)
    out["us_per_node_step"] = 1000 * out["ms_per_step"] / nodes
    out["infected_share"] = virus.number_infected(model) / nodes
    out["peak_mb"] = _peak_mb()
    return out


def _run_worker(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "sim.bench", "worker", *args],
                          capture_output=True, text=True, timeout=WORKER_TIMEOUT_S,
                          check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit code {proc.returncode}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------- in-process
def _bench_default(repeats: int) -> dict[str, Any]:
    from sim.model import DEFAULT_SCENARIO, TerritoryModel
    from sim.scenario import load_scenario

    loaded = load_scenario(DEFAULT_SCENARIO)
    TerritoryModel(loaded).run()  # warm caches (imports, regexes, numpy dispatch)
    total, run_only, cpu = [], [], []
    days = 0
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        model = TerritoryModel(loaded)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        total.append(t2 - t0)
        run_only.append(t2 - t1)
        days = model.day
    return {"scenario": str(DEFAULT_SCENARIO.name), "days": days, "repeats": repeats,
            "total_ms": 1000 * statistics.median(total),
            "run_ms": 1000 * statistics.median(run_only),
            "cpu_ms": 1000 * statistics.median(cpu),
            "total_ms_all": [1000 * x for x in total]}


def _time_command(cmd: list[str], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, timeout=300)
        out.append(time.perf_counter() - t)
    return out


def _bench_startup(repeats: int) -> dict[str, Any]:
    from sim.model import DEFAULT_SCENARIO

    exe = Path(sys.executable)
    frontline = exe.parent / "frontline"
    run_cmd = ([str(frontline)] if frontline.exists() else [str(exe), "-m", "sim"]) + [
        "run", str(DEFAULT_SCENARIO), "--quiet"]
    _time_command([str(exe), "-c", "import mesa"], 1)  # warm the file cache
    mesa_t = _time_command([str(exe), "-c", "import mesa"], repeats)
    run_t = _time_command(run_cmd, repeats)
    m, r = statistics.median(mesa_t), statistics.median(run_t)
    return {"import_mesa_s": m, "frontline_run_s": r, "ratio": r / m, "repeats": repeats,
            "command": " ".join(run_cmd[-3:])}


def _slope(xs: list[float], ys: list[float]) -> float | None:
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = statistics.fmean(p[0] for p in pts)
    my = statistics.fmean(p[1] for p in pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


# ------------------------------------------------------------------------ report
def run_bench(quick: bool = False, log: Any = None) -> dict[str, Any]:
    """Run every measurement; returns the results (as written by ``--json``)."""
    def say(msg: str) -> None:
        if log is not None:
            print(msg, file=log, flush=True)

    sizes = QUICK_SIZES if quick else FULL_SIZES
    days = 3 if quick else DAYS
    res: dict[str, Any] = {"machine": machine_info(), "quick": quick,
                           "load_before": os.getloadavg()[0]}
    say("default scenario ...")
    res["default"] = _bench_default(2 if quick else DEFAULT_REPEATS)
    say("start-up ...")
    res["startup"] = _bench_startup(1 if quick else STARTUP_REPEATS)
    res["synthetic"] = []
    res["virus"] = []
    for n in sizes:
        say(f"synthetic theatre, {n:,} towns ...")
        s = _run_worker(["synthetic", str(n), str(days), "yaml"])
        res["synthetic"].append(s)
        say(f"VirusOnNetwork, {n:,} nodes ...")
        v = _run_worker(["virus", str(n), str(2 if quick else VIRUS_STEPS),
                         str(5 if quick else VIRUS_WARMUP)])
        res["virus"].append(v)
        if "ms_per_day" in s and "ms_per_step" in v:
            s["ratio_to_virus"] = (s["ms_per_day"] / n) / (v["ms_per_step"] / n)
            s["cpu_ratio_to_virus"] = (s["cpu_ms_per_day"] / n) / (v["cpu_ms_per_step"] / n)
    ok = [s for s in res["synthetic"] if "ms_per_day" in s]
    okv = [v for v in res["virus"] if "ms_per_step" in v]
    for key, runs, x, y in (("slope", ok, "towns", "ms_per_day"),
                            ("cpu_slope", ok, "towns", "cpu_ms_per_day"),
                            ("virus_slope", okv, "nodes", "ms_per_step"),
                            ("virus_cpu_slope", okv, "nodes", "cpu_ms_per_step")):
        res[key] = _slope([r[x] for r in runs], [r[y] for r in runs])
    res["load_after"] = os.getloadavg()[0]
    return res


def format_report(res: dict[str, Any]) -> str:
    """The results as a plain-text report."""
    m = res["machine"]
    v = m["versions"]
    lines = [f"frontline bench{' (quick)' if res['quick'] else ''} - {m['date']}",
             f"machine: {m['cpu']}, {m['cores']} cores, {m['platform']}",
             f"python {m['python']}, " + ", ".join(f"{k} {v[k]}" for k in v)
             + f", libyaml {'yes' if m['libyaml'] else 'no'}",
             f"load average (1 min) before / after: {res['load_before']:.2f} / "
             f"{res['load_after']:.2f} (the bench itself adds ~1; above ~1.5 other jobs share the "
             "2 cores: wall-clock times grow, CPU times much less)", ""]
    d = res["default"]
    lines.append(f"default scenario ({d['scenario']}), {d['days']} days, median of "
                 f"{d['repeats']}: {d['total_ms']:.1f} ms in-process (build + run; CPU "
                 f"{d['cpu_ms']:.1f} ms), {d['run_ms']:.1f} ms run only")
    s = res["startup"]
    lines.append(f"start-up: `{s['command']}` {s['frontline_run_s']:.2f} s vs "
                 f"`python -c \"import mesa\"` {s['import_mesa_s']:.2f} s: "
                 f"{s['ratio']:.2f}x (median of {s['repeats']})")
    lines.append("")
    head = (f"{'towns':>8} {'highways':>9} {'units':>6} {'gen s':>6} {'yaml MB':>8} "
            f"{'yaml load s':>11} {'validate s':>10} {'build s':>8} {'ms/day':>8} {'cpu':>7} "
            f"{'peak MB':>8} {'virus ms/step':>13} {'cpu':>7} {'ratio':>6} {'cpu':>6}")
    lines += ["synthetic theatres (3 factions, one unit per ten towns; ms/day = median of "
              "the first days after the build)", head]
    for syn, vir in zip(res["synthetic"], res["virus"], strict=True):
        if "error" in syn:
            lines.append(f"{'?':>8} error: {syn['error']}")
            continue
        yl = (f"{syn['yaml_load_s']:11.2f}" if "yaml_load_s" in syn
              else f"{'failed':>11}")
        vs = (f"{vir['ms_per_step']:13.2f} {vir['cpu_ms_per_step']:7.2f}" if "ms_per_step" in vir
              else f"{'error':>13} {'':>7}")
        ratio = (f"{syn['ratio_to_virus']:6.2f} {syn['cpu_ratio_to_virus']:6.2f}"
                 if "ratio_to_virus" in syn else f"{'-':>6} {'-':>6}")
        lines.append(f"{syn['towns']:>8,} {syn['highways']:>9,} {syn['units']:>6,} "
                     f"{syn['generate_s']:6.2f} {syn.get('yaml_mb', 0):8.1f} {yl} "
                     f"{syn['validate_s']:10.2f} {syn['build_s']:8.2f} "
                     f"{syn['ms_per_day']:8.1f} {syn['cpu_ms_per_day']:7.1f} "
                     f"{syn['peak_mb']:8.0f} {vs} {ratio}")
        if "yaml_load_error" in syn:
            lines.append(f"{'':>8} yaml load failed: {syn['yaml_load_error']}")
    if res["slope"] is not None:
        lines.append(f"log-log slope of ms/day against towns: {res['slope']:.2f} wall, "
                     f"{res['cpu_slope']:.2f} CPU (VirusOnNetwork ms/step against nodes: "
                     f"{res['virus_slope']:.2f} wall, {res['virus_cpu_slope']:.2f} CPU)")
    lines.append("ratio = (our ms per town-day) / (VirusOnNetwork ms per node-step), "
                 "measured in this run (wall, and CPU time)")
    for vir in res["virus"]:
        if "error" in vir:
            lines.append(f"VirusOnNetwork error: {vir['error']}")
        else:
            lines.append(f"VirusOnNetwork {vir['nodes']:,} nodes (Mesa's defaults; steps timed "
                         f"after a warm-up, {vir['infected_share']:.0%} infected): built in "
                         f"{vir['build_s']:.2f} s, {vir['us_per_node_step']:.2f} us per "
                         f"node-step, peak {vir['peak_mb']:.0f} MB")
    return "\n".join(lines)


def bench_command(args: argparse.Namespace) -> int:
    """``frontline bench``: measure, print the report, optionally write JSON."""
    res = run_bench(quick=bool(getattr(args, "quick", False)), log=sys.stderr)
    print(format_report(res))
    if getattr(args, "json", None):
        try:
            atomic.write_text(Path(args.json), json.dumps(res, indent=1) + "\n")
        except OSError as exc:
            raise FrontlineError(f"cannot write {args.json}: {exc.strerror or exc}") from None
    return 0


def _worker_main(argv: list[str]) -> int:
    kind, n, steps = argv[0], int(argv[1]), int(argv[2])
    if kind == "synthetic":
        out = _worker_synthetic(n, steps, with_yaml="yaml" in argv[3:])
    elif kind == "virus":
        out = _worker_virus(n, steps, int(argv[3]))
    else:
        raise SystemExit(f"unknown worker kind {kind!r}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        sys.exit(_worker_main(sys.argv[2:]))
    sys.exit(bench_command(argparse.Namespace(json=None, quick="--quick" in sys.argv)))
