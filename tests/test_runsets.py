"""A timeline ``set`` re-validating only its sections (sim.scenario.runsets) gives what a full
load gives: the same scenario and data, or the same error. (Its warnings are not looked for: the
run never reads them.)"""

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
    assert (fast.scenario, fast.data, fast.overrides) == (
        full.scenario, full.data, full.overrides)
    assert fast.warnings == ()


@pytest.mark.parametrize("sets", [
    {"simulation.combat.kill_rate": 0.2, "factions.blue.garrison_morale": 0.4},
    {"factions.red.air.sorties_per_day": 10},  # a section the file leaves out, created
    {"factions.red.rules": [], "factions.blue.objectives": []},  # empty lists
])
def test_valid_sets_of_several_sections_equal_the_full_load(sets: dict[str, Any]) -> None:
    assert _sections_only(LINE.data, LINE.scenario, sets) is not None
    full, fast = _both(LINE, sets)
    assert (fast.scenario, fast.data) == (full.scenario, full.data)


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


def _variant(base: Any, **sections: Any) -> Any:
    """``base``'s data with these sections added or replaced, loaded (it has no errors)."""
    data = plain_copy(base.data)
    data.update(sections)
    return load_scenario(data)


AIR = load_scenario(DATA / "air_line.yaml")
RIVER = load_scenario(DATA / "river.yaml")
#: (a scenario that loads, a run-time set that makes it wrong): each check a set can fail
BREAKING = [
    (LINE, {"factions.red.rules": [{"id": "go", "when": "holds('nowhere')", "do": "advance"}]}),
    (LINE, {"factions.red.rules.go.when": "strength >"}),
    (LINE, {"factions.red.rules.go.tags": ["no_such_tag"]}),  # no unit carries it
    (LINE, {"factions.blue.rules.conscript.tags": ["x"]}),  # tags on a faction-wide rule
    (LINE, {"factions.red.rules": [{"id": "a", "do": "advance"}, {"id": "a", "do": "advance"}]}),
    (LINE, {"factions.red.rules": [{"do": "bridge", "with": {"crossing": "nowhere"}}]}),
    (RIVER, {"factions.red.rules.build.with.crossing": "north_feri"}),
    (LINE, {"factions.red.rules.go.before": "x"}),  # a placement key outside a variant
    # a tunable's path no longer resolves
    (_variant(LINE, tunables=[{"path": "factions.blue.rules.conscript.with.rate",
                               "label": "rate", "min": 0, "max": 0.1, "step": 0.01}]),
     {"factions.blue.rules": []}),
    (_variant(LINE, tunables=[{"path": "factions[1].rules.conscript.with.rate",
                               "label": "rate", "min": 0, "max": 0.1, "step": 0.01}]),
     {"factions.blue.rules": []}),  # the same, the faction named by its place
    # another event's set no longer resolves once this one is applied
    (_variant(LINE, events=[
        {"id": "a", "day": 3, "set": {"factions.red.rules": []}},
        {"id": "b", "day": 5, "set": {"factions.red.rules.go.enabled": False}}]),
     {"factions.red.rules": []}),
    # another event's set of the simulation no longer validates with this one
    (_variant(LINE, events=[{"id": "b", "day": 5, "set": {"simulation.combat.kill_rate": 0.2}}]),
     {"simulation.combat.kill_rate": "fast"}),
    (AIR, {"factions.red.air": None}),  # an event still sets red's sorties
]


@pytest.mark.parametrize(("loaded", "sets"), BREAKING)
def test_a_set_that_breaks_any_check_gives_the_full_loads_error(
        loaded: Any, sets: dict[str, Any]) -> None:
    full, fast = _both(loaded, sets)
    assert isinstance(full, list) and full  # the full load refuses it
    assert fast == full  # the same error, word for word


@pytest.mark.parametrize(("loaded", "sets"), [
    (AIR, {"factions.red.air.sorties_per_day": 10}),
    (RIVER, {"factions.red.rules.build.with.crossing": "north_ferry"}),
    (_variant(LINE, tunables=[{"path": "factions.blue.rules.conscript.with.rate",
                               "label": "rate", "min": 0, "max": 0.1, "step": 0.01}]),
     {"factions.red.rules": []}),  # a tunable of another faction
    (_variant(LINE, events=[{"id": "a", "day": 3, "set": {"factions.red.rules": []}},
                            {"id": "b", "day": 5, "set": {"factions.blue.rules": []}}]),
     {"factions.red.rules": []}),
])
def test_sets_that_leave_the_checks_passing_take_the_fast_path(
        loaded: Any, sets: dict[str, Any]) -> None:
    assert _sections_only(loaded.data, loaded.scenario, sets) is not None
    full, fast = _both(loaded, sets)
    assert (fast.scenario, fast.data) == (full.scenario, full.data)


@pytest.mark.parametrize("sets", [
    {"factions.saa.rules.defensive_until_25_aug.enabled": False},
    {"factions.isis.objectives": [], "simulation.combat.kill_rate": 0.1},
])
def test_a_set_rebuilds_the_factions_as_a_full_build_does(sets: dict[str, Any]) -> None:
    """Only the touched factions are rebuilt; every faction then equals a fresh build."""
    from sim.build import build_factions
    from sim.model import TerritoryModel

    model = TerritoryModel(DEFAULT_SCENARIO, seed=1, days=2)
    model._apply_sets(sets)
    fresh = build_factions(model.spec, model.world, model.relations)
    fields = ("unit_rules", "faction_rules", "objectives", "objective_tags", "garrison_quality",
              "garrison_morale", "garrison_policy")
    for kept, built in zip(model.factions, fresh, strict=True):
        assert [getattr(kept, k) for k in fields] == [getattr(built, k) for k in fields]
