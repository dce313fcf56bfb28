"""What a battle leaves: broken units fall back or surrender; the winner takes the town.

:func:`fall_back` moves a broken unit to a safe neighbouring town of its bloc (not over a
closed highway) or has it surrender; :func:`capture` hands a town to the strongest faction of
the winning bloc and leaves a garrison (``sim.forcegen.garrison_to_leave``).
"""

from __future__ import annotations

from sim.agents import Faction, Unit
from sim.battlefield import Battles
from sim.forcegen import garrison_to_leave

__all__ = ["capture", "fall_back", "label"]


def label(faction: Faction, unit: Unit) -> str:
    """How a unit is named in events: "ISIS's al-Mayadin reserve", not "ISIS's ISIS ..."."""
    if unit.name.casefold().startswith(faction.name.casefold()):
        return unit.name
    return f"{faction.name}'s {unit.name}"


def fall_back(b: Battles, unit: Unit, town: int) -> None:
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
            f"{label(f, unit)} breaks and falls back from "
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
            f"{label(f, unit)} ({unit.fighters:,.0f}) surrenders at {w.names[town]}",
        )
        unit.fighters = 0.0


def capture(b: Battles, town: int, units: list[Unit], bloc: list[int], unopposed: bool) -> None:
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
