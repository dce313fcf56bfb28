"""The files that let a finished run be drawn again: map.json, control_long.csv, units.csv.

``map.json`` is the static map (factions and their relations, towns, highways, features,
objectives); ``control_long.csv`` has one row per day and town (holder and siege);
``units.csv`` one row per day and unit (where it is, its order, the rule that gave it, its
fighters, morale and strength, and the town its order leads to). :func:`load_run` reads
them back, with ``run.json``, ``events.csv`` and ``factions.csv``, into the
:class:`~sim.rundata.RunData` that :func:`~sim.rundata.run_data` gives for the live model.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.atomic import open_atomic, write_text
from sim.errors import FrontlineError
from sim.rundata import RunData, UnitPos
from sim.scenario.text import csv_safe
from sim.state import closed_by_day, closure_changes

__all__ = ["CONTROL_LONG_COLUMNS", "UNIT_COLUMNS", "load_run", "write_run_files"]

CONTROL_LONG_COLUMNS = ["day", "date", "town", "controller", "besieged"]
CONTROL_LONG_LIMIT = 5_000_000  # rows: beyond this, control_long.csv has day 0 and changes
UNIT_COLUMNS = ["day", "date", "unit", "name", "faction", "lat", "lon", "fighters", "order",
                "town", "dest", "rule", "morale", "strength", "target"]


def write_run_files(data: RunData, out: Path) -> list[Path]:
    """Write ``map.json``, ``control_long.csv`` and ``units.csv`` of ``data`` into ``out``."""
    fids = [f["id"] for f in data.factions]
    static = {
        "format": 1,
        "factions": data.factions,
        "hostile": data.hostile,
        "towns": [
            {"id": t, "name": n, "lat": round(float(la), 5), "lon": round(float(lo), 5),
             "population": round(float(p))}
            for t, n, la, lo, p in zip(data.town_ids, data.town_names, data.lat, data.lon,
                                       data.population, strict=True)
        ],
        "highways": [{"from": data.town_ids[u], "to": data.town_ids[v], "name": name,
                      "terrain": terrain,
                      **({"crossing": data.crossings[k]} if k in data.crossings else {})}
                     for k, (u, v, name, terrain) in enumerate(data.highways)],
        "features": data.features,
        "objectives": {f: [[t, p] for t, p in obj] for f, obj in data.objectives.items()},
        "units_recorded": data.units_recorded,
    }
    if data.closed.size:
        static["closed"] = closure_changes(data.closed)
    paths = [out / "map.json", out / "control_long.csv", out / "units.csv"]
    write_text(paths[0], json.dumps(static, indent=1, sort_keys=True) + "\n")
    every_day = (data.days + 1) * len(data.town_ids) <= CONTROL_LONG_LIMIT
    with open_atomic(paths[1], "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CONTROL_LONG_COLUMNS)
        for day in range(data.days + 1):
            date = data.date(day).isoformat()
            towns = range(len(data.town_ids)) if every_day or day == 0 else np.nonzero(
                (data.control[day] != data.control[day - 1])
                | (data.besieged[day] != data.besieged[day - 1]))[0]
            for i in towns:
                tid = data.town_ids[i]
                c = int(data.control[day, i])
                writer.writerow([day, date, tid, fids[c] if c >= 0 else "",
                                 int(data.besieged[day, i])])
    with open_atomic(paths[2], "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(UNIT_COLUMNS)
        for day, units in enumerate(data.units):
            date = data.date(day).isoformat()
            for u in units:
                writer.writerow([day, date, u.key, csv_safe(u.name), fids[u.faction], u.lat, u.lon,
                                 u.fighters, u.order, data.town_ids[u.town],
                                 data.town_ids[u.dest] if u.dest >= 0 else "", u.rule,
                                 u.morale, u.strength,
                                 data.town_ids[u.target] if u.target >= 0 else ""])
    return paths


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_run(run_dir: Path) -> RunData:
    """The run that ``frontline run --out run_dir`` wrote, as :class:`RunData`.

    Raises:
        FrontlineError: a file is missing or does not hold what it should.
    """
    need = ["run.json", "map.json", "control_long.csv", "units.csv", "events.csv",
            "factions.csv"]
    missing = [n for n in need if not (run_dir / n).is_file()]
    if missing:
        raise FrontlineError(
            f"{run_dir}: not a run folder written by `frontline run --out` (missing "
            f"{', '.join(missing)})")
    current = ""
    try:
        current = "run.json"
        info = json.loads((run_dir / current).read_text(encoding="utf-8"))
        current = "map.json"
        static = json.loads((run_dir / current).read_text(encoding="utf-8"))
        towns = static["towns"]
        index = {t["id"]: i for i, t in enumerate(towns)}
        fidx = {f["id"]: i for i, f in enumerate(static["factions"])}
        days = int(info["days"])
        closed = closed_by_day(static.get("closed", []), days, len(static["highways"]))
        current = "control_long.csv"
        control = np.full((days + 1, len(towns)), -1, dtype=np.int16)
        besieged = np.zeros((days + 1, len(towns)), dtype=bool)
        given = np.zeros((days + 1, len(towns)), dtype=bool)
        for r in _read_csv(run_dir / current):
            d, t = int(r["day"]), index[r["town"]]
            control[d, t] = fidx[r["controller"]] if r["controller"] else -1
            besieged[d, t] = r["besieged"] == "1"
            given[d, t] = True
        for d in range(1, days + 1):  # big maps: only the changes are written
            control[d] = np.where(given[d], control[d], control[d - 1])
            besieged[d] = np.where(given[d], besieged[d], besieged[d - 1])
        current = "units.csv"
        units: list[list[UnitPos]] = [[] for _ in range(days + 1)]
        for r in _read_csv(run_dir / current):
            units[int(r["day"])].append(UnitPos(
                r["unit"], r["name"], fidx[r["faction"]], float(r["lat"]), float(r["lon"]),
                float(r["fighters"]), r["order"], index[r["town"]],
                index[r["dest"]] if r["dest"] else -1, r.get("rule") or "",
                float(r.get("morale") or 0.0), float(r.get("strength") or 0.0),
                index[r["target"]] if r.get("target") else -1))
        current = "events.csv"
        events: list[dict[str, Any]] = []
        for r in _read_csv(run_dir / current):
            events.append({**r, "day": int(r["day"])})
        current = "factions.csv"
        series: list[dict[str, Any]] = []
        for r in _read_csv(run_dir / current):
            series.append({k: (v if k in ("date", "faction") else int(float(v)))
                           for k, v in r.items()})
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        what = exc.strerror if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        raise FrontlineError(f"{run_dir / current}: cannot read it ({what})") from None
    return RunData(
        info=info,
        factions=static["factions"],
        hostile=static["hostile"],
        town_ids=[t["id"] for t in towns],
        town_names=[t["name"] for t in towns],
        lat=np.array([t["lat"] for t in towns], dtype=float),
        lon=np.array([t["lon"] for t in towns], dtype=float),
        population=np.array([t["population"] for t in towns], dtype=float),
        objectives={f: [(t, float(p)) for t, p in obj]
                    for f, obj in static["objectives"].items()},
        highways=[(index[h["from"]], index[h["to"]], h["name"], h["terrain"])
                  for h in static["highways"]],
        features=static["features"],
        control=control,
        besieged=besieged,
        units=units,
        events=events,
        series=series,
        units_recorded=bool(static.get("units_recorded", True)),
        crossings={k: h["crossing"] for k, h in enumerate(static["highways"]) if "crossing" in h},
        closed=closed,
    )
