"""Unit orders: which rule applies to each unit, and how each action moves it along highways.

Route choice uses one shared search per faction and purpose (a ``Field``), cached until
control of some town changes, so a unit's move costs the length of its route, not the map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules import CompiledRule, FactionContext, UnitContext
from sim.supply import conscript
from sim.world import Field

if TYPE_CHECKING:
    from sim.agents import Unit
    from sim.model import TerritoryModel

__all__ = ["faction_actions", "give_orders"]

BESIEGE_STANDOFF = 0.9  # besiegers wait this far along the approach road (share of its length)
MAX_LEGS = 256  # highway legs a unit may cover in one day (a guard against zero-length roads)


def faction_actions(model: TerritoryModel) -> None:
    """Run every faction-wide rule whose condition holds (conscription)."""
    for f in model.factions:
        ctx = FactionContext(model, f.index)
        for rule in f.faction_rules:
            if rule.condition.evaluate(ctx) and rule.action == "conscript":
                conscript(model, f.index, rule.params)


def choose(model: TerritoryModel, unit: Unit) -> CompiledRule | None:
    """The first of the unit's faction's rules whose condition holds."""
    ctx = UnitContext(model, unit)
    for rule in model.factions[unit.faction].unit_rules:
        if rule.condition.evaluate(ctx):
            return rule
    return None


def give_orders(model: TerritoryModel) -> None:
    """Each unit, in a fixed order, takes its order for the day and moves."""
    for unit in model.unit_list:
        rule = choose(model, unit)
        action = rule.action if rule else "hold"
        params = rule.params if rule else {}
        unit.order = action
        unit.entrenched = action in ("defend", "hold")
        if action != "besiege":
            unit.besieging = -1
        if unit.dest < 0 and _blocked(model, unit, unit.node):
            # in a contested town: fight on, or break off towards the town it came from
            if action == "retreat" and unit.came_from != unit.node:
                unit.dest, unit.progress = unit.came_from, 0.0
                travel(model, unit, retreat_field(model, unit.faction))
            continue
        if action == "advance":
            travel(model, unit, objective_field(model, unit.faction, params.get("objective")))
        elif action == "besiege":
            travel(
                model,
                unit,
                objective_field(model, unit.faction, params.get("target")),
                assault_ratio=float(params["assault_ratio"]),
            )
        elif action == "reinforce":
            travel(model, unit, reinforce_field(model, unit.faction, float(params["radius_km"])))
        elif action == "retreat":
            travel(model, unit, retreat_field(model, unit.faction))
        else:
            hold(model, unit)


def objective_field(model: TerritoryModel, faction: int, town: str | None) -> Field:
    """Routes towards the faction's best objective not yet held by its bloc."""
    key = ("objective", faction, town, model.control_version)
    cached = model.fields.get(key)
    if cached is not None:
        return cached
    f = model.factions[faction]
    friends = np.array(sorted(f.friends))
    goals = [(model.world.index[town], 1.0)] if town is not None else f.objectives
    targets = [t for t, _ in goals if model.controller[t] not in friends]
    prios = [p for t, p in goals if model.controller[t] not in friends]
    top = max(prios) if prios else 0.0
    km = model.spec.simulation.movement.priority_km
    fld = model.world.field(
        np.array(targets, dtype=np.int64), np.array([(top - p) * km for p in prios])
    )
    model.fields[key] = fld
    return fld


def _friendly_mask(model: TerritoryModel, faction: int) -> np.ndarray:
    return model.friend_of[faction][model.controller]


def reinforce_field(model: TerritoryModel, faction: int, radius_km: float) -> Field:
    """Routes through friendly territory to the nearest friendly town with enemies near."""
    key = ("reinforce", faction, radius_km, model.day)
    cached = model.fields.get(key)
    if cached is None:
        # earlier days' entries are stale: drop them, or a long run without a capture (which
        # clears the cache) keeps one per day (10,000 days of the default scenario: 9,874)
        for old in [k for k in model.fields if k[0] == "reinforce" and k[3] != model.day]:
            del model.fields[old]
        mask = _friendly_mask(model, faction)
        threatened = model.sense.threatened_towns(faction, mask, radius_km)
        # the routes depend only on the threatened towns and on control (the mask): reuse
        # yesterday's search when neither changed
        inputs = (model.control_version, threatened.tobytes())
        last = model.reinforce_routes.get((faction, radius_km))
        if last is not None and last[0] == inputs:
            cached = last[1]
        else:
            cached = model.world.field(threatened, np.zeros(len(threatened)), mask)
            model.reinforce_routes[(faction, radius_km)] = (inputs, cached)
        model.fields[key] = cached
    return cached


def retreat_field(model: TerritoryModel, faction: int) -> Field:
    """Routes through friendly territory to the nearest safe rear town.

    A rear town is held by the faction's bloc, supplied, and has no enemy-held town next to
    it; where there is none, the routes lead back to the supply sources.
    """
    key = ("retreat", faction, model.control_version)
    cached = model.fields.get(key)
    if cached is None:
        w = model.world
        f = model.factions[faction]
        mask = _friendly_mask(model, faction)
        enemy_held = np.isin(model.controller, list(f.enemies)).astype(float)
        rear = mask & model.reach[faction] & ((w.adj_self @ enemy_held) == 0)
        targets = np.nonzero(rear)[0]
        if not len(targets):
            targets = f.sources[mask[f.sources]] if len(f.sources) else f.sources
        cached = w.field(targets, np.zeros(len(targets)), mask)
        model.fields[key] = cached
    return cached


def _blocked(model: TerritoryModel, unit: Unit, town: int) -> bool:
    """A unit stops on entering a town held by, or holding units of, a hostile faction."""
    c = model.controller[town]
    if c >= 0 and c in model.factions[unit.faction].enemies:
        return True
    return bool(model.sense.enemy_present(unit.faction)[town])


def _odds(model: TerritoryModel, unit: Unit, town: int) -> float:
    """Besiegers of ``town`` from the unit's bloc (with it) / the town's defenders."""
    f = model.factions[unit.faction]
    ours = unit.fighters + sum(model.besiegers.get((town, g), 0.0) for g in sorted(f.friends))
    if unit.besieging == town:
        ours -= unit.fighters  # already counted among the besiegers
    tf = model.sense.defenders()
    holder = model.controller[town]
    defenders = tf[sorted(model.factions[holder].friends), town].sum() if holder >= 0 else 0.0
    return ours / defenders if defenders > 0 else float("inf")


def travel(
    model: TerritoryModel, unit: Unit, fld: Field, assault_ratio: float | None = None
) -> None:
    """Move a unit along ``fld`` for a day: its speed in effective km (km / terrain factor).

    It stops at its goal, on entering a contested town, or, when besieging, on the approach
    road of a hostile town it cannot yet assault at ``assault_ratio``. Its Mesa cell moves
    once, at the end of the march, not at every town passed through.
    """
    _march(model, unit, fld, assault_ratio)
    unit.cell = model.grid[unit.node]


def _march(model: TerritoryModel, unit: Unit, fld: Field, assault_ratio: float | None) -> None:
    w = model.world
    budget = unit.speed
    if unit.dest >= 0:
        k = w.edge(unit.node, unit.dest)
        ahead = w.eff_km[k] - unit.progress + fld.dist[unit.dest]
        back = unit.progress + fld.dist[unit.node]
        if back < ahead and unit.besieging < 0:  # turn round on the road
            unit.node, unit.dest = unit.dest, unit.node
            unit.progress = w.eff_km[k] - unit.progress
    for _ in range(MAX_LEGS):
        if unit.dest < 0:
            nxt = int(fld.next_hop[unit.node])
            if nxt < 0:
                break
            unit.dest, unit.progress = nxt, 0.0
        k = w.edge(unit.node, unit.dest)
        enemies = model.factions[unit.faction].enemies
        if assault_ratio is not None and model.controller[unit.dest] in enemies:
            if _odds(model, unit, unit.dest) < assault_ratio:
                stand = BESIEGE_STANDOFF * w.eff_km[k]
                if unit.besieging != unit.dest:
                    model.besiegers[(unit.dest, unit.faction)] = (
                        model.besiegers.get((unit.dest, unit.faction), 0.0) + unit.fighters
                    )
                unit.besieging = unit.dest
                unit.progress = (
                    min(stand, unit.progress + budget) if unit.progress < stand else unit.progress
                )
                return
            unit.besieging = -1
        remaining = w.eff_km[k] - unit.progress
        if budget < remaining:
            unit.progress += budget
            return
        budget -= remaining
        unit.arrive(unit.dest, move_cell=False)
        if _blocked(model, unit, unit.node):
            return


def hold(model: TerritoryModel, unit: Unit) -> None:
    """Stay put; a unit caught on a highway walks back to the town it left."""
    if unit.dest >= 0:
        unit.besieging = -1
        unit.progress -= unit.speed
        if unit.progress <= 0:
            unit.progress, unit.dest = 0.0, -1
