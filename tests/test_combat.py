"""Lanchester's square law: the pure function and a duel played by the model."""

import math

import pytest
from builders import faction, scenario, town

from sim.combat import lanchester, lanchester_step
from sim.model import TerritoryModel


def analytic(a0, d0, alpha, beta, t):
    """Closed form of dA/dt = -beta D, dD/dt = -alpha A (before either side is destroyed)."""
    g = math.sqrt(alpha * beta)
    a = a0 * math.cosh(g * t) - math.sqrt(beta / alpha) * d0 * math.sinh(g * t)
    d = d0 * math.cosh(g * t) - math.sqrt(alpha / beta) * a0 * math.sinh(g * t)
    return a, d


@pytest.mark.parametrize(("a0", "d0", "alpha", "beta"), [
    (1000, 400, 0.05, 0.08), (300, 900, 0.2, 0.01), (500, 500, 0.03, 0.03)])
def test_daily_steps_follow_the_analytic_solution(a0, d0, alpha, beta):
    a, d = a0, d0
    for day in range(1, 6):
        a, d = lanchester_step(a, d, alpha, beta)
        ea, ed = analytic(a0, d0, alpha, beta, day)
        assert a == pytest.approx(ea, rel=1e-9)
        assert d == pytest.approx(ed, rel=1e-9)


def test_the_square_law_invariant_decides_the_winner():
    a, d = lanchester(1000, 500, 0.01, 0.03, 1e6)
    assert d == 0.0
    assert a == pytest.approx(math.sqrt(1000**2 - 0.03 / 0.01 * 500**2))
    a, d = lanchester(500, 1000, 0.02, 0.01, 1e6)
    assert a == 0.0 and d == pytest.approx(math.sqrt(1000**2 - 0.02 / 0.01 * 500**2))


def test_no_negative_strengths_and_no_fire_means_no_loss():
    assert lanchester(10, 1000, 1.0, 1.0, 5) == (0.0, pytest.approx(math.sqrt(1000**2 - 100)))
    assert lanchester(100, 50, 0.0, 0.0, 3) == (100, 50)
    assert lanchester(100, 50, 0.0, 0.1, 2) == (90.0, 50)


def duel(days: int, kill_rate: float = 0.02):
    towns = [town("home", 38.0, "red"), town("fort", 38.01, "blue", garrison=2000)]
    red = faction("red", relations={"blue": "hostile"}, supply_sources=["home"],
                  objectives=[{"town": "fort"}],
                  forces=[{"id": "r", "name": "R", "town": "home", "fighters": 3000,
                           "quality": 1.2, "morale": 0.8, "speed_km_day": 50}],
                  rules=[{"do": "advance"}])
    blue = faction("blue", "#0000cc", supply_sources=["fort"], garrison_quality=0.9,
                   garrison_morale=0.6)
    data = scenario(towns, [("home", "fort")], [red, blue], days=days,
                    combat={"noise": 0, "morale_loss": 0, "break_morale": 0, "entrench": 1.0,
                            "kill_rate": kill_rate, "morale_recovery": 0})
    return TerritoryModel(data).run()


def test_a_duel_in_the_model_matches_the_analytic_solution():
    m = duel(days=6)
    alpha = 0.02 * 1.2 * (0.5 + 0.5 * 0.8)  # flat terrain, no fortification, supplied
    beta = 0.02 * 0.9 * (0.5 + 0.5 * 0.6)
    a, d = analytic(3000, 2000, alpha, beta, 6)  # the unit arrives and fights on day 1
    (unit,) = m.unit_list
    assert unit.fighters == pytest.approx(a, rel=1e-9)
    assert m.towns.garrison[m.world.index["fort"]] == pytest.approx(d, rel=1e-9)
    assert m.ledger.casualties[0] == pytest.approx(3000 - a, rel=1e-9)
    assert m.ledger.casualties[1] == pytest.approx(2000 - d, rel=1e-9)
    assert sum(e.kind == "battle" for e in m.events) == 6


def test_the_duel_ends_in_capture_when_the_defenders_are_destroyed():
    m = duel(days=60, kill_rate=0.05)
    assert m.holder("fort") == "red"
    capture = [e for e in m.events if e.kind == "capture"]
    assert [(e.faction, e.town, e.other_faction) for e in capture] == [("red", "fort", "blue")]
