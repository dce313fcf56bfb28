"""Sensitivity indices of a ``morris`` or ``saltelli`` sweep, with SALib: tables and bar charts.

For every metric that is a number (day, count, amount; not a faction), each parameter point's
value is the mean over its finished replicates, and SALib computes:

- ``morris``: mu* (the mean absolute elementary effect), mu (its signed mean) and sigma (their
  spread: interactions or non-linearity), with a bootstrap 95 % interval for mu*. Effects are
  measured on the unit hypercube, so mu* is in the metric's unit per the parameter's whole
  range (e.g. "days over the full range of the kill rate").
- ``saltelli``: Sobol's first-order S1 (the share of the metric's variance explained by the
  parameter alone) and total ST (including its interactions), with bootstrap 95 % intervals.

A day metric that never happens is censored at the day after the last (``days + 1``), as in
``frontline score``; so "never" counts as late, not as missing. A metric with a point where no
run finished gets no indices (the design would be broken); a metric that does not vary gets
zeros for Morris and no Sobol indices (there is no variance to share).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.sweep.design import MORRIS_LEVELS, SENSITIVITY_DESIGNS, unit_design
from sim.sweep.plots import short, slug

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "CONF_LEVEL", "point_means", "print_sensitivity", "sensitivity",
           "sensitivity_plots"]

CONF_LEVEL = 0.95
RESAMPLES = 1000
#: The columns of ``sensitivity.csv``; each index's bounds are its 95 % bootstrap interval.
COLUMNS = ("metric", "parameter", "method", "mu_star", "mu_star_low", "mu_star_high", "mu",
           "sigma", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")


def point_means(meta: dict[str, Any], df: pd.DataFrame, column: str, kind: str
                ) -> np.ndarray:
    """Each point's mean of a metric over its finished runs (NaN where none finished)."""
    ok = df[df["status"] == "ok"]
    y = ok[column].astype(float)
    if kind == "day":
        y = y.fillna(meta["days"] + 1)
    means = y.groupby(ok["point"]).mean()
    return np.array([means.get(p, np.nan) for p in range(meta["points"])], dtype=float)


def sensitivity(meta: dict[str, Any], df: pd.DataFrame) -> pd.DataFrame | None:
    """The indices of every numeric metric and parameter (None for other designs)."""
    import pandas as pd
    from SALib.analyze import morris, sobol

    method = meta["design"]
    if method not in SENSITIVITY_DESIGNS:
        return None
    params = meta["parameters"]
    d = len(params)
    per = d + 1 if method == "morris" else d + 2
    x = unit_design(d, method, meta["points"] // per, meta["seed"])
    problem = {"num_vars": d, "names": [p["path"] for p in params], "bounds": [[0.0, 1.0]] * d}
    rows: list[dict[str, Any]] = []
    for m in meta["metrics"]:
        if m["kind"] == "faction":
            continue
        y = point_means(meta, df, m["column"], m["kind"])
        base = [{"metric": m["column"], "parameter": p["path"], "method": method}
                for p in params]
        if np.isnan(y).any() or len(y) != len(x):
            rows += base
            continue
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if method == "morris":
                r = morris.analyze(problem, x, y, num_levels=MORRIS_LEVELS,
                                   conf_level=CONF_LEVEL, num_resamples=RESAMPLES,
                                   seed=meta["seed"])
                for i, row in enumerate(base):
                    mu_star, conf = float(r["mu_star"][i]), float(r["mu_star_conf"][i])
                    row.update(mu_star=mu_star, mu_star_low=mu_star - conf,
                               mu_star_high=mu_star + conf, mu=float(r["mu"][i]),
                               sigma=float(r["sigma"][i]))
            elif np.ptp(y) > 0:
                r = sobol.analyze(problem, y, calc_second_order=False, conf_level=CONF_LEVEL,
                                  num_resamples=RESAMPLES, seed=meta["seed"])
                for i, row in enumerate(base):
                    for k in ("S1", "ST"):
                        v, conf = float(r[k][i]), float(r[f"{k}_conf"][i])
                        row.update({k: v, f"{k}_low": v - conf, f"{k}_high": v + conf})
        rows += base
    return pd.DataFrame(rows, columns=list(COLUMNS))


def print_sensitivity(table: pd.DataFrame, console: Any) -> None:
    """Print the indices, one table per method, parameters by decreasing importance."""
    from rich.table import Table

    from sim.sweep.plots import fmt

    morris = (table["method"] == "morris").any()
    what = ("Morris mu* [95 % interval] and sigma: the metric's change over each parameter's "
            "range" if morris else "Sobol S1 and ST [95 % intervals]: shares of the metric's "
            "variance")
    t = Table(title=f"sensitivity: {what} (never = after the end)", title_justify="left")
    for c in ("metric", "parameter", *(("mu*", "sigma") if morris else ("S1", "ST"))):
        t.add_column(c, justify="left" if c in ("metric", "parameter") else "right")

    def ci(r: Any, k: str) -> str:
        if np.isnan(r[k]):
            return "-"
        return f"{fmt(r[k])} [{fmt(r[f'{k}_low'])}, {fmt(r[f'{k}_high'])}]"

    for metric, part in table.groupby("metric", sort=False):
        key = "mu_star" if morris else "ST"
        part = part.sort_values(key, ascending=False, na_position="last")
        for i, (_, r) in enumerate(part.iterrows()):
            name = str(metric) if i == 0 else ""
            cells = (ci(r, "mu_star"), fmt(r["sigma"])) if morris else (ci(r, "S1"),
                                                                          ci(r, "ST"))
            t.add_row(name, short(r["parameter"]), *cells)
    console.print(t)


def sensitivity_plots(table: pd.DataFrame, out: Path, title: str) -> list[Path]:
    """A bar chart of the indices per metric, with their intervals: ``sensitivity__M.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for metric, part in table.groupby("metric", sort=False):
        morris = part["method"].iloc[0] == "morris"
        part = part.sort_values("mu_star" if morris else "ST", ascending=False,
                                na_position="last")
        labels = [short(p) for p in part["parameter"]]
        y = np.arange(len(part))
        fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(part) + 1.6), layout="constrained")
        bars = (("mu_star", "mu*", 0.0, 0.6),) if morris else (
            ("S1", "S1 (alone)", -0.2, 0.38), ("ST", "ST (with interactions)", 0.2, 0.38))
        for key, label, off, h in bars:
            v = part[key].to_numpy(dtype=float)
            lo = v - part[f"{key}_low"].to_numpy(dtype=float)
            hi = part[f"{key}_high"].to_numpy(dtype=float) - v
            ax.barh(y + off, np.nan_to_num(v), height=h, label=label,
                    xerr=np.nan_to_num(np.vstack([lo, hi])), capsize=3)
        if morris:
            ax.plot(part["sigma"].to_numpy(dtype=float), y, "D", color="tab:red", ms=6,
                    label="sigma (interactions, non-linearity)")
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.legend(fontsize=8)
        ax.set_xlabel("mu*: change over the parameter's range (metric units)" if morris
                      else "share of variance")
        ax.set_title(f"{title}\n{metric}: {'Morris' if morris else 'Sobol'} indices, 95 % "
                     "intervals (never = after the end)", fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
        path = out / f"sensitivity__{slug(str(metric))}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        files.append(path)
    return files
