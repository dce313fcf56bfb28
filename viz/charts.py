"""Territory over time as small SVG line charts, one line per faction in its colour."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from viz.adapter import RunInfo

__all__ = ["METRICS", "chart_svg", "compact"]

METRICS = (("towns", "Towns held"), ("population", "Population held"),
           ("fighters", "Fighters (units + garrisons)"))
WIDTH, HEIGHT = 330.0, 118.0
LEFT, RIGHT, TOP, BOTTOM = 40.0, 8.0, 24.0, 17.0


def compact(v: float) -> str:
    """Axis number: ``950``, ``12k``, ``1.2M``."""
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.0f}"


def _nice_ceiling(v: float) -> float:
    if v <= 0:
        return 1.0
    p = 10.0 ** len(str(int(v))) / 10.0
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * p >= v:
            return m * p
    return 10 * p


def chart_svg(run: RunInfo, rows: list[dict[str, Any]], metric: str, title: str,
              day: int) -> str:
    """One metric over the campaign so far; the x axis spans the scenario's days.

    Args:
        run: the run charted.
        rows: its daily series (see :func:`viz.adapter.series`).
        metric: the series column.
        title: written above the chart.
        day: the day on screen (the dashed line).
    """
    days = max(run.days, day, 1)
    by_faction: dict[str, list[tuple[int, float]]] = {f.id: [] for f in run.factions}
    for row in rows:
        by_faction[row["faction"]].append((row["day"], float(row[metric])))
    top = _nice_ceiling(max((v for pts in by_faction.values() for _, v in pts), default=1.0))
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(day: int, v: float) -> str:
        return f"{LEFT + pw * day / days:.1f},{TOP + ph * (1 - v / top):.1f}"

    lines = []
    for f in run.factions:
        pts = by_faction[f.id]
        if not pts:
            continue
        last_day, last = pts[-1]
        lines.append(
            f'<polyline class="series" data-faction="{escape(f.id)}" fill="none" '
            f'stroke="{f.colour}" stroke-width="2" stroke-linejoin="round" '
            f'points="{" ".join(px(d, v) for d, v in pts)}"><title>{escape(f.name)}: '
            f'{last:,.0f} on day {last_day}</title></polyline>')
    end = run.date(days)
    grid = "".join(
        f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{TOP + ph * (1 - q):.1f}" '
        f'y2="{TOP + ph * (1 - q):.1f}" stroke="currentColor" stroke-opacity="0.15"/>'
        f'<text x="{LEFT - 4}" y="{TOP + ph * (1 - q) + 3:.1f}" text-anchor="end">'
        f'{compact(top * q)}</text>' for q in (0.0, 0.5, 1.0))
    now_x = LEFT + pw * day / days
    return (
        f'<svg class="frontline-chart" data-metric="{metric}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" style="width:100%;height:auto;display:block;'
        f'font-family:sans-serif" font-size="10" fill="currentColor" fill-opacity="0.75">'
        f'<text x="{LEFT}" y="13" font-size="12" font-weight="bold" fill-opacity="1">'
        f'{escape(title)}</text>{grid}'
        f'<line x1="{now_x:.1f}" x2="{now_x:.1f}" y1="{TOP}" y2="{TOP + ph}" '
        f'stroke="currentColor" stroke-opacity="0.35" stroke-dasharray="3 3"/>{"".join(lines)}'
        f'<text x="{LEFT}" y="{HEIGHT - 5}">{run.start_date:%d %b %Y}</text>'
        f'<text x="{LEFT + pw}" y="{HEIGHT - 5}" text-anchor="end">{end:%d %b %Y}</text>'
        f'</svg>')
