"""A synthetic theatre as plain scenario data: the map, factions, garrisons and units."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix

from sim.errors import FrontlineError
from sim.generate import geography
from sim.generate.factions import (
    faction_meta,
    faction_rules,
    front_depth,
    objectives,
    spread_seeds,
    supply_sources,
    territories,
)

__all__ = ["MAX_TOWNS", "generate_scenario"]

CENTRE = (35.0, 38.0)  # (lat, lon) of the middle of the map
MAX_TOWNS = 200_000  # the scenario schema's limit
START_DATE = dt.date(2020, 1, 1)


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
    xy = geography.positions(rng, n)
    population = np.clip(np.round(rng.lognormal(7.6, 1.3, size=n)), 50, 5_000_000).astype(int)
    roads = geography.roads(rng, xy)
    eu, ev = roads[:, 0], roads[:, 1]
    length = np.hypot(*(xy[eu] - xy[ev]).T)
    adj = coo_matrix((np.maximum(length, 1e-6), (eu, ev)), shape=(n, n)).tocsr()
    owner = territories(adj, spread_seeds(rng, xy, factions))
    depth = front_depth(adj, owner, eu, ev)
    terrain = geography.terrain(rng, xy, population)
    names = geography.town_names(rng, n)
    lat0, lon0 = CENTRE
    lat = lat0 + (xy[:, 1] - xy[:, 1].mean()) / 110.57
    lon = lon0 + (xy[:, 0] - xy[:, 0].mean()) / (111.32 * math.cos(math.radians(lat0)))
    width = len(str(n - 1))
    ids = [f"t{i:0{width}d}" for i in range(n)]
    meta = [faction_meta(i) for i in range(factions)]
    garrison = np.round(20 + 0.004 * population).astype(int)

    members = [np.nonzero(owner == f)[0] for f in range(factions)]
    sources = [supply_sources(members[f], xy, depth, population) for f in range(factions)]
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
            "objectives": objectives(f, owner, eu, ev, population, ids, sources,
                                      max(3, min(100, int(share[f]) or 3))),
            "garrison_quality": round(float(rng.uniform(0.7, 0.9)), 2),
            "garrison_morale": round(float(rng.uniform(0.6, 0.8)), 2),
            "forces": forces,
            "rules": faction_rules("defender" if f % 2 else "attacker", f == conscripting)})
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
