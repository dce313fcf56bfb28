"""The per-worker cache of validated parameter points and the reuse of a World (issue 14)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.scenario import load_scenario
from sim.sweep.runner import loaded_point
from sim.validate.problems import scenario_data

LINE = Path(__file__).parent / "data" / "line.yaml"


def _data() -> dict:
    return scenario_data(load_scenario(LINE))


def test_equal_points_share_one_validation_and_one_world() -> None:
    data = _data()
    rate = {"simulation.combat.kill_rate": 0.02}
    a = loaded_point(data, rate, 5)
    b = loaded_point(copy.deepcopy(data), dict(rate), 5)  # equal content, other objects
    assert b is a
    assert a.scenario.simulation.days == 5
    assert loaded_point(data, rate, 6) is not a
    assert loaded_point(data, {}, 5) is not a
    m1, m2 = TerritoryModel(a, seed=1), TerritoryModel(a, seed=2)
    assert m1.world is m2.world


def test_cached_point_runs_as_the_uncached_one() -> None:
    data = _data()
    cached = TerritoryModel(loaded_point(data, {}, 8), seed=3).run()
    plain = TerritoryModel(data, seed=3, days=8).run()
    assert cached.record.series == plain.record.series
    assert [str(e) for e in cached.events] == [str(e) for e in plain.events]


def test_a_bad_point_raises_every_time() -> None:
    data = _data()
    for _ in range(2):
        with pytest.raises(ScenarioError):
            loaded_point(data, {"simulation.days": -1}, None)
