"""Sweep files: their schema, and loading one into a checked plan with every problem reported.

A sweep file names a scenario, the parameters to vary (dotted paths, as ``--set`` uses), the
design, replicates, days and the metrics to record. Loading it checks everything against the
scenario before any run starts: paths exist, values are valid, towns and factions are known.
Every problem comes back at once as ``file:line: path: message``, like a scenario's.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.problems import Problems, suggest
from sim.scenario.yamlio import PathKey, read_yaml
from sim.sweep.design import (
    SENSITIVITY_DESIGNS,
    Design,
    ParamDef,
    build_design,
    count_points,
    range_values,
)
from sim.sweep.metrics import METRICS, SERIES, Metric
from sim.sweep.paths import check_overlaps, check_path, plain
from sim.sweep.schema import (
    FIXED_COLUMNS,
    MetricEntry,
    RangeParam,
    SampleParam,
    SweepFile,
    ValuesParam,
)

__all__ = ["FIXED_COLUMNS", "SweepFile", "SweepPlan", "load_sweep"]

#: Values of one listed parameter checked against the scenario before the sweep starts.
MAX_CHECKED_VALUES = 50
#: Values checked over all parameters (beyond it, only each parameter's first and last).
MAX_CHECKS = 200
MAX_RUNS = 1_000_000


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


# ------------------------------------------------------------------------- loading
def load_sweep(path: str | Path) -> SweepPlan:
    """Read and check a sweep file against its scenario, collecting every problem.

    Raises:
        ScenarioError: the sweep file (or its scenario) is invalid; every problem, located.
    """
    file = str(path)
    data, locs = read_yaml(path)
    problems = Problems.in_file(file, locs)
    if not isinstance(data, dict):
        problems.add((), "a sweep file must be a mapping (format, name, scenario, parameters, "
                         "metrics, ...)")
        raise problems.error()
    if "towns" in data and "scenario" not in data:
        problems.add((), "this looks like a scenario file; a sweep file names its scenario "
                         "with scenario: (see docs/sweeps.md)")
        raise problems.error()
    spec = _lenient_spec(data, problems)
    if spec is None:
        raise problems.error()

    scenario_path = Path(path).parent / spec.scenario
    loaded = _load_scenario(scenario_path, problems)
    if loaded is None:
        raise problems.error()
    base = loaded.scenario.model_dump(by_alias=True, mode="json", exclude_none=True)
    base.pop("extends", None)

    check_overlaps(spec.set, spec.parameters, base, problems)
    constants = _check_set(spec, base, problems)
    params = _params(spec, base, constants, problems)
    metrics = _metrics(spec, loaded, params, problems)
    _check_design(spec, params, problems)
    for i, name in enumerate(spec.series):
        if name not in SERIES:
            problems.add(("series", i), f"unknown series {name!r}{suggest(name, list(SERIES))}"
                                        f"; choose from {', '.join(SERIES)}")
    if len(set(spec.series)) != len(spec.series):
        problems.add(("series",), "a series is listed twice")
    if problems.errors:
        raise problems.error()

    n_runs = count_points(params, spec.samples, spec.design) * spec.replicates
    if n_runs > MAX_RUNS:  # checked before the points are built: they might not fit in memory
        problems.add(("parameters",), f"the sweep has {n_runs:,} runs (points x replicates); "
                                      f"the limit is {MAX_RUNS:,}")
        raise problems.error()
    design = build_design(params, spec.design, spec.samples, spec.replicates, spec.seed,
                          spec.seeds)
    days = spec.days if spec.days is not None else loaded.scenario.simulation.days
    fingerprint = _fingerprint(spec, base, metrics)
    return SweepPlan(file, spec, str(scenario_path), loaded, base, days, constants or {}, params,
                     metrics, design, fingerprint)


def _lenient_spec(data: dict[str, Any], problems: Problems) -> SweepFile | None:
    """The validated file, or None if a required field is wrong.

    If other fields are wrong they are reported and replaced by their defaults, so that the
    deeper checks report their problems in the same message.
    """
    before = len(problems.items)
    spec = problems.validate(SweepFile, data)
    if spec is not None:
        return spec
    bad = {p.path.split(".")[0].split("[")[0] for p in problems.items[before:]}
    # None if a required field is wrong: nothing deeper can be checked
    return Problems.in_file(problems.sources.locate(())[0], {}).validate(
        SweepFile, {k: v for k, v in data.items() if k not in bad})


def _load_scenario(path: Path, problems: Problems) -> LoadedScenario | None:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        (first, *rest) = exc.problems
        if not rest and first.file == str(path) and first.line is None and not first.path:
            # the file cannot be read (missing, a directory, a FIFO, a device): say it here
            what = ("scenario file not found" if first.message == "file not found"
                    else f"scenario file {first.message}")
            problems.add(("scenario",), f"{what} (looked for {path})")
            return None
        problems.add(("scenario",), f"scenario {str(path)!r} is invalid (its problems are "
                                    "listed under its own file name)")
        problems.extend(exc.problems)
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


def _check_set(spec: SweepFile, base: dict[str, Any], problems: Problems
               ) -> dict[str, Any] | None:
    """The constant overrides, or None if they are wrong (then values are not checked)."""
    ok = all([check_path(k, base, ("set", k), problems) for k in spec.set])
    bad = _check_value(base, dict(spec.set)) if ok and spec.set else []
    for p in bad:
        problems.add(("set",), f"makes the scenario invalid: {_what(p)}")
    return {k: plain(v) for k, v in spec.set.items()} if ok and not bad else None


def _param_def(name: str, raw: Any, problems: Problems) -> ParamDef | None:
    where: PathKey = ("parameters", name)
    if isinstance(raw, list):
        raw = {"values": raw}
    if not isinstance(raw, dict):
        problems.add(where, f"expected a list of values, {{from, to, step}}, or {{low, high}}, "
                            f"got {raw!r} (a constant goes under set:)")
        return None
    if "values" in raw:
        v = problems.validate(ValuesParam, raw, where)
        return ParamDef(name, values=tuple(plain(x) for x in v.values)) if v else None
    if "from" in raw or "to" in raw:
        r = problems.validate(RangeParam, raw, where)
        if r is None:
            return None
        try:
            values = range_values(r.from_, r.to, step=r.step, num=r.num, log=r.log)
        except ValueError as exc:
            problems.add(where, str(exc))
            return None
        return ParamDef(name, values=values)
    if "low" in raw or "high" in raw:
        s = problems.validate(SampleParam, raw, where)
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
                        + suggest(next(iter(raw), ""), ["values", "from", "to", "low", "high"]))
    return None


def _params(spec: SweepFile, base: dict[str, Any], constants: dict[str, Any] | None,
            problems: Problems) -> tuple[ParamDef, ...]:
    out: list[ParamDef] = []
    checks = 0
    for name, raw in spec.parameters.items():
        where: PathKey = ("parameters", name)
        if not check_path(name, base, where, problems):
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


def _check_design(spec: SweepFile, params: tuple[ParamDef, ...], problems: Problems) -> None:
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
             problems: Problems) -> tuple[Metric, ...]:
    towns = [t.id for t in loaded.scenario.towns]
    factions = [f.id for f in loaded.scenario.factions]
    names = sorted(METRICS)
    out: list[Metric] = []
    for i, raw in enumerate(spec.metrics):
        where: PathKey = ("metrics", i)
        if isinstance(raw, str):
            raw = {"metric": raw}
        entry = problems.validate(MetricEntry, raw, where)
        if entry is None:
            continue
        mdef = METRICS.get(entry.metric)
        if mdef is None:
            problems.add((*where, "metric"), f"unknown metric {entry.metric!r}"
                         f"{suggest(entry.metric, names)}; the library has {', '.join(names)}")
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
                                           f"{suggest(entry.town, towns)}")
            ok = False
        for j, t in enumerate(entry.towns or []):
            if t not in towns:
                problems.add((*where, "towns", j), f"unknown town {t!r}{suggest(t, towns)}")
                ok = False
        if entry.faction is not None and entry.faction not in factions:
            problems.add((*where, "faction"), f"unknown faction {entry.faction!r}"
                                              f"{suggest(entry.faction, factions)}")
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
