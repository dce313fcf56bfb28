"""``frontline map RUN_DIR``: draw any day of a finished run (PNG or SVG), or its fronts."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from sim.errors import FrontlineError

__all__ = ["map_command", "register"]

FORMATS = (".png", ".svg")


def register(sub: Any) -> None:
    """Add the ``map`` subcommand to ``sub``."""
    p = sub.add_parser(
        "map", help="draw any day's map of a finished run",
        description="Draw the map of one day of a run written by `frontline run --out DIR` "
                    "(default: its last day), or with --fronts the front line every N days.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="folder written by frontline run --out")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the date to draw")
    when.add_argument("--day", type=int, metavar="N", help="the day to draw (0 = the start)")
    when.add_argument("--fronts", type=int, metavar="N",
                      help="small multiples of the front line every N days instead")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="PNG or SVG file (default: RUN_DIR/map-dayN.png or fronts-N.png)")
    p.set_defaults(func=map_command)


def _day(args: argparse.Namespace, data: Any) -> int:
    if args.date is not None:
        try:
            date = dt.date.fromisoformat(args.date)
        except ValueError:
            raise FrontlineError(f"--date {args.date!r}: not a date (YYYY-MM-DD)") from None
        day = (date - data.start_date).days
        if not 0 <= day <= data.days:
            raise FrontlineError(
                f"--date {args.date}: the run covers {data.start_date.isoformat()} to "
                f"{data.date(data.days).isoformat()}")
        return day
    if args.day is not None:
        if not 0 <= args.day <= data.days:
            raise FrontlineError(f"--day {args.day}: the run has days 0 to {data.days}")
        return int(args.day)
    return int(data.days)


def map_command(args: argparse.Namespace) -> int:
    """Draw the map of one day of a finished run."""
    from sim.plots import plot_fronts, plot_map
    from sim.runfiles import load_run

    run_dir = Path(args.run_dir)
    if not run_dir.is_dir():
        raise FrontlineError(f"{run_dir}: no such folder (give the --out folder of a run)")
    data = load_run(run_dir)
    if args.fronts is not None and args.fronts < 1:
        raise FrontlineError(f"--fronts {args.fronts}: give a number of days of at least 1")
    if args.output:
        out = Path(args.output)
    elif args.fronts is not None:
        out = run_dir / f"fronts-{args.fronts}.png"
    else:
        out = run_dir / f"map-day{_day(args, data)}.png"
    if out.suffix.lower() not in FORMATS:
        raise FrontlineError(f"{out}: give a .png or .svg file")
    try:
        if args.fronts is not None:
            plot_fronts(data, out, every=args.fronts)
        else:
            plot_map(data, _day(args, data), out)
    except OSError as exc:
        raise FrontlineError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}")
    return 0
