"""The default scenario's shortcuts of issue 14 against the plain paths they stand in for.

A cache is tested by running the default scenario with it patched out and with it, asking for
the same run: events, daily series, garrisons and units' fighters, byte for byte; a rewritten
formula against the one it replaced, on random inputs.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim import sensenear
from sim.model import DEFAULT_SCENARIO, TerritoryModel
from sim.odds import morale_factor, side_effectiveness

DAYS = 70


def _same(fast: TerritoryModel, plain: TerritoryModel) -> None:
    assert fast.events == plain.events
    assert fast.record.series == plain.record.series
    assert fast.towns.garrison.tobytes() == plain.towns.garrison.tobytes()
    assert [(u.key, u.fighters, u.node, u.dest, u.progress) for u in fast.unit_list] == [
        (u.key, u.fighters, u.node, u.dest, u.progress) for u in plain.unit_list]


def test_hits_kept_across_refreshes_are_the_plain_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = {"kept": 0}
    hits_of = sensenear.Proximity._hits_of

    def counting(self: sensenear.Proximity, pts: list[tuple[float, float]]) -> dict:
        hits = hits_of(self, pts)
        asked["kept"] += bool(hits)  # a set of points seen before, with its answers
        return hits

    monkeypatch.setattr(sensenear.Proximity, "_hits_of", counting)
    fast = TerritoryModel(DEFAULT_SCENARIO, seed=7).run(DAYS)
    assert asked["kept"] > 20  # the case is exercised
    monkeypatch.setattr(sensenear.Proximity, "_hits_of", lambda self, pts: {})
    _same(fast, TerritoryModel(DEFAULT_SCENARIO, seed=7).run(DAYS))


def _effectiveness_by_call(units, origins, reach, unsupplied, garrison=0.0, gq=0.0, gm=0.0,
                           gs=True):
    """``side_effectiveness`` as written before: ``morale_factor`` called for each unit."""
    total, weighted = garrison, 0.0
    if garrison > 0:
        weighted += garrison * gq * morale_factor(gm) * (1.0 if gs else unsupplied)
    for i, u in enumerate(units):
        origin = u.node if origins is None else origins[i]
        supply = 1.0 if reach[u.faction, origin] else unsupplied
        weighted += u.fighters * u.quality * morale_factor(u.morale) * supply
        total += u.fighters
    return weighted / total if total > 0 else 0.0


def test_the_written_out_morale_factor_gives_the_same_doubles() -> None:
    # in Python floats since s24battle (the callers' results are np.float64 by the defence or
    # the noise): the same double bit for bit as the version calling morale_factor
    rng = np.random.default_rng(5)
    reach = rng.random((3, 6)) < 0.5
    for case in range(400):
        units = [SimpleNamespace(
            node=int(rng.integers(6)), faction=int(rng.integers(3)),
            fighters=(np.float64 if case % 2 else float)(rng.random() * 10.0 ** rng.integers(4)),
            quality=float(rng.random()), morale=(np.float64 if case % 3 else float)(rng.random()))
            for _ in range(int(rng.integers(0, 6)))]
        origins = None if case % 4 else [int(rng.integers(6)) for _ in units]
        args = (units, origins, reach, 0.6, float(rng.random() * 50) * (case % 5 > 0),
                float(rng.random()), float(rng.random()), bool(case % 7))
        fast, plain = side_effectiveness(*args), _effectiveness_by_call(*args)
        assert type(fast) is float
        assert np.float64(fast).tobytes() == np.float64(plain).tobytes()
