"""Synthetic factions: contiguous territories, supply sources, objectives and rule shapes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from sim.generate.geography import KM_PER_TOWN

__all__ = ["faction_meta", "faction_rules", "front_depth", "objectives", "spread_seeds",
           "supply_sources", "territories"]

_FACTIONS = [("red", "Red Coalition", "#c0392b"), ("blue", "Blue Union", "#2471a3"),
             ("green", "Green Front", "#27ae60"), ("black", "Black Banner", "#2c3e50"),
             ("orange", "Orange League", "#e67e22"), ("purple", "Purple Alliance", "#8e44ad"),
             ("teal", "Teal Republic", "#16a085"), ("brown", "Brown Movement", "#795548"),
             ("grey", "Grey Militia", "#7f8c8d"), ("gold", "Gold Army", "#b7950b"),
             ("pink", "Pink Brigades", "#d81b60"), ("navy", "Navy Command", "#1a237e")]

def spread_seeds(rng: np.random.Generator, xy: np.ndarray, k: int) -> np.ndarray:
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


def territories(adj: Any, seeds: np.ndarray) -> np.ndarray:
    """Faction number per town: the seed nearest by road (each territory is connected)."""
    _, _, sources = dijkstra(adj, directed=False, indices=seeds, min_only=True,
                             return_predecessors=True)
    faction_of = np.full(adj.shape[0], -1, dtype=np.int64)
    faction_of[seeds] = np.arange(len(seeds))
    return faction_of[np.maximum(sources, 0)]


def front_depth(adj: Any, owner: np.ndarray, eu: np.ndarray, ev: np.ndarray) -> np.ndarray:
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


def supply_sources(towns: np.ndarray, xy: np.ndarray, depth: np.ndarray,
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


def faction_rules(archetype: str, conscripts: bool) -> list[dict[str, Any]]:
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


def faction_meta(i: int) -> tuple[str, str, str]:
    """Id, name and colour of faction ``i`` (named ones first, then numbered)."""
    if i < len(_FACTIONS):
        return _FACTIONS[i]
    return f"faction{i + 1}", f"Faction {i + 1}", f"#{(i * 2654435761) % 0xFFFFFF:06x}"



def objectives(f: int, owner: np.ndarray, eu: np.ndarray,
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

