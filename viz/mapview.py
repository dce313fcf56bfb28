"""A day's map as one SVG string: towns in their holder's colour, sieges, fronts and units.

Pure functions of a run (:class:`viz.adapter.RunInfo`) and a day (:class:`viz.adapter.DayState`),
so a kept day redraws exactly as it was and the tests need no browser. Every town is a
``<g class="town" data-town-id=... data-controller=... data-besieged=...>`` holding a circle
filled with its holder's colour and a ``<title>`` the browser shows on hover. A unit's strength
is written beside its triangle on the first side where it covers no town name, no other
unit's strength and no unit's triangle; where there is none, only its tooltip gives it. A
triangle that would cover a town name is moved up or down off it, with a thin leader and a dot
at its true place (both under the names, which are drawn over units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np

from sim.plots import FRONT_COLOUR, NEUTRAL_GREY
from viz.adapter import DayState, RunInfo, UnitMark
from viz.mapframe import PAPER, RIVER_COLOUR, Box, MapFrame, boxes_overlap, town_radius
from viz.maplayout import View, layout

__all__ = ["CAPTURE_COLOUR", "CLOSED_COLOUR", "CROSSING_COLOUR", "DIFF_COLOUR", "FRONT_COLOUR",
           "RIVER_COLOUR", "SIEGE_COLOUR", "MapFrame", "Overlay", "fighters_text", "front_mask",
           "map_svg", "town_radius", "town_tooltip"]

SIEGE_COLOUR = "#d62728"
CAPTURE_COLOUR = "#ffd400"
DIFF_COLOUR = "#6a1b9a"
ROAD_COLOUR = "#9a9a9a"
CROSSING_COLOUR = "#3b7fc4"
CLOSED_COLOUR = "#555555"
UNIT_FONT = 10.5
HOVER_STYLE = ("<style>.frontline-map g.town:hover circle.town-dot,"
               ".frontline-map g.unit:hover polygon{stroke:#000;stroke-width:2.5}"
               ".frontline-map g.town,.frontline-map g.unit{cursor:default}</style>")


@dataclass(frozen=True)
class Overlay:
    """Colours replacing the holders' (e.g. an ensemble's probability of control).

    Attributes:
        fills: a fill colour per town.
        notes: a line per town added to its tooltip.
        values: a number per town, written as ``data-value``.
    """

    fills: list[str]
    notes: list[str]
    values: np.ndarray


def fighters_text(n: float) -> str:
    """Short strength label: ``950``, ``2,400``, ``12k``."""
    return f"{n:,.0f}" if n < 10_000 else f"{n / 1000:,.0f}k"


def front_mask(run: RunInfo, state: DayState) -> np.ndarray:
    """Highways whose two ends are held by hostile factions (the front line)."""
    return np.asarray(run.world.front_line(state.controller, run.hostile))


def town_tooltip(run: RunInfo, state: DayState, i: int) -> str:
    """What hovering a town shows: name, holder, garrison, population, siege state."""
    c = int(state.controller[i])
    holder = run.factions[c].name if c >= 0 else "nobody"
    siege = "BESIEGED: cut off from supply" if state.besieged[i] else "not besieged"
    return (f"{run.world.names[i]}\nheld by {holder}\n"
            f"garrison {state.garrison[i]:,.0f} fighters\n"
            f"population {state.population[i]:,.0f}\n{siege}")


def _label_box(x: float, y: float, side: float, text: str, taken: list[Box],
               view: View) -> tuple[float, float, str, Box] | None:
    """Where a unit's strength goes: right, left, above or below its triangle, first free."""
    tw, th, h = 0.62 * UNIT_FONT * len(text), UNIT_FONT, side * 0.87
    f = view.frame
    for ax, ay, anchor in ((x + side / 2 + 2, y + 4, "start"), (x - side / 2 - 2, y + 4, "end"),
                           (x, y - h * 0.6 - 3, "middle"), (x, y + h * 0.4 + th, "middle")):
        left = {"start": ax, "end": ax - tw, "middle": ax - tw / 2}[anchor]
        b = (left, ay - th * 0.8, left + tw, ay + th * 0.2)
        if b[0] < 0 or b[2] > f.width or b[1] < 0 or b[3] > f.height:
            continue
        if any(boxes_overlap(b, o) for o in view.name_boxes) or \
                any(boxes_overlap(b, o) for o in taken):
            continue
        return ax, ay, anchor, b
    return None


def _clear_of_names(x: float, y: float, side: float, view: View) -> float:
    """The nearest height, from ``y`` up or down in 3 px steps, where a triangle covers no name."""
    h = side * 0.87
    f = view.frame
    for k in range(60):
        for yy in ((y,) if k == 0 else (y - 3 * k, y + 3 * k)):
            b = (x - side / 2 - 1, yy - h * 0.6 - 1, x + side / 2 + 1, yy + h * 0.4 + 1)
            if (k == 0 or (b[1] >= 0 and b[3] <= f.height)) and \
                    not any(boxes_overlap(b, n) for n in view.name_boxes):
                return yy
    return y


def _triangle(x: float, y: float, fighters: float, view: View) -> tuple[float, float, Box]:
    """A unit's triangle: its side, its height (moved off any name) and its box."""
    side = 10.0 + 0.1 * math.sqrt(max(fighters, 0.0))
    h = side * 0.87
    y = _clear_of_names(x, y, side, view)  # a triangle over a name moves off it, with a leader
    return side, y, (x - side / 2, y - h * 0.6, x + side / 2, y + h * 0.4)


def _unit_marker(x: float, at: float, place: tuple[float, float, Box], colour: str,
                 fighters: float, title: str, units: list[UnitMark], faction_id: str,
                 moving: bool, taken: list[Box], view: View) -> str:
    side, y, tri = place
    h = side * 0.87
    leader = (f'<line class="unit-leader" x1="{x:.1f}" y1="{at:.1f}" x2="{x:.1f}" '
              f'y2="{y:.1f}" stroke="{colour}" stroke-width="1"/>'
              f'<circle cx="{x:.1f}" cy="{at:.1f}" r="1.8" fill="{colour}"/>') if y != at else ""
    pts = (f"{x:.1f},{y - h * 0.6:.1f} {x - side / 2:.1f},{y + h * 0.4:.1f} "
           f"{x + side / 2:.1f},{y + h * 0.4:.1f}")
    keys = " ".join(u.key for u in units)
    text = fighters_text(fighters)
    spot = _label_box(x, y, side, text, [b for b in taken if b is not tri], view)
    label = ""
    if spot is not None:
        ax, ay, anchor, b = spot
        taken.append(b)
        label = (f'<text x="{ax:.1f}" y="{ay:.1f}" text-anchor="{anchor}" '
                 f'font-size="{UNIT_FONT}" font-weight="bold" fill="{colour}" stroke="#fff" '
                 f'stroke-width="3" paint-order="stroke" '
                 f'data-box="{b[0]:.1f} {b[1]:.1f} {b[2]:.1f} {b[3]:.1f}">{text}</text>')
    return (f'<g class="unit" data-units="{escape(keys)}" data-faction="{escape(faction_id)}" '
            f'data-fighters="{fighters:.0f}" data-moving="{str(moving).lower()}" '
            f'data-label="{"shown" if label else "tooltip"}">'
            f'{leader}<polygon points="{pts}" fill="{colour}" stroke="#111" stroke-width="1.2" '
            f'data-box="{tri[0]:.1f} {tri[1]:.1f} {tri[2]:.1f} {tri[3]:.1f}"/>'
            f'{label}<title>{escape(title)}</title></g>')


def _units(run: RunInfo, state: DayState, view: View, r: np.ndarray) -> str:
    w, f = run.world, view.frame
    fac = run.factions
    marks: list[tuple[float, float, float, str, str, list[UnitMark], str, bool]] = []
    stacks: dict[tuple[int, int], list[UnitMark]] = {}
    for u in state.units:
        if u.dest < 0:
            stacks.setdefault((u.node, u.faction), []).append(u)
    slot: dict[int, int] = {}
    for (node, fi), units in sorted(stacks.items()):
        if node not in view.unit_towns:
            continue
        k = slot.get(node, 0)
        slot[node] = k + 1
        x = float(view.tx[node])
        y = float(view.ty[node] - r[node] - 9 - 16 * k)
        total = sum(u.fighters for u in units)
        lines = "\n".join(f"  {u.name}: {u.fighters:,.0f} ({u.order})" for u in units)
        title = f"{fac[fi].name} in {w.names[node]}: {total:,.0f} fighters\n{lines}"
        marks.append((x, y, total, fac[fi].colour, title, units, fac[fi].id, False))
    for u in state.units:
        if u.dest < 0:
            continue
        if view.name == "main" and u.node not in view.unit_towns and \
                u.dest not in view.unit_towns:
            continue  # marching inside the crowd: drawn in its close-up
        x, y = float(f.x(u.lon)), float(f.y(u.lat))
        if not (0 <= x <= f.width and 0 <= y <= f.height):
            continue
        title = (f"{u.name} ({fac[u.faction].name}): {u.fighters:,.0f} fighters\n"
                 f"on the road from {w.names[u.node]} to {w.names[u.dest]}; order: {u.order}")
        marks.append((x, y, u.fighters, fac[u.faction].colour, title, [u], fac[u.faction].id,
                      True))
    # every triangle first, so that no strength is written under a later unit's triangle
    places = [_triangle(x, y, fighters, view) for x, y, fighters, *_ in marks]
    taken: list[Box] = [p[2] for p in places]
    return "".join(_unit_marker(x, y, place, colour, fighters, title, units, fid, moving,
                                taken, view)
                   for (x, y, fighters, colour, title, units, fid, moving), place
                   in zip(marks, places, strict=True))


def _view_svg(run: RunInfo, state: DayState, view: View, r: np.ndarray, front: np.ndarray,
              differs: np.ndarray | None, overlay: Overlay | None) -> str:
    """Highways, fronts, towns, labels and units as seen in one view."""
    w = run.world
    tx, ty = view.tx, view.ty
    roads: list[str] = []
    fronts: list[str] = []
    closed = state.closed if len(state.closed) == w.m else np.zeros(w.m, dtype=bool)
    crossings: list[str] = []
    shut: list[str] = []
    for k in range(w.m):
        u, v = int(w.eu[k]), int(w.ev[k])
        seg = (f'<line x1="{tx[u]:.1f}" y1="{ty[u]:.1f}" x2="{tx[v]:.1f}" y2="{ty[v]:.1f}" '
               f'data-from="{escape(w.ids[u])}" data-to="{escape(w.ids[v])}"/>')
        if closed[k]:
            shut.append(seg)
        elif k in w.crossings and not front[k]:
            crossings.append(seg)
        if front[k]:
            fronts.append(seg)
        elif not closed[k] and k not in w.crossings:
            roads.append(seg)
    towns = []
    for i in view.towns:
        c = int(state.controller[i])
        fill = run.factions[c].colour if c >= 0 else NEUTRAL_GREY
        fid = run.factions[c].id if c >= 0 else ""
        besieged = bool(state.besieged[i])
        changed = int(state.prev[i]) != c
        x, y, ri = float(tx[i]), float(ty[i]), float(r[i])
        rings, extra, tip = "", "", town_tooltip(run, state, int(i))
        if overlay is not None:
            fill = overlay.fills[i]
            extra = f' data-value="{float(overlay.values[i]):.3f}"'
            tip = f"{w.names[i]}\n{overlay.notes[i]}"  # not one run's garrison
        if changed:
            rings += (f'<circle class="captured" cx="{x:.1f}" cy="{y:.1f}" r="{ri + 3:.1f}" '
                      f'fill="none" stroke="{CAPTURE_COLOUR}" stroke-width="4"/>')
        if besieged:
            rings += (f'<circle class="siege" cx="{x:.1f}" cy="{y:.1f}" r="{ri + 5:.1f}" '
                      f'fill="none" stroke="{SIEGE_COLOUR}" stroke-width="2.5" '
                      f'stroke-dasharray="5 3"/>')
        if differs is not None:
            d = bool(differs[i])
            extra += f' data-differs="{str(d).lower()}"'
            if d:
                s = ri + 7
                rings += (f'<rect class="differs" x="{x - s:.1f}" y="{y - s:.1f}" '
                          f'width="{2 * s:.1f}" height="{2 * s:.1f}" fill="none" '
                          f'stroke="{DIFF_COLOUR}" stroke-width="2.5"/>')
                tip += "\nHELD BY ANOTHER FACTION IN THE OTHER RUN"
        towns.append(
            f'<g class="town" data-town-id="{escape(w.ids[i])}" data-controller="{fid}" '
            f'data-besieged="{str(besieged).lower()}" data-changed="{str(changed).lower()}"'
            f'{extra}>{rings}<circle class="town-dot" cx="{x:.1f}" cy="{y:.1f}" r="{ri:.1f}" '
            f'fill="{fill}" stroke="#fff" stroke-width="1.5"/>'
            f'<title>{escape(tip)}</title></g>')
    units = "" if overlay is not None else _units(run, state, view, r)
    return (f'{view.background}'
            f'<g class="highways" stroke="{ROAD_COLOUR}" stroke-width="1.6" '
            f'stroke-linecap="round">{"".join(roads)}</g>'
            f'<g class="fronts" stroke="{FRONT_COLOUR}" stroke-width="8" stroke-linecap="round" '
            f'stroke-opacity="0.5">{"".join(fronts)}</g>'
            f'<g class="fronts-core" stroke="#7a3d00" stroke-width="1.6" stroke-linecap="round" '
            f'stroke-dasharray="7 4">{"".join(fronts)}</g>'
            f'<g class="crossings" stroke="{CROSSING_COLOUR}" stroke-width="1.8" '
            f'stroke-dasharray="5 3">{"".join(crossings)}</g>'
            f'<g class="closed-roads"><g stroke="{PAPER}" stroke-width="4">{"".join(shut)}</g>'
            f'<g stroke="{CLOSED_COLOUR}" stroke-width="2" stroke-dasharray="4 3">'
            f'{"".join(shut)}</g></g>{_crossing_marks(run, view, closed)}'
            f'<g class="towns" data-view="{view.name}">{"".join(towns)}</g>'
            # names last: a marching unit's triangle never hides a town's name
            f'<g class="units">{units}</g>{view.labels}')


def _crossing_marks(run: RunInfo, view: View, closed: np.ndarray) -> str:
    """A bridge symbol on each open river crossing, a cross on each closed highway."""
    w = run.world
    out = []
    for k in range(w.m):
        crossing = w.crossings.get(k)
        if crossing is None and not closed[k]:
            continue
        u, v = int(w.eu[k]), int(w.ev[k])
        x, y = (view.tx[u] + view.tx[v]) / 2, (view.ty[u] + view.ty[v]) / 2
        name = (crossing.name or crossing.id) if crossing is not None else (
            w.edge_names[k] or "highway")
        kind = f"{crossing.kind}, " if crossing is not None else ""
        where = f"{kind}{w.names[u]} - {w.names[v]}"
        if closed[k]:
            what = f"{name} ({where}): CLOSED"
            shape = (f'<path d="M{x - 4:.1f},{y - 4:.1f}L{x + 4:.1f},{y + 4:.1f}M{x + 4:.1f},'
                     f'{y - 4:.1f}L{x - 4:.1f},{y + 4:.1f}" stroke="{PAPER}" stroke-width="4.5"/>'
                     f'<path d="M{x - 4:.1f},{y - 4:.1f}L{x + 4:.1f},{y + 4:.1f}M{x + 4:.1f},'
                     f'{y - 4:.1f}L{x - 4:.1f},{y + 4:.1f}" stroke="{CLOSED_COLOUR}" '
                     f'stroke-width="2.2"/>')
        else:
            what = f"{name} ({where}): open"
            shape = (f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" '
                     f'fill="#fff" stroke="{CROSSING_COLOUR}" stroke-width="1.8"/>')
        cid = f' data-crossing="{escape(crossing.id)}"' if crossing is not None else ""
        out.append(f'<g class="crossing-mark" data-state="{"closed" if closed[k] else "open"}"'
                   f'{cid} data-from="{escape(w.ids[u])}" data-to="{escape(w.ids[v])}">'
                   f'{shape}<title>{escape(what)}</title></g>')
    return f'<g class="crossing-marks">{"".join(out)}</g>'


def map_svg(run: RunInfo, state: DayState, *, differs: np.ndarray | None = None,
            overlay: Overlay | None = None, max_height: str = "82vh", testid: str = "") -> str:
    """A day's map as one ``<svg>`` element that scales to the width of its container.

    Args:
        run: the run drawn.
        state: the day drawn.
        differs: towns to mark as held by another faction in a run compared with this one.
        overlay: colours replacing the holders' (units and fronts are then not drawn).
        max_height: CSS height limit of the drawing.
        testid: written as ``data-testid`` when given.
    """
    lay = layout(run)
    f = lay.main.frame
    r = town_radius(state.population, lay.max_pop)
    front = (front_mask(run, state) if overlay is None
             else np.zeros(run.world.m, dtype=bool))
    tid = f' data-testid="{escape(testid)}"' if testid else ""
    parts = [f'<svg class="frontline-map" xmlns="http://www.w3.org/2000/svg"{tid} '
             f'viewBox="0 0 {f.width:.0f} {f.height:.0f}" data-day="{state.day}" '
             f'data-date="{state.date.isoformat()}" role="img" '
             f'aria-label="map of {escape(run.name)} on {state.date.isoformat()}" '
             f'style="width:100%;height:auto;max-height:{max_height};display:block;'
             f'background:{PAPER};font-family:sans-serif">{HOVER_STYLE}'
             f'<rect class="paper" width="100%" height="100%" fill="{PAPER}"/>',
             _view_svg(run, state, lay.main, r, front, differs, overlay)]
    if lay.inset is not None:
        fi, (ix, iy) = lay.inset.frame, lay.inset_at
        main = lay.main.frame
        x0, x1 = float(main.x(fi.lon0)), float(main.x(fi.lon0 + fi.width / (fi.scale * fi.kx)))
        y0, y1 = float(main.y(fi.lat1)), float(main.y(fi.lat1 - fi.height / fi.scale))
        # a leader from the marked area to the close-up, between their nearest edges
        lx, ly = (x0 + x1) / 2, (y1 if iy > y1 else y0)
        ex, ey = ix + fi.width / 2, (iy if iy > y1 else iy + fi.height)
        parts.append(
            f'<rect class="inset-marker" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
            f'height="{y1 - y0:.1f}" fill="none" stroke="#444" stroke-width="1.2" '
            f'stroke-dasharray="4 3"/><line class="inset-leader" x1="{lx:.1f}" y1="{ly:.1f}" '
            f'x2="{ex:.1f}" y2="{ey:.1f}" stroke="#444" stroke-width="1" '
            f'stroke-dasharray="4 3"/>'
            f'<g class="inset" data-title="{escape(lay.inset_title)}">'
            f'<rect x="{ix - 1:.1f}" y="{iy - 1:.1f}" width="{fi.width + 2:.1f}" '
            f'height="{fi.height + 2:.1f}" fill="{PAPER}" stroke="#444" stroke-width="1.5"/>'
            f'<svg x="{ix:.1f}" y="{iy:.1f}" width="{fi.width:.1f}" height="{fi.height:.1f}" '
            f'viewBox="0 0 {fi.width:.1f} {fi.height:.1f}">'
            f'{_view_svg(run, state, lay.inset, r, front, differs, overlay)}'
            f'<text x="5" y="14" font-size="11" font-weight="bold" fill="#333" stroke="{PAPER}" '
            f'stroke-width="3" paint-order="stroke">{escape(lay.inset_title)} (close-up)</text>'
            f'</svg></g>')
    parts.append("</svg>")
    return "".join(parts)
