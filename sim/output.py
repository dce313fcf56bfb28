"""Writing a run's results: CSV tables, GeoJSON of the final state, PNG charts, metadata."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.atomic import open_atomic, write_text
from sim.record import BATTLE_FIGURES
from sim.rundata import run_info
from sim.scenario.text import csv_safe

if TYPE_CHECKING:
    from sim.model import TerritoryModel

__all__ = ["EVENT_COLUMNS", "write_outputs"]

EVENT_COLUMNS = [
    "date",
    "day",
    "kind",
    "faction",
    "town",
    "town_name",
    "other_faction",
    "detail",
    "text",
    *BATTLE_FIGURES,
]


def write_outputs(model: TerritoryModel, out: str | Path, plots: bool = True) -> list[Path]:
    """Write every output file of a run into ``out`` (created if needed); returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        _write_csv(out / "events.csv", EVENT_COLUMNS, [e.row() for e in model.record.events]),
        _write_control(model, out / "control.csv"),
        _write_csv(out / "factions.csv", list(model.record.series[0]), model.record.series),
        _write_json(out / "final_state.geojson", final_state(model)),
        _write_json(out / "run.json", run_info(model)),
    ]
    from sim.gis import write_gis
    from sim.rundata import run_data
    from sim.runfiles import write_run_files

    data = run_data(model)
    paths += write_run_files(data, out) + write_gis(data, out)
    if plots:
        from sim.htmlreport import write_run_report
        from sim.plots import plot_fronts, plot_map, plot_territory

        paths.append(plot_map(data, data.days, out / "map.png"))
        paths.append(plot_fronts(data, out / "fronts.png"))
        paths.append(plot_territory(data, out / "territory.png"))
        paths.append(write_run_report(data, out / "report.html"))
    return paths


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    with open_atomic(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        # names are free text: a cell a spreadsheet would run as a formula is defused
        writer.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
    return path


def _write_control(model: TerritoryModel, path: Path) -> Path:
    ids = [f.id for f in model.factions]
    with open_atomic(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["day", "date", *model.world.ids])
        for day, row in enumerate(model.record.control_history):
            date = model.start_date.toordinal() + day
            writer.writerow(
                [
                    day,
                    type(model.start_date).fromordinal(date).isoformat(),
                    *(ids[c] if c >= 0 else "" for c in row),
                ]
            )
    return path


def _write_json(path: Path, data: Any) -> Path:
    write_text(path, json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")
    return path


def final_state(model: TerritoryModel) -> dict[str, Any]:
    """The map at the end of the run as a GeoJSON FeatureCollection (towns, highways, units)."""
    w = model.world
    ids = [f.id for f in model.factions]
    features: list[dict[str, Any]] = []
    towns = model.towns
    front_line = w.front_line(towns.controller, model.relations.hostile)
    garrison_units: dict[int, float] = {}
    for unit in model.forces:
        if unit.dest < 0:
            garrison_units[unit.node] = garrison_units.get(unit.node, 0.0) + unit.fighters
    for i in range(w.n):
        c = towns.controller[i]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(w.lon[i]), 5), round(float(w.lat[i]), 5)],
                },
                "properties": {
                    "kind": "town",
                    "id": w.ids[i],
                    "name": w.names[i],
                    "controller": ids[c] if c >= 0 else None,
                    "garrison": round(float(towns.garrison[i]), 1),
                    "unit_fighters": round(garrison_units.get(i, 0.0), 1),
                    "population": round(float(towns.population[i])),
                    "besieged": bool(model.supply.besieged[i]),
                },
            }
        )
    for k in range(w.m):
        u, v = int(w.eu[k]), int(w.ev[k])
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(float(w.lon[u]), 5), round(float(w.lat[u]), 5)],
                        [round(float(w.lon[v]), 5), round(float(w.lat[v]), 5)],
                    ],
                },
                "properties": {
                    "kind": "highway",
                    "from": w.ids[u],
                    "to": w.ids[v],
                    "name": w.edge_names[k],
                    "length_km": round(float(w.length_km[k]), 2),
                    "front_line": bool(front_line[k]),
                },
            }
        )
    for unit in model.forces:
        lat, lon = unit.position()
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {
                    "kind": "unit",
                    "id": unit.key,
                    "name": unit.name,
                    "faction": ids[unit.faction],
                    "fighters": round(unit.fighters, 1),
                    "morale": round(unit.morale, 3),
                    "order": unit.order,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"date": model.date.isoformat(), "day": model.day},
    }
