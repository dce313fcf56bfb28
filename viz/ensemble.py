"""A sweep's results on the map: each town coloured by the probability a faction holds it.

Reads the ``control`` column ``frontline sweep`` writes (JSON ``{town: [[day, faction], ...]}``,
see docs/sweeps.md) through :func:`sim.sweep.report.load_results`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import FrontlineError
from viz.adapter import RunInfo
from viz.mapview import Overlay

__all__ = ["ENV_RESULTS_DIRS", "NOBODY_FILL", "Ensemble", "ensemble_overlay", "find_results",
           "load_ensemble", "load_ensemble_bytes", "mix"]

ENV_RESULTS_DIRS = "FRONTLINE_VIZ_RESULTS_DIRS"
"""Environment variable listing the folders whose sweep results the page offers (os.pathsep);
default: the folder ``frontline viz`` was started in."""
NOBODY_FILL = "#f2f2f2"
MISSING_FILL = "#bdbdbd"


@dataclass(frozen=True)
class Ensemble:
    """Who held each town on each day, counted over a sweep's finished runs.

    Attributes:
        name: the sweep's name.
        scenario: the name of the scenario it swept.
        days: days per run.
        start_date: ISO date of day 0.
        towns: town ids (rows of ``counts``).
        town_names: their names.
        factions: (id, name, colour) per faction (the last slot of ``counts`` is nobody).
        counts: counts[town, day, faction]: runs in which the faction held the town that day.
        runs: finished runs counted.
    """

    name: str
    scenario: str
    days: int
    start_date: str
    towns: tuple[str, ...]
    town_names: tuple[str, ...]
    factions: tuple[tuple[str, str, str], ...]
    counts: np.ndarray
    runs: int

    def probability(self, day: int) -> np.ndarray:
        """prob[town, faction] on ``day`` (clamped to the run length); last column: nobody."""
        d = max(0, min(day, self.days))
        c = self.counts[:, d, :].astype(float)
        return c / np.maximum(c.sum(axis=1, keepdims=True), 1.0)


def load_ensemble(path: Path, label: str | None = None) -> Ensemble:
    """Count who held each town when over the finished runs of a sweep results file.

    Raises:
        FrontlineError: not sweep results, or no finished run in it.
    """
    from sim.sweep.report import load_results

    meta, df = load_results(Path(path))
    shown = label or str(path)
    ok = df[df["status"] == "ok"] if "status" in df else df
    towns = tuple(t["id"] for t in meta["towns"])
    town_names = tuple(t.get("name", t["id"]) for t in meta["towns"])
    factions = tuple((f["id"], f["name"], f["colour"]) for f in meta["factions"])
    tindex = {t: i for i, t in enumerate(towns)}
    findex = {f[0]: i for i, f in enumerate(factions)}
    days = int(meta["days"])
    counts = np.zeros((len(towns), days + 1, len(factions) + 1), dtype=np.int32)
    runs = 0
    for text in ok["control"].dropna():
        try:
            control = json.loads(text)
        except ValueError as exc:
            raise FrontlineError(f"{shown}: a run's control column is not JSON: {exc}") from None
        runs += 1
        for town, changes in control.items():
            t = tindex.get(town)
            if t is None:
                continue
            bounds = [int(c[0]) for c in changes[1:]] + [days + 1]
            for (day, holder), end in zip(changes, bounds, strict=True):
                counts[t, int(day):end, findex.get(holder, len(factions))] += 1
    if runs == 0:
        raise FrontlineError(f"{shown}: no finished run in these sweep results")
    return Ensemble(str(meta.get("name", "")), str(meta.get("scenario", "")), days,
                    str(meta.get("start_date", "")), towns, town_names, factions, counts, runs)


def load_ensemble_bytes(data: bytes, name: str) -> Ensemble:
    """:func:`load_ensemble` of an uploaded Parquet file (``name`` is only shown)."""
    fd, tmp = tempfile.mkstemp(suffix=".parquet")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            return load_ensemble(Path(tmp), label=name)
        except FrontlineError as exc:
            raise FrontlineError(str(exc).replace(tmp, name)) from None
    finally:
        os.unlink(tmp)


def find_results(dirs: Iterable[Path]) -> dict[str, Path]:
    """Sweep results files (``*.parquet`` but not ``*.series.parquet``) directly in ``dirs``."""
    out: dict[str, Path] = {}
    for d in dirs:
        if not Path(d).is_dir():
            continue
        for p in sorted(Path(d).glob("*.parquet")):
            if p.is_file() and not p.name.endswith(".series.parquet"):
                out.setdefault(p.name if p.name not in out else str(p.resolve()), p.resolve())
    return out


def mix(colour: str, p: float) -> str:
    """``colour`` at strength ``p`` over white."""
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * p):02x}" for c in rgb)


def ensemble_overlay(ens: Ensemble, run: RunInfo, day: int, faction: str) -> Overlay:
    """Town fills for the map: ``faction``'s colour, the stronger the likelier it holds it.

    On ``day``; towns the sweep does not know are grey.
    """
    prob = ens.probability(day)
    ids = [f[0] for f in ens.factions]
    k = ids.index(faction) if faction in ids else len(ids)
    colour = ens.factions[k][2] if k < len(ids) else "#555555"
    name = ens.factions[k][1] if k < len(ids) else "nobody"
    tindex = {t: i for i, t in enumerate(ens.towns)}
    fills, notes, values = [], [], []
    for town in run.world.ids:
        t = tindex.get(town)
        if t is None:
            fills.append(MISSING_FILL)
            notes.append("not in the sweep results")
            values.append(float("nan"))
            continue
        p = float(prob[t, k])
        fills.append(mix(colour, p) if p > 0 else NOBODY_FILL)
        shares = ", ".join(f"{ens.factions[j][1] if j < len(ids) else 'nobody'} "
                           f"{prob[t, j]:.0%}" for j in range(len(ids) + 1) if prob[t, j] > 0)
        notes.append(f"{name} holds it in {p:.0%} of {ens.runs} runs ({shares})")
        values.append(p)
    return Overlay(fills, notes, np.array(values))
