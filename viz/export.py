"""The day on screen as files: the map as PNG, and towns, highways and units as GeoJSON."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from viz.adapter import DayState, RunInfo
from viz.mapview import front_mask

__all__ = ["caption", "export_name", "geojson_day", "png_of_svg"]

PNG_ZOOM = 2.5  # the map is 640 px wide in SVG units: 1600 px in the PNG


def export_name(run: RunInfo, state: DayState, suffix: str) -> str:
    """A file name for the day: ``deir-ez-zor-2017_2017-08-25.png``."""
    slug = re.sub(r"[^a-z0-9]+", "-", run.name.lower()).strip("-") or "frontline"
    return f"{slug}_{state.date.isoformat()}.{suffix}"


def png_of_svg(svg: str, caption: str = "", zoom: float = PNG_ZOOM) -> bytes:
    """The map SVG drawn as a PNG (with resvg, which ships inside its wheel).

    Args:
        svg: a map from :func:`viz.mapview.map_svg`.
        caption: a line written above the map (scenario, date, seed).
        zoom: pixels per SVG unit.

    Raises:
        ValueError: the SVG cannot be drawn.
    """
    import resvg_py

    # the page's CSS sizing means nothing outside a browser; resvg sizes from the viewBox
    plain = re.sub(r'style="width:100%;height:auto;max-height:[^;]*;', 'style="', svg, count=1)
    if caption:
        box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', plain)
        if box is None:
            raise ValueError("not a map: no viewBox")
        w, h = float(box.group(1)), float(box.group(2))
        inner = plain.replace("<svg ", f'<svg width="{w:g}" height="{h:g}" y="26" ', 1)
        plain = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h + 26:g}" '
                 f'width="{w:g}" height="{h + 26:g}" font-family="sans-serif">'
                 f'<rect width="100%" height="100%" fill="#ffffff"/>'
                 f'<text x="8" y="18" font-size="14" font-weight="bold" fill="#222">'
                 f'{escape(caption)}</text>{inner}</svg>')
    return bytes(resvg_py.svg_to_bytes(svg_string=plain, zoom=zoom, background="#ffffff"))


def caption(run: RunInfo, state: DayState) -> str:
    """The line above an exported map: scenario, date, day and seed."""
    d = state.date
    return (f"{run.name} · {d:%A} {d.day} {d:%B %Y} (day {state.day} of {run.days}) · "
            f"seed {run.seed}")


def _props(run: RunInfo, state: DayState, **extra: Any) -> dict[str, Any]:
    return {"date": state.date.isoformat(), "day": state.day, **extra}


def geojson_day(run: RunInfo, state: DayState) -> str:
    """One GeoJSON FeatureCollection of the day: a feature per town, highway and unit.

    Each feature's ``layer`` property says which (``town``, ``highway``, ``unit``); towns carry
    their holder, siege state, garrison and population, highways whether they are on the front
    line, units their faction, fighters and order. Coordinates are [longitude, latitude].
    """
    w = run.world
    fac = run.factions
    features: list[dict[str, Any]] = []
    for i in range(w.n):
        c = int(state.controller[i])
        features.append({"type": "Feature", "id": f"town:{w.ids[i]}",
                         "geometry": {"type": "Point",
                                      "coordinates": [float(w.lon[i]), float(w.lat[i])]},
                         "properties": _props(
                             run, state, layer="town", town=w.ids[i], name=w.names[i],
                             controller=fac[c].id if c >= 0 else None,
                             controller_name=fac[c].name if c >= 0 else None,
                             colour=fac[c].colour if c >= 0 else None,
                             besieged=bool(state.besieged[i]),
                             changed_hands=bool(state.prev[i] != c),
                             garrison=round(float(state.garrison[i]), 1),
                             population=round(float(state.population[i])))})
    front = front_mask(run, state)
    for k in range(w.m):
        u, v = int(w.eu[k]), int(w.ev[k])
        features.append({"type": "Feature", "id": f"highway:{w.ids[u]}-{w.ids[v]}",
                         "geometry": {"type": "LineString", "coordinates": [
                             [float(w.lon[u]), float(w.lat[u])],
                             [float(w.lon[v]), float(w.lat[v])]]},
                         "properties": _props(run, state, layer="highway", **{
                             "from": w.ids[u], "to": w.ids[v], "front": bool(front[k])})})
    for m in state.units:
        features.append({"type": "Feature", "id": f"unit:{m.key}",
                         "geometry": {"type": "Point", "coordinates": [m.lon, m.lat]},
                         "properties": _props(
                             run, state, layer="unit", unit=m.key, name=m.name,
                             faction=fac[m.faction].id, fighters=round(m.fighters, 1),
                             order=m.order, town=w.ids[m.node],
                             heading_to=w.ids[m.dest] if m.dest >= 0 else None)})
    doc = {"type": "FeatureCollection", "name": run.name,
           "properties": {"scenario": run.name, "seed": run.seed,
                          "date": state.date.isoformat(), "day": state.day},
           "features": features}
    return json.dumps(doc, indent=1, ensure_ascii=False)
