"""The siege losses of a few besieged towns, one town at a time, equal the array path's."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import DEFAULT_SCENARIO
from sim.scenario import load_scenario
from sim.state import Ledger, TownState
from sim.supply import SupplyState, _siege_losses, _siege_losses_plain

PARAMS = load_scenario(DEFAULT_SCENARIO).scenario.simulation


def _state(morale: list[float], airlift: list[float]) -> tuple[SupplyState, TownState, Ledger]:
    n = len(morale)
    towns = TownState(
        controller=np.array([0, 1, 0, 1, -1, 0][:n], dtype=np.int64),
        population=np.array([1000.0, 0.0, 333.3, 1e6, 5.0, 7.0][:n]),
        men_initial=np.zeros(n),
        garrison=np.array([100.0, 0.0, 0.1, 12345.678, 0.0, 3.0][:n]),
        garrison_quality=np.ones(n),
        garrison_morale=np.array(morale),
        conscripts=np.zeros(n),
        conscripted=np.zeros(n),
        desert_rate=np.zeros(n),
    )
    supply = SupplyState(2, n)
    supply.pocket_airlift = np.array(airlift)
    return supply, towns, Ledger.zeros(2)


@pytest.mark.parametrize(("morale", "airlift", "idx"), [
    ([0.5, 0.01, 0.0, 1.0, 0.3, 0.2], [0.0, 0.0, 1.0, 0.25, 0.0, 0.7], [0, 1, 2, 3, 5]),
    ([0.5, float("nan"), 0.0, 1.0], [0.1, 0.0, 0.0, 0.0], [1, 2]),  # NaN morale stays NaN
    ([0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0], []),  # nobody besieged
    ([0.003, 0.5, 0.003, 0.5], [0.3, 0.3, 0.3, 0.3], [0, 2]),  # one faction twice: the sum
])
def test_plain_siege_losses_equal_the_arrays(morale, airlift, idx) -> None:
    a = _state(morale, airlift)
    b = _state(morale, airlift)
    _siege_losses(a[0], a[1], a[2], PARAMS, np.array(idx, dtype=np.int64))
    _siege_losses_plain(b[0], b[1], b[2], PARAMS, idx)
    for name in ("garrison", "garrison_morale", "population"):
        x, y = getattr(a[1], name), getattr(b[1], name)
        assert x.tobytes() == y.tobytes(), name  # bit for bit, NaN and -0.0 included
    assert a[2].casualties.tobytes() == b[2].casualties.tobytes()
    if idx:
        assert a[2].casualties.sum() > 0  # the case lost something
