"""Static pictures of a run: the map of who holds what, and territory over time (matplotlib)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.model import TerritoryModel

__all__ = ["draw_map", "plot_map", "plot_territory"]

NEUTRAL_GREY = "#bdbdbd"
FRONT_COLOUR = "#ff7f0e"
LABEL_LIMIT = 150  # label towns by name only on maps this small
_PNG_META = {"Software": None}  # keep PNG bytes identical between runs


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def dense_cluster(model: TerritoryModel) -> np.ndarray | None:
    """Towns packed too close to label on the whole map (e.g. a city's districts), or None."""
    w = model.world
    if w.n < 4 or w.n > LABEL_LIMIT:
        return None
    span = max(float(np.ptp(w.xy[:, 0])), float(np.ptp(w.xy[:, 1])), 1e-9)
    d = np.hypot(*(w.xy[:, None, :] - w.xy[None, :, :]).transpose(2, 0, 1))
    close = (d < 0.03 * span) & ~np.eye(w.n, dtype=bool)
    crowded = close.sum(axis=1) >= 2
    if crowded.sum() < 3:
        return None
    seed = int(np.argmax(close.sum(axis=1)))
    members = close[seed] | (np.eye(w.n, dtype=bool)[seed])
    members |= close[members].any(axis=0)
    return np.nonzero(members)[0]


def draw_map(
    model: TerritoryModel,
    ax: Axes,
    labels: bool | None = None,
    legend: bool = True,
    skip_labels: np.ndarray | None = None,
    short_names: bool = False,
) -> None:
    """Draw the current map on ``ax``: highways, fronts, towns, sieges, units, features."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    w = model.world
    ax.set_aspect(1.0 / math.cos(math.radians(float(w.lat.mean()))))
    for feat in model.spec.features:
        pts = np.array(feat.points)
        ax.plot(
            pts[:, 1],
            pts[:, 0],
            color="#6baed6" if feat.kind == "river" else "#999999",
            lw=2.5 if feat.kind == "river" else 1,
            alpha=0.8,
            zorder=1,
            solid_capstyle="round",
        )
    segs = np.stack(
        [np.column_stack((w.lon[w.eu], w.lat[w.eu])), np.column_stack((w.lon[w.ev], w.lat[w.ev]))],
        axis=1,
    )
    towns = model.towns
    front = w.front_line(towns.controller, model.relations.hostile)
    ax.add_collection(LineCollection(segs[~front], colors="#8c8c8c", linewidths=0.8, zorder=2))
    if front.any():
        ax.add_collection(
            LineCollection(segs[front], colors=FRONT_COLOUR, linewidths=2.2, zorder=2)
        )
    colours = [f.colour for f in model.factions]
    fill = [colours[c] if c >= 0 else NEUTRAL_GREY for c in towns.controller]
    pop = np.maximum(towns.population, 1.0)
    size = 12 + 220 * np.sqrt(pop / pop.max()) if w.n <= 2000 else np.full(w.n, 4.0)
    ax.scatter(w.lon, w.lat, s=size, c=fill, edgecolors="white", linewidths=0.6, zorder=3)
    if model.supply.besieged.any():
        b = model.supply.besieged
        ax.scatter(
            w.lon[b],
            w.lat[b],
            s=size[b] * 2.2,
            facecolors="none",
            edgecolors="#d62728",
            linewidths=1.6,
            linestyles="--",
            zorder=4,
        )
    if labels if labels is not None else w.n <= LABEL_LIMIT:
        skip = set() if skip_labels is None else {int(i) for i in skip_labels}
        for i in range(w.n):
            if i in skip:
                continue
            name = w.names[i].split(" - ", 1)[-1] if short_names else w.names[i]
            ax.annotate(
                name,
                (w.lon[i], w.lat[i]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=6.5,
                color="#333333",
                zorder=5,
                annotation_clip=True,
            )
    for u in model.forces:
        lat, lon = u.position()
        ax.scatter(
            [lon],
            [lat],
            marker="^",
            s=40 + 5 * math.sqrt(u.fighters),
            c=colours[u.faction],
            edgecolors="black",
            linewidths=0.7,
            zorder=6,
        )
        if w.n <= LABEL_LIMIT:
            ax.annotate(
                f"{u.fighters:,.0f}",
                (lon, lat),
                xytext=(-6, -11),
                textcoords="offset points",
                fontsize=6,
                weight="bold",
                color=colours[u.faction],
                zorder=6,
                annotation_clip=True,
            )
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(True, lw=0.3, alpha=0.4)
    ax.autoscale_view()
    if not legend:
        return
    handles = [
        Line2D([], [], marker="o", ls="", color=f.colour, markersize=8, label=f.name)
        for f in model.factions
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="^",
            ls="",
            color="#666666",
            markeredgecolor="black",
            markersize=7,
            label="unit (fighters)",
        ),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor="none",
            markeredgecolor="#d62728",
            markersize=10,
            label="besieged town",
        ),
        Line2D([], [], color=FRONT_COLOUR, lw=2.2, label="front-line highway"),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85)


def plot_map(model: TerritoryModel, path: str | Path) -> Path:
    """Save the current map as a PNG (with a zoomed panel where towns are packed close)."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    cluster = dense_cluster(model)
    title = f"{model.spec.name}: {model.date.isoformat()} (day {model.day})"
    if cluster is None:
        fig, ax = plt.subplots(figsize=(11, 8.5), dpi=110)
        draw_map(model, ax)
        ax.set_title(title, fontsize=11)
    else:
        fig, (ax, zoom) = plt.subplots(
            1, 2, figsize=(15, 8), dpi=100, gridspec_kw={"width_ratios": [1.7, 1]}
        )
        draw_map(model, ax, skip_labels=cluster)
        w = model.world
        lon, lat = w.lon[cluster], w.lat[cluster]
        pad = 0.2 * max(float(np.ptp(lon)), float(np.ptp(lat)), 0.01)
        box = (lon.min() - pad, lat.min() - pad, lon.max() + pad, lat.max() + pad)
        draw_map(model, zoom, labels=True, legend=False, short_names=True)
        zoom.set_xlim(box[0], box[2])
        zoom.set_ylim(box[1], box[3])
        ax.add_patch(
            Rectangle(
                box[:2],
                box[2] - box[0],
                box[3] - box[1],
                fill=False,
                edgecolor="#444444",
                lw=1,
                ls=":",
                zorder=7,
            )
        )
        ax.set_title(title, fontsize=11)
        zoom.set_title("zoom on the dotted box", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, metadata=_PNG_META)
    plt.close(fig)
    return Path(path)


def plot_territory(model: TerritoryModel, path: str | Path) -> Path:
    """Save towns, population and fighters held per faction over time as a PNG."""
    plt = _pyplot()
    import matplotlib.dates as mdates

    fig, axes = plt.subplots(3, 1, figsize=(10, 9), dpi=110, sharex=True)
    metrics = [
        ("towns", "towns held"),
        ("population", "population held"),
        ("fighters", "fighters (units + garrisons)"),
    ]
    for f in model.factions:
        rows = [r for r in model.record.series if r["faction"] == f.id]
        dates = np.array([np.datetime64(r["date"]) for r in rows])
        for ax, (key, _) in zip(axes, metrics, strict=True):
            ax.plot(dates, [r[key] for r in rows], color=f.colour, lw=2, label=f.name)
    for ax, (_, title) in zip(axes, metrics, strict=True):
        ax.set_ylabel(title)
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[0].legend(fontsize=8, loc="best")
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    fig.autofmt_xdate()
    fig.suptitle(f"{model.spec.name}: territory over time (seed {model.seed})", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, metadata=_PNG_META)
    plt.close(fig)
    return Path(path)
