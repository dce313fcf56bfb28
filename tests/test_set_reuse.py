"""A timeline ``set`` reuses the scenario an earlier run's same ``set`` made from the same data.

The reused scenario must give the run a fresh validation gives (events, series, control), and
a different ``set`` or different data must not be served from the cache.
"""

from __future__ import annotations

import sim.setevents as sm
from sim.model import DEFAULT_SCENARIO, TerritoryModel
from sim.scenario import load_scenario


def _result(model: TerritoryModel) -> tuple[object, ...]:
    model.run()
    return (
        [e.row() for e in model.events],
        model.record.series,
        [c.tolist() for c in model.record.control_history],
    )


def test_reused_set_gives_the_run_a_fresh_validation_gives() -> None:
    loaded = load_scenario(DEFAULT_SCENARIO, {"simulation.days": 60})
    sm._set_results.clear()
    first = TerritoryModel(loaded)
    fresh = _result(first)
    assert first.spec is not loaded.scenario  # the army's 25 Aug 'set' fired
    assert len(sm._set_results) == 1
    again = TerritoryModel(loaded)
    reused = _result(again)
    assert again.spec is first.spec  # served from the cache, not validated again
    assert reused == fresh
    sm._set_results.clear()
    assert _result(TerritoryModel(loaded)) == fresh


def test_other_data_or_other_sets_are_validated_afresh() -> None:
    data = load_scenario(DEFAULT_SCENARIO).data
    sm._set_results.clear()
    a = sm._with_sets(data, {"simulation.days": 7})
    assert sm._with_sets(data, {"simulation.days": 7}) is a
    b = sm._with_sets(data, {"simulation.days": 8})
    assert b is not a and b.scenario.simulation.days == 8
    copy = load_scenario(DEFAULT_SCENARIO).data  # equal data, another object
    c = sm._with_sets(copy, {"simulation.days": 7})
    assert c is not a and c.scenario == a.scenario
    for i in range(sm.SET_CACHE + 2):
        sm._with_sets(data, {"simulation.days": 10 + i})
    assert len(sm._set_results) == sm.SET_CACHE
    assert sm._with_sets(data, {"simulation.days": 7}) is not a  # the oldest were dropped
    sm._set_results.clear()
