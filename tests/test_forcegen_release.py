"""The release's shortcuts (sim.forcegen._release) against asking about every garrison's threat."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

import sim.forcegen as forcegen
from sim.forcegen import _least_need, _quiet_need, garrison_need
from sim.model import TerritoryModel
from sim.scenario.schema import GarrisonPolicy
from sim.shipped import DEFAULT_SCENARIO

POLICIES = [
    {"threat_share": 0.33, "radius_km": 40, "min": 50, "max": 300, "release_km": 60},
    {"threat_share": 0.5, "radius_km": 60, "min": 0, "release_km": 60},  # radius == release
    {"threat_share": 0.5, "radius_km": 80, "min": 20, "release_km": 60},  # looks further
    {"threat_share": 0.5, "radius_km": 10, "min": 20, "max": 20, "release_km": 60},
    {"fighters": 100, "release_km": 50},
]


def need_at(policy: GarrisonPolicy, threat: float) -> float:
    sense = SimpleNamespace(call=lambda faction, unit, name, args: threat)
    return garrison_need(policy, 0, 0, sense, SimpleNamespace(ids=["t"]))


@pytest.mark.parametrize("given", POLICIES)
def test_the_least_need_is_below_every_need(given):
    p = GarrisonPolicy(**given)
    for threat in (0.0, -0.0, 0.5, 60.0, 151.5, 1e4, 1e9):
        assert _least_need(p) <= need_at(p, threat)
    assert _least_need(p) == min(need_at(p, t) for t in (0.0, 1e9))


@pytest.mark.parametrize("given", POLICIES)
def test_the_quiet_need_is_the_need_without_a_threat(given):
    p = GarrisonPolicy(**given)
    quiet = _quiet_need(p)
    if p.fighters is None and p.radius_km > p.release_km:
        assert quiet is None  # a threat beyond release_km may count: it must be asked
        return
    for threat in (0.0, -0.0):
        assert quiet == need_at(p, threat)
        for g in (10.0, 60.0, 5e-324, 1234.5):
            assert math.copysign(1, g - quiet) == math.copysign(1, g - need_at(p, threat))
            assert g - quiet == g - need_at(p, threat)


def run(days: int, plain: bool, monkeypatch: pytest.MonkeyPatch) -> TerritoryModel:
    if plain:  # every held garrison asked about, every need asked of the senses
        monkeypatch.setattr(forcegen, "_least_need", lambda policy: -math.inf)
        monkeypatch.setattr(forcegen, "_quiet_need", lambda policy: None)
    return TerritoryModel(DEFAULT_SCENARIO, seed=7).run(days)


def test_the_release_is_the_plain_one_over_the_default_scenario(monkeypatch):
    fast = run(60, False, monkeypatch)
    plain = run(60, True, monkeypatch)
    assert [e for e in fast.events if e.kind == "release"]  # the case is exercised
    assert fast.events == plain.events
    assert fast.record.series == plain.record.series
    assert fast.towns.garrison.tobytes() == plain.towns.garrison.tobytes()
    assert [u.fighters for u in fast.unit_list] == [u.fighters for u in plain.unit_list]
