"""The combat phase: battles at contested towns, their losses and breaking; bombardment.

:func:`fight` finds the sides at each contested town (``sim.battlefield``), shares the air's
sorties among the battles, fights each for a day (Lanchester's square law, ``sim.combat``),
lets the sorties no battle took bombard besieged towns, and removes destroyed units. What a
battle leaves (retreat, surrender, capture) is in ``sim.capture``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.agents import Faction, Forces, Relations, Unit
from sim.air import AirPower, allocate, bombardment
from sim.battlefield import Battles, Sides, engagement, sides_at
from sim.capture import capture, fall_back, label
from sim.combat import lanchester_step
from sim.constants import DESTROYED_BELOW
from sim.odds import defending_side, side_effectiveness
from sim.record import Recorder
from sim.rivers import crossing_defence
from sim.scenario.schema import CombatParams
from sim.sense import Sense
from sim.state import Ledger, Roads, TownState
from sim.supply import SupplyState
from sim.world import World

__all__ = ["fight"]


def fight(
    forces: Forces,
    factions: Sequence[Faction],
    relations: Relations,
    world: World,
    towns: TownState,
    supply: SupplyState,
    sense: Sense,
    ledger: Ledger,
    params: CombatParams,
    rng: np.random.Generator,
    record: Recorder,
    roads: Roads | None = None,
    air: AirPower | None = None,
) -> None:
    """Resolve a day of battle at every town where hostile forces meet; refreshes ``sense``.

    Towns are taken in town-number order; a side's losses follow Lanchester's square law for
    one day (``sim.combat``) with seeded noise from ``rng``; units left with fewer than
    ``DESTROYED_BELOW`` fighters are destroyed at the end. A broken unit does not fall back
    along a highway that is closed (``roads``: a blown bridge, a closed river crossing). With
    ``air``, each faction's sorties are first shared among the day's battles
    (``sim.air.allocate``).
    """
    # (np.logical_or.reduce is ndarray.any without its Python wrapper)
    closed = (
        roads.closed if roads is not None and np.logical_or.reduce(roads.closed) else None
    )
    b = Battles(
        world, towns, factions, relations, supply, sense, ledger, params, rng, record, closed, air
    )
    # the units with fighters standing in each town, in the forces' order
    present: dict[int, list[Unit]] = {}
    for u in forces.units:
        u.in_battle = False
        if u.dest < 0 and u.fighters > 0:
            if u.node in present:
                present[u.node].append(u)
            else:
                present[u.node] = [u]
    # a battle changes only its own town's units, garrison and holder (a unit that falls
    # back is not among the units of the town it reaches), so the fighting units of every
    # town, and the sides found for air support, are those of the later towns' battles too
    fighting = sorted(present.items())  # by town (each town once: the lists never compare)
    if air is not None:
        battles = []
        found: list[Sides | list[Unit] | None] = []
        if air.active():
            for town, units in fighting:
                sides = sides_at(b, town, units)
                found.append(sides)
                if isinstance(sides, Sides):
                    battles.append(engagement(town, sides))
        allocate(air, factions, battles)
        if found:
            for (town, units), sides in zip(fighting, found, strict=True):
                _battle_at(b, town, units, sides)
        else:
            for town, units in fighting:
                _battle_at(b, town, units, sides_at(b, town, units))
        _bombard(b, forces)
    else:
        for town, units in fighting:
            _battle_at(b, town, units, sides_at(b, town, units))
    for u in list(forces.units):
        if u.fighters < DESTROYED_BELOW:
            f = factions[u.faction]
            ledger.casualties[u.faction] += u.fighters
            u.fighters = 0.0
            record.emit(
                "destroyed",
                f.id,
                u.node,
                "",
                u.key,
                f"{label(f, u)} is destroyed at {world.names[u.node]}",
            )
            forces.remove(u)
    sense.refresh()


def _bombard(b: Battles, forces: Forces) -> None:
    """The sorties no battle took strike the towns each faction's units wait before.

    A town counts if its holder is hostile to the faction and no hostile unit stands in it
    (there is no battle there). Its defenders (garrison and the holder's bloc's units in it)
    lose ``bombard_kills_per_sortie`` x sorties, in proportion, with the battle's morale loss.
    """
    air = b.air
    assert air is not None
    left, params = air.left, air.params
    bombers = {f.index for f in b.factions
               if (p := params[f.index]) is not None and p.bombard_kills_per_sortie > 0
               and left[f.index] > 0}
    if not bombers:
        return
    waiting = [u for u in forces.units
               if u.besieging >= 0 and u.faction in bombers and not u.fighters <= 0]
    if not waiting:
        return  # nothing besieged: no faction bombards (nor changes its sorties left)
    t, rel = b.towns, b.relations
    inside: dict[int, list[Unit]] = {}
    for u in forces.units:
        if not u.fighters <= 0 and u.dest < 0:  # (as the skip of `fighters <= 0` it was)
            if u.node in inside:
                inside[u.node].append(u)
            else:
                inside[u.node] = [u]
    enemies = rel.enemies  # enemies[a] holds b exactly where rel.hostile[a, b]
    for f in b.factions:
        if f.index not in bombers:
            continue
        besieged: dict[int, float] = {}
        mine = enemies[f.index]
        for u in waiting:
            town = u.besieging
            if u.faction != f.index:
                continue
            holder = int(t.controller[town])
            if holder < 0 or holder not in mine:
                continue
            theirs = enemies[holder]
            if any(v.faction in theirs for v in inside.get(town, ())):
                continue  # a battle is fought there
            besieged[town] = besieged.get(town, 0.0) + u.fighters
        for town, sorties, kills in bombardment(air, f.index, besieged):
            holder = int(t.controller[town])
            friends = rel.friends[holder]
            defenders = [v for v in inside.get(town, ()) if v.faction in friends]
            garrison = float(t.garrison[town])
            before = garrison + sum(v.fighters for v in defenders)
            lost = min(kills, before)
            _apply_losses(b, defenders, garrison, town, lost, before)
            b.record.emit(
                "air",
                f.id,
                town,
                "",
                f"{sorties:.1f} sorties bombard, {lost:.1f} put out of action",
                f"{f.name} flies {sorties:,.0f} sorties against {b.world.names[town]}, "
                f"putting {lost:,.0f} of its defenders out of action",
            )


def _air_of(b: Battles, town: int, factions: set[int]) -> float:
    """The air multiplier of a side at the town today (1.0 without air support)."""
    return b.air.applied_to(town, factions) if b.air is not None else 1.0


def _battle_at(
    b: Battles, town: int, units: list[Unit], sides: Sides | list[Unit] | None
) -> None:
    """The day's battle at ``town`` between the ``sides`` found among its ``units``."""
    t = b.towns
    if sides is None:
        return
    if isinstance(sides, list):
        capture(b, town, sides, sorted({u.faction for u in sides}), unopposed=True)
        return
    holder, attackers, defenders = sides.holder, sides.attackers, sides.defenders
    garrison, d_total, att_blocs = sides.garrison, sides.d_total, sides.att_blocs
    c = b.params
    reach = b.supply.reach
    d_eff, defence = defending_side(b.world, t, b.supply, c, town, defenders, garrison)
    aired = b.air is not None and any(k[0] == town for k in b.air.applied)
    if aired:
        _log_air(b, town)
        d_eff *= _air_of(b, town, {holder} | {u.faction for u in defenders})
    a_groups = [[u for u in attackers if u.faction in g] for g in att_blocs]
    a_sums = [sum(u.fighters for u in g) for g in a_groups]
    a_total = sum(a_sums)
    d_after = 0.0
    summary = []
    for group, a0 in zip(a_groups, a_sums, strict=True):
        share = d_total * a0 / a_total
        a_eff = side_effectiveness(group, [u.came_from for u in group], reach, c.unsupplied)
        if aired:
            a_eff *= _air_of(b, town, {u.faction for u in group})
        noise = np.exp(b.rng.normal(0.0, c.noise, 2)) if c.noise > 0 else np.ones(2)
        across = crossing_defence(b.world, town, group, c.crossing_defence)
        alpha = c.kill_rate * a_eff * noise[0] / (defence * across)
        beta = c.kill_rate * d_eff * noise[1]
        a1, d1 = lanchester_step(a0, share, alpha, beta)
        _apply_losses(b, group, 0.0, town, a0 - a1, a0)
        d_after += d1
        summary.append((group, a0, a1))
    d_lost = d_total - d_after
    _apply_losses(b, defenders, garrison, town, d_lost, d_total)
    for u in units:
        u.in_battle = True

    hf = b.factions[holder]
    names = ", ".join(
        f"{b.factions[g[0].faction].name} {a0:,.0f} (-{a0 - a1:,.0f})" for g, a0, a1 in summary
    )
    a_lost = sum(a0 - a1 for _, a0, a1 in summary)
    b.record.emit(
        "battle",
        b.factions[attackers[0].faction].id,
        town,
        hf.id,
        f"attackers {a_total:.0f} lost {a_lost:.0f}; defenders {d_total:.0f} lost {d_lost:.0f}",
        f"battle at {b.world.names[town]}: {names} against {hf.name} "
        f"{d_total:,.0f} (-{d_lost:,.0f})",
        figures=(a_total, d_total, a_lost, d_lost),
    )

    survivors = []
    for group, _, _ in summary:
        alive = [u for u in group if u.fighters >= DESTROYED_BELOW]
        if alive and _morale(alive, 0.0, 0.0) >= c.break_morale:
            survivors.append(alive)
        else:
            for u in alive:
                fall_back(b, u, town)
    d_alive = float(t.garrison[town]) + sum(u.fighters for u in defenders)
    d_morale = _morale(defenders, float(t.garrison[town]), float(t.garrison_morale[town]))
    if survivors and (d_alive < DESTROYED_BELOW or d_morale < c.break_morale):
        lost_garrison = float(t.garrison[town])
        b.ledger.casualties[holder] += lost_garrison
        t.garrison[town] = 0.0
        for u in defenders:
            if u.fighters >= DESTROYED_BELOW:
                fall_back(b, u, town)
        winners = max(survivors, key=lambda g: sum(u.fighters for u in g))
        capture(b, town, winners, sorted({u.faction for u in winners}), unopposed=False)


def _log_air(b: Battles, town: int) -> None:
    """An ``air`` event per faction whose sorties went to the battle at ``town``."""
    assert b.air is not None
    for (where, f), (sorties, mult) in sorted(b.air.applied.items()):
        if where == town:
            fa = b.factions[f]
            b.record.emit(
                "air",
                fa.id,
                town,
                "",
                f"{sorties:.1f} sorties, effectiveness x{mult:.3f}",
                f"{fa.name} flies {sorties:,.0f} sorties over {b.world.names[town]} "
                f"(effectiveness x{mult:.2f})",
            )


def _apply_losses(
    b: Battles, units: list[Unit], garrison: float, town: int, lost: float, before: float
) -> None:
    """One side loses ``lost`` of its ``before`` fighters, in proportion, units and garrison."""
    if before <= 0 or lost <= 0:
        return
    t = b.towns
    frac = min(lost / before, 1.0)
    drop = b.params.morale_loss * frac
    for u in units:
        b.ledger.casualties[u.faction] += u.fighters * frac
        u.fighters *= 1.0 - frac
        u.morale = max(u.morale - drop, 0.0)
    if garrison > 0:
        holder = t.controller[town]
        b.ledger.casualties[holder] += garrison * frac
        t.garrison[town] = garrison * (1.0 - frac)
        t.conscripts[town] *= 1.0 - frac
        t.garrison_morale[town] = max(t.garrison_morale[town] - drop, 0.0)


def _morale(units: list[Unit], garrison: float, garrison_morale: float) -> float:
    total = garrison + sum(u.fighters for u in units)
    if total <= 0:
        return 0.0
    return (garrison * garrison_morale + sum(u.fighters * u.morale for u in units)) / total


