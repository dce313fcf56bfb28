"""``frontline score``: run an ensemble of a scenario, score it against observations, report.

The ensemble runs on the sweep executors (``sim.sweep.execute.open_backend``: this process,
local processes or a Dask cluster), with seeds from ``SeedSequence(seed).spawn(runs)``. The
table is printed; ``--out DIR`` also writes ``score.csv`` (one row per observation),
``score.json`` (the same with the means and the settings) and ``score.png`` (the timeline).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.atomic import open_atomic, write_text
from sim.errors import FrontlineError

if TYPE_CHECKING:  # imported where used: `frontline run` builds this parser too (start-up)
    from sim.validate.ensemble import RunResult
    from sim.validate.observations import ObservationSet
    from sim.validate.problems import LoadedScenario
    from sim.validate.score import Score

__all__ = ["ScoreSetup", "prepare", "print_score", "run_ensemble", "write_score"]

MAX_RUNS = 100_000


@dataclass(frozen=True)
class ScoreSetup:
    """A checked scenario with its observations, ready to run.

    Attributes:
        scenario: the loaded scenario (with ``--set`` overrides applied).
        base: it as plain data (what workers run).
        observations: the checked observations.
        days: days per run (the horizon).
    """

    scenario: LoadedScenario
    base: dict[str, Any]
    observations: ObservationSet
    days: int


def prepare(scenario: str | Path, observed: str | Path, sets: Sequence[tuple[str, Any]] = (),
            days: int | None = None) -> ScoreSetup:
    """Load the scenario (with overrides) and the observations checked against it.

    Raises:
        ScenarioError: either file is invalid (every problem, located).
        FrontlineError: a bad number of days.
    """
    from sim.scenario import load_scenario
    from sim.validate.observations import load_observations
    from sim.validate.problems import scenario_data

    if days is not None and days < 1:
        raise FrontlineError(f"--days must be at least 1, got {days}")
    loaded = load_scenario(Path(scenario), list(sets) or None)
    n = days if days is not None else loaded.scenario.simulation.days
    obs = load_observations(observed, loaded, n)
    return ScoreSetup(loaded, scenario_data(loaded), obs, n)


def run_ensemble(setup: ScoreSetup, runs: int, seed: int, *, workers: int | None = None,
                 dask: str | None = None, overrides: dict[str, Any] | None = None,
                 progress: bool = True, label: str = "runs") -> list[RunResult]:
    """Run ``runs`` seeds of the scenario and match the observations in each.

    Raises:
        FrontlineError: bad options, an unreachable Dask scheduler, or lost workers.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from sim.sweep.execute import open_backend
    from sim.validate.ensemble import Pool, ensemble_seeds, split

    if seed < 0:
        raise FrontlineError(f"--seed must be 0 or more, got {seed}")
    if not 1 <= runs <= MAX_RUNS:
        raise FrontlineError(f"--runs must be 1 to {MAX_RUNS:,}, got {runs}")
    seeds = ensemble_seeds(seed, runs)
    results: list[RunResult] = []
    with open_backend(workers, dask, max_useful=runs) as backend:
        per_task = max(1, min(8, runs // (4 * backend.slots)))
        tasks = split(0, setup.base, overrides or {}, setup.days,
                      setup.observations.observations, seeds, per_task)
        pool = Pool(backend)
        columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("ETA"),
                   TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True,
                      disable=not progress or runs < 8) as bar:
            t = bar.add_task(label, total=runs)
            try:
                while tasks or pool.in_flight:
                    while tasks and pool.room:
                        pool.submit(tasks.pop(0))
                    for _task, got in pool.done():
                        if isinstance(got, BaseException):
                            pool.cancel()
                            raise FrontlineError(f"a worker failed: {type(got).__name__}: "
                                                 f"{got}") from None
                        results.extend(got)
                        bar.update(t, advance=len(got))
            except KeyboardInterrupt:
                pool.cancel()
                raise
    results.sort(key=lambda r: r.replicate)
    return results


def score_setup(setup: ScoreSetup, results: Sequence[RunResult]) -> Score:
    """Score finished runs of a setup."""
    from sim.validate.score import score_runs

    return score_runs(setup.observations.observations, results,
                      setup.scenario.scenario.simulation.start_date, setup.days)


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}f}"


def print_score(score: Score, title: str, console: Any) -> None:
    """Print the per-observation table and the means."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for c, j in (("observation", "left"), ("observed", "left"), ("+-", "right"),
                 ("hit", "right"), ("never", "right"), ("simulated median", "left"),
                 ("10-90 %", "left"), ("error d", "right"), ("CRPS d", "right")):
        table.add_column(c, justify=j)  # type: ignore[arg-type]
    for o in score.observations:
        if not o.scorable:
            table.add_row(o.id, o.date, str(o.uncertainty_days), "-", "-",
                          "not scorable: not in scenario", "", "", "")
            continue
        med = o.sim_date(score.start, o.median)
        band = f"{o.sim_date(score.start, o.q10)} .. {o.sim_date(score.start, o.q90)}"
        err = "-" if o.error_days is None else f"{o.error_days:+.0f}"
        table.add_row(f"{o.id} [dim]({o.what})[/]", o.date, str(o.uncertainty_days),
                      f"{100 * o.hit:.0f}%", f"{100 * o.never:.0f}%", med, band, err,
                      _fmt(o.crps))
    console.print(table)
    failed = f", [red]{score.failed} failed[/]" if score.failed else ""
    console.print(f"mean CRPS {_fmt(score.mean('crps'), 2)} days; mean hit "
                  f"{_fmt(100 * score.mean('hit'), 0)}%; mean |median error| "
                  f"{_fmt(score.mean_abs_error())} days ({score.runs} runs{failed}; never = "
                  f"day {score.last_day + 1})")


def write_score(score: Score, out: Path, title: str, settings: dict[str, Any],
                stem: str = "score") -> list[Path]:
    """Write ``score.csv``, ``score.json`` and ``score.png`` into ``out``.

    Raises:
        FrontlineError: ``out`` cannot be written.
    """
    import csv

    from sim.validate.plots import timeline_plot

    try:
        out.mkdir(parents=True, exist_ok=True)
        rows = [asdict(o) for o in score.observations]
        csv_path = out / f"{stem}.csv"
        with open_atomic(csv_path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        json_path = out / f"{stem}.json"
        write_text(json_path, json.dumps({**settings, **score.as_dict()}, indent=2,
                                         allow_nan=False, default=str) + "\n")
        png = timeline_plot(score, title, out / f"{stem}.png")
    except OSError as exc:
        raise FrontlineError(f"cannot write to {out}: {exc.strerror or exc}") from None
    return [csv_path, json_path, png]


def score_command(args: Any) -> int:
    """``frontline score``: score a scenario's ensemble against observations."""
    from sim.console import output_console
    from sim.scenario import parse_assignment

    console = output_console(150)
    sets = [parse_assignment(p) for p in args.set or []]
    setup = prepare(args.scenario, args.observed, sets, args.days)
    for w in (*setup.scenario.warnings, *setup.observations.warnings):
        console.print(str(w), style="yellow", markup=False)
    started = time.perf_counter()
    results = run_ensemble(setup, args.runs, args.seed, workers=args.workers, dask=args.dask)
    seconds = time.perf_counter() - started
    score = score_setup(setup, results)
    title = (f"{setup.scenario.scenario.name} vs {setup.observations.name}: {args.runs} runs, "
             f"seed {args.seed}, {setup.days} days")
    print_score(score, title, console)
    console.print(f"{args.runs} runs in {seconds:.1f} s")
    if args.out:
        settings = {"scenario": str(args.scenario), "observed": str(args.observed),
                    "runs": args.runs, "seed": args.seed, "days": setup.days,
                    "set": {k: v for k, v in sets}}
        files = write_score(score, Path(args.out), title, settings)
        console.print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def register(sub: Any) -> None:
    """Add the ``score`` subcommand to the ``frontline`` parser."""
    p = sub.add_parser("score", help="score a scenario against observed events",
                       description=score_command.__doc__)
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--observed", required=True, metavar="OBS.yaml",
                   help="observations file (see docs/validation.md)")
    p.add_argument("--runs", type=int, default=32, help="runs in the ensemble (default 32)")
    p.add_argument("--seed", type=int, default=0, help="root seed of the ensemble (default 0)")
    p.add_argument("--days", type=int, help="days per run (default: the scenario's)")
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override a scenario value (repeatable)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    p.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler address, or 'local'")
    p.add_argument("--out", metavar="DIR", help="write score.csv, score.json, score.png here")
    p.set_defaults(func=score_command)
