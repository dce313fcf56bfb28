"""Ensembles of runs matched against observations, on the sweep executors (processes or Dask).

A ``Task`` is a few runs of one parameter point, sent to a worker as plain data (the scenario
with every default filled in, so workers need no files); the worker returns, for each run, when
each observation happened in it (``sim.validate.facts.simulated``), not the run itself, so
results are small. ``Pool`` keeps up to two tasks per worker slot in flight and hands back
finished tasks as they come; score and calibrate both drive it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.validate.facts import run_facts, simulated
from sim.validate.observations import Observation

__all__ = ["Pool", "RunResult", "Task", "ensemble_seeds", "run_task", "split"]


def ensemble_seeds(seed: int, runs: int) -> tuple[int, ...]:
    """The seeds of an ensemble: ``SeedSequence(seed).spawn(runs)``, one 63-bit int each.

    The same seeds serve every trial of a calibration (common random numbers), so trials
    differ only by their parameters.

    Examples:
        >>> ensemble_seeds(0, 2) == ensemble_seeds(0, 3)[:2]
        True
    """
    return tuple(int(c.generate_state(1, np.uint64)[0] >> np.uint64(1))
                 for c in np.random.SeedSequence(seed).spawn(runs))


@dataclass(frozen=True)
class Task:
    """Runs of one parameter point: what a worker executes.

    Attributes:
        key: the caller's label for the point (e.g. a trial number).
        scenario: the scenario as plain data.
        overrides: dotted path -> value for every run of the task.
        days: days per run.
        observations: what to match in each run.
        seeds: ``(replicate, seed)`` of each run.
    """

    key: Any
    scenario: dict[str, Any]
    overrides: dict[str, Any]
    days: int
    observations: tuple[Observation, ...]
    seeds: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class RunResult:
    """One run's outcome: per observation the simulated day (None: never), or the error."""

    replicate: int
    seed: int
    values: tuple[int | None, ...] | None
    error: str | None = None
    last_day: int = 0


def run_task(task: Task) -> tuple[Any, list[RunResult]]:
    """Run every run of a task (the function a worker executes); a failing run is a result."""
    from sim.model import TerritoryModel

    out = []
    for rep, seed in task.seeds:
        try:
            model = TerritoryModel(task.scenario, seed=seed, days=task.days,
                                   overrides=task.overrides)
            model.run()
            facts = run_facts(model)
            values = tuple(simulated(facts, o) for o in task.observations)
        except Exception as exc:  # a failing run is a result (recorded), not a crash
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else "(no message)"
            out.append(RunResult(rep, seed, None, f"{type(exc).__name__}: {msg}"))
            continue
        out.append(RunResult(rep, seed, values, None, facts.last_day))
    return task.key, out


class Pool:
    """Tasks in flight on a backend's executor: submit while there is room, collect as done."""

    def __init__(self, backend: Any, per_slot: int = 2):
        """Use ``backend`` (``sim.sweep.execute.open_backend``), ``per_slot`` tasks a slot."""
        self.backend = backend
        self.limit = max(1, per_slot * backend.slots)
        self.in_flight: dict[Future[Any], Task] = {}

    @property
    def room(self) -> int:
        """How many more tasks may be submitted now."""
        return self.limit - len(self.in_flight)

    def submit(self, task: Task) -> None:
        """Send a task to a worker."""
        self.in_flight[self.backend.executor.submit(run_task, task)] = task

    def done(self) -> Iterator[tuple[Task, list[RunResult] | BaseException]]:
        """Wait for at least one task; yield each finished one.

        Each comes with its results, or the error of a worker that failed (e.g. one killed).
        """
        if not self.in_flight:
            return
        finished, _ = wait(list(self.in_flight), return_when=FIRST_COMPLETED)
        for fut in finished:
            task = self.in_flight.pop(fut)
            try:
                yield task, fut.result()[1]
            except Exception as exc:
                yield task, exc

    def cancel(self) -> None:
        """Stop the backend's pending work (on Ctrl-C)."""
        self.backend.cancel()


def split(key: Any, scenario: dict[str, Any], overrides: dict[str, Any], days: int,
          observations: Sequence[Observation], seeds: Sequence[int], per_task: int
          ) -> list[Task]:
    """The runs of one point as tasks of at most ``per_task`` runs."""
    pairs = list(enumerate(seeds))
    return [Task(key, scenario, overrides, days, tuple(observations),
                 tuple(pairs[i:i + per_task])) for i in range(0, len(pairs), per_task)]
