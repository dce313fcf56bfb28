"""The page's ensemble mode: a sweep's probability of control on the map, by date."""

from __future__ import annotations

import json
from html import escape

import numpy as np
import solara

from viz.adapter import DayState, RunInfo
from viz.components import HtmlPanel
from viz.ensemble import NOBODY_FILL, Ensemble, ensemble_overlay, mix
from viz.export import png_of_svg
from viz.mapview import map_svg

__all__ = ["EnsembleView", "ensemble_geojson", "in_doubt_html"]


def in_doubt_html(ens: Ensemble, day: int, limit: int = 12) -> str:
    """The towns whose holder is least certain on ``day``, most uncertain first."""
    prob = ens.probability(day)
    names = [f[1] for f in ens.factions] + ["nobody"]
    rows = []
    top = prob.max(axis=1)
    for t in np.argsort(top, kind="stable")[:limit]:
        if top[t] >= 0.999:
            break
        shares = ", ".join(f"{names[k]} {prob[t, k]:.0%}"
                           for k in np.argsort(-prob[t], kind="stable") if prob[t, k] > 0)
        rows.append(f'<li data-town="{escape(ens.towns[t])}"><b>{escape(ens.town_names[t])}'
                    f'</b>: {escape(shares)}</li>')
    if not rows:
        rows.append('<li style="opacity:0.7">every town has the same holder in every run</li>')
    return ('<div style="font-size:13px"><b>Most in doubt on this date</b><ul '
            f'data-testid="in-doubt" style="padding-left:18px;margin:2px 0">{"".join(rows)}'
            '</ul></div>')


def ensemble_geojson(ens: Ensemble, run: RunInfo, day: int) -> str:
    """The towns as GeoJSON points with each faction's probability of holding them on ``day``."""
    prob = ens.probability(day)
    index = {t: i for i, t in enumerate(ens.towns)}
    ids = [f[0] for f in ens.factions] + ["nobody"]
    w = run.world
    features = []
    for i, town in enumerate(w.ids):
        t = index.get(town)
        props: dict[str, object] = {"layer": "town", "town": town, "name": w.names[i],
                                    "day": day, "date": run.date(day).isoformat()}
        if t is not None:
            props |= {f"p_{f}": round(float(prob[t, k]), 4) for k, f in enumerate(ids)}
        features.append({"type": "Feature", "id": f"town:{town}", "properties": props,
                         "geometry": {"type": "Point",
                                      "coordinates": [float(w.lon[i]), float(w.lat[i])]}})
    return json.dumps({"type": "FeatureCollection", "name": ens.name,
                       "properties": {"sweep": ens.name, "runs": ens.runs, "day": day},
                       "features": features}, indent=1, ensure_ascii=False)


@solara.component
def EnsembleView(ens: Ensemble, run: RunInfo, state: DayState, day: solara.Reactive[int],
                 faction: solara.Reactive[str], map_height: str) -> None:
    """The map coloured by the probability of control on the chosen date, and its controls."""
    names = {f[1]: f[0] for f in ens.factions}
    fid = faction.value if faction.value in names.values() else ens.factions[0][0]
    fname, colour = next((f[1], f[2]) for f in ens.factions if f[0] == fid)
    d = max(0, min(day.value, ens.days))
    date = run.date(d)
    svg = map_svg(run, state, overlay=ensemble_overlay(ens, run, d, fid),
                  max_height=map_height, testid="ensemble-map")
    stem = f"{ens.name or 'sweep'}_{date.isoformat()}".replace(" ", "-").replace("/", "-")
    with solara.Column(gap="6px") as main:
        HtmlPanel(f'<div data-testid="ensemble-date" data-day="{d}" '
                  f'data-date="{date.isoformat()}" style="display:flex;gap:14px;'
                  f'align-items:baseline;flex-wrap:wrap"><span style="font-size:26px;'
                  f'font-weight:700">{date:%A} {date.day} {date:%B %Y}</span>'
                  f'<span style="font-size:15px;opacity:0.75">day {d} of {ens.days} · '
                  f'probability that {escape(fname)} holds each town, over {ens.runs} runs '
                  f'of the sweep "{escape(ens.name)}"</span></div>', "ensemble-banner")
        with solara.Row(style="align-items:center;gap:12px"):
            with solara.Div(style="flex:1 1 auto;min-width:200px"):
                solara.SliderInt(f"Date: {date:%d %b %Y} (day {d} of {ens.days})", value=d,
                                 on_value=day.set, min=0, max=max(ens.days, 1),
                                 thumb_label=False)
            title = f"{ens.name}: probability that {fname} holds each town, {date:%d %b %Y}"
            solara.FileDownload(lambda: png_of_svg(svg, title), filename=f"{stem}.png", label="PNG",
                                mime_type="image/png")
            solara.FileDownload(lambda: ensemble_geojson(ens, run, d),
                                filename=f"{stem}.geojson", label="GeoJSON",
                                mime_type="application/geo+json")
        with solara.Columns([7, 5], gutters_dense=True):
            HtmlPanel(svg, "map")
            with solara.Column(gap="4px"):
                solara.Select(label="Probability that this faction holds each town",
                              values=list(names), value=fname,
                              on_value=lambda n: faction.set(names.get(n, fid)))
                steps = "".join(f'<span style="display:inline-block;width:30px;height:14px;'
                                f'background:{mix(colour, p) if p > 0 else NOBODY_FILL}">'
                                f'</span>' for p in (0.0, 0.25, 0.5, 0.75, 1.0))
                other = (f"<br>swept {escape(ens.scenario)}, drawn on {escape(run.name)}'s map "
                         "(towns matched by id)" if ens.scenario != run.name else "")
                HtmlPanel(f'<div style="font-size:12px">0% {steps} 100%{other}</div>')
                HtmlPanel(in_doubt_html(ens, d))
    return main
