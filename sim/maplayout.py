"""Where things go on a map: the projection, the crowded district that gets a close-up, text sizes.

Shared by the PNG maps (``sim.plots``) and the HTML report's map (``sim.htmlreport``), so both
show the same close-up and place labels the same way (``sim.labels``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["LABEL_LIMIT", "Projection", "dense_cluster", "short_name", "text_size"]

LABEL_LIMIT = 150  # label towns by name only on maps this small
FONT = "DejaVu Sans"


def dense_cluster(lat: np.ndarray, lon: np.ndarray) -> np.ndarray | None:
    """Towns packed too close to label on the whole map (e.g. a city's districts), or None."""
    n = len(lat)
    if n < 4 or n > LABEL_LIMIT:
        return None
    lat0 = float(lat.mean())
    xy = np.column_stack(((lon - lon.mean()) * 111.32 * math.cos(math.radians(lat0)),
                          (lat - lat0) * 110.57))
    span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])), 1e-9)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    close = (d < 0.03 * span) & ~np.eye(n, dtype=bool)
    crowded = close.sum(axis=1) >= 2
    if crowded.sum() < 3:
        return None
    seed = int(np.argmax(close.sum(axis=1)))
    members = close[seed] | (np.eye(n, dtype=bool)[seed])
    members |= close[members].any(axis=0)
    return np.nonzero(members)[0]


def short_name(name: str) -> str:
    """A district's name without its city: ``Deir ez-Zor - Harabesh`` -> ``Harabesh``."""
    return name.split(" - ", 1)[-1]


@dataclass(frozen=True)
class Projection:
    """Longitude/latitude to a ``width`` x ``height`` drawing (y down), equirectangular.

    ``x = ax * lon + bx`` and ``y = ay * lat + by``; degrees of longitude shrink by the cosine
    of the mean latitude so that distances look right.
    """

    ax: float
    bx: float
    ay: float
    by: float
    width: float
    height: float

    @classmethod
    def fit(cls, lat: np.ndarray, lon: np.ndarray, width: float, margin: float,
            max_height: float | None = None) -> Projection:
        """The projection that fits the points in ``width`` with ``margin`` on every side."""
        lat_lo, lat_hi = float(lat.min()), float(lat.max())
        lon_lo, lon_hi = float(lon.min()), float(lon.max())
        k = math.cos(math.radians((lat_lo + lat_hi) / 2))
        dx = max((lon_hi - lon_lo) * k, 1e-6)
        dy = max(lat_hi - lat_lo, 1e-6)
        scale = (width - 2 * margin) / dx
        if max_height is not None and dy * scale + 2 * margin > max_height:
            scale = (max_height - 2 * margin) / dy
        height = dy * scale + 2 * margin
        inner_w = dx * scale
        left = (width - inner_w) / 2
        return cls(ax=scale * k, bx=left - scale * k * lon_lo, ay=-scale,
                   by=margin + scale * lat_hi, width=width, height=height)

    def __call__(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """``(n, 2)`` drawing coordinates of the points."""
        return np.column_stack((self.ax * np.asarray(lon) + self.bx,
                                self.ay * np.asarray(lat) + self.by))

    def as_list(self) -> list[float]:
        """``[ax, bx, ay, by, width, height]`` (for the browser)."""
        return [round(v, 4) for v in (self.ax, self.bx, self.ay, self.by, self.width,
                                      self.height)]


@lru_cache(maxsize=4096)
def text_size(text: str, size: float, bold: bool = False) -> tuple[float, float]:
    """Width and height of ``text`` set in DejaVu Sans at ``size`` (same units as ``size``)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=FONT, size=size, weight="bold" if bold else "normal")
    w, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(w), float(size * 1.2)
