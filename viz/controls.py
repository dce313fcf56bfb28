"""The run's controls (Reset, play/pause, Step), and the play state the page reports.

In place of Mesa's ``ModelController``, whose play loop, paused while it waits between two
days, still steps once more (its step function steps when not playing) at a moment nobody can
tell. Here the play loop runs in one thread per press of ▶; pausing wakes it at once, and it
steps no more once paused. The page says where the loop is in
``<span data-testid="play-state" data-state="playing|stopping|paused" data-day=N>``:
``paused`` is written by the loop itself as it ends, after its last day landed, so from then
on only Step or ▶ move the run (the browser test relies on this instead of waiting).
"""

from __future__ import annotations

import threading
from typing import Any

import solara
from mesa.visualization.solara_viz import _build_model_init_kwargs
from mesa.visualization.utils import force_update, update_counter

from viz.params import VizModel

__all__ = ["RunControls", "play_state_html"]


def play_state_html(state: str, day: int) -> str:
    """The element that tells the page (and its tests) where the play loop is."""
    return f'<span data-testid="play-state" data-state="{state}" data-day="{day}"></span>'


@solara.component
def RunControls(model: solara.Reactive[VizModel | None],
                model_parameters: solara.Reactive[dict[str, Any]],
                play_interval: solara.Reactive[int],
                render_interval: solara.Reactive[int]) -> None:
    """Reset, ▶ / ❚❚ and Step for the model in ``model``.

    Args:
        model: the run; Reset puts a new one here (``type(model)(**parameters)``, as Mesa does).
        model_parameters: the controls' values Reset passes.
        play_interval: milliseconds between two redraws while playing.
        render_interval: days stepped between two redraws while playing.
    """
    update_counter.get()  # redraw after each step: the buttons follow the model's state
    playing = solara.use_reactive(False)
    state = solara.use_reactive("paused")
    error = solara.use_reactive("")
    generation = solara.use_ref(0)  # which press of ▶ the loop running belongs to

    def loop(cancel: threading.Event) -> None:
        run = model.value
        if not playing.value or run is None:
            return
        mine = generation.current
        state.set("playing")
        try:
            def on() -> bool:  # this press of ▶ still plays this run
                return (generation.current == mine and playing.value and run is model.value
                        and bool(run.running))

            while on():
                if cancel.wait(play_interval.value / 1000) or not on():
                    break  # paused (or reset) while waiting: no more days
                for _ in range(max(1, render_interval.value)):
                    run.step()
                    if not on():
                        break
                force_update()
        except Exception as exc:  # shown on the page, as Mesa's controls do
            error.set(f"error in step: {exc}")
        finally:
            if generation.current == mine:
                playing.set(False)
                state.set("paused")

    solara.use_thread(loop, dependencies=[playing.value], intrusive_cancel=False)

    def play_pause() -> None:
        if playing.value:
            state.set("stopping")
        else:
            generation.current += 1
        playing.set(not playing.value)

    def step() -> None:
        if model.value is not None and not playing.value:
            model.value.step()
            force_update()

    def reset() -> None:
        generation.current += 1  # a loop still stepping the old run says nothing more
        playing.set(False)
        state.set("paused")
        error.set("")
        if model.value is None:
            return
        kwargs = _build_model_init_kwargs(model.value, model_parameters.value,
                                          add_scenario_when_empty=True,
                                          require_model_accepts_scenario=True)
        model.set(type(model.value)(**kwargs))

    running = model.value is not None and bool(model.value.running)
    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(label="❚❚" if playing.value else "▶", color="primary",
                      on_click=play_pause, disabled=not running and not playing.value)
        solara.Button(label="Step", color="primary", on_click=step,
                      disabled=playing.value or not running)
    day = int(model.value.day) if model.value is not None else 0
    solara.HTML(tag="div", unsafe_innerHTML=play_state_html(state.value, day))
    if error.value:
        solara.Error(label=error.value)
