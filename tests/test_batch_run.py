"""Mesa's own batch runner drives TerritoryModel through plain keyword parameters."""

import mesa
from builders import DATA

from sim.model import TerritoryModel


def test_mesa_batch_run_sweeps_a_dotted_path():
    results = mesa.batch_run(
        TerritoryModel,
        parameters={"scenario": str(DATA / "line.yaml"),
                    "factions__red__forces__r1__fighters": [10, 3000]},
        rng=[1, 2], max_steps=30, number_processes=1, display_progress=False)
    assert len(results) == 4
    final = {(r["factions__red__forces__r1__fighters"], r["seed"]): r for r in results}
    assert set(final) == {(10, 1), (10, 2), (3000, 1), (3000, 2)}
    for seed in (1, 2):
        assert final[(3000, seed)]["red_towns"] == 5  # a strong brigade takes the road
        assert final[(10, seed)]["red_towns"] == 2  # ten fighters take nothing
        assert final[(3000, seed)]["Step"] == 30
