"""The map as an SVG string: towns, highways, fronts, sieges, units and reference features.

Pure functions of a model, so they are tested without a browser. Every town is a
``<g class="town" data-town-id=... data-controller=... data-besieged=...>`` holding a circle
filled with its holder's colour and a ``<title>`` the browser shows on hover. Where towns
crowd together (a city's districts) a close-up of them is drawn in a corner of the map.
What does not change during a run (projection, graticule, features, labels, close-up) is
worked out once per map.
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sim.geo import KM_PER_DEG_LAT
from sim.plots import FRONT_COLOUR, NEUTRAL_GREY

if TYPE_CHECKING:
    from sim.agents import Unit
    from sim.model import TerritoryModel
    from sim.world import World

__all__ = ["CAPTURE_COLOUR", "FRONT_COLOUR", "RIVER_COLOUR", "SIEGE_COLOUR", "MapFrame",
           "fighters_text", "front_mask", "map_svg", "town_radius", "town_tooltip"]

SIEGE_COLOUR = "#d62728"
CAPTURE_COLOUR = "#ffd400"
ROAD_COLOUR = "#9a9a9a"
RIVER_COLOUR = "#6baed6"
PAPER = "#fbfaf6"
WIDTH = 640.0
HOVER_STYLE = ("<style>.frontline-map g.town:hover circle.town-dot,"
               ".frontline-map g.unit:hover polygon{stroke:#000;stroke-width:2.5}"
               ".frontline-map g.town,.frontline-map g.unit{cursor:default}</style>")
MARGIN = 24.0
LABEL_FONT = 12.0
LABEL_LIMIT = 400  # towns are labelled only on maps this small
INSET_MIN_TOWNS = 3  # a crowd of at least this many overlapping towns gets a close-up
INSET_MIN_ZOOM = 2.5  # ... if the close-up magnifies at least this much


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


@dataclass(frozen=True)
class _View:
    """One drawing of the map (the whole map or a close-up) and its unchanging parts."""

    name: str
    frame: MapFrame
    tx: np.ndarray
    ty: np.ndarray
    background: str
    labels: str
    towns: np.ndarray  # town numbers drawn in this view
    unit_towns: frozenset[int]  # towns whose units are drawn (a close-up takes a crowd's)


@dataclass(frozen=True)
class _Static:
    main: _View
    inset: _View | None
    inset_at: tuple[float, float]  # top-left corner of the close-up on the main map
    inset_title: str
    max_pop: float


_STATIC: weakref.WeakKeyDictionary[World, _Static] = weakref.WeakKeyDictionary()


def fighters_text(n: float) -> str:
    """Short strength label: ``950``, ``2,400``, ``12k``."""
    return f"{n:,.0f}" if n < 10_000 else f"{n / 1000:,.0f}k"


def town_radius(population: np.ndarray, max_pop: float) -> np.ndarray:
    """Circle radius in px: area grows with population."""
    return 3.5 + 10.5 * np.sqrt(np.maximum(population, 0.0) / max(max_pop, 1.0))


def front_mask(model: TerritoryModel) -> np.ndarray:
    """Highways whose two ends are held by hostile factions (the front line)."""
    w = model.world
    return w.front_line(model.towns.controller, model.relations.hostile)


def town_tooltip(model: TerritoryModel, i: int) -> str:
    """What hovering a town shows: name, holder, garrison, population, siege state."""
    t = model.towns
    c = int(t.controller[i])
    holder = model.factions[c].name if c >= 0 else "nobody"
    siege = "BESIEGED: cut off from supply" if model.supply.besieged[i] else "not besieged"
    return (f"{model.world.names[i]}\nheld by {holder}\n"
            f"garrison {t.garrison[i]:,.0f} fighters\n"
            f"population {t.population[i]:,.0f}\n{siege}")


def _nice(x: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``x``."""
    p = 10 ** math.floor(math.log10(x))
    return max(m * p for m in (1, 2, 5) if m * p <= x)


def _graticule(f: MapFrame) -> str:
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


def _features(model: TerritoryModel, f: MapFrame, names: bool) -> str:
    """Rivers and other reference lines; each named where it is farthest from any town."""
    w = model.world
    tx, ty = f.x(w.lon), f.y(w.lat)
    out = []
    for feat in model.spec.features:
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


def _labels(names: list[str], towns: np.ndarray, tx: np.ndarray, ty: np.ndarray, r: np.ndarray,
            f: MapFrame, keep_out: list[tuple[float, float, float, float]],
            font: float = LABEL_FONT) -> str:
    """Town names, largest towns first, leaving out any that would overlap a placed name.

    The space just above each town is kept for its units; a long name that fits nowhere on
    one line is tried on two.
    """
    boxes = [(tx[i] - r[i], ty[i] - r[i], tx[i] + r[i], ty[i] + r[i]) for i in towns]
    boxes += [(tx[i] - 6, ty[i] - r[i] - 14, tx[i] + 22, ty[i] - r[i] - 3) for i in towns]
    boxes += keep_out

    def free(b: tuple[float, float, float, float]) -> bool:
        if b[0] < 2 or b[2] > f.width - 2 or b[1] < 2 or b[3] > f.height - 2:
            return False
        return not any(b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3]
                       for o in boxes)

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
                    spans = "".join(f'<tspan x="{ax:.1f}" dy="{0 if k == 0 else th * 1.1:.1f}">'
                                    f'{escape(t)}</tspan>' for k, t in enumerate(lines))
                    out.append(f'<text x="{ax:.1f}" y="{ay:.1f}" text-anchor="{anchor}">'
                               f'{spans}</text>')
                    placed = True
                    break
            if placed or len(lines) > 1:
                break
    return (f'<g class="labels" font-size="{font:g}" fill="#333" stroke="{PAPER}" '
            f'stroke-width="3" paint-order="stroke" pointer-events="none">{"".join(out)}</g>')


def _scale_bar(f: MapFrame) -> str:
    km = _nice(f.km_per_px * f.width / 5)
    px = km / f.km_per_px
    x0, y0 = 10.0, f.height - 12
    return (f'<g class="scale-bar" font-size="10" fill="#555"><rect x="{x0 - 4:.1f}" '
            f'y="{y0 - 16:.1f}" width="{px + 8:.1f}" height="22" fill="{PAPER}" '
            f'opacity="0.85"/><path d="M{x0:.1f},{y0 - 4:.1f} v4 h{px:.1f} v-4" fill="none" '
            f'stroke="#555" stroke-width="1.5"/><text x="{x0 + px / 2:.1f}" y="{y0 - 7:.1f}" '
            f'text-anchor="middle">{km:g} km</text></g>')


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


def _inset_place(model: TerritoryModel, main: MapFrame, tx: np.ndarray, ty: np.ndarray,
                 r: np.ndarray, w: float, h: float, avoid: tuple[float, float, float, float]
                 ) -> tuple[int, float, float, float, float, float]:
    """Where on the map a ``w`` x ``h`` close-up hides least.

    Returns:
        (towns hidden, cost of the roads and rivers hidden and of growing the map, px the map
        must grow at the bottom to hold it, distance to the crowd, x, y); the smallest such.
    """
    world = model.world
    label_mid = tx + r + 0.3 * LABEL_FONT * np.array([len(n) for n in world.names])
    pts = [np.column_stack((label_mid, ty))]
    weights = [np.full(len(tx), 3.0)]
    for k in range(world.m):  # sample the highways every ~8 px
        u, v = int(world.eu[k]), int(world.ev[k])
        n = max(int(math.hypot(tx[v] - tx[u], ty[v] - ty[u]) / 8), 1)
        t = np.linspace(0, 1, n + 1)[:, None]
        pts.append(np.column_stack((tx[u], ty[u])) * (1 - t) + np.column_stack((tx[v], ty[v])) * t)
        weights.append(np.full(n + 1, 4.0))  # units travel there
    for feat in model.spec.features:
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


def _static(model: TerritoryModel) -> _Static:
    w = model.world
    cached = _STATIC.get(w)
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
            hidden, cost, grow, _, x0, y0 = _inset_place(model, f, tx, ty, r, fi.width,
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
            ilabels = _labels(_short_names(w.names, title), shown, itx, ity, r, fi,
                              [(0.0, 0.0, 0.58 * 11 * (len(title) + 14), 18.0)], font=10.5)
            inset = _View("inset", fi, itx, ity, _features(model, fi, names=False), ilabels,
                          shown, frozenset(shown.tolist()))
            keep_out = [box, (inset_at[0], inset_at[1], inset_at[0] + fi.width,
                              inset_at[1] + fi.height)]
    labelled = all_towns if w.n <= LABEL_LIMIT else np.zeros(0, dtype=np.int64)
    unit_towns = all_towns
    if inset is not None:
        labelled = np.setdiff1d(labelled, crowd)
        unit_towns = np.setdiff1d(unit_towns, crowd)
    main = _View("main", f, tx, ty, _graticule(f) + _features(model, f, names=True),
                 _labels(w.names, labelled, tx, ty, r, f, keep_out) + _scale_bar(f), all_towns,
                 frozenset(unit_towns.tolist()))
    st = _Static(main, inset, inset_at, title, max_pop)
    _STATIC[w] = st
    return st


def _unit_marker(x: float, y: float, colour: str, fighters: float, title: str,
                 units: list[Unit], faction_id: str, moving: bool) -> str:
    side = 10.0 + 0.1 * math.sqrt(max(fighters, 0.0))
    h = side * 0.87
    pts = (f"{x:.1f},{y - h * 0.6:.1f} {x - side / 2:.1f},{y + h * 0.4:.1f} "
           f"{x + side / 2:.1f},{y + h * 0.4:.1f}")
    keys = " ".join(u.key for u in units)
    return (f'<g class="unit" data-units="{escape(keys)}" data-faction="{escape(faction_id)}" '
            f'data-fighters="{fighters:.0f}" data-moving="{str(moving).lower()}">'
            f'<polygon points="{pts}" fill="{colour}" stroke="#111" stroke-width="1.2"/>'
            f'<text x="{x + side / 2 + 2:.1f}" y="{y + 4:.1f}" font-size="10.5" '
            f'font-weight="bold" fill="{colour}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{fighters_text(fighters)}</text>'
            f'<title>{escape(title)}</title></g>')


def _units(model: TerritoryModel, view: _View, r: np.ndarray) -> str:
    w, f = model.world, view.frame
    colours = [fa.colour for fa in model.factions]
    out = []
    stacks: dict[tuple[int, int], list[Unit]] = {}
    for u in sorted(model.forces, key=lambda u: u.key):
        if u.dest < 0:
            stacks.setdefault((u.node, u.faction), []).append(u)
            continue
        lat, lon = u.position()
        x, y = float(f.x(lon)), float(f.y(lat))
        if not (0 <= x <= f.width and 0 <= y <= f.height):
            continue
        title = (f"{u.name} ({model.factions[u.faction].name}): {u.fighters:,.0f} fighters\n"
                 f"on the road from {w.names[u.node]} to {w.names[u.dest]}; order: {u.order}")
        out.append(_unit_marker(x, y, colours[u.faction], u.fighters, title, [u],
                                model.factions[u.faction].id, True))
    slot: dict[int, int] = {}
    for (node, fac), units in sorted(stacks.items()):
        if node not in view.unit_towns:
            continue
        k = slot.get(node, 0)
        slot[node] = k + 1
        x = float(view.tx[node])
        y = float(view.ty[node] - r[node] - 9 - 16 * k)
        total = sum(u.fighters for u in units)
        lines = "\n".join(f"  {u.name}: {u.fighters:,.0f} ({u.order})" for u in units)
        title = f"{model.factions[fac].name} in {w.names[node]}: {total:,.0f} fighters\n{lines}"
        out.append(_unit_marker(x, y, colours[fac], total, title, units,
                                model.factions[fac].id, False))
    return "".join(out)


def _view_svg(model: TerritoryModel, view: _View, r: np.ndarray, front: np.ndarray,
              prev: np.ndarray) -> str:
    """Highways, fronts, towns, labels and units as seen in one view."""
    w = model.world
    tx, ty = view.tx, view.ty
    roads, fronts = [], []
    for k in range(w.m):
        u, v = int(w.eu[k]), int(w.ev[k])
        seg = (f'<line x1="{tx[u]:.1f}" y1="{ty[u]:.1f}" x2="{tx[v]:.1f}" y2="{ty[v]:.1f}" '
               f'data-from="{escape(w.ids[u])}" data-to="{escape(w.ids[v])}"/>')
        (fronts if front[k] else roads).append(seg)
    colours = [fa.colour for fa in model.factions]
    towns = []
    for i in view.towns:
        c = int(model.towns.controller[i])
        fill = colours[c] if c >= 0 else NEUTRAL_GREY
        fid = model.factions[c].id if c >= 0 else ""
        besieged = bool(model.supply.besieged[i])
        changed = int(prev[i]) != c
        x, y, ri = float(tx[i]), float(ty[i]), float(r[i])
        rings = ""
        if changed:
            rings += (f'<circle class="captured" cx="{x:.1f}" cy="{y:.1f}" r="{ri + 3:.1f}" '
                      f'fill="none" stroke="{CAPTURE_COLOUR}" stroke-width="4"/>')
        if besieged:
            rings += (f'<circle class="siege" cx="{x:.1f}" cy="{y:.1f}" r="{ri + 5:.1f}" '
                      f'fill="none" stroke="{SIEGE_COLOUR}" stroke-width="2.5" '
                      f'stroke-dasharray="5 3"/>')
        towns.append(
            f'<g class="town" data-town-id="{escape(w.ids[i])}" data-controller="{fid}" '
            f'data-besieged="{str(besieged).lower()}" data-changed="{str(changed).lower()}">'
            f'{rings}<circle class="town-dot" cx="{x:.1f}" cy="{y:.1f}" r="{ri:.1f}" '
            f'fill="{fill}" stroke="#fff" stroke-width="1.5"/>'
            f'<title>{escape(town_tooltip(model, int(i)))}</title></g>')
    return (f'{view.background}'
            f'<g class="highways" stroke="{ROAD_COLOUR}" stroke-width="1.6" '
            f'stroke-linecap="round">{"".join(roads)}</g>'
            f'<g class="fronts" stroke="{FRONT_COLOUR}" stroke-width="8" stroke-linecap="round" '
            f'stroke-opacity="0.5">{"".join(fronts)}</g>'
            f'<g class="fronts-core" stroke="#7a3d00" stroke-width="1.6" stroke-linecap="round" '
            f'stroke-dasharray="7 4">{"".join(fronts)}</g>'
            f'<g class="towns" data-view="{view.name}">{"".join(towns)}</g>'
            f'{view.labels}<g class="units">{_units(model, view, r)}</g>')


def map_svg(model: TerritoryModel) -> str:
    """The whole map as one ``<svg>`` element that scales to the width of its container."""
    st = _static(model)
    f = st.main.frame
    r = town_radius(model.towns.population, st.max_pop)
    front = front_mask(model)
    history = model.record.control_history
    prev = history[-2] if len(history) > 1 else model.towns.controller
    parts = [f'<svg class="frontline-map" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {f.width:.0f} {f.height:.0f}" data-day="{model.day}" '
             f'data-date="{model.date.isoformat()}" role="img" '
             f'aria-label="map of {escape(model.spec.name)} on {model.date.isoformat()}" '
             f'style="width:100%;height:auto;max-height:82vh;display:block;'
             f'background:{PAPER};font-family:sans-serif">{HOVER_STYLE}',
             _view_svg(model, st.main, r, front, prev)]
    if st.inset is not None:
        fi, (ix, iy) = st.inset.frame, st.inset_at
        main = st.main.frame
        x0, x1 = float(main.x(fi.lon0)), float(main.x(fi.lon0 + fi.width / (fi.scale * fi.kx)))
        y0, y1 = float(main.y(fi.lat1)), float(main.y(fi.lat1 - fi.height / fi.scale))
        # a leader from the marked area to the close-up, between their nearest edges
        lx, ly = (x0 + x1) / 2, (y1 if iy > y1 else y0)
        ex, ey = ix + fi.width / 2, (iy if iy > y1 else iy + fi.height)
        parts.append(
            f'<rect class="inset-marker" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
            f'height="{y1 - y0:.1f}" fill="none" stroke="#444" stroke-width="1.2" '
            f'stroke-dasharray="4 3"/><line class="inset-leader" x1="{lx:.1f}" y1="{ly:.1f}" '
            f'x2="{ex:.1f}" y2="{ey:.1f}" stroke="#444" stroke-width="1" '
            f'stroke-dasharray="4 3"/>'
            f'<g class="inset" data-title="{escape(st.inset_title)}">'
            f'<rect x="{ix - 1:.1f}" y="{iy - 1:.1f}" width="{fi.width + 2:.1f}" '
            f'height="{fi.height + 2:.1f}" fill="{PAPER}" stroke="#444" stroke-width="1.5"/>'
            f'<svg x="{ix:.1f}" y="{iy:.1f}" width="{fi.width:.1f}" height="{fi.height:.1f}" '
            f'viewBox="0 0 {fi.width:.1f} {fi.height:.1f}">'
            f'{_view_svg(model, st.inset, r, front, prev)}'
            f'<text x="5" y="14" font-size="11" font-weight="bold" fill="#333" stroke="{PAPER}" '
            f'stroke-width="3" paint-order="stroke">{escape(st.inset_title)} (close-up)</text>'
            f'</svg></g>')
    parts.append("</svg>")
    return "".join(parts)
