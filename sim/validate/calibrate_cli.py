"""The ``frontline calibrate`` command: run or resume a study, then write and print its results."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sim.errors import FrontlineError

__all__ = ["calibrate_command", "register"]


def calibrate_command(args: Any) -> int:
    """``frontline calibrate``: fit a scenario's estimates to observed events (resumable)."""
    from sim.console import output_console
    from sim.validate.calibfile import load_calibration
    from sim.validate.calibout import write_outputs
    from sim.validate.calibrate import open_study, run_study

    console = output_console(150)
    plan = load_calibration(args.calibration)
    trials = args.trials if args.trials is not None else plan.spec.trials
    if trials < 1:
        raise FrontlineError(f"--trials must be at least 1, got {trials}")
    out = Path(args.out) if args.out else Path(f"{Path(args.calibration).stem}-calibration")
    for w in (*plan.scenario.warnings, *plan.observed.warnings):
        console.print(str(w), style="yellow", markup=False)
    study = open_study(plan, out)
    n_obs = len(plan.observed.scorable)
    console.print(f"calibration {plan.spec.name!r}: {len(plan.params)} parameters, {n_obs} "
                  f"observations, {plan.spec.runs} runs a trial ({plan.days} days), "
                  f"{plan.spec.method}, minimising {plan.spec.objective}; study in "
                  f"{out / 'study.db'}")
    try:
        outcome = run_study(plan, study, trials, workers=args.workers, dask=args.dask)
    except KeyboardInterrupt:
        console.print(f"\ninterrupted: finished trials are saved in {out / 'study.db'}; run "
                      "the same command again to resume")
        raise
    if outcome.requeued:
        console.print(f"resumed: {outcome.requeued} interrupted trials queued again")
    if outcome.done_before:
        console.print(f"{outcome.done_before} trials were already done")
    if outcome.ran:
        rate = outcome.seconds / outcome.ran
        console.print(f"ran {outcome.ran} trials ({outcome.failed} failed) in "
                      f"{outcome.seconds:.1f} s ({rate:.2f} s a trial)")
    fit = write_outputs(study, plan, out)
    _print_fit(fit, console)
    if not args.no_scores:
        _scores(plan, fit, out, args, console)
    console.print(f"wrote {out}: calibrated.yaml, trials.csv, trials.parquet, fit.json, "
                  "history.png, importance.png, score_*.csv/json/png")
    return 0


def _print_fit(fit: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    from sim.sweep.plots import fmt

    t = Table(title=f"best trial {fit['best_trial']}: {fit['objective']} "
                    f"{fit['best_value']:.3f} (replicate noise sd {fit['noise_sd']:.3f}; "
                    f"{fit['trials_within']} trials within {fit['within']:.3f})",
              title_justify="left")
    for c in ("parameter", "best", "plausible range", "searched"):
        t.add_column(c, justify="left" if c == "parameter" else "right")
    for path, p in fit["parameters"].items():
        t.add_row(path, fmt(p["best"]), f"{fmt(p['low'])} .. {fmt(p['high'])}",
                  f"{fmt(p['range'][0])} .. {fmt(p['range'][1])}")
    console.print(t)


def _scores(plan: Any, fit: dict[str, Any], out: Path, args: Any, console: Any) -> None:
    """Score the scenario as written and as calibrated, on both observation sets."""
    from sim.validate.scorecmd import (
        ScoreSetup,
        print_score,
        run_ensemble,
        score_setup,
        write_score,
    )

    best = {k: v["best"] for k, v in fit["parameters"].items()}
    sets = [("", plan.observed, plan.days)]
    if plan.held_out is not None:
        sets.append(("_held_out", plan.held_out, plan.held_out_days))
    lines = []
    for suffix, obs, days in sets:
        setup = ScoreSetup(plan.scenario, plan.base, obs, days)
        for when, overrides in (("before", {}), ("after", best)):
            t0 = time.perf_counter()
            results = run_ensemble(setup, plan.spec.runs, plan.spec.seed, workers=args.workers,
                                   dask=args.dask, overrides=overrides,
                                   label=f"score {when}{suffix}")
            score = score_setup(setup, results)
            title = f"{when} calibration, {obs.name} ({plan.spec.runs} runs, {days} days)"
            print_score(score, title, console)
            write_score(score, out, title, {"when": when, "observations": obs.file,
                                            "parameters": overrides,
                                            "seconds": time.perf_counter() - t0},
                        stem=f"score_{when}{suffix}")
            lines.append(f"{obs.name} {when}: mean CRPS {score.mean('crps'):.2f} d, hit "
                         f"{100 * score.mean('hit'):.0f}%, |median error| "
                         f"{score.mean_abs_error():.1f} d")
    for line in lines:
        console.print(line)


def register(sub: Any) -> None:
    """Add the ``calibrate`` subcommand to the ``frontline`` parser."""
    p = sub.add_parser("calibrate", help="fit a scenario's estimates to observed events",
                       description=calibrate_command.__doc__)
    p.add_argument("calibration", help="calibration YAML file (see docs/validation.md)")
    p.add_argument("--trials", type=int, help="trials in the study, counting those already "
                                              "done (default: the file's trials:)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    p.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler address, or 'local'")
    p.add_argument("--out", metavar="DIR", help="study and results folder (default: "
                                                "CALIB-calibration here); the same command "
                                                "again resumes")
    p.add_argument("--no-scores", action="store_true",
                   help="skip the before/after score ensembles at the end")
    p.set_defaults(func=calibrate_command)
