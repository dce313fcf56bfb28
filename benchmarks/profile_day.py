"""Where a simulated day's time goes: per-phase timings and a cProfile of a few days.

Usage:
    .venv/bin/python benchmarks/profile_day.py --towns 10000 [--days 5] [--warmup 2] [--top 25]
    .venv/bin/python benchmarks/profile_day.py --default          # the default scenario

Phases are timed by wrapping the functions ``TerritoryModel.step`` calls (orders, battles,
supply, attrition, the daily ``Sense`` and the bookkeeping), so the table adds up to the day.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sim.model as sm
from sim.generate import generate_scenario
from sim.model import DEFAULT_SCENARIO, TerritoryModel

PHASES = {"faction_actions": "conscription rules", "give_orders": "orders + movement",
          "fight": "battles", "compute_supply": "supply / sieges", "attrition": "attrition",
          "Sense": "daily Sense (x3)"}


def _timed(name: str, fn: Callable[..., Any], acc: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kw: Any) -> Any:
        t = time.process_time()  # CPU time: the shared machine's load inflates wall time
        try:
            return fn(*args, **kw)
        finally:
            acc[name] += time.process_time() - t
    return wrapper


def main() -> None:
    """Run the profile and print the tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--towns", type=int, default=10_000)
    p.add_argument("--default", action="store_true", help="profile the default scenario")
    p.add_argument("--days", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="tottime")
    args = p.parse_args()

    t = time.perf_counter()
    source: Any = DEFAULT_SCENARIO if args.default else generate_scenario(args.towns, 3, None, 1)
    model = TerritoryModel(source)
    print(f"built {model.world.n:,} towns, {model.world.m:,} highways, "
          f"{len(model.unit_list):,} units in {time.perf_counter() - t:.2f} s")
    model.run(args.warmup)

    acc: dict[str, float] = defaultdict(float)
    for name in PHASES:
        setattr(sm, name, _timed(name, getattr(sm, name), acc))
    for meth in ("_update_stats", "_record"):
        setattr(model, meth, _timed(meth, getattr(model, meth), acc))
    t, c = time.perf_counter(), time.process_time()
    model.run(args.days)
    total = time.perf_counter() - t
    cpu = time.process_time() - c
    print(f"\n{args.days} days after {args.warmup} warm-up days: {1000 * total / args.days:.1f} "
          f"ms/day (CPU {1000 * cpu / args.days:.1f} ms/day)")
    print(f"{'phase':<28}{'CPU ms/day':>12}{'share':>8}")
    for name, secs in sorted(acc.items(), key=lambda kv: -kv[1]):
        label = PHASES.get(name, name.strip("_"))
        print(f"{label:<28}{1000 * secs / args.days:12.2f}{secs / cpu:8.0%}")
    rest = cpu - sum(acc.values())
    print(f"{'other':<28}{1000 * rest / args.days:12.2f}{rest / cpu:8.0%}")

    prof = cProfile.Profile()
    prof.enable()
    model.run(args.days)
    prof.disable()
    print()
    pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
