"""Where things go on a run's map, worked out once: the frame, names and a close-up of a crowd.

Where towns crowd together (a city's districts) a close-up of them is drawn in a free part of
the map; the crowd's names and units are then drawn only in the close-up.
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from viz.mapframe import (
    LABEL_FONT,
    Box,
    MapFrame,
    features_svg,
    graticule_svg,
    labels_svg,
    scale_bar_svg,
    town_radius,
)

if TYPE_CHECKING:
    from sim.world import World
    from viz.adapter import RunInfo

__all__ = ["MapLayout", "View", "layout"]

LABEL_LIMIT = 400  # towns are labelled only on maps this small
INSET_MIN_TOWNS = 3  # a crowd of at least this many overlapping towns gets a close-up
INSET_MIN_ZOOM = 2.5  # ... if the close-up magnifies at least this much


@dataclass(frozen=True)
class View:
    """One drawing of the map (the whole map or a close-up) and its unchanging parts.

    Attributes:
        name: ``main`` or ``inset``.
        frame: its projection.
        tx, ty: every town's position in it, px.
        background: graticule and features, SVG.
        labels: town names (and the scale bar on the main map), SVG.
        name_boxes: the box of every town name drawn (no unit label may cover one).
        towns: town numbers drawn in this view.
        unit_towns: towns whose units are drawn here (a close-up takes a crowd's).
    """

    name: str
    frame: MapFrame
    tx: np.ndarray
    ty: np.ndarray
    background: str
    labels: str
    name_boxes: tuple[Box, ...]
    towns: np.ndarray
    unit_towns: frozenset[int]


@dataclass(frozen=True)
class MapLayout:
    """A run's map: the main view, perhaps a close-up, and the circles' scale."""

    main: View
    inset: View | None
    inset_at: tuple[float, float]  # top-left corner of the close-up on the main map
    inset_title: str
    max_pop: float


_CACHE: weakref.WeakKeyDictionary[World, MapLayout] = weakref.WeakKeyDictionary()


def _crowd(tx: np.ndarray, ty: np.ndarray, r: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """The largest group of towns whose circles overlap each other on the map."""
    n = len(tx)
    if n < INSET_MIN_TOWNS or n > 5000:
        return np.zeros(0, dtype=np.int64)
    d = np.hypot(tx[:, None] - tx[None, :], ty[:, None] - ty[None, :])
    close = d < (r[:, None] + r[None, :]) * 1.15
    np.fill_diagonal(close, False)
    u, v = np.nonzero(close)
    _, label = connected_components(coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)),
                                    directed=False)
    sizes = np.bincount(label)
    weight = np.bincount(label, weights=pop)
    best = max(range(len(sizes)), key=lambda k: (sizes[k], weight[k], -k))
    members = np.flatnonzero(label == best)
    return members if len(members) >= INSET_MIN_TOWNS else np.zeros(0, dtype=np.int64)


def _inset_place(run: RunInfo, main: MapFrame, tx: np.ndarray, ty: np.ndarray,
                 r: np.ndarray, w: float, h: float, avoid: Box
                 ) -> tuple[int, float, float, float, float, float]:
    """Where on the map a ``w`` x ``h`` close-up hides least.

    Returns:
        (towns hidden, cost of the roads and rivers hidden and of growing the map, px the map
        must grow at the bottom to hold it, distance to the crowd, x, y); the smallest such.
    """
    world = run.world
    label_mid = tx + r + 0.3 * LABEL_FONT * np.array([len(n) for n in world.names])
    pts = [np.column_stack((label_mid, ty))]
    weights = [np.full(len(tx), 3.0)]
    for k in range(world.m):  # sample the highways every ~8 px
        u, v = int(world.eu[k]), int(world.ev[k])
        n = max(int(math.hypot(tx[v] - tx[u], ty[v] - ty[u]) / 8), 1)
        t = np.linspace(0, 1, n + 1)[:, None]
        pts.append(np.column_stack((tx[u], ty[u])) * (1 - t) + np.column_stack((tx[v], ty[v])) * t)
        weights.append(np.full(n + 1, 4.0))  # units travel there
    for feat in run.features:
        fp = np.array(feat.points, dtype=float)
        pts.append(np.column_stack((main.x(fp[:, 1]), main.y(fp[:, 0]))))
        weights.append(np.full(len(fp), 1.0))
    xy, wt = np.concatenate(pts), np.concatenate(weights)
    cx, cy = (avoid[0] + avoid[2]) / 2, (avoid[1] + avoid[3]) / 2
    pad = 6.0
    best = (len(tx) + 1, math.inf, math.inf, math.inf, pad, pad)
    bottom = main.height - 30  # above the scale bar
    for x0 in np.arange(pad, max(main.width - w - pad, pad) + 1, 8.0):
        for y0 in np.arange(18.0, max(bottom - h + 0.6 * h, 18.0) + 1, 8.0):
            if x0 < avoid[2] and avoid[0] < x0 + w and y0 < avoid[3] and avoid[1] < y0 + h:
                continue
            towns = int(np.sum((tx + r > x0 - 4) & (tx - r < x0 + w + 4) &
                               (ty + r > y0 - 4) & (ty - r < y0 + h + 4)))
            inside = ((xy[:, 0] > x0 - 6) & (xy[:, 0] < x0 + w + 6) &
                      (xy[:, 1] > y0 - 6) & (xy[:, 1] < y0 + h + 6))
            grow = max(0.0, float(y0 + h - bottom))
            here = (towns, float(wt[inside].sum()) + grow / 4, grow,
                    math.hypot(x0 + w / 2 - cx, y0 + h / 2 - cy), float(x0), float(y0))
            best = min(best, here)
    return best


def _short_names(names: list[str], title: str) -> list[str]:
    prefix = f"{title} - "
    return [n[len(prefix):] if n.startswith(prefix) else n for n in names]


def layout(run: RunInfo) -> MapLayout:
    """The map of a run's world (cached per world)."""
    w = run.world
    cached = _CACHE.get(w)
    if cached is not None:
        return cached
    f = MapFrame.fit(w.lat, w.lon)
    tx, ty = f.x(w.lon), f.y(w.lat)
    max_pop = float(w.population.max()) if w.n else 1.0
    r = town_radius(w.population, max_pop)
    all_towns = np.arange(w.n)
    crowd = _crowd(tx, ty, r, w.population)
    inset, inset_at, title, keep_out = None, (0.0, 0.0), "", []
    if len(crowd):
        lat, lon = w.lat[crowd], w.lon[crowd]
        box = (float(tx[crowd].min() - 14), float(ty[crowd].min() - 14),
               float(tx[crowd].max() + 14), float(ty[crowd].max() + 14))
        # the largest close-up that hides no town, else the one hiding fewest
        options = []
        for share in (0.44, 0.40, 0.36, 0.32, 0.28):
            fi = MapFrame.fit(lat, lon, width=round(share * f.width),
                              margin=float(r[crowd].max()) + 16, max_height=0.5 * f.height)
            hidden, cost, grow, _, x0, y0 = _inset_place(run, f, tx, ty, r, fi.width,
                                                         fi.height, box)
            options.append(((hidden, 0.0 if hidden == 0 else cost), fi, (x0, y0), grow))
            if hidden == 0:
                break
        _, fi, inset_at, grow = min(options, key=lambda o: o[0])
        zoom = fi.scale / f.scale
        if zoom >= INSET_MIN_ZOOM:
            f = dataclasses.replace(f, height=f.height + grow)
            biggest = int(crowd[np.argmax(w.population[crowd])])
            title = w.names[biggest].split(" - ")[0]
            itx, ity = fi.x(w.lon), fi.y(w.lat)
            shown = np.flatnonzero((itx > -20) & (itx < fi.width + 20) & (ity > -20) &
                                   (ity < fi.height + 20))
            title_box = (0.0, 0.0, 0.58 * 11 * (len(title) + 14), 18.0)
            ilabels, iboxes = labels_svg(_short_names(w.names, title), shown, itx, ity, r, fi,
                                         [title_box], font=10.5)
            inset = View("inset", fi, itx, ity, features_svg(run, fi, names=False), ilabels,
                         (title_box, *iboxes), shown, frozenset(shown.tolist()))
            keep_out = [box, (inset_at[0], inset_at[1], inset_at[0] + fi.width,
                              inset_at[1] + fi.height)]
    labelled = all_towns if w.n <= LABEL_LIMIT else np.zeros(0, dtype=np.int64)
    unit_towns = all_towns
    if inset is not None:
        labelled = np.setdiff1d(labelled, crowd)
        unit_towns = np.setdiff1d(unit_towns, crowd)
    names, boxes = labels_svg(w.names, labelled, tx, ty, r, f, keep_out)
    main = View("main", f, tx, ty, graticule_svg(f) + features_svg(run, f, names=True),
                names + scale_bar_svg(f), tuple(boxes), all_towns,
                frozenset(unit_towns.tolist()))
    st = MapLayout(main, inset, inset_at, title, max_pop)
    _CACHE[w] = st
    return st
