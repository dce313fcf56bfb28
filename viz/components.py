"""The page's panels: date, map with legend, charts, event log, scenario picker, problems.

Each panel is a thin Solara component around a pure HTML/SVG builder (also used by the tests),
drawn from a run (:class:`viz.adapter.RunInfo`) and a day (:class:`viz.adapter.DayState`), so the
same panels show the latest day, a replayed one, or either run of a comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import solara

from sim.plots import NEUTRAL_GREY
from viz.charts import METRICS, chart_svg
from viz.mapview import (
    CAPTURE_COLOUR,
    CLOSED_COLOUR,
    CROSSING_COLOUR,
    DIFF_COLOUR,
    FRONT_COLOUR,
    RIVER_COLOUR,
    SIEGE_COLOUR,
)
from viz.params import tunable_value

if TYPE_CHECKING:
    from sim.record import Event
    from viz.adapter import DayState, RunInfo

__all__ = ["ChartsPanel", "EventLog", "HtmlPanel", "ProblemPanel", "ScenarioPicker",
           "date_html", "event_log_html", "legend_html", "run_html"]

EVENT_LIMIT = 60
ROUTINE = ("battle", "conscription")  # happen most days; hidden unless asked for
_KIND_STYLE = {"capture": "font-weight:bold", "siege_start": f"color:{SIEGE_COLOUR}",
               "siege_lifted": "color:#2e7d32", "conscription": "color:#8e24aa",
               "battle": "opacity:0.7", "retreat": "color:#a66a00", "surrender": "color:#a66a00",
               "destroyed": "color:#a66a00"}


def date_html(run: RunInfo, state: DayState, latest: int | None = None) -> str:
    """The date on screen, large, with the day number, the scenario's name and the seed.

    Args:
        run: the run shown.
        state: the day shown.
        latest: the run's latest day, when an earlier one is shown (replay).
    """
    d = state.date
    replay = ""
    if latest is not None and latest != state.day:
        replay = (f'<span data-testid="replaying" style="font-size:14px;color:#fff;'
                  f'background:#5c6bc0;border-radius:4px;padding:1px 8px">replay: the run is '
                  f'at day {latest}</span>')
    return (f'<div data-testid="sim-date" data-date="{d.isoformat()}" data-day="{state.day}" '
            f'style="display:flex;align-items:baseline;gap:14px;flex-wrap:wrap">'
            f'<span style="font-size:26px;font-weight:700">'
            f'{d:%A} {d.day} {d:%B %Y}</span>'
            f'<span style="font-size:15px;opacity:0.75">day {state.day} of {run.days}</span>'
            f'<span style="font-size:15px;opacity:0.75">· {escape(run.name)} '
            f'· seed {run.seed}</span>{replay}</div>')


def _swatch_svg(inner: str, width: int = 22) -> str:
    return (f'<svg width="{width}" height="16" viewBox="0 0 {width} 16" '
            f'style="vertical-align:middle">{inner}</svg>')


def legend_html(run: RunInfo, state: DayState, compare: bool = False) -> str:
    """Who is who (faction colours with towns held that day) and what the symbols mean."""
    items = []
    for k, f in enumerate(run.factions):
        items.append(
            f'<span class="legend-faction" data-faction="{escape(f.id)}" '
            f'data-colour="{f.colour}">'
            f'{_swatch_svg(f"<circle cx=11 cy=8 r=6.5 fill={f.colour!r} />")} '
            f'<b>{escape(f.name)}</b> {state.towns_held[k]} towns, '
            f'{state.fighters[k]:,.0f} fighters</span>')
    if (state.controller < 0).any():
        items.append(f'<span>{_swatch_svg(f"<circle cx=11 cy=8 r=6.5 fill={NEUTRAL_GREY!r}/>")}'
                     ' held by nobody</span>')
    symbols = [
        (_swatch_svg("<polygon points='11,2 4,14 18,14' fill='#888' stroke='#111'/>"),
         "unit, with its fighters"),
        (_swatch_svg(f"<circle cx=11 cy=8 r=6 fill='#888' stroke={SIEGE_COLOUR!r} "
                     "stroke-width=2 stroke-dasharray='3 2'/>"), "besieged (cut off)"),
        (_swatch_svg(f"<circle cx=11 cy=8 r=6 fill='#888' stroke={CAPTURE_COLOUR!r} "
                     "stroke-width=3/>"), "changed hands that day"),
        (_swatch_svg(f"<line x1=2 y1=8 x2=20 y2=8 stroke={FRONT_COLOUR!r} stroke-width=8 "
                     "stroke-opacity=0.5 stroke-linecap=round/><line x1=2 y1=8 x2=20 y2=8 "
                     "stroke='#7a3d00' stroke-width=1.6 stroke-dasharray='7 4'/>"),
         "front line (highway between enemies)"),
        (_swatch_svg("<line x1=1 y1=8 x2=21 y2=8 stroke='#9a9a9a' stroke-width=2/>"),
         "highway"),
    ]
    if run.features:
        symbols.append((_swatch_svg(f"<line x1=1 y1=8 x2=21 y2=8 stroke={RIVER_COLOUR!r} "
                                    "stroke-width=4/>"), "river"))
    closed = state.closed if len(state.closed) == run.world.m else np.zeros(run.world.m, bool)
    kinds = sorted({c.kind for k, c in run.world.crossings.items() if not closed[k]})
    if kinds:  # what the map of this day draws
        symbols.append((_swatch_svg(f"<line x1=1 y1=8 x2=21 y2=8 stroke={CROSSING_COLOUR!r} "
                                    "stroke-width=1.8 stroke-dasharray='5 3'/><rect x=7.5 "
                                    f"y=4.5 width=7 height=7 fill='#fff' "
                                    f"stroke={CROSSING_COLOUR!r} stroke-width=1.8/>"),
                        f"river crossing, open ({', '.join(kinds)})"))
    if closed.any():
        symbols.append((_swatch_svg(f"<line x1=1 y1=8 x2=21 y2=8 stroke={CLOSED_COLOUR!r} "
                                    "stroke-width=2 stroke-dasharray='4 3'/><path "
                                    "d='M7,4L15,12M15,4L7,12' stroke='#fbfaf6' "
                                    f"stroke-width=4.5/><path d='M7,4L15,12M15,4L7,12' "
                                    f"stroke={CLOSED_COLOUR!r} stroke-width=2.2/>"),
                        "closed crossing or highway"))
    if compare:
        symbols.append((_swatch_svg(f"<rect x=4 y=1 width=14 height=14 fill='none' "
                                    f"stroke={DIFF_COLOUR!r} stroke-width=2/>"),
                        "held by another faction in the other run"))
    sym = "".join(f'<span>{s} <span style="opacity:0.8">{escape(t)}</span></span>'
                  for s, t in symbols)
    return ('<div class="frontline-legend" style="display:flex;flex-wrap:wrap;gap:2px 16px;'
            f'font-size:13px;margin-top:4px">{"".join(items)}</div>'
            '<div style="display:flex;flex-wrap:wrap;gap:2px 14px;font-size:12px;'
            f'margin-top:2px">{sym}<span style="opacity:0.8">circle size: population; '
            'hover a town or unit for details</span></div>')


def event_log_html(events: Sequence[Event], day: int | None = None, limit: int = EVENT_LIMIT,
                   routine: bool = True) -> str:
    """The latest events up to ``day`` (all: ``None``), newest first.

    Without ``routine``, no daily battles or conscription.
    """
    rows = []
    shown = [e for e in events if (routine or e.kind not in ROUTINE)
             and (day is None or e.day <= day)]
    for ev in reversed(shown[-limit:]):
        style = _KIND_STYLE.get(ev.kind, "")
        rows.append(f'<li data-kind="{ev.kind}" data-day="{ev.day}" style="{style}">'
                    f'<span style="opacity:0.6;font-family:monospace">{ev.date.isoformat()}'
                    f'</span> {escape(ev.text)}</li>')
    if not rows:
        rows.append('<li style="opacity:0.6">nothing yet: press Step or ▶</li>')
    return ('<ol class="frontline-events" style="list-style:none;padding:0;margin:0;'
            f'font-size:13px;line-height:1.4">{"".join(rows)}</ol>')


def run_html(run: RunInfo) -> str:
    """The values this run uses for the scenario's tunables (what the sliders changed)."""
    if not run.spec.tunables:
        return ""
    items = []
    for t in run.spec.tunables:
        v = tunable_value(run.definition, t)
        shown = "default" if v is None else f"{v:,.{decimals(t.step)}f}"
        raw = "" if v is None else f"{v:g}"
        items.append(f'<span data-tunable="{escape(t.path)}" data-value="{raw}">'
                     f'{escape(t.label)}: <b>{shown}</b></span>')
    return ('<div data-testid="run-tunables" style="display:flex;flex-wrap:wrap;gap:2px 14px;'
            'font-size:12px;opacity:0.8"><span>This run:</span>' + "".join(items) + "</div>")


def decimals(step: float) -> int:
    """Decimals needed to write multiples of ``step``."""
    text = f"{step:.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


@solara.component
def HtmlPanel(html: str, testid: str = "", style: str = "") -> None:
    """Ready-made HTML (a map, a legend, a banner)."""
    solara.HTML(unsafe_innerHTML=html, attributes={"data-testid": testid} if testid else {},
                style=style)


@solara.component
def ChartsPanel(run: RunInfo, rows: list[dict[str, Any]], day: int) -> None:
    """Towns, population and fighters held over time, in faction colours, stacked."""
    with solara.Column(gap="4px"):
        for metric, title in METRICS:
            solara.HTML(unsafe_innerHTML=chart_svg(run, rows, metric, title, day),
                        attributes={"data-testid": f"chart-{metric}"})


@solara.component
def EventLog(events: Sequence[Event], day: int | None) -> None:
    """The dated events up to the day on screen, newest first."""
    routine = solara.use_reactive(False)
    with solara.Column(gap="0px"):
        with solara.Row(style="align-items:center;gap:10px"):
            solara.HTML(tag="b", unsafe_innerHTML="Events, newest first",
                        style="font-size:14px")
            solara.Checkbox(label="also daily battles and conscription", value=routine)
        solara.HTML(unsafe_innerHTML=event_log_html(events, day, routine=routine.value),
                    attributes={"data-testid": "events"},
                    style="max-height:calc(100vh - 790px);min-height:150px;overflow-y:auto")


@solara.component
def ScenarioPicker(labels: list[str], value: str, on_value: Callable[[str], None]) -> None:
    """Choose the scenario; choosing one starts a fresh run of it."""
    with solara.Card("Scenario", margin=0):
        solara.Select(label="Scenario file", values=labels, value=value, on_value=on_value)
        solara.Text("Picking a scenario starts it afresh.", style="font-size:12px;opacity:0.7")


@solara.component
def ProblemPanel(message: str, on_dismiss: Callable[[], None] | None = None) -> None:
    """A user error (bad scenario, bad seed) as the command line would print it."""
    with solara.Card("This cannot run", margin=0, style="border-left:4px solid #d62728"):
        solara.HTML(tag="pre", unsafe_innerHTML=escape(f"frontline: error: {message}"),
                    attributes={"data-testid": "problem"},
                    style="white-space:pre-wrap;font-size:13px;color:#b71c1c;margin:0")
        if on_dismiss is not None:
            solara.Button("Dismiss", on_click=on_dismiss, text=True)
