"""The data of a sweep's ``report.html``: control probabilities by town and day, fans, tables.

Built from the results table and its metadata (what ``frontline report`` reads), the sweep's
scenario for the map (towns, highways, rivers; without it the page has no map), the daily
series file when the sweep recorded one, the sensitivity tables ``frontline report``
wrote beside it (``overall.csv``'s rank correlations, any ``sensitivity*.csv``), and the
observed events given with ``--observed`` (``sim.sweep.observed``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.htmlreport.rundoc import map_views

if TYPE_CHECKING:
    import pandas as pd

    from sim.sweep.observed import Marker

__all__ = ["FAN_QUANTILES", "closed_shares", "control_probabilities", "fan_levels",
           "sweep_document"]

FAN_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
BINS = 5  # sampled parameters are cut into this many bins of equal count
MAX_TABLE_ROWS = 200


def control_probabilities(meta: dict[str, Any], control: pd.Series) -> np.ndarray:
    """``p[town, day, faction]`` over the runs' control columns; the last slot is nobody."""
    towns = {t["id"]: i for i, t in enumerate(meta.get("towns") or [])}
    factions = {f["id"]: i for i, f in enumerate(meta["factions"])}
    days = int(meta["days"])
    counts = np.zeros((len(towns), days + 1, len(factions) + 1))
    runs = 0
    for text in control.dropna():
        runs += 1
        for town, changes in json.loads(text).items():
            t = towns.get(town)
            if t is None:
                continue
            ends = [c[0] for c in changes[1:]] + [days + 1]
            for (day, holder), end in zip(changes, ends, strict=True):
                counts[t, day:end, factions.get(holder, len(factions))] += 1
    return counts / max(runs, 1)


def _quantiles(x: np.ndarray, kind: str, days: int) -> dict[str, Any]:
    if kind == "day":
        never = np.isnan(x)
        filled = np.where(never, np.inf, x)
        q: Any = np.quantile(filled, FAN_QUANTILES, method="inverted_cdf") if len(x) else []
        return {"n": len(x), "never": float(never.mean()) if len(x) else 0.0,
                "q": [None if not math.isfinite(v) else float(v) for v in q]}
    qa: Any = np.quantile(x, FAN_QUANTILES) if len(x) else []
    return {"n": len(x), "never": 0.0, "q": [float(v) for v in qa]}


def _short(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def fan_levels(ok: pd.DataFrame, column: str, kind: str, param: dict[str, Any],
               days: int) -> list[dict[str, Any]]:
    """The metric's quantiles at each value (or bin, for sampled parameters) of ``param``."""
    x = ok[param["path"]]
    y = ok[column].astype(float).to_numpy()
    out = []
    if param["sampled"] and x.nunique() > BINS:
        edges = np.quantile(x.astype(float), np.linspace(0, 1, BINS + 1))
        which = np.clip(np.searchsorted(edges, x.astype(float), side="right") - 1, 0, BINS - 1)
        for b in range(BINS):
            sel = which == b
            label = f"{_short(edges[b])} to {_short(edges[b + 1])}"
            out.append({"label": label, **_quantiles(y[sel], kind, days)})
        return out
    for v in sorted(x.dropna().unique(), key=lambda v: (str(type(v)), v)):
        sel = (x == v).to_numpy()
        out.append({"label": _short(v) if isinstance(v, float) else str(v),
                    **_quantiles(y[sel], kind, days)})
    return out


def closed_shares(closed: pd.Series, highways: int, days: int) -> dict[str, Any] | None:
    """In how many runs each highway is closed, by day, from the results' ``closed`` column.

    Returns ``{"runs": n, "closed": {highway: [[day, runs closed], ...]}}`` with a pair on
    day 0 and on every day the count changes, for the highways closed on some day of some
    run; None when no run recorded its closures (results written before the column existed).
    """
    counts = np.zeros((days + 1, highways), dtype=np.int64)
    runs = 0
    for text in closed.dropna():
        runs += 1
        state = np.zeros(highways, dtype=np.int64)
        day = 0
        for d, k, v in json.loads(text):
            if d > day:
                counts[day:d] += state
                day = d
            if 0 <= k < highways:
                state[k] = 1 if v else 0
        counts[day:] += state
    if not runs:
        return None
    out: dict[str, list[list[int]]] = {}
    for k in np.flatnonzero(counts.any(axis=0)):
        col = counts[:, k]
        out[str(k)] = [[d, int(col[d])] for d in range(days + 1) if d == 0 or col[d] != col[d - 1]]
    return {"runs": runs, "closed": out}


def _scenario_map(meta: dict[str, Any], closed: pd.Series | None = None
                  ) -> dict[str, Any] | None:
    """Towns with positions, highways, crossings and features of the sweep's scenario.

    None if the scenario file is gone or no longer has the sweep's towns. ``closed``: the
    results' ``closed`` column (absent in old results: the crossings are then drawn as the
    scenario declares them at the start, ``closedRuns`` None).
    """
    from sim.errors import FrontlineError
    from sim.scenario import load_scenario
    from sim.world import World

    try:
        loaded = load_scenario(Path(meta["scenario_file"]), list(meta.get("set", {}).items()))
    except (FrontlineError, OSError, KeyError, TypeError):
        return None
    s = loaded.scenario
    if [t.id for t in s.towns] != [t["id"] for t in meta.get("towns") or []]:
        return None
    w = World(s)  # highway k is the scenario's k-th, as in the runs' ``closed`` column
    lat = np.array([t.lat for t in s.towns])
    lon = np.array([t.lon for t in s.towns])
    pop = np.array([float(t.population) for t in s.towns])
    shares = None if closed is None else closed_shares(closed, w.m, int(meta["days"]))
    ever = {int(k) for k in (shares or {}).get("closed", {})}
    marked = sorted(set(w.crossings) | ever)
    marks = np.array([[(lat[w.eu[k]] + lat[w.ev[k]]) / 2, (lon[w.eu[k]] + lon[w.ev[k]]) / 2]
                      for k in marked]).reshape(-1, 2)
    return {
        "towns": [{"id": t.id, "name": t.name, "lat": t.lat, "lon": t.lon, "pop": t.population}
                  for t in s.towns],
        "roads": [[int(w.eu[k]), int(w.ev[k]), w.edge_names[k], w.edge_terrain[k]]
                  for k in range(w.m)],
        "crossings": {str(k): {"kind": c.kind, "name": c.name or c.id}
                      for k, c in sorted(w.crossings.items())},
        "closedAtStart": [int(k) for k, c in sorted(w.crossings.items()) if not c.open],
        "closedRuns": shares,
        "features": [{"kind": f.kind, "name": f.name, "points": [list(p) for p in f.points]}
                     for f in s.features],
        "views": map_views(lat, lon, [t.name for t in s.towns], pop, marks),
    }


def _read_table(path: Path, title: str) -> dict[str, Any]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {"title": title, "file": path.name, "columns": rows[0] if rows else [],
            "rows": rows[1:MAX_TABLE_ROWS + 1], "more": max(0, len(rows) - 1 - MAX_TABLE_ROWS)}


def _tables(out: Path) -> list[dict[str, Any]]:
    tables = []
    overall = out / "overall.csv"
    if overall.is_file():
        t = _read_table(overall, "Sensitivity: Spearman rank correlation of each metric with "
                                 "each parameter (never = after the end)")
        keep = [i for i, c in enumerate(t["columns"]) if c == "metric" or c.startswith("rho ")]
        if len(keep) > 1:
            t["columns"] = [t["columns"][i] for i in keep]
            t["rows"] = [[r[i] for i in keep] for r in t["rows"]]
            tables.append(t)
    for path in sorted(out.glob("sensitivity*.csv")):
        t = _read_table(path, f"Sensitivity indices ({path.name})")
        keep = [i for i, _ in enumerate(t["columns"]) if any(r[i] != "" for r in t["rows"])]
        t["columns"] = [t["columns"][i] for i in keep]  # e.g. no Sobol columns for Morris
        t["rows"] = [[r[i] for i in keep] for r in t["rows"]]
        tables.append(t)
    return tables


def _series_fans(meta: dict[str, Any], path: Path, runs: set[int]) -> list[dict[str, Any]]:
    from sim.sweep.store import read_series

    s = read_series(meta, path, runs)
    if s is None:
        return []
    out = []
    for name in meta["series"]:
        for f in meta["factions"]:
            sub = s[s["faction"] == f["id"]]
            if sub.empty or name not in sub:
                continue
            q = sub.groupby("day")[name].quantile([0.1, 0.5, 0.9]).unstack()
            out.append({"series": name, "faction": f["id"], "colour": f["colour"],
                        "name": f["name"], "q10": q[0.1].round(1).tolist(),
                        "q50": q[0.5].round(1).tolist(), "q90": q[0.9].round(1).tolist()})
    return out


def _observed(markers: Sequence[Marker], meta: dict[str, Any], ok: pd.DataFrame,
              prob: np.ndarray | None) -> list[dict[str, Any]]:
    """The markers with the share of runs that agree on the observation's date.

    A capture or a ``held`` naming a faction: the share of runs in which it holds the town on
    that date; else, with a metric meaning exactly the event: the share in which it happened
    by then; else None.
    """
    towns = {t["id"]: i for i, t in enumerate(meta.get("towns") or [])}
    factions = {f["id"]: i for i, f in enumerate(meta["factions"])}
    out = []
    for mk in markers:
        share: float | None = None
        t, f = towns.get(mk.town), factions.get(mk.faction)
        if mk.event in ("capture", "held") and prob is not None and t is not None \
                and f is not None:
            share = float(prob[t, mk.day, f])
        else:
            exact = [c for c, e in zip(mk.metrics, mk.exact, strict=True) if e and c in ok]
            if exact and len(ok):
                share = float((ok[exact[0]].astype(float) <= mk.day).mean())
        out.append({**mk.as_json(), "townIndex": -1 if t is None else t,
                    "share": None if share is None else round(share, 3)})
    return out


def sweep_document(meta: dict[str, Any], df: pd.DataFrame, results: Path,
                   out: Path, observed: Sequence[Marker] = ()) -> dict[str, Any]:
    """Everything the sweep's ``report.html`` shows, as JSON-ready data.

    ``observed``: observed events to mark on the timeline, the map and the fan charts.
    """
    from sim.sweep.store import series_path

    ok = df[df["status"] == "ok"]
    days = int(meta["days"])
    start = dt.date.fromisoformat(meta["start_date"])
    prob = control_probabilities(meta, ok["control"]) if "control" in ok else None
    changes: list[list[list[float]]] = []
    if prob is not None:
        for t in range(prob.shape[0]):
            rows: list[list[float]] = []
            for d in range(days + 1):
                row = [round(float(v), 3) for v in prob[t, d]]
                if not rows or row != rows[-1][1:]:
                    rows.append([d, *row])
            changes.append(rows)
    fans = []
    for m in meta["metrics"]:
        if m["kind"] == "faction" or m["column"] not in ok:
            continue
        by = [[p["path"], fan_levels(ok, m["column"], m["kind"], p, days)]
              for p in meta["parameters"] if p["path"] in ok]
        if not by:
            by = [["", [{"label": "all runs", **_quantiles(
                ok[m["column"]].astype(float).to_numpy(), m["kind"], days)}]]]
        fans.append({"column": m["column"], "metric": m["metric"], "kind": m["kind"],
                     "by": by})
    return {
        "kind": "sweep",
        "meta": {k: meta.get(k) for k in ("name", "description", "scenario", "scenario_file",
                                          "design", "seed", "points", "replicates", "set")},
        "runs": len(df), "ok": len(ok),
        "parameters": [p["path"] for p in meta["parameters"]],
        "days": days,
        "dates": [(start + dt.timedelta(days=d)).isoformat() for d in range(days + 1)],
        "factions": [{"id": f["id"], "name": f.get("name", f["id"]), "colour": f["colour"]}
                     for f in meta["factions"]],
        "map": _scenario_map(meta, ok.get("closed")),
        "townNames": [t.get("name", t["id"]) for t in meta.get("towns") or []],
        "prob": changes,
        "fans": fans,
        "series": _series_fans(meta, series_path(results), set(ok["run"])),
        "tables": _tables(out),
        "observed": _observed(observed, meta, ok, prob),
    }
