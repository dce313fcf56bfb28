"""Calibration files (``format: 1``): their schema, and loading one into a checked plan.

A calibration file names the scenario, the observations to fit (and optionally held-out ones
to test on), the parameters to fit (dotted paths with ``{low, high, log, integer}``, as in
sweeps), the runs per trial (their seeds are the same for every trial: common random
numbers), the objective and the optimiser. Everything is checked before any run: paths exist,
the range's ends make valid scenarios, observations name the scenario's towns and factions.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import ScenarioError
from sim.validate.observations import ObservationSet, load_observations
from sim.validate.problems import (
    LoadedScenario,
    Problems,
    check_override,
    load_scenario_for,
    read_yaml,
    scenario_data,
)

__all__ = ["OBJECTIVES", "CalibrationFile", "CalibrationPlan", "FitParam", "load_calibration"]

#: Objectives, by name: what each minimises (over the scorable observations).
OBJECTIVES = {
    "mean_crps": "the mean CRPS in days (default)",
    "mean_abs_error": "the mean absolute error of the simulated median in days",
    "miss": "the mean share of runs in which an observation did not happen in its window",
}
_RESERVED = {"simulation.days": "set the days with the calibration's days: field",
             "simulation.seed": "run seeds come from the calibration's seed: and runs: fields"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FitRange(_Strict):
    """A fitted parameter's range: ``{low: 0.02, high: 0.08}``."""

    low: float = Field(description="lower bound")
    high: float = Field(description="upper bound")
    log: bool = Field(False, description="search on a log scale (low > 0)")
    integer: bool = Field(False, description="whole numbers from low to high")


class CalibrationFile(_Strict):
    """A frontline calibration file (``format: 1``)."""

    format: Literal[1] = Field(description="file format version; must be 1")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    scenario: str = Field(min_length=1, description="scenario file, relative to this file")
    observed: str = Field(min_length=1, description="observations to fit (relative path)")
    held_out: str | None = Field(None, min_length=1, description="observations kept out of "
                                                                 "the fit, to test it")
    days: int | None = Field(None, ge=1, le=100_000, description="days per calibration run "
                                                                 "(default: the scenario's)")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="root seed of the runs' seeds")
    runs: int = Field(8, ge=1, le=10_000, description="runs per trial (the same seeds for "
                                                      "every trial)")
    trials: int = Field(100, ge=1, le=100_000, description="trials (default for --trials)")
    method: Literal["tpe", "cmaes", "random"] = Field("tpe", description="optuna sampler")
    objective: Literal["mean_crps", "mean_abs_error", "miss"] = Field(
        "mean_crps", description="what to minimise: " + "; ".join(
            f"{k}: {v}" for k, v in OBJECTIVES.items()))
    set: dict[str, Any] = Field(default_factory=dict, description="constant overrides")
    parameters: dict[str, Any] = Field(min_length=1, description="fitted parameters: path: "
                                                                  "{low, high, log, integer}")


@dataclass(frozen=True)
class FitParam:
    """A fitted parameter: its dotted path, range, and scale."""

    path: str
    low: float
    high: float
    log: bool = False
    integer: bool = False


@dataclass(frozen=True)
class CalibrationPlan:
    """A checked calibration, ready to run.

    Attributes:
        file: the calibration file as named.
        spec: the validated file.
        scenario_file: the scenario's path.
        scenario: the scenario as loaded, with ``set:`` applied.
        base: it as plain data (what every trial overrides).
        observed: the observations fitted.
        held_out: the held-out observations (None if none).
        days: days per calibration run.
        held_out_days: days per held-out run (enough for every held-out observation).
        params: the fitted parameters.
        fingerprint: a hash of what determines the trials (a resumed study must match it).
    """

    file: str
    spec: CalibrationFile
    scenario_file: str
    scenario: LoadedScenario
    base: dict[str, Any]
    observed: ObservationSet
    held_out: ObservationSet | None
    days: int
    held_out_days: int
    params: tuple[FitParam, ...]
    fingerprint: str


def load_calibration(path: str | Path) -> CalibrationPlan:
    """Read and check a calibration file, its scenario and its observations.

    Raises:
        ScenarioError: any of them is invalid; every problem, located.
    """
    file = str(path)
    data, locs = read_yaml(path)
    problems = Problems(file, locs)
    if not isinstance(data, dict):
        problems.add((), "a calibration file must be a mapping (format, name, scenario, "
                         "observed, parameters, ...)")
        raise ScenarioError(problems.items)
    try:
        spec = CalibrationFile.model_validate(data)
    except ValidationError as exc:
        problems.from_validation(exc, (), CalibrationFile)
        raise ScenarioError(problems.items) from None
    here = Path(path).parent
    sets = list(spec.set.items())
    for k in spec.set:
        if k in _RESERVED:
            problems.add(("set", k), f"cannot be set here: {_RESERVED[k]}")
    problems.raise_if_errors()
    scenario_path = here / spec.scenario
    loaded = load_scenario_for(scenario_path, problems, ("scenario",), sets)
    problems.raise_if_errors()
    assert loaded is not None
    base = scenario_data(loaded)
    params = _params(spec, base, problems)
    days = spec.days or loaded.scenario.simulation.days
    observed = held_out = None
    for key, rel in (("observed", spec.observed), ("held_out", spec.held_out)):
        if rel is None:
            continue
        where = here / rel
        if not where.is_file():
            problems.add((key,), f"observations file not found (looked for {where})")
            continue
        try:
            got = load_observations(where, loaded, days if key == "observed" else None)
        except ScenarioError as exc:
            problems.add((key,), f"observations {str(where)!r} are invalid (their problems are "
                                 "listed under their own file name)")
            problems.items.extend(exc.problems)
            continue
        if key == "observed":
            observed = got
        else:
            held_out = got
    problems.raise_if_errors()
    assert observed is not None
    if not observed.scorable:
        problems.add(("observed",), "none of the observations can be scored on this scenario")
        raise ScenarioError(problems.items)
    held_days = loaded.scenario.simulation.days
    what = {"spec": spec.model_dump(mode="json", exclude={"name", "description", "trials"}),
            "scenario": base, "observed": [o.__dict__ for o in observed.observations]}
    blob = json.dumps(what, sort_keys=True, default=str, separators=(",", ":"))
    return CalibrationPlan(file, spec, str(scenario_path), loaded, base, observed, held_out,
                           days, max(held_days, days), params,
                           hashlib.sha256(blob.encode()).hexdigest()[:32])


def _params(spec: CalibrationFile, base: dict[str, Any], problems: Problems
            ) -> tuple[FitParam, ...]:
    out = []
    for path, raw in spec.parameters.items():
        where = ("parameters", path)
        if path in _RESERVED:
            problems.add(where, f"cannot be fitted: {_RESERVED[path]}")
            continue
        if path in spec.set:
            problems.add(where, "is also under set:; give it in one place")
            continue
        bad = check_override(base, path)
        if bad:
            problems.add(where, bad)
            continue
        try:
            r = FitRange.model_validate(raw)
        except ValidationError as exc:
            problems.from_validation(exc, where, FitRange)
            continue
        if not (math.isfinite(r.low) and math.isfinite(r.high)) or r.high <= r.low:
            problems.add(where, f"need finite low < high, got low {r.low}, high {r.high}")
            continue
        if r.log and (r.low <= 0 or r.integer):
            problems.add(where, "log needs low > 0 and a non-integer parameter")
            continue
        p = FitParam(path, r.low, r.high, r.log, r.integer)
        for value in (p.low, p.high):
            v = int(value) if p.integer else value
            msg = check_override(base, path, v)
            if msg:
                problems.add(where, msg)
                break
        else:
            out.append(p)
    return tuple(out)
