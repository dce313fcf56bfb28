"""Synthetic theatres: valid, deterministic, planar and road-like, contiguous, runnable."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.cli import main
from sim.errors import FrontlineError
from sim.generate import generate_scenario, scenario_yaml
from sim.model import TerritoryModel
from sim.scenario import load_scenario
from sim.scenario.yamlio import parse_yaml


def graph_of(data: dict) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(t["id"] for t in data["towns"])
    g.add_edges_from((h["from"], h["to"]) for h in data["highways"])
    return g


@pytest.mark.parametrize(("towns", "factions", "units"), [
    (2, 2, None), (5, 2, 0), (60, 4, 12), (1000, 3, None), (3000, 6, 250)])
def test_output_validates_with_the_requested_sizes(towns, factions, units):
    data = generate_scenario(towns, factions, units, seed=11)
    loaded = load_scenario(data)
    s = loaded.scenario
    assert len(s.towns) == towns
    assert len(s.factions) == factions
    want = max(towns // 10, factions) if units is None else units
    assert sum(len(f.forces) for f in s.factions) == want
    assert not [w for w in loaded.warnings if "not connected" in w.message]


def test_same_seed_same_file_and_another_seed_another():
    a = scenario_yaml(generate_scenario(400, 3, None, seed=1))
    assert a == scenario_yaml(generate_scenario(400, 3, None, seed=1))
    assert a != scenario_yaml(generate_scenario(400, 3, None, seed=2))


def test_yaml_text_reads_back_as_the_same_data():
    data = generate_scenario(300, 4, 30, seed=3)
    back, _ = parse_yaml(scenario_yaml(data, header="a header\nof two lines"), "gen.yaml")
    assert back == data


def test_road_graph_is_connected_road_like_and_planar():
    data = generate_scenario(400, 3, None, seed=4)
    g = graph_of(data)
    assert nx.is_connected(g)
    mean_degree = 2 * g.number_of_edges() / g.number_of_nodes()
    assert 2.5 <= mean_degree <= 3.5
    assert max(d for _, d in g.degree) <= 8
    pos = {t["id"]: (t["lon"], t["lat"]) for t in data["towns"]}
    segments = [(np.array(pos[u]), np.array(pos[v]), {u, v}) for u, v in g.edges]

    def cross(a, b, c, d):
        def orient(p, q, r):
            return np.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))
        return orient(a, b, c) * orient(a, b, d) < 0 and orient(c, d, a) * orient(c, d, b) < 0

    crossings = [(s, t) for s, t in itertools.combinations(segments, 2)
                 if not s[2] & t[2] and cross(s[0], s[1], t[0], t[1])]
    assert crossings == []


def test_each_faction_starts_with_one_contiguous_territory_and_its_own_units():
    data = generate_scenario(2000, 5, None, seed=6)
    g = graph_of(data)
    owner = {t["id"]: t["controller"] for t in data["towns"]}
    for f in data["factions"]:
        mine = [t for t, c in owner.items() if c == f["id"]]
        assert mine and nx.is_connected(g.subgraph(mine)), f["id"]
        assert all(owner[s] == f["id"] for s in f["supply_sources"])
        assert all(owner[u["town"]] == f["id"] for u in f["forces"])
        assert all(owner[o["town"]] != f["id"] for o in f["objectives"])
        assert f["objectives"]


def test_populations_are_log_normal_and_rules_mirror_the_default_scenario():
    data = generate_scenario(5000, 3, None, seed=8)
    pop = np.array([t["population"] for t in data["towns"]], dtype=float)
    log = np.log(pop)
    assert 7.0 < np.median(log) < 8.2 and 1.0 < log.std() < 1.6
    actions = [[r["do"] for r in f["rules"]] for f in data["factions"]]
    assert actions[0] == ["retreat", "advance", "besiege"]
    assert actions[1] == ["conscript", "retreat", "advance", "reinforce", "defend"]
    assert data["factions"][1]["rules"][0]["when"].startswith("enemy_within_km(")
    assert sum("conscript" in a for a in actions) == 1


def test_a_generated_theatre_runs():
    model = TerritoryModel(generate_scenario(500, 3, None, seed=9), days=15).run()
    assert model.day == 15
    kinds = {e.kind for e in model.events}
    assert "battle" in kinds or "capture" in kinds


def test_command_writes_a_file_that_validates_and_runs(tmp_path: Path, capsys):
    path = tmp_path / "theatre.yaml"
    assert main(["generate", "--towns", "300", "--factions", "3", "--units", "25",
                 "--seed", "2", "-o", str(path)]) == 0
    assert "300 towns" in capsys.readouterr().err
    assert main(["validate", str(path)]) == 0
    assert "valid: 300 towns" in capsys.readouterr().out
    assert main(["run", str(path), "--days", "5", "--quiet"]) == 0


def test_command_without_output_prints_yaml(capsys):
    assert main(["generate", "--towns", "20", "--seed", "1"]) == 0
    data, _ = parse_yaml(capsys.readouterr().out, "<stdout>")
    assert len(data["towns"]) == 20


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"towns": 3, "factions": 1}, "--factions must be between 2 and 64"),
    ({"towns": 2, "factions": 3}, "--towns must be between"),
    ({"towns": 300_000}, "--towns must be between"),
    ({"towns": 10, "units": -1}, "--units must be between"),
    ({"towns": 10, "seed": -3}, "--seed must be at least 0")])
def test_sizes_out_of_range_are_refused(kwargs, message):
    with pytest.raises(FrontlineError, match=message):
        generate_scenario(**kwargs)


def test_command_reports_bad_sizes_as_exit_code_2(capsys):
    assert main(["generate", "--towns", "1", "--factions", "2"]) == 2
    assert "--towns must be between" in capsys.readouterr().err


@pytest.mark.parametrize("text", [
    "towns: [a, b\nname: x\n", "a: 1\n  b: 2\n", "a: {b: 1\n", "- a\nb: 1\n",
    "a: !!python/none x\n",
    "towns:\n  - {id: t0, lat: 1.5, population: 12, on: yes, when: 'x > 1'}\n  - 2020-01-01\n"])
def test_libyaml_fast_path_gives_the_same_data_lines_and_messages(text, monkeypatch):
    from sim.errors import ScenarioError

    def parse() -> object:
        try:
            return parse_yaml(text, "f.yaml")
        except ScenarioError as exc:
            return str(exc)

    fast = parse()
    monkeypatch.setattr("yaml.__with_libyaml__", False)
    assert parse() == fast
