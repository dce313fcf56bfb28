"""The combat phase: battles at contested towns, breaking, retreat, surrender and capture."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.combat import lanchester_step

if TYPE_CHECKING:
    from sim.agents import Unit
    from sim.model import TerritoryModel

__all__ = ["fight"]


def fight(model: TerritoryModel) -> None:
    """Resolve a day of battle at every town where hostile forces meet."""
    present: dict[int, list[Unit]] = {}
    for u in model.unit_list:
        u.in_battle = False
        if u.dest < 0:
            present.setdefault(u.node, []).append(u)
    for town in sorted(present):
        units = [u for u in present[town] if u.fighters > 0]
        if units:
            _battle_at(model, town, units)
    for u in list(model.unit_list):
        if u.fighters < 0.5:
            f = model.factions[u.faction]
            model.losses_by_faction[u.faction] += u.fighters
            u.fighters = 0.0
            model.emit(
                "destroyed",
                f.id,
                u.node,
                "",
                u.key,
                f"{_label(f, u)} is destroyed at {model.world.names[u.node]}",
            )
            model.remove_unit(u)


def _label(faction: Any, unit: Unit) -> str:
    """How a unit is named in events: "ISIS's al-Mayadin reserve", not "ISIS's ISIS ..."."""
    if unit.name.casefold().startswith(faction.name.casefold()):
        return unit.name
    return f"{faction.name}'s {unit.name}"


def _blocs(model: TerritoryModel, factions: list[int]) -> list[list[int]]:
    """Group factions into alliances (transitively allied), each sorted, in a stable order."""
    groups: list[list[int]] = []
    for f in sorted(factions):
        for g in groups:
            if any(f in model.factions[h].friends for h in g):
                g.append(f)
                break
        else:
            groups.append([f])
    return groups


def _battle_at(model: TerritoryModel, town: int, units: list[Unit]) -> None:
    holder = int(model.controller[town])
    present = sorted({u.faction for u in units})
    if holder < 0:
        blocs = _blocs(model, present)
        if len(blocs) == 1:
            _capture(model, town, units, blocs[0], unopposed=True)
            return
        holder = max(blocs, key=lambda b: sum(u.fighters for u in units if u.faction in b))[0]
    friends = model.factions[holder].friends
    attackers = [u for u in units if u.faction in model.factions[holder].enemies]
    if not attackers:
        return
    # allies never fight each other: a faction allied to an attacker (and so to both sides,
    # as alliances need not be transitive) stands aside instead of defending
    att_factions = sorted({u.faction for u in attackers})
    defenders = [
        u
        for u in units
        if u.faction in friends
        and not any(u.faction in model.factions[a].friends for a in att_factions)
    ]
    sim = model.spec.simulation
    c = sim.combat
    garrison = float(model.garrison[town]) if model.controller[town] >= 0 else 0.0
    d_total = garrison + sum(u.fighters for u in defenders)
    att_blocs = _blocs(model, sorted({u.faction for u in attackers}))
    if d_total < 0.5:
        best = max(att_blocs, key=lambda b: sum(u.fighters for u in attackers if u.faction in b))
        _capture(model, town, [u for u in attackers if u.faction in best], best, unopposed=True)
        return

    supplied_d = bool(model.supplied[town])
    d_eff = _effectiveness(model, defenders, garrison, town, supplied_d)
    terrain = model.world.defence[town] * (1.0 + model.world.fortification[town])
    entrench = c.entrench if (garrison > 0 or any(u.entrenched for u in defenders)) else 1.0
    a_groups = [[u for u in attackers if u.faction in b] for b in att_blocs]
    a_sums = [sum(u.fighters for u in g) for g in a_groups]
    a_total = sum(a_sums)
    d_after = 0.0
    summary = []
    for group, a0 in zip(a_groups, a_sums, strict=True):
        share = d_total * a0 / a_total
        a_eff = _effectiveness(model, group, 0.0, town, None)
        noise = np.exp(model.rng.normal(0.0, c.noise, 2)) if c.noise > 0 else np.ones(2)
        alpha = c.kill_rate * a_eff * noise[0] / (terrain * entrench)
        beta = c.kill_rate * d_eff * noise[1]
        a1, d1 = lanchester_step(a0, share, alpha, beta)
        _apply_losses(model, group, 0.0, town, a0 - a1, a0)
        d_after += d1
        summary.append((group, a0, a1))
    d_lost = d_total - d_after
    _apply_losses(model, defenders, garrison, town, d_lost, d_total)
    for u in units:
        u.in_battle = True

    hf = model.factions[holder]
    names = ", ".join(
        f"{model.factions[g[0].faction].name} {a0:,.0f} (-{a0 - a1:,.0f})" for g, a0, a1 in summary
    )
    model.emit(
        "battle",
        model.factions[attackers[0].faction].id,
        town,
        hf.id,
        f"attackers {a_total:.0f} lost {sum(a0 - a1 for _, a0, a1 in summary):.0f}; "
        f"defenders {d_total:.0f} lost {d_lost:.0f}",
        f"battle at {model.world.names[town]}: {names} against {hf.name} "
        f"{d_total:,.0f} (-{d_lost:,.0f})",
    )

    survivors = []
    for group, _, _ in summary:
        alive = [u for u in group if u.fighters >= 0.5]
        if alive and _morale(alive, 0.0, 0.0) >= c.break_morale:
            survivors.append(alive)
        else:
            for u in alive:
                _fall_back(model, u, town)
    d_alive = float(model.garrison[town]) + sum(u.fighters for u in defenders)
    d_morale = _morale(defenders, float(model.garrison[town]), float(model.garrison_morale[town]))
    if survivors and (d_alive < 0.5 or d_morale < c.break_morale):
        lost_garrison = float(model.garrison[town])
        model.losses_by_faction[holder] += lost_garrison
        model.garrison[town] = 0.0
        for u in defenders:
            if u.fighters >= 0.5:
                _fall_back(model, u, town)
        winners = max(survivors, key=lambda g: sum(u.fighters for u in g))
        _capture(model, town, winners, sorted({u.faction for u in winners}), unopposed=False)


def _effectiveness(
    model: TerritoryModel, units: list[Unit], garrison: float, town: int, supplied: bool | None
) -> float:
    """Fighter-weighted quality x morale x supply multiplier of one side."""
    c = model.spec.simulation.combat
    total, weighted = garrison, 0.0
    if garrison > 0:
        gm = float(model.garrison_morale[town])
        weighted += (
            garrison
            * float(model.garrison_quality[town])
            * (0.5 + 0.5 * gm)
            * (1.0 if supplied else c.unsupplied)
        )
    for u in units:
        ok = model.reach[u.faction, u.came_from if supplied is None else u.node]
        weighted += u.fighters * u.quality * (0.5 + 0.5 * u.morale) * (1.0 if ok else c.unsupplied)
        total += u.fighters
    return weighted / total if total > 0 else 0.0


def _apply_losses(
    model: TerritoryModel, units: list[Unit], garrison: float, town: int, lost: float, before: float
) -> None:
    if before <= 0 or lost <= 0:
        return
    frac = min(lost / before, 1.0)
    drop = model.spec.simulation.combat.morale_loss * frac
    for u in units:
        model.losses_by_faction[u.faction] += u.fighters * frac
        u.fighters *= 1.0 - frac
        u.morale = max(u.morale - drop, 0.0)
    if garrison > 0:
        holder = model.controller[town]
        model.losses_by_faction[holder] += garrison * frac
        model.garrison[town] = garrison * (1.0 - frac)
        model.conscripts[town] *= 1.0 - frac
        model.garrison_morale[town] = max(model.garrison_morale[town] - drop, 0.0)


def _morale(units: list[Unit], garrison: float, garrison_morale: float) -> float:
    total = garrison + sum(u.fighters for u in units)
    if total <= 0:
        return 0.0
    return (garrison * garrison_morale + sum(u.fighters * u.morale for u in units)) / total


def _fall_back(model: TerritoryModel, unit: Unit, town: int) -> None:
    """A broken unit leaves for a safe neighbouring town of its bloc, or surrenders."""
    f = model.factions[unit.faction]
    tf = model.sense.town_fighters()
    enemies = sorted(f.enemies)
    options = []
    for nb in model.world.neighbours(town):
        c = model.controller[nb]
        if c >= 0 and c in f.friends and not (enemies and tf[enemies, nb].sum() > 0):
            options.append(
                (0 if nb == unit.came_from else 1, not model.reach[unit.faction, nb], int(nb))
            )
    if options:
        dest = min(options)[2]
        unit.arrive(dest)
        unit.besieging = -1
        model.emit(
            "retreat",
            f.id,
            town,
            "",
            model.world.ids[dest],
            f"{_label(f, unit)} breaks and falls back from "
            f"{model.world.names[town]} to {model.world.names[dest]}",
        )
    else:
        model.losses_by_faction[unit.faction] += unit.fighters
        model.emit(
            "surrender",
            f.id,
            town,
            "",
            f"{unit.fighters:.0f} fighters",
            f"{_label(f, unit)} ({unit.fighters:,.0f}) surrenders at "
            f"{model.world.names[town]}",
        )
        unit.fighters = 0.0


def _capture(
    model: TerritoryModel, town: int, units: list[Unit], bloc: list[int], unopposed: bool
) -> None:
    """Hand the town to the strongest faction of the winning bloc; leave a garrison."""
    by_faction = {f: sum(u.fighters for u in units if u.faction == f) for f in bloc}
    winner = max(sorted(by_faction), key=lambda f: by_faction[f])
    old = int(model.controller[town])
    wf = model.factions[winner]
    if old >= 0:
        model.losses_by_faction[old] += float(model.garrison[town])
    share = model.spec.simulation.combat.occupation_share
    mine = [u for u in units if u.faction == winner]
    left = 0.0
    for u in mine:
        d = u.fighters * share
        u.fighters -= d
        left += d
    model.garrison[town] = left
    model.garrison_quality[town] = wf.garrison_quality
    model.garrison_morale[town] = (
        (sum(u.morale for u in mine) / len(mine)) if mine else wf.garrison_morale
    )
    model.conscripts[town] = 0.0
    model.desert_rate[town] = 0.0
    model.set_controller(town, winner)
    loser = model.factions[old] if old >= 0 else None
    text = f"{wf.name} captures {model.world.names[town]}" + (
        f" from {loser.name}" if loser else ""
    )
    model.emit(
        "capture",
        wf.id,
        town,
        loser.id if loser else "",
        "unopposed" if unopposed else "after battle",
        text + (" unopposed" if unopposed and loser else ""),
    )
