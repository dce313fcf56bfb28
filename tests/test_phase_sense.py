"""The Sense phase alone: what factions perceive on a hand-built three-town line."""

from __future__ import annotations

import pytest
from builders import faction, scenario, town
from phase_kit import kit, road

from sim.constants import NO_ENEMY_RATIO


def line() -> dict:
    """a (red) - b (blue, garrison 50) - c (blue); red 300 at a, blue 100 at c, blue 40 on c->b."""
    red = faction("red", forces=[{"id": "r", "name": "R", "town": "a", "fighters": 300}])
    blue = faction("blue", colour="#0000cc", forces=[
        {"id": "b", "name": "B", "town": "c", "fighters": 100},
        {"id": "m", "name": "M", "town": "c", "fighters": 40}])
    return scenario([town("a", 38.0, "red"), town("b", 38.1, "blue", 50),
                     town("c", 38.2, "blue"), town("far", 39.5)],
                    [road("a", "b"), road("b", "c"), road("c", "far", 120)], [red, blue])


def test_fighters_in_and_around_towns_and_the_defenders():
    k = kit(line())
    k.unit("m").dest, k.unit("m").progress = k.t("b"), 3.0  # marching from c towards b
    k.sense.refresh()
    a, b, c = k.t("a"), k.t("b"), k.t("c")
    tf, df = k.sense.town_fighters(), k.sense.defenders()
    assert tf[0].tolist() == [300.0, 0.0, 0.0, 0.0]
    assert tf[1].tolist() == [0.0, 50.0, 140.0, 0.0]  # the marching column still counts at c
    assert df[1, c] == 100.0 and df[1, b] == 50.0 and df[0, a] == 300.0  # ... but not defends
    assert k.sense.enemy_present(0).tolist() == [False, True, True, False]


def test_strength_ratio_counts_units_against_every_hostile_fighter_next_door():
    k = kit(line())
    a, b = k.t("a"), k.t("b")
    # around a: red units 300 / blue at a and b (garrison 50) = 6; around b: 300 / (50 + 140)
    assert k.sense.strength_ratio(0, a) == 6.0
    assert k.sense.strength_ratio(0, b) == pytest.approx(300 / 190)
    assert k.sense.strength_ratio(1, k.t("far")) == NO_ENEMY_RATIO


def test_enemies_within_km_straight_line():
    k = kit(line())
    gap = k.world.project(35.0, 38.2)[0] - k.world.project(35.0, 38.0)[0]  # a to c, ~18.2 km
    r = k.unit("r")
    assert k.sense.call(0, r, "enemy_fighters_within_km", (gap + 0.01,)) == 140.0
    assert k.sense.call(0, r, "enemy_within_km", (gap - 0.01,)) is False
    assert k.sense.call(0, None, "enemy_within_km", (gap + 0.01,)) is True  # from red's towns
    assert k.sense.call(1, None, "holds", ("c",)) is True
    assert k.sense.call(1, None, "enemy_near", ("c", gap + 0.01)) == 300.0


def test_what_was_perceived_stays_until_a_phase_refreshes_it():
    k = kit(line())
    a = k.t("a")
    assert k.sense.strength_ratio(0, a) == 6.0
    k.unit("r").fighters = 150.0
    assert k.sense.strength_ratio(0, a) == 6.0  # the day's view: not yet refreshed
    k.sense.refresh()
    assert k.sense.strength_ratio(0, a) == 3.0
