"""The default scenario's shortcuts of issue 14 against the plain paths they stand in for.

Each test runs the default scenario with a shortcut patched out and with it, and asks for the
same run: events, daily series, garrisons and units' fighters, byte for byte.
"""

from __future__ import annotations

import pytest

from sim import sensenear
from sim.model import DEFAULT_SCENARIO, TerritoryModel

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
