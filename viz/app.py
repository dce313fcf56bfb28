"""The Solara page of ``frontline viz``: the run's controls around frontline's own panels.

Run it with ``frontline viz [SCENARIO]`` (see :mod:`viz.server`), or directly with
``solara run viz/app.py``. Each browser session gets its own model. The page shows one run
day by day, replays any earlier day of it, compares it with a second run, or maps a sweep's
probabilities of control; the day on screen downloads as PNG or GeoJSON.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, cast

import solara
import solara.server.settings
from mesa.visualization.utils import update_counter

from sim.errors import FrontlineError
from sim.scenario import load_scenario
from viz.adapter import events, series
from viz.catalogue import ScenarioCatalogue
from viz.compare import Compared, CompareView
from viz.components import (
    ChartsPanel,
    EventLog,
    HtmlPanel,
    ProblemPanel,
    ScenarioPicker,
    date_html,
    legend_html,
    run_html,
)
from viz.controls import RunControls
from viz.ensemble import ENV_RESULTS_DIRS, Ensemble, find_results
from viz.ensemble_view import EnsembleView
from viz.export import caption, export_name, geojson_day, png_of_svg
from viz.mapview import map_svg
from viz.params import VizModel, initial_kwargs, model_params, parse_seed
from viz.runs import bound_class, tape_of
from viz.sidebar import ComparePanel, EnsemblePanel, ParamsPanel

__all__ = ["Campaign", "DayBar", "MainView", "Opened", "Page", "open_scenario",
           "results_offered"]

CATALOGUE = ScenarioCatalogue.from_env()
# Solara's "This website runs on Solara" corner banner would cover the event log
solara.server.settings.theme.show_banner = False
PAGE_CSS = """
.v-input__slider .v-label {white-space: normal; height: auto; line-height: 1.25;
                           max-width: 62%; font-size: 14px}
.v-input__slider .v-input__slot {min-height: 32px; height: auto}
"""
MAP_HEIGHT = "calc(100vh - 260px)"  # map, legend and the rows above it fit in the window


@dataclass(frozen=True)
class Opened:
    """A scenario picked in the page: its file, parameters, or why it cannot run."""

    label: str
    path: Path | None = None
    params: dict[str, Any] | None = None
    problem: str = ""


def open_scenario(catalogue: ScenarioCatalogue, label: str) -> Opened:
    """Check a scenario the catalogue offers; a user error becomes ``problem`` (its message)."""
    try:
        path = catalogue.resolve(label)
        loaded = load_scenario(path)
    except FrontlineError as exc:
        return Opened(label, problem=str(exc))
    return Opened(label, path, model_params(loaded, path))


@solara.component
def DayBar(latest: int, day: int, on_day: Any, downloads: tuple[str, Any, str, str]) -> None:
    """The replay scrubber (any day of the run so far) and the day's downloads."""
    svg, geo, stem, title = downloads
    with solara.Row(style="align-items:center;gap:12px;flex-wrap:nowrap"):
        with solara.Div(style="flex:1 1 auto;min-width:200px"):
            solara.SliderInt(f"Replay: day {day} of the {latest} run so far", value=day, min=0,
                             max=max(latest, 1), on_value=on_day, disabled=latest == 0,
                             thumb_label=False)
        solara.Button("Latest day", small=True, outlined=True, disabled=day == latest,
                      on_click=lambda: on_day(latest))
        solara.FileDownload(lambda: png_of_svg(svg, title), filename=f"{stem}.png",
                            label="PNG", mime_type="image/png")
        solara.FileDownload(geo, filename=f"{stem}.geojson", label="GeoJSON",
                            mime_type="application/geo+json")


@solara.component
def Campaign(opened: Opened, catalogue: ScenarioCatalogue, results: dict[str, Path]) -> None:
    """One scenario's run: the controls (viz.controls), the parameters, and the panels.

    The model class is made for this scenario (it binds the file, see :mod:`viz.runs`), so
    Reset always runs the scenario picked; a FrontlineError raised when Reset re-creates the
    model is shown above the map (the last good model stays).
    """
    problem = solara.use_reactive("")
    last_good = solara.use_ref(cast(VizModel | None, None))
    bound = solara.use_memo(lambda: initial_kwargs(opened.params or {}), [])

    def failed(exc: FrontlineError) -> VizModel | None:
        if last_good.current is None:
            raise exc
        problem.set(str(exc))
        return last_good.current

    def first() -> tuple[VizModel | None, str]:
        cls = bound_class(bound, failed, lambda: problem.set(""))
        try:
            return cls(), ""
        except FrontlineError as exc:
            return None, str(exc)

    initial, first_problem = solara.use_memo(first, [])
    model = solara.use_reactive(initial)
    values = solara.use_reactive(dict(bound))
    view = solara.use_reactive((0, -1, 0))  # (day shown, at which latest day, of which model)
    compared = solara.use_reactive(cast(Compared | None, None))
    ensemble = solara.use_reactive(cast(Ensemble | None, None))
    ens_day = solara.use_reactive(0)
    ens_faction = solara.use_reactive("")
    play_interval = solara.use_reactive(150)
    render_interval = solara.use_reactive(1)
    last_good.current = model.value
    message = problem.value or first_problem
    name = model.value.spec.name if model.value is not None else opened.label

    def compare(label: str, seed_text: str) -> None:
        other = open_scenario(catalogue, label)
        if other.path is None:
            problem.set(other.problem)
            return
        try:
            seed = parse_seed(seed_text)
            kwargs = {**initial_kwargs(other.params or {}),
                      **({"seed": seed} if seed is not None else {})}
            made = Compared(f"{label} · seed {seed if seed is not None else 'its own'}",
                            kwargs)
        except FrontlineError as exc:
            problem.set(str(exc))
            return
        compared.set(made)

    with solara.Column(gap="6px", style="padding:0 12px 8px 12px") as main:
        solara.Title(f"{name} · frontline")
        solara.Style(PAGE_CSS)
        with solara.Div(style="display:none"), solara.AppBar():
            solara.AppBarTitle(f"frontline · {name}")
        with solara.Div(style="display:none"), solara.Sidebar(), \
                solara.Column(gap="10px").key(f"sidebar-{opened.label}"):
            # which scenario these controls act on (the tests wait for it after a pick)
            HtmlPanel(f'<span data-scenario="{escape(opened.label)}"></span>', "controls-of")
            if model.value is not None:
                with solara.Card("Controls", margin=0):
                    RunControls(model, values, play_interval, render_interval)
                    solara.SliderInt(f"Play interval: {play_interval.value} ms",
                                     value=play_interval, min=10, max=1000, step=10,
                                     thumb_label=False)
                    solara.SliderInt(f"Days per redraw while playing: {render_interval.value}",
                                     value=render_interval, min=1, max=30, thumb_label=False)
                ParamsPanel(opened.params or {}, values)
                ComparePanel(catalogue.labels, opened.label,
                             compared.value.label if compared.value else "", compare,
                             lambda: compared.set(None))
                EnsemblePanel(results, ensemble.value, ensemble.set)
        if message:
            ProblemPanel(message, on_dismiss=lambda: problem.set("") if problem.value else None)
        if model.value is not None:
            MainView(model.value, view, compared.value, ensemble.value, ens_day, ens_faction)
    return main


@solara.component
def MainView(model: VizModel, view: solara.Reactive[tuple[int, int, int]],
             compared: Compared | None, ensemble: Ensemble | None,
             ens_day: solara.Reactive[int], ens_faction: solara.Reactive[str]) -> None:
    """The main area: date, replay bar, and the map(s), charts and events of the day shown.

    Only this part redraws when the controls step the model (``update_counter``).
    """
    update_counter.get()
    tape = tape_of(model)
    latest = tape.last
    day = view.value[0] if view.value[1:] == (latest, id(model)) else latest
    run, state = tape.info, tape.at(day)
    with solara.Column(gap="6px") as main:
        if ensemble is not None:
            EnsembleView(ensemble, run, state, ens_day, ens_faction, MAP_HEIGHT)
            return main
        svg = map_svg(run, state, max_height=MAP_HEIGHT, testid="map-svg")
        HtmlPanel(date_html(run, state, latest), "sim-date-panel")
        DayBar(latest, day, lambda d: view.set((int(d), latest, id(model))),
               (svg, lambda: geojson_day(run, state), export_name(run, state, "x")[:-2],
                caption(run, state)))
        HtmlPanel(run_html(run))
        if compared is not None:
            CompareView(run, state, compared, latest, day)
        else:
            with solara.Columns([7, 5], gutters_dense=True):
                with solara.Column(gap="0px"):
                    HtmlPanel(svg, "map")
                    HtmlPanel(legend_html(run, state))
                with solara.Column(gap="6px"):
                    ChartsPanel(run, series(model), day)
                    EventLog(events(model), day)
    return main


def results_offered() -> dict[str, Path]:
    """Sweep results the page lists: in $FRONTLINE_VIZ_RESULTS_DIRS, else where it started."""
    env = os.environ.get(ENV_RESULTS_DIRS)
    dirs = [Path(d) for d in env.split(os.pathsep) if d] if env else [Path.cwd()]
    return find_results(dirs)


@solara.component
def Page(catalogue: ScenarioCatalogue | None = None,
         results: dict[str, Path] | None = None) -> None:
    """The whole page: the scenario picker, then the chosen scenario's campaign.

    Args:
        catalogue: the scenarios offered (default: those ``frontline viz`` asked for).
        results: the sweep results offered (default: :func:`results_offered`).
    """
    catalogue = catalogue or CATALOGUE
    offered = solara.use_memo(lambda: results if results is not None else results_offered(),
                              [])
    choice = solara.use_reactive(catalogue.default)

    def pick(label: str) -> None:
        if label in catalogue.entries:
            choice.set(label)

    opened = solara.use_memo(lambda: open_scenario(catalogue, choice.value), [choice.value])
    with solara.Column(gap="0px") as main:
        with solara.Div(style="display:none"), solara.Sidebar():
            ScenarioPicker(catalogue.labels, choice.value, pick)
        if opened.path is None:
            with solara.Div(style="display:none"), solara.AppBar():
                solara.AppBarTitle("frontline")
            with solara.Column(style="padding:0 12px"):
                ProblemPanel(opened.problem or "no scenario files found")
        else:
            Campaign(opened, catalogue, offered).key(f"campaign-{choice.value}")
    return main
