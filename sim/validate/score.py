"""Scoring an ensemble of runs against observations: per-observation statistics and the CRPS.

For every observation and the runs that finished: the share of runs in which it happened
within +- its uncertainty of its date (for ``held``: the share in which the town is held by
that faction within that many days of the date); when it happened (median and 10-90 %
interval, "never" counted as later than any day); the share of runs in which it never
happened; the median's error in days; and the CRPS in days.

"Never" is censored at the horizon: a run in which the event never happened counts as if it
happened on the day after the run's last day (``last_day + 1``), so its CRPS penalty is at
least the days from the observed date to the end of the run. For ``held`` the sampled value
is the distance in days to the nearest day the faction holds the town, and "never held" is
censored at one more than the largest distance a run can show.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from sim.validate.crps import crps_window
from sim.validate.observations import Observation

__all__ = ["ObservationScore", "Score", "censored", "score_observation", "score_runs"]

QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class ObservationScore:
    """The score of one observation over an ensemble.

    Attributes:
        id: the observation's id.
        event: its kind.
        what: a short description (``capture kabajib by saa``).
        date: the observed date.
        day: the observed date as a day number of the runs.
        uncertainty_days: the observation's +- days.
        runs: runs that finished (and count).
        hit: share of runs in which it happened within the window.
        never: share of runs in which it never happened.
        q10: 10 % quantile of the simulated day (``held``: of the distance in days); None if
            never.
        median: the median, likewise.
        q90: 90 % quantile, likewise.
        error_days: median minus observed day (``held``: the median distance); None if the
            median is never.
        crps: the CRPS in days, "never" censored (see the module's documentation).
        scorable: False for an observation the scenario cannot express (then only ``id``,
            ``event``, ``what`` and ``date`` are meaningful).
    """

    id: str
    event: str
    what: str
    date: str
    day: int
    uncertainty_days: int
    runs: int
    hit: float
    never: float
    q10: float | None
    median: float | None
    q90: float | None
    error_days: float | None
    crps: float
    scorable: bool = True

    def sim_date(self, start: dt.date, value: float | None) -> str:
        """A simulated day as a date (``never`` for None); for ``held`` the days as they are."""
        if value is None:
            return "never"
        if self.event == "held":
            return f"{value:g} d"
        return (start + dt.timedelta(days=int(value))).isoformat()


@dataclass(frozen=True)
class Score:
    """An ensemble's score against a set of observations.

    Attributes:
        observations: per-observation scores, in file order.
        runs: runs in the ensemble.
        failed: runs that failed (excluded).
        last_day: the runs' last day (the horizon at which "never" is censored).
        start: day 0's date.
    """

    observations: tuple[ObservationScore, ...]
    runs: int
    failed: int
    last_day: int
    start: dt.date

    def mean(self, field: str = "crps") -> float:
        """The mean of a column over the scorable observations (NaN if none)."""
        vals = [getattr(o, field) for o in self.observations if o.scorable]
        vals = [v for v in vals if v is not None]
        return float(np.mean(vals)) if vals else float("nan")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``score.json``."""
        return {"runs": self.runs, "failed": self.failed, "last_day": self.last_day,
                "start_date": self.start.isoformat(),
                "mean_crps": _finite(self.mean("crps")), "mean_hit": _finite(self.mean("hit")),
                "mean_abs_error_days": _finite(self.mean_abs_error()),
                "observations": [{k: _finite(v) if isinstance(v, float) else v
                                  for k, v in asdict(o).items()} for o in self.observations]}

    def mean_abs_error(self) -> float:
        """The mean absolute median error in days (observations whose median is not never)."""
        vals = [abs(o.error_days) for o in self.observations
                if o.scorable and o.error_days is not None]
        return float(np.mean(vals)) if vals else float("nan")


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x


def censored(values: Sequence[int | None], obs: Observation, start: dt.date,
             last_day: int) -> np.ndarray:
    """The sample with "never" replaced by its censoring value (see the module docstring).

    Examples:
        >>> o = Observation("x", dt.date(2020, 1, 11), "capture", town="t")
        >>> censored([3, None], o, dt.date(2020, 1, 1), 30).tolist()
        [3.0, 31.0]
    """
    if obs.event == "held":
        d = min(max(0, obs.day(start)), last_day)
        never = max(d, last_day - d) + 1
    else:
        never = last_day + 1
    return np.array([never if v is None else v for v in values], dtype=float)


def score_observation(obs: Observation, values: Sequence[int | None], start: dt.date,
                      last_day: int) -> ObservationScore:
    """Score one observation on the simulated values of the runs that finished.

    Args:
        obs: the observation.
        values: per run, the simulated day (``held``: distance in days), None for never.
        start: the date of day 0.
        last_day: the runs' last day, where "never" is censored.
    """
    d, u = obs.day(start), obs.uncertainty_days
    base: dict[str, Any] = dict(id=obs.id, event=obs.event, what=obs.describe(),
                                date=obs.date.isoformat(), day=d, uncertainty_days=u)
    if not obs.scorable or not values:
        return ObservationScore(**base, runs=len(values), hit=float("nan"), never=float("nan"),
                                q10=None, median=None, q90=None, error_days=None,
                                crps=float("nan"), scorable=obs.scorable)
    x = censored(values, obs, start, last_day)
    happened = np.array([v is not None for v in values])
    held = obs.event == "held"
    target = 0 if held else d
    hit = happened & (np.abs(x - target) <= u)
    ranked = np.where(happened, x, np.inf)
    qs = [float(q) for q in np.quantile(ranked, QUANTILES, method="inverted_cdf")]
    q10, med, q90 = (None if math.isinf(q) else q for q in qs)
    lo, hi = (-u, u) if held else (d - u, d + u)
    return ObservationScore(**base, runs=len(values), hit=float(hit.mean()),
                            never=float((~happened).mean()), q10=q10, median=med, q90=q90,
                            error_days=None if med is None else med - target,
                            crps=crps_window(x, lo, hi))


def score_runs(observations: Sequence[Observation], results: Sequence[Any], start: dt.date,
               last_day: int) -> Score:
    """Score an ensemble: ``results`` are ``sim.validate.ensemble.RunResult`` of every run."""
    ok = [r for r in results if r.values is not None]
    scores = []
    for i, o in enumerate(observations):
        scores.append(score_observation(o, [r.values[i] for r in ok], start, last_day))
    return Score(tuple(scores), len(results), len(results) - len(ok), last_day, start)
