"""Effective odds: every combat multiplier in one place (effectiveness, defence, air).

The combat phase (``sim.battle``) and the rule language's ``odds(town)`` / ``target_odds``
read the same functions here, so a rule sees the numbers the battle will use:

* a side's **effectiveness** per fighter: fighter-weighted quality x morale factor x supply
  (``side_effectiveness``), times its **air** multiplier (``sim.air``);
* the **defence multiplier** of a town: terrain x (1 + fortification) x entrenchment
  (``defence_multiplier``);
* the **river-crossing** multiplier of attackers who came over a crossing
  (``sim.rivers.crossing_defence``, 1 without rivers);
* the **effective odds** of a bloc at a town (:class:`Odds`):
  (attackers x their effectiveness x air) / (defenders x their effectiveness x air x defence
  x crossing).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.agents import Forces, Relations, Unit
from sim.constants import MORALE_FLOOR, NO_ENEMY_RATIO
from sim.rivers import crossing_defence
from sim.scenario.schema import CombatParams
from sim.state import TownState
from sim.supply import SupplyState
from sim.world import World

if TYPE_CHECKING:
    from sim.air import AirPower

__all__ = [
    "Odds",
    "defence_multiplier",
    "defenders_of",
    "defending_side",
    "morale_factor",
    "side_effectiveness",
]


_MORALE_SLOPE = 1.0 - MORALE_FLOOR  # the share that morale adds from 0 to 1
_ONE = np.float64(1.0)  # x 1.0: a float as the np.float64 it was, for the same value


def morale_factor(morale: float) -> float:
    """Share of full effectiveness at this morale: ``MORALE_FLOOR`` at 0, 1 at 1.

    Examples:
        >>> morale_factor(0.0), morale_factor(1.0), morale_factor(0.5)
        (0.5, 1.0, 0.75)
    """
    return MORALE_FLOOR + _MORALE_SLOPE * morale


def defence_multiplier(world: World, town: int, entrenched: bool, entrench: float) -> float:
    """Terrain defence x (1 + fortification) x entrenchment (when the defenders dug in)."""
    terrain = _terrain(world)[town]
    return terrain * (entrench if entrenched else 1.0)


_TERRAIN: tuple[weakref.ref[World], list[float]] | None = None


def _terrain(world: World) -> list[float]:
    """Per town, ``defence x (1 + fortification)``: the map's part of the defence multiplier.

    Computed once per World (the last one asked; a map does not change during a run), the
    same products the scalar expression gives, element by element, as Python floats: reading
    two arrays and multiplying numpy scalars cost ~0.5 us a call.
    """
    global _TERRAIN
    last = _TERRAIN
    if last is not None and last[0]() is world:
        return last[1]
    terrain = (world.defence * (1.0 + world.fortification)).tolist()
    _TERRAIN = (weakref.ref(world), terrain)
    return terrain


def defending_side(
    world: World,
    towns: TownState,
    supply: SupplyState,
    params: CombatParams,
    town: int,
    defenders: list[Unit],
    garrison: float,
) -> tuple[float, float]:
    """The defenders' effectiveness and the town's defence multiplier (before air).

    The garrison fights at its quality and morale, supplied when its town is; the defence is
    entrenched when there is a garrison or a defending unit dug in.
    """
    d_eff = side_effectiveness(
        defenders,
        None,
        supply.reach,
        params.unsupplied,
        garrison,
        float(towns.garrison_quality[town]),
        float(towns.garrison_morale[town]),
        bool(supply.supplied[town]),
    )
    entrenched = garrison > 0
    if not entrenched:
        for u in defenders:
            if u.entrenched:
                entrenched = True
                break
    return d_eff, _terrain(world)[town] * (params.entrench if entrenched else 1.0)


def side_effectiveness(
    units: Iterable[Unit],
    origins: Sequence[int] | None,
    reach: np.ndarray,
    unsupplied: float,
    garrison: float = 0.0,
    garrison_quality: float = 0.0,
    garrison_morale: float = 0.0,
    garrison_supplied: bool = True,
) -> float:
    """Fighter-weighted quality x morale factor x supply of one side (0 with no fighters).

    Args:
        units: the side's units.
        origins: per unit, the town its supply is judged from: for defenders None (the town
            the unit stands in), for attackers the town it attacks from (its ``came_from``).
        reach: the supply state's bool (faction, town).
        unsupplied: the multiplier of an unsupplied fighter (``combat.unsupplied``).
        garrison: the town's garrison, when it is on this side (fighters).
        garrison_quality: its quality.
        garrison_morale: its morale.
        garrison_supplied: whether its town is supplied.
    """
    # in Python floats: a unit's fighters, quality and morale are often np.float64 (after a
    # battle), whose arithmetic costs ~3x a float's; the same operations in the same order give
    # the same doubles (the callers' results are np.float64 by the defence or the noise)
    total, weighted = float(garrison), 0.0
    if garrison > 0:
        # morale_factor(garrison_morale) written out: the same operations, without the call
        weighted += (
            total
            * float(garrison_quality)
            * (MORALE_FLOOR + _MORALE_SLOPE * float(garrison_morale))
            * (1.0 if garrison_supplied else unsupplied)
        )
    if origins is None:
        for u in units:
            fighters = float(u.fighters)
            supply = 1.0 if reach[u.faction, u.node] else unsupplied
            weighted += (fighters * float(u.quality)
                         * (MORALE_FLOOR + _MORALE_SLOPE * float(u.morale)) * supply)
            total += fighters
    else:
        for u, origin in zip(units, origins, strict=False):
            fighters = float(u.fighters)
            supply = 1.0 if reach[u.faction, origin] else unsupplied
            weighted += (fighters * float(u.quality)
                         * (MORALE_FLOOR + _MORALE_SLOPE * float(u.morale)) * supply)
            total += fighters
    return weighted / total if total > 0 else 0.0


def defenders_of(
    relations: Relations, holder: int, attacking: Iterable[int], units: Iterable[Unit]
) -> list[Unit]:
    """The units that defend ``holder``'s town against the ``attacking`` factions.

    Units of the holder's bloc, except a faction allied to an attacker, which stands aside
    (alliances need not be transitive, and allies never fight each other).
    """
    friends = relations.friends[holder]
    aside: set[int] = set()  # the factions allied to an attacker
    for a in set(attacking):
        aside |= relations.friends[a]
    return [u for u in units if u.faction in friends and u.faction not in aside]


class Odds:
    """The effective odds a bloc would have at a town today, as the battle would weigh them.

    Args:
        world, towns, forces, relations, supply: the run's state (read when asked).
        params: the combat coefficients of today (a callable: the timeline may change them).
        air: the air power state (its multipliers of the last combat phase), or None.
    """

    def __init__(
        self,
        world: World,
        towns: TownState,
        forces: Forces,
        relations: Relations,
        supply: SupplyState,
        params: Callable[[], CombatParams],
        air: AirPower | None = None,
    ) -> None:
        self.world = world
        self.towns = towns
        self.forces = forces
        self.relations = relations
        self.supply = supply
        self.params = params
        self.air = air

    def at(self, faction: int, unit: Unit | None, town: int) -> float:
        """The effective odds of the faction's side at the town: above 1, it is the stronger.

        At a town held by a faction it is hostile to (or held by nobody, with hostile units in
        it): (attackers x effectiveness x air) / (defenders x effectiveness x air x defence),
        the attackers being ``unit`` (when given) and the units of its faction's bloc hostile
        to the holder that stand in the town or besiege it, the defenders the garrison and the
        units standing in the town that would defend it against them (``defenders_of``).
        At a town its bloc holds: the inverse of the odds of the hostile units in or besieging
        it, with ``unit`` among the defenders (the defence odds). A unit's supply is judged as
        the battle judges it (an attacker's from the town it attacks from: where it came from,
        stands, or set out from on its road). Infinite when there is nobody to overcome (no
        defenders), NO_ENEMY_RATIO when the side would fight nobody there (no attackers of its
        town, a town a neutral holds, or a unit whose faction is not hostile to the holder).
        """
        t, rel = self.towns, self.relations
        holder = int(t.controller[town])
        bloc = rel.friends[faction]
        inside, near, extra = self._gather(town, unit)
        if holder < 0:
            hostile = rel.enemies[faction]
            hostile_here = [u for u in inside if u.faction in hostile]
            if not hostile_here:
                return float("inf")  # nobody holds it and nobody defends it
            holder = hostile_here[0].faction
        if holder in bloc:
            return self._defence(unit, town, holder, inside, near, extra)
        if holder not in rel.enemies[faction]:
            return NO_ENEMY_RATIO
        enemies = rel.enemies[holder]
        group = [u for u in near if u.faction in bloc and u.faction in enemies]
        if unit is not None and unit not in group:  # a unit of a faction not hostile to it
            return NO_ENEMY_RATIO
        return self._weigh(holder, town, group, inside)

    def _gather(self, town: int, unit: Unit | None) -> tuple[list[Unit], list[Unit], bool]:
        """One pass over the units with fighters, in their order, for the questions of ``at``.

        Returns ``inside`` (standing in the town), ``near`` (in it, besieging it, or ``unit``:
        who may attack it) and whether ``unit`` is in ``near`` only for being ``unit`` (on a
        road, not besieging the town: no attacker when the bloc defends the town).
        """
        inside: list[Unit] = []
        near: list[Unit] = []
        extra = False
        for u in self.forces.units:
            if u.fighters > 0:
                if u.node == town and u.dest < 0:
                    inside.append(u)
                    near.append(u)
                elif u.besieging == town:
                    near.append(u)
                elif u is unit:
                    near.append(u)
                    extra = True
        return inside, near, extra

    def _defence(self, unit: Unit | None, town: int, holder: int, inside: list[Unit],
                 near: list[Unit], extra: bool) -> float:
        """1 / the odds of everyone attacking a town of the bloc, with ``unit`` defending it."""
        enemies = self.relations.enemies[holder]
        group = [u for u in near if u.faction in enemies and not (extra and u is unit)]
        if not group:
            return NO_ENEMY_RATIO
        if unit is not None and unit not in inside:
            inside = [*inside, unit]
        odds = self._weigh(holder, town, group, inside)
        return 1.0 / odds if odds > 0 else float("inf")

    def _weigh(self, holder: int, town: int, group: list[Unit], inside: list[Unit]) -> float:
        """The attacking odds of ``group`` against the holder's defenders among ``inside``."""
        t = self.towns
        rel = self.relations
        enemies_of_holder = rel.enemies[holder]
        attacking = {u.faction for u in group} | {
            u.faction for u in inside if u.faction in enemies_of_holder
        }
        # defenders_of(rel, holder, attacking, inside) written out
        friends = rel.friends[holder]
        aside: set[int] = set()  # the factions allied to an attacker
        for a in attacking:
            aside |= rel.friends[a]
        defenders = [u for u in inside if u.faction in friends and u.faction not in aside]
        garrison = float(t.garrison[town]) if t.controller[town] >= 0 else 0.0
        # (sums of the fighters as they are: sum() adds floats with compensation, np.float64
        # plainly, so converting them first would change the last bits)
        d_total = garrison + sum([u.fighters for u in defenders])
        a_total = sum([u.fighters for u in group])
        if d_total <= 0:
            return float("inf")
        if a_total <= 0:
            return 0.0
        c = self.params()
        reach = self.supply.reach
        # the town each attacker attacks from: where it came from, stands or set out from
        origins = [
            u.node if u.node != town else u.dest if u.dest >= 0 else u.came_from for u in group
        ]
        a_eff = side_effectiveness(group, origins, reach, c.unsupplied)
        d_eff, defence = defending_side(
            self.world, t, self.supply, c, town, defenders, garrison
        )
        defence *= crossing_defence(self.world, town, group, c.crossing_defence, origins)
        air = self.air
        if air is not None and air.applied:  # (no multiplier is 1.0: nothing to multiply)
            a_eff *= air.applied_to(town, {u.faction for u in group})
            d_eff *= air.applied_to(town, {u.faction for u in defenders} | {holder})
        if d_eff <= 0:
            return float("inf")
        # (a_total x a_eff) / (d_total x d_eff x defence) in Python floats (the same doubles),
        # an np.float64 as it was (the terrain's defence made it one)
        den = float(d_total) * d_eff * defence
        if den == 0:  # (never with a defence >= 1: numpy's inf or nan, as it was)
            return (_ONE * float(a_total) * a_eff) / den
        return _ONE * ((float(a_total) * a_eff) / den)

    def rule_value(self, faction: int, unit: Unit | None, town: int) -> float:
        """``odds(town)`` in the rule language: as ``at``, NO_ENEMY_RATIO for infinity."""
        value = self.at(faction, unit, town)
        return NO_ENEMY_RATIO if value == float("inf") else value

    def target(self, unit: Unit) -> float:
        """``target_odds``: the odds at the town the unit besieges or marches on, else its own."""
        town = unit.besieging if unit.besieging >= 0 else unit.dest if unit.dest >= 0 else unit.node
        return self.rule_value(unit.faction, unit, town)

