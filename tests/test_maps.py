"""Maps for print and GIS: label placement, map.png without overlaps, frontline map, the layers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from builders import DATA, DEFAULT

from sim.cli import main
from sim.labels import overlaps, place_labels
from sim.model import TerritoryModel
from sim.rundata import attach_trail, run_data
from sim.runfiles import load_run


def test_a_label_goes_where_it_does_not_cover_its_neighbour() -> None:
    points = np.array([[0.0, 0.0], [10.0, 0.0]])
    boxes = place_labels(points, np.array([[8.0, 4.0], [8.0, 4.0]]), np.array([1.0, 1.0]),
                         (-50.0, -50.0, 50.0, 50.0), gap=1.0)
    assert boxes[0] == (-10.0, -2.0, -2.0, 2.0)  # to the right is the other town: left
    assert boxes[1] == (12.0, -2.0, 20.0, 2.0)
    assert not overlaps(boxes[0], boxes[1])


def test_a_label_with_no_free_place_is_left_out_and_priority_decides_who() -> None:
    points = np.array([[0.0, 0.0], [0.5, 0.0]])
    sizes = np.array([[30.0, 10.0], [30.0, 10.0]])
    bounds = (-12.0, -6.0, 12.0, 6.0)  # room for one label beside the pair, not two
    first = place_labels(points, sizes, np.array([0.5, 0.5]), bounds, gap=0.5)
    assert first == [None, None]
    wide = (-40.0, -6.0, 40.0, 6.0)
    assert place_labels(points, sizes, np.array([0.5, 0.5]), wide, order=[1, 0],
                        gap=0.5)[1] == (1.5, -5.0, 31.5, 5.0)


@pytest.fixture(scope="module")
def default_data():
    model = TerritoryModel(DEFAULT)
    attach_trail(model)
    model.run()
    return run_data(model)


def _text_boxes(fig) -> list[tuple[str, tuple[float, float, float, float]]]:
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        for t in ax.texts:
            b = t.get_window_extent(renderer)
            out.append((t.get_text(), (b.x0, b.y0, b.x1, b.y1)))
    return out


@pytest.mark.parametrize("day", [11, 120])  # units on the roads; units crowded in the city
def test_map_labels_overlap_nothing(default_data, day: int) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import map_figure

    fig, counts = map_figure(default_data, day)
    fig.canvas.draw()
    texts = _text_boxes(fig)
    names = {t for t, _ in texts}
    assert {"Numeisa", "al-Jaber", "al-Khamisiya", "Ghanem al-Ali", "Maadan"} <= names
    assert counts["left_out"] == 0
    # every town is named once: on the map, or (the city's districts) in the close-up
    assert counts["town_labels"] == len(default_data.town_ids)
    assert counts["unit_labels"] >= len(default_data.units[day])
    shrink = 0.5  # pixels: touching edges are fine
    for i, (a, ba) in enumerate(texts):
        for b, bb in texts[i + 1:]:
            inner = (ba[0] + shrink, ba[1] + shrink, ba[2] - shrink, ba[3] - shrink)
            assert not overlaps(inner, bb), f"day {day}: {a!r} overlaps {b!r}"
    # nor any town marker or unit triangle (markers as boxes of their radius, in pixels)
    for ax in fig.axes:
        for coll in ax.collections:
            offsets = coll.get_offsets()
            if not len(offsets) or not hasattr(coll, "get_sizes") or not len(coll.get_sizes()):
                continue
            sizes = np.broadcast_to(coll.get_sizes(), (len(offsets),))
            xy = ax.transData.transform(offsets)
            r = np.sqrt(sizes) / 2 * fig.dpi / 72 * 0.9
            clip = ax.get_window_extent(fig.canvas.get_renderer())
            for (x, y), rr in zip(xy, r, strict=True):
                if not (clip.x0 <= x <= clip.x1 and clip.y0 <= y <= clip.y1):
                    continue  # clipped by its axes (a close-up's towns off the box): not drawn
                marker = (x - rr, y - rr, x + rr, y + rr)
                for text, box in texts:
                    inner = (box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1)
                    assert not overlaps(inner, marker), f"day {day}: {text!r} covers a marker"
    plt.close(fig)


def test_a_run_folder_gives_back_the_same_run(tmp_path: Path) -> None:
    assert main(["run", str(DATA / "line.yaml"), "--out", str(tmp_path), "--quiet"]) == 0
    model = TerritoryModel(DATA / "line.yaml").run()
    live, back = run_data(model), load_run(tmp_path)
    assert live.units_recorded and back.units_recorded
    assert np.array_equal(live.control, back.control)
    assert np.array_equal(live.besieged, back.besieged)
    assert live.units == back.units
    assert [e["text"] for e in live.events] == [e["text"] for e in back.events]
    assert live.town_ids == back.town_ids and live.highways == back.highways
    # r1 marches 30 km a day: on day 1 it is past West 1, on the road to Middle
    (r1,) = back.units[1]
    assert (r1.town, r1.dest) == (1, 2) and 38.2 < r1.lon < 38.4
    with (tmp_path / "control_long.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 31 * 5
    assert rows[5 * 2 + 2] == {"day": "2", "date": "2020-01-03", "town": "mid",
                               "controller": "red", "besieged": "0"}


def test_gis_layers_are_separate_and_control_changes_have_validity(tmp_path: Path) -> None:
    assert main(["run", str(DATA / "line.yaml"), "--out", str(tmp_path), "--quiet"]) == 0
    layers = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "gis").glob("*.geojson")}
    assert sorted(layers) == ["control", "features", "highways", "towns", "units"]
    assert {f["geometry"]["type"] for f in layers["highways"]["features"]} == {"LineString"}
    mid = [f["properties"] for f in layers["control"]["features"]
           if f["properties"]["id"] == "mid"]
    assert [(p["controller"], p["valid_from"], p["valid_to"]) for p in mid] == [
        ("blue", "2020-01-01", "2020-01-03"), ("red", "2020-01-03", "2020-02-01")]
    assert len(layers["units"]["features"]) == 31
    assert json.loads((tmp_path / "final_state.geojson").read_text())["type"] == \
        "FeatureCollection"


def test_frontline_map_draws_any_day_as_png_or_svg(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    assert main(["run", str(DATA / "line.yaml"), "--out", str(run), "--quiet"]) == 0
    assert main(["map", str(run), "--day", "2", "-o", str(tmp_path / "d2.svg")]) == 0
    svg = (tmp_path / "d2.svg").read_text()
    assert svg.startswith("<?xml") and "2020-01-03 (day 2)" in svg
    assert main(["map", str(run), "--date", "2020-01-05"]) == 0
    assert (run / "map-day4.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["map", str(run), "--fronts", "5", "-o", str(tmp_path / "f.png")]) == 0
    capsys.readouterr()
    assert main(["map", str(run), "--date", "2021-01-01"]) == 2
    assert "the run covers 2020-01-01 to 2020-01-31" in capsys.readouterr().err
    assert main(["map", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert main(["map", str(run), "-o", str(tmp_path / "x.jpg")]) == 2
    (run / "units.csv").write_text("day,unit\nnot a number,x\n")
    assert main(["map", str(run)]) == 2
    assert "units.csv: cannot read it" in capsys.readouterr().err


def test_without_a_trail_the_run_is_replayed_to_find_the_units() -> None:
    traced = TerritoryModel(DATA / "line.yaml")
    attach_trail(traced)
    traced.run()
    plain = TerritoryModel(DATA / "line.yaml").run()
    assert run_data(plain).units == run_data(traced).units
    plain.controller[0] = 1  # the model was changed by hand: the replay cannot be trusted
    plain.record.control_history[-1] = plain.controller.astype(np.int16)
    data = run_data(plain)
    assert not data.units_recorded and data.units[5] == [] and len(data.units[-1]) == 1


def test_big_runs_write_only_changes_to_control_long_and_read_back_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.runfiles

    monkeypatch.setattr(sim.runfiles, "CONTROL_LONG_LIMIT", 0)
    assert main(["run", str(DATA / "line.yaml"), "--out", str(tmp_path), "--quiet"]) == 0
    with (tmp_path / "control_long.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["day"], r["town"], r["controller"]) for r in rows[5:]] == [
        ("2", "mid", "red"), ("3", "e1", "red"), ("5", "e0", "red")]
    back = load_run(tmp_path)
    assert np.array_equal(back.control, run_data(TerritoryModel(DATA / "line.yaml").run()).control)


@pytest.fixture(scope="module")
def river_data():
    """tests/data/river.yaml: the pontoon is closed on days 0-3, the ferry from day 4 on."""
    model = TerritoryModel(DATA / "river.yaml")
    attach_trail(model)
    model.run()
    return run_data(model)


def _symbols(fig, gid: str) -> list[tuple[float, float]]:
    return sorted((round(float(x), 3), round(float(y), 3)) for ax in fig.axes[:1]
                  for c in ax.collections if c.get_gid() == gid for x, y in c.get_offsets())


def test_the_map_marks_open_crossings_and_crosses_out_closed_ones(river_data) -> None:
    import matplotlib.pyplot as plt

    from sim.plots import map_figure

    ferry, pontoon = (38.25, 35.2), (38.25, 35.0)  # the middles of the two crossings
    fig, _ = map_figure(river_data, 0)
    assert _symbols(fig, "crossing-open") == [ferry]
    assert _symbols(fig, "crossing-closed") == [pontoon]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-2:] == ["open crossing (ferry)", "closed crossing or highway"]
    plt.close(fig)
    fig, _ = map_figure(river_data, 5)  # blue sank the ferry on day 4; the pontoon was built
    assert _symbols(fig, "crossing-open") == [pontoon]
    assert _symbols(fig, "crossing-closed") == [ferry]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-2:] == ["open crossing (pontoon)", "closed crossing or highway"]
    plt.close(fig)


def test_a_map_without_rivers_has_no_crossing_symbols_nor_their_legend() -> None:
    import matplotlib.pyplot as plt

    from sim.plots import map_figure

    fig, _ = map_figure(run_data(TerritoryModel(DATA / "line.yaml").run()), 2)
    assert _symbols(fig, "crossing-open") == [] == _symbols(fig, "crossing-closed")
    assert "closed crossing or highway" not in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)


def test_a_run_folder_gives_back_the_closed_crossings_by_day(tmp_path: Path) -> None:
    assert main(["run", str(DATA / "river.yaml"), "--out", str(tmp_path), "--quiet"]) == 0
    back = load_run(tmp_path)
    assert back.crossings == {2: "ferry", 3: "pontoon"}
    assert [list(np.nonzero(back.closed_on(d))[0]) for d in (0, 3, 4, 20)] == [[3], [3], [2], [2]]
    static = json.loads((tmp_path / "map.json").read_text())
    assert static["closed"] == [[0, 3, 1], [4, 2, 1], [4, 3, 0]]
