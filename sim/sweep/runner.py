"""One run of a sweep as a pure function, and a chunk of runs as one task for a worker.

This module is what worker processes and Dask workers import, so it stays light: Mesa and the
model are imported on the first run, once per worker process. A chunk carries the scenario as
plain data, so workers need neither the scenario file nor a shared file system.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.sweep.metrics import Metric, control_changes, evaluate

__all__ = ["Chunk", "ChunkResult", "loaded_point", "run_chunk", "run_one"]

#: Parameter points kept validated per worker process (least recently added dropped first).
POINT_CACHE_SIZE = 64
_points: dict[tuple[str, str, int | None], Any] = {}
_last_data: list[tuple[dict[str, Any], str]] = []  # the last scenario dict and its content key


def loaded_point(scenario: Any, overrides: dict[str, Any], days: int | None) -> Any:
    """The scenario validated with a parameter point's overrides, once per worker process.

    What ``TerritoryModel(scenario, days=days, overrides=overrides)`` would load, as a
    ``LoadedScenario``; for plain scenario data it is cached by (content, overrides, days), so
    the runs of a parameter point share one validation and, through the model's cache of the
    last map, one ``World``. Other sources (a path, a loaded scenario) are loaded each time.

    Raises:
        ScenarioError: the overrides make the scenario invalid (not cached: raised every time).
    """
    from sim.scenario import load_scenario

    sets = dict(overrides)
    if days is not None:
        sets["simulation.days"] = days
    if not isinstance(scenario, dict):
        return load_scenario(scenario, sets)
    if _last_data and _last_data[0][0] is scenario:
        content = _last_data[0][1]
    else:
        content = json.dumps(scenario, sort_keys=True, default=str)
        _last_data[:] = [(scenario, content)]
    key = (content, json.dumps(overrides, default=str), days)  # in order: later paths win
    loaded = _points.get(key)
    if loaded is None:
        loaded = load_scenario(scenario, sets)
        if len(_points) >= POINT_CACHE_SIZE:
            del _points[next(iter(_points))]
        _points[key] = loaded
    return loaded


def run_one(scenario: Any, overrides: dict[str, Any], seed: int, days: int,
            metrics: Sequence[Metric], series: Sequence[str] = ()) -> dict[str, Any]:
    """Run one simulation and measure it; never raises for a failing run.

    Args:
        scenario: a scenario file path, plain scenario data, or a loaded scenario.
        overrides: dotted path -> value, as ``--set``.
        seed: the run's seed.
        days: days to simulate.
        metrics: the metrics to record.
        series: per-faction daily series to return (see ``sim.sweep.metrics.SERIES``).

    Returns:
        The row: ``seed``, ``status`` (``ok`` or ``failed``), ``error`` (the exception's type
        and message, or None), every metric's column (None when failed), ``control`` (who
        held each town when, as JSON) and ``closed`` (the highways closed on day 0 and every
        later closing or opening, as JSON ``[[day, highway, 1|0], ...]``: the run's
        ``Recorder.closures``). With ``series``, also ``series``: a list of
        ``{day, faction, <series>...}`` dicts.
    """
    from sim.model import TerritoryModel

    row: dict[str, Any] = {"seed": seed}
    try:
        model = TerritoryModel(loaded_point(scenario, overrides, days), seed=seed)
        model.run()
        closed = json.dumps(model.record.closures, separators=(",", ":"))
        values = evaluate(model, metrics)
        control = control_changes(model)
    except Exception as exc:  # a failing run is a result, not a crash of the sweep
        message = str(exc).strip() or "(no message)"
        row.update(status="failed", error=f"{type(exc).__name__}: {message}", control=None,
                   closed=None)
        row.update({m.column: None for m in metrics})
        if series:
            row["series"] = []
        return row
    row.update(status="ok", error=None, control=control, closed=closed, **values)
    if series:
        row["series"] = [{"day": s["day"], "faction": s["faction"], **{k: s[k] for k in series}}
                         for s in model.record.series]
    return row


@dataclass(frozen=True)
class Chunk:
    """A task: consecutive runs of one sweep, sent to a worker together.

    Attributes:
        scenario: the scenario as plain data (every default filled in).
        days: days per run.
        constants: overrides for every run (the sweep's ``set:``).
        metrics: the metrics to record.
        series: the daily series to record.
        runs: ``(run index, seed, parameter values)`` of each run, in run order.
    """

    scenario: dict[str, Any]
    days: int
    constants: dict[str, Any]
    metrics: tuple[Metric, ...]
    series: tuple[str, ...]
    runs: tuple[tuple[int, int, dict[str, Any]], ...]


@dataclass
class ChunkResult:
    """What a chunk returns: a row per run (with ``run``), series rows, and worker seconds.

    ``cpu_seconds`` (the CPU time of the worker's thread) sizes the next chunks; beside
    ``seconds`` (wall) it says how much of that time the worker had a core, which on a shared
    machine is how much other work slowed the sweep (``SweepOutcome.worker_cpu_seconds``).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run every run of a chunk in order (the function a worker executes)."""
    out = ChunkResult()
    start, cpu = time.perf_counter(), time.thread_time()
    for index, seed, params in chunk.runs:
        row = run_one(chunk.scenario, {**chunk.constants, **params}, seed, chunk.days,
                      chunk.metrics, chunk.series)
        for s in row.pop("series", []):
            out.series.append({"run": index, **s})
        out.rows.append({"run": index, **row})
    out.seconds = time.perf_counter() - start
    out.cpu_seconds = time.thread_time() - cpu
    return out
