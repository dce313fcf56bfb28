"""A released garrison goes only over open highways, not across a closed crossing or bridge."""

from __future__ import annotations

from typing import Any

import pytest
from builders import faction, scenario, town
from phase_kit import road

from sim.model import TerritoryModel


def release_map(**extra: Any) -> dict[str, Any]:
    """src - a - b - far: r1 stands at a; b's garrison of 500 needs 100 and may release 400."""
    red = faction("red", supply_sources=["src", "b"], rules=[{"do": "hold"}],
                  garrison={"fighters": 100, "release_km": 50},
                  forces=[{"id": "r1", "name": "R1", "town": "a", "fighters": 600}])
    blue = faction("blue", colour="#0000cc", supply_sources=["far"], rules=[{"do": "hold"}],
                   forces=[{"id": "b1", "name": "B1", "town": "far", "fighters": 300}])
    data = scenario([town("src", 38.0, "red"), town("a", 38.1, "red", 10),
                     town("b", 38.2, "red", 500), town("far", 39.0, "blue")],
                    [road("src", "a"), road("a", "b"), road("b", "far", 80)], [red, blue],
                    days=2)
    data.update(extra)
    return data


def released(data: dict[str, Any]) -> tuple[float, float, list[tuple[int, str]]]:
    m = TerritoryModel(data)
    m.step()
    return (float(m.towns.garrison[m.world.index["b"]]), m.unit_list[0].fighters,
            [(e.day, e.detail) for e in m.events if e.kind == "release"])


def crossing(open_: bool) -> list[dict[str, Any]]:
    return [{"id": "river", "name": "River", "crossings": [
        {"id": "ab", "from": "a", "to": "b", "kind": "bridge", "open": open_}]}]


def test_an_open_crossing_carries_the_release():
    assert released(release_map(rivers=crossing(True))) == (100, 1000, [(1, "400 fighters to r1")])


@pytest.mark.parametrize("extra", [
    {"rivers": crossing(False)},
    {"rivers": crossing(True), "events": [{"id": "blown", "day": 1, "close_crossings": ["ab"]}]},
    {"events": [{"id": "blown", "day": 1, "close": [{"from": "a", "to": "b"}]}]},
], ids=["closed-crossing", "crossing-closed-by-event", "highway-closed-by-event"])
def test_no_release_across_a_closed_highway(extra):
    assert released(release_map(**extra)) == (500, 600, [])
