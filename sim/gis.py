"""GIS layers of a run: towns, highways, control over time and units, one GeoJSON file each.

Written into ``gis/`` of a run's folder. ``control.geojson`` has one feature per town and
period of unchanged holder and siege, with ``valid_from`` / ``valid_to`` dates (``valid_to``
is the first date on which it no longer holds; the last period ends the day after the run),
so time-aware GIS tools (QGIS's temporal controller, kepler.gl) can animate it;
``units.geojson`` one point per unit and day, with ``valid_from`` / ``valid_to`` the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sim.atomic import write_text
from sim.rundata import RunData

__all__ = ["GIS_LAYERS", "write_gis"]

GIS_LAYERS = ("towns", "highways", "control", "units", "features")


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]}


def _collection(name: str, features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "name": name, "features": features}


def layers(data: RunData) -> dict[str, dict[str, Any]]:
    """Each layer of :data:`GIS_LAYERS` as a GeoJSON FeatureCollection."""
    fids = [f["id"] for f in data.factions]
    end = data.date(data.days + 1).isoformat()
    towns = [
        {"type": "Feature", "geometry": _point(data.lat[i], data.lon[i]),
         "properties": {"id": t, "name": data.town_names[i],
                        "population": round(float(data.population[i]))}}
        for i, t in enumerate(data.town_ids)
    ]
    highways = [
        {"type": "Feature",
         "geometry": {"type": "LineString", "coordinates": [
             [round(float(data.lon[u]), 5), round(float(data.lat[u]), 5)],
             [round(float(data.lon[v]), 5), round(float(data.lat[v]), 5)]]},
         "properties": {"from": data.town_ids[u], "to": data.town_ids[v], "name": name,
                        "terrain": terrain}}
        for u, v, name, terrain in data.highways
    ]
    control = []
    for i, t in enumerate(data.town_ids):
        start = 0
        for day in range(1, data.days + 2):
            if day <= data.days and (data.control[day, i] == data.control[start, i]
                                     and data.besieged[day, i] == data.besieged[start, i]):
                continue
            c = int(data.control[start, i])
            control.append({
                "type": "Feature", "geometry": _point(data.lat[i], data.lon[i]),
                "properties": {"id": t, "name": data.town_names[i],
                               "controller": fids[c] if c >= 0 else None,
                               "besieged": bool(data.besieged[start, i]),
                               "valid_from": data.date(start).isoformat(),
                               "valid_to": data.date(day).isoformat() if day <= data.days
                               else end,
                               "day_from": start, "day_to": day}})
            start = day
    units = []
    for day, positions in enumerate(data.units):
        for u in positions:
            units.append({
                "type": "Feature", "geometry": _point(u.lat, u.lon),
                "properties": {"id": u.key, "name": u.name, "faction": fids[u.faction],
                               "fighters": u.fighters, "order": u.order, "rule": u.rule,
                               "day": day,
                               "valid_from": data.date(day).isoformat(),
                               "valid_to": (data.date(day) + dt.timedelta(days=1)).isoformat()}})
    features = [
        {"type": "Feature",
         "geometry": {"type": "LineString",
                      "coordinates": [[round(lon, 5), round(lat, 5)] for lat, lon in f["points"]]},
         "properties": {"kind": f["kind"], "name": f["name"]}}
        for f in data.features
    ]
    out = {"towns": towns, "highways": highways, "control": control, "units": units,
           "features": features}
    return {name: _collection(name, out[name]) for name in GIS_LAYERS}


def write_gis(data: RunData, out: Path) -> list[Path]:
    """Write ``out/gis/<layer>.geojson`` for each layer; returns the paths."""
    folder = out / "gis"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, collection in layers(data).items():
        path = folder / f"{name}.geojson"
        write_text(path, json.dumps(collection, separators=(",", ":"), sort_keys=True) + "\n")
        paths.append(path)
    return paths
