"""The recorder's deferred DataCollector holds what Mesa's own collect stores day by day.

``Recorder.datacollector`` is made on first use from the days that waited as tuples; it must
equal a DataCollector that collected the same model live every day (values, their types, the
collection steps, the data frame), whether it is first asked for at the end or mid-run.
"""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.model import DEFAULT_SCENARIO, TerritoryModel


def _live(days: int, ask_at: int | None) -> tuple[mesa.DataCollector, mesa.DataCollector]:
    """(Mesa's collector fed live every day, the recorder's, first asked for on ``ask_at``)."""
    model = TerritoryModel(DEFAULT_SCENARIO, days=days)
    live = mesa.DataCollector(model_reporters=model.record._reporters())
    live.collect(model)  # day 0, as the build collects it
    while model.day < days:
        if model.day == ask_at:
            assert model.datacollector is model.datacollector  # made once
        model.step()
        live.collect(model)
    return live, model.datacollector


def _same(a: mesa.DataCollector, b: mesa.DataCollector) -> None:
    assert list(a.model_vars) == list(b.model_vars)
    for name, values in a.model_vars.items():
        assert [(type(v), v) for v in values] == [(type(v), v) for v in b.model_vars[name]], name
    assert a._collection_steps == b._collection_steps
    assert a._validated and b._validated
    assert a.get_model_vars_dataframe().equals(b.get_model_vars_dataframe())


def test_deferred_collector_equals_a_live_one() -> None:
    live, deferred = _live(30, None)
    assert len(live.model_vars["day"]) == 31 and live.model_vars["day"][-1] == 30
    _same(live, deferred)


def test_collector_asked_for_mid_run_goes_on_collecting() -> None:
    live, mixed = _live(30, 12)
    _same(live, mixed)


def test_collector_of_a_model_that_has_not_run() -> None:
    model = TerritoryModel(DEFAULT_SCENARIO, days=5)
    dc = model.datacollector
    assert dc.model_vars["day"] == [0] and dc._collection_steps == [model.time]


def test_the_statistics_are_plain_python_numbers_of_the_old_sums() -> None:
    # units' fighters become numpy floats under siege; the statistics stay Python ints and
    # floats, with the values of summing over the held towns alone (numpy's bincount)
    model = TerritoryModel(DEFAULT_SCENARIO, days=60)
    while model.running:
        model.step()
        ctrl = model.towns.controller
        for i, stats in enumerate(model.record.stats):
            assert {type(v) for v in stats.values()} <= {int, float}
            mine = ctrl == i
            assert stats["towns"] == int(mine.sum())
            assert stats["population"] == float(
                np.bincount(ctrl[ctrl >= 0], model.towns.population[ctrl >= 0])[i])
            assert stats["besieged_towns"] == int((mine & model.supply.besieged).sum())


def test_an_event_made_without_init_is_the_dataclass_event() -> None:
    import dataclasses
    import datetime as dt
    import pickle

    from sim.record import Event, _event

    for figures in (None, (1.0, -0.0, 7.0, 2.5)):
        values = (3, dt.date(2017, 8, 4), "battle", "isis", "t", "T", "", "d", "text", figures)
        fast, plain = _event(*values), Event(*values)
        assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
        assert list(vars(fast)) == list(vars(plain))  # the fields, in their order
        assert dataclasses.astuple(fast) == dataclasses.astuple(plain)
        assert pickle.loads(pickle.dumps(fast)) == plain
        assert fast.line() == plain.line() and fast.row() == plain.row()
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.day = 4  # still frozen


def test_events_are_dated_by_the_day_they_were_emitted() -> None:
    m = TerritoryModel(DEFAULT_SCENARIO, seed=2).run(30)
    assert m.events
    for e in m.events:
        assert e.date == m.start_date + __import__("datetime").timedelta(days=e.day)
