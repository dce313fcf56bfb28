"""Fast tests of the browser visualization without a browser: SVG builders, parameters, the
scenario catalogue, the Solara component tree (rendered in Python) and ``frontline viz``."""

from __future__ import annotations

import re
import socket
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import ipyvuetify as v
import numpy as np
import pytest
import solara
import solara.widgets
from builders import DATA, DEFAULT
from mesa.visualization import Slider
from mesa.visualization.solara_viz import _build_model_init_kwargs

from sim.cli import main
from sim.errors import FrontlineError
from sim.model import TerritoryModel
from viz.adapter import events, run_info, series, snapshot
from viz.app import Page, open_scenario
from viz.catalogue import ENV_SCENARIO, ENV_SCENARIO_DIRS, ScenarioCatalogue
from viz.charts import METRICS, chart_svg
from viz.components import date_html, event_log_html, legend_html, run_html
from viz.mapview import MapFrame, front_mask, map_svg, town_tooltip
from viz.params import (
    VizModel,
    guarded_model_class,
    initial_kwargs,
    model_params,
    param_name,
    parse_seed,
)
from viz.server import solara_command

SVG = "{http://www.w3.org/2000/svg}"
RED, BLUE = "#cc0000", "#0000cc"


def write_viz_scenarios(folder: Path) -> dict[str, Path]:
    """Scenarios for the page tests: the line with tunables, a later start, a broken one."""
    folder.mkdir(parents=True, exist_ok=True)
    line = (DATA / "line.yaml").resolve()
    files = {
        "what_if": (
            f"extends: {line}\nname: line what-if\ntunables:\n"
            "  - {path: factions.red.forces.r1.fighters, label: Red brigade fighters, "
            "min: 500, max: 4000, step: 100}\n"
            "  - {path: factions.blue.rules.conscript.with.rate, label: Blue conscription rate, "
            "min: 0, max: 0.05, step: 0.005}\n"
            "  - {path: factions.blue.rules.conscript.with.max_share, label: Blue conscription "
            "cap, min: 0, max: 0.6, step: 0.05}\n"),
        "later": f"extends: {line}\nname: line a year later\n"
                 "simulation: {start_date: 2021-06-01}\n",
        "broken": f"extends: {line}\nname: broken\nhighways:\n  - {{from: w0, to: nowhere}}\n",
        # red's brigade too weak to take anything: every town red takes in what_if differs
        "weak": f"extends: {line}\nname: line with a weak brigade\nfactions:\n"
                "  - id: red\n    forces:\n      - {id: r1, fighters: 150}\n",
    }
    out = {}
    for name, text in files.items():
        out[name] = folder / f"{name}.yaml"
        out[name].write_text(text)
    return out


@pytest.fixture
def viz_files(tmp_path: Path) -> dict[str, Path]:
    return write_viz_scenarios(tmp_path / "scenarios")


def draw(model: TerritoryModel, **kw: Any) -> str:
    """The map of the model's current day."""
    return map_svg(run_info(model), snapshot(model), **kw)


def towns_of(svg: str, view: str = "main") -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("data-view") == view)
    return {g.get("data-town-id"): g for g in group.iter(f"{SVG}g")
            if g.get("class") == "town"}


def fill(town: ET.Element) -> str:
    return next(c for c in town.iter(f"{SVG}circle") if c.get("class") == "town-dot").get("fill")


# ------------------------------------------------------------------------------ catalogue
def test_catalogue_lists_the_scenario_folder_and_opens_the_default_first():
    cat = ScenarioCatalogue.build()
    assert "deir_ez_zor_2017.yaml" in cat.labels
    assert cat.default == "deir_ez_zor_2017.yaml"
    assert all(p.suffix == ".yaml" and p.parent == DEFAULT.parent for p in cat.entries.values())


def test_catalogue_puts_the_command_line_file_first(viz_files):
    cat = ScenarioCatalogue.build([DEFAULT.parent], DATA / "line.yaml")
    assert cat.labels[0] == "line.yaml" == cat.default
    assert cat.resolve("line.yaml") == (DATA / "line.yaml").resolve()
    # a file that is also in a listed folder is listed once
    cat = ScenarioCatalogue.build([viz_files["later"].parent], viz_files["later"])
    assert cat.labels == ["later.yaml", "broken.yaml", "weak.yaml", "what_if.yaml"]


def test_catalogue_refuses_anything_it_does_not_list(viz_files):
    cat = ScenarioCatalogue.build([viz_files["later"].parent])
    for forged in ["../../../etc/passwd", "/etc/passwd", str(DATA / "line.yaml"),
                   str(viz_files["later"]), "later", "", None]:
        with pytest.raises(FrontlineError, match="is not one of the scenarios offered"):
            cat.resolve(forged)  # type: ignore[arg-type]
    page = open_scenario(cat, "../../../etc/passwd")
    assert page.path is None and "not one of the scenarios offered" in page.problem


def test_catalogue_tells_same_named_files_apart(tmp_path):
    a = write_viz_scenarios(tmp_path / "a")
    b = write_viz_scenarios(tmp_path / "b")
    cat = ScenarioCatalogue.build([a["later"].parent, b["later"].parent])
    assert str(a["later"].resolve()) in cat.labels and str(b["later"].resolve()) in cat.labels
    assert len(set(cat.entries.values())) == len(cat.entries) == 8


def test_catalogue_from_environment(viz_files):
    env = {ENV_SCENARIO: str(viz_files["what_if"]),
           ENV_SCENARIO_DIRS: str(viz_files["what_if"].parent)}
    cat = ScenarioCatalogue.from_env(env)
    assert cat.default == "what_if.yaml"
    assert sorted(cat.labels) == ["broken.yaml", "later.yaml", "weak.yaml", "what_if.yaml"]


# ------------------------------------------------------------------------------ parameters
def test_parse_seed():
    assert parse_seed("42") == 42
    assert parse_seed(" 7 ") == 7
    assert parse_seed("") is None
    assert parse_seed(None) is None
    assert parse_seed(3) == 3
    with pytest.raises(FrontlineError, match="seed must be a whole number, got 'abc'"):
        parse_seed("abc")


def test_model_params_offer_a_seed_box_and_a_slider_per_tunable(viz_files):
    opened = open_scenario(ScenarioCatalogue.build([], viz_files["what_if"]), "what_if.yaml")
    params = opened.params
    assert params is not None
    assert params["scenario_file"] == str(viz_files["what_if"].resolve())
    assert params["seed"] == {"type": "InputText", "value": "7",
                              "label": "Seed (applies on Reset)"}
    fighters = params[param_name("factions.red.forces.r1.fighters")]
    assert isinstance(fighters, Slider) and not fighters.is_float_slider
    assert (fighters.label, fighters.value, fighters.min, fighters.max, fighters.step) == (
        "Red brigade fighters", 2000, 500, 4000, 100)
    rate = params["factions__blue__rules__conscript__with__rate"]
    assert rate.is_float_slider and rate.value == pytest.approx(0.02)
    # not set in the file: the action's documented default
    assert params["factions__blue__rules__conscript__with__max_share"].value == pytest.approx(0.3)
    assert initial_kwargs(params) == {
        "scenario_file": str(viz_files["what_if"].resolve()), "seed": "7",
        "factions__red__forces__r1__fighters": 2000,
        "factions__blue__rules__conscript__with__rate": pytest.approx(0.02),
        "factions__blue__rules__conscript__with__max_share": pytest.approx(0.3)}


def test_mesa_reset_recreates_the_model_with_slider_values(viz_files):
    """What SolaraViz's Reset does: type(model)(**kwargs) with Mesa's own kwargs builder."""
    model = VizModel(viz_files["what_if"])
    assert [u.fighters for u in model.unit_list] == [2000]
    params = {**initial_kwargs(model_params(model.definition, viz_files["what_if"])),
              "seed": "11", "factions__red__forces__r1__fighters": 3500}
    kwargs = _build_model_init_kwargs(model, params, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    assert "scenario" in kwargs  # Mesa adds a fresh Scenario of the model's own kind
    again = type(model)(**kwargs)
    assert [u.fighters for u in again.unit_list] == [3500]
    assert again.seed == 11
    assert again.spec.name == "line what-if"


def test_guarded_class_reports_a_failed_reset_and_keeps_the_last_model(viz_files):
    seen: list[str] = []
    ok: list[bool] = []
    keep = object()
    cls = guarded_model_class(lambda exc: seen.append(str(exc)) or keep, lambda: ok.append(True))
    good = cls(scenario_file=viz_files["what_if"], seed="3")
    assert isinstance(good, VizModel) and type(good) is cls and ok == [True]
    assert cls(scenario_file=viz_files["what_if"], seed="x") is keep
    assert seen == ["seed must be a whole number, got 'x'"]
    assert cls(scenario_file=viz_files["broken"]) is keep
    assert "nowhere" in seen[-1]


# ------------------------------------------------------------------------------ map
def test_map_is_svg_with_a_town_group_per_town_filled_with_its_holder():
    model = TerritoryModel(DATA / "line.yaml")
    svg = draw(model)
    towns = towns_of(svg)
    assert list(towns) == ["w0", "w1", "mid", "e1", "e0"]
    assert {t: fill(g) for t, g in towns.items()} == {
        "w0": RED, "w1": RED, "mid": BLUE, "e1": BLUE, "e0": BLUE}
    assert [g.get("data-controller") for g in towns.values()] == ["red", "red", "blue",
                                                                  "blue", "blue"]
    title = towns["mid"].find(f"{SVG}title").text
    assert title == town_tooltip(run_info(model), snapshot(model), 2) == (
        "Middle\nheld by Blue Guard\ngarrison 100 fighters\npopulation 5,000\nnot besieged")
    root = ET.fromstring(svg)
    assert root.get("data-date") == "2020-01-01"


def test_map_recolours_a_town_that_changes_hands_and_rings_it_that_day():
    model = TerritoryModel(DATA / "line.yaml")
    model.run(2)  # red takes Middle on day 2
    towns = towns_of(draw(model))
    assert fill(towns["mid"]) == RED and towns["mid"].get("data-controller") == "red"
    assert towns["mid"].get("data-changed") == "true"
    assert any(c.get("class") == "captured" for c in towns["mid"].iter(f"{SVG}circle"))
    model.step()
    assert towns_of(draw(model))["mid"].get("data-changed") == "false"


def test_map_shows_units_with_strength_also_on_the_road():
    model = TerritoryModel(DATA / "line.yaml")
    model.step()  # the brigade is on the road from West 1 to Middle
    root = ET.fromstring(draw(model))
    units = [g for g in root.iter(f"{SVG}g") if g.get("class") == "unit"]
    assert [(g.get("data-units"), g.get("data-moving"), g.get("data-fighters")) for g in units] \
        == [("r1", "true", "2000")]
    label = units[0].find(f"{SVG}text").text
    assert label == "2,000"
    tip = units[0].find(f"{SVG}title").text
    assert "on the road from West 1 to Middle" in tip
    frame = MapFrame.fit(model.world.lat, model.world.lon)
    x = float(units[0].find(f"{SVG}polygon").get("points").split()[0].split(",")[0])
    assert frame.x(38.2) < x < frame.x(38.4)


def test_map_keeps_the_aspect_ratio_of_the_ground():
    lat, lon = np.array([34.0, 36.0]), np.array([38.0, 41.0])
    f = MapFrame.fit(lat, lon)
    px_per_deg_lon = float(f.x(39.0) - f.x(38.0))
    px_per_deg_lat = float(f.y(34.0) - f.y(35.0))
    assert px_per_deg_lon / px_per_deg_lat == pytest.approx(np.cos(np.radians(35.0)))
    assert f.height / f.width == pytest.approx(
        (2.0 * f.scale + 2 * 24) / (3.0 * np.cos(np.radians(35.0)) * f.scale + 2 * 24))


def test_default_map_marks_sieges_fronts_features_and_a_close_up_of_the_city():
    model = TerritoryModel(DEFAULT)
    svg = draw(model)
    root = ET.fromstring(svg)
    towns = towns_of(svg)
    besieged = {model.world.ids[i] for i in np.flatnonzero(model.besieged)}
    assert besieged  # the enclave is besieged on day 0
    for tid, g in towns.items():
        ring = any(c.get("class") == "siege" for c in g.iter(f"{SVG}circle"))
        assert ring == (tid in besieged) == (g.get("data-besieged") == "true")
    fronts = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "fronts")
    front = front_mask(run_info(model), snapshot(model))
    assert len(fronts.findall(f"{SVG}line")) == int(front.sum()) > 0
    features = {g.get("data-feature-id") for g in root.iter(f"{SVG}g")
                if g.get("class") == "feature"}
    assert "euphrates" in features
    inset = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "inset")
    assert inset.get("data-title") == "Deir ez-Zor"
    # the city's districts; the industrial zone lies ~10 km north, on the Hasakah road
    districts = {t for t in model.world.ids if t.startswith("dez_")} - {"dez_industrial_zone"}
    assert districts <= set(towns_of(svg, "inset"))
    assert not any(g.get("class") == "inset" for g in ET.fromstring(
        draw(TerritoryModel(DATA / "line.yaml"))).iter(f"{SVG}g"))


def _crossing_marks(model: TerritoryModel) -> list[tuple[str, str]]:
    root = ET.fromstring(draw(model))
    return sorted((g.get("data-crossing"), g.get("data-state")) for g in root.iter(f"{SVG}g")
                  if g.get("class") == "crossing-mark")


def test_map_marks_open_crossings_and_crosses_out_closed_ones_as_the_days_change():
    model = TerritoryModel(DATA / "river.yaml")  # pontoon closed until built; ferry sunk day 4
    assert _crossing_marks(model) == [("north_ferry", "open"), ("south_pontoon", "closed")]
    root = ET.fromstring(draw(model))
    shut = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "closed-roads")
    assert {(x.get("data-from"), x.get("data-to")) for x in shut.iter(f"{SVG}line")} == {
        ("bank_w", "bank_e")}
    legend = legend_html(run_info(model), snapshot(model))
    assert "river crossing, open (ferry)" in legend
    assert "closed crossing or highway" in legend
    model.run(5)
    assert _crossing_marks(model) == [("north_ferry", "closed"), ("south_pontoon", "open")]
    assert "river crossing, open (pontoon)" in legend_html(run_info(model), snapshot(model))
    assert "closed crossing" not in legend_html(run_info(TerritoryModel(DATA / "line.yaml")),
                                                snapshot(TerritoryModel(DATA / "line.yaml")))


# ------------------------------------------------------------------------------ other panels
def test_charts_have_a_line_per_faction_over_the_days_so_far():
    model = TerritoryModel(DATA / "line.yaml").run(3)
    for metric, title in METRICS:
        root = ET.fromstring(chart_svg(run_info(model), series(model), metric, title, model.day))
        lines = {p.get("data-faction"): p for p in root.iter(f"{SVG}polyline")}
        assert list(lines) == ["red", "blue"]
        assert lines["red"].get("stroke") == RED
        assert len(lines["red"].get("points").split()) == 4  # days 0..3
    towns = ET.fromstring(chart_svg(run_info(model), series(model), "towns", "Towns held", 3))
    red = next(p for p in towns.iter(f"{SVG}polyline") if p.get("data-faction") == "red")
    assert red.find(f"{SVG}title").text == "Red Army: 4 on day 3"


def test_event_log_is_newest_first_and_limited():
    model = TerritoryModel(DATA / "line.yaml").run(6)
    html = event_log_html(events(model), limit=3)
    items = re.findall(r'<li data-kind="(\w+)"', html)
    assert items == [e.kind for e in reversed(model.events[-3:])]
    assert "Red Army captures East 0 from Blue Guard" in html
    assert "nothing yet" in event_log_html(events(TerritoryModel(DATA / "line.yaml")))
    quiet = event_log_html(events(model), routine=False)
    assert "data-kind=\"battle\"" not in quiet and "data-kind=\"conscription\"" not in quiet
    assert re.findall(r"data-kind=\"(\w+)\"", quiet) == ["capture"] * 3


def test_date_legend_and_run_values():
    model = TerritoryModel(DATA / "line.yaml")
    info, state = run_info(model), snapshot(model)
    assert 'data-date="2020-01-01"' in date_html(info, state)
    assert "Wednesday 1 January 2020" in date_html(info, state)
    legend = legend_html(info, state)
    assert 'data-colour="#cc0000"' in legend and "Red Army" in legend and "Blue Guard" in legend
    assert run_html(info) == ""


def test_run_values_show_what_this_run_uses(viz_files):
    model = VizModel(viz_files["what_if"], factions__red__forces__r1__fighters=3000)
    html = run_html(run_info(model))
    assert 'data-tunable="factions.red.forces.r1.fighters" data-value="3000"' in html
    assert "Red brigade fighters: <b>3,000</b>" in html
    assert "Blue conscription rate: <b>0.020</b>" in html


# ------------------------------------------------------------------------------ the page
def _html(rc: Any, testid: str) -> list[str]:
    return [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
            if (w.attributes or {}).get("data-testid") == testid
            or f'data-testid="{testid}"' in (w.unsafe_innerHTML or "")]


def _date(rc: Any) -> str:
    (html,) = _html(rc, "sim-date")
    return re.search(r'data-date="([\d-]+)"', html).group(1)


@pytest.fixture
def page(viz_files):
    cat = ScenarioCatalogue.build([viz_files["what_if"].parent], viz_files["what_if"])
    _box, rc = solara.render(solara.AppLayout(children=[Page(cat)]), handle_error=False)
    yield rc
    rc.close()


def test_page_steps_one_day_and_resets(page):
    assert _date(page) == "2020-01-01"
    page.find(v.Btn, children=["Step"]).widget.click()
    assert _date(page) == "2020-01-02"
    page.find(v.Btn, children=["Reset"]).widget.click()
    assert _date(page) == "2020-01-01"
    assert len(_html(page, "map")) == 1


def test_page_picker_switches_scenario_and_shows_a_broken_one_like_the_cli(page, viz_files,
                                                                         capsys):
    select = page.find(v.Select, label="Scenario file").widget
    assert select.items == ["what_if.yaml", "broken.yaml", "later.yaml", "weak.yaml"]
    select.v_model = "later.yaml"
    assert _date(page) == "2021-06-01"
    select.v_model = "broken.yaml"
    assert _html(page, "sim-date") == []
    (problem,) = _html(page, "problem")
    assert main(["validate", str(viz_files["broken"].resolve())]) == 2
    cli = capsys.readouterr().err.strip()
    assert problem == cli.replace("'", "&#x27;")
    select.v_model = "../../etc/passwd.yaml"  # not offered: ignored
    assert _html(page, "problem") == [problem]
    select.v_model = "what_if.yaml"
    assert _date(page) == "2020-01-01" and _html(page, "problem") == []


def test_page_reset_applies_sliders_and_reports_a_bad_seed(page):
    slider = page.find(v.Slider, label="Red brigade fighters: 2,000").widget
    slider.v_model = 3000
    page.find(v.Btn, children=["Reset"]).widget.click()
    (run,) = _html(page, "run-tunables")
    assert 'data-value="3000"' in run
    page.find(v.Btn, children=["Step"]).widget.click()
    seed = page.find(v.TextField, label="Seed (applies on Reset)").widget
    seed.v_model = "abc"
    seed.fire_event("focusout")
    page.find(v.Btn, children=["Reset"]).widget.click()
    (problem,) = _html(page, "problem")
    assert problem == "frontline: error: seed must be a whole number, got &#x27;abc&#x27;"
    assert _date(page) == "2020-01-02"  # the last good run stays
    page.find(v.Btn, children=["Dismiss"]).widget.click()
    assert _html(page, "problem") == []


# ------------------------------------------------------------------------------ the command
def test_viz_command_refuses_a_broken_scenario_like_run_does(viz_files, capsys):
    assert main(["viz", str(viz_files["broken"])]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frontline: error: 1 problem found:") and "nowhere" in err


def test_viz_command_refuses_a_port_in_use(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["viz", str(DATA / "line.yaml"), "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_viz_command_serves_the_app_with_solara(monkeypatch, capsys):
    calls: list[tuple[list[str], dict[str, str]]] = []

    class FakePopen:
        def __init__(self, cmd: list[str], env: dict[str, str], **_: Any):
            calls.append((cmd, env))

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["viz", str(DATA / "line.yaml"), "--port", str(port)]) == 0
    assert capsys.readouterr().out == (
        f"frontline viz: line at http://127.0.0.1:{port} (Ctrl+C stops it)\n")
    ((cmd, env),) = calls
    assert cmd == solara_command("127.0.0.1", port)
    assert cmd[-7:] == ["--host", "127.0.0.1", "--port", str(port), "--production",
                        "--no-open", "--no-check-version"]
    assert Path(cmd[4]).name == "app.py"
    assert env[ENV_SCENARIO] == str((DATA / "line.yaml").resolve())
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_public_names_of_viz_import():
    import importlib

    for name in ("app", "catalogue", "charts", "components", "mapview", "params", "server"):
        module = importlib.import_module(f"viz.{name}")
        for public in module.__all__:
            assert getattr(module, public) is not None, f"viz.{name}.{public}"


def test_catalogue_skips_symlinks_that_lead_out_of_the_scenario_folder(tmp_path):
    from viz.catalogue import ScenarioCatalogue

    folder = tmp_path / "scenarios"
    folder.mkdir()
    outside = tmp_path / "secret.yaml"
    outside.write_text("format: 1\n")
    (folder / "ok.yaml").write_text("format: 1\n")
    (folder / "alias.yaml").symlink_to(folder / "ok.yaml")  # stays inside: offered
    (folder / "leak.yaml").symlink_to(outside)
    cat = ScenarioCatalogue.build([folder])
    assert "leak.yaml" not in cat.labels and "secret.yaml" not in cat.labels
    assert cat.labels == ["ok.yaml"]
