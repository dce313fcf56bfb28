"""The metric library: each metric against the run's own events and control table."""

import json

import pytest
from builders import DATA, faction, scenario, town

from sim.model import METRICS as MODEL_SERIES
from sim.model import TerritoryModel
from sim.sweep.metrics import METRICS, SERIES, Metric, control_changes, evaluate
from sim.sweep.runner import run_one


@pytest.fixture(scope="module")
def siege_run():
    """Red's town c is cut off by blue's b; red takes b on day 1 (lifting the siege), then d."""
    data = scenario(
        [town("a", 38.0, "red", 100), town("b", 38.1, "blue", 50),
         town("c", 38.2, "red", 100), town("d", 38.3, "blue", 50)],
        [("a", "b"), ("b", "c"), ("c", "d")],
        [faction("red", supply_sources=["a"],
                 objectives=[{"town": "b", "priority": 5}, {"town": "d", "priority": 1}],
                 forces=[{"id": "r1", "name": "R1", "town": "a", "fighters": 2000}],
                 rules=[{"do": "advance"}]),
         faction("blue", colour="#0000cc", supply_sources=["d"], rules=[{"do": "defend"}])],
        days=15)
    return TerritoryModel(data, seed=1).run()


def first(model, kind, town):
    return next(e.day for e in model.events if e.kind == kind and e.town == town)


def test_day_metrics_match_the_events(siege_run):
    m = siege_run
    took_b, took_d = first(m, "capture", "b"), first(m, "capture", "d")
    assert took_b < took_d  # the scenario works as the test intends
    values = evaluate(m, [
        Metric("cb", "capture_day", town="b", faction="red"),
        Metric("cb_any", "capture_day", town="b"),
        Metric("cb_blue", "capture_day", town="b", faction="blue"),
        Metric("lift", "siege_lifted_day", town="c"),
        Metric("lift_bc", "siege_lifted_day", towns=("c", "b")),
        Metric("ctl", "control_day", faction="red", towns=("b", "d")),
        Metric("ctl_a", "control_day", faction="red", towns=("a",)),
        Metric("ctl_blue", "control_day", faction="blue", towns=("a",)),
    ])
    assert values == {
        "cb": took_b, "cb_any": took_b, "cb_blue": None,
        "lift": first(m, "siege_lifted", "c"),
        "lift_bc": None,  # b's siege (blue's) is never lifted: b is captured instead
        "ctl": took_d, "ctl_a": 0, "ctl_blue": None,
    }
    assert values["lift"] == took_b  # taking b reopens the road to c


def test_end_of_run_metrics_read_the_factions_totals(siege_run):
    m = siege_run
    red = m.stats("red")
    values = evaluate(m, [Metric("h", "holder", town="d"),
                          Metric("t", "towns_held", faction="red"),
                          Metric("p", "population_held", faction="red"),
                          Metric("f", "fighters", faction="red"),
                          Metric("c", "casualties", faction="blue"),
                          Metric("r", "recruited", faction="blue"),
                          Metric("d", "deserted", faction="blue")])
    blue = m.stats("blue")
    assert values == {"h": "red", "t": 4, "p": red["population"],
                      "f": red["fighters"], "c": blue["casualties"],
                      "r": blue["recruited"], "d": blue["deserted"]}
    assert isinstance(values["t"], int) and isinstance(values["f"], float)


def test_control_changes_rebuild_the_control_table(siege_run):
    m = siege_run
    changes = json.loads(control_changes(m))
    ids = [f.id for f in m.factions]
    for t, town_id in enumerate(m.world.ids):
        steps = changes[town_id]
        assert steps[0][0] == 0
        holder = None
        for day, row in enumerate(m.record.control_history):
            for d, f in steps:
                if d == day:
                    holder = f
            assert holder == (ids[row[t]] if row[t] >= 0 else None)


def test_series_names_are_the_models():
    assert SERIES == MODEL_SERIES


def test_every_metric_is_documented():
    from builders import ROOT

    text = (ROOT / "docs" / "sweeps.md").read_text()
    for name, mdef in METRICS.items():
        assert f"`{name}`" in text, name
        assert mdef.doc.split(";")[0] in " ".join(text.split()), name


def test_run_one_is_a_pure_function_of_its_arguments():
    metrics = (Metric("t", "towns_held", faction="red"),
               Metric("cap", "capture_day", town="e0", faction="red"))
    args = (str(DATA / "line.yaml"), {"factions.red.forces.r1.fighters": 1500}, 12, 20, metrics)
    row = run_one(*args, series=("towns",))
    assert row == run_one(*args, series=("towns",))
    assert row["status"] == "ok" and row["error"] is None and row["seed"] == 12
    assert len(row["series"]) == 21 * 2  # days 0..20, two factions
    assert set(row["series"][0]) == {"day", "faction", "towns"}


def test_run_one_records_a_failure_instead_of_raising():
    row = run_one(str(DATA / "line.yaml"), {"factions.red.forces.r1.town": "e0"}, 1, 5,
                  (Metric("t", "towns_held", faction="red"),))
    assert row["status"] == "failed"
    assert row["error"].startswith("ScenarioError: 1 problem found")
    assert "unit starts in 'e0'" in row["error"]
    assert row["t"] is None and row["control"] is None
