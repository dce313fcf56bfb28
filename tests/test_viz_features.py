"""The browser view's newer features without a browser: Reset after a pick, slider values,
replay, compare, ensembles, export, the unit-label rule and the asset warning."""

from __future__ import annotations

import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import ipyvuetify as v
import numpy as np
import pytest
import solara
import solara.server.settings
from builders import DATA, DEFAULT
from rich.console import Console
from test_viz_components import SVG, _date, _html, draw, fill, towns_of, write_viz_scenarios

from sim.cli import main
from sim.model import TerritoryModel
from sim.sweep.execute import run_sweep
from sim.sweep.plots import _control_counts
from sim.sweep.report import load_results
from sim.sweep.spec import load_sweep
from viz.adapter import run_info, snapshot
from viz.app import Page
from viz.assets import missing_assets, missing_assets_warning
from viz.catalogue import ScenarioCatalogue
from viz.compare import Compared, differs
from viz.ensemble import NOBODY_FILL, ensemble_overlay, find_results, load_ensemble
from viz.export import geojson_day, png_of_svg
from viz.mapframe import boxes_overlap
from viz.mapview import map_svg
from viz.runs import recorded_class, tape_of
from viz.sidebar import slider_label

RED, BLUE = "#cc0000", "#0000cc"


def click(rc: Any, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def pick(rc: Any, label: str) -> None:
    rc.find(v.Select, label="Scenario file").widget.v_model = label


def events_html(rc: Any) -> str:
    (html,) = _html(rc, "events")
    return html


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_viz_scenarios(tmp_path / "scenarios")


@pytest.fixture
def page(files: dict[str, Path]):
    cat = ScenarioCatalogue.build([files["what_if"].parent], files["what_if"])
    _box, rc = solara.render(solara.AppLayout(children=[Page(cat, results={})]),
                             handle_error=False)
    yield rc
    rc.close()


# ------------------------------------------------------------------ Reset after a pick
def test_reset_after_picking_a_variant_runs_the_variant_not_the_launch_scenario():
    """The defect: pick the no-conscription variant, Reset, 10 days: ISIS conscripted."""
    cat = ScenarioCatalogue.build()
    _box, rc = solara.render(solara.AppLayout(children=[Page(cat, results={})]),
                             handle_error=False)
    try:
        rc.find(v.Checkbox, label="also daily battles and conscription").widget.v_model = True
        for label, conscripts in (("deir_ez_zor_2017_no_conscription.yaml", False),
                                  ("deir_ez_zor_2017.yaml", True)):
            pick(rc, label)
            rc.find(v.Checkbox, label="also daily battles and conscription").widget.v_model \
                = True
            click(rc, "Reset")
            for _ in range(10):
                click(rc, "Step")
            assert _date(rc) == "2017-08-18"
            name = "Deir ez-Zor 2017" + (" - no ISIS conscription" if not conscripts else "")
            assert f"· {name} ·" in _html(rc, "sim-date")[0]
            assert ("ISIS conscripts" in events_html(rc)) is conscripts
            (title,) = [w for w in rc.find(v.ToolbarTitle).widgets]
            assert title.children == [f"{name} · frontline"]
    finally:
        rc.close()


def test_each_scenario_gets_its_own_controls_and_parameters(page):
    pick(page, "later.yaml")
    click(page, "Reset")
    click(page, "Step")
    assert _date(page) == "2021-06-02"
    assert page.find(v.Slider, label="Red brigade fighters: 2,000").widgets == []
    pick(page, "what_if.yaml")
    page.find(v.Slider, label="Red brigade fighters: 2,000").widget.v_model = 3500
    page.find(v.Slider, label="Red brigade fighters: 3,500")  # the value shows at rest
    click(page, "Reset")
    assert 'data-tunable="factions.red.forces.r1.fighters" data-value="3500"' in \
        _html(page, "run-tunables")[0]


def test_slider_labels_carry_their_values():
    assert slider_label("Rate", 0.02, 0.005) == "Rate: 0.020"
    assert slider_label("Fighters", 3000, 250) == "Fighters: 3,000"
    assert slider_label("Share", 0.8, 0.05) == "Share: 0.80"


# ------------------------------------------------------------------ replay
def test_replay_shows_an_earlier_day_as_it_was_without_rerunning(page):
    for _ in range(3):
        click(page, "Step")
    assert _date(page) == "2020-01-04"
    replay = page.find(v.Slider, label="Replay: day 3 of the 3 run so far").widget
    replay.v_model = 1
    assert _date(page) == "2020-01-02"
    (banner,) = _html(page, "sim-date")
    assert "replay: the run is at day 3" in banner
    (svg,) = _html(page, "map")
    ref = TerritoryModel(DATA / "line.yaml").run(1)  # what_if is line with tunables
    assert {t: fill(g) for t, g in towns_of(svg).items()} == \
        {t: fill(g) for t, g in towns_of(draw(ref)).items()}
    assert "captures" not in events_html(page)  # Middle falls on day 2
    replay.v_model = 2
    assert fill(towns_of(_html(page, "map")[0])["mid"]) == RED
    click(page, "Step")  # the run goes on and the page follows it again
    assert _date(page) == "2020-01-05"
    assert "replay:" not in _html(page, "sim-date")[0]


def test_a_run_keeps_every_day_it_ran(files):
    model = recorded_class({"scenario_file": str(files["what_if"])})()
    model.run(4)
    tape = tape_of(model)
    assert [d.day for d in tape.days] == [0, 1, 2, 3, 4]
    assert [int(d.controller[2]) for d in tape.days] == [1, 1, 0, 0, 0]  # Middle: blue, red
    assert tape.at(None) is tape.days[-1] and tape.at(99) is tape.days[-1]
    assert tape.days[2].prev[2] == 1 and tape.days[3].prev[2] == 0
    moving = [d.units[0].dest for d in tape.days]
    assert moving[1] >= 0  # on the road on day 1, copied, not the unit as it is now


# ------------------------------------------------------------------ compare
def test_differs_marks_towns_held_by_another_faction(files):
    a = recorded_class({"scenario_file": str(files["what_if"])})()
    b = Compared("weak", {"scenario_file": str(files["weak"])})
    a.run(5)
    b.catch_up(5)
    ta, tb = tape_of(a), b.tape
    for day, expect in ((1, []), (2, ["mid"]), (3, ["mid", "e1"]), (5, ["mid", "e1", "e0"])):
        d = differs(ta.info, ta.at(day), tb.info, tb.at(day))
        assert [ta.info.world.ids[i] for i in np.flatnonzero(d)] == expect
    map_of = map_svg(ta.info, ta.at(3), differs=differs(ta.info, ta.at(3), tb.info, tb.at(3)))
    towns = towns_of(map_of)
    assert [t for t, g in towns.items() if g.get("data-differs") == "true"] == ["mid", "e1"]
    assert any(r.get("class") == "differs" for r in towns["mid"].iter(f"{SVG}rect"))
    b.catch_up(1)  # the first run was reset: the second starts again
    assert b.tape.last == 1


def test_page_compares_two_runs_side_by_side(page):
    page.find(v.Select, label="Compare with").widget.v_model = "weak.yaml"
    click(page, "Compare")
    for _ in range(3):
        click(page, "Step")
    (count,) = _html(page, "differ-count")
    assert 'data-count="2"' in count
    (other,) = _html(page, "compare-map")
    assert fill(towns_of(other)["mid"]) == BLUE
    assert fill(towns_of(_html(page, "map")[0])["mid"]) == RED
    click(page, "Stop comparing")
    assert _html(page, "compare-map") == []


# ------------------------------------------------------------------ ensembles
@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "line.parquet"
    assert run_sweep(load_sweep(DATA / "sweep_line.yaml"), out, workers=1,
                     console=Console(file=io.StringIO()), progress=False).complete
    return out


def test_ensemble_counts_who_held_each_town_as_the_sweep_report_does(sweep):
    ens = load_ensemble(sweep)
    meta, df = load_results(sweep)
    counts, _ = _control_counts(meta, df[df["status"] == "ok"])
    assert np.array_equal(ens.counts, counts)
    assert ens.runs == 18 and ens.days == 20 and ens.towns == ("w0", "w1", "mid", "e1", "e0")
    p0, p20 = ens.probability(0), ens.probability(20)
    assert np.allclose(p0.sum(axis=1), 1.0) and p0[0, 0] == 1.0 and p0[2, 1] == 1.0
    # Middle on day 20: red holds it in the runs where it took it
    held = sum(json.loads(c)["mid"][-1][1] == "red" for c in df["control"])
    assert p20[2, 0] == pytest.approx(held / 18)


def test_ensemble_colours_each_town_by_the_probability_of_control(sweep):
    ens = load_ensemble(sweep)
    run = run_info(TerritoryModel(DATA / "line.yaml"))
    ov = ensemble_overlay(ens, run, 0, "red")
    assert ov.fills[:2] == [RED, RED] and ov.fills[2:] == [NOBODY_FILL] * 3
    assert "Red Army holds it in 100% of 18 runs" in ov.notes[0]
    late = ensemble_overlay(ens, run, 20, "red")
    p = ens.probability(20)[2, 0]
    assert late.values[2] == pytest.approx(p)
    svg = draw(TerritoryModel(DATA / "line.yaml"), overlay=late)
    mid = towns_of(svg)["mid"]
    assert float(mid.get("data-value")) == pytest.approx(p, abs=1e-3)
    assert "data-units" not in svg  # probabilities, not one run's units


def test_page_lists_sweep_results_and_refuses_other_files(sweep, files, tmp_path):
    (tmp_path / "line.series.parquet").write_bytes(b"")
    (tmp_path / "not_a_sweep.parquet").write_bytes(b"PAR1 nonsense")
    offered = find_results([sweep.parent, tmp_path])
    assert list(offered) == ["line.parquet", "not_a_sweep.parquet"]
    cat = ScenarioCatalogue.build([files["what_if"].parent], files["what_if"])
    _box, rc = solara.render(solara.AppLayout(children=[Page(cat, results=offered)]),
                             handle_error=False)
    try:
        select = rc.find(v.Select, label="Sweep results").widget
        select.v_model = "not_a_sweep.parquet"
        (problem,) = _html(rc, "ensemble-problem")
        assert "not_a_sweep.parquet" in problem and "Traceback" not in problem
        select.v_model = "line.parquet"
        (svg,) = _html(rc, "map")
        assert 'data-testid="ensemble-map"' in svg
        assert fill(towns_of(svg)["w0"]) == RED
        click(rc, "Back to the run")
        assert 'data-testid="map-svg"' in _html(rc, "map")[0]
    finally:
        rc.close()


# ------------------------------------------------------------------ export
def test_geojson_of_the_day_has_a_feature_per_town_highway_and_unit():
    model = TerritoryModel(DATA / "line.yaml").run(2)
    doc = json.loads(geojson_day(run_info(model), snapshot(model)))
    layers = [f["properties"]["layer"] for f in doc["features"]]
    assert layers == ["town"] * 5 + ["highway"] * 4 + ["unit"]
    mid = next(f for f in doc["features"] if f["id"] == "town:mid")
    assert mid["geometry"] == {"type": "Point", "coordinates": [38.4, 35.0]}
    assert {k: mid["properties"][k] for k in ("controller", "changed_hands", "date", "day",
                                              "besieged")} == {
        "controller": "red", "changed_hands": True, "date": "2020-01-03", "day": 2,
        "besieged": False}
    fronts = [f["properties"]["front"] for f in doc["features"]
              if f["properties"]["layer"] == "highway"]
    assert fronts == [False, False, True, False]  # Middle (red) - East 1 (blue)


def test_png_of_the_map_is_the_map_drawn_at_1600_px():
    from PIL import Image

    model = TerritoryModel(DATA / "line.yaml").run(2)
    png = png_of_svg(draw(model))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    im = Image.open(io.BytesIO(png)).convert("RGB")
    assert im.width == 1600
    frame_x = [float(c.get("cx")) for g in towns_of(draw(model)).values()
               for c in g.iter(f"{SVG}circle") if c.get("class") == "town-dot"]
    root = ET.fromstring(draw(model))
    scale = 1600 / float(root.get("viewBox").split()[2])
    y = round(float(next(iter(towns_of(draw(model)).values())).find(f"{SVG}circle")
                    .get("cy")) * scale)
    mid = im.getpixel((round(frame_x[2] * scale), y))
    assert mid[0] > 180 and mid[2] < 60  # Middle is red on day 2


# ------------------------------------------------------------------ unit labels
@pytest.mark.parametrize("days", [0, 12, 30, 40])
def test_unit_strengths_and_triangles_are_never_drawn_over_a_town_name(days):
    model = TerritoryModel(DEFAULT).run(days)
    root = ET.fromstring(draw(model))
    checked = drawn = 0
    for view in [root, *[s for g in root.iter(f"{SVG}g") if g.get("class") == "inset"
                         for s in g.iter(f"{SVG}svg")]]:
        names = [tuple(map(float, t.get("data-box").split())) for g in view.iter(f"{SVG}g")
                 if g.get("class") == "labels" for t in g.iter(f"{SVG}text")]
        units = [tuple(map(float, t.get("data-box").split())) for g in view
                 if g.get("class") == "units" for t in g.iter(f"{SVG}text")]
        assert names and all(not boxes_overlap(u, n) for u in units for n in names)
        triangles = [tuple(map(float, t.get("data-box").split())) for g in view
                     if g.get("class") == "units" for t in g.iter(f"{SVG}polygon")]
        # an inset may hold no unit on a given day (the enclave's sortie groups exist only
        # from the sortie on); the main map always has some
        assert triangles or view is not root
        assert all(not boxes_overlap(t, n) for t in triangles for n in names)
        assert all(not boxes_overlap(a, b) for k, a in enumerate(units) for b in units[k + 1:])
        # nor under another unit's triangle (day 40: a strength by al-Mayadin was half hidden)
        assert all(not boxes_overlap(u, t) for u in units for t in triangles)
        checked += len(units)
        drawn += len(triangles)
    shown = [g.get("data-label") for g in root.iter(f"{SVG}g") if g.get("class") == "unit"]
    assert checked == shown.count("shown") > 0 and drawn > 0


# ------------------------------------------------------------------ assets
def test_missing_asset_cache_is_named_with_the_command_that_fills_it(tmp_path):
    assert "@widgetti/solara-vuetify-app@10.1.1" in missing_assets(tmp_path)
    text = missing_assets_warning(tmp_path)
    assert text is not None and str(tmp_path) in text
    assert "tools/prefetch-solara-assets" in text and ".ci/browser-setup.sh" in text
    assert "With internet, ignore this" in text
    for spec in missing_assets(tmp_path):
        (tmp_path / spec).mkdir(parents=True)
    assert missing_assets(tmp_path) == [] and missing_assets_warning(tmp_path) is None


def test_viz_command_warns_at_once_when_the_assets_are_missing(tmp_path, monkeypatch, capsys):
    class FakePopen:
        def __init__(self, *_: Any, **__: Any):
            pass

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setattr(solara.server.settings.assets, "proxy_cache_dir", tmp_path)
    assert main(["viz", str(DATA / "line.yaml"), "--port", "0"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"Solara's front-end assets .* are not in its cache", err)
    assert str(tmp_path) in err


def test_ensemble_lists_the_towns_most_in_doubt_and_exports_probabilities(sweep):
    from viz.ensemble_view import ensemble_geojson, in_doubt_html

    ens = load_ensemble(sweep)
    run = run_info(TerritoryModel(DATA / "line.yaml"))
    assert "every town has the same holder in every run" in in_doubt_html(ens, 0)
    prob = ens.probability(20)
    doubt = re.findall(r'data-town="(\w+)"', in_doubt_html(ens, 20))
    expect = [ens.towns[t] for t in np.argsort(prob.max(axis=1), kind="stable")
              if prob[t].max() < 0.999]
    assert doubt == expect and doubt
    doc = json.loads(ensemble_geojson(ens, run, 20))
    mid = next(f for f in doc["features"] if f["id"] == "town:mid")["properties"]
    assert mid["p_red"] == pytest.approx(prob[2, 0], abs=1e-4)
    assert mid["p_red"] + mid["p_blue"] + mid["p_nobody"] == pytest.approx(1.0, abs=1e-3)
    assert mid["date"] == "2020-01-21"


def test_exported_png_carries_a_caption_line_above_the_map():
    from PIL import Image

    from viz.export import caption

    model = TerritoryModel(DATA / "line.yaml").run(2)
    run, state = run_info(model), snapshot(model)
    assert caption(run, state) == "line · Friday 3 January 2020 (day 2 of 30) · seed 7"
    plain = Image.open(io.BytesIO(png_of_svg(draw(model))))
    titled = Image.open(io.BytesIO(png_of_svg(draw(model), caption(run, state))))
    assert titled.width == plain.width == 1600
    assert titled.height - plain.height == round(26 * 2.5)


def test_a_dropped_results_file_loads_like_one_on_disk_and_bad_bytes_say_whose(sweep):
    from sim.errors import FrontlineError
    from viz.ensemble import load_ensemble_bytes

    dropped = load_ensemble_bytes(sweep.read_bytes(), "mine.parquet")
    assert np.array_equal(dropped.counts, load_ensemble(sweep).counts)
    with pytest.raises(FrontlineError, match=r"^mine\.parquet: ") as err:
        load_ensemble_bytes(b"PAR1 not parquet", "mine.parquet")
    assert "/tmp" not in str(err.value)
