"""The current tree against a reference commit, measured side by side in one run.

Usage (from the repository root)::

    python benchmarks/compare_ref.py                      # default scenario + start-up
    python benchmarks/compare_ref.py --towns 10000        # also a 10,000-town theatre per day
    python benchmarks/compare_ref.py --ref d4e1af3 --rounds 7 --startup 15 --json out.json
    python benchmarks/compare_ref.py --instructions --rounds 0 --startup 0   # counts only, ~4 min

The reference commit (default ``d4e1af3``, the code of 2026-12-01) is checked out as a detached
git worktree under /tmp for the duration of the run and removed afterwards. Every measurement
runs in a fresh subprocess with one tree first on ``sys.path``; the two trees alternate round by
round (current, reference, reference, current, ...), so load on a shared machine hits both
alike and the ratios are comparable even when the absolute times are not. Each worker reports
CPU time (``time.process_time``) beside wall time; the ratios are of medians.

Measured:

* ``default``: build + 120 days of each tree's own default scenario
  (``TerritoryModel(loaded).run()``), the median of ``--repeats`` runs after one warm-up run,
  per worker;
* ``same`` (unless ``--no-same``): the same, with the reference's default scenario file on both
  trees: the same work, so the ratio is the code's alone even when the default scenario has
  since gained mechanics (the current tree must still load that file);
* ``synthetic N`` (``--towns N``): a generated theatre (3 factions, seed 1); the build, then each
  of ``--days`` days (so a garbage-collection spike on one day shows in the per-day figures);
* start-up (``--startup K``): ``python -m sim run <default scenario> --quiet`` of each tree and
  ``python -c "import mesa"``, K interleaved whole processes each, wall time and the child's
  CPU time (user + system, from ``os.wait4``), hyperfine-like. Each tree's bytecode is written
  first (``compileall``, as installing the package does; ``--no-bytecode``: not, so that with
  PYTHONDONTWRITEBYTECODE set every process compiles the package from source);
* instructions (``--instructions``): the default scenario and the same work counted under
  ``valgrind --tool=callgrind`` (``benchmarks/callgrind.py``): only the counted run, after the
  imports and a warm-up run (``--instr-days`` days, default the scenario's; ``--instr-repeat``
  counts per tree, whose spread is the count's repeatability). Load does not move a count, so
  this ratio holds on a busy machine where the timed ones swing.

Every worker runs with ``PYTHONHASHSEED=0`` (unless it is set), so both trees iterate their
sets and string-keyed dicts alike in every process. A timed worker's figure is the median of
its runs; the report gives each worker's figure, their spread, and the ratio of the two
workers of each round (timed next to each other), whose median and range say how far the
machine moved the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import callgrind

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REF = "d4e1af3"
SCENARIO = "scenarios/deir_ez_zor_2017.yaml"


# --------------------------------------------------------------------------- workers

def _worker_default(repeats: int, scenario: str | None = None) -> dict[str, Any]:
    from sim.model import DEFAULT_SCENARIO, TerritoryModel
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario or DEFAULT_SCENARIO)
    c = time.process_time()
    TerritoryModel(loaded).run()  # warm-up: lazy imports, regexes, numpy dispatch
    first = time.process_time() - c
    wall, cpu = [], []
    days = 0
    for _ in range(repeats):
        c, t = time.process_time(), time.perf_counter()
        model = TerritoryModel(loaded)
        model.run()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        days = model.day
    return {"days": days, "wall_s": statistics.median(wall), "cpu_s": statistics.median(cpu),
            "first_cpu_s": first, "runs_cpu_s": cpu}


def _worker_instructions(days: int, scenario: str | None = None) -> None:
    """A warm-up run, then one counted run of ``days`` days; leaves without shutting down."""
    from sim.model import DEFAULT_SCENARIO, TerritoryModel
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario or DEFAULT_SCENARIO)
    days = days or loaded.scenario.simulation.days
    TerritoryModel(loaded).run(days)
    callgrind.start_counting()
    model = TerritoryModel(loaded).run(days)
    print(json.dumps({"days": model.day}), flush=True)
    os._exit(0)  # Python's shutdown is not the model's work


def _worker_synthetic(towns: int, days: int) -> dict[str, Any]:
    from sim.generate import generate_scenario
    from sim.model import TerritoryModel
    from sim.scenario import load_scenario

    loaded = load_scenario(generate_scenario(towns, 3, None, seed=1))
    c, t = time.process_time(), time.perf_counter()
    model = TerritoryModel(loaded)
    out: dict[str, Any] = {"build_wall_s": time.perf_counter() - t,
                           "build_cpu_s": time.process_time() - c}
    wall, cpu = [], []
    for _ in range(days):
        c, t = time.process_time(), time.perf_counter()
        model.step()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    out.update(day_wall_s=wall, day_cpu_s=cpu, wall_s=statistics.median(wall),
               cpu_s=statistics.median(cpu))
    return out


def _worker_main(argv: list[str]) -> int:
    tree, kind, *rest = argv
    sys.path.insert(0, tree)
    if kind == "instructions":
        _worker_instructions(int(rest[0]), rest[1] if len(rest) > 1 else None)
    if kind == "default":
        out = _worker_default(int(rest[0]), rest[1] if len(rest) > 1 else None)
    else:
        out = _worker_synthetic(int(rest[0]), int(rest[1]))
    print(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- driver

def _child_env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env.setdefault("PYTHONHASHSEED", "0")  # the same set and dict orders in every process
    return env


def _worker(tree: Path, args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--worker", str(tree), *args],
                          capture_output=True, text=True, env=_child_env(tree), cwd=tree,
                          timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} in {tree} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _timed_process(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and the child's CPU seconds (user + system) of one whole process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    if proc.stderr:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def _interleave(trees: dict[str, Path], rounds: int, args: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {name: [] for name in trees}
    names = list(trees)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            out[name].append(_worker(trees[name], args))
    return out


def _instructions(trees: dict[str, Path], repeat: int, args: list[str]
                  ) -> dict[str, list[int]]:
    """Instruction counts of the counted run, ``repeat`` per tree, trees alternating."""
    out: dict[str, list[int]] = {name: [] for name in trees}
    for _ in range(repeat):
        for name, tree in trees.items():
            n, _stdout = callgrind.count([sys.executable, __file__, "--worker", str(tree),
                                          "instructions", *args], _child_env(tree), tree)
            out[name].append(n)
    return out


def _med(rows: list[dict], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def _compile(tree: Path) -> None:
    """Write the tree's bytecode, as installing the package does (``compileall``).

    Without it, a shell with PYTHONDONTWRITEBYTECODE set (as on the project's machines)
    compiles every module of the package from source in every process; Mesa and the other
    installed packages were compiled when they were installed.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", "sim", "viz"], cwd=tree,
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _startup(
    trees: dict[str, Path], repeats: int, bytecode: bool = True
) -> dict[str, dict[str, float]]:
    if bytecode:
        for tree in trees.values():
            _compile(tree)
    cmds: dict[str, tuple[list[str], dict[str, str], Path]] = {
        "import mesa": ([sys.executable, "-c", "import mesa"], dict(os.environ), ROOT)}
    for name, tree in trees.items():
        cmds[f"run ({name})"] = ([sys.executable, "-m", "sim", "run", SCENARIO, "--quiet"],
                                 _child_env(tree), tree)
    for cmd, env, cwd in cmds.values():  # warm the file cache and write bytecode
        _timed_process(cmd, env, cwd)
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    keys = list(cmds)
    for r in range(repeats):
        for k in (keys if r % 2 == 0 else keys[::-1]):
            samples[k].append(_timed_process(*cmds[k]))
    return {k: {"wall_s": statistics.median(w for w, _ in v),
                "cpu_s": statistics.median(c for _, c in v),
                "wall_min_s": min(w for w, _ in v)} for k, v in samples.items()}


def _ref_worktree(ref: str, tmp: Path) -> Path:
    path = tmp / "ref"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path),
                    ref], check=True)
    return path


def _remove_worktree(path: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                   check=False)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}x" if b else "  -  "


def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Run every measurement; returns the results."""
    res: dict[str, Any] = {"ref": args.ref, "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="frontline-ref-") as tmp:
        ref = _ref_worktree(args.ref, Path(tmp))
        try:
            trees = {"current": ROOT, "ref": ref}
            if args.rounds:
                res["default"] = _interleave(trees, args.rounds, ["default", str(args.repeats)])
            if args.rounds and args.same:
                res["same"] = _interleave(trees, args.rounds,
                                          ["default", str(args.repeats), str(ref / SCENARIO)])
            if args.instructions:
                days = str(args.instr_days)
                res["instructions"] = {"days": args.instr_days, "default": _instructions(
                    trees, args.instr_repeat, [days])}
                if args.same:
                    res["instructions"]["same"] = _instructions(
                        trees, args.instr_repeat, [days, str(ref / SCENARIO)])
            if args.towns:
                res["synthetic"] = _interleave(trees, args.synthetic_rounds,
                                               ["synthetic", str(args.towns), str(args.days)])
            if args.startup:
                res["startup"] = _startup(trees, args.startup, args.bytecode)
                res["bytecode"] = args.bytecode
        finally:
            _remove_worktree(ref)
    res["load_after"] = os.getloadavg()
    return res


def _workers(rows: list[dict]) -> str:
    """Each worker's median CPU ms, and max/min of them."""
    cpu = [1000 * r["cpu_s"] for r in rows]
    return " ".join(f"{c:.0f}" for c in cpu) + f"   {max(cpu) / min(cpu):.2f}x"


def _paired(d: dict[str, list[dict]]) -> str:
    """Median and range of ref/current CPU per round (the two workers timed side by side)."""
    pairs = [r["cpu_s"] / c["cpu_s"] for c, r in zip(d["current"], d["ref"], strict=True)]
    return f"median {statistics.median(pairs):.2f}x, range {min(pairs):.2f}-{max(pairs):.2f}"


def _counts(counts: list[int]) -> str:
    """A tree's instruction count (median), with the counts' relative spread if counted again."""
    text = f"{statistics.median(counts) / 1e6:,.1f}M"
    if len(counts) > 1:
        text += f" (+-{(max(counts) - min(counts)) / statistics.median(counts) / 2:.2%})"
    return text


def report(res: dict[str, Any]) -> str:
    """The figures as a text table."""
    lines = [f"reference {res['ref']}; load average before "
             f"{' '.join(f'{x:.1f}' for x in res['load_before'])}, after "
             f"{' '.join(f'{x:.1f}' for x in res['load_after'])}"]
    titles = {"default": "each tree's own default scenario",
              "same": "the reference's default scenario file on both trees (the same work)"}
    for kind, title in titles.items():
        if kind not in res:
            continue
        d = res[kind]
        cw, cc = _med(d["current"], "wall_s"), _med(d["current"], "cpu_s")
        rw, rc = _med(d["ref"], "wall_s"), _med(d["ref"], "cpu_s")
        lines += ["", f"{title}, build + {d['current'][0]['days']} days "
                  f"(median of {len(d['current'])} workers' medians):",
                  "            wall ms   CPU ms   each worker's CPU ms (in order)   spread",
                  f"current    {1000 * cw:7.1f}  {1000 * cc:7.1f}   {_workers(d['current'])}",
                  f"reference  {1000 * rw:7.1f}  {1000 * rc:7.1f}   {_workers(d['ref'])}",
                  f"ref/current {_ratio(rw, cw)}  {_ratio(rc, cc)}   (speed-up); CPU ratio of "
                  f"each round's two workers: {_paired(d)}"]
    if "instructions" in res:
        ins = res["instructions"]
        days = ins["days"] or "the scenario's"
        lines += ["", f"instructions (callgrind), build + {days} days after a warm-up run, "
                  "counted alone (no start-up, imports or shutdown):",
                  "                       current Ir        reference Ir   ref/current"]
        for kind, title in (("default", "own scenario"), ("same", "the same work")):
            if kind in ins:
                c, r = ins[kind]["current"], ins[kind]["ref"]
                lines.append(f"{title:15} {_counts(c):>17} {_counts(r):>19}   "
                             f"{_ratio(statistics.median(r), statistics.median(c))}")
    if "synthetic" in res:
        s = res["synthetic"]
        lines += ["", "synthetic theatre, ms per day (median of days) and build s:",
                  "            day wall  day CPU  build wall  build CPU  per-day CPU ms"]
        for name in ("current", "ref"):
            rows = s[name]
            per_day = [statistics.median(col) for col in
                       zip(*(r["day_cpu_s"] for r in rows), strict=True)]
            lines.append(f"{name:10} {1000 * _med(rows, 'wall_s'):8.1f} "
                         f"{1000 * _med(rows, 'cpu_s'):8.1f} {_med(rows, 'build_wall_s'):10.2f} "
                         f"{_med(rows, 'build_cpu_s'):10.2f}  "
                         + " ".join(f"{1000 * x:.0f}" for x in per_day))
        lines.append(f"ref/current {_ratio(_med(s['ref'], 'wall_s'), _med(s['current'], 'wall_s'))}"
                     f" {_ratio(_med(s['ref'], 'cpu_s'), _med(s['current'], 'cpu_s'))}")
    if "startup" in res:
        st = res["startup"]
        mw, mc = st["import mesa"]["wall_s"], st["import mesa"]["cpu_s"]
        how = ("bytecode written first, as an install does" if res.get("bytecode", True)
               else "no bytecode: every module compiled in every process")
        lines += ["", f"start-up, whole processes (median; ratio to `import mesa`; {how}):",
                  "                      wall s  CPU s   wall min   ratio wall  ratio CPU"]
        for k, v in st.items():
            lines.append(f"{k:20} {v['wall_s']:7.3f} {v['cpu_s']:6.3f} {v['wall_min_s']:8.3f}"
                         f"     {_ratio(v['wall_s'], mw)}     {_ratio(v['cpu_s'], mc)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return _worker_main(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ref", default=DEFAULT_REF, help="reference commit (default %(default)s)")
    p.add_argument("--rounds", type=int, default=6,
                   help="workers per tree, default scenario (0: not timed)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs per default worker")
    p.add_argument("--no-same", dest="same", action="store_false",
                   help="skip running the reference's default scenario file on both trees")
    p.add_argument("--towns", type=int, default=0, help="also time a theatre of N towns")
    p.add_argument("--days", type=int, default=8, help="days timed per theatre worker")
    p.add_argument("--synthetic-rounds", type=int, default=2, help="workers per tree, theatre")
    p.add_argument("--startup", type=int, default=10, help="whole processes per command (0: no)")
    p.add_argument("--no-bytecode", dest="bytecode", action="store_false",
                   help="start-up without writing the trees' bytecode first (compileall)")
    p.add_argument("--instructions", action="store_true",
                   help="also count instructions under callgrind (valgrind; ~1 min a count)")
    p.add_argument("--instr-days", type=int, default=0,
                   help="days of a counted run (default: the scenario's)")
    p.add_argument("--instr-repeat", type=int, default=1,
                   help="counts per tree and scenario (2: shows the count's repeatability)")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    args = p.parse_args(argv)
    if args.instructions and not callgrind.available():
        p.error("--instructions needs valgrind and callgrind_control on PATH")
    res = compare(args)
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
