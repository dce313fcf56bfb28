"""The map's fixed drawing: projection, graticule, scale bar, reference features, town names.

Everything here is worked out once per map (see :mod:`viz.maplayout`); a day's redraw
(:mod:`viz.mapview`) only adds colours, rings, fronts and units on top.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from sim.geo import KM_PER_DEG_LAT

if TYPE_CHECKING:
    from viz.adapter import RunInfo

__all__ = ["LABEL_FONT", "PAPER", "RIVER_COLOUR", "WIDTH", "Box", "MapFrame", "boxes_overlap",
           "features_svg", "graticule_svg", "labels_svg", "scale_bar_svg", "town_radius"]

Box = tuple[float, float, float, float]  # left, top, right, bottom in px
RIVER_COLOUR = "#6baed6"
PAPER = "#fbfaf6"
WIDTH = 640.0
MARGIN = 24.0
LABEL_FONT = 12.0


@dataclass(frozen=True)
class MapFrame:
    """Equirectangular projection into SVG pixels, true to scale at the middle latitude."""

    lon0: float
    lat1: float
    scale: float  # px per degree of latitude
    kx: float  # cos(middle latitude): one degree of longitude in degrees of latitude
    width: float
    height: float

    @classmethod
    def fit(cls, lat: np.ndarray, lon: np.ndarray, width: float = WIDTH,
            margin: float = MARGIN, max_height: float | None = None) -> MapFrame:
        """The frame showing all these points ``margin`` px inside a ``width`` px box."""
        lat_lo, lat_hi = float(np.min(lat)), float(np.max(lat))
        lon_lo, lon_hi = float(np.min(lon)), float(np.max(lon))
        kx = math.cos(math.radians((lat_lo + lat_hi) / 2))
        span_x = max((lon_hi - lon_lo) * kx, 1e-3)
        span_y = max(lat_hi - lat_lo, 0.3 * span_x, 1e-3)  # room above and below a flat map
        scale = (width - 2 * margin) / span_x
        height = span_y * scale + 2 * margin
        max_height = 1.3 * width if max_height is None else max_height
        if height > max_height:
            scale = (max_height - 2 * margin) / span_y
            height = max_height
        lon0 = (lon_lo + lon_hi) / 2 - (width / 2) / (scale * kx)
        lat1 = (lat_lo + lat_hi) / 2 + (height / 2) / scale
        return cls(lon0, lat1, scale, kx, width, height)

    def x(self, lon: float | np.ndarray) -> np.ndarray:
        """Pixels from the left edge."""
        return np.asarray((np.asarray(lon) - self.lon0) * self.kx * self.scale)

    def y(self, lat: float | np.ndarray) -> np.ndarray:
        """Pixels from the top edge."""
        return np.asarray((self.lat1 - np.asarray(lat)) * self.scale)

    @property
    def km_per_px(self) -> float:
        """Ground distance of one pixel."""
        return KM_PER_DEG_LAT / self.scale


def town_radius(population: np.ndarray, max_pop: float) -> np.ndarray:
    """Circle radius in px: area grows with population."""
    return 3.5 + 10.5 * np.sqrt(np.maximum(population, 0.0) / max(max_pop, 1.0))


def boxes_overlap(a: Box, b: Box) -> bool:
    """Two boxes share some area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _nice(x: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``x``."""
    p = 10 ** math.floor(math.log10(x))
    return max(m * p for m in (1, 2, 5) if m * p <= x)


def graticule_svg(f: MapFrame) -> str:
    """Light lines of longitude and latitude, labelled in degrees."""
    step = _nice((f.width / f.scale / f.kx) / 4)
    digits = 0 if step >= 1 else (1 if step >= 0.1 else 2)
    lines, texts = [], []
    lon_hi, lat_lo = f.lon0 + f.width / (f.scale * f.kx), f.lat1 - f.height / f.scale
    v = math.ceil(f.lon0 / step) * step
    while v < lon_hi:
        x = float(f.x(v))
        lines.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{f.height:.1f}"/>')
        texts.append(f'<text x="{x + 3:.1f}" y="11">{v:.{digits}f}°E</text>')
        v += step
    v = math.ceil(lat_lo / step) * step
    while v < f.lat1:
        y = float(f.y(v))
        lines.append(f'<line x1="0" y1="{y:.1f}" x2="{f.width:.1f}" y2="{y:.1f}"/>')
        texts.append(f'<text x="{f.width - 3:.1f}" y="{y - 3:.1f}" text-anchor="end">'
                     f'{v:.{digits}f}°N</text>')
        v += step
    return (f'<g class="graticule"><g stroke="#e6e2d8" stroke-width="0.8">{"".join(lines)}</g>'
            f'<g fill="#a8a294" font-size="9">{"".join(texts)}</g></g>')


def features_svg(run: RunInfo, f: MapFrame, names: bool) -> str:
    """Rivers and other reference lines; each named where it is farthest from any town."""
    w = run.world
    tx, ty = f.x(w.lon), f.y(w.lat)
    out = []
    for feat in run.features:
        pts = np.array(feat.points, dtype=float)
        xs, ys = f.x(pts[:, 1]), f.y(pts[:, 0])
        d = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        river = feat.kind == "river"
        style = (f'stroke="{RIVER_COLOUR}" stroke-width="4" opacity="0.7"' if river else
                 'stroke="#8c8c8c" stroke-width="1.5" stroke-dasharray="6 4" opacity="0.8"')
        label = ""
        if names:
            inside = [k for k in range(len(pts)) if 0 < xs[k] < f.width - 60 and
                      20 < ys[k] < f.height - 20]
            if inside:
                k = max(inside, key=lambda k: float(np.min(np.hypot(tx - xs[k] - 30,
                                                                      ty - ys[k] - 10))))
                label = (f'<text x="{xs[k] + 7:.1f}" y="{ys[k] + 15:.1f}" font-size="11" '
                         f'font-style="italic" fill="{RIVER_COLOUR if river else "#777"}">'
                         f'{escape(feat.name)}</text>')
        out.append(f'<g class="feature" data-feature-id="{escape(feat.id)}" '
                   f'data-kind="{feat.kind}"><polyline points="{d}" fill="none" {style} '
                   f'stroke-linejoin="round" stroke-linecap="round"/>{label}'
                   f'<title>{escape(feat.name)} ({feat.kind})</title></g>')
    return "".join(out)


def _split(text: str) -> list[str]:
    """A long name on two lines, broken at the space nearest its middle."""
    spaces = [k for k, ch in enumerate(text) if ch == " "]
    if len(text) <= 16 or not spaces:
        return [text]
    k = min(spaces, key=lambda k: abs(k - len(text) / 2))
    return [text[:k], text[k + 1:]]


def labels_svg(names: list[str], towns: np.ndarray, tx: np.ndarray, ty: np.ndarray,
               r: np.ndarray, f: MapFrame, keep_out: list[Box], font: float = LABEL_FONT
               ) -> tuple[str, list[Box]]:
    """Town names, largest towns first, leaving out any that would overlap a placed name.

    The space just above each town is kept for its units; a long name that fits nowhere on
    one line is tried on two.

    Returns:
        the ``<g class="labels">`` element and the box of every name placed.
    """
    boxes: list[Box] = [(tx[i] - r[i], ty[i] - r[i], tx[i] + r[i], ty[i] + r[i]) for i in towns]
    boxes += [(tx[i] - 6, ty[i] - r[i] - 14, tx[i] + 22, ty[i] - r[i] - 3) for i in towns]
    boxes += keep_out
    placed_boxes: list[Box] = []

    def free(b: Box) -> bool:
        if b[0] < 2 or b[2] > f.width - 2 or b[1] < 2 or b[3] > f.height - 2:
            return False
        return not any(boxes_overlap(b, o) for o in boxes)

    out = []
    th = font
    for i in sorted(towns, key=lambda i: (-r[i], names[i])):
        x, y, ri = float(tx[i]), float(ty[i]), float(r[i])
        d = ri * 0.7 + 2
        for lines in ([names[i]], _split(names[i])):
            tw = 0.55 * font * max(len(t) for t in lines)
            tall = th * 1.1 * (len(lines) - 1)
            placed = False
            for ax, ay, anchor in ((x + ri + 3, y + th / 3 - tall / 2, "start"),
                                   (x - ri - 3, y + th / 3 - tall / 2, "end"),
                                   (x, y + ri + th, "middle"), (x + d, y + d + th * 0.7, "start"),
                                   (x - d, y + d + th * 0.7, "end"), (x + d, y - d - tall, "start"),
                                   (x - d, y - d - tall, "end")):
                left = {"start": ax, "end": ax - tw, "middle": ax - tw / 2}[anchor]
                b = (left, ay - th * 0.8, left + tw, ay + th * 0.25 + tall)
                if free(b):
                    boxes.append(b)
                    placed_boxes.append(b)
                    spans = "".join(f'<tspan x="{ax:.1f}" dy="{0 if k == 0 else th * 1.1:.1f}">'
                                    f'{escape(t)}</tspan>' for k, t in enumerate(lines))
                    out.append(f'<text x="{ax:.1f}" y="{ay:.1f}" text-anchor="{anchor}" '
                               f'data-box="{b[0]:.1f} {b[1]:.1f} {b[2]:.1f} {b[3]:.1f}">'
                               f'{spans}</text>')
                    placed = True
                    break
            if placed or len(lines) > 1:
                break
    return (f'<g class="labels" font-size="{font:g}" fill="#333" stroke="{PAPER}" '
            f'stroke-width="3" paint-order="stroke" pointer-events="none">{"".join(out)}</g>',
            placed_boxes)


def scale_bar_svg(f: MapFrame) -> str:
    """A scale bar of a round number of km in the bottom left corner."""
    km = _nice(f.km_per_px * f.width / 5)
    px = km / f.km_per_px
    x0, y0 = 10.0, f.height - 12
    return (f'<g class="scale-bar" font-size="10" fill="#555"><rect x="{x0 - 4:.1f}" '
            f'y="{y0 - 16:.1f}" width="{px + 8:.1f}" height="22" fill="{PAPER}" '
            f'opacity="0.85"/><path d="M{x0:.1f},{y0 - 4:.1f} v4 h{px:.1f} v-4" fill="none" '
            f'stroke="#555" stroke-width="1.5"/><text x="{x0 + px / 2:.1f}" y="{y0 - 7:.1f}" '
            f'text-anchor="middle">{km:g} km</text></g>')
