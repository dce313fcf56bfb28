"""One phase of the default scenario, this tree against a git revision, interleaved in one process.

Usage (from the repository root)::

    PYTHONPATH=$PWD python benchmarks/interleave_phase.py --old 29d15d0 [--phase give_orders]
        [--rounds 40] [--days 118]

The revision's ``sim/`` is exported (``git archive``) under /tmp as a package named ``simold``
(its imports rewritten), so both trees run in one process. Each round builds one model of each
tree on this tree's default scenario file, runs two warm-up days, then steps the two models
alternately day by day (the order swapped every day), timing the phase function that
``sim.model`` calls (``give_orders``, ``fight``, ...) with ``time.process_time`` and
``time.perf_counter``. Load on a shared machine then hits both alike within a day; the figure
is the median over rounds of the per-round ratio old / new, with its range. Before the rounds,
one run of each is profiled (``cProfile``, inside the phase only: a load-free count of calls)
and their results are compared (events, statistics, control, unit positions).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import os
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

SCENARIO = "scenarios/deir_ez_zor_2017.yaml"


def export(rev: str, repo: Path) -> Path:
    """The revision's sim/ as package ``simold`` under /tmp (made once per revision)."""
    out = Path(f"/tmp/interleave_phase/{rev}")
    if not (out / "simold").exists():
        tmp = out / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        subprocess.run(f"git -C {repo} archive {rev} sim | tar -x -C {tmp}", shell=True,
                       check=True)
        (tmp / "sim").rename(out / "simold")
        imports = re.compile(r"\b(from|import)\s+sim\b")
        for p in (out / "simold").rglob("*.py"):
            text = imports.sub(lambda m: f"{m.group(1)} simold", p.read_text())
            p.write_text(text.replace('"sim.', '"simold.').replace("'sim.", "'simold."))
        (out / "scenarios").symlink_to(repo / "scenarios")
    return out


def timed(mod: ModuleType, phase: str, acc: list[float],
          profile: cProfile.Profile | None = None) -> Callable[[], None]:
    """Wrap ``mod.<phase>`` to add its CPU and wall seconds to ``acc``; returns the undo."""
    real = getattr(mod, phase)

    def wrapper(*args: Any, **kw: Any) -> Any:
        if profile is not None:
            profile.enable()
        c, w = time.process_time(), time.perf_counter()
        try:
            return real(*args, **kw)
        finally:
            acc[0] += time.process_time() - c
            acc[1] += time.perf_counter() - w
            if profile is not None:
                profile.disable()

    setattr(mod, phase, wrapper)
    return lambda: setattr(mod, phase, real)


def signature(m: Any) -> tuple[str, str, bytes, str]:
    """What a run leaves, to compare the two trees' results."""
    r = m.record
    return (repr(r.series), repr(r.events), m.towns.controller.tobytes(),
            repr([(u.key, u.node, u.dest, u.progress, u.fighters) for u in m.unit_list]))


def profiled(mod: ModuleType, scenario: str, phase: str, days: int) -> tuple[int, Any]:
    """(calls inside the phase over ``days`` days after 2 warm-up days, the run's signature).

    After one run unprofiled: the conditions compiled once per process are compiled by then.
    """
    mod.TerritoryModel(scenario).run(2 + days)
    m = mod.TerritoryModel(scenario)
    m.run(2)
    prof = cProfile.Profile()
    undo = timed(mod, phase, [0.0, 0.0], prof)
    try:
        m.run(days)
    finally:
        undo()
    return pstats.Stats(prof).total_calls, signature(m)  # type: ignore[attr-defined]


def round_(mods: dict[str, ModuleType], scenario: str, phase: str, days: int
           ) -> dict[str, tuple[float, float]]:
    """One round: (phase CPU ms a day, whole-day CPU ms) per tree, stepped alternately."""
    models = {name: mod.TerritoryModel(scenario) for name, mod in mods.items()}
    for m in models.values():
        m.run(2)
    acc = {name: [0.0, 0.0] for name in mods}
    day_cpu = dict.fromkeys(mods, 0.0)
    undo = [timed(mod, phase, acc[name]) for name, mod in mods.items()]
    try:
        names = list(mods)
        for d in range(days):
            for name in names if d % 2 == 0 else names[::-1]:
                c = time.process_time()
                models[name].step()
                day_cpu[name] += time.process_time() - c
    finally:
        for u in undo:
            u()
    return {name: (1000 * acc[name][0] / days, 1000 * day_cpu[name] / days) for name in mods}


def main() -> None:
    """Compare the phase of the two trees and print the figures."""
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--old", required=True, help="git revision to compare with")
    p.add_argument("--phase", default="give_orders", help="a function sim.model calls")
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--days", type=int, default=118)
    args = p.parse_args()
    repo = Path(os.getcwd())
    sys.path.insert(0, str(export(args.old, repo)))
    mods = {"old": importlib.import_module("simold.model"),
            "new": importlib.import_module("sim.model")}
    scenario = str(repo / SCENARIO)
    counts = {name: profiled(mod, scenario, args.phase, args.days) for name, mod in mods.items()}
    print(f"results identical: {counts['old'][1] == counts['new'][1]}")
    print(f"calls inside {args.phase} over {args.days} days: old {counts['old'][0]:,}, "
          f"new {counts['new'][0]:,}")
    rounds = [round_(mods, scenario, args.phase, args.days) for _ in range(args.rounds)]
    for name in mods:
        ms = [r[name][0] for r in rounds]
        print(f"{name}: {args.phase} CPU ms/day median {statistics.median(ms):.3f} "
              f"[{min(ms):.3f}-{max(ms):.3f}]; whole day CPU ms median "
              f"{statistics.median(r[name][1] for r in rounds):.3f}")
    ratios = [r["old"][0] / r["new"][0] for r in rounds]
    print(f"old/new {args.phase} CPU: median {statistics.median(ratios):.3f} "
          f"[{min(ratios):.3f}-{max(ratios):.3f}] over {args.rounds} rounds")


if __name__ == "__main__":
    main()
