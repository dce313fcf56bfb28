"""Synthetic theatres: a planar road graph, towns, contiguous factions, units and rules.

``generate_scenario(towns, factions, units, seed)`` returns plain scenario data (the same shape
as a YAML scenario file), and ``scenario_yaml`` writes it as YAML text fast enough for 100,000
towns. Everything random comes from one ``numpy`` generator seeded with ``seed``, so the same
arguments give the same file.

The map: towns are scattered over a square (partly in clusters around cities) about 10 km
apart on average; the road graph is the Euclidean minimum spanning tree of their Delaunay
triangulation (so the map is connected) plus the shortest other Delaunay edges, up to a mean
degree of about 2.9, so it stays planar and road-like. Factions start from well-spread seed
towns and take the towns nearest to them by road (graph Voronoi cells, which are connected).

Examples:
    >>> data = generate_scenario(200, factions=3, units=20, seed=1)
    >>> len(data["towns"]), len(data["factions"]), sum(len(f["forces"]) for f in data["factions"])
    (200, 3, 20)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay

from sim import atomic
from sim.errors import FrontlineError

__all__ = ["generate_command", "generate_scenario", "scenario_yaml"]

KM_PER_TOWN = 10.0  # mean spacing: the square's side is KM_PER_TOWN * sqrt(towns)
MEAN_DEGREE = 2.9  # highways per town x 2
CENTRE = (35.0, 38.0)  # (lat, lon) of the middle of the map
MAX_TOWNS = 200_000  # the scenario schema's limit
START_DATE = dt.date(2020, 1, 1)

_FACTIONS = [("red", "Red Coalition", "#c0392b"), ("blue", "Blue Union", "#2471a3"),
             ("green", "Green Front", "#27ae60"), ("black", "Black Banner", "#2c3e50"),
             ("orange", "Orange League", "#e67e22"), ("purple", "Purple Alliance", "#8e44ad"),
             ("teal", "Teal Republic", "#16a085"), ("brown", "Brown Movement", "#795548"),
             ("grey", "Grey Militia", "#7f8c8d"), ("gold", "Gold Army", "#b7950b"),
             ("pink", "Pink Brigades", "#d81b60"), ("navy", "Navy Command", "#1a237e")]
_SYLLABLES = ("al", "ar", "ba", "da", "el", "fa", "ha", "ja", "ka", "la", "ma", "na", "ra",
              "sa", "ta", "za", "bel", "dor", "gan", "kir", "mar", "nor", "sul", "tel", "vin",
              "ash", "ben", "cor", "dun", "esk", "hol", "ist", "lin", "mor", "os", "qar", "ruz")
_TERRAIN_CUTS = ((0.55, "flat"), (0.72, "desert"), (0.88, "hills"), (1.01, "mountain"))


# ----------------------------------------------------------------------------- the map
def _positions(rng: np.random.Generator, n: int) -> np.ndarray:
    """Town coordinates in km: 60% scattered, 40% in clusters around a few cities."""
    side = KM_PER_TOWN * math.sqrt(n)
    n_clustered = int(0.4 * n)
    n_cities = max(1, n // 400)
    centres = rng.uniform(0.1 * side, 0.9 * side, size=(n_cities, 2))
    which = rng.integers(0, n_cities, size=n_clustered)
    clustered = centres[which] + rng.normal(0.0, 2.0 * KM_PER_TOWN, size=(n_clustered, 2))
    scattered = rng.uniform(0.0, side, size=(n - n_clustered, 2))
    xy = np.clip(np.vstack((scattered, clustered)), 0.0, side)
    # jitter so no two towns share a point (Delaunay needs distinct points)
    return xy + rng.uniform(-0.05, 0.05, size=xy.shape)


def _roads(rng: np.random.Generator, xy: np.ndarray) -> np.ndarray:
    """Highway end pairs (m x 2, u < v): spanning tree plus the shortest other Delaunay edges."""
    n = len(xy)
    if n == 1:
        return np.zeros((0, 2), dtype=np.int64)
    if n <= 3:
        return np.array([(i, i + 1) for i in range(n - 1)], dtype=np.int64)
    tri = Delaunay(xy).simplices
    pairs = np.vstack((tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]))
    pairs.sort(axis=1)
    pairs = np.unique(pairs, axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    graph = coo_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    in_tree = np.zeros(len(pairs), dtype=bool)
    tree_pairs = np.sort(np.column_stack((tree.row, tree.col)), axis=1)
    key = pairs[:, 0].astype(np.int64) * n + pairs[:, 1]
    in_tree[np.isin(key, tree_pairs[:, 0].astype(np.int64) * n + tree_pairs[:, 1])] = True
    want = max(round(MEAN_DEGREE * n / 2) - int(in_tree.sum()), 0)
    rest = np.nonzero(~in_tree)[0]
    # shorter roads (relative to the local spacing of towns, so that sparse country gets
    # roads too) are likelier; noise keeps the choice from being purely local
    ends = np.concatenate((pairs[:, 0], pairs[:, 1]))
    order = np.lexsort((np.concatenate((length, length)), ends))
    starts = np.searchsorted(ends[order], np.arange(n))
    counts = np.bincount(ends, minlength=n)
    median_len = np.concatenate((length, length))[order][starts + counts // 2]
    local = np.sqrt(median_len[pairs[rest, 0]] * median_len[pairs[rest, 1]])
    score = length[rest] / local * np.exp(rng.normal(0.0, 0.2, size=len(rest)))
    extra = rest[np.argsort(score, kind="stable")[:want]]
    keep = np.sort(np.concatenate((np.nonzero(in_tree)[0], extra)))
    return pairs[keep].astype(np.int64)


def _terrain(rng: np.random.Generator, xy: np.ndarray, population: np.ndarray) -> list[str]:
    """A smooth random terrain field cut into flat / desert / hills / mountain; big towns urban."""
    side = float(xy.max()) if len(xy) else 1.0
    field = np.zeros(len(xy))
    for _ in range(6):
        angle = rng.uniform(0, 2 * math.pi)
        wave = side / rng.uniform(1.5, 4.0)
        phase = rng.uniform(0, 2 * math.pi)
        field += np.sin((xy[:, 0] * math.cos(angle) + xy[:, 1] * math.sin(angle))
                        * 2 * math.pi / wave + phase)
    rank = np.argsort(np.argsort(field, kind="stable"), kind="stable") / max(len(xy), 1)
    out = np.full(len(xy), "flat", dtype=object)
    lo = 0.0
    for cut, name in _TERRAIN_CUTS:
        out[(rank >= lo) & (rank < cut)] = name
        lo = cut
    if len(xy) >= 20:
        out[population >= np.quantile(population, 0.99)] = "urban"
    return list(out)


def _names(rng: np.random.Generator, n: int) -> list[str]:
    parts = rng.integers(0, len(_SYLLABLES), size=(n, 3))
    three = rng.random(n) < 0.3
    out = []
    for i in range(n):
        k = 3 if three[i] else 2
        out.append("".join(_SYLLABLES[j] for j in parts[i, :k]).capitalize())
    return out


# ------------------------------------------------------------------------ factions
def _spread_seeds(rng: np.random.Generator, xy: np.ndarray, k: int) -> np.ndarray:
    """Pick well-spread seed towns: farthest-point sampling, then Lloyd (k-means) steps, snapped."""
    first = int(rng.integers(len(xy)))
    seeds = [first]
    d = np.hypot(*(xy - xy[first]).T)
    for _ in range(k - 1):
        nxt = int(np.argmax(d))
        seeds.append(nxt)
        d = np.minimum(d, np.hypot(*(xy - xy[nxt]).T))
    centres = xy[seeds].copy()
    for _ in range(10):  # equalise the territories' areas
        nearest = np.argmin(((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for j in range(k):
            if (nearest == j).any():
                centres[j] = xy[nearest == j].mean(axis=0)
    snapped: list[int] = []
    for c in centres:
        order = np.argsort(((xy - c) ** 2).sum(axis=1), kind="stable")
        snapped.append(int(next(t for t in order if t not in snapped)))
    return np.array(snapped, dtype=np.int64)


def _territories(adj: Any, seeds: np.ndarray) -> np.ndarray:
    """Faction number per town: the seed nearest by road (each territory is connected)."""
    _, _, sources = dijkstra(adj, directed=False, indices=seeds, min_only=True,
                             return_predecessors=True)
    faction_of = np.full(adj.shape[0], -1, dtype=np.int64)
    faction_of[seeds] = np.arange(len(seeds))
    return faction_of[np.maximum(sources, 0)]


def _depth(adj: Any, owner: np.ndarray, eu: np.ndarray, ev: np.ndarray) -> np.ndarray:
    """Road hops from each town to the nearest town of its faction on the front line."""
    n = len(owner)
    front = np.zeros(n, dtype=bool)
    cross = owner[eu] != owner[ev]
    front[eu[cross]] = True
    front[ev[cross]] = True
    if not front.any():
        return np.zeros(n)
    hops = adj.copy()
    hops.data[:] = 1.0
    d = dijkstra(hops, directed=False, indices=np.nonzero(front)[0], min_only=True)
    return np.where(np.isfinite(d), d, 0.0)


def _sources(towns: np.ndarray, xy: np.ndarray, depth: np.ndarray,
             population: np.ndarray) -> list[int]:
    """Supply sources: big towns deep in the territory, spread out (one per ~5,000 towns)."""
    count = int(np.clip(round(len(towns) / 5000), 1, 20))
    deep = towns[depth[towns] >= np.median(depth[towns])]
    order = deep[np.argsort(-population[deep] * (1 + depth[deep]), kind="stable")]
    spacing = KM_PER_TOWN * math.sqrt(len(towns) / count) * 0.7
    chosen: list[int] = []
    for t in order:
        if all(math.dist(xy[t], xy[c]) >= spacing for c in chosen):
            chosen.append(int(t))
            if len(chosen) == count:
                break
    return chosen


def _rules(archetype: str, conscripts: bool) -> list[dict[str, Any]]:
    """The default scenario's rule shapes: attackers (like the army) and defenders."""
    rules: list[dict[str, Any]] = []
    if conscripts:
        rules.append({"id": "forced_conscription", "when": "enemy_within_km(40)",
                      "do": "conscript",
                      "with": {"rate": 0.005, "max_share": 0.2, "quality": 0.45,
                               "morale": 0.45, "desertion": 0.01}})
    if archetype == "attacker":
        rules += [{"id": "retreat_when_broken", "when": "morale < 0.3 or strength < 0.3",
                   "do": "retreat"},
                  {"id": "push", "when": "strength_ratio >= 1.5", "do": "advance"},
                  {"id": "invest", "when": True, "do": "besiege",
                   "with": {"assault_ratio": 2.5}}]
    else:
        rules += [{"id": "fall_back", "when": "morale < 0.3", "do": "retreat"},
                  {"id": "counterattack", "when": "strength_ratio > 2.5", "do": "advance"},
                  {"id": "reinforce_front", "when": "enemy_within_km(80)", "do": "reinforce",
                   "with": {"radius_km": 60}},
                  {"id": "hold_ground", "when": True, "do": "defend"}]
    return rules


def _faction_meta(i: int) -> tuple[str, str, str]:
    if i < len(_FACTIONS):
        return _FACTIONS[i]
    return f"faction{i + 1}", f"Faction {i + 1}", f"#{(i * 2654435761) % 0xFFFFFF:06x}"


# ------------------------------------------------------------------------ scenario
def generate_scenario(towns: int, factions: int = 3, units: int | None = None,
                      seed: int = 0) -> dict[str, Any]:
    """Plain data of a synthetic scenario (validates like a scenario file).

    Args:
        towns: number of towns (at least ``factions``, at most 200,000).
        factions: number of factions (2 to 64), all hostile to each other.
        units: mobile units in all (default: one per ten towns, at least one per faction).
        seed: seed of the generator; also the scenario's simulation seed.

    Raises:
        FrontlineError: the sizes are out of range.
    """
    if not 2 <= factions <= 64:
        raise FrontlineError(f"--factions must be between 2 and 64, got {factions}")
    if not factions <= towns <= MAX_TOWNS:
        raise FrontlineError(f"--towns must be between the number of factions ({factions}) and "
                             f"{MAX_TOWNS:,}, got {towns}")
    units = max(towns // 10, factions) if units is None else units
    if not 0 <= units <= 100_000:
        raise FrontlineError(f"--units must be between 0 and 100,000, got {units}")
    if seed < 0:
        raise FrontlineError(f"--seed must be at least 0, got {seed}")
    rng = np.random.default_rng(seed)
    n = towns
    xy = _positions(rng, n)
    population = np.clip(np.round(rng.lognormal(7.6, 1.3, size=n)), 50, 5_000_000).astype(int)
    roads = _roads(rng, xy)
    eu, ev = roads[:, 0], roads[:, 1]
    length = np.hypot(*(xy[eu] - xy[ev]).T)
    adj = coo_matrix((np.maximum(length, 1e-6), (eu, ev)), shape=(n, n)).tocsr()
    owner = _territories(adj, _spread_seeds(rng, xy, factions))
    depth = _depth(adj, owner, eu, ev)
    terrain = _terrain(rng, xy, population)
    names = _names(rng, n)
    lat0, lon0 = CENTRE
    lat = lat0 + (xy[:, 1] - xy[:, 1].mean()) / 110.57
    lon = lon0 + (xy[:, 0] - xy[:, 0].mean()) / (111.32 * math.cos(math.radians(lat0)))
    width = len(str(n - 1))
    ids = [f"t{i:0{width}d}" for i in range(n)]
    meta = [_faction_meta(i) for i in range(factions)]
    garrison = np.round(20 + 0.004 * population).astype(int)

    members = [np.nonzero(owner == f)[0] for f in range(factions)]
    sources = [_sources(members[f], xy, depth, population) for f in range(factions)]
    fortified = np.zeros(n)
    for src in sources:
        fortified[src] = 0.5
        garrison[src] *= 3

    town_rows = []
    for i in range(n):
        row: dict[str, Any] = {"id": ids[i], "name": names[i], "lat": round(float(lat[i]), 5),
                               "lon": round(float(lon[i]), 5),
                               "population": int(population[i])}
        if terrain[i] != "flat":
            row["terrain"] = terrain[i]
        row["controller"] = meta[owner[i]][0]
        row["garrison"] = int(garrison[i])
        if fortified[i]:
            row["fortification"] = float(fortified[i])
        town_rows.append(row)
    highways = [{"from": ids[u], "to": ids[v]} for u, v in zip(eu.tolist(), ev.tolist(),
                                                              strict=True)]

    # units: shares by territory size, placed near the front and in big towns
    sizes = np.array([len(m) for m in members], dtype=float)
    share = np.floor(units * sizes / sizes.sum()).astype(int)
    short = units - int(share.sum())
    for f in np.argsort(-(units * sizes / sizes.sum() - share), kind="stable")[:short]:
        share[f] += 1
    conscripting = 1  # the second faction conscripts under threat, as ISIS does by default
    faction_rows = []
    unit_no = 0
    uwidth = len(str(max(units - 1, 0)))
    for f in range(factions):
        fid, fname, colour = meta[f]
        mine = members[f]
        weight = np.sqrt(population[mine]) * np.where(depth[mine] <= 3, 4.0, 1.0)
        spots = rng.choice(mine, size=share[f], p=weight / weight.sum()) if share[f] else []
        forces = []
        for t in spots:
            forces.append({
                "id": f"u{unit_no:0{uwidth}d}", "name": f"{fname} unit {unit_no + 1}",
                "town": ids[int(t)],
                "fighters": int(np.clip(round(rng.lognormal(6.7, 0.5)), 100, 5000)),
                "quality": round(float(rng.uniform(0.8, 1.3)), 2),
                "speed_km_day": int(rng.integers(20, 41)),
                "morale": round(float(rng.uniform(0.6, 0.85)), 2)})
            unit_no += 1
        faction_rows.append({
            "id": fid, "name": fname, "colour": colour,
            "relations": {meta[g][0]: "hostile" for g in range(f + 1, factions)},
            "supply_sources": [ids[s] for s in sources[f]],
            "objectives": _objectives(f, owner, eu, ev, population, ids, sources,
                                      max(3, min(100, int(share[f]) or 3))),
            "garrison_quality": round(float(rng.uniform(0.7, 0.9)), 2),
            "garrison_morale": round(float(rng.uniform(0.6, 0.8)), 2),
            "forces": forces,
            "rules": _rules("defender" if f % 2 else "attacker", f == conscripting)})
    return {
        "format": 1,
        "name": f"Synthetic theatre: {n:,} towns, {factions} factions, {units:,} units "
                f"(seed {seed})",
        "description": f"Generated by `frontline generate --towns {n} --factions {factions} "
                       f"--units {units} --seed {seed}`.",
        "simulation": {"start_date": START_DATE, "days": 120, "seed": seed},
        "towns": town_rows,
        "highways": highways,
        "factions": faction_rows,
    }


def _objectives(f: int, owner: np.ndarray, eu: np.ndarray,
                ev: np.ndarray, population: np.ndarray, ids: list[str], sources: list[list[int]],
                count: int) -> list[dict[str, Any]]:
    """Enemy towns just over the front, biggest first, plus the neighbours' supply sources."""
    cross_a = (owner[eu] == f) & (owner[ev] != f)
    cross_b = (owner[ev] == f) & (owner[eu] != f)
    across = np.unique(np.concatenate((ev[cross_a], eu[cross_b])))
    if not len(across):
        return []
    pick = across[np.argsort(-population[across], kind="stable")[:count]]
    logp = np.log(population[pick].astype(float))
    span = max(float(logp.max() - logp.min()), 1e-9)
    out = [{"town": ids[int(t)], "priority": round(1 + 6 * float((lp - logp.min()) / span), 1)}
           for t, lp in zip(pick, logp, strict=True)]
    seen = {o["town"] for o in out}
    for g in sorted({int(owner[t]) for t in across}):
        for s in sources[g]:
            if ids[s] not in seen:
                out.append({"town": ids[s], "priority": 8.0})
                seen.add(ids[s])
    return out


# ---------------------------------------------------------------------------- YAML
_BARE = re.compile(r"^[a-z]+[0-9]+$|^[a-z]+(_[a-z]+)*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is None:
        return "null"
    s = str(v)
    if _BARE.match(s) and s not in _YAML_WORDS:
        return s
    return json.dumps(s)


def _flow(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v)


def scenario_yaml(data: dict[str, Any], header: str = "") -> str:
    """YAML text of scenario data: block style for sections, one flow-style line per item."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    for key in ("format", "name", "description"):
        if key in data:
            out.append(f"{key}: {_scalar(data[key])}")
    out.append("simulation:")
    out.extend(f"  {k}: {_flow(v)}" for k, v in data["simulation"].items())
    out.append("towns:")
    out.extend(f"  - {_flow(t)}" for t in data["towns"])
    out.append("highways:" if data.get("highways") else "highways: []")
    out.extend(f"  - {_flow(h)}" for h in data.get("highways", []))
    out.append("factions:")
    for f in data["factions"]:
        first = True
        for k, v in f.items():
            lead = "  - " if first else "    "
            first = False
            if k in ("forces", "rules", "objectives") and v:
                out.append(f"{lead}{k}:")
                out.extend(f"      - {_flow(x)}" for x in v)
            else:
                out.append(f"{lead}{k}: {_flow(v)}")
    for key in ("features", "tunables"):
        if data.get(key):
            out.append(f"{key}:")
            out.extend(f"  - {_flow(x)}" for x in data[key])
    return "\n".join(out) + "\n"


def generate_command(args: argparse.Namespace) -> int:
    """``frontline generate``: write a synthetic scenario to ``args.output`` (or stdout)."""
    data = generate_scenario(args.towns, args.factions, args.units, args.seed)
    units = sum(len(f["forces"]) for f in data["factions"])
    header = (f"Synthetic theatre written by frontline generate --towns {args.towns} "
              f"--factions {args.factions} --units {units} --seed {args.seed}\n"
              "A planar road graph (spanning tree + short Delaunay edges), log-normal "
              "populations,\ncontiguous starting territories; rules shaped like the default "
              "scenario's.")
    text = scenario_yaml(data, header)
    summary = (f"{len(data['towns']):,} towns, {len(data['highways']):,} highways, "
               f"{len(data['factions'])} factions, {units:,} units")
    if args.output:
        try:
            atomic.write_text(Path(args.output), text)  # whole or not at all
        except OSError as exc:
            raise FrontlineError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {args.output}: {summary} ({len(text.encode()) / 1e6:.1f} MB)",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
