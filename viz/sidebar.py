"""The sidebar's own cards: run parameters (values always shown), compare, and ensembles.

The run's controls (Reset, play/pause, Step: ``viz.controls``) sit above them; these cards
only set state that :mod:`viz.app` owns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import Slider

from sim.errors import FrontlineError
from viz.components import decimals
from viz.ensemble import Ensemble, load_ensemble, load_ensemble_bytes

__all__ = ["ComparePanel", "EnsemblePanel", "ParamsPanel", "slider_label"]


def slider_label(label: str, value: float, step: float) -> str:
    """A slider's label with its value, so the value shows at rest: ``Rate: 0.020``."""
    return f"{label}: {value:,.{decimals(step)}f}"


@solara.component
def ParamsPanel(params: dict[str, Any], values: solara.Reactive[dict[str, Any]]) -> None:
    """The seed and one slider per tunable; they apply on Reset.

    Args:
        params: the scenario's parameters as :func:`viz.params.model_params` makes them.
        values: the keyword arguments the next Reset uses (changed here).
    """
    def setter(name: str) -> Callable[[Any], None]:
        return lambda v: values.set({**values.value, name: v})

    with solara.Card("Parameters", margin=0):
        seed = params.get("seed")
        if isinstance(seed, dict):
            solara.InputText(seed.get("label", "Seed"), value=str(values.value.get("seed", "")),
                             on_value=setter("seed"), continuous_update=False)
        for name, p in params.items():
            if not isinstance(p, Slider):
                continue
            v = values.value.get(name, p.value)
            slider = solara.SliderFloat if p.is_float_slider else solara.SliderInt
            slider(slider_label(p.label, v, p.step), value=v, min=p.min, max=p.max,
                   step=p.step, on_value=setter(name), thumb_label=False)
        solara.Text("The seed and sliders apply on Reset.", style="font-size:12px;opacity:0.7")


@solara.component
def ComparePanel(labels: list[str], current: str, active: str,
                 on_compare: Callable[[str, str], None], on_stop: Callable[[], None]) -> None:
    """Run a second scenario (a variant) or a second seed beside this run.

    Args:
        labels: the scenarios that may be opened.
        current: the scenario on screen (comparing it with itself takes another seed).
        active: what is being compared now ("" when nothing).
        on_compare: called with the scenario and the seed text (empty: its own seed).
        on_stop: ends the comparison.
    """
    other = solara.use_reactive(current)
    seed = solara.use_reactive("")
    with solara.Card("Compare", margin=0):
        solara.Select(label="Compare with", values=labels, value=other)
        solara.InputText("Its seed (empty: the scenario's)", value=seed,
                         continuous_update=True)
        with solara.Row():
            solara.Button("Compare", color="primary", outlined=True,
                          on_click=lambda: on_compare(other.value, seed.value))
            if active:
                solara.Button("Stop comparing", text=True, on_click=on_stop)
        text = (f"Beside: {active}" if active else
                "Runs it in step with this run; towns held by different factions are boxed.")
        solara.Text(text, style="font-size:12px;opacity:0.7")


@solara.component
def EnsemblePanel(results: dict[str, Path], ensemble: Ensemble | None,
                  on_ensemble: Callable[[Ensemble | None], None]) -> None:
    """Load a sweep's results (``frontline sweep``'s Parquet file) to map its probabilities.

    Args:
        results: results files offered, by label.
        ensemble: the one loaded now.
        on_ensemble: called with the loaded ensemble (``None``: back to the run).
    """
    problem = solara.use_reactive("")
    choice = solara.use_reactive("")

    def load(label: str) -> None:
        choice.set(label)
        if label not in results:
            return
        try:
            on_ensemble(load_ensemble(results[label], label))
            problem.set("")
        except FrontlineError as exc:
            problem.set(str(exc))

    def dropped(info: Any) -> None:
        try:
            on_ensemble(load_ensemble_bytes(bytes(info["data"]), str(info["name"])))
            problem.set("")
        except FrontlineError as exc:
            problem.set(str(exc))

    with solara.Card("Ensemble", margin=0):
        if results:
            solara.Select(label="Sweep results", values=list(results), value=choice.value,
                          on_value=load)
        solara.FileDrop(label="…or drop a frontline sweep .parquet here", on_file=dropped,
                        lazy=False)
        if ensemble is not None:
            solara.Text(f"{ensemble.name}: {ensemble.runs} runs of {ensemble.scenario}",
                        style="font-size:12px")
            solara.Button("Back to the run", text=True, on_click=lambda: on_ensemble(None))
        if problem.value:
            solara.HTML(tag="pre", unsafe_innerHTML=problem.value.replace("<", "&lt;"),
                        attributes={"data-testid": "ensemble-problem"},
                        style="white-space:pre-wrap;font-size:12px;color:#b71c1c;margin:0")
