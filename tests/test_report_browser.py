"""report.html in a real headless Chromium (Debian's, driven by Playwright), opened from file://.

Every request the page makes is routed through the test: anything but the report file itself
and data: URLs fails the test. Everything is read from the page's DOM. Screenshots go to
test-artifacts/. Without chromium these tests are skipped, except in CI (``CI`` set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import DATA, DEFAULT, ROOT

from sim.cli import main

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
RED, BLUE = "#cc0000", "#0000cc"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        reason = "report browser tests need the playwright package and /usr/bin/chromium"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """report.html of the line scenario (by ``frontline run``) and of the default scenario."""
    from sim.htmlreport import write_run_report
    from sim.model import TerritoryModel
    from sim.rundata import attach_trail, run_data

    line = tmp_path_factory.mktemp("line")
    assert main(["run", str(DATA / "line.yaml"), "--out", str(line), "--quiet"]) == 0
    model = TerritoryModel(DEFAULT)
    attach_trail(model)
    report = tmp_path_factory.mktemp("default") / "report.html"
    write_run_report(run_data(model.run()), report)  # what `frontline run --out` writes
    return {"line": line / "report.html", "default": report}


def _open(browser: Any, report: Path, name: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.problems = []
    pg.requests = []

    def route(r: Any) -> None:
        url = r.request.url
        pg.requests.append(url)
        if url.startswith(("file://", "data:")):
            r.continue_()
        else:
            pg.problems.append(f"network request: {url}")
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: m.type in ("error", "warning") and pg.problems.append(
        f"console {m.type}: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.goto(report.as_uri())
    pg.wait_for_selector("body[data-ready='1']")
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def line(browser: Any, runs: dict[str, Path], request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from _open(browser, runs["line"], request.node.name)


@pytest.fixture
def default(browser: Any, runs: dict[str, Path], request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from _open(browser, runs["default"], request.node.name)


def fills(pg: Any) -> dict[str, str]:
    """Town id -> fill colour on the main map."""
    return dict(pg.eval_on_selector_all(
        "#map-main circle.town", "cs => cs.map(c => [c.dataset.town, c.getAttribute('fill')])"))


def set_slider(pg: Any, day: int) -> None:
    pg.eval_on_selector("#day", "(s, d) => { s.value = d; s.dispatchEvent(new Event('input')); }",
                        day)
    pg.wait_for_function("d => document.body.dataset.day === String(d)", arg=day)


def test_slider_moves_the_map_units_front_and_chart_marker(line: Any) -> None:
    assert line.title() == "line (seed 7)"
    assert fills(line) == {"w0": RED, "w1": RED, "mid": BLUE, "e1": BLUE, "e0": BLUE}
    assert line.locator("#map-main line.road.front").count() == 1
    unit = "#map-main path.unit[data-unit=r1]"
    at_start = line.eval_on_selector(unit, "u => u.style.transform")
    marker = line.eval_on_selector(".day-marker", "m => m.getAttribute('x1')")
    set_slider(line, 2)
    assert line.inner_text("#date-label") == "3 Jan 2020 (day 2 of 30)"
    assert fills(line) == {"w0": RED, "w1": RED, "mid": RED, "e1": BLUE, "e0": BLUE}
    assert line.locator("#map-main circle.town.taken").evaluate_all(
        "cs => cs.map(c => c.dataset.town)") == ["mid"]
    assert line.eval_on_selector(unit, "u => u.style.transform") != at_start
    assert line.eval_on_selector(".day-marker", "m => m.getAttribute('x1')") != marker
    set_slider(line, 30)
    assert set(fills(line).values()) == {RED}
    assert line.locator("#map-main line.road.front").count() == 0
    assert line.problems == []


def test_clicking_an_event_or_a_sentence_moves_the_slider(line: Any) -> None:
    line.locator(".log .ev", has_text="Red Army captures East 0 from Blue Guard").click()
    assert line.input_value("#day") == "5"
    assert fills(line)["e0"] == RED
    assert line.locator("#map-main circle.focus").evaluate_all(
        "cs => cs.map(c => c.dataset.town)") == ["e0"]  # the event's town is ringed
    assert line.locator(".log .ev.today").count() >= 1
    line.locator("#narrative a", has_text="took Middle").click()
    assert line.input_value("#day") == "2"
    assert line.locator("#map-main circle.focus").count() == 0
    line.fill("#jump", "2020-01-05")
    line.dispatch_event("#jump", "change")
    assert line.input_value("#day") == "4"
    assert line.problems == []


def test_battles_are_hidden_until_asked_for(line: Any) -> None:
    battles = line.locator(".log .ev.battle")
    assert battles.count() == 4
    assert all(not b.is_visible() for b in battles.all())
    line.check("input[data-kind=battle]")
    assert all(b.is_visible() for b in battles.all())
    assert line.problems == []


def test_play_runs_the_timeline_forward_and_pause_stops_it(line: Any) -> None:
    line.select_option("#speed", "120")
    line.click("#play")
    line.wait_for_function("() => Number(document.body.dataset.day) >= 3")
    assert line.eval_on_selector("body", "b => b.dataset.playing") == "1"
    line.click("#play")
    # the click cleared the timer (body[data-playing=0]), so no frame comes after it: the next
    # day is the button's, one day on, whatever the time since
    assert line.eval_on_selector("body", "b => b.dataset.playing") == "0"
    stopped = int(line.input_value("#day"))
    assert line.inner_text("#play").strip().endswith("play")
    line.click("#next")
    assert line.input_value("#day") == str(stopped + 1)


def thumb_centre(pg: Any) -> float:
    """Where the slider's thumb is drawn: the middle of its pixels in a screenshot (page x)."""
    import io

    from PIL import Image

    box = pg.locator("#day").bounding_box()
    shot = Image.open(io.BytesIO(pg.screenshot(clip=box))).convert("RGB")
    thumb = (0x1F, 0x4E, 0x9A)  # the thumb's colour (report.css, .track)
    xs = [x for x in range(shot.width) for y in range(shot.height)
          if sum(abs(a - b) for a, b in zip(shot.getpixel((x, y)), thumb, strict=True)) < 30]
    assert xs, "no thumb drawn"
    return box["x"] + (min(xs) + max(xs) + 1) / 2


def test_each_observed_tick_sits_under_the_slider_thumb_of_its_day(sweep: Any) -> None:
    def ticks() -> dict[int, float]:
        """Day -> the page x of the middle of its tick."""
        sweep.wait_for_function(  # the strip is drawn again when its width changes
            "() => { const s = document.getElementById('obs-strip');"
            " return Math.abs(s.viewBox.baseVal.width - s.getBoundingClientRect().width) < 0.5; }")
        return dict(sweep.eval_on_selector_all(
            "#obs-strip g.tick", "gs => gs.map(g => [Number(g.dataset.day),"
            " (r => r.x + r.width / 2)(g.querySelector('rect.mark').getBoundingClientRect())])"))

    assert sorted(ticks()) == [3, 4, 9, 19]
    for width in (1600, 1100):
        sweep.set_viewport_size({"width": width, "height": 1000})
        widths = set()
        for day in (0, 3, 4, 9, 19, 20):
            set_slider(sweep, day)
            widths.add(sweep.locator("#day").bounding_box()["width"])
            thumb = thumb_centre(sweep)
            strip = sweep.locator("#obs-strip").bounding_box()
            x = ticks().get(day, {0: strip["x"], 20: strip["x"] + strip["width"]}.get(day))
            assert abs(thumb - x) <= 2, f"day {day} at {width} px: tick {x}, thumb {thumb}"
        assert len(widths) == 1  # the slider keeps its width whatever the date label says
    assert sweep.problems == []


@pytest.fixture
def river(browser: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """report.html of tests/data/river.yaml: the pontoon closed on days 0-3, the ferry after."""
    assert main(["run", str(DATA / "river.yaml"), "--out", str(tmp_path), "--quiet"]) == 0
    yield from _open(browser, tmp_path / "report.html", request.node.name)


def crossing_marks(pg: Any) -> list[list[str]]:
    return sorted(pg.eval_on_selector_all(
        "#map-main g.crossing-marks > *",
        "ms => ms.map(m => [m.dataset.road, m.dataset.state])"))


def test_the_report_map_marks_open_crossings_and_crosses_out_closed_ones(river: Any) -> None:
    assert crossing_marks(river) == [["2", "open"], ["3", "closed"]]  # ferry, pontoon
    assert river.locator("#map-main line.road.closed").count() == 1
    assert river.locator("#legend [data-legend=crossing-closed]").inner_text().strip() == (
        "closed crossing or highway")
    assert river.locator("#legend [data-legend=crossing-open]").inner_text().strip() == (
        "open crossing (ferry, pontoon)")
    set_slider(river, 4)  # blue sank the ferry; red's sappers built the pontoon
    assert crossing_marks(river) == [["2", "closed"], ["3", "open"]]
    set_slider(river, 3)
    assert crossing_marks(river) == [["2", "open"], ["3", "closed"]]
    assert river.problems == []


def test_default_report_offline_labels_never_overlap(default: Any) -> None:
    assert default.problems == []
    assert default.requests == [default.url]
    from sim.scenario import load_scenario

    towns = len(load_scenario(DEFAULT).scenario.towns)
    assert default.locator("#map-zoom circle.town").count() == towns  # the close-up draws all
    assert default.locator("#narrative p").count() >= 5
    boxes = default.eval_on_selector_all(
        "#map-main text.town-label, #map-main circle.town",
        "es => es.map(e => { const b = e.getBBox(); return [e.tagName, e.dataset.town,"
        " b.x, b.y, b.x + b.width, b.y + b.height]; })")
    labels = [b for b in boxes if b[0] == "text"]
    assert len(labels) >= 30
    names = default.eval_on_selector_all("#map-main text.town-label",
                                         "ts => ts.map(t => t.textContent)")
    assert {"Numeisa", "al-Jaber", "al-Khamisiya", "Ghanem al-Ali"} <= set(names)
    for a in labels:
        for b in boxes:
            if b is a or (b[0] == "circle" and b[1] == a[1]):
                continue
            overlap = (a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5
                       and a[3] < b[5] - 0.5 and b[3] < a[5] - 0.5)
            assert not overlap, f"label {a[1]} overlaps {b[0]} {b[1]}"
    set_slider(default, 11)
    from sim.model import TerritoryModel

    day11 = TerritoryModel(DEFAULT).run(11)  # the page says what the model held on day 11
    assert (f"Syrian Arab Army: {day11.stats('saa')['towns']} towns"
            in default.inner_text("#day-summary"))
    assert default.problems == []


@pytest.fixture(scope="module")
def sweep_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of tests/data/sweep_line.yaml (18 runs of the line scenario)."""
    from sim.htmlreport import write_sweep_report
    from sim.sweep.observed import markers, read_observed
    from sim.sweep.report import load_results

    folder = tmp_path_factory.mktemp("sweep")
    results = folder / "r.parquet"
    assert main(["sweep", str(DATA / "sweep_line.yaml"), "--workers", "1",
                 "--out", str(results)]) == 0
    # the page `frontline report` writes last (tests/test_sweep_report.py runs the whole report)
    meta, df = load_results(results)
    marks, _ = markers(read_observed(DATA / "obs_line.yaml", meta), meta)
    return write_sweep_report(meta, df, results, folder, marks)


@pytest.fixture
def sweep(browser: Any, sweep_report: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from _open(browser, sweep_report, request.node.name)


def test_sweep_report_shows_probabilities_by_date_and_fans(sweep: Any) -> None:
    pie = "#map-main g.pie[data-town=e0]"
    assert sweep.input_value("#day") == "20"
    assert sweep.eval_on_selector(pie, "g => g.dataset.p") == "0.667,0.333,0"
    assert sweep.locator(f"{pie} path").count() == 2  # two wedges: red and blue
    set_slider(sweep, 0)
    assert sweep.eval_on_selector(pie, "g => g.dataset.p") == "0,1,0"
    assert sweep.locator("#doubt tr[data-town]").count() == 0
    set_slider(sweep, 5)
    assert sweep.locator("#doubt tr[data-town]").evaluate_all(
        "rs => rs.map(r => r.firstChild.textContent)") == ["East 1", "East 0"]
    assert sweep.locator("#fans .chart").count() == 5  # every metric but the holder of mid
    assert sweep.locator("#fans .chart[data-metric='capture_day.e0.red'] text.never").evaluate_all(
        "ts => ts.map(t => t.textContent)") == ["0%", "67%"]
    sweep.select_option("#fan-param", "factions.red.forces.r1.fighters")
    assert sweep.locator("#fans .chart[data-metric='capture_day.e0.red'] text.never").evaluate_all(
        "ts => ts.map(t => t.textContent)") == ["50%", "50%", "0%"]
    assert sweep.problems == []
    assert sweep.requests == [sweep.url]


def test_sweep_report_marks_observed_events_on_timeline_map_and_fans(sweep: Any) -> None:
    ticks = sweep.locator("#obs-strip g.tick")
    assert ticks.evaluate_all("gs => gs.map(g => g.dataset.obs)") == [
        "mid_falls", "e0_falls", "blue_conscripts", "e1_blue"]
    fan = "#fans .chart[data-metric='capture_day.e0.red']"
    assert sweep.locator(f"{fan} g.observed").evaluate_all(
        "gs => gs.map(g => g.dataset.obs)") == ["e0_falls"]
    ring = "#map-main circle.obs-ring[data-obs=mid_falls]"
    assert sweep.eval_on_selector(ring, "c => c.style.display") == "none"  # day 20
    sweep.click("#observed tr[data-obs=mid_falls]")
    assert sweep.input_value("#day") == "3"
    assert sweep.eval_on_selector(ring, "c => c.style.display") == ""
    assert sweep.locator("#observed tr.now").evaluate_all(
        "rs => rs.map(r => r.dataset.obs)") == ["mid_falls"]  # 3 +- 1; not conscription on 4
    set_slider(sweep, 5)  # out of mid_falls' window (day 3 +- 1)
    assert sweep.eval_on_selector(ring, "c => c.style.display") == "none"
    sweep.click("#obs-strip g.tick[data-obs=e0_falls] rect >> nth=-1")
    assert sweep.input_value("#day") == "19"
    assert sweep.problems == []


@pytest.fixture(scope="module")
def river_sweep_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sweep report of tests/data/sweep_river.yaml (2 runs that disagree on the pontoon),
    and the same results without their ``closed`` column (as a sweep made before it had one)."""
    from sim.htmlreport import write_sweep_report
    from sim.sweep.report import load_results

    folder = tmp_path_factory.mktemp("river_sweep")
    results = folder / "r.parquet"
    assert main(["sweep", str(DATA / "sweep_river.yaml"), "--workers", "1",
                 "--out", str(results)]) == 0
    meta, df = load_results(results)
    old = folder / "old"
    old.mkdir()
    return {"new": write_sweep_report(meta, df, results, folder),
            "old": write_sweep_report(meta, df.drop(columns="closed"), results, old)}


def crossing_rows(pg: Any) -> list[list[str]]:
    return pg.eval_on_selector_all(
        "#crossings tr", "rs => rs.map(r => [r.dataset.road, r.dataset.state,"
        " r.lastChild.textContent])")


def test_the_sweep_map_draws_crossings_closed_in_all_some_or_no_runs(
        browser: Any, river_sweep_reports: dict[str, Path]) -> None:
    pages = _open(browser, river_sweep_reports["new"], "sweep-river")
    pg = next(pages)
    legend = {k: pg.locator(f"#legend [data-legend=crossing-{k}]").inner_text().strip()
              for k in ("open", "closed", "some")}
    assert legend == {"open": "crossing open in every run (ferry, pontoon)",
                      "closed": "crossing or highway closed in every run",
                      "some": "closed in some runs only (the share: hover, or the table beside)"}
    assert pg.input_value("#day") == "8"  # the ferry sunk in both runs, the pontoon built in one
    assert crossing_marks(pg) == [["2", "closed"], ["3", "some"]]
    assert pg.locator("#map-main line.road.some").count() == 1
    assert crossing_rows(pg) == [["2", "closed", "closed in all 2 runs"],
                                 ["3", "some", "closed in 1 of 2 runs (50%)"]]
    assert "the southern pontoon (pontoon" in pg.eval_on_selector(
        "#map-main g.crossing-marks [data-road='3'] title", "t => t.textContent")
    set_slider(pg, 3)  # before day 4: the pontoon not yet built in any run, the ferry running
    assert crossing_marks(pg) == [["2", "open"], ["3", "closed"]]
    assert crossing_rows(pg)[0] == ["2", "open", "open in all 2 runs"]
    assert pg.locator("#map-main line.road.closed").count() == 1
    assert pg.problems == []
    next(pages, None)

    pages = _open(browser, river_sweep_reports["old"], "sweep-river-unrecorded")
    pg = next(pages)
    assert crossing_marks(pg) == [["2", "open"], ["3", "closed"]]  # the start, said so
    assert "do not record" in pg.inner_text("#legend [data-legend=crossing-unrecorded]")
    assert pg.locator("#legend [data-legend=crossing-some]").count() == 0
    assert crossing_rows(pg)[1] == ["3", "closed", "closed at the start"]
    assert pg.problems == []
    next(pages, None)
