"""Air power: each faction's sorties a day, and where they went in today's battles.

This module owns :class:`AirPower`: per faction, its air support's parameters and the
sorties it flies now (the scenario's ``air:`` block, changed by the timeline), and the
multipliers the combat phase applied at each battle (read by ``sim.odds`` until the next
combat phase). :func:`allocate` shares a faction's sorties among the day's battles: in the
order its ``target`` gives, each battle gets the sorties that take the multiplier
``1 + effect_per_sortie x sorties`` to ``max_multiplier`` until none are left. Nothing here
is random.
:func:`bombardment` sends the sorties no battle needed to the towns the faction's units
besiege, where ``bombard_kills_per_sortie`` puts defenders out of action (``sim.battle``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sim.agents import Faction
from sim.scenario.schema import AirParams, Scenario

__all__ = ["AirPower", "Engagement", "allocate", "bombardment"]


@dataclass(frozen=True)
class Engagement:
    """One battle of today, as air support sees it.

    Attributes:
        town: the town number.
        size: attackers + defenders (fighters).
        sides: the factions of each side (each attacking bloc, then the defenders).
    """

    town: int
    size: float
    sides: tuple[frozenset[int], ...]


class AirPower:
    """Each faction's air support now, and the multipliers applied at the last battles.

    Args:
        spec: the scenario (its factions' ``air:`` blocks).

    Attributes:
        params: per faction number, its ``AirParams`` (None: no air support).
        sorties: per faction number, sorties a day now.
        applied: (town, faction) -> (sorties, multiplier) of the last combat phase.
        left: per faction number, the sorties no battle took in the last combat phase.
    """

    def __init__(self, spec: Scenario) -> None:
        self.params: list[AirParams | None] = [f.air for f in spec.factions]
        self.sorties: list[float] = [f.air.sorties_per_day if f.air else 0.0 for f in spec.factions]
        self.applied: dict[tuple[int, int], tuple[float, float]] = {}
        self.left: list[float] = [0.0] * len(self.sorties)

    def refresh(self, spec: Scenario, faction: int) -> None:
        """Take a faction's air block from the scenario again (a timeline ``set`` of it)."""
        air = spec.factions[faction].air
        self.params[faction] = air
        self.sorties[faction] = air.sorties_per_day if air else 0.0

    def active(self) -> bool:
        """Some faction flies sorties that have an effect today."""
        for p, s in zip(self.params, self.sorties, strict=True):
            if p is not None and s > 0 and p.effect_per_sortie > 0 and p.max_multiplier > 1:
                return True
        return False

    def applied_to(self, town: int, factions: Iterable[int]) -> float:
        """The product of these factions' multipliers at the town (1.0 where none)."""
        m = 1.0
        if not self.applied:
            return m
        for f in sorted(set(factions)):
            hit = self.applied.get((town, f))
            if hit is not None:
                m *= hit[1]
        return m


def allocate(
    air: AirPower, factions: Sequence[Faction], battles: Sequence[Engagement]
) -> dict[tuple[int, int], tuple[float, float]]:
    """Share each faction's sorties among the battles it takes part in; sets ``air.applied``.

    Returns:
        (town, faction) -> (sorties, multiplier), for the battles that got sorties.
    """
    out: dict[tuple[int, int], tuple[float, float]] = {}
    air.left = [0.0] * len(air.sorties)
    for f in factions:
        p = air.params[f.index]
        left = air.sorties[f.index]
        if p is None or left <= 0 or p.effect_per_sortie <= 0 or p.max_multiplier <= 1:
            air.left[f.index] = max(left, 0.0) if p is not None else 0.0
            continue
        mine = [b for b in battles if any(f.index in side for side in b.sides)]
        if p.target == "objectives":
            prio = dict(f.objectives)
            mine = [b for b in mine if b.town in prio]
            mine.sort(key=lambda b: (-prio[b.town], -b.size, b.town))
        else:
            mine.sort(key=lambda b: (-b.size, b.town))
        full = (p.max_multiplier - 1.0) / p.effect_per_sortie  # sorties that saturate a battle
        for b in mine:
            if left <= 0:
                break
            used = min(left, full)
            left -= used
            out[(b.town, f.index)] = (used, min(p.max_multiplier, 1.0 + p.effect_per_sortie * used))
        air.left[f.index] = max(left, 0.0)
    air.applied = out
    return out


def bombardment(
    air: AirPower, faction: int, besieged: dict[int, float]
) -> list[tuple[int, float, float]]:
    """Where a faction's sorties left over from today's battles strike: (town, sorties, kills).

    Args:
        air: after ``allocate`` (its ``left``).
        faction: the faction number.
        besieged: town -> the faction's fighters besieging it (towns with no battle today).

    Each town, largest besieging force first (then town number), takes the sorties that
    would saturate a battle, ``(max_multiplier - 1) / effect_per_sortie``, until none are
    left; kills = sorties x ``bombard_kills_per_sortie``. Empty without bombardment.
    """
    p = air.params[faction]
    left = air.left[faction]
    if p is None or p.bombard_kills_per_sortie <= 0 or left <= 0 or not besieged:
        return []
    full = (
        (p.max_multiplier - 1.0) / p.effect_per_sortie
        if p.effect_per_sortie > 0 and p.max_multiplier > 1
        else left
    )
    out = []
    for town in sorted(besieged, key=lambda t: (-besieged[t], t)):
        if left <= 0:
            break
        used = min(left, full)
        left -= used
        out.append((town, used, used * p.bombard_kills_per_sortie))
    air.left[faction] = left
    return out
