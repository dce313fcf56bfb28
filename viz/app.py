"""The Solara page of ``frontline viz``: Mesa's SolaraViz controls around frontline's own panels.

Run it with ``frontline viz [SCENARIO]`` (see :mod:`viz.server`), or directly with
``solara run viz/app.py``. Each browser session gets its own model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import solara
from mesa.visualization import SolaraViz

from sim.errors import FrontlineError
from sim.scenario import load_scenario
from viz.catalogue import ScenarioCatalogue
from viz.components import (
    ChartsPanel,
    DateBanner,
    EventLog,
    MapPanel,
    ProblemPanel,
    ScenarioPicker,
)
from viz.params import VizModel, guarded_model_class, initial_kwargs, model_params

__all__ = ["Campaign", "Opened", "Page", "open_scenario"]

CATALOGUE = ScenarioCatalogue.from_env()


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
def Campaign(opened: Opened) -> None:
    """One scenario's run: SolaraViz's controls and parameters, and the panels.

    The model class is made for this run, so that a FrontlineError raised when SolaraViz's
    Reset re-creates the model is shown above the map (the last good model stays).
    """
    problem = solara.use_reactive("")
    last_good = solara.use_ref(cast(VizModel | None, None))

    def failed(exc: FrontlineError) -> VizModel | None:
        if last_good.current is None:
            raise exc
        problem.set(str(exc))
        return last_good.current

    def first() -> tuple[VizModel | None, str]:
        cls = guarded_model_class(failed, lambda: problem.set(""))
        try:
            return cls(**initial_kwargs(opened.params or {})), ""
        except FrontlineError as exc:
            return None, str(exc)

    initial, first_problem = solara.use_memo(first, [])
    model = solara.use_reactive(initial)
    last_good.current = model.value
    message = problem.value or first_problem
    with solara.Column(gap="12px", style="padding:0 12px 12px 12px") as main:
        if message:
            ProblemPanel(message, on_dismiss=lambda: problem.set("") if problem.value else None)
        if model.value is not None:
            # SolaraViz puts its controls in the sidebar and app bar; what stays here is empty
            with solara.Div(style="display:none"):
                SolaraViz(model, components=[], model_params=opened.params,
                          name=f"frontline · {model.value.spec.name}")
            DateBanner(model.value)
            with solara.Columns([8, 4], gutters_dense=True):
                MapPanel(model.value)
                EventLog(model.value)
            ChartsPanel(model.value)
    return main


@solara.component
def Page(catalogue: ScenarioCatalogue | None = None) -> None:
    """The whole page: the scenario picker, then the chosen scenario's campaign.

    Args:
        catalogue: the scenarios offered (default: those ``frontline viz`` asked for).
    """
    catalogue = catalogue or CATALOGUE
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
            Campaign(opened).key(f"campaign-{choice.value}")
    return main
