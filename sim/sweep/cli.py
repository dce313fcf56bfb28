"""The ``frontline sweep`` and ``frontline report`` commands: their options and entry points."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "report_command", "run_sweep_command"]

EXIT_TERMINATED = 128 + 15  # as a shell reports a process ended by SIGTERM
PIPED_WIDTH = 400  # columns of the report's tables when not on a terminal


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run or resume the sweep ``args.sweep``; exit code 1 if some runs could not be run."""
    from sim.sweep.execute import DEFAULT_WORKER_TIMEOUT, Terminated, run_sweep
    from sim.sweep.spec import load_sweep

    plan = load_sweep(args.sweep)
    out = Path(args.out) if args.out else Path(f"{Path(args.sweep).stem}.parquet")
    timeout = getattr(args, "worker_timeout", None)
    try:
        outcome = run_sweep(plan, out, workers=args.workers, dask=args.dask,
                            chunk_size=getattr(args, "chunk_size", None),
                            worker_timeout=DEFAULT_WORKER_TIMEOUT if timeout is None
                            else timeout)
    except Terminated:
        print("frontline: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    return 0 if outcome.complete else 1


def by_day(text: str) -> int | dt.date:
    """``--by-day``: a day number (0 or more) or a date, YYYY-MM-DD."""
    text = text.strip()
    try:
        day = int(text)
    except ValueError:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a day number or a date (YYYY-MM-DD), got {text!r}") from None
    if day < 0:
        raise argparse.ArgumentTypeError(f"a day number is 0 or more, got {day}")
    return day


def report_command(args: argparse.Namespace) -> int:
    """Print summary tables of a sweep's results and write its plots."""
    from rich.console import Console

    from sim.sweep.report import report

    results = Path(args.results)
    out = Path(args.out) if args.out else results.with_name(f"{results.stem}-report")
    # piped or redirected, the tables keep their full width (a terminal's width otherwise)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)
    report(results, out, console=console,
           by_day=_deadline(results, getattr(args, "by_day", None)),
           observed=getattr(args, "observed", None))
    return 0


def _deadline(results: Path, value: int | dt.date | None) -> int | None:
    """A ``--by-day`` date as the day of the sweep's runs (day 0 is the start date)."""
    if not isinstance(value, dt.date):
        return value
    from sim.errors import FrontlineError
    from sim.sweep.store import read_meta

    start = dt.date.fromisoformat(read_meta(results)["start_date"])
    day = (value - start).days
    if day < 0:
        raise FrontlineError(f"--by-day {value.isoformat()} is before the runs start "
                             f"({start.isoformat()})")
    return day


def register(sub: Any) -> None:
    """Add the ``sweep`` and ``report`` subcommands to the ``frontline`` parser."""
    p = sub.add_parser("sweep", help="run a batch parameter sweep",
                       description="Run (or resume) a parameter sweep: every run of a sweep "
                       "file, in parallel, saved as it finishes.")
    p.add_argument("sweep", help="sweep YAML file (see docs/sweeps.md)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores; 1 "
                                               "runs in this process); with --dask local, "
                                               "the LocalCluster's workers")
    p.add_argument(
        "--dask", metavar="ADDRESS", help="Dask scheduler address, or 'local' for a LocalCluster"
    )
    p.add_argument("--out", metavar="RESULTS", help="results file (.parquet or .csv; default: "
                                                    "the sweep file's name with .parquet, here); "
                                                    "run the same command again to resume")
    p.add_argument("--chunk-size", type=int, metavar="N", help="runs per task (default: "
                                                               "adapts to about 2 CPU-s a task)")
    p.add_argument("--worker-timeout", type=float, metavar="SECONDS",
                   help="with --dask: stop (keeping what finished) when the cluster has had "
                   "no workers this long (default: 120)")
    p.set_defaults(func=run_sweep_command)
    r = sub.add_parser("report", help="summarise sweep results",
                       description="Print summary tables of a sweep's results and write its "
                       "plots.")
    r.add_argument("results", help="results file written by frontline sweep")
    r.add_argument("--out", metavar="DIR", help="directory for tables and plots (default: "
                                                "RESULTS-report beside the results)")
    r.add_argument("--by-day", type=by_day, metavar="DAY|DATE",
                   help="a deadline, as a day number or a date (YYYY-MM-DD): also give the "
                   "probability that each day metric happens by then")
    r.add_argument("--observed", metavar="FILE",
                   help="observed events (the file frontline score takes): marked on the "
                   "timeline, the map and the charts of the metrics they date")
    r.set_defaults(func=report_command)
