"""Two runs side by side: a variant against its base, or two seeds, on the same day.

The second run is stepped along with the first (to the first run's latest day); towns whose
holder differs between the two are boxed on both maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import solara

from viz.adapter import DayState, RunInfo
from viz.components import HtmlPanel, legend_html
from viz.mapview import map_svg
from viz.params import VizModel
from viz.runs import Tape, recorded_class, tape_of

__all__ = ["CompareView", "Compared", "differs"]


@dataclass
class Compared:
    """The second run of a comparison, kept on the same day as the first."""

    label: str
    kwargs: dict[str, Any]
    model: VizModel = field(init=False)

    def __post_init__(self) -> None:
        self.model = recorded_class(self.kwargs)()

    @property
    def tape(self) -> Tape:
        """Its days so far."""
        return tape_of(self.model)

    def catch_up(self, day: int) -> None:
        """Run it to ``day`` (anew if it is past it: the first run was reset)."""
        if self.tape.last > day:
            self.model = recorded_class(self.kwargs)()
        while self.tape.last < day and self.model.running:
            self.model.step()


def differs(a: RunInfo, sa: DayState, b: RunInfo, sb: DayState) -> np.ndarray:
    """Towns of ``a`` (by id) that ``b`` has too, held by a different faction (or nobody)."""
    index = {t: i for i, t in enumerate(b.world.ids)}
    out = np.zeros(a.world.n, dtype=bool)
    for i, town in enumerate(a.world.ids):
        j = index.get(town)
        if j is None:
            continue
        ca, cb = int(sa.controller[i]), int(sb.controller[j])
        out[i] = (a.factions[ca].id if ca >= 0 else None) != (b.factions[cb].id if cb >= 0
                                                             else None)
    return out


@solara.component
def CompareView(run: RunInfo, state: DayState, other: Compared, latest: int, day: int) -> None:
    """This run and the compared one side by side on the same day."""
    other.catch_up(latest)
    tb = other.tape
    sb = tb.at(day)
    da, db = differs(run, state, tb.info, sb), differs(tb.info, sb, run, state)
    half = "calc(100vh - 300px)"
    with solara.Column(gap="4px") as main:
        with solara.Columns([6, 6], gutters_dense=True):
            for title, info, st, d, tid in (
                    (f"This run: {run.name} · seed {run.seed}", run, state, da, "map"),
                    (f"Compared: {tb.info.name} · seed {tb.info.seed}", tb.info, sb, db,
                     "compare-map")):
                with solara.Column(gap="0px"):
                    solara.HTML(tag="b", unsafe_innerHTML=title.replace("<", "&lt;"))
                    HtmlPanel(map_svg(info, st, differs=d, max_height=half), tid)
                    HtmlPanel(legend_html(info, st, compare=True))
        n = int(da.sum())
        solara.HTML(unsafe_innerHTML=f'<span data-testid="differ-count" data-count="{n}">'
                    f'{n} towns held by different factions on day {day}</span>',
                    style="font-size:13px")
    return main
