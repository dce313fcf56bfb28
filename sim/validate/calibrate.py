"""``frontline calibrate``: fit a scenario's estimates to observations with optuna, resumably.

The study lives in an SQLite database in the output folder (``study.db``, optuna's own
storage): every finished trial is committed there, so a calibration killed at any moment
resumes with the same command and loses only the trials that were running (those are marked
failed and their parameters queued again). Trials run on the sweep executors, several in flight
(optuna's ask/tell interface; TPE with the constant liar, so that trials in flight are not
proposed twice). Every trial runs the same seeds (common random numbers), so trials differ only
by their parameters. A trial with a failing run is recorded as failed, and the study goes on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import FrontlineError
from sim.validate.calibfile import CalibrationPlan, FitParam
from sim.validate.ensemble import Pool, RunResult, ensemble_seeds, split
from sim.validate.score import Score, score_runs

__all__ = ["STUDY_NAME", "StudyOutcome", "objective", "run_study", "trial_params"]

STUDY_NAME = "frontline"


def objective(score: Score, name: str) -> float:
    """The value a trial minimises (see ``sim.validate.calibfile.OBJECTIVES``)."""
    if name == "mean_abs_error":
        return score.mean_abs_error()
    if name == "miss":
        return 1.0 - score.mean("hit")
    return score.mean("crps")


def trial_params(trial: Any, params: Sequence[FitParam]) -> dict[str, Any]:
    """Ask optuna's trial for a value of every fitted parameter."""
    out: dict[str, Any] = {}
    for p in params:
        if p.integer:
            out[p.path] = trial.suggest_int(p.path, int(p.low), int(p.high))
        else:
            out[p.path] = trial.suggest_float(p.path, p.low, p.high, log=p.log)
    return out


def _sampler(method: str, seed: int) -> Any:
    import optuna

    s = seed % 2**32
    if method == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=s, warn_independent_sampling=False)
    if method == "random":
        return optuna.samplers.RandomSampler(seed=s)
    return optuna.samplers.TPESampler(seed=s, constant_liar=True, multivariate=True)


def open_study(plan: CalibrationPlan, out: Path) -> Any:
    """Create the study in ``out/study.db``, or open it to resume.

    Raises:
        FrontlineError: ``out`` holds another calibration, or cannot be written.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FrontlineError(f"cannot create {out}: {exc.strerror or exc}") from None
    storage = optuna.storages.RDBStorage(f"sqlite:///{(out / 'study.db').resolve()}",
                                         engine_kwargs={"connect_args": {"timeout": 30}})
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, direction="minimize",
                                sampler=_sampler(plan.spec.method, plan.spec.seed),
                                load_if_exists=True)
    mark = study.user_attrs.get("fingerprint")
    if mark is None:
        study.set_user_attr("fingerprint", plan.fingerprint)
        study.set_user_attr("calibration", plan.file)
    elif mark != plan.fingerprint:
        raise FrontlineError(f"{out} holds a different calibration (from "
                             f"{study.user_attrs.get('calibration')!r}: its scenario, "
                             "observations, parameters, seeds or method differ); give another "
                             "--out, or delete that folder to start again")
    return study


def _requeue_stale(study: Any) -> int:
    """Trials left running by a killed calibration: mark them failed, queue their parameters."""
    from optuna.trial import TrialState

    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for t in stale:
        # a finished trial's attributes are frozen: note the reason before failing it
        study._storage.set_trial_user_attr(t._trial_id, "error", "interrupted (re-queued)")
        study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
        if t.params:
            study.enqueue_trial(t.params, user_attrs={"requeued_from": t.number})
    return len(stale)


@dataclass
class StudyOutcome:
    """What a call of ``run_study`` did."""

    done_before: int = 0
    ran: int = 0
    failed: int = 0
    requeued: int = 0
    seconds: float = 0.0
    best: float | None = None
    log: list[str] = field(default_factory=list)


def run_study(plan: CalibrationPlan, study: Any, trials: int, *, workers: int | None = None,
              dask: str | None = None, progress: bool = True) -> StudyOutcome:
    """Run trials until the study has ``trials`` finished ones (complete or failed).

    Raises:
        FrontlineError: bad options, an unreachable Dask scheduler, or a lost worker.
        KeyboardInterrupt: after telling how to resume (finished trials are saved).
    """
    from optuna.trial import TrialState

    from sim.sweep.execute import open_backend

    outcome = StudyOutcome(requeued=_requeue_stale(study))
    finished = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
    outcome.done_before = len(study.get_trials(deepcopy=False, states=finished))
    todo = trials - outcome.done_before
    if todo <= 0:
        return outcome
    seeds = ensemble_seeds(plan.spec.seed, plan.spec.runs)
    start = time.perf_counter()
    with open_backend(workers, dask) as backend:
        per_task = max(1, -(-plan.spec.runs // backend.slots))
        pool = Pool(backend)
        live: dict[int, tuple[Any, dict[str, Any], list[RunResult], float]] = {}
        queue: list[Any] = []
        asked = 0
        with _Bar(progress, trials, outcome.done_before) as bar:
            try:
                while outcome.ran < todo:
                    while pool.room and (queue or asked < todo):
                        if not queue:
                            trial = study.ask()
                            params = trial_params(trial, plan.params)
                            live[trial.number] = (trial, params, [], time.perf_counter())
                            queue += split(trial.number, plan.base, params, plan.days,
                                           plan.observed.observations, seeds, per_task)
                            asked += 1
                        pool.submit(queue.pop(0))
                    for task, got in pool.done():
                        if isinstance(got, BaseException):
                            pool.cancel()
                            raise FrontlineError(f"a worker failed: {type(got).__name__}: "
                                                 f"{got}; finished trials are saved, run the "
                                                 "same command to resume") from None
                        trial, params, results, t0 = live[task.key]
                        results.extend(got)
                        if len(results) < plan.spec.runs:
                            continue
                        del live[task.key]
                        _tell(study, plan, trial, results, time.perf_counter() - t0, outcome)
                        outcome.ran += 1
                        bar.update(outcome, study)
            except KeyboardInterrupt:
                pool.cancel()
                raise
    outcome.seconds = time.perf_counter() - start
    return outcome


def _tell(study: Any, plan: CalibrationPlan, trial: Any, results: list[RunResult],
          seconds: float, outcome: StudyOutcome) -> None:
    from optuna.trial import TrialState

    results = sorted(results, key=lambda r: r.replicate)
    trial.set_user_attr("seconds", round(seconds, 3))
    errors = [r.error for r in results if r.error]
    if errors:
        trial.set_user_attr("error", errors[0])
        study.tell(trial, state=TrialState.FAIL)
        outcome.failed += 1
        return
    score = score_runs(plan.observed.observations, results,
                       plan.scenario.scenario.simulation.start_date, plan.days)
    value = objective(score, plan.spec.objective)
    trial.set_user_attr("mean_crps", score.mean("crps"))
    trial.set_user_attr("mean_hit", score.mean("hit"))
    trial.set_user_attr("mean_abs_error", score.mean_abs_error())
    trial.set_user_attr("values", json.dumps([list(r.values or ()) for r in results]))
    if value != value:  # NaN: nothing scorable (e.g. no median anywhere for mean_abs_error)
        trial.set_user_attr("error", f"the objective {plan.spec.objective} is undefined")
        study.tell(trial, state=TrialState.FAIL)
        outcome.failed += 1
        return
    study.tell(trial, value)


class _Bar:
    """The progress bar: trials done of the target, the best objective so far, ETA."""

    def __init__(self, show: bool, total: int, done: int):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn("trials"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("best {task.fields[best]}"),
                                 TextColumn("[red]{task.fields[failed]} failed[/]"),
                                 TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(stderr=True), disable=not show)
        self.task = self.progress.add_task("trials", total=total, completed=done, best="-",
                                           failed=0)

    def __enter__(self) -> _Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def update(self, outcome: StudyOutcome, study: Any) -> None:
        try:
            best = f"{study.best_value:.3f}"
        except ValueError:  # no complete trial yet
            best = "-"
        self.progress.update(self.task, advance=1, best=best, failed=outcome.failed)
