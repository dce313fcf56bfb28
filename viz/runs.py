"""The runs the page shows: a model class per opened scenario that keeps a snapshot of each day.

SolaraViz-style Reset re-creates the model as ``type(model)(**parameters)``. The class made here
for one opened scenario binds that scenario's file and starting values, so a Reset always runs
the scenario on screen, whatever parameters the controls pass (the cause of a silent wrong
answer once: Reset after picking another scenario ran the launch scenario). Each day's
:class:`~viz.adapter.DayState` is kept on the model (``tape``), which is what replay draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.errors import FrontlineError
from viz.adapter import DayState, RunInfo, run_info, snapshot
from viz.params import VizModel, guarded_model_class

__all__ = ["Tape", "bound_class", "recorded_class", "tape_of"]


class Tape:
    """A run's unchanging part and one snapshot per day so far (index = day)."""

    def __init__(self, info: RunInfo, first: DayState) -> None:
        self.info = info
        self.days: list[DayState] = [first]

    @property
    def last(self) -> int:
        """The latest day kept."""
        return len(self.days) - 1

    def at(self, day: int | None) -> DayState:
        """The day ``day`` (clamped to the days kept); ``None`` for the latest."""
        if day is None:
            return self.days[-1]
        return self.days[max(0, min(day, self.last))]


def _recording(base: type[VizModel], bound: dict[str, Any]) -> type[VizModel]:
    class Recorded(base):  # type: ignore[misc,valid-type]
        __doc__ = VizModel.__doc__

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**{**bound, **kwargs})
            self.tape = Tape(run_info(self), snapshot(self))

        def step(self) -> None:
            super().step()
            self.tape.days.append(snapshot(self))

    Recorded.__name__ = Recorded.__qualname__ = VizModel.__name__
    return Recorded


def recorded_class(bound: dict[str, Any]) -> type[VizModel]:
    """A VizModel class that keeps its days and starts from ``bound`` unless told otherwise.

    Args:
        bound: keyword arguments (``scenario_file``, ``seed``, tunables) every construction
            starts from; keywords given at construction override them.
    """
    return _recording(VizModel, dict(bound))


def bound_class(bound: dict[str, Any], on_error: Callable[[FrontlineError], VizModel | None],
                on_ok: Callable[[], None]) -> type[VizModel]:
    """:func:`recorded_class`, whose construction reports a FrontlineError instead of raising.

    See :func:`viz.params.guarded_model_class` for ``on_error`` and ``on_ok``.
    """
    return _recording(guarded_model_class(on_error, on_ok), dict(bound))


def tape_of(model: VizModel) -> Tape:
    """The days kept by a model made by this module's classes."""
    tape = getattr(model, "tape", None)
    if not isinstance(tape, Tape):
        raise TypeError(f"{type(model).__name__} keeps no days (not made by viz.runs)")
    return tape
