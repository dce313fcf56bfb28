"""The data of a run's ``report.html``: a JSON document built from :class:`~sim.rundata.RunData`.

The browser does no layout of its own for towns: positions, the close-up of a crowded district
and every town label's place (without overlaps, by ``sim.labels``) are computed here, in the
units of the page's SVG ``viewBox``; the page only colours, moves and animates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.htmlreport.narrative import narrative
from sim.labels import place_labels
from sim.maplayout import LABEL_LIMIT, Projection, dense_cluster, short_name, text_size
from sim.rundata import RunData
from sim.state import closure_changes

__all__ = ["FONT_SIZES", "map_views", "run_document"]

MAIN_WIDTH = 1000.0
ZOOM_WIDTH = 420.0
FONT_SIZES = {"main": 15.0, "zoom": 12.0}  # viewBox units: the main map is 1000 wide
REPORT_LIMIT = 5000  # towns: above this the map draws no unit trails and no labels


def _radii(population: np.ndarray, scale: float) -> np.ndarray:
    pop = np.maximum(population, 1.0)
    return scale * (2.5 + 7.5 * np.sqrt(pop / pop.max()))


def _distance(box: tuple[float, float, float, float], p: np.ndarray) -> float:
    dx = max(box[0] - p[0], 0.0, p[0] - box[2])
    dy = max(box[1] - p[1], 0.0, p[1] - box[3])
    return float(np.hypot(dx, dy))


MARK_RADIUS = 7.0  # viewBox units kept clear of labels around a crossing's symbol


def map_views(lat: np.ndarray, lon: np.ndarray, names: list[str],
              population: np.ndarray, marks: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The main map and, when towns crowd, a close-up: projection, town radii, label places.

    ``marks`` (``(k, 2)`` latitude, longitude) are symbols the labels keep clear of (the
    middles of river crossings and closed highways).
    """
    marks = np.zeros((0, 2)) if marks is None else marks
    n = len(lat)
    cluster = dense_cluster(lat, lon)
    views = []
    main = Projection.fit(lat, lon, MAIN_WIDTH, 40.0, max_height=900.0)
    skip = set() if cluster is None else {int(i) for i in cluster}
    specs: list[tuple[str, Projection, list[int], bool]] = [
        ("main", main, [i for i in range(n) if i not in skip], False)]
    if cluster is not None:
        clat, clon = lat[cluster], lon[cluster]
        pad = 0.25 * max(float(np.ptp(clat)), float(np.ptp(clon)), 0.01)
        box_lat = np.array([clat.min() - pad, clat.max() + pad])
        box_lon = np.array([clon.min() - pad, clon.max() + pad])
        zoom = Projection.fit(box_lat, box_lon, ZOOM_WIDTH, 10.0, max_height=420.0)
        inside = [i for i in range(n) if box_lat[0] <= lat[i] <= box_lat[1]
                  and box_lon[0] <= lon[i] <= box_lon[1]]
        specs.append(("zoom", zoom, inside, True))
    for name, proj, labelled, short in specs:
        xy = proj(lat, lon)
        radii = _radii(population, 1.0 if name == "main" else 1.3)
        labels: list[list[float] | None] = [None] * n
        if n <= LABEL_LIMIT and labelled:
            texts = [short_name(names[i]) if short else names[i] for i in labelled]
            sizes = np.array([text_size(t, FONT_SIZES[name]) for t in texts]) * [1.06, 1.0]
            order = sorted(range(len(labelled)), key=lambda k: -population[labelled[k]])
            mark_xy = proj(marks[:, 0], marks[:, 1]) if len(marks) else np.zeros((0, 2))
            boxes = place_labels(xy[labelled], sizes, radii[labelled],
                                 (0.0, 0.0, proj.width, proj.height), order=order,
                                 markers=np.vstack((xy, mark_xy)),
                                 marker_radii=np.concatenate((radii + 1.0, np.full(
                                     len(mark_xy), MARK_RADIUS))))
            for k, box in enumerate(boxes):
                if box is not None:
                    i = labelled[k]
                    far = _distance(box, xy[i]) > radii[i] + 4.0
                    labels[i] = [round(box[0], 1), round((box[1] + box[3]) / 2, 1),
                                 round(box[2] - box[0], 1), int(far)]
        view: dict[str, Any] = {"id": name, "tf": proj.as_list(),
                                "r": [round(float(r), 2) for r in radii], "labels": labels,
                                "short": short, "font": FONT_SIZES[name]}
        if name == "zoom":
            corners = main(box_lat, box_lon)
            view["box"] = [round(float(v), 1) for v in (*corners.min(axis=0),
                                                       *corners.max(axis=0))]
        views.append(view)
    return views


def _changes(arr: np.ndarray) -> list[list[int]]:
    days, towns = np.nonzero(arr[1:] != arr[:-1])
    return [[int(d) + 1, int(t), int(arr[d + 1, t])] for d, t in zip(days, towns, strict=True)]


def _marks(data: RunData) -> np.ndarray:
    """Latitude and longitude of the middle of every crossing and every highway ever closed."""
    ever = data.closed.any(axis=0) if data.closed.size else np.zeros(len(data.highways), bool)
    ks = sorted(set(data.crossings) | {int(k) for k in np.nonzero(ever)[0]})
    return np.array([[(data.lat[data.highways[k][0]] + data.lat[data.highways[k][1]]) / 2,
                      (data.lon[data.highways[k][0]] + data.lon[data.highways[k][1]]) / 2]
                     for k in ks]).reshape(-1, 2)


def run_document(data: RunData) -> dict[str, Any]:
    """Everything ``report.html`` shows, as JSON-ready data."""
    n = len(data.town_ids)
    fids = [f["id"] for f in data.factions]
    objectives = {t for obj in data.objectives.values() for t, _ in obj}
    series: dict[str, list[list[int]]] = {}
    for key in ("towns", "population", "fighters"):
        series[key] = [[int(r[key]) for r in data.series if r["faction"] == f] for f in fids]
    unit_keys: dict[str, int] = {}
    unit_list: list[dict[str, Any]] = []
    unit_days = []
    for positions in data.units if n <= REPORT_LIMIT else []:
        row = []
        for u in positions:
            if u.key not in unit_keys:
                unit_keys[u.key] = len(unit_list)
                unit_list.append({"key": u.key, "name": u.name, "faction": u.faction})
            row.append([unit_keys[u.key], u.lat, u.lon, round(u.fighters), u.order])
        unit_days.append(row)
    return {
        "kind": "run",
        "title": f"{data.info.get('scenario', '')}: seed {data.info.get('seed', '')}",
        "info": data.info,
        "days": data.days,
        "dates": [data.date(d).isoformat() for d in range(data.days + 1)],
        "factions": data.factions,
        "hostile": data.hostile,
        "towns": [{"id": data.town_ids[i], "name": data.town_names[i],
                   "lat": round(float(data.lat[i]), 5), "lon": round(float(data.lon[i]), 5),
                   "pop": round(float(data.population[i])),
                   "objective": data.town_ids[i] in objectives} for i in range(n)],
        "roads": [[u, v, name, terrain] for u, v, name, terrain in data.highways],
        "crossings": {str(k): kind for k, kind in sorted(data.crossings.items())},
        "closed": closure_changes(data.closed),
        "features": data.features,
        "views": map_views(data.lat, data.lon, data.town_names, data.population,
                           _marks(data))
        if n <= REPORT_LIMIT else [],
        "control0": [int(c) for c in data.control[0]],
        "controlChanges": _changes(data.control.astype(np.int64)),
        "sieges0": [int(b) for b in data.besieged[0]],
        "siegeChanges": _changes(data.besieged.astype(np.int64)),
        "units": {"list": unit_list, "days": unit_days, "recorded": data.units_recorded},
        "series": series,
        "events": [{"day": int(e["day"]), "kind": e["kind"], "faction": e["faction"],
                    "town": e["town"], "text": e["text"]} for e in data.events],
        "narrative": narrative(data),
    }
