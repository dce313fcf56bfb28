"""The ``frontline sweep`` and ``frontline report`` commands."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["report_command", "run_sweep_command"]


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run or resume the sweep ``args.sweep``; exit code 1 if some runs could not be run."""
    from sim.sweep.execute import run_sweep
    from sim.sweep.spec import load_sweep

    plan = load_sweep(args.sweep)
    out = Path(args.out) if args.out else Path(f"{Path(args.sweep).stem}.parquet")
    outcome = run_sweep(plan, out, workers=args.workers, dask=args.dask,
                        chunk_size=getattr(args, "chunk_size", None))
    return 0 if outcome.complete else 1


def report_command(args: argparse.Namespace) -> int:
    """Print summary tables of a sweep's results and write its plots."""
    from sim.sweep.report import report

    results = Path(args.results)
    out = Path(args.out) if args.out else results.with_name(f"{results.stem}-report")
    report(results, out, by_day=getattr(args, "by_day", None))
    return 0
