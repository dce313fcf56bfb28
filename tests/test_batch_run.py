"""Mesa's own batch runner, Scenario and Reset drive TerritoryModel through plain keywords."""

import mesa
import pytest
from builders import DATA
from mesa.experimental.scenarios import Scenario
from mesa.visualization.solara_viz import _build_model_init_kwargs

from sim.model import DEFAULT_SCENARIO, CampaignScenario, TerritoryModel

LINE = str(DATA / "line.yaml")


def test_mesa_batch_run_sweeps_a_dotted_path():
    results = mesa.batch_run(
        TerritoryModel,
        parameters={"source": LINE, "factions__red__forces__r1__fighters": [10, 3000]},
        rng=[1, 2], max_steps=30, number_processes=1, display_progress=False)
    assert len(results) == 4
    final = {(r["factions__red__forces__r1__fighters"], r["seed"]): r for r in results}
    assert set(final) == {(10, 1), (10, 2), (3000, 1), (3000, 2)}
    for seed in (1, 2):
        assert final[(3000, seed)]["red_towns"] == 5  # a strong brigade takes the road
        assert final[(10, seed)]["red_towns"] == 2  # ten fighters take nothing
        assert final[(3000, seed)]["Step"] == 30


def test_a_campaign_scenario_carries_file_overrides_days_and_seed():
    scn = CampaignScenario(source=LINE, rng=7, days=4,
                           overrides={"factions.red.forces.r1.fighters": 3000})
    by_scenario = TerritoryModel(scenario=scn).run()
    by_keywords = TerritoryModel(LINE, seed=7, days=4,
                                 overrides={"factions.red.forces.r1.fighters": 3000}).run()
    assert by_scenario.seed == 7 and by_scenario.days == 4 and by_scenario.day == 4
    assert [e.row() for e in by_scenario.events] == [e.row() for e in by_keywords.events]
    ran = by_scenario.scenario
    assert isinstance(ran, CampaignScenario) and ran.rng == 7 and ran.model is by_scenario
    assert ran.overrides == {"factions.red.forces.r1.fighters": 3000, "simulation.days": 4}


def test_keywords_win_over_the_scenario_and_a_plain_mesa_scenario_gives_the_seed():
    scn = CampaignScenario(source=str(DEFAULT_SCENARIO), rng=3, days=50)
    m = TerritoryModel(LINE, seed=5, days=2, scenario=scn)
    assert (m.world.ids[0], m.seed, m.days) == ("w0", 5, 2)
    plain = TerritoryModel(LINE, scenario=Scenario(rng=11))
    assert plain.seed == 11 and plain.scenario.rng == 11
    assert TerritoryModel(LINE).seed == TerritoryModel(LINE).spec.simulation.seed


def test_solara_reset_rebuilds_the_same_model_from_its_parameters():
    """SolaraViz's Reset calls type(model)(**kwargs) with a fresh Scenario of the model's type."""
    params = {"source": LINE, "seed": 2, "factions__red__forces__r1__fighters": 3000}
    model = TerritoryModel(**params)
    kwargs = _build_model_init_kwargs(model, params, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    assert isinstance(kwargs["scenario"], CampaignScenario)
    again = type(model)(**kwargs).run(6)
    assert [e.row() for e in again.events] == [e.row() for e in model.run(6).events]


def test_a_file_passed_as_scenario_is_refused_with_what_to_do():
    with pytest.raises(TypeError, match="pass the scenario file as source="):
        TerritoryModel(scenario=LINE)  # type: ignore[arg-type]
