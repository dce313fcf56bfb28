"""Geography: great-circle distances and the local flat projection every module shares.

Examples:
    >>> p = Projection(35.0, 38.0)
    >>> p.xy(35.0, 38.0)
    (0.0, 0.0)
    >>> round(p.xy(36.0, 38.0)[1], 2)  # one degree of latitude
    110.57
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "EARTH_RADIUS_KM",
    "KM_PER_DEG_LAT",
    "KM_PER_DEG_LON_EQUATOR",
    "Projection",
    "haversine_km",
]

#: km: the mean Earth radius (IUGG).
EARTH_RADIUS_KM = 6371.0088
#: km per degree of latitude (at the latitudes of the Middle East; 110.57 at the equator).
KM_PER_DEG_LAT = 110.57
#: km per degree of longitude at the equator; multiplied by cos(latitude) elsewhere.
KM_PER_DEG_LON_EQUATOR = 111.32


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees.

    Examples:
        >>> round(haversine_km(35.0, 38.0, 35.0, 39.0), 1)  # 111.19 km x cos(35 degrees)
        91.1
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(h, 1.0)))


@dataclass(frozen=True)
class Projection:
    """An equirectangular projection to km around an origin (good to ~1 % over 300 km).

    Attributes:
        lat0: latitude of the origin (degrees).
        lon0: longitude of the origin (degrees).
    """

    lat0: float
    lon0: float

    @property
    def km_per_deg_lon(self) -> float:
        """Km per degree of longitude at the origin's latitude."""
        return KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """(x, y) in km east and north of the origin."""
        return (
            (lon - self.lon0) * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0)),
            (lat - self.lat0) * KM_PER_DEG_LAT,
        )

    def xy_arrays(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """(n, 2) km coordinates of arrays of points: the same float operations as ``xy``."""
        return np.column_stack(
            (
                (lon - self.lon0) * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0)),
                (lat - self.lat0) * KM_PER_DEG_LAT,
            )
        )
