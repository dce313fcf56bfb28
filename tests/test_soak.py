"""Soak: long runs keep memory flat; only the event log and the time series may grow.

Run with ``python -m pytest -m slow tests/test_soak.py -s`` (prints the figures that
docs/reliability.md reports). Two long runs:

* the default scenario for 10,000 days, under tracemalloc (exact Python allocation counts);
* a 10,000-town synthetic theatre (``frontline generate``) for 2,000 days, by resident memory
  and allocated blocks (tracemalloc would make it five times slower).

The records a run keeps by design (events, the daily control table, the per-faction series
and Mesa's DataCollector) are measured, then emptied at every checkpoint; whatever else the
model holds must then stay flat after a warm-up (route and supply caches fill in the first
days). The model reads none of those records, so emptying them does not change the run.

The default suite keeps two quick regressions: the route cache stays bounded through a long
stalemate, and finished models are freed (a sweep builds thousands).
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from builders import DEFAULT, faction, scenario, town

from sim.model import TerritoryModel


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    pytest.skip("needs /proc/self/status")


def _deep_size(obj: Any) -> int:
    """Approximate bytes held by a record (lists, dicts, dataclasses, strings, arrays)."""
    seen: set[int] = set()
    stack = [obj]
    total = 0
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, np.ndarray):
            total += 0 if o.base is None else o.nbytes
        elif isinstance(o, dict):
            stack += list(o.keys()) + list(o.values())
        elif isinstance(o, list | tuple):
            stack += list(o)
        elif hasattr(o, "__dataclass_fields__"):
            stack += [getattr(o, f) for f in o.__dataclass_fields__]
    return total


def drain_records(model: TerritoryModel) -> dict[str, float]:
    """Measure the records a run keeps by design, then empty them."""
    dc = model.datacollector
    steps = getattr(dc, "_collection_steps", [])  # Mesa's index of the collected steps
    sizes = {
        "events": len(model.events),
        "records_mb": (_deep_size(model.events) + _deep_size(model.record.control_history)
                       + _deep_size(model.record.series) + _deep_size(dc.model_vars)
                       + _deep_size(steps)) / 1e6,
    }
    model.events.clear()
    model.record.control_history.clear()
    model.record.series.clear()
    for values in dc.model_vars.values():
        values.clear()
    steps.clear()
    return sizes


def soak(model: TerritoryModel, days: int, every: int, traced: bool) -> list[dict[str, float]]:
    """Run ``days`` in chunks of ``every``; after each, drain the records and measure."""
    rows = []
    start = time.perf_counter()
    while model.day < days:
        model.run(min(every, days - model.day))
        drained = drain_records(model)
        gc.collect()
        rows.append({
            "day": model.day,
            "seconds": time.perf_counter() - start,
            "rss_mb": rss_mb(),
            "traced_mb": tracemalloc.get_traced_memory()[0] / 1e6 if traced else float("nan"),
            "blocks": sys.getallocatedblocks(),
            "objects": len(gc.get_objects()),
            "units": len(model.unit_list),
            **drained,
        })
    return rows


def report(title: str, rows: list[dict[str, float]]) -> None:
    print(f"\n{title}")
    print("  day   seconds  rss_mb  traced_mb   blocks  objects  units  events  records_mb")
    for r in rows:
        print(f"  {r['day']:>5.0f} {r['seconds']:>8.1f} {r['rss_mb']:>7.1f} {r['traced_mb']:>10.2f}"
              f" {r['blocks']:>8.0f} {r['objects']:>8.0f} {r['units']:>6.0f} {r['events']:>7.0f}"
              f" {r['records_mb']:>11.2f}")


@pytest.mark.slow
def test_default_scenario_10000_days_memory_is_flat():
    tracemalloc.start(1)
    try:
        model = TerritoryModel(DEFAULT, days=10_000)
        rows = soak(model, 10_000, 500, traced=True)
    finally:
        tracemalloc.stop()
    report("default scenario, 10,000 days (records drained every 500 days)", rows)
    warm = rows[1]  # day 1,000
    last = rows[-1]
    assert last["traced_mb"] - warm["traced_mb"] < 0.25, "traced memory grew"
    assert last["objects"] - warm["objects"] < 1000, "live objects grew"
    assert last["rss_mb"] - warm["rss_mb"] < 10


@pytest.mark.slow
def test_synthetic_10000_towns_2000_days_memory_is_flat():
    from sim.generate import generate_scenario

    model = TerritoryModel(generate_scenario(10_000, factions=4, seed=1), days=2000)
    rows = soak(model, 2000, 100, traced=False)
    report("synthetic theatre, 10,000 towns, 4 factions, 1,000 units, 2,000 days "
           "(records drained every 100 days)", rows)
    warm = rows[2]  # day 300
    last = rows[-1]
    assert last["blocks"] - warm["blocks"] < 0.02 * warm["blocks"], "allocated blocks grew"
    assert last["objects"] - warm["objects"] < 0.02 * warm["objects"], "live objects grew"
    assert last["rss_mb"] - warm["rss_mb"] < 0.1 * warm["rss_mb"], "resident memory grew"


# ------------------------------------------------------------------ quick regressions
def stalemate() -> dict[str, Any]:
    """Two armies watching each other across a valley; blue's reinforce rule runs daily."""
    towns = [town("home", 38.0, "blue"), town("post", 38.3, "blue"),
             town("camp", 38.6, "red")]
    blue = faction("blue", "#0000cc", relations={"red": "hostile"}, supply_sources=["home"],
                   forces=[{"id": "b1", "name": "B1", "town": "home", "fighters": 100}],
                   rules=[{"when": "enemy_within_km(100)", "do": "reinforce",
                           "with": {"radius_km": 40}}])
    red = faction("red", supply_sources=["camp"],
                  forces=[{"id": "r1", "name": "R1", "town": "camp", "fighters": 100}],
                  rules=[{"do": "hold"}])
    return scenario(towns, [("home", "post"), ("post", "camp")], [blue, red], days=400)


def test_route_caches_stay_bounded_without_captures():
    """Found by the soak: reinforce routes were cached per day and only dropped on a capture,
    so a stalemate grew the cache by one entry a day (9,874 after 10,000 default days)."""
    model = TerritoryModel(stalemate()).run()
    assert not [e for e in model.events if e.kind == "capture"]
    assert model.routes.fields and len(model.routes.fields) <= 4


def test_finished_models_are_freed():
    """Nothing (class-level state, caches, listeners) keeps a finished model alive."""
    refs = []
    for seed in range(5):
        model = TerritoryModel(stalemate(), seed=seed, days=20).run()
        refs.append(weakref.ref(model))
        del model
    gc.collect()
    assert [r() for r in refs] == [None] * 5
