"""Rules as typed data: each action's parameters are a schema model; conditions compile once."""

import json

import pytest
from builders import DATA

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.compiled import compile_rules
from sim.scenario.expr import UNIT, compile_condition
from sim.scenario.schema import ACTION_PARAMS, ConscriptParams


def test_parameters_get_their_defaults_from_the_action_model():
    loaded = load_scenario(DATA / "line.yaml")
    blue = loaded.scenario.factions[1]
    conscript = blue.rules[0]
    assert isinstance(conscript.with_, ConscriptParams)
    # rate given in the file, the rest are the model's defaults
    assert conscript.with_.model_dump() == {"rate": 0.02, "max_share": 0.3, "quality": 0.5,
                                            "morale": 0.4, "desertion": 0.01}
    unit, faction = compile_rules(blue.rules, {t.id for t in loaded.scenario.towns})
    assert [r.action for r in faction] == ["conscript"] and [r.action for r in unit] == ["defend"]
    assert faction[0].params == conscript.with_.model_dump()
    assert unit[0].params == {}


def test_a_parameter_of_another_action_is_refused_with_the_valid_ones():
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "line.yaml", {"factions.red.rules.go.with": {"target": "e0"}})
    assert str(info.value).endswith(
        "--set: factions.red.rules.go.with.target: advance has no parameter 'target' "
        "(valid: objective)")


def test_a_rules_parameters_can_be_set_when_the_file_gives_none():
    loaded = load_scenario(DATA / "line.yaml", {"factions.red.rules.go.with.objective": "e1"})
    assert loaded.scenario.factions[0].rules[0].with_.objective == "e1"


def test_an_unknown_action_names_the_valid_ones_and_the_closest():
    with pytest.raises(ScenarioError) as info:
        load_scenario(DATA / "line.yaml", {"factions.red.rules.go.do": "advanse"})
    assert str(info.value).endswith(
        "--set: factions.red.rules.go.do: input should be 'advance', 'besiege', 'bridge', "
        "'defend', 'hold', 'raid', 'reinforce', 'retreat' or 'conscript', got 'advanse' (did you "
        "mean 'advance'?)")


def test_the_json_schema_documents_each_actions_parameters(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    params = schema["$defs"]["ConscriptParams"]["properties"]
    assert params["rate"]["default"] == 0.01 and params["rate"]["maximum"] == 1
    assert schema["$defs"]["BesiegeParams"]["properties"]["target"]["x-kind"] == "town"
    assert set(schema["$defs"]["Faction"]["properties"]["rules"]["items"]["discriminator"]
               ["mapping"]) == set(ACTION_PARAMS)


def test_a_condition_is_compiled_once_and_reused_by_the_model():
    loaded = load_scenario(DATA / "line.yaml")
    red = loaded.scenario.factions[0]
    unit, _ = compile_rules(red.rules, {t.id for t in loaded.scenario.towns})
    # validation compiled "strength > 0.3"; the model's rule holds that very object
    assert unit[0].condition is compile_condition("strength > 0.3", UNIT, None)


def test_the_town_check_applies_to_a_cached_condition():
    towns = {"w0", "e0"}
    assert compile_condition("holds('w0')", UNIT, towns).towns == ("w0",)
    for _ in range(2):  # the second time from the cache: the town check still applies
        with pytest.raises(ValueError, match=r"unknown town 'e00' \(did you mean 'e0'\?\)"):
            compile_condition("holds('e00')", UNIT, towns)
