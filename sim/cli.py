"""The ``frontline`` command: each subcommand is a thin call into the package.

Heavy libraries (Mesa, matplotlib, Dask) are imported inside the subcommands that need them,
so ``frontline validate`` and ``frontline --help`` start quickly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.errors import FrontlineError
from sim.mapcmd import register as register_map

__all__ = ["main"]

EXIT_BAD_INPUT = 2


def _err(message: str) -> None:
    print(f"frontline: error: {message}", file=sys.stderr)


MAX_SEED = 2**63 - 1  # as simulation.seed in the schema


def _seed(text: str) -> int:
    """A seed argument: a whole number from 0 to 2**63 - 1 (argparse reports anything else)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SEED}, got {value}")
    return value


def _overrides(pairs: list[str]) -> list[tuple[str, Any]]:
    from sim.scenario import parse_assignment

    return [parse_assignment(p) for p in pairs]


# ------------------------------------------------------------------------- run
RUN_WIDTH = 110  # the width of run's output when it is not a terminal


def cmd_run(args: argparse.Namespace) -> int:
    """Play a scenario, print its events and summary, optionally write result files."""
    from sim.startup import heavy_imports
    from sim.summary import plain_summary, print_summary, summary_of

    with heavy_imports():
        from sim.model import TerritoryModel
        from sim.shipped import resolve

    sets = _overrides(args.set or [])
    model = TerritoryModel(
        resolve(args.scenario), seed=args.seed, days=args.days, overrides=dict(sets)
    )
    for w in model.definition.warnings:
        print(str(w), file=sys.stderr)
    if args.out:
        from sim.rundata import attach_trail

        attach_trail(model)  # units and sieges day by day, for the maps and report.html
    from sim.console import output_console

    console = None  # --quiet: made for the summary, if it is not plain text (sim.summary)
    if not args.quiet:
        console = live = output_console(RUN_WIDTH)
        for ev in model.record.events:
            live.print(_event_line(ev), soft_wrap=True)
        model.record.listeners.append(lambda ev: live.print(_event_line(ev), soft_wrap=True))
        model.run()
    elif model.days < 200:  # no progress bar for short runs (nor its import at start-up)
        model.run()
    else:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task(model.spec.name, total=model.days)
            while model.day < model.days:
                model.step()
                progress.update(task, completed=model.day)
    summary = summary_of(model)
    text = plain_summary(summary, RUN_WIDTH) if console is None and not args.out else None
    if text is not None:  # what rich would print, without importing it (sim.summary)
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    console = console or output_console(RUN_WIDTH)
    print_summary(summary, console)
    if args.out:
        from sim.output import write_outputs

        try:
            paths = write_outputs(model, args.out)
        except OSError as exc:
            raise FrontlineError(
                f"cannot write results to {args.out}: {exc.strerror or exc}"
            ) from None
        console.print(
            f"wrote {len(paths)} files to {args.out}: " + ", ".join(p.name for p in paths)
        )
    return 0


_KIND_STYLE = {
    "capture": "bold",
    "siege_start": "red",
    "siege_lifted": "green",
    "conscription": "magenta",
    "battle": "dim",
    "retreat": "yellow",
    "surrender": "yellow",
    "destroyed": "yellow",
}


def _event_line(ev: Any) -> str:
    from rich.markup import escape

    style = _KIND_STYLE.get(ev.kind, "")
    text = escape(ev.line())
    return f"[{style}]{text}[/]" if style else text


# -------------------------------------------------------------------- validate
def cmd_validate(args: argparse.Namespace) -> int:
    """Check a scenario, sweep, observations or calibration file; report every problem at once.

    The kind of file is told by its keys (see sim.filekinds); a sweep is checked against its
    scenario with a dry run that prints the number of runs.
    """
    from sim.filekinds import validate_file

    for line in validate_file(Path(args.scenario), _overrides(args.set or [])):
        print(line)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of scenario files (variants included) or of sweep files."""
    import json

    from sim.scenario.jsonschema import model_json_schema, scenario_json_schema

    if args.kind == "sweep":
        from sim.sweep.schema import SweepFile

        schema = model_json_schema(SweepFile, "frontline sweep file (format 1)")
    else:
        schema = scenario_json_schema()
    print(json.dumps(schema, indent=2, sort_keys=True))
    return 0


# ------------------------------------------------------- commands in other modules
def cmd_generate(args: argparse.Namespace) -> int:
    """Write a synthetic scenario: a road graph, towns, factions, units and rules."""
    from sim.generate import generate_command

    return generate_command(args)


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure speed and scaling (see sim.bench)."""
    from sim.bench import bench_command

    return bench_command(args)


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the browser visualization (see viz/)."""
    from viz.server import viz_command

    return viz_command(args)


# ------------------------------------------------------------- the parsers
def _register_run(sub: Any) -> None:
    p = sub.add_parser("run", help="play a scenario", description=cmd_run.__doc__)
    p.add_argument("scenario", nargs="?", help="scenario YAML file, or a shipped scenario's "
                   "name (default: deir_ez_zor_2017)")
    p.add_argument("--days", type=int, help="days to simulate (default: the scenario's)")
    p.add_argument("--seed", type=_seed, help="random seed, 0 to 2**63 - 1 (default: the "
                                              "scenario's)")
    p.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="override a value, e.g. factions.isis.forces.x.fighters=3000 (repeatable)",
    )
    p.add_argument("--out", metavar="DIR", help="write events, tables, GeoJSON, PNGs and "
                                                "report.html here")
    p.add_argument("--quiet", action="store_true", help="no event log; a progress bar on long runs")
    p.set_defaults(func=cmd_run)


def _register_validate(sub: Any) -> None:
    p = sub.add_parser("validate", help="check a scenario, sweep, observations or calibration "
                                        "file", description=cmd_validate.__doc__)
    p.add_argument("scenario", metavar="FILE", help="the YAML file to check")
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override a scenario value first, as for run (repeatable)")
    p.set_defaults(func=cmd_validate)


def _register_schema(sub: Any) -> None:
    s = sub.add_parser(
        "schema", help="print the JSON Schema of scenario files", description=cmd_schema.__doc__
    )
    s.add_argument("kind", nargs="?", choices=("scenario", "sweep"), default="scenario",
                   help="which files (default: scenario)")
    s.set_defaults(func=cmd_schema)


def _register_generate(sub: Any) -> None:
    p = sub.add_parser(
        "generate", help="write a synthetic scenario", description=cmd_generate.__doc__
    )
    p.add_argument("--towns", type=int, required=True, metavar="N",
                   help="number of towns (from the number of factions to 200,000)")
    p.add_argument("--factions", type=int, default=3, metavar="N",
                   help="number of factions, all hostile to each other (2 to 64; default: 3)")
    p.add_argument("--units", type=int, metavar="N", help="mobile units in all (default: one "
                   "per ten towns, at least one per faction)")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the generator, also the "
                   "scenario's simulation seed (default: 0)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the scenario YAML here (default: standard output)")
    p.add_argument("--tables", choices=("csv", "parquet", "geojson"),
                   help="write the towns and highways as tables of this format beside the "
                   "--output file (FILE's stem + .towns.csv, ...), which names them")
    p.set_defaults(func=cmd_generate)


def _register_bench(sub: Any) -> None:
    b = sub.add_parser("bench", help="measure speed and scaling", description=cmd_bench.__doc__)
    b.add_argument("--json", metavar="FILE", help="also write the measurements as JSON here")
    b.add_argument("--quick", action="store_true", help="small sizes only (for tests)")
    b.set_defaults(func=cmd_bench)


def _register_viz(sub: Any) -> None:
    p = sub.add_parser("viz", help="watch a campaign in the browser", description=cmd_viz.__doc__)
    p.add_argument(
        "scenario",
        nargs="?",
        help="scenario to open first: a file, or a shipped scenario's name "
        "(default: deir_ez_zor_2017)",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: loopback only)"
    )
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    p.add_argument(
        "--allow-host",
        action="append",
        metavar="NAME[:PORT]",
        help="also answer requests naming this host (e.g. behind a reverse proxy); by "
        "default only loopback and the --host address (repeatable)",
    )
    p.add_argument(
        "--idle-timeout",
        metavar="DURATION",
        help="end a session this long after its tab disconnects (default: 10m; e.g. 90s, 1h)",
    )
    p.add_argument(
        "--max-sessions", type=int, metavar="N", help="live sessions at most (default: 16)"
    )
    p.set_defaults(func=cmd_viz)


class _Version(argparse.Action):
    """``--version``, looking the version up only when asked (importlib.metadata: start-up)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("frontline")
        except PackageNotFoundError:
            v = "unknown"
        print(f"frontline {v}")
        parser.exit()


def _main_parser() -> tuple[argparse.ArgumentParser, Any]:
    """The ``frontline`` parser without its commands, and the action to register them on."""
    parser = argparse.ArgumentParser(
        prog="frontline",
        description="Agent-based simulator of territorial control on a map of towns and highways.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    return parser, parser.add_subparsers(dest="command", required=True, metavar="COMMAND")


def run_parser() -> argparse.ArgumentParser:
    """A parser of ``frontline run ...`` alone: what :func:`build_parser` makes of those.

    ``main`` uses it when the first argument is ``run``: argparse then hands every later
    argument to the run command's own parser, which is made by the same code here, so its
    help, errors and results are the same; building all the other commands' parsers (and
    importing their modules) cost 7-9 ms of each run's start-up.
    """
    parser, sub = _main_parser()
    _register_run(sub)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``frontline`` command."""
    parser, sub = _main_parser()
    from sim import completion
    from sim.sweep import cli as sweep_cli
    from sim.validate import calibrate_cli, scorecmd

    _register_run(sub)
    _register_validate(sub)
    _register_schema(sub)
    sweep_cli.register(sub)
    _register_generate(sub)
    _register_bench(sub)
    _register_viz(sub)
    register_map(sub)
    scorecmd.register(sub)
    calibrate_cli.register(sub)
    completion.register(sub, parser)  # last: it completes every command registered before it
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontline`` console script; returns the exit code."""
    given = sys.argv[1:] if argv is None else list(argv)
    parser = run_parser() if given[:1] == ["run"] else build_parser()
    args = parser.parse_args(given)
    try:
        return int(args.func(args) or 0)
    except FrontlineError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
