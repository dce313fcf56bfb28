"""Building a run's state from a validated scenario: relations, factions, towns, units, totals.

``TerritoryModel`` calls these once; tests call them to hand-build small states for a phase.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim.agents import Faction, Forces, Relations, Unit
from sim.rules import compile_rules
from sim.scenario.schema import Faction as FactionSpec
from sim.scenario.schema import Scenario
from sim.state import Ledger, TownState
from sim.world import World

__all__ = [
    "build_faction",
    "build_factions",
    "build_forces",
    "build_grid",
    "build_ledger",
    "build_relations",
    "build_towns",
]


def build_relations(spec: Scenario) -> Relations:
    """The relation table of the scenario's factions (unnamed pairs hostile)."""
    return Relations(
        [f.id for f in spec.factions],
        [(f.id, other, r) for f in spec.factions for other, r in f.relations.items()],
    )


def build_factions(spec: Scenario, world: World, relations: Relations) -> list[Faction]:
    """Each faction's fixed description, with its rules compiled."""
    town_ids = set(world.ids)
    return [build_faction(f, i, world, relations, town_ids) for i, f in enumerate(spec.factions)]


def build_faction(
    f: FactionSpec, index: int, world: World, relations: Relations, town_ids: set[str]
) -> Faction:
    """One faction of :func:`build_factions` (a timeline ``set`` rebuilds only those it changed).

    ``town_ids`` is ``set(world.ids)``, made once for all factions.
    """
    unit_rules, faction_rules = compile_rules(f.rules, town_ids)
    return Faction(
        index=index,
        id=f.id,
        name=f.name,
        colour=f.colour,
        relations=relations,
        sources=np.array(sorted({world.index[s] for s in f.supply_sources}), dtype=np.int64),
        objectives=[(world.index[o.town], o.priority) for o in f.objectives],
        unit_rules=unit_rules,
        faction_rules=faction_rules,
        garrison_quality=f.garrison_quality,
        garrison_morale=f.garrison_morale,
        garrison_policy=f.garrison,
        objective_tags=[frozenset(o.tags) for o in f.objectives]
        if any(o.tags for o in f.objectives)
        else [],
    )


def build_towns(spec: Scenario, world: World, factions: list[Faction]) -> TownState:
    """The towns at the start: holders, garrisons (of their holder's quality), population."""
    fidx = {f.id: f.index for f in factions}
    controller = np.array(
        [fidx[t.controller] if t.controller else -1 for t in spec.towns], dtype=np.int64
    )
    population = world.population.copy()
    n = world.n
    return TownState(
        controller=controller,
        population=population,
        men_initial=population * spec.simulation.fighting_age_share,
        garrison=np.array([t.garrison for t in spec.towns], dtype=float),
        garrison_quality=np.array(
            [factions[c].garrison_quality if c >= 0 else 0.0 for c in controller]
        ),
        garrison_morale=np.array(
            [factions[c].garrison_morale if c >= 0 else 0.0 for c in controller]
        ),
        conscripts=np.zeros(n),
        conscripted=np.zeros(n),
        desert_rate=np.zeros(n),
    )


def build_forces(spec: Scenario, model: mesa.Model, grid: Network, world: World) -> Forces:
    """The scenario's units, in its order, as Mesa agents of ``model`` on ``grid``."""
    fidx = {f.id: i for i, f in enumerate(spec.factions)}
    forces = Forces()
    for f in spec.factions:
        for u in f.forces:
            forces.add(
                Unit(
                    model,
                    grid,
                    world,
                    u.id,
                    u.name,
                    fidx[f.id],
                    world.index[u.town],
                    u.fighters,
                    u.quality,
                    u.speed_km_day,
                    u.morale,
                    u.authorised,
                    u.replacements_per_day,
                    u.tags,
                )
            )
    return forces


def build_ledger(towns: TownState, forces: Forces, factions: int) -> Ledger:
    """Empty running totals, with each faction's fighters at the start."""
    ledger = Ledger.zeros(factions)
    for i in range(factions):
        ledger.initial[i] = float(towns.garrison[towns.controller == i].sum()) + sum(
            u.fighters for u in forces if u.faction == i
        )
    return ledger


def build_grid(world: World, model: mesa.Model) -> Network:
    """Mesa's network of the towns (cells laid out at their lon, lat)."""
    return Network(
        world.graph,
        random=model.random,
        layout={i: (float(world.lon[i]), float(world.lat[i])) for i in range(world.n)},
    )
