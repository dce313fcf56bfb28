"""``frontline report``: summary tables and plots of a sweep's results.

Tables (printed, and written as CSV): for every metric, its mean and quantiles at each
parameter point (or, for sampled designs with many points, overall with rank correlations
against each parameter), and the failures. Plots (PNG): each metric against each swept
parameter with a 10-90 % band, the daily series if recorded, and for each town that changes
hands the probability of being held by each faction, day by day.

Days on which something "never" happens are kept as never: their quantiles are computed with
never counted as later than any day, so a median of "never" means it happened in fewer than
half the runs.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import FrontlineError
from sim.sweep.store import read_meta, series_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["QUANTILES", "load_results", "report", "summarise"]

QUANTILES = (0.1, 0.5, 0.9)
MAX_POINT_ROWS = 30  # more parameter points than this: summarise overall, with correlations
MAX_LINES = 6  # a second grid parameter with at most this many levels gets a line per level
MAX_PANELS = 30  # towns per control-by-day figure
NONE_COLOUR = "#bbbbbb"


# -------------------------------------------------------------------- reading
def load_results(results: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The sweep metadata and the results table of ``results`` (.parquet or .csv).

    Raises:
        FrontlineError: the file is missing or not sweep results.
    """
    meta = read_meta(results)
    try:
        if results.suffix == ".csv":
            import pyarrow as pa
            import pyarrow.csv as pacsv

            strings = ["status", "error", "control"] + [
                m["column"] for m in meta["metrics"] if m["kind"] == "faction"]
            table = pacsv.read_csv(results, convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in strings}, strings_can_be_null=True))
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(results)
    except Exception as exc:
        raise FrontlineError(f"{results}: cannot read sweep results: {exc}") from None
    return meta, table.to_pandas()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:80] or "x"


def _short(path: str) -> str:
    """A parameter's label: its last two path segments (``with.rate`` -> ``conscript rate``)."""
    parts = [p for p in path.split(".") if p not in ("with", "rules", "forces", "factions",
                                                       "towns", "simulation")]
    return " ".join(parts[-2:]) if parts else path


def _fmt(x: Any) -> str:
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


# ------------------------------------------------------------------ summaries
def _stats(values: pd.Series, kind: str, meta: dict[str, Any], by_day: int | None = None
           ) -> dict[str, Any]:
    """Summary of one metric over some runs (only runs that finished)."""
    days = meta["days"]
    v = values.to_numpy()
    n = len(v)
    if kind == "faction":
        shares = values.fillna("none").value_counts(normalize=True)
        held = [f["id"] for f in meta["factions"]] + (["none"] if "none" in shares else [])
        return {"ok": n, **{f"share {k}": float(shares.get(k, 0.0)) for k in held}}
    if n == 0:
        return {"ok": 0}
    x = v.astype(float)
    if kind == "day":
        happened = ~np.isnan(x)
        x = np.where(happened, x, np.inf)
        q = np.quantile(x, QUANTILES, method="inverted_cdf")
        out = {"ok": n, f"P(by day {days})": float(happened.mean())}
        if by_day is not None and by_day < days:
            out = {"ok": n, f"P(by day {by_day})": float((x <= by_day).mean()), **out}
        out.update({f"q{int(p * 100)}": float(val) for p, val in zip(QUANTILES, q, strict=True)})
        out["mean if happened"] = float(x[happened].mean()) if happened.any() else float("nan")
        return out
    q = np.quantile(x, QUANTILES, method="inverted_cdf" if kind == "count" else "linear")
    return {"ok": n, "mean": float(x.mean()),
            **{f"q{int(p * 100)}": float(val) for p, val in zip(QUANTILES, q, strict=True)}}


def summarise(meta: dict[str, Any], df: pd.DataFrame, by_day: int | None = None
              ) -> pd.DataFrame:
    """One row per parameter point and metric: the point's parameters and the metric's stats.

    ``by_day`` adds, for day metrics, the probability that it happens by that day.
    """
    import pandas as pd

    params = [p["path"] for p in meta["parameters"]]
    rows = []
    ok = df[df["status"] == "ok"]
    for point, group in df.groupby("point", sort=True):
        good = ok[ok["point"] == point]
        first = group.iloc[0]
        for m in meta["metrics"]:
            rows.append({"point": point, **{p: first[p] for p in params},
                         "metric": m["column"], "runs": len(group),
                         "failed": int((group["status"] != "ok").sum()),
                         **_stats(good[m["column"]], m["kind"], meta, by_day)})
    return pd.DataFrame(rows)


def _overall(meta: dict[str, Any], df: pd.DataFrame, by_day: int | None = None
             ) -> pd.DataFrame:
    """One row per metric over every finished run, with rank correlations to each parameter."""
    import pandas as pd
    from scipy.stats import spearmanr

    ok = df[df["status"] == "ok"]
    rows = []
    for m in meta["metrics"]:
        row: dict[str, Any] = {"metric": m["column"],
                               **_stats(ok[m["column"]], m["kind"], meta, by_day)}
        if m["kind"] != "faction":
            y = ok[m["column"]].astype(float)
            if m["kind"] == "day":
                y = y.fillna(meta["days"] + 1)
            for p in meta["parameters"]:
                x = ok[p["path"]]
                if len(ok) > 2 and x.nunique() > 1 and y.nunique() > 1 and _numeric(x):
                    row[f"rho {_short(p['path'])}"] = float(spearmanr(x, y).statistic)
        rows.append(row)
    return pd.DataFrame(rows)


def _print_tables(meta: dict[str, Any], df: pd.DataFrame, summary: pd.DataFrame,
                  console: Any, by_day: int | None = None) -> None:
    from rich.table import Table

    failed = df[df["status"] != "ok"]
    console.print(f"[bold]{meta['name']}[/]: {len(df)} runs of {meta['scenario']!r}, "
                  f"{meta['days']} days from {meta['start_date']}; {meta['points']} points x "
                  f"{meta['replicates']} replicates ({meta['design']} design, seed "
                  f"{meta['seed']}); {len(df) - len(failed)} ok, {len(failed)} failed")
    params = [p["path"] for p in meta["parameters"]]
    if meta["points"] <= MAX_POINT_ROWS:
        for m in meta["metrics"]:
            part = summary[summary["metric"] == m["column"]]
            hide = ("point", "metric", "runs", "failed", *params,
                    *(("ok",) if not part["failed"].any() else ()))
            stat_cols = [c for c in part.columns if c not in hide and part[c].notna().any()]
            table = Table(title=f"{m['column']} ({m['metric']})", title_justify="left")
            for p in params:
                table.add_column(_short(p), justify="right")
            for c in ["runs", *stat_cols]:
                table.add_column(c, justify="right")
            for _, r in part.iterrows():
                table.add_row(*(_fmt(r[p]) for p in params), _fmt(r["runs"]),
                              *(_pct(r[c]) if c.startswith(("P(", "share")) else _fmt(r[c])
                                for c in stat_cols))
            console.print(table)
    else:
        overall = _overall(meta, df, by_day)
        table = Table(title="metrics over all runs (rho: Spearman rank correlation with each "
                            "parameter)", title_justify="left")
        cols = [c for c in overall.columns if overall[c].notna().any()]
        for c in cols:
            table.add_column(c, justify="left" if c == "metric" else "right")
        for _, r in overall.iterrows():
            table.add_row(*(r[c] if c == "metric" else
                            _pct(r[c]) if c.startswith(("P(", "share")) else _fmt(r[c])
                            for c in cols))
        console.print(table)
    if len(failed):
        table = Table(title=f"failures: {len(failed)} of {len(df)} runs", title_justify="left")
        table.add_column("runs", justify="right")
        table.add_column("points", justify="right")
        table.add_column("error")
        first_lines = failed["error"].fillna("").map(lambda e: e.splitlines()[0] if e else "")
        for msg, group in failed.groupby(first_lines, sort=False):
            table.add_row(str(len(group)), str(group["point"].nunique()), str(msg)[:160])
        console.print(table)
    else:
        console.print("no failed runs")


def _pct(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


# ---------------------------------------------------------------------- plots
def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=110, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _numeric(values: pd.Series) -> bool:
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


def _metric_plot(meta: dict[str, Any], ok: pd.DataFrame, m: dict[str, Any], p: dict[str, Any],
                 out: Path, colours: dict[str, str], by_day: int | None = None) -> Path:
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
    numeric = _numeric(xcol)
    subsets: list[tuple[str | None, pd.DataFrame]] = [(None, ok)]
    if split is not None:
        subsets = [(f"{_short(split['path'])} = {_fmt(v)}", ok[ok[split["path"]] == v])
                   for v in sorted(ok[split["path"]].dropna().unique())]
    if kind == "faction":
        ax = axes[0, 0]
        xs, labels = _x_levels(ok[path], numeric)
        factions = [f["id"] for f in meta["factions"]] + ["none"]
        share = {f: [] for f in factions}  # type: dict[str, list[float]]
        for x in xs:
            vals = ok[ok[path] == x][col].fillna("none")
            for f in factions:
                share[f].append(float((vals == f).mean()) if len(vals) else 0.0)
        pos = xs if numeric else list(range(len(xs)))
        ax.stackplot(pos, *[share[f] for f in factions], labels=factions,
                     colors=[colours.get(f, NONE_COLOUR) for f in factions], alpha=0.85)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of runs")
        ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
        if not numeric:
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
                levels, _ = _x_levels(sub[path], numeric)
                xs = levels if numeric else list(range(len(levels)))
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
            ax.axhline(days, color="k", lw=0.8, ls="--")
            ax.text(ax.get_xlim()[0], days, " end of run; above: never", va="bottom",
                    fontsize=7)
            if deadline < days:
                ax.axhline(deadline, color="firebrick", lw=0.8, ls=":")
                ax.text(ax.get_xlim()[0], deadline, f" day {deadline}", va="bottom",
                        fontsize=7, color="firebrick")
            ax.set_ylabel("day (median, 10-90%)")
        else:
            axes[0, 0].set_ylabel(f"{m['metric']} (mean, 10-90%)")
        if not numeric and not p["sampled"]:
            levels, labels = _x_levels(ok[path], numeric)
            axes[-1, 0].set_xticks(list(range(len(levels))), labels)
        if split is not None:
            axes[0, 0].legend(fontsize=8)
    axes[-1, 0].set_xlabel(path, fontsize=8)
    pooled = (len(meta["parameters"]) > 1 and split is None)
    title = f"{col} vs {_short(path)}" + (" (other parameters pooled)" if pooled else "")
    fig.suptitle(title, fontsize=10)
    return _save(fig, out / f"{_slug(col)}__{_slug(path)}.png")


def _x_levels(values: pd.Series, numeric: bool) -> tuple[list[Any], list[str]]:
    levels = sorted(values.dropna().unique(), key=lambda v: (str(type(v)), v))
    return (list(levels), [_fmt(v) for v in levels])


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


def _changing_towns(meta: dict[str, Any], ok: pd.DataFrame) -> list[int]:
    """Indices of the towns that change hands in at least one of the runs."""
    counts, _ = _control_counts(meta, ok)
    prob = counts / np.maximum(counts.sum(axis=2, keepdims=True), 1)
    return [i for i in range(counts.shape[0])
            if (prob[i] != prob[i, :1]).any() or (prob[i, 0] > 0).sum() > 1]


def _control_plot(meta: dict[str, Any], ok: pd.DataFrame, out: Path, colours: dict[str, str],
                  title: str, name: str, changing: list[int]) -> list[Path]:
    """Small multiples of the towns ``changing``: who holds each, by day, over ``ok``'s runs."""
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


def _series_plots(meta: dict[str, Any], results: Path, out: Path, ok: pd.DataFrame
                  ) -> list[Path]:
    """Each daily series by day, a panel per faction.

    A line (mean, 10-90 % band) per level of the first parameter when it is a short list,
    else one line over every run.
    """
    import matplotlib.pyplot as plt

    path = series_path(results)
    if not meta.get("series") or not path.is_file():
        return []
    if path.suffix == ".csv":
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(path)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    s = table.to_pandas()
    s = s[s["run"].isin(set(ok["run"]))]
    first = meta["parameters"][0] if meta["parameters"] else None
    groups: list[tuple[str, set[int]]] = [("all runs", set(ok["run"]))]
    if first and not first["sampled"] and 1 < len(first["values"]) <= MAX_LINES:
        groups = [(f"{_short(first['path'])} = {_fmt(v)}",
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
        paths.append(_save(fig, out / f"series_{_slug(name)}.png"))
    return paths


# --------------------------------------------------------------------- report
def report(results: Path, out: Path, console: Any = None, by_day: int | None = None
           ) -> list[Path]:
    """Print a sweep's summary tables and write its tables and plots into ``out``.

    Args:
        results: the results file of ``frontline sweep``.
        out: the folder for tables and plots (created if needed).
        console: a rich Console for the tables (default: stdout).
        by_day: a day of interest (e.g. a deadline): day metrics also get the probability of
            happening by then, in the tables and the plots.

    Returns:
        The files written.

    Raises:
        FrontlineError: the results cannot be read, or ``out`` cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    from rich.console import Console

    console = console or Console(highlight=False)
    meta, df = load_results(results)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FrontlineError(f"cannot create {out}: {exc.strerror or exc}") from None
    summary = summarise(meta, df, by_day)
    try:
        _print_tables(meta, df, summary, console, by_day)
    except BrokenPipeError:  # `frontline report ... | head`: the files are still written
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        console.quiet = True
    files = []
    summary.to_csv(out / "summary.csv", index=False)
    files.append(out / "summary.csv")
    if meta["points"] > MAX_POINT_ROWS:
        _overall(meta, df, by_day).to_csv(out / "overall.csv", index=False)
        files.append(out / "overall.csv")
    failed = df[df["status"] != "ok"]
    if len(failed):
        cols = ["run", "point", "replicate", "seed",
                *[p["path"] for p in meta["parameters"]], "error"]
        failed[cols].to_csv(out / "failures.csv", index=False)
        files.append(out / "failures.csv")
    ok = df[df["status"] == "ok"]
    colours = {f["id"]: f["colour"] for f in meta["factions"]}
    if len(ok):
        for m in meta["metrics"]:
            for p in meta["parameters"]:
                files.append(_metric_plot(meta, ok, m, p, out, colours, by_day))
        changing = _changing_towns(meta, ok)
        files += _control_plot(meta, ok, out, colours, f"{meta['name']}: all {len(ok)} "
                               "finished runs", "control_by_day", changing)
        first = meta["parameters"][0] if meta["parameters"] else None
        if first and not first["sampled"] and 1 < len(first["values"]) <= MAX_LINES:
            for v in sorted(ok[first["path"]].dropna().unique()):
                sub = ok[ok[first["path"]] == v]
                files += _control_plot(meta, sub, out, colours,
                                       f"{_short(first['path'])} = {_fmt(v)} "
                                       f"({len(sub)} runs)",
                                       f"control_by_day__{_slug(first['path'])}_{_slug(str(v))}",
                                       changing)
        files += _series_plots(meta, results, out, ok)
    console.print(f"wrote {len(files)} files to {out}: "
                  + ", ".join(f.name for f in files[:8]) + (", ..." if len(files) > 8 else ""))
    return files
