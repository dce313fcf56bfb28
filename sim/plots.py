"""Static pictures of a run (matplotlib): any day's map, fronts every N days, territory by day.

Everything is drawn from a :class:`~sim.rundata.RunData`, so a finished run's folder can be
drawn again (``frontline map``). Labels never overlap each other, a town, a siege ring or a
unit: they are placed by ``sim.labels`` in the figure's pixels, with crowded districts drawn
in a close-up panel (``sim.maplayout``); a label that finds no free place is left out.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.atomic import replacing
from sim.labels import place_labels
from sim.maplayout import LABEL_LIMIT, dense_cluster, short_name
from sim.rundata import RunData

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DPI", "draw_map", "map_figure", "plot_fronts", "plot_map", "plot_territory"]

NEUTRAL_GREY = "#bdbdbd"
FRONT_COLOUR = "#ff7f0e"
SIEGE_COLOUR = "#d62728"
CROSSING_COLOUR = "#3b7fc4"
CLOSED_COLOUR = "#555555"
CLOSED_DASH = (0, (2.5, 2.0))
CROSSING_MARK = 22.0  # marker area (pt^2) of an open crossing's symbol at its middle
CLOSED_MARK = 50.0  # marker area (pt^2) of a closed highway's cross
DPI = 200
TOWN_FONT = 6.5
UNIT_FONT = 6.0
_PNG_META = {"Software": None}  # keep PNG bytes identical between runs


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _sizes(data: RunData) -> np.ndarray:
    pop = np.maximum(data.population, 1.0)
    n = len(pop)
    return 12 + 220 * np.sqrt(pop / pop.max()) if n <= 2000 else np.full(n, 4.0)


def draw_map(data: RunData, day: int, ax: Axes, labels: bool | None = None,
             skip_labels: np.ndarray | None = None, short_names: bool = False,
             box: tuple[float, float, float, float] | None = None) -> dict[str, int]:
    """Draw ``day``'s map on ``ax``: features, highways, fronts, towns, sieges, units, labels.

    ``box`` is ``(lon0, lat0, lon1, lat1)`` (default: all towns, with a margin). Labels are
    placed last, in pixels, so the axes must have their final position. Returns how many town
    and unit labels were drawn and how many found no free place.
    """
    from matplotlib.collections import LineCollection

    colours = [f["colour"] for f in data.factions]
    marks: list[np.ndarray] = []  # crossing symbols, which labels keep clear of
    ax.set_aspect(1.0 / math.cos(math.radians(float(data.lat.mean()))))
    for feat in data.features:
        pts = np.array(feat["points"])
        ax.plot(pts[:, 1], pts[:, 0], color="#6baed6" if feat["kind"] == "river" else "#999999",
                lw=2.5 if feat["kind"] == "river" else 1, alpha=0.8, zorder=1,
                solid_capstyle="round")
    if data.highways:
        u = np.array([h[0] for h in data.highways])
        v = np.array([h[1] for h in data.highways])
        segs = np.stack([np.column_stack((data.lon[u], data.lat[u])),
                         np.column_stack((data.lon[v], data.lat[v]))], axis=1)
        front = data.front(day)
        closed = data.closed_on(day)
        declared = _declared(data)
        crossing = np.array([h[3] == "river" for h in data.highways]) | declared
        plain = ~front & ~crossing & ~closed
        ax.add_collection(LineCollection(segs[plain], colors="#8c8c8c", linewidths=0.8,
                                         zorder=2))
        if (crossing & ~front & ~closed).any():
            ax.add_collection(LineCollection(segs[crossing & ~front & ~closed],
                                             colors=CROSSING_COLOUR, linewidths=0.9,
                                             linestyles="--", zorder=2))
        if front.any():
            ax.add_collection(LineCollection(segs[front], colors=FRONT_COLOUR, linewidths=2.2,
                                             zorder=2))
        if closed.any():  # over the front line, on white: a closed front highway still shows
            ax.add_collection(LineCollection(segs[closed], colors="white", linewidths=2.4,
                                             zorder=2.1))
            ax.add_collection(LineCollection(segs[closed], colors=CLOSED_COLOUR,
                                             linewidths=1.4, linestyles=[CLOSED_DASH],
                                             zorder=2.2))
        mid = segs.mean(axis=1)
        marks.extend(_crossing_marks(ax, mid, declared & ~closed, closed))
    ctrl = data.control[day]
    fill = [colours[c] if c >= 0 else NEUTRAL_GREY for c in ctrl]
    size = _sizes(data)
    ax.scatter(data.lon, data.lat, s=size, c=fill, edgecolors="white", linewidths=0.6, zorder=3)
    besieged = data.besieged[day]
    if besieged.any():
        ax.scatter(data.lon[besieged], data.lat[besieged], s=size[besieged] * 2.2,
                   facecolors="none", edgecolors=SIEGE_COLOUR, linewidths=1.6, linestyles="--",
                   zorder=4)
    units = data.units[day] if day < len(data.units) else []
    usize = np.array([40 + 5 * math.sqrt(max(x.fighters, 0.0)) for x in units])
    for x, s in zip(units, usize, strict=True):
        ax.scatter([x.lon], [x.lat], marker="^", s=s, c=colours[x.faction], edgecolors="black",
                   linewidths=0.7, zorder=6)
    if box is None:
        pad_x = 0.04 * max(float(np.ptp(data.lon)), 0.01)
        pad_y = 0.04 * max(float(np.ptp(data.lat)), 0.01)
        box = (float(data.lon.min()) - pad_x, float(data.lat.min()) - pad_y,
               float(data.lon.max()) + pad_x, float(data.lat.max()) + pad_y)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(True, lw=0.3, alpha=0.4)
    show = labels if labels is not None else len(data.town_ids) <= LABEL_LIMIT
    if not show:
        return {"town_labels": 0, "unit_labels": 0, "left_out": 0}
    symbols = np.vstack(marks) if marks else np.zeros((0, 2))
    return _labels(data, day, ax, size, besieged, units, usize, skip_labels, short_names,
                   symbols)


def _declared(data: RunData) -> np.ndarray:
    """Per highway: declared a river crossing (``rivers:``)."""
    out = np.zeros(len(data.highways), dtype=bool)
    out[list(data.crossings)] = True
    return out


def _crossing_marks(ax: Axes, mid: np.ndarray, open_: np.ndarray, closed: np.ndarray
                    ) -> list[np.ndarray]:
    """A bridge symbol on each open crossing and a cross on each closed highway, at its middle.

    Returns the symbols' places (data coordinates), for the labels to keep clear of.
    """
    out = []
    if open_.any():
        ax.scatter(mid[open_, 0], mid[open_, 1], marker="s", s=CROSSING_MARK, c="white",
                   edgecolors=CROSSING_COLOUR, linewidths=1.2, zorder=2.6, gid="crossing-open")
        out.append(mid[open_])
    if closed.any():
        ax.scatter(mid[closed, 0], mid[closed, 1], marker="X", s=CLOSED_MARK,
                   c=CLOSED_COLOUR, edgecolors="white", linewidths=0.8, zorder=2.6,
                   gid="crossing-closed")
        out.append(mid[closed])
    return out


def _labels(data: RunData, day: int, ax: Axes, size: np.ndarray, besieged: np.ndarray,
            units: list[Any], usize: np.ndarray, skip_labels: np.ndarray | None,
            short_names: bool, symbols: np.ndarray) -> dict[str, int]:
    """Town names and unit strengths, placed without overlaps (see ``sim.labels``)."""
    from matplotlib.font_manager import FontProperties

    fig = ax.figure
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    px = fig.dpi / 72.0
    to_px = ax.transData.transform
    bb = ax.get_window_extent()
    bounds = (bb.x0 + 2, bb.y0 + 2, bb.x1 - 2, bb.y1 - 2)
    town_xy = to_px(np.column_stack((data.lon, data.lat)))
    # the radius a label keeps clear: the marker, its edge line and a pixel of air
    town_r = np.sqrt(size) / 2 * px * np.where(besieged, math.sqrt(2.2), 1.0) + 2.5
    unit_xy = to_px(np.array([[u.lon, u.lat] for u in units])) if units else np.zeros((0, 2))
    unit_r = np.sqrt(usize) / 2 * px + 2.0
    skip = set() if skip_labels is None else {int(i) for i in skip_labels}
    inside = [i for i in range(len(data.town_ids)) if i not in skip
              and bounds[0] <= town_xy[i, 0] <= bounds[2]
              and bounds[1] <= town_xy[i, 1] <= bounds[3]]
    shown = [k for k in range(len(units)) if bounds[0] <= unit_xy[k, 0] <= bounds[2]
             and bounds[1] <= unit_xy[k, 1] <= bounds[3]]
    units, unit_xy, unit_r = [units[k] for k in shown], unit_xy[shown], unit_r[shown]
    texts = [f"{u.fighters:,.0f}" for u in units] + [
        short_name(data.town_names[i]) if short_names else data.town_names[i] for i in inside]
    fonts = [FontProperties(size=UNIT_FONT, weight="bold")] * len(units) + [
        FontProperties(size=TOWN_FONT)] * len(inside)
    sizes = []
    for text, font in zip(texts, fonts, strict=True):
        w, h, d = renderer.get_text_width_height_descent(text, font, ismath=False)
        _, lp_h, lp_d = renderer.get_text_width_height_descent("lp", font, ismath=False)
        # matplotlib sets every line at least as tall as "lp" (see Text._get_layout)
        sizes.append((w + 3, max(h, lp_h) + max(d, lp_d) + 3))  # a pixel of air around
    points = np.vstack((unit_xy, town_xy[inside])) if len(texts) else np.zeros((0, 2))
    radii = np.concatenate((unit_r, town_r[inside]))
    order = list(range(len(units))) + sorted(
        range(len(units), len(texts)), key=lambda k: -data.population[inside[k - len(units)]])
    sym_xy = to_px(symbols) if len(symbols) else np.zeros((0, 2))
    sym_r = np.full(len(sym_xy), math.sqrt(CLOSED_MARK) / 2 * px + 1.0)
    boxes = place_labels(points, np.array(sizes).reshape(-1, 2), radii, bounds, order=order,
                         markers=np.vstack((town_xy, unit_xy, sym_xy)),
                         marker_radii=np.concatenate((town_r, unit_r, sym_r)))
    inverse = ax.transData.inverted().transform
    colours = [f["colour"] for f in data.factions]
    drawn = {"town_labels": 0, "unit_labels": 0, "left_out": 0}
    for k, box in enumerate(boxes):
        if box is None:
            drawn["left_out"] += 1
            continue
        is_unit = k < len(units)
        drawn["unit_labels" if is_unit else "town_labels"] += 1
        x, y = inverse(((box[0] + 1, (box[1] + box[3]) / 2),))[0]
        nearest = (min(max(points[k, 0], box[0]), box[2]), min(max(points[k, 1], box[1]), box[3]))
        if math.dist(nearest, points[k]) > radii[k] + 5:
            end = inverse((nearest,))[0]
            start = inverse((points[k],))[0]
            ax.plot([start[0], end[0]], [start[1], end[1]], color="#777777", lw=0.4, zorder=5)
        ax.text(x, y, texts[k], fontproperties=fonts[k], ha="left", va="center",
                color=colours[units[k].faction] if is_unit else "#333333",
                zorder=7 if is_unit else 5, gid="unit-label" if is_unit else "town-label")
    return drawn


def _legend(data: RunData, fig: Figure, day: int) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", ls="", color=f["colour"], markersize=8,
                      label=f["name"]) for f in data.factions]
    handles += [
        Line2D([], [], marker="^", ls="", color="#666666", markeredgecolor="black",
               markersize=7, label="unit (fighters)"),
        Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor=SIEGE_COLOUR,
               markersize=10, label="besieged town"),
        Line2D([], [], color=FRONT_COLOUR, lw=2.2, label="front-line highway"),
        Line2D([], [], color=CROSSING_COLOUR, lw=0.9, ls="--", label="river crossing"),
    ]
    closed = data.closed_on(day)
    kinds = sorted({kind for k, kind in data.crossings.items() if not closed[k]})
    if kinds:  # what the map of this day draws
        handles.append(Line2D([], [], color=CROSSING_COLOUR, lw=0.9, ls="--", marker="s",
                              markerfacecolor="white", markersize=5,
                              label=f"open crossing ({', '.join(kinds)})"))
    if closed.any():
        handles.append(Line2D([], [], color=CLOSED_COLOUR, lw=1.3, ls=CLOSED_DASH, marker="X",
                              markersize=7, markeredgecolor="white", markeredgewidth=0.8,
                              label="closed crossing or highway"))
    fig.legend(handles=handles, loc="lower center", ncols=min(len(handles), 5), fontsize=7,
               frameon=False, bbox_to_anchor=(0.5, 0.0))


def map_figure(data: RunData, day: int) -> tuple[Figure, dict[str, int]]:
    """The map of ``day`` as a figure (a close-up panel where towns crowd), and label counts."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    cluster = dense_cluster(data.lat, data.lon)
    d = data.date(day)
    title = f"{data.info.get('scenario', '')}: {d.isoformat()} (day {day})"
    if cluster is None:
        fig = plt.figure(figsize=(11, 8.5), dpi=DPI)
        ax = fig.add_axes((0.07, 0.1, 0.9, 0.84))
        counts = draw_map(data, day, ax)
    else:
        fig = plt.figure(figsize=(15, 8.5), dpi=DPI)
        ax = fig.add_axes((0.05, 0.1, 0.57, 0.84))
        zoom = fig.add_axes((0.66, 0.1, 0.32, 0.84))
        lon, lat = data.lon[cluster], data.lat[cluster]
        pad = 0.2 * max(float(np.ptp(lon)), float(np.ptp(lat)), 0.01)
        box = (float(lon.min()) - pad, float(lat.min()) - pad, float(lon.max()) + pad,
               float(lat.max()) + pad)
        counts = draw_map(data, day, ax, skip_labels=cluster)
        more = draw_map(data, day, zoom, labels=True, short_names=True, box=box)
        counts = {k: counts[k] + more[k] for k in counts}
        ax.add_patch(Rectangle(box[:2], box[2] - box[0], box[3] - box[1], fill=False,
                               edgecolor="#444444", lw=1, ls=":", zorder=8))
        zoom.set_title("close-up of the dotted box", fontsize=10)
    ax.set_title(title, fontsize=11)
    _legend(data, fig, day)
    return fig, counts


def plot_map(data: RunData, day: int, path: str | Path) -> Path:
    """Save the map of ``day`` as PNG (200 dpi) or SVG, by the suffix of ``path``."""
    plt = _pyplot()
    fig, _ = map_figure(data, day)
    meta = _PNG_META if str(path).lower().endswith(".png") else {"Date": None}
    with replacing(Path(path)) as tmp:  # whole or not at all
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".").lower() or "png", metadata=meta,
                    bbox_inches="tight", pad_inches=0.08)
    plt.close(fig)
    return Path(path)


def plot_fronts(data: RunData, path: str | Path, every: int | None = None) -> Path:
    """Save small multiples of the map every ``every`` days (default: about 12 panels)."""
    plt = _pyplot()
    from matplotlib.collections import LineCollection

    every = every or max(1, math.ceil(data.days / 11))
    days = list(range(0, data.days + 1, every))
    if days[-1] != data.days:
        days.append(data.days)
    cols = min(4, len(days))
    rows = math.ceil(len(days) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.9 * rows + 0.6), dpi=150,
                             squeeze=False, layout="constrained")
    colours = [f["colour"] for f in data.factions]
    u = np.array([h[0] for h in data.highways], dtype=int)
    v = np.array([h[1] for h in data.highways], dtype=int)
    segs = np.stack([np.column_stack((data.lon[u], data.lat[u])),
                     np.column_stack((data.lon[v], data.lat[v]))], axis=1)
    size = _sizes(data) * 0.25
    for ax, day in zip(axes.flat, days, strict=False):
        front = data.front(day)
        ax.add_collection(LineCollection(segs[~front], colors="#b0b0b0", linewidths=0.5))
        ax.add_collection(LineCollection(segs[front], colors=FRONT_COLOUR, linewidths=1.8))
        closed = data.closed_on(day)
        if closed.any():
            ax.add_collection(LineCollection(segs[closed], colors=CLOSED_COLOUR, linewidths=1.0,
                                             linestyles=[CLOSED_DASH]))
            mid = segs[closed].mean(axis=1)
            ax.scatter(mid[:, 0], mid[:, 1], marker="x", s=10, c=CLOSED_COLOUR,
                       linewidths=0.8, zorder=4)
        ctrl = data.control[day]
        ax.scatter(data.lon, data.lat, s=size, zorder=3,
                   c=[colours[c] if c >= 0 else NEUTRAL_GREY for c in ctrl])
        b = data.besieged[day]
        ax.scatter(data.lon[b], data.lat[b], s=size[b] * 3, facecolors="none",
                   edgecolors=SIEGE_COLOUR, linewidths=0.8, zorder=4)
        ax.set_aspect(1.0 / math.cos(math.radians(float(data.lat.mean()))))
        ax.set_xticks([])
        ax.set_yticks([])
        held = ", ".join(f"{f['id']} {int((ctrl == i).sum())}"
                         for i, f in enumerate(data.factions) if (ctrl == i).any())
        ax.set_title(f"{data.date(day).isoformat()} (day {day})\n{held}", fontsize=7)
        ax.autoscale_view()
    for ax in list(axes.flat)[len(days):]:
        ax.axis("off")
    closed_note = ", closed highways dashed grey with an x" if data.closed.any() else ""
    fig.suptitle(f"{data.info.get('scenario', '')}: the front line (orange) every {every} days, "
                 f"besieged towns ringed red{closed_note}", fontsize=10)
    with replacing(Path(path)) as tmp:  # whole or not at all
        fig.savefig(tmp, format="png", metadata=_PNG_META)
    plt.close(fig)
    return Path(path)


def plot_territory(data: RunData, path: str | Path) -> Path:
    """Save towns, population and fighters held per faction over time as a PNG."""
    plt = _pyplot()
    import matplotlib.dates as mdates

    fig, axes = plt.subplots(3, 1, figsize=(10, 9), dpi=110, sharex=True)
    metrics = [("towns", "towns held"), ("population", "population held"),
               ("fighters", "fighters (units + garrisons)")]
    for f in data.factions:
        rows = [r for r in data.series if r["faction"] == f["id"]]
        dates = np.array([np.datetime64(r["date"]) for r in rows])
        for ax, (key, _) in zip(axes, metrics, strict=True):
            ax.plot(dates, [r[key] for r in rows], color=f["colour"], lw=2, label=f["name"])
    for ax, (_, title) in zip(axes, metrics, strict=True):
        ax.set_ylabel(title)
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[0].legend(fontsize=8, loc="best")
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    fig.autofmt_xdate()
    fig.suptitle(f"{data.info.get('scenario', '')}: territory over time "
                 f"(seed {data.info.get('seed', '')})", fontsize=11)
    fig.tight_layout()
    with replacing(Path(path)) as tmp:  # whole or not at all
        fig.savefig(tmp, format="png", metadata=_PNG_META)
    plt.close(fig)
    return Path(path)
