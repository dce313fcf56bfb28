"""Solara components of the page: date, map with legend, charts, event log, scenario picker.

Each panel is a thin component around a pure HTML/SVG builder (also used by the tests). The
panels re-render when Mesa's controls bump ``update_counter`` (after Step, Play or Reset).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

import solara
from mesa.visualization.utils import update_counter

from sim.plots import NEUTRAL_GREY
from viz.charts import METRICS, chart_svg
from viz.mapview import CAPTURE_COLOUR, FRONT_COLOUR, RIVER_COLOUR, SIEGE_COLOUR, map_svg
from viz.params import tunable_value

if TYPE_CHECKING:
    from sim.model import TerritoryModel

__all__ = ["ChartsPanel", "DateBanner", "EventLog", "MapPanel", "ProblemPanel",
           "ScenarioPicker", "date_html", "event_log_html", "legend_html", "run_html"]

EVENT_LIMIT = 60
ROUTINE = ("battle", "conscription")  # happen most days; hidden unless asked for
_KIND_STYLE = {"capture": "font-weight:bold", "siege_start": f"color:{SIEGE_COLOUR}",
               "siege_lifted": "color:#2e7d32", "conscription": "color:#8e24aa",
               "battle": "opacity:0.7", "retreat": "color:#a66a00", "surrender": "color:#a66a00",
               "destroyed": "color:#a66a00"}


def date_html(model: TerritoryModel) -> str:
    """The current date, large, with the day number and the scenario's name."""
    d = model.date
    return (f'<div data-testid="sim-date" data-date="{d.isoformat()}" data-day="{model.day}" '
            f'style="display:flex;align-items:baseline;gap:16px;flex-wrap:wrap">'
            f'<span style="font-size:30px;font-weight:700">'
            f'{d:%A} {d.day} {d:%B %Y}</span>'
            f'<span style="font-size:16px;opacity:0.75">day {model.day} of {model.days}</span>'
            f'<span style="font-size:16px;opacity:0.75">· {escape(model.spec.name)} '
            f'· seed {model.seed}</span></div>')


def _swatch_svg(inner: str, width: int = 22) -> str:
    return (f'<svg width="{width}" height="16" viewBox="0 0 {width} 16" '
            f'style="vertical-align:middle">{inner}</svg>')


def legend_html(model: TerritoryModel) -> str:
    """Who is who (faction colours with towns held now) and what the symbols mean."""
    items = []
    for f in model.factions:
        s = model.record.stats[f.index]
        items.append(
            f'<span class="legend-faction" data-faction="{escape(f.id)}" '
            f'data-colour="{f.colour}">'
            f'{_swatch_svg(f"<circle cx=11 cy=8 r=6.5 fill={f.colour!r} />")} '
            f'<b>{escape(f.name)}</b> {s["towns"]} towns, '
            f'{s["fighters"]:,.0f} fighters</span>')
    if (model.towns.controller < 0).any():
        items.append(f'<span>{_swatch_svg(f"<circle cx=11 cy=8 r=6.5 fill={NEUTRAL_GREY!r}/>")}'
                     ' held by nobody</span>')
    symbols = [
        (_swatch_svg("<polygon points='11,2 4,14 18,14' fill='#888' stroke='#111'/>"),
         "unit, with its fighters"),
        (_swatch_svg(f"<circle cx=11 cy=8 r=6 fill='#888' stroke={SIEGE_COLOUR!r} "
                     "stroke-width=2 stroke-dasharray='3 2'/>"), "besieged (cut off)"),
        (_swatch_svg(f"<circle cx=11 cy=8 r=6 fill='#888' stroke={CAPTURE_COLOUR!r} "
                     "stroke-width=3/>"), "changed hands today"),
        (_swatch_svg(f"<line x1=2 y1=8 x2=20 y2=8 stroke={FRONT_COLOUR!r} stroke-width=8 "
                     "stroke-opacity=0.5 stroke-linecap=round/><line x1=2 y1=8 x2=20 y2=8 "
                     "stroke='#7a3d00' stroke-width=1.6 stroke-dasharray='7 4'/>"),
         "front line (highway between enemies)"),
        (_swatch_svg("<line x1=1 y1=8 x2=21 y2=8 stroke='#9a9a9a' stroke-width=2/>"),
         "highway"),
    ]
    if model.spec.features:
        symbols.append((_swatch_svg(f"<line x1=1 y1=8 x2=21 y2=8 stroke={RIVER_COLOUR!r} "
                                    "stroke-width=4/>"), "river"))
    sym = "".join(f'<span>{s} <span style="opacity:0.8">{escape(t)}</span></span>'
                  for s, t in symbols)
    return ('<div class="frontline-legend" style="display:flex;flex-wrap:wrap;gap:4px 18px;'
            f'font-size:13px;margin-top:6px">{"".join(items)}</div>'
            '<div style="display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;'
            f'margin-top:4px">{sym}<span style="opacity:0.8">circle size: population; '
            'hover a town or unit for details</span></div>')


def event_log_html(model: TerritoryModel, limit: int = EVENT_LIMIT, routine: bool = True) -> str:
    """The latest events, newest first; without ``routine``, no daily battles or conscription."""
    rows = []
    shown = model.record.events if routine else [e for e in model.record.events
                                                 if e.kind not in ROUTINE]
    for ev in reversed(shown[-limit:]):
        style = _KIND_STYLE.get(ev.kind, "")
        rows.append(f'<li data-kind="{ev.kind}" style="{style}">'
                    f'<span style="opacity:0.6;font-family:monospace">{ev.date.isoformat()}'
                    f'</span> {escape(ev.text)}</li>')
    if not rows:
        rows.append('<li style="opacity:0.6">nothing yet: press Step or ▶</li>')
    return ('<ol class="frontline-events" style="list-style:none;padding:0;margin:0;'
            f'font-size:13px;line-height:1.45">{"".join(rows)}</ol>')


def run_html(model: TerritoryModel) -> str:
    """The values this run uses for the scenario's tunables (what the sliders changed)."""
    if not model.spec.tunables:
        return ""
    items = []
    for t in model.spec.tunables:
        v = tunable_value(model.definition, t)
        shown = "default" if v is None else f"{v:,.{_decimals(t.step)}f}"
        raw = "" if v is None else f"{v:g}"
        items.append(f'<span data-tunable="{escape(t.path)}" data-value="{raw}">'
                     f'{escape(t.label)}: <b>{shown}</b></span>')
    return ('<div data-testid="run-tunables" style="display:flex;flex-wrap:wrap;gap:2px 14px;'
            'font-size:12px;opacity:0.8"><span>This run:</span>' + "".join(items) + "</div>")


def _decimals(step: float) -> int:
    text = f"{step:.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


@solara.component
def DateBanner(model: TerritoryModel) -> None:
    """The simulation's current date, prominently, and the tunable values of this run."""
    update_counter.get()
    with solara.Column(gap="2px"):
        solara.HTML(unsafe_innerHTML=date_html(model))
        solara.HTML(unsafe_innerHTML=run_html(model))


@solara.component
def MapPanel(model: TerritoryModel) -> None:
    """The map and its legend."""
    update_counter.get()
    with solara.Card(margin=0, style="padding:8px"):
        solara.HTML(unsafe_innerHTML=map_svg(model), attributes={"data-testid": "map"})
        solara.HTML(unsafe_innerHTML=legend_html(model))


@solara.component
def ChartsPanel(model: TerritoryModel) -> None:
    """Towns, population and fighters held over time, in faction colours."""
    update_counter.get()
    with solara.Card(margin=0, style="padding:8px"), solara.Columns([4, 4, 4],
                                                                    gutters_dense=True):
        for metric, title in METRICS:
            solara.HTML(unsafe_innerHTML=chart_svg(model, metric, title),
                        attributes={"data-testid": f"chart-{metric}"})


@solara.component
def EventLog(model: TerritoryModel) -> None:
    """The latest dated events, newest first."""
    update_counter.get()
    routine = solara.use_reactive(False)
    with solara.Card("Events, newest first", margin=0, style="padding:8px"):
        solara.Checkbox(label="also daily battles and conscription", value=routine,
                        style="margin-top:-8px")
        solara.HTML(unsafe_innerHTML=event_log_html(model, routine=routine.value),
                    attributes={"data-testid": "events"},
                    style="max-height:420px;overflow-y:auto")


@solara.component
def ScenarioPicker(labels: list[str], value: str, on_value: Callable[[str], None]) -> None:
    """Choose the scenario; choosing one starts a fresh run of it."""
    with solara.Card("Scenario"):
        solara.Select(label="Scenario file", values=labels, value=value, on_value=on_value)
        solara.Text("Picking a scenario starts it afresh. The seed and sliders below apply "
                    "on Reset.", style="font-size:12px;opacity:0.7")


@solara.component
def ProblemPanel(message: str, on_dismiss: Callable[[], None] | None = None) -> None:
    """A user error (bad scenario, bad seed) as the command line would print it."""
    with solara.Card("This cannot run", margin=0, style="border-left:4px solid #d62728"):
        solara.HTML(tag="pre", unsafe_innerHTML=escape(f"frontline: error: {message}"),
                    attributes={"data-testid": "problem"},
                    style="white-space:pre-wrap;font-size:13px;color:#b71c1c;margin:0")
        if on_dismiss is not None:
            solara.Button("Dismiss", on_click=on_dismiss, text=True)
