"""Where a simulated day's time goes: per-phase timings and a cProfile of a few days.

Usage:
    .venv/bin/python benchmarks/profile_day.py --towns 10000 [--days 5] [--warmup 2] [--top 25]
    .venv/bin/python benchmarks/profile_day.py --default          # the default scenario

Phases are timed by wrapping the functions ``TerritoryModel.step`` calls (the timeline, force
generation, faction rules, orders and movement, battles, supply, attrition and the record), so
the table adds up to the day; ``Sense.refresh`` runs inside those phases and is shown apart.
The wrappers are removed again when the run is done (``main`` can be called from a test).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sim.model as sm
from sim.generate import generate_scenario
from sim.model import DEFAULT_SCENARIO, TerritoryModel
from sim.sense import Sense

#: function of ``sim.model`` -> label; each is called by ``TerritoryModel.step`` (or its
#: ``_supply`` / ``_collect``) once a day
PHASES = {
    "fire_due": "timeline",
    "generate": "force generation",
    "faction_actions": "faction rules",
    "give_orders": "orders + movement",
    "fight": "battles",
    "compute_supply": "supply / sieges",
    "attrition": "attrition",
    "_collect": "record",
}
INSIDE = "Sense.refresh (inside the above)"


def _timed(name: str, fn: Callable[..., Any], acc: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kw: Any) -> Any:
        t = time.process_time()  # CPU time: the shared machine's load inflates wall time
        try:
            return fn(*args, **kw)
        finally:
            acc[name] += time.process_time() - t
    return wrapper


def _wrap(model: TerritoryModel, acc: dict[str, float]) -> Callable[[], None]:
    """Time the phases (see PHASES) and ``Sense.refresh``; returns what undoes it."""
    saved = {name: getattr(sm, name) for name in PHASES if hasattr(sm, name)}
    for name, fn in saved.items():
        setattr(sm, name, _timed(name, fn, acc))
    refresh = Sense.refresh
    Sense.refresh = _timed(INSIDE, refresh, acc)  # type: ignore[method-assign]
    model._collect = _timed("_collect", model._collect, acc)  # type: ignore[method-assign]

    def undo() -> None:
        for name, fn in saved.items():
            setattr(sm, name, fn)
        Sense.refresh = refresh  # type: ignore[method-assign]
        del model._collect
    return undo


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the profile and print the tables; returns CPU ms per day by phase label."""
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--towns", type=int, default=10_000)
    p.add_argument("--default", action="store_true", help="profile the default scenario")
    p.add_argument("--days", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="tottime")
    p.add_argument("--no-profile", action="store_true", help="only the phase table")
    args = p.parse_args(argv)

    t = time.perf_counter()
    source: Any = DEFAULT_SCENARIO if args.default else generate_scenario(args.towns, 3, None, 1)
    model = TerritoryModel(source)
    print(f"built {model.world.n:,} towns, {model.world.m:,} highways, "
          f"{len(model.unit_list):,} units in {time.perf_counter() - t:.2f} s")
    model.run(args.warmup)

    acc: dict[str, float] = defaultdict(float)
    undo = _wrap(model, acc)
    try:
        t, c = time.perf_counter(), time.process_time()
        model.run(args.days)
        total = time.perf_counter() - t
        cpu = time.process_time() - c
    finally:
        undo()
    days = max(args.days, 1)
    print(f"\n{args.days} days after {args.warmup} warm-up days: {1000 * total / days:.2f} "
          f"ms/day (CPU {1000 * cpu / days:.2f} ms/day)")
    print(f"{'phase':<34}{'CPU ms/day':>12}{'share':>8}")
    table: dict[str, float] = {}
    for name, secs in sorted(acc.items(), key=lambda kv: -kv[1]):
        if name != INSIDE:
            table[PHASES[name]] = 1000 * secs / days
    rest = cpu - sum(v for k, v in acc.items() if k != INSIDE)
    table["other"] = 1000 * rest / days
    table[INSIDE] = 1000 * acc[INSIDE] / days
    for label, ms in table.items():
        print(f"{label:<34}{ms:12.2f}{ms / (1000 * cpu / days) if cpu else 0.0:8.0%}")

    if not args.no_profile:
        prof = cProfile.Profile()
        prof.enable()
        model.run(args.days)
        prof.disable()
        print()
        pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
    return table


if __name__ == "__main__":
    main()
