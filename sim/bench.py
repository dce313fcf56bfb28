"""``frontline bench``: speed and scaling, measured against Mesa's VirusOnNetwork on this machine.

What is measured (all timings are medians unless said otherwise):

* the default scenario, 120 days, in-process (model build + run, and run alone);
* start-up: ``frontline run <default> --quiet`` end-to-end against ``python -c "import mesa"``;
* synthetic theatres (``sim.generate``) of 1,000 / 10,000 / 100,000 towns with one unit per ten
  towns, and Mesa's ``VirusOnNetwork`` example at the same node counts as a baseline (its default
  parameters and outbreak; steps timed after a warm-up). Each is built once in its own
  subprocess (``sim.benchworkers``), so that its peak memory (``ru_maxrss``) is its own; then
  the two are timed in alternating rounds, ours then VirusOnNetwork, a few steps each. The
  ratio (our time per town-day) / (its time per node-step) is computed per round and reported
  as the median of the rounds with its range, wall-clock and CPU, with the load average: on a
  shared machine VirusOnNetwork's own step moves with the load by up to 2.4x, so only a ratio
  of two figures measured side by side means anything.

Workers are ``python -m sim.bench worker KIND N STEPS`` (see ``sim.benchworkers``). Nothing here
is imported by the simulation.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import atomic
from sim.benchworkers import ServedWorker, worker_main
from sim.errors import FrontlineError

__all__ = ["bench_command", "machine_info"]

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200, 1_000)
ROUNDS = 5  # alternating rounds per size (quick: QUICK_ROUNDS of one step each)
PER_ROUND = 2  # days of ours, then steps of VirusOnNetwork, per round: 10 of each in all
QUICK_ROUNDS = 3
VIRUS_WARMUP = 25  # steps before timing: the default outbreak (one node) needs ~15-20 to spread
DEFAULT_REPEATS = 7
STARTUP_REPEATS = 5
PACKAGES = ("mesa", "numpy", "scipy", "networkx", "pydantic", "pyyaml")


# ------------------------------------------------------------------------ machine

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


# ------------------------------------------------------------------ interleaved
def _median_range(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def _bench_size(n: int, quick: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ours and VirusOnNetwork at ``n`` towns / nodes, timed in alternating rounds.

    Each is built once in its own serving subprocess, then the rounds alternate (ours, then
    VirusOnNetwork, ``per`` steps each); the ratios are per round, so that both sides of each
    ratio saw about the same load on the shared machine.
    """
    rounds, per = (QUICK_ROUNDS, 1) if quick else (ROUNDS, PER_ROUND)
    warmup = 5 if quick else VIRUS_WARMUP
    workers: list[ServedWorker] = []
    try:
        syn_w = ServedWorker(["synthetic", str(n), "serve", "yaml"])
        workers.append(syn_w)
        vir_w = ServedWorker(["virus", str(n), "serve", str(warmup)])
        workers.append(vir_w)
        load0 = os.getloadavg()[0]
        walls: list[float] = []
        cpus: list[float] = []
        vwalls: list[float] = []
        vcpus: list[float] = []
        per_round = []
        for _ in range(rounds):
            ow, oc = syn_w.steps(per)
            vw, vc = vir_w.steps(per)
            walls += ow
            cpus += oc
            vwalls += vw
            vcpus += vc
            per_round.append({
                "ms_per_day": 1000 * statistics.median(ow),
                "cpu_ms_per_day": 1000 * statistics.median(oc),
                "virus_ms_per_step": 1000 * statistics.median(vw),
                "virus_cpu_ms_per_step": 1000 * statistics.median(vc),
                "ratio": statistics.median(ow) / statistics.median(vw),
                "cpu_ratio": statistics.median(oc) / statistics.median(vc),
                "load": os.getloadavg()[0]})
        syn = {**syn_w.info, **syn_w.end()}
        vir = {**vir_w.info, **vir_w.end()}
    except (RuntimeError, OSError, ValueError) as exc:
        for w in workers:
            w.kill()
        msg = {"error": str(exc)[:300]}
        return {"towns": n, **msg}, {"nodes": n, **msg}
    syn["day_ms"] = [1000 * x for x in walls]
    syn["ms_per_day"] = 1000 * statistics.median(walls)
    syn["ms_per_day_mean"] = 1000 * statistics.fmean(walls)
    syn["cpu_ms_per_day"] = 1000 * statistics.median(cpus)
    vir["ms_per_step"] = 1000 * statistics.median(vwalls)
    vir["cpu_ms_per_step"] = 1000 * statistics.median(vcpus)
    vir["us_per_node_step"] = 1000 * vir["ms_per_step"] / n
    syn["rounds"] = per_round
    syn["days_per_round"] = per
    for key in ("ratio", "cpu_ratio"):
        med, lo, hi = _median_range([r[key] for r in per_round])
        name = "ratio_to_virus" if key == "ratio" else "cpu_ratio_to_virus"
        syn[name] = med
        syn[name + "_range"] = [lo, hi]
    syn["load"] = [load0, os.getloadavg()[0]]
    return syn, vir


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
    res: dict[str, Any] = {"machine": machine_info(), "quick": quick,
                           "load_before": os.getloadavg()[0]}
    say("default scenario ...")
    res["default"] = _bench_default(2 if quick else DEFAULT_REPEATS)
    say("start-up ...")
    res["startup"] = _bench_startup(1 if quick else STARTUP_REPEATS)
    res["synthetic"] = []
    res["virus"] = []
    for n in sizes:
        say(f"{n:,} towns: synthetic theatre and VirusOnNetwork, interleaved ...")
        s, v = _bench_size(n, quick)
        res["synthetic"].append(s)
        res["virus"].append(v)
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
    lines += ["synthetic theatres (3 factions, one unit per ten towns): generating, loading, "
              "building",
              f"{'towns':>8} {'highways':>9} {'units':>6} {'gen s':>6} {'yaml MB':>8} "
              f"{'yaml load s':>11} {'validate s':>10} {'build s':>8} {'peak MB':>8}"]
    for syn in res["synthetic"]:
        if "error" in syn:
            lines.append(f"{syn['towns']:>8,} error: {syn['error']}")
            continue
        yl = (f"{syn['yaml_load_s']:11.2f}" if "yaml_load_s" in syn
              else f"{'failed':>11}")
        lines.append(f"{syn['towns']:>8,} {syn['highways']:>9,} {syn['units']:>6,} "
                     f"{syn['generate_s']:6.2f} {syn.get('yaml_mb', 0):8.1f} {yl} "
                     f"{syn['validate_s']:10.2f} {syn['build_s']:8.2f} {syn['peak_mb']:8.0f}")
        if "yaml_load_error" in syn:
            lines.append(f"{'':>8} yaml load failed: {syn['yaml_load_error']}")
    lines += ["", "a day against a VirusOnNetwork step, timed in alternating rounds "
              "(medians; ratio = our ms per town-day / its ms per node-step, the median of the "
              "rounds' ratios [their range])",
              f"{'towns':>8} {'rounds':>6} {'ms/day':>8} {'cpu':>7} {'virus ms/step':>13} "
              f"{'cpu':>7}  {'ratio wall':<19} {'ratio cpu':<19} {'load':>9}"]
    for syn, vir in zip(res["synthetic"], res["virus"], strict=True):
        if "error" in syn:
            continue
        w_lo, w_hi = syn["ratio_to_virus_range"]
        c_lo, c_hi = syn["cpu_ratio_to_virus_range"]
        wall = f"{syn['ratio_to_virus']:.2f} [{w_lo:.2f}-{w_hi:.2f}]"
        cpu = f"{syn['cpu_ratio_to_virus']:.2f} [{c_lo:.2f}-{c_hi:.2f}]"
        load = f"{syn['load'][0]:.1f}-{syn['load'][1]:.1f}"
        lines.append(f"{syn['towns']:>8,} {len(syn['rounds']):>3}x{syn['days_per_round']:<2} "
                     f"{syn['ms_per_day']:8.1f} {syn['cpu_ms_per_day']:7.1f} "
                     f"{vir['ms_per_step']:13.2f} {vir['cpu_ms_per_step']:7.2f}  "
                     f"{wall:<19} {cpu:<19} {load:>9}")
    if res["slope"] is not None:
        lines.append(f"log-log slope of ms/day against towns: {res['slope']:.2f} wall, "
                     f"{res['cpu_slope']:.2f} CPU (VirusOnNetwork ms/step against nodes: "
                     f"{res['virus_slope']:.2f} wall, {res['virus_cpu_slope']:.2f} CPU)")
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


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        sys.exit(worker_main(sys.argv[2:]))
    sys.exit(bench_command(argparse.Namespace(json=None, quick="--quick" in sys.argv)))
