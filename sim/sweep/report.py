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

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import FrontlineError
from sim.htmlreport import write_sweep_report
from sim.sweep.columns import renames
from sim.sweep.observed import Marker, markers, read_observed
from sim.sweep.plots import (
    MAX_LINES,
    QUANTILES,
    changing_towns,
    control_plot,
    fmt,
    metric_plot,
    numeric,
    series_plots,
    short,
    slug,
)
from sim.sweep.sensitivity import print_sensitivity, sensitivity, sensitivity_plots
from sim.sweep.store import read_meta

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["QUANTILES", "load_results", "report", "summarise"]

MAX_POINT_ROWS = 30  # more parameter points than this: summarise overall, with correlations


# -------------------------------------------------------------------- reading
def load_results(results: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The sweep metadata and the results table of ``results`` (.parquet or .csv).

    The table's parameter and metric columns are named by their dotted paths (the file's
    SQL-safe names are mapped back through the metadata's ``columns``); the ``__happened``
    columns keep their file names.

    Raises:
        FrontlineError: the file is missing or not sweep results.
    """
    meta = read_meta(results)
    _check_meta(results, meta)
    dotted = renames(meta)
    in_file = {v: k for k, v in dotted.items()}
    try:
        if results.suffix == ".csv":
            import pyarrow as pa
            import pyarrow.csv as pacsv

            strings = ["status", "error", "control", "closed"] + [
                in_file.get(m["column"], m["column"]) for m in meta["metrics"]
                if m["kind"] == "faction"]
            table = pacsv.read_csv(results, convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in strings}, strings_can_be_null=True))
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(results)
    except Exception as exc:
        raise FrontlineError(f"{results}: cannot read sweep results: {exc}") from None
    df = table.to_pandas().rename(columns=dotted)
    missing = [c for c in ("run", "point", "replicate", "seed", "status", "error",
                           *(p["path"] for p in meta["parameters"]),
                           *(m["column"] for m in meta["metrics"])) if c not in df.columns]
    if missing:
        raise FrontlineError(f"{results}: not complete sweep results: no column "
                             + ", ".join(repr(in_file[c]) + f" ({c})" if c in in_file
                                         else repr(c) for c in missing[:8])
                             + (f" (and {len(missing) - 8} more)" if len(missing) > 8 else "")
                             + "; report reads files written by frontline sweep, unedited")
    return meta, df


#: What the report reads from a results file's metadata: key -> (type, keys of its items).
_META_KEYS: dict[str, tuple[type, tuple[str, ...]]] = {
    "name": (str, ()), "scenario": (str, ()), "days": (int, ()), "start_date": (str, ()),
    "seed": (int, ()), "design": (str, ()), "replicates": (int, ()), "points": (int, ()),
    "parameters": (list, ("path", "sampled", "values")),
    "metrics": (list, ("column", "metric", "kind")), "factions": (list, ("id", "colour")),
}


def _check_meta(results: Path, meta: dict[str, Any]) -> None:
    """Refuse metadata the report cannot use (a hand-edited or foreign file), naming the key."""
    for key, (kind, item_keys) in _META_KEYS.items():
        value = meta.get(key)
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if ok and item_keys:
            ok = all(isinstance(v, dict) and all(k in v for k in item_keys)
                     for v in value or ())
        if not ok:
            of = f" of {{{', '.join(item_keys)}}}" if item_keys else ""
            raise FrontlineError(f"{results}: the sweep metadata has no valid {key!r} (expected "
                                 f"{kind.__name__}{of}); report reads files written by "
                                 "frontline sweep, unedited")


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
                if len(ok) > 2 and x.nunique() > 1 and y.nunique() > 1 and numeric(x):
                    row[f"rho {short(p['path'])}"] = float(spearmanr(x, y).statistic)
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
                table.add_column(short(p), justify="right")
            for c in ["runs", *stat_cols]:
                table.add_column(c, justify="right")
            for _, r in part.iterrows():
                table.add_row(*(fmt(r[p]) for p in params), fmt(r["runs"]),
                              *(_pct(r[c]) if c.startswith(("P(", "share")) else fmt(r[c])
                                for c in stat_cols))
            console.print(table)
    else:
        overall = _overall(meta, df, by_day)
        rho = [c for c in overall.columns if c.startswith("rho ")]
        cols = [c for c in overall.columns
                if c not in rho and c != "metric" and overall[c].notna().any()]
        table = Table(title=f"metrics over all {len(df)} runs", title_justify="left")
        table.add_column("metric", no_wrap=True)
        for c in cols:
            table.add_column(c, justify="right")
        for _, r in overall.iterrows():
            table.add_row(r["metric"], *(_pct(r[c]) if c.startswith(("P(", "share"))
                                         else fmt(r[c]) for c in cols))
        console.print(table)
        if rho:
            table = Table(title="sensitivity: Spearman rank correlation of each metric with "
                                "each parameter (-1 to 1; never = after the end)",
                          title_justify="left")
            table.add_column("metric", no_wrap=True)
            for c in rho:
                table.add_column(c.removeprefix("rho "), justify="right")
            for _, r in overall.iterrows():
                table.add_row(r["metric"], *("-" if math.isnan(r[c]) else f"{r[c]:+.2f}"
                                             for c in rho))
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


# --------------------------------------------------------------------- report
def report(results: Path, out: Path, console: Any = None, by_day: int | None = None,
           observed: str | Path | None = None) -> list[Path]:
    """Print a sweep's summary tables and write its tables and plots into ``out``.

    Args:
        results: the results file of ``frontline sweep``.
        out: the folder for tables and plots (created if needed).
        console: a rich Console for the tables (default: stdout).
        by_day: a day of interest (e.g. a deadline): day metrics also get the probability of
            happening by then, in the tables and the plots.
        observed: an observations file (as ``frontline score`` takes): its events within the
            runs are marked on the plots and the HTML report (see ``sim.sweep.observed``).

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
    marks: list[Marker] = []
    if observed is not None:
        marks, outside = markers(read_observed(observed, meta), meta)
        console.print(f"observed: {len(marks)} events of {observed} within the runs"
                      + (f" ({outside} outside them or not in the scenario, left out)"
                         if outside else ""))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FrontlineError(f"cannot create {out}: {exc.strerror or exc}") from None
    summary = summarise(meta, df, by_day)
    sens = sensitivity(meta, df)
    try:
        _print_tables(meta, df, summary, console, by_day)
        if sens is not None:
            print_sensitivity(sens, console)
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
    if sens is not None:
        sens.to_csv(out / "sensitivity.csv", index=False)
        files.append(out / "sensitivity.csv")
        files += sensitivity_plots(sens, out, meta["name"])
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
                files.append(metric_plot(meta, ok, m, p, out, colours, by_day, marks))
        changing = changing_towns(meta, ok)
        files += control_plot(meta, ok, out, colours, f"{meta['name']}: all {len(ok)} "
                               "finished runs", "control_by_day", changing, marks)
        first = meta["parameters"][0] if meta["parameters"] else None
        if first and not first["sampled"] and 1 < len(first["values"]) <= MAX_LINES:
            for v in sorted(ok[first["path"]].dropna().unique()):
                sub = ok[ok[first["path"]] == v]
                files += control_plot(meta, sub, out, colours,
                                       f"{short(first['path'])} = {fmt(v)} "
                                       f"({len(sub)} runs)",
                                       f"control_by_day__{slug(first['path'])}_{slug(str(v))}",
                                       changing)
        files += series_plots(meta, results, out, ok)
    files.append(write_sweep_report(meta, df, results, out, marks))
    console.print(f"wrote {len(files)} files to {out}: "
                  + ", ".join(f.name for f in files[:8]) + (", ..." if len(files) > 8 else ""))
    return files
