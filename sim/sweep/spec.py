"""Sweep files: their schema, and loading one into a checked plan with every problem reported.

A sweep file names a scenario, the parameters to vary (dotted paths, as ``--set`` uses), the
design, replicates, days and the metrics to record. Loading it checks everything against the
scenario before any run starts: paths exist, values are valid, towns and factions are known.
Every problem comes back at once as ``file:line: path: message``, like a scenario's.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.loader import apply_override, parse_path
from sim.scenario.yamlio import Locations, PathKey, format_path, read_yaml
from sim.sweep.design import (
    SENSITIVITY_DESIGNS,
    Design,
    ParamDef,
    build_design,
    count_points,
    range_values,
)
from sim.sweep.metrics import METRICS, SERIES, Metric

__all__ = ["FIXED_COLUMNS", "SweepFile", "SweepPlan", "load_sweep"]

#: Columns every results file has, besides parameters and metrics.
FIXED_COLUMNS = ("run", "point", "replicate", "seed", "status", "error", "control")
#: Values of one listed parameter checked against the scenario before the sweep starts.
MAX_CHECKED_VALUES = 50
#: Values checked over all parameters (beyond it, only each parameter's first and last).
MAX_CHECKS = 200
MAX_RUNS = 1_000_000
_RESERVED_PATHS = {
    "simulation.days": "set the number of days with the sweep's days: field",
    "simulation.seed": "run seeds come from the sweep's seed: and replicates: fields",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ValuesParam(_Strict):
    """A parameter with listed values: ``{values: [0, 0.01, 0.02]}`` or just the list."""

    values: list[Any] = Field(min_length=1, max_length=100_000, description="the values")


class RangeParam(_Strict):
    """A parameter with evenly spaced values: ``{from: 0, to: 0.05, step: 0.01}``."""

    from_: int | float = Field(alias="from", description="first value")
    to: int | float = Field(description="last value (included when a step lands on it)")
    step: int | float | None = Field(None, gt=0, description="spacing (give step or num)")
    num: int | None = Field(None, ge=1, le=100_000, description="number of values (step or num)")
    log: bool = Field(False, description="space num values evenly on a log scale")


class SampleParam(_Strict):
    """A sampled parameter: ``{low: 0, high: 0.05}``, for ``design: lhs`` or ``sobol``."""

    low: float = Field(description="lower bound")
    high: float = Field(description="upper bound")
    log: bool = Field(False, description="sample uniformly on a log scale (low > 0)")
    integer: bool = Field(False, description="draw whole numbers from low to high inclusive")


class MetricEntry(_Strict):
    """A metric to record: a name from the metric library and its arguments."""

    metric: str = Field(description="metric name, e.g. capture_day (see docs/sweeps.md)")
    name: str | None = Field(None, min_length=1, max_length=120,
                             description="column name (default: metric.arguments)")
    town: str | None = Field(None, description="town id, for metrics about one town")
    towns: list[str] | None = Field(None, min_length=1, description="town ids")
    faction: str | None = Field(None, description="faction id (per-faction metrics: omit it "
                                                  "for one column per faction)")


class SweepFile(_Strict):
    """A frontline sweep file (``format: 1``)."""

    format: Literal[1] = Field(description="file format version; must be 1")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    scenario: str = Field(min_length=1, description="scenario file, relative to the sweep file")
    days: int | None = Field(None, ge=1, le=100_000, description="days per run (default: the "
                                                                 "scenario's)")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="root seed; run seeds derive from it")
    replicates: int = Field(1, ge=1, le=1_000_000, description="runs (seeds) per point")
    seeds: Literal["common", "independent"] = Field(
        "common", description="common: replicate r has the same seed at every point; "
                              "independent: every run its own seed")
    design: Literal["grid", "oat", "lhs", "sobol", "morris", "saltelli"] = Field(
        "grid", description="grid: every combination of listed values; oat: one at a time "
                            "around the middle values; lhs / sobol: sample the low/high "
                            "parameters; morris / saltelli: sensitivity designs (see "
                            "docs/sweeps.md)")
    samples: int | None = Field(None, ge=1, le=1_000_000, description="points to sample "
                                "(lhs, sobol); trajectories (morris); base samples (saltelli)")
    set: dict[str, Any] = Field(default_factory=dict, description="constant overrides for "
                                                                  "every run (path: value)")
    parameters: dict[str, Any] = Field(default_factory=dict, description="swept parameters "
                                                                         "(path: values)")
    metrics: list[Any] = Field(min_length=1, description="metrics to record")
    series: list[str] = Field(default_factory=list, description="per-faction daily series "
                              "for the long table: " + ", ".join(SERIES))


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep, ready to run.

    Attributes:
        file: the sweep file as the user named it.
        spec: the validated file.
        scenario_file: the scenario's path.
        scenario: the scenario as loaded (with its warnings).
        base: the scenario as plain data with every default filled in, which runs override;
            so that paths like ``simulation.combat.kill_rate`` work even when the file omits
            the section.
        days: days per run.
        constants: the ``set:`` overrides.
        params: the swept parameters, in file order.
        metrics: the metric columns, resolved.
        design: points, replicates and seeds.
        fingerprint: a hash of everything that determines the results (for resuming).
    """

    file: str
    spec: SweepFile
    scenario_file: str
    scenario: LoadedScenario
    base: dict[str, Any]
    days: int
    constants: dict[str, Any]
    params: tuple[ParamDef, ...]
    metrics: tuple[Metric, ...]
    design: Design
    fingerprint: str

    @property
    def series(self) -> tuple[str, ...]:
        """The per-day series to record."""
        return tuple(self.spec.series)


class _Problems:
    """Collects problems located in the sweep file."""

    def __init__(self, file: str, locs: Locations):
        self.file = file
        self.locs = locs
        self.items: list[Problem] = []

    def line(self, path: PathKey) -> int | None:
        for n in range(len(path), -1, -1):
            if path[:n] in self.locs:
                return self.locs[path[:n]]
        return None

    def add(self, path: PathKey, message: str, severity: str = "error") -> None:
        self.items.append(Problem(self.file, self.line(path), format_path(path), message,
                                  severity))

    def from_validation(self, exc: ValidationError, base: PathKey, cls: type[BaseModel]) -> None:
        for err in exc.errors(include_url=False):
            loc = tuple("from" if s == "from_" else s for s in err["loc"]
                        if not str(s).startswith(("function-", "tagged-", "literal[")))
            loc = tuple(s for s in loc if isinstance(s, str | int))
            self.add((*base, *loc), _message(err, cls))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _message(err: Any, cls: type[BaseModel]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        names = [f.alias or n for n, f in cls.model_fields.items()]
        return "unknown field" + _suggest(str(err["loc"][-1]), names)
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {err.get('input')!r}"
    value = err.get("input")
    if isinstance(value, dict | list):
        return str(err["msg"])
    return f"{err['msg']} (got {value!r})"


def _model(cls: type[_Strict], data: Any, path: PathKey, problems: _Problems) -> Any:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems.from_validation(exc, path, cls)
        return None


# ------------------------------------------------------------------------- loading
def load_sweep(path: str | Path) -> SweepPlan:
    """Read and check a sweep file against its scenario, collecting every problem.

    Raises:
        ScenarioError: the sweep file (or its scenario) is invalid; every problem, located.
    """
    file = str(path)
    data, locs = read_yaml(path)
    problems = _Problems(file, locs)
    if not isinstance(data, dict):
        problems.add((), "a sweep file must be a mapping (format, name, scenario, parameters, "
                         "metrics, ...)")
        raise ScenarioError(problems.items)
    if "towns" in data and "scenario" not in data:
        problems.add((), "this looks like a scenario file; a sweep file names its scenario "
                         "with scenario: (see docs/sweeps.md)")
        raise ScenarioError(problems.items)
    spec = _lenient_spec(data, problems)
    if spec is None:
        raise ScenarioError(problems.items)

    scenario_path = Path(path).parent / spec.scenario
    loaded = _load_scenario(scenario_path, problems)
    if loaded is None:
        raise ScenarioError(problems.items)
    base = loaded.scenario.model_dump(by_alias=True, mode="json", exclude_none=True)
    base.pop("extends", None)

    constants = _check_set(spec, base, problems)
    params = _params(spec, base, constants, problems)
    metrics = _metrics(spec, loaded, params, problems)
    _check_design(spec, params, problems)
    for i, name in enumerate(spec.series):
        if name not in SERIES:
            problems.add(("series", i), f"unknown series {name!r}{_suggest(name, list(SERIES))}"
                                        f"; choose from {', '.join(SERIES)}")
    if len(set(spec.series)) != len(spec.series):
        problems.add(("series",), "a series is listed twice")
    if problems.errors:
        raise ScenarioError(problems.items)

    n_runs = count_points(params, spec.samples, spec.design) * spec.replicates
    if n_runs > MAX_RUNS:  # checked before the points are built: they might not fit in memory
        problems.add(("parameters",), f"the sweep has {n_runs:,} runs (points x replicates); "
                                      f"the limit is {MAX_RUNS:,}")
        raise ScenarioError(problems.items)
    design = build_design(params, spec.design, spec.samples, spec.replicates, spec.seed,
                          spec.seeds)
    days = spec.days if spec.days is not None else loaded.scenario.simulation.days
    fingerprint = _fingerprint(spec, base, metrics)
    return SweepPlan(file, spec, str(scenario_path), loaded, base, days, constants or {}, params,
                     metrics, design, fingerprint)


def _lenient_spec(data: dict[str, Any], problems: _Problems) -> SweepFile | None:
    """The validated file, or None if a required field is wrong.

    If other fields are wrong they are reported and replaced by their defaults, so that the
    deeper checks report their problems in the same message.
    """
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        problems.from_validation(exc, (), SweepFile)
        bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
    try:
        return SweepFile.model_validate({k: v for k, v in data.items() if k not in bad})
    except ValidationError:
        return None  # a required field is wrong: nothing deeper can be checked


def _load_scenario(path: Path, problems: _Problems) -> LoadedScenario | None:
    if not path.is_file():
        problems.add(("scenario",), f"scenario file not found (looked for {path})")
        return None
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        problems.add(("scenario",), f"scenario {str(path)!r} is invalid (its problems are "
                                    "listed under its own file name)")
        problems.items.extend(exc.problems)
        return None


def _check_value(base: dict[str, Any], sets: dict[str, Any]) -> list[Problem]:
    """Problems a scenario has with these overrides (none if it is valid)."""
    try:
        load_scenario(base, sets)
    except ScenarioError as exc:
        return [p for p in exc.problems if p.severity == "error"]
    except Exception as exc:  # a loader bug must not hide the sweep file's other problems
        return [Problem("<scenario>", None, "", f"loading failed ({type(exc).__name__}: {exc})")]
    return []


def _what(p: Problem) -> str:
    return f"{p.path}: {p.message}" if p.path else p.message


def _check_path(text: str, base: dict[str, Any], where: PathKey, problems: _Problems) -> bool:
    if text in _RESERVED_PATHS:
        problems.add(where, f"cannot be swept or set here: {_RESERVED_PATHS[text]}")
        return False
    try:
        apply_override(copy.deepcopy(base), parse_path(text), None, dry_run=True)
    except ValueError as exc:
        problems.add(where, str(exc))
        return False
    return True


def _check_set(spec: SweepFile, base: dict[str, Any], problems: _Problems
               ) -> dict[str, Any] | None:
    """The constant overrides, or None if they are wrong (then values are not checked)."""
    ok = all([_check_path(k, base, ("set", k), problems) for k in spec.set])
    bad = _check_value(base, dict(spec.set)) if ok and spec.set else []
    for p in bad:
        problems.add(("set",), f"makes the scenario invalid: {_what(p)}")
    return dict(spec.set) if ok and not bad else None


def _param_def(name: str, raw: Any, problems: _Problems) -> ParamDef | None:
    where: PathKey = ("parameters", name)
    if isinstance(raw, list):
        raw = {"values": raw}
    if not isinstance(raw, dict):
        problems.add(where, f"expected a list of values, {{from, to, step}}, or {{low, high}}, "
                            f"got {raw!r} (a constant goes under set:)")
        return None
    if "values" in raw:
        v = _model(ValuesParam, raw, where, problems)
        return ParamDef(name, values=tuple(v.values)) if v else None
    if "from" in raw or "to" in raw:
        r = _model(RangeParam, raw, where, problems)
        if r is None:
            return None
        try:
            values = range_values(r.from_, r.to, step=r.step, num=r.num, log=r.log)
        except ValueError as exc:
            problems.add(where, str(exc))
            return None
        return ParamDef(name, values=values)
    if "low" in raw or "high" in raw:
        s = _model(SampleParam, raw, where, problems)
        if s is None:
            return None
        if not (math.isfinite(s.low) and math.isfinite(s.high)) or s.high < s.low:
            problems.add(where, f"need finite low <= high, got low {s.low}, high {s.high}")
            return None
        if s.log and s.low <= 0:
            problems.add(where, "log sampling needs low > 0")
            return None
        if s.log and s.integer:
            problems.add(where, "choose log or integer, not both")
            return None
        return ParamDef(name, low=s.low, high=s.high, log=s.log, integer=s.integer)
    problems.add(where, "expected values: [...], from/to with step or num, or low/high"
                        + _suggest(next(iter(raw), ""), ["values", "from", "to", "low", "high"]))
    return None


def _params(spec: SweepFile, base: dict[str, Any], constants: dict[str, Any] | None,
            problems: _Problems) -> tuple[ParamDef, ...]:
    out: list[ParamDef] = []
    checks = 0
    for name, raw in spec.parameters.items():
        where: PathKey = ("parameters", name)
        if name in spec.set:
            problems.add(where, "is also under set:; give it in one place")
            continue
        if not _check_path(name, base, where, problems):
            continue
        p = _param_def(name, raw, problems)
        if p is None:
            continue
        out.append(p)
        if constants is None:
            continue  # values are checked once the constant overrides are right
        if p.sampled:
            lo, hi = (int(p.low or 0), int(p.high or 0)) if p.integer else (p.low, p.high)
            probe: list[Any] = [lo, hi]
        else:
            distinct = {json.dumps(v, sort_keys=True, default=str): v for v in p.values}
            probe = list(distinct.values())
            probe = probe[:MAX_CHECKED_VALUES] if checks < MAX_CHECKS else [probe[0], probe[-1]]
        checks += len(probe)
        for value in probe:
            bad = _check_value(base, {**constants, name: value})
            if bad:
                q = bad[0]
                more = f" (and {len(bad) - 1} more problems)" if len(bad) > 1 else ""
                problems.add(where, f"value {value!r} makes the scenario invalid: "
                                    f"{_what(q)}{more}")
                break
    return tuple(out)


def _check_design(spec: SweepFile, params: tuple[ParamDef, ...], problems: _Problems) -> None:
    sampled = [p for p in params if p.sampled]
    if spec.design == "oat":
        for p in params:
            if p.sampled or len(p.values) < 3 or len(p.values) % 2 == 0:
                problems.add(("parameters", p.path), "design: oat needs an odd number (3 or "
                                                     "more) of listed values per parameter, "
                                                     "the middle one the base")
        if spec.samples is not None:
            problems.add(("samples",), "samples applies to design: lhs or sobol, not oat")
        return
    if spec.design == "grid":
        for p in sampled:
            problems.add(("parameters", p.path), "low/high parameters are sampled: set design: "
                                                 "lhs or sobol, with samples: N")
        if spec.samples is not None:
            problems.add(("samples",), "samples applies to design: lhs or sobol, not grid")
        return
    if not sampled:
        problems.add(("design",), f"design: {spec.design} samples parameters given as "
                                  "{low, high}; this sweep has none")
    if spec.design in SENSITIVITY_DESIGNS:
        for p in params:
            if not p.sampled:
                problems.add(("parameters", p.path), f"design: {spec.design} varies every "
                             "parameter over {low, high}; give this one a range, or move it "
                             "to set:")
    if spec.samples is None:
        problems.add(("design",), f"design: {spec.design} needs samples: N")
    elif spec.design in ("sobol", "saltelli") and spec.samples & (spec.samples - 1):
        lower = 1 << (spec.samples.bit_length() - 1)
        problems.add(("samples",), f"a Sobol design needs a power of 2 samples for its balance "
                                   f"properties; use {lower} or {lower * 2} (or design: lhs)")


def _metrics(spec: SweepFile, loaded: LoadedScenario, params: tuple[ParamDef, ...],
             problems: _Problems) -> tuple[Metric, ...]:
    towns = [t.id for t in loaded.scenario.towns]
    factions = [f.id for f in loaded.scenario.factions]
    names = sorted(METRICS)
    out: list[Metric] = []
    for i, raw in enumerate(spec.metrics):
        where: PathKey = ("metrics", i)
        if isinstance(raw, str):
            raw = {"metric": raw}
        entry = _model(MetricEntry, raw, where, problems)
        if entry is None:
            continue
        mdef = METRICS.get(entry.metric)
        if mdef is None:
            problems.add((*where, "metric"), f"unknown metric {entry.metric!r}"
                         f"{_suggest(entry.metric, names)}; the library has {', '.join(names)}")
            continue
        given = [a for a in ("town", "towns", "faction") if getattr(entry, a) is not None]
        ok = True
        for a in given:
            if a not in mdef.required + mdef.optional:
                takes = " and ".join(mdef.required + mdef.optional) or "no arguments"
                problems.add((*where, a), f"{mdef.name} does not take {a}; it takes {takes}")
                ok = False
        for a in mdef.required:
            if a not in given:
                problems.add(where, f"{mdef.name} needs {a}: ({mdef.doc})")
                ok = False
        if mdef.name == "siege_lifted_day" and len(given) != 1:
            problems.add(where, "siege_lifted_day needs town: or towns: (one of them)")
            ok = False
        if entry.town is not None and entry.town not in towns:
            problems.add((*where, "town"), f"unknown town {entry.town!r}"
                                           f"{_suggest(entry.town, towns)}")
            ok = False
        for j, t in enumerate(entry.towns or []):
            if t not in towns:
                problems.add((*where, "towns", j), f"unknown town {t!r}{_suggest(t, towns)}")
                ok = False
        if entry.faction is not None and entry.faction not in factions:
            problems.add((*where, "faction"), f"unknown faction {entry.faction!r}"
                                              f"{_suggest(entry.faction, factions)}")
            ok = False
        if not ok:
            continue
        fs: list[str | None] = [entry.faction]
        if mdef.per_faction and entry.faction is None:
            fs = list(factions)
        for f in fs:
            col = mdef.column(entry.town, tuple(entry.towns or ()), f)
            if entry.name:
                col = entry.name if len(fs) == 1 else f"{entry.name}.{f}"
            out.append(Metric(col, mdef.name, entry.town, tuple(entry.towns or ()), f))
    taken: dict[str, str] = {c: "a standard column" for c in FIXED_COLUMNS}
    taken.update({p.path: "a parameter" for p in params})
    for i, m in enumerate(out):
        if m.column in taken:
            problems.add(("metrics",), f"column {m.column!r} (metric {i + 1}) clashes with "
                                       f"{taken[m.column]}; give the metric another name:")
        taken[m.column] = "another metric"
    return tuple(out)


def _fingerprint(spec: SweepFile, base: dict[str, Any], metrics: tuple[Metric, ...]) -> str:
    """A hash of what determines the results; a resumed sweep must match it."""
    what = spec.model_dump(mode="json", by_alias=True, exclude={"name", "description"})
    blob = json.dumps({"sweep": what, "scenario": base,
                       "metrics": [m.__dict__ for m in metrics]},
                      sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]
