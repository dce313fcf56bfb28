"""Label placement without overlaps, shared by the PNG maps and the HTML report's map.

Greedy, in priority order: each label tries positions around its point (right, left, above,
below, the diagonals), first next to its marker, then further out (drawn with a leader
line); it takes the first position inside the drawing that overlaps no label placed before
it, no marker and no obstacle. A label with no free position is left out (the caller says so,
or draws it in a close-up). Coordinates are display units with y pointing down.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["Box", "overlaps", "place_labels"]

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 with x0 < x1, y0 < y1

# (dx, dy) direction of the label from its point; the box is placed beyond the marker
_DIRECTIONS = ((1, 0), (-1, 0), (1, -1), (1, 1), (-1, -1), (-1, 1), (0, -1), (0, 1))
_REACH = (1.0, 2.2, 3.6, 5.5, 8.0)


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share more than an edge."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _candidate(x: float, y: float, r: float, w: float, h: float, d: tuple[int, int],
               gap: float) -> Box:
    dx, dy = d
    off = r + gap
    if dx > 0:
        x0 = x + off * (0.75 if dy else 1.0)
    elif dx < 0:
        x0 = x - off * (0.75 if dy else 1.0) - w
    else:
        x0 = x - w / 2
    if dy > 0:
        y0 = y + off * (0.75 if dx else 1.0)
    elif dy < 0:
        y0 = y - off * (0.75 if dx else 1.0) - h
    else:
        y0 = y - h / 2
    return (x0, y0, x0 + w, y0 + h)


def place_labels(
    points: np.ndarray,
    sizes: np.ndarray,
    radii: np.ndarray,
    bounds: Box,
    order: Sequence[int] | None = None,
    obstacles: Sequence[Box] = (),
    markers: np.ndarray | None = None,
    marker_radii: np.ndarray | None = None,
    gap: float = 2.0,
) -> list[Box | None]:
    """Boxes for labels of ``points`` that overlap nothing; None where none fits.

    Args:
        points: ``(n, 2)`` anchor of each label (its marker's centre).
        sizes: ``(n, 2)`` width and height of each label.
        radii: ``(n,)`` radius of each label's own marker (the label starts beyond it).
        bounds: the drawing area every label must stay inside.
        order: indices in priority order (default: as given); the first get the best places.
        obstacles: boxes no label may cover (e.g. unit symbols).
        markers: every marker no label may cover (default: ``points``).
        marker_radii: their radii (default: ``radii``).
        gap: space between a marker and its label.
    """
    n = len(points)
    mk = points if markers is None else markers
    mr = radii if marker_radii is None else marker_radii
    blocked: list[Box] = [(float(x - r), float(y - r), float(x + r), float(y + r))
                          for (x, y), r in zip(mk, mr, strict=True)]
    blocked += list(obstacles)
    placed: list[Box | None] = [None] * n
    for i in order if order is not None else range(n):
        x, y = float(points[i][0]), float(points[i][1])
        w, h = float(sizes[i][0]), float(sizes[i][1])
        for reach in _REACH:
            for d in _DIRECTIONS:
                box = _candidate(x, y, float(radii[i]) * reach + gap * (reach - 1) * 3, w, h,
                                 d, gap)
                if (box[0] < bounds[0] or box[1] < bounds[1] or box[2] > bounds[2]
                        or box[3] > bounds[3]):
                    continue
                # its own marker too: a diagonal place can clip the marker's corner
                if any(overlaps(box, b) for b in blocked):
                    continue
                placed[i] = box
                break
            if placed[i] is not None:
                break
        if placed[i] is not None:
            blocked.append(placed[i])  # type: ignore[arg-type]
    return placed
