"""The Solara page of ``frontline viz``: Mesa's SolaraViz controls around frontline's own panels.

Run it with ``frontline viz [SCENARIO]`` (see :mod:`viz.server`), or directly with
``solara run viz/app.py``. Each browser session gets its own model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from viz.params import VizModel, model_params

__all__ = ["Campaign", "Opened", "Page", "open_scenario"]

CATALOGUE = ScenarioCatalogue.from_env()


@dataclass(frozen=True)
class Opened:
    """A scenario picked in the page: a fresh model and its parameters, or why it cannot run."""

    label: str
    model: VizModel | None = None
    params: dict[str, Any] | None = None
    problem: str = ""


def open_scenario(catalogue: ScenarioCatalogue, label: str) -> Opened:
    """Load a scenario the catalogue offers; a user error becomes ``problem`` (its message)."""
    try:
        path: Path = catalogue.resolve(label)
        loaded = load_scenario(path)
        model = VizModel(loaded.file or path)
    except FrontlineError as exc:
        return Opened(label, problem=str(exc))
    return Opened(label, model, model_params(loaded, path))


@solara.component
def Campaign(opened: Opened) -> None:
    """One scenario's run: SolaraViz's controls and parameters, and the panels."""
    model = solara.use_reactive(opened.model)
    exc, clear = solara.use_exception()
    if exc is not None and not isinstance(exc, FrontlineError):
        raise exc
    SolaraViz(model, components=[], model_params=opened.params,
              name=f"frontline · {model.value.spec.name}")
    with solara.Column(style="padding:4px 12px;gap:12px"):
        if exc is not None:
            ProblemPanel(str(exc), on_dismiss=clear)
        DateBanner(model.value)
        with solara.Columns([7, 5], gutters_dense=True):
            MapPanel(model.value)
            with solara.Column(gap="12px"):
                ChartsPanel(model.value)
                EventLog(model.value)


@solara.component
def Page() -> None:
    """The whole page: the scenario picker, then the chosen scenario's campaign."""
    catalogue = CATALOGUE
    choice = solara.use_reactive(catalogue.default)

    def pick(label: str) -> None:
        if label in catalogue.entries:
            choice.set(label)

    opened = solara.use_memo(lambda: open_scenario(catalogue, choice.value), [choice.value])
    with solara.Sidebar():
        ScenarioPicker(catalogue.labels, choice.value, pick)
    if opened.model is None:
        with solara.AppBar():
            solara.AppBarTitle("frontline")
        with solara.Column(style="padding:12px"):
            ProblemPanel(opened.problem or "no scenario files found")
        return
    Campaign(opened).key(f"campaign-{choice.value}")
