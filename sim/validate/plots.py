"""Plots of validation results: the score timeline, and a calibration's history and importances."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.validate.score import Score

__all__ = ["history_plot", "importance_plot", "timeline_plot"]


def _figure(w: float, h: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(w, h), layout="constrained")


def timeline_plot(score: Score, title: str, path: Path) -> Path:
    """The score timeline: a row per observation.

    Its date (black diamond, +- uncertainty) over the simulated 10-90 % interval (bar) and
    median (dot); the right margin gives the hit and never shares.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    obs = list(score.observations)
    fig, ax = _figure(11, 0.42 * len(obs) + 1.6)
    end = score.start + dt.timedelta(days=score.last_day)

    def date(day: float) -> dt.date:
        return score.start + dt.timedelta(days=float(day))

    for y, o in enumerate(obs):
        y = len(obs) - 1 - y
        observed = dt.date.fromisoformat(o.date)
        if o.scorable and o.event != "held" and o.q10 is not None:
            hi = o.q90 if o.q90 is not None else score.last_day + 1
            ax.plot([date(o.q10), date(hi)], [y, y], color="tab:blue", lw=5, alpha=0.35,
                    solid_capstyle="butt")
            if o.q90 is None:  # the interval runs past the horizon: never in over 10 % of runs
                ax.annotate("", xy=(date(hi + 2), y), xytext=(date(hi), y),
                            arrowprops={"arrowstyle": "->", "color": "tab:blue"})
            if o.median is not None:
                ax.plot(date(o.median), y, "o", color="tab:blue", ms=6)
        if o.scorable and o.event != "held" and o.q10 is None:  # never in over 90 % of runs
            ax.plot(date(score.last_day + 1), y, ">", color="tab:blue", ms=7)
        if o.event == "held" and o.scorable:
            ax.plot(observed, y, "s", mfc="none", mec="tab:green", ms=9)
        xerr = [[dt.timedelta(days=o.uncertainty_days)], [dt.timedelta(days=o.uncertainty_days)]]
        ax.errorbar([observed], [y], xerr=xerr if o.uncertainty_days else None, fmt="D",
                    color="black", ms=6, capsize=3)
        if not o.scorable:
            note = "not scorable"
        elif o.event == "held":
            off = "never held" if o.median is None else f"median {o.median:g} d off"
            note = f"held {100 * o.hit:.0f}% ({off})"
        else:
            note = f"hit {100 * o.hit:.0f}%, never {100 * o.never:.0f}%"
        ax.text(1.01, y, note, transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.axvline(end, color="grey", ls=":", lw=1)
    ax.set_yticks(range(len(obs)), [f"{o.id} ({o.what})" for o in reversed(obs)], fontsize=8)
    ax.set_ylim(-0.7, len(obs) - 0.3)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"{title}\nmean CRPS {score.mean('crps'):.2f} days; black: observed (+- "
                 "uncertainty); blue: simulated median and 10-90 %; ▶ never; dotted: end of runs",
                 fontsize=9, loc="left")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def history_plot(values: list[tuple[int, float]], best: list[float], title: str,
                 path: Path) -> Path:
    """Each trial's objective (dots) and the best so far (line), by trial number."""
    import matplotlib.pyplot as plt

    fig, ax = _figure(8, 4.5)
    if values:
        xs, ys = zip(*values, strict=True)
        ax.plot(xs, ys, ".", color="tab:blue", alpha=0.6, label="trial")
        ax.step(xs, best, where="post", color="tab:red", label="best so far")
        ax.legend()
    ax.set_xlabel("trial")
    ax.set_ylabel("objective (lower is better)")
    ax.set_title(title, fontsize=9, loc="left")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def importance_plot(importances: dict[str, float], title: str, path: Path) -> Path:
    """Optuna's parameter importances as horizontal bars."""
    import matplotlib.pyplot as plt

    items = sorted(importances.items(), key=lambda kv: kv[1])
    fig, ax = _figure(8, 0.45 * len(items) + 1.5)
    ax.barh([k for k, _ in items], [v for _, v in items], color="tab:blue")
    ax.set_xlabel("importance (fANOVA share of the objective's variance over the trials)")
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(axis="y", labelsize=8)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
