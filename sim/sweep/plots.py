"""Figures of a sweep's results: metrics against parameters, and who holds each town by day.

Pure drawing: each function takes the sweep's metadata and a table of finished runs and writes
PNG files (matplotlib, Agg). ``sim.sweep.report`` decides which figures to draw.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.sweep.store import read_series, series_path

if TYPE_CHECKING:
    import pandas as pd

    from sim.sweep.observed import Marker

__all__ = ["QUANTILES", "changing_towns", "control_plot", "fmt", "metric_plot", "numeric",
           "series_plots", "short", "slug"]

QUANTILES = (0.1, 0.5, 0.9)
MAX_LINES = 6  # a second grid parameter with at most this many levels gets a line per level
MAX_PANELS = 30  # towns per control-by-day figure
NONE_COLOUR = "#bbbbbb"
OBSERVED_COLOUR = "#d53f8c"  # observed events (``--observed``); pink is past the lines drawn


def slug(text: str) -> str:
    """A file-name-safe form of a column or parameter name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:80] or "x"


def short(path: str) -> str:
    """A parameter's label: its last two path segments (``with.rate`` -> ``conscript rate``)."""
    parts = [p for p in path.split(".") if p not in ("with", "rules", "forces", "factions",
                                                       "towns", "simulation")]
    return " ".join(parts[-2:]) if parts else path


def fmt(x: Any) -> str:
    """A value for a table or a label: thousands separated, 3 significant digits, "never"."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "never"
    if isinstance(x, bool | str):
        return str(x)
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=110, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def numeric(values: pd.Series) -> bool:
    """Whether a column holds numbers (not booleans, not text)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return bool(is_numeric_dtype(values)) and not is_bool_dtype(values)


def _band(ax: Any, xs: list[Any], groups: list[np.ndarray], kind: str, days: int,
          colour: str | None, label: str | None) -> None:
    """Mean (or, for days, median) line with a 10-90 % band over the runs at each x."""
    if kind == "day":
        arrs = [np.where(np.isnan(g), np.inf, g) for g in groups]
        q = np.array([np.quantile(a, QUANTILES, method="inverted_cdf") if len(a) else
                      [np.nan] * 3 for a in arrs])
        q = np.minimum(q, days + 0.5 * max(1, days * 0.04))  # never: drawn above the end
        mid = q[:, 1]
    else:
        q = np.array([np.quantile(g, QUANTILES) if len(g) else [np.nan] * 3 for g in groups])
        mid = np.array([g.mean() if len(g) else np.nan for g in groups])
    line = ax.plot(xs, mid, marker="o", ms=3, color=colour, label=label)[0]
    ax.fill_between(xs, q[:, 0], q[:, 2], alpha=0.2, color=line.get_color(), linewidth=0)


def _wilson(k: int, n: int, z: float = 1.645) -> tuple[float, float]:
    """90 % Wilson interval of a proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (c - h, c + h)


def _binned(x: pd.Series, n_bins: int) -> tuple[list[float], list[np.ndarray]]:
    """For a sampled parameter: quantile bins of x, their mid points and member indices."""
    edges = np.unique(np.quantile(x, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    mids, members = [], []
    for b in range(len(edges) - 1):
        idx = np.flatnonzero(which == b)
        if len(idx):
            mids.append(float(x.iloc[idx].median()))
            members.append(idx)
    return mids, members


def metric_plot(meta: dict[str, Any], ok: pd.DataFrame, m: dict[str, Any], p: dict[str, Any],
                 out: Path, colours: dict[str, str], by_day: int | None = None,
                 observed: Sequence[Marker] = ()) -> Path:
    """One metric against one parameter (see docs/sweeps.md, "The report"); returns the PNG.

    Day metrics get two panels: the probability of happening by ``by_day`` (default: the end
    of the run) with a 90 % Wilson interval, and the median day with its 10-90 % band, with
    the observed events that date the metric as orange lines (and their uncertainty).
    """
    import matplotlib.pyplot as plt

    deadline = by_day if by_day is not None and by_day < meta["days"] else meta["days"]

    days = meta["days"]
    col, path = m["column"], p["path"]
    others = [q for q in meta["parameters"] if q["path"] != path and not q["sampled"]
              and not p["sampled"]]
    split = others[0] if len(others) == 1 and len(others[0]["values"]) <= MAX_LINES else None
    kind = m["kind"]
    rows = 2 if kind == "day" else 1
    fig, axes = plt.subplots(rows, 1, figsize=(7, 3.2 * rows + 0.6), sharex=True,
                             squeeze=False, layout="constrained")
    xcol = ok[path]
    is_num = numeric(xcol)
    subsets: list[tuple[str | None, pd.DataFrame]] = [(None, ok)]
    if split is not None:
        subsets = [(f"{short(split['path'])} = {fmt(v)}", ok[ok[split["path"]] == v])
                   for v in sorted(ok[split["path"]].dropna().unique())]
    if kind == "faction":
        ax = axes[0, 0]
        xs, labels = _x_levels(ok[path], is_num)
        factions = [f["id"] for f in meta["factions"]] + ["none"]
        share = {f: [] for f in factions}  # type: dict[str, list[float]]
        for x in xs:
            vals = ok[ok[path] == x][col].fillna("none")
            for f in factions:
                share[f].append(float((vals == f).mean()) if len(vals) else 0.0)
        pos = xs if is_num else list(range(len(xs)))
        ax.stackplot(pos, *[share[f] for f in factions], labels=factions,
                     colors=[colours.get(f, NONE_COLOUR) for f in factions], alpha=0.85)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of runs")
        ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
        if not is_num:
            ax.set_xticks(pos, labels)
    else:
        for label, sub in subsets:
            if p["sampled"]:
                ax = axes[-1, 0]
                yv = sub[col].astype(float)
                if kind == "day":
                    yv = yv.fillna(days + max(1, days * 0.04))
                ax.scatter(sub[path], yv, s=6, alpha=0.25, color="grey")
                xs, members = _binned(sub[path].reset_index(drop=True), 10)
                groups = [sub[col].astype(float).to_numpy()[i] for i in members]
            else:
                levels, _ = _x_levels(sub[path], is_num)
                xs = levels if is_num else list(range(len(levels)))
                groups = [sub[sub[path] == v][col].astype(float).to_numpy() for v in levels]
            _band(axes[-1, 0], xs, groups, kind, days, None, label)
            if kind == "day":
                ax = axes[0, 0]
                ks = [int((g <= deadline).sum()) for g in groups]  # NaN (never) is not <=
                ns = [len(g) for g in groups]
                prob = [k / n if n else np.nan for k, n in zip(ks, ns, strict=True)]
                line = ax.plot(xs, prob, marker="o", ms=3, label=label)[0]
                lo, hi = zip(*(_wilson(k, n) for k, n in zip(ks, ns, strict=True)), strict=True)
                ax.fill_between(xs, lo, hi, alpha=0.2, color=line.get_color(), linewidth=0)
        if kind == "day":
            axes[0, 0].set_ylim(-0.02, 1.02)
            axes[0, 0].set_ylabel(f"P(by day {deadline})")
            ax = axes[1, 0]
            if ok[col].isna().any():  # else the axis keeps to the days that happened
                ax.axhline(days, color="k", lw=0.8, ls="--")
                ax.text(ax.get_xlim()[0], days, " end of run; above: never", va="bottom",
                        fontsize=7)
            if deadline < days:
                ax.axhline(deadline, color="firebrick", lw=0.8, ls=":")
                ax.text(ax.get_xlim()[0], deadline, f" day {deadline}", va="bottom",
                        fontsize=7, color="firebrick")
            ax.set_ylabel("day (median, 10-90%)")
            for mk in (o for o in observed if m["column"] in o.metrics):
                ax.axhline(mk.day, color=OBSERVED_COLOUR, lw=1.2, ls="--")
                if mk.uncertainty:
                    ax.axhspan(mk.day - mk.uncertainty, mk.day + mk.uncertainty,
                               color=OBSERVED_COLOUR, alpha=0.12, lw=0)
                ax.text(ax.get_xlim()[1], mk.day, f"observed {mk.date} ", ha="right",
                        va="bottom", fontsize=7, color=OBSERVED_COLOUR)
        else:
            axes[0, 0].set_ylabel(f"{m['metric']} (mean, 10-90%)")
        if not is_num and not p["sampled"]:
            levels, labels = _x_levels(ok[path], is_num)
            axes[-1, 0].set_xticks(list(range(len(levels))), labels)
        if split is not None:
            axes[0, 0].legend(fontsize=8)
    axes[-1, 0].set_xlabel(path, fontsize=8)
    pooled = (len(meta["parameters"]) > 1 and split is None)
    title = f"{col} vs {short(path)}" + (" (other parameters pooled)" if pooled else "")
    fig.suptitle(title, fontsize=10)
    return _save(fig, out / f"{slug(col)}__{slug(path)}.png")


def _x_levels(values: pd.Series, is_num: bool) -> tuple[list[Any], list[str]]:
    levels = sorted(values.dropna().unique(), key=lambda v: (str(type(v)), v))
    return (list(levels), [fmt(v) for v in levels])


def _control_counts(meta: dict[str, Any], ok: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """counts[town, day, faction] over the runs; the last faction slot is 'nobody'."""
    towns = [t["id"] for t in meta["towns"]]
    tindex = {t: i for i, t in enumerate(towns)}
    factions = [f["id"] for f in meta["factions"]]
    findex = {f: i for i, f in enumerate(factions)}
    days = meta["days"]
    counts = np.zeros((len(towns), days + 1, len(factions) + 1), dtype=np.int64)
    for text in ok["control"].dropna():
        for town, changes in json.loads(text).items():
            t = tindex.get(town)
            if t is None:
                continue
            bounds = [c[0] for c in changes[1:]] + [days + 1]
            for (day, holder), end in zip(changes, bounds, strict=True):
                counts[t, day:end, findex.get(holder, len(factions))] += 1
    return counts, [*factions, "none"]


def changing_towns(meta: dict[str, Any], ok: pd.DataFrame) -> list[int]:
    """Indices of the towns that change hands in at least one of the runs."""
    counts, _ = _control_counts(meta, ok)
    prob = counts / np.maximum(counts.sum(axis=2, keepdims=True), 1)
    return [i for i in range(counts.shape[0])
            if (prob[i] != prob[i, :1]).any() or (prob[i, 0] > 0).sum() > 1]


def control_plot(meta: dict[str, Any], ok: pd.DataFrame, out: Path, colours: dict[str, str],
                  title: str, name: str, changing: list[int],
                  observed: Sequence[Marker] = ()) -> list[Path]:
    """Small multiples of the towns ``changing``: who holds each, by day, over ``ok``'s runs.

    An observed event of a town is a vertical line at its date with a dot in the observed
    faction's colour at the top (black: no faction named).
    """
    import matplotlib.pyplot as plt

    counts, factions = _control_counts(meta, ok)
    total = counts.sum(axis=2, keepdims=True)
    prob = counts / np.maximum(total, 1)
    if not changing:
        return []
    names = {t["id"]: t["name"] for t in meta["towns"]}
    fnames = {f["id"]: f["name"] for f in meta["factions"]}
    town_ids = [t["id"] for t in meta["towns"]]
    paths = []
    pages = [changing[i:i + MAX_PANELS] for i in range(0, len(changing), MAX_PANELS)]
    for page_no, page in enumerate(pages):
        cols = min(5, len(page))
        nrows = math.ceil(len(page) / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(2.6 * cols, 1.9 * nrows + 0.9),
                                 sharex=True, sharey=True, squeeze=False, layout="constrained")
        dayx = np.arange(meta["days"] + 1)
        used = [k for k in range(len(factions)) if prob[page][:, :, k].any()]
        for ax, t in zip(axes.flat, page, strict=False):
            ax.stackplot(dayx, *[prob[t, :, k] for k in used],
                         colors=[colours.get(factions[k], NONE_COLOUR) for k in used],
                         alpha=0.9, linewidth=0)
            town_name = names.get(town_ids[t], town_ids[t])
            ax.set_title(town_name if len(town_name) <= 32 else town_name[:30] + "...",
                         fontsize=8)
            for mk in (o for o in observed if o.town == town_ids[t]):
                ax.axvline(mk.day, color="k", lw=0.8, ls="--")
                ax.plot([mk.day], [0.97], marker="D", ms=5, mec="k", mew=0.6, clip_on=False,
                        color=colours.get(mk.faction, "k"))
            ax.set_xlim(0, meta["days"])
            ax.set_ylim(0, 1)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(page):]:
            ax.axis("off")
        handles = [plt.Rectangle((0, 0), 1, 1, color=colours.get(factions[k], NONE_COLOUR))
                   for k in used]
        fig.legend(handles, [fnames.get(factions[k], "nobody") for k in used],
                   loc="outside lower center",
                   ncols=len(used), fontsize=8)
        suffix = f" ({page_no + 1}/{len(pages)})" if len(pages) > 1 else ""
        fig.suptitle(f"{title}{suffix}\nprobability each faction holds the town, by day "
                     f"(0 = {meta['start_date']})", fontsize=9)
        page_name = f"{name}_{page_no + 1}" if len(pages) > 1 else name
        paths.append(_save(fig, out / f"{page_name}.png"))
    return paths


def series_plots(meta: dict[str, Any], results: Path, out: Path, ok: pd.DataFrame
                  ) -> list[Path]:
    """Each daily series by day, a panel per faction.

    A line (mean, 10-90 % band) per level of the first parameter when it is a short list,
    else one line over every run.
    """
    import matplotlib.pyplot as plt

    path = series_path(results)
    s = read_series(meta, path, set(ok["run"]))
    if s is None:
        return []
    first = meta["parameters"][0] if meta["parameters"] else None
    groups: list[tuple[str, set[int]]] = [("all runs", set(ok["run"]))]
    if first and not first["sampled"] and 1 < len(first["values"]) <= MAX_LINES:
        groups = [(f"{short(first['path'])} = {fmt(v)}",
                   set(ok[ok[first["path"]] == v]["run"]))
                  for v in sorted(ok[first["path"]].dropna().unique())]
    cmap = plt.get_cmap("viridis")
    paths = []
    factions = [f for f in meta["factions"] if f["id"] in set(s["faction"])]
    for name in meta["series"]:
        cols = min(2, len(factions))
        rows = math.ceil(len(factions) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 2.8 * rows + 0.6),
                                 sharex=True, squeeze=False, layout="constrained")
        for ax, f in zip(axes.flat, factions, strict=False):
            for g, (label, runs) in enumerate(groups):
                sub = s[(s["faction"] == f["id"]) & s["run"].isin(runs)]
                if sub.empty:
                    continue
                colour = f["colour"] if len(groups) == 1 else \
                    cmap(g / max(1, len(groups) - 1) * 0.9)
                by_day = sub.groupby("day")[name]
                q = by_day.quantile([0.1, 0.9]).unstack()
                mean = by_day.mean()
                ax.plot(mean.index, mean.to_numpy(), color=colour, label=label, lw=1.3)
                ax.fill_between(q.index, q[0.1], q[0.9], color=colour, alpha=0.12,
                                linewidth=0)
            ax.set_title(f["name"], fontsize=9)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(factions):]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        fig.supxlabel(f"day (0 = {meta['start_date']})", fontsize=8)
        fig.suptitle(f"{name} by day (mean, 10-90% of runs)", fontsize=10)
        paths.append(_save(fig, out / f"series_{slug(name)}.png"))
    return paths
