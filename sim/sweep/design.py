"""Experimental designs: parameter points (grid, oat, lhs, sobol, morris, saltelli) and seeds.

A sweep's runs are its parameter points times its replicates, numbered point-major
(run = point x replicates + replicate). Seeds come from the sweep's seed through
``numpy.random.SeedSequence.spawn``, so a run's seed depends only on the sweep file, never on
the backend, the number of workers or the order in which runs finish.

``morris`` and ``saltelli`` are the designs of sensitivity analysis, built with SALib's
samplers on the unit hypercube (seeded from the sweep's seed) and mapped to each parameter's
range like the Latin hypercube: ``morris`` draws ``samples`` one-at-a-time trajectories of D+1
points each on a 4-level grid (for Morris's mu* and sigma); ``saltelli`` draws ``samples`` base
points and gives N x (D+2) points (Saltelli's scheme for Sobol's first-order and total indices;
second-order indices are not computed). ``frontline report`` rebuilds the same unit points
from the seed to compute the indices (``sim.sweep.sensitivity``).

Examples:
    >>> p = ParamDef("x", values=(1, 2))
    >>> q = ParamDef("y", values=("a", "b", "c"))
    >>> [pt["x"] for pt in expand_points((p, q), "grid", None, 0)]
    [1, 1, 1, 2, 2, 2]
    >>> [pt["x"] for pt in expand_points((ParamDef("x", values=(1, 2, 3)),), "oat", None, 0)]
    [2, 1, 3]
    >>> range_values(0, 0.05, step=0.01)
    (0.0, 0.01, 0.02, 0.03, 0.04, 0.05)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["MAX_VALUES", "MORRIS_LEVELS", "SENSITIVITY_DESIGNS", "Design", "ParamDef", "Run",
           "build_design", "count_points", "expand_points", "range_values", "run_seeds",
           "sample_count", "unit_design"]

#: The most values one parameter's range may have.
MAX_VALUES = 100_000

DesignMethod = Literal["grid", "oat", "lhs", "sobol", "morris", "saltelli"]
#: Designs whose points are laid out for SALib's index computation (all parameters sampled).
SENSITIVITY_DESIGNS = ("morris", "saltelli")
#: Levels of the Morris grid (SALib's default; the step is levels / (2 (levels - 1))).
MORRIS_LEVELS = 4
SeedMode = Literal["common", "independent"]


@dataclass(frozen=True)
class ParamDef:
    """One swept parameter: a dotted scenario path and its values or sampling range.

    A parameter with ``values`` is crossed with the others (a grid); one with ``low`` and
    ``high`` is sampled by the design's Latin hypercube or Sobol sequence.
    """

    path: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False

    @property
    def sampled(self) -> bool:
        """Whether the design samples this parameter (rather than listing its values)."""
        return self.low is not None


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its number, parameter point, replicate, seed and parameter values."""

    index: int
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]


@dataclass(frozen=True)
class Design:
    """A sweep's expanded design: parameter points, replicates and every run's seed."""

    params: tuple[ParamDef, ...]
    points: tuple[dict[str, Any], ...]
    replicates: int
    seeds: tuple[int, ...]

    @property
    def n_runs(self) -> int:
        """Number of runs: points x replicates."""
        return len(self.points) * self.replicates

    def run(self, index: int) -> Run:
        """Run number ``index``."""
        point, rep = divmod(index, self.replicates)
        return Run(index, point, rep, self.seeds[index], self.points[point])

    def runs(self) -> Iterator[Run]:
        """Every run, in run order."""
        for i in range(self.n_runs):
            yield self.run(i)


def _tidy(x: float) -> float:
    """Round away binary noise (0.30000000000000004 -> 0.3), keeping 12 significant digits."""
    return float(f"{x:.12g}")


def range_values(start: float, stop: float, *, step: float | None = None,
                 num: int | None = None, log: bool = False) -> tuple[Any, ...]:
    """The values of a range: ``start`` to ``stop`` inclusive, by ``step`` or in ``num`` values.

    Integers stay integers when start, stop and step all are. ``log`` spaces ``num`` values
    evenly on a log scale.

    Raises:
        ValueError: the range is empty, or both or neither of step and num are given.
    """
    if (step is None) == (num is None):
        raise ValueError("give either step or num")
    if step is not None and not step > 0:
        raise ValueError("step must be positive")
    try:
        finite = all(math.isfinite(v) for v in (start, stop, step or 1, num or 1))
        if step is not None:
            float((stop - start) / step)
    except OverflowError:
        finite = False
    if not finite:
        raise ValueError("from, to and step must be finite numbers of a sensible size")
    if stop < start:
        raise ValueError(f"to ({stop}) is less than from ({start})")
    if step is not None:
        if log:
            raise ValueError("log spacing needs num, not step")
        ratio = (stop - start) / step
        if not math.isfinite(ratio) or ratio >= MAX_VALUES:
            raise ValueError(f"the range has more than {MAX_VALUES:,} values; use a larger "
                             "step or num")
        n = math.floor(ratio + 1e-9) + 1
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (start, stop, step)):
            return tuple(int(start + k * step) for k in range(n))
        return tuple(_tidy(start + k * step) for k in range(n))
    assert num is not None
    if not 1 <= num <= MAX_VALUES:
        raise ValueError(f"num must be 1 to {MAX_VALUES:,}")
    if log:
        if start <= 0:
            raise ValueError("log spacing needs a positive from")
        return tuple(_tidy(float(v)) for v in np.geomspace(start, stop, num))
    return tuple(_tidy(float(v)) for v in np.linspace(start, stop, num))


def unit_design(d: int, method: DesignMethod, n: int, seed: int) -> np.ndarray:
    """The design's points on the unit hypercube, ``(points, d)``; the same for the same seed.

    ``seed`` is the sweep's root seed: the design draws from the first child of
    ``SeedSequence(seed)`` (the second seeds the runs), so the points never depend on the runs.
    """
    design_seq = np.random.SeedSequence(seed).spawn(2)[0]
    rng = np.random.default_rng(design_seq)
    if method in SENSITIVITY_DESIGNS:
        from SALib.sample import morris, sobol

        problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)],
                   "bounds": [[0.0, 1.0]] * d}
        if method == "morris":
            return np.asarray(morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=rng))
        return np.asarray(sobol.sample(problem, n, calc_second_order=False, seed=rng))
    from scipy.stats import qmc

    engine: qmc.QMCEngine
    engine = qmc.LatinHypercube(d, rng=rng) if method == "lhs" else qmc.Sobol(d, rng=rng)
    return np.asarray(engine.random(n))


def _sample(params: list[ParamDef], method: DesignMethod, n: int, seed: int
            ) -> list[dict[str, Any]]:
    unit = unit_design(len(params), method, n, seed)
    rows: list[dict[str, Any]] = []
    for u in unit:
        row: dict[str, Any] = {}
        for p, x in zip(params, u, strict=True):
            lo, hi = float(p.low or 0.0), float(p.high or 0.0)
            if p.integer:
                row[p.path] = min(math.floor(lo + x * (hi - lo + 1)), int(hi))
            elif p.log:
                row[p.path] = float(math.exp(math.log(lo) + x * (math.log(hi) - math.log(lo))))
            else:
                row[p.path] = float(lo + x * (hi - lo))
        rows.append(row)
    return rows


def count_points(params: tuple[ParamDef, ...] | list[ParamDef], samples: int | None,
                 method: DesignMethod = "lhs") -> int:
    """How many points ``expand_points`` gives, without building them."""
    if method == "oat":
        return 1 + sum(len(p.values) - 1 for p in params)
    n = math.prod(len(p.values) for p in params if not p.sampled)
    d = sum(p.sampled for p in params)
    return n * sample_count(d, method, samples or 1) if d else n


def sample_count(d: int, method: DesignMethod, samples: int) -> int:
    """Points a sampled design draws for ``d`` parameters.

    ``samples`` for lhs and sobol; ``samples x (d + 1)`` for Morris trajectories;
    ``samples x (d + 2)`` for Saltelli.

    Examples:
        >>> sample_count(3, "morris", 10), sample_count(3, "saltelli", 8)
        (40, 40)
    """
    if method == "morris":
        return samples * (d + 1)
    if method == "saltelli":
        return samples * (d + 2)
    return samples


def expand_points(params: tuple[ParamDef, ...] | list[ParamDef], method: DesignMethod,
                  samples: int | None, seed: int) -> list[dict[str, Any]]:
    """Every parameter point of a design, in order.

    Listed parameters form a grid (the first varies slowest); sampled parameters draw
    ``samples`` points from a seeded Latin hypercube or scrambled Sobol sequence, crossed with
    the grid (grid outer, samples inner). With no parameters there is one empty point.
    """
    if method == "oat":
        return _oat_points(params)
    grid = [p for p in params if not p.sampled]
    sampled = [p for p in params if p.sampled]
    combos = [dict(zip([p.path for p in grid], vals, strict=True))
              for vals in itertools.product(*(p.values for p in grid))]
    if not sampled:
        points = combos
    else:
        draws = _sample(sampled, method, samples or 1, seed)
        points = [{**c, **s} for c in combos for s in draws]
    order = [p.path for p in params]
    return [{k: pt[k] for k in order} for pt in points]


def _oat_points(params: tuple[ParamDef, ...] | list[ParamDef]) -> list[dict[str, Any]]:
    """The points of a one-at-a-time design.

    First the base point (every parameter at its middle value), then each parameter at each
    of its other values with the others at base, in file order.
    """
    base = {p.path: p.values[len(p.values) // 2] for p in params}
    points = [dict(base)]
    for p in params:
        for i, v in enumerate(p.values):
            if i != len(p.values) // 2:
                points.append({**base, p.path: v})
    return points


def run_seeds(seed: int, n_points: int, replicates: int, mode: SeedMode) -> tuple[int, ...]:
    """The seed of every run, from ``SeedSequence(seed)``.

    The root sequence spawns two children, one for sampling the design and one for the runs.
    With ``common`` seeds (common random numbers, Mesa's ``batch_run`` convention) the runs'
    child spawns one seed per replicate, shared by every point, so points differ only by their
    parameters; with ``independent`` it spawns one seed per run.
    """
    runs_seq = np.random.SeedSequence(seed).spawn(2)[1]
    n = replicates if mode == "common" else n_points * replicates
    ints = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in runs_seq.spawn(n)]
    if mode == "common":
        return tuple(ints[r] for _ in range(n_points) for r in range(replicates))
    return tuple(ints)


def build_design(params: tuple[ParamDef, ...], method: DesignMethod, samples: int | None,
                 replicates: int, seed: int, mode: SeedMode) -> Design:
    """Expand a sweep's parameters into points and give every run its seed."""
    points = expand_points(params, method, samples, seed)
    return Design(params, tuple(points), replicates,
                  run_seeds(seed, len(points), replicates, mode))
