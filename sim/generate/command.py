"""``frontline generate``: write a synthetic scenario file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim import atomic
from sim.errors import FrontlineError
from sim.generate.theatre import generate_scenario
from sim.generate.yamltext import scenario_yaml

__all__ = ["generate_command"]


def generate_command(args: argparse.Namespace) -> int:
    """``frontline generate``: write a synthetic scenario to ``args.output`` (or stdout)."""
    data = generate_scenario(args.towns, args.factions, args.units, args.seed)
    units = sum(len(f["forces"]) for f in data["factions"])
    header = (f"Synthetic theatre written by frontline generate --towns {args.towns} "
              f"--factions {args.factions} --units {units} --seed {args.seed}\n"
              "A planar road graph (spanning tree + short Delaunay edges), log-normal "
              "populations,\ncontiguous starting territories; rules shaped like the default "
              "scenario's.")
    n_towns, n_roads = len(data["towns"]), len(data["highways"])
    tables = getattr(args, "tables", None)
    if tables:
        if not args.output:
            raise FrontlineError("--tables needs --output (the tables are written beside it)")
        from sim.generate.tabletext import write_tables

        try:
            data = write_tables(data, Path(args.output), tables)
        except OSError as exc:
            raise FrontlineError(f"cannot write the tables beside {args.output}: "
                                 f"{exc.strerror or exc}") from None
    text = scenario_yaml(data, header)
    summary = (f"{n_towns:,} towns, {n_roads:,} highways, "
               f"{len(data['factions'])} factions, {units:,} units")
    if args.output:
        try:
            atomic.write_text(Path(args.output), text)  # whole or not at all
        except OSError as exc:
            raise FrontlineError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {args.output}: {summary} ({len(text.encode()) / 1e6:.1f} MB)",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0

