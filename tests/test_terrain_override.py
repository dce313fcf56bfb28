"""A partial terrain override changes only what it names; the defaults stay (issue 10, item 8)."""

from __future__ import annotations

import pytest
import yaml
from builders import DATA, faction, scenario, town

from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.scenario import load_scenario
from sim.scenario.schema import default_terrain

DEFAULTS = {k: (p.move, p.defence) for k, p in default_terrain().items()}


def table(loaded) -> dict[str, tuple[float, float]]:
    return {k: (p.move, p.defence) for k, p in loaded.scenario.simulation.terrain.items()}


def test_one_field_of_one_terrain_on_the_command_line():
    got = table(load_scenario(DATA / "line.yaml", {"simulation.terrain.urban.defence": 3}))
    assert got == {**DEFAULTS, "urban": (DEFAULTS["urban"][0], 3.0)}


def test_both_fields_of_one_terrain_keep_the_other_terrains():
    sets = {"simulation.terrain.hills.defence": 2.0, "simulation.terrain.hills.move": 0.5}
    got = table(load_scenario(DATA / "line.yaml", sets))
    assert got == {**DEFAULTS, "hills": (0.5, 2.0)}


def test_a_variant_names_one_field_and_the_run_uses_the_rest(tmp_path):
    base = scenario([town("a", 38.0, "red", terrain="hills"), town("b", 38.1, "blue", 5,
                                                                   terrain="urban")],
                    [("a", "b")], [faction("red"), faction("blue", colour="#0000cc")])
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(
        {"extends": "base.yaml", "simulation": {"terrain": {"urban": {"defence": 4.0}}}}))
    m = TerritoryModel(tmp_path / "v.yaml")
    assert m.world.defence.tolist() == [DEFAULTS["hills"][1], 4.0]


def test_a_bad_value_is_still_reported_at_its_path():
    with pytest.raises(ScenarioError, match=r"simulation\.terrain\.urban\.defence"):
        load_scenario(DATA / "line.yaml", {"simulation.terrain.urban.defence": -1})
