"""What the day's battles read and change, and who fights whom at a town.

:class:`Battles` carries the combat phase's state objects (``sim.battle.fight`` makes one a
day); :func:`sides_at` finds the sides at a contested town: the holder's bloc and the attacking
blocs (allies, transitively), or the winners of an unopposed capture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.agents import Faction, Relations, Unit
from sim.air import AirPower, Engagement
from sim.constants import DESTROYED_BELOW
from sim.odds import defenders_of
from sim.record import Recorder
from sim.scenario.schema import CombatParams
from sim.sense import Sense
from sim.state import Ledger, TownState
from sim.supply import SupplyState
from sim.world import World

__all__ = ["Battles", "Sides", "engagement", "sides_at"]


@dataclass(slots=True)
class Battles:
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


def _blocs(b: Battles, factions: list[int]) -> list[list[int]]:
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
class Sides:
    """Who fights whom at a town today (before any loss)."""

    holder: int
    attackers: list[Unit]
    defenders: list[Unit]
    garrison: float
    d_total: float
    att_blocs: list[list[int]]


def sides_at(b: Battles, town: int, units: list[Unit]) -> Sides | list[Unit] | None:
    """The sides of the battle at ``town``, or the winners of an unopposed capture.

    None when nobody fights there; a list of units when the town falls unopposed (their
    factions are the bloc ``sim.capture.capture`` needs).
    """
    t = b.towns
    rel = b.relations
    held = holder = int(t.controller[town])
    if holder < 0:
        blocs = _blocs(b, sorted({u.faction for u in units}))
        if len(blocs) == 1:
            return units
        holder = max(blocs, key=lambda g: sum(u.fighters for u in units if u.faction in g))[0]
    enemies = rel.enemies[holder]
    attackers = [u for u in units if u.faction in enemies]
    if not attackers:
        return None
    attacking = sorted({u.faction for u in attackers})
    defenders = defenders_of(rel, holder, attacking, units)
    garrison = float(t.garrison[town]) if held >= 0 else 0.0
    d_total = garrison + sum(u.fighters for u in defenders)
    att_blocs = _blocs(b, attacking)
    if d_total < DESTROYED_BELOW:
        best = max(att_blocs, key=lambda g: sum(u.fighters for u in attackers if u.faction in g))
        return [u for u in attackers if u.faction in best]
    return Sides(holder, attackers, defenders, garrison, d_total, att_blocs)


def engagement(town: int, s: Sides) -> Engagement:
    """The battle as air support sees it: its size and the factions of each side."""
    a_total = sum(u.fighters for u in s.attackers)
    defending = frozenset({s.holder} | {u.faction for u in s.defenders})
    return Engagement(
        town, a_total + s.d_total, (*(frozenset(g) for g in s.att_blocs), defending)
    )
