"""The combat phase: battles at contested towns, breaking, retreat, surrender and capture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.agents import Faction, Forces, Relations, Unit
from sim.air import AirPower, Engagement, allocate, bombardment
from sim.combat import lanchester_step
from sim.constants import DESTROYED_BELOW
from sim.forcegen import garrison_to_leave
from sim.odds import defenders_of, defending_side, side_effectiveness
from sim.record import Recorder
from sim.rivers import crossing_defence
from sim.scenario.schema import CombatParams
from sim.sense import Sense
from sim.state import Ledger, Roads, TownState
from sim.supply import SupplyState
from sim.world import World

__all__ = ["fight"]


@dataclass(slots=True)
class _Battles:
    """What the combat phase reads and changes (one per call of ``fight``; not changed).

    Not a frozen dataclass: its 12 fields cost ~3 us a day to set that way, 0.5 us so.
    """

    world: World
    towns: TownState
    factions: Sequence[Faction]
    relations: Relations
    supply: SupplyState
    sense: Sense
    ledger: Ledger
    params: CombatParams
    rng: np.random.Generator
    record: Recorder
    closed: np.ndarray | None  # bool per highway (Roads.closed) when any is closed
    air: AirPower | None = None


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
    closed = roads.closed if roads is not None and roads.any_closed else None
    b = _Battles(
        world, towns, factions, relations, supply, sense, ledger, params, rng, record, closed, air
    )
    present: dict[int, list[Unit]] = {}
    for u in forces.units:
        u.in_battle = False
        if u.dest < 0:
            present.setdefault(u.node, []).append(u)
    # a battle changes only its own town's units, garrison and holder (a unit that falls
    # back is not among the units of the town it reaches), so the fighting units of every
    # town, and the sides found for air support, are those of the later towns' battles too
    fighting = []
    for town in sorted(present):
        units = [u for u in present[town] if u.fighters > 0]
        if units:
            fighting.append((town, units))
    known: dict[int, _Sides | list[Unit] | None] = {}
    if air is not None:
        battles = []
        if air.active():
            for town, units in fighting:
                sides = known[town] = _sides(b, town, units)
                if isinstance(sides, _Sides):
                    battles.append(_engagement(town, sides))
        allocate(air, factions, battles)
    for town, units in fighting:
        _battle_at(b, town, units, known[town] if town in known else _sides(b, town, units))
    if air is not None:
        _bombard(b, forces)
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
                f"{_label(f, u)} is destroyed at {world.names[u.node]}",
            )
            forces.remove(u)
    sense.refresh()


def _bombard(b: _Battles, forces: Forces) -> None:
    """The sorties no battle took strike the towns each faction's units wait before.

    A town counts if its holder is hostile to the faction and no hostile unit stands in it
    (there is no battle there). Its defenders (garrison and the holder's bloc's units in it)
    lose ``bombard_kills_per_sortie`` x sorties, in proportion, with the battle's morale loss.
    """
    air = b.air
    assert air is not None
    bombers = {f.index for f in b.factions
               if (p := air.params[f.index]) is not None and p.bombard_kills_per_sortie > 0
               and air.left[f.index] > 0}
    if not bombers:
        return
    t, rel = b.towns, b.relations
    inside: dict[int, list[Unit]] = {}
    waiting: list[Unit] = []
    for u in forces.units:
        if u.fighters <= 0:
            continue
        if u.dest < 0:
            inside.setdefault(u.node, []).append(u)
        if u.besieging >= 0 and u.faction in bombers:
            waiting.append(u)
    for f in b.factions:
        if f.index not in bombers:
            continue
        besieged: dict[int, float] = {}
        for u in waiting:
            town = u.besieging
            if u.faction != f.index:
                continue
            holder = int(t.controller[town])
            if holder < 0 or not rel.hostile[f.index, holder]:
                continue
            if any(rel.hostile[holder, v.faction] for v in inside.get(town, ())):
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


def _label(faction: Faction, unit: Unit) -> str:
    """How a unit is named in events: "ISIS's al-Mayadin reserve", not "ISIS's ISIS ..."."""
    if unit.name.casefold().startswith(faction.name.casefold()):
        return unit.name
    return f"{faction.name}'s {unit.name}"


def _blocs(b: _Battles, factions: list[int]) -> list[list[int]]:
    """Group factions into alliances (transitively allied), each sorted, in a stable order."""
    groups: list[list[int]] = []
    for f in sorted(factions):
        for g in groups:
            if any(f in b.relations.friends[h] for h in g):
                g.append(f)
                break
        else:
            groups.append([f])
    return groups


@dataclass(frozen=True)
class _Sides:
    """Who fights whom at a town today (before any loss)."""

    holder: int
    attackers: list[Unit]
    defenders: list[Unit]
    garrison: float
    d_total: float
    att_blocs: list[list[int]]


def _sides(b: _Battles, town: int, units: list[Unit]) -> _Sides | list[Unit] | None:
    """The sides of the battle at ``town``, or the winners of an unopposed capture.

    None when nobody fights there; a list of units when the town falls unopposed (their
    factions are the bloc ``_capture`` needs).
    """
    t = b.towns
    rel = b.relations
    holder = int(t.controller[town])
    if holder < 0:
        blocs = _blocs(b, sorted({u.faction for u in units}))
        if len(blocs) == 1:
            return units
        holder = max(blocs, key=lambda g: sum(u.fighters for u in units if u.faction in g))[0]
    attackers = [u for u in units if u.faction in rel.enemies[holder]]
    if not attackers:
        return None
    defenders = defenders_of(rel, holder, sorted({u.faction for u in attackers}), units)
    garrison = float(t.garrison[town]) if t.controller[town] >= 0 else 0.0
    d_total = garrison + sum(u.fighters for u in defenders)
    att_blocs = _blocs(b, sorted({u.faction for u in attackers}))
    if d_total < DESTROYED_BELOW:
        best = max(att_blocs, key=lambda g: sum(u.fighters for u in attackers if u.faction in g))
        return [u for u in attackers if u.faction in best]
    return _Sides(holder, attackers, defenders, garrison, d_total, att_blocs)


def _engagement(town: int, s: _Sides) -> Engagement:
    """The battle as air support sees it: its size and the factions of each side."""
    a_total = sum(u.fighters for u in s.attackers)
    defending = frozenset({s.holder} | {u.faction for u in s.defenders})
    return Engagement(
        town, a_total + s.d_total, (*(frozenset(g) for g in s.att_blocs), defending)
    )


def _air_of(b: _Battles, town: int, factions: set[int]) -> float:
    """The air multiplier of a side at the town today (1.0 without air support)."""
    return b.air.applied_to(town, factions) if b.air is not None else 1.0


def _battle_at(
    b: _Battles, town: int, units: list[Unit], sides: _Sides | list[Unit] | None
) -> None:
    """The day's battle at ``town`` between the ``sides`` found among its ``units``."""
    t = b.towns
    if sides is None:
        return
    if isinstance(sides, list):
        _capture(b, town, sides, sorted({u.faction for u in sides}), unopposed=True)
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
                _fall_back(b, u, town)
    d_alive = float(t.garrison[town]) + sum(u.fighters for u in defenders)
    d_morale = _morale(defenders, float(t.garrison[town]), float(t.garrison_morale[town]))
    if survivors and (d_alive < DESTROYED_BELOW or d_morale < c.break_morale):
        lost_garrison = float(t.garrison[town])
        b.ledger.casualties[holder] += lost_garrison
        t.garrison[town] = 0.0
        for u in defenders:
            if u.fighters >= DESTROYED_BELOW:
                _fall_back(b, u, town)
        winners = max(survivors, key=lambda g: sum(u.fighters for u in g))
        _capture(b, town, winners, sorted({u.faction for u in winners}), unopposed=False)


def _log_air(b: _Battles, town: int) -> None:
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
    b: _Battles, units: list[Unit], garrison: float, town: int, lost: float, before: float
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


def _fall_back(b: _Battles, unit: Unit, town: int) -> None:
    """A broken unit leaves for a safe neighbouring town of its bloc, or surrenders."""
    f = b.factions[unit.faction]
    w = b.world
    tf = b.sense.town_fighters()
    enemies = sorted(f.enemies)
    options = []
    for nb in w.neighbours(town):
        c = b.towns.controller[nb]
        if b.closed is not None and b.closed[w.edge(town, nb)]:
            continue
        if c >= 0 and c in f.friends and not (enemies and tf[enemies, nb].sum() > 0):
            options.append(
                (0 if nb == unit.came_from else 1, not b.supply.reach[unit.faction, nb], int(nb))
            )
    if options:
        dest = min(options)[2]
        unit.arrive(dest)
        unit.besieging = -1
        b.record.emit(
            "retreat",
            f.id,
            town,
            "",
            w.ids[dest],
            f"{_label(f, unit)} breaks and falls back from "
            f"{w.names[town]} to {w.names[dest]}",
        )
    else:
        b.ledger.casualties[unit.faction] += unit.fighters
        b.record.emit(
            "surrender",
            f.id,
            town,
            "",
            f"{unit.fighters:.0f} fighters",
            f"{_label(f, unit)} ({unit.fighters:,.0f}) surrenders at {w.names[town]}",
        )
        unit.fighters = 0.0


def _capture(b: _Battles, town: int, units: list[Unit], bloc: list[int], unopposed: bool) -> None:
    """Hand the town to the strongest faction of the winning bloc; leave a garrison.

    The garrison is ``occupation_share`` of each of the winner's capturing units, or what the
    winner's garrison policy says (``sim.forcegen.garrison_to_leave``), taken from its
    capturing units in proportion to their fighters.
    """
    t = b.towns
    by_faction = {f: sum(u.fighters for u in units if u.faction == f) for f in bloc}
    winner = max(sorted(by_faction), key=lambda f: by_faction[f])
    old = int(t.controller[town])
    wf = b.factions[winner]
    if old >= 0:
        b.ledger.casualties[old] += float(t.garrison[town])
    policy = wf.garrison_policy
    mine = [u for u in units if u.faction == winner]
    if policy is None:
        share = b.params.occupation_share
    elif policy.share is not None:
        share = policy.share
    else:
        capturing = sum(u.fighters for u in mine)
        want = garrison_to_leave(policy, winner, town, capturing, b.sense, b.world)
        share = want / capturing if capturing > 0 else 0.0
    left = 0.0
    for u in mine:
        d = u.fighters * share
        u.fighters -= d
        left += d
    t.garrison[town] = left
    t.garrison_quality[town] = wf.garrison_quality
    t.garrison_morale[town] = (
        (sum(u.morale for u in mine) / len(mine)) if mine else wf.garrison_morale
    )
    t.conscripts[town] = 0.0
    t.desert_rate[town] = 0.0
    t.set_controller(town, winner)
    loser = b.factions[old] if old >= 0 else None
    text = f"{wf.name} captures {b.world.names[town]}" + (f" from {loser.name}" if loser else "")
    b.record.emit(
        "capture",
        wf.id,
        town,
        loser.id if loser else "",
        "unopposed" if unopposed else "after battle",
        text + (" unopposed" if unopposed and loser else ""),
    )
