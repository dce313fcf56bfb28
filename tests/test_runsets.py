"""A timeline ``set`` re-validating only its sections (sim.scenario.runsets) gives what a full
load gives: the same scenario, data and warnings, or the same error."""

from __future__ import annotations

from typing import Any

import pytest
from builders import DATA

from sim.errors import ScenarioError
from sim.model import DEFAULT_SCENARIO
from sim.scenario import load_scenario
from sim.scenario.copying import plain_copy
from sim.scenario.runsets import _sections_only, with_runtime_sets

DEFAULT = load_scenario(DEFAULT_SCENARIO)
LINE = load_scenario(DATA / "line.yaml")


def _both(loaded: Any, sets: dict[str, Any]) -> tuple[Any, Any]:
    before = plain_copy(loaded.data)
    try:
        full: Any = load_scenario(loaded.data, sets)
    except ScenarioError as exc:
        full = [str(p) for p in exc.problems]
    try:
        fast: Any = with_runtime_sets(loaded.data, loaded.scenario, sets)
    except ScenarioError as exc:
        fast = [str(p) for p in exc.problems]
    assert loaded.data == before  # neither changes the data it is given
    return full, fast


@pytest.mark.parametrize("sets", [dict(e.set) for e in DEFAULT.scenario.events if e.set])
def test_the_default_scenarios_sets_load_as_a_full_load_does(sets: dict[str, Any]) -> None:
    assert _sections_only(DEFAULT.data, DEFAULT.scenario, sets) is not None  # the fast path
    full, fast = _both(DEFAULT, sets)
    assert (fast.scenario, fast.data, fast.warnings, fast.overrides) == (
        full.scenario, full.data, full.warnings, full.overrides)


@pytest.mark.parametrize("sets", [
    {"simulation.combat.kill_rate": 0.2, "factions.blue.garrison_morale": 0.4},
    {"factions.red.air.sorties_per_day": 10},  # a section the file leaves out, created
    {"factions.red.rules": [], "factions.blue.objectives": []},  # empty lists
])
def test_valid_sets_of_several_sections_equal_the_full_load(sets: dict[str, Any]) -> None:
    assert _sections_only(LINE.data, LINE.scenario, sets) is not None
    full, fast = _both(LINE, sets)
    assert (fast.scenario, fast.data, fast.warnings) == (full.scenario, full.data, full.warnings)


@pytest.mark.parametrize("sets", [
    {"simulation.combat.kill_rate": True},  # the schema refuses it
    {"factions.blue.objectives": [{"town": "nowhere"}]},  # an unknown town (cross-reference)
    {"factions.blue.garrison.release_km": 20},  # an incomplete created section
    {"factions.purple.rules": []},  # no such faction
    {"towns.a.population": 5},  # not a run-time path: the full load decides
    {"simulation.combat.no_such_field": 1},
])
def test_bad_or_other_sets_give_the_full_loads_result(sets: dict[str, Any]) -> None:
    full, fast = _both(LINE, sets)
    if isinstance(full, list):
        assert fast == full and full  # the same error, word for word
    else:
        assert (fast.scenario, fast.data) == (full.scenario, full.data)
