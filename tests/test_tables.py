"""Towns and highways from CSV, Parquet and GeoJSON tables; the fast checks of big maps."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import DATA
from test_yaml_fast import typed

from sim.errors import ScenarioError
from sim.generate import generate_scenario, scenario_yaml
from sim.generate.tabletext import write_tables
from sim.scenario import bigchecks, load_scenario
from sim.scenario.checks import check_scenario
from sim.scenario.problems import Problems, SourceMap

LINE = yaml.safe_load((DATA / "line.yaml").read_text())


def write(folder: Path, fmt: str, data: dict[str, Any] | None = None) -> Path:
    path = folder / f"line_{fmt}.yaml"
    path.write_text(scenario_yaml(write_tables(copy.deepcopy(data or LINE), path, fmt)))
    return path


def problems_of(path: Path, overrides: Any = None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "geojson"])
def test_a_table_scenario_loads_the_same_data_as_its_yaml(tmp_path, fmt):
    path = write(tmp_path, fmt)
    text = path.read_text()
    assert f'towns: {{file: "line_{fmt}.towns.' in text and "highways: {file:" in text
    loaded = load_scenario(path)
    plain = load_scenario(DATA / "line.yaml")
    assert typed(loaded.data) == typed(plain.data)
    assert loaded.scenario == plain.scenario


def test_bad_cells_are_reported_by_table_row_and_column(tmp_path):
    path = write(tmp_path, "csv")
    towns = tmp_path / "line_csv.towns.csv"
    rows = towns.read_text().splitlines()
    rows[3] = rows[3].replace("35.0", "abc", 1)  # the third town, "mid", on line 4
    rows[1] = rows[1].replace(",10000,", ",-5,")
    towns.write_text("\n".join(rows) + "\n")
    roads = tmp_path / "line_csv.highways.csv"
    roads.write_text(roads.read_text().replace("w1,mid", "w1,mdi"))
    assert problems_of(path) == [
        f"{tmp_path}/line_csv.highways.csv:3: highways[1].to: unknown town 'mdi' "
        "(did you mean 'mid'?)",
        f"{tmp_path}/line_csv.towns.csv:2: towns.w0.population: Input should be greater than "
        "or equal to 0 (got -5)",
        f"{tmp_path}/line_csv.towns.csv:4: towns.mid.lat: Input should be a valid number, "
        "unable to parse string as a number (got 'abc')",
    ]


def test_table_shape_errors_name_the_file_and_line(tmp_path):
    path = write(tmp_path, "csv")
    towns = tmp_path / "line_csv.towns.csv"
    good = towns.read_text()
    towns.write_text(good.replace("population", "popul", 1))
    assert problems_of(path)[0] == (f"{tmp_path}/line_csv.towns.csv:2: towns.w0.popul: "
                                    "unknown field (did you mean 'population'?)")
    lines = good.splitlines()
    towns.write_text("\n".join([*lines[:2], "w9,Nine,35", *lines[2:]]) + "\n")
    assert problems_of(path) == [f"{tmp_path}/line_csv.towns.csv:3: 3 cells where the header "
                                 f"has {len(lines[0].split(','))} columns"]
    towns.unlink()
    (msg,) = problems_of(path)
    assert msg.startswith(f"{path}:7: towns.file: table 'line_csv.towns.csv': file not found")
    path.write_text(path.read_text().replace('towns: {file: "line_csv.towns.csv"}',
                                             "towns: {file: t.xlsx}"))
    assert problems_of(path) == [
        f"{path}:7: towns.format: unknown table format None (csv, parquet or geojson; by "
        "default from the file name's ending: .csv, .parquet, .pq, .geojson, .json)"]


def test_geojson_towns_must_be_points(tmp_path):
    path = write(tmp_path, "geojson")
    towns = tmp_path / "line_geojson.towns.geojson"
    doc = json.loads(towns.read_text())
    doc["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}
    towns.write_text(json.dumps(doc))
    assert problems_of(path) == [f"{tmp_path}/line_geojson.towns.geojson:2: a town must be a "
                                 "Point feature with [lon, lat] coordinates"]


def test_extends_and_set_work_on_table_rows(tmp_path):
    write(tmp_path, "parquet")
    variant = tmp_path / "variant.yaml"
    variant.write_text("extends: line_parquet.yaml\nname: v\n"
                       "towns:\n  - {id: mid, garrison: 300}\n")
    loaded = load_scenario(variant, {"towns.e1.garrison": 7})
    by_id = {t.id: t for t in loaded.scenario.towns}
    assert (by_id["mid"].garrison, by_id["e1"].garrison, by_id["w0"].garrison) == (300, 7, 50)
    assert problems_of(variant, {"towns.e0.garrison": -1}) == [
        "--set: towns.e0.garrison: Input should be greater than or equal to 0 (got -1)"]
    variant.write_text("extends: line_parquet.yaml\nname: v\n")
    assert problems_of(variant, {"towns.e1.lat": 200}) == [
        "--set: towns.e1.lat: Input should be less than or equal to 90 (got 200)"]
    assert problems_of(variant, {"towns.e1.name": ""})[0] == (
        "--set: towns.e1.name: String should have at least 1 character (got '')")
    variant.write_text("extends: line_parquet.yaml\nname: v\ntowns:\n  - {id: w1, garrison: -2}\n")
    assert problems_of(variant) == [
        f"{variant}:4: towns.w1.garrison: Input should be greater than or equal to 0 (got -2)"]


def plain_and_fast(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The problems of the checks the fast way, asserted equal to the plain way's."""
    out = []
    for fast_from in (bigchecks.FAST_FROM, 10**9):
        monkeypatch.setattr(bigchecks, "FAST_FROM", fast_from)
        problems = Problems(SourceMap([("s.yaml", {})]))
        check_scenario(copy.deepcopy(data), problems)
        out.append([str(p) for p in problems.items])
    assert out[0] == out[1]
    return out[0]


def test_big_map_checks_report_exactly_what_the_plain_checks_do(monkeypatch):
    data = generate_scenario(2_500, 3, 50, seed=2)
    assert plain_and_fast(data, monkeypatch) == []
    roads = data["highways"]
    lone = data["towns"][10]["id"]
    cases = {
        "unknown": lambda d: d["highways"][5].update({"to": "t99999"}),
        "self": lambda d: d["highways"][7].update({"to": d["highways"][7]["from"]}),
        "twice": lambda d: d["highways"].append(dict(d["highways"][3])),
        "reversed": lambda d: d["highways"].append({"from": roads[3]["to"],
                                                    "to": roads[3]["from"]}),
        "cut off": lambda d: d.update(highways=[h for h in d["highways"]
                                                if lone not in (h["from"], h["to"])]),
        "no controller": lambda d: d["towns"][4].update(controller="nobody"),
        "garrison": lambda d: (d["towns"][4].pop("controller"),
                               d["towns"][4].update(garrison=5)),
    }
    for name, change in cases.items():
        changed = copy.deepcopy(data)
        change(changed)
        found = plain_and_fast(changed, monkeypatch)
        assert found, name
    cut = copy.deepcopy(data)
    cases["cut off"](cut)
    assert "the map is not connected: 2 separate parts" in plain_and_fast(cut, monkeypatch)[0]


def test_components_group_like_a_union_find():
    import numpy as np

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 50, 400):
        m = int(rng.integers(0, 2 * n))
        ends = rng.integers(0, n, size=(m, 2))
        parent = list(range(n))

        def find(x: int, parent: list[int] = parent) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        for u, v in ends.tolist():
            parent[find(u)] = find(v)
        groups: dict[int, list[int]] = {}
        for i in range(n):
            groups.setdefault(find(i), []).append(i)
        assert bigchecks.components(n, ends.astype(np.int64)) == list(groups.values())


def test_generate_writes_tables_that_load_like_its_yaml(tmp_path, capsys):
    from sim.cli import main

    plain, tabled = tmp_path / "plain.yaml", tmp_path / "tabled.yaml"
    assert main(["generate", "--towns", "300", "--seed", "2", "-o", str(plain)]) == 0
    assert main(["generate", "--towns", "300", "--seed", "2", "-o", str(tabled),
                 "--tables", "csv"]) == 0
    assert "300 towns, " in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "plain.yaml", "tabled.highways.csv", "tabled.towns.csv", "tabled.yaml"]
    assert typed(load_scenario(tabled).data) == typed(load_scenario(plain).data)
    assert main(["generate", "--towns", "30", "--tables", "csv"]) == 2
    assert "--tables needs --output" in capsys.readouterr().err


def test_a_csv_syntax_error_names_the_line_where_its_record_starts(tmp_path):
    path = write(tmp_path, "csv")
    towns = tmp_path / "line_csv.towns.csv"
    lines = towns.read_text().splitlines()
    first, rest = lines[2].split(",", 1)
    # an unclosed quote on the table's line 3: the reader runs on to the end of the file
    towns.write_text("\n".join([*lines[:2], f'{first},"{rest}', *lines[3:]]) + "\n")
    (msg,) = problems_of(path)
    assert msg.startswith(f"{towns}:3: CSV syntax error: "), msg
    assert f"(the record from line 3 runs on to line {len(lines)}: an unclosed quote?)" in msg
    # text after a closing quote fails on its own line, with no "runs on"
    towns.write_text("\n".join([*lines[:3], f'"{first}"x,{rest}', *lines[4:]]) + "\n")
    (msg,) = problems_of(path)
    assert msg.startswith(f"{towns}:4: CSV syntax error: ") and "runs on" not in msg, msg
    # a broken header is line 1
    towns.write_text('"id,name\n' + "\n".join(lines[1:]) + "\n")
    (msg,) = problems_of(path)
    assert msg.startswith(f"{towns}:1: CSV syntax error: "), msg
