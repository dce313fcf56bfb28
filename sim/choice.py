"""Rule choice for a big faction at once: its unit rules evaluated over arrays of its units.

The orders phase takes the units one by one in a fixed order, and each unit's rule is the
first whose condition holds for it. For a faction of more than ``VECTOR_RULE_UNITS`` units,
:class:`RuleChoice` evaluates each rule's condition once over all of the faction's units
still to come (``sim.scenario.exprvec``) instead of once per unit, and hands each unit the
rule so found when its turn comes. The choice is the one the scalar path makes:

* a unit's own values (fighters, morale, position, ...) change only on its own turn, and the
  values of the faction, of supply and control, and the positions the ``Sense`` took at its
  last refresh, do not change during the phase;
* ``strength_ratio`` is the exception: the ``Sense`` computes a faction's ratios when a unit
  of it first asks, from where the units stand then, and keeps them. So units are taken one
  by one on the scalar path until the first one that asked (its question fixed the ratios),
  and the arrays are evaluated only after that;
* conditions with the effective odds have no array form; with them, or with a ``bridge`` or
  ``raid`` rule (whose use depends on the day's bridging work or on a raid target), the
  faction stays on the scalar path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from sim.agents import Faction, Unit
from sim.context import FactionContext, UnitContext
from sim.factionday import FactionDay
from sim.rules import CompiledRule
from sim.scenario.expr import TAG_FUNCTIONS
from sim.scenario.exprvec import VectorCondition, vectorise
from sim.sense import Sense
from sim.supply import SupplyState
from sim.unitprogram import UnitProgram

__all__ = ["VECTOR_RULE_UNITS", "RuleChoice", "UnitArrays", "choose"]

#: A faction with more units than this chooses their rules over arrays (below it, the
#: per-unit cost of the arrays' set-up is more than the scalar evaluation it saves).
VECTOR_RULE_UNITS = 64
#: Actions whose rules also need ``usable`` (a crossing to work on, a raid target): a faction
#: with one of them stays on the scalar path while that test is given.
GATED_ACTIONS = ("bridge", "raid")
#: Compiled unit programs kept (by the identity of a faction's list of unit rules).
MAX_PROGRAMS = 256
_PROGRAMS: dict[int, tuple[Sequence[CompiledRule], UnitProgram]] = {}


def program(rules: Sequence[CompiledRule]) -> UnitProgram:
    """The unit program of a faction's list of unit rules (compiled once per list).

    Only ``bridge`` and ``raid`` rules ask ``usable``: ``sim.rivers.Bridging.usable`` and
    ``sim.raid.Raiding`` accept every other rule.
    """
    kept = _PROGRAMS.get(id(rules))
    if kept is not None and kept[0] is rules:
        return kept[1]
    if len(_PROGRAMS) >= MAX_PROGRAMS:
        del _PROGRAMS[next(iter(_PROGRAMS))]  # the oldest
    prog = UnitProgram(rules, GATED_ACTIONS)
    _PROGRAMS[id(rules)] = (rules, prog)
    return prog


def choose(
    unit: Unit,
    rules: Sequence[CompiledRule],
    ctx: UnitContext,
    usable: Callable[[CompiledRule], bool] | None = None,
) -> CompiledRule | None:
    """The first of the rules that applies to the unit (by its tags) and whose condition holds.

    With ``usable``, also the first it accepts (a ``bridge`` rule applies only while its
    crossing can be worked on).
    """
    tags = unit.tags
    for rule in rules:
        if rule.tags and rule.tags.isdisjoint(tags):
            continue
        if rule.condition.evaluate(ctx) and (usable is None or usable(rule)):
            return rule
    return None


class _Watched(UnitContext):
    """A unit's context that notes whether ``strength_ratio`` was asked for."""

    asked_ratio = False

    def var(self, name: str) -> Any:
        if name == "strength_ratio":
            self.asked_ratio = True
        return super().var(name)


class UnitArrays(FactionContext):
    """The rule language's values for many units of one faction at once (an ArrayContext).

    Args:
        units: the units (all of ``faction``), in any order.
        faction, day, stats, sense: as for :class:`~sim.context.FactionContext`.
        supply: the supply state (``besieged`` and ``supplied``).
    """

    def __init__(
        self,
        units: Sequence[Unit],
        faction: int,
        day: int,
        stats: Mapping[str, Any],
        sense: Sense,
        supply: SupplyState,
    ) -> None:
        super().__init__(faction, day, stats, sense)
        self.units = units
        self.size = len(units)
        self.supply = supply

    def _floats(self, values: Any) -> np.ndarray:
        return np.fromiter(values, dtype=float, count=self.size)

    def _nodes(self) -> np.ndarray:
        return np.fromiter((u.node for u in self.units), dtype=np.int64, count=self.size)

    def var(self, name: str) -> Any:
        """Values of a variable, one per unit (faction-wide ones as one value)."""
        us = self.units
        match name:
            case "fighters":
                return self._floats(u.fighters for u in us)
            case "strength":
                return self._floats(u.strength for u in us)
            case "morale":
                return self._floats(u.morale for u in us)
            case "quality":
                return self._floats(u.quality for u in us)
            case "besieged":
                dest = np.fromiter((u.dest for u in us), dtype=np.int64, count=self.size)
                return self.supply.besieged[self._nodes()].astype(bool) & (dest < 0)
            case "supplied":
                return self.supply.supplied[self._nodes()].astype(bool)
            case "in_battle":
                return np.fromiter((bool(u.in_battle) for u in us), dtype=bool, count=self.size)
            case "strength_ratio":  # the same floats as strength_ratio(faction, node)
                return self.sense.strength_ratios(self.faction)[self._nodes()]
        return super().var(name)

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """Values of a function call, seen from each unit."""
        if name == "tagged":
            tag = args[0]
            return np.fromiter((tag in u.tags for u in self.units), dtype=bool, count=self.size)
        if name in TAG_FUNCTIONS:
            return self._tag_call(name, args[0])
        if name in ("enemy_within_km", "enemy_fighters_within_km"):
            return self._enemy_within(name, args[0])
        # enemy_near, holds: the same for every unit, unless a distance differs between them
        if name == "enemy_near" and np.ndim(args[1]):
            return self._floats(
                self.sense.call(self.faction, None, name, (args[0], km))
                for km in np.asarray(args[1]).tolist()
            )
        return self.sense.call(self.faction, None, name, args)

    def _enemy_within(self, name: str, km: Any) -> np.ndarray:
        """``enemy_within_km`` / ``enemy_fighters_within_km`` of each unit (as ``Sense.call``)."""
        tree, weights = self.sense.hostile_units(self.faction)
        fighters = name == "enemy_fighters_within_km"
        if tree is None:
            return np.zeros(self.size) if fighters else np.zeros(self.size, dtype=bool)
        w = self.sense.world
        xy = np.array([w.project(*u.position()) for u in self.units], dtype=float)
        r = np.where(np.asarray(km) < 0, 0, km).astype(float)
        if not fighters and bool((weights > 0).all()):  # every hostile unit counts
            return np.asarray(tree.query_ball_point(xy, r=r, return_length=True)) > 0
        # unsorted: in the order of a one-point query, so that the sums are the same floats
        hits = tree.query_ball_point(xy, r=r, return_sorted=False)
        totals = self._floats(float(weights[h].sum()) if h else 0.0 for h in hits)
        return totals if fighters else totals > 0


_First = Callable[[Unit, FactionDay, Callable[[Unit, CompiledRule], bool] | None],
                 CompiledRule | None]  # UnitProgram.first


@dataclass
class _Plan:
    """One faction's progress through the phase."""

    positions: list[int]  # its units' places in the phase's order
    conditions: list[VectorCondition]
    needs_ratio: bool
    chosen: dict[int, CompiledRule | None] | None = None  # place -> rule, once on arrays
    done: int = field(default=0)  # units of it taken so far


class RuleChoice:
    """Today's rule for every unit of the orders phase, taken in the phase's order.

    Args:
        units: the units in the phase's order.
        factions: the factions.
        day, stats, sense, supply: what conditions are evaluated against.
        usable: whether a ``usable`` test will be passed (bridging or raiding is on).
    """

    def __init__(
        self,
        units: Sequence[Unit],
        factions: Sequence[Faction],
        day: int,
        stats: Sequence[Mapping[str, Any]],
        sense: Sense,
        supply: SupplyState,
        usable: bool,
    ) -> None:
        self.units, self.factions = units, factions
        self.day, self.stats, self.sense, self.supply = day, stats, sense, supply
        #: the factions whose rules are chosen on arrays (every other one: unit by unit)
        self._plans: dict[int, _Plan] = {}
        #: faction -> its unit program's ``first`` and values of the phase (the scalar path;
        #: ``first(unit, env, gate)`` is ``rule``'s answer for a unit of such a faction)
        self.scalar: dict[int, tuple[_First, FactionDay]] = {}
        self._days = self.scalar
        if len(units) <= VECTOR_RULE_UNITS:  # no faction has enough units for the arrays
            return
        places: dict[int, list[int]] = {}
        for i, u in enumerate(units):
            places.setdefault(u.faction, []).append(i)
        for f, positions in places.items():
            rules = factions[f].unit_rules
            if len(positions) <= VECTOR_RULE_UNITS or (
                    usable and any(r.action in GATED_ACTIONS for r in rules)):
                continue
            vec = [vectorise(r.condition) for r in rules]
            if None in vec:
                continue
            conditions = [v for v in vec if v is not None]
            needs_ratio = any("strength_ratio" in v.names for v in conditions)
            self._plans[f] = _Plan(positions, conditions, needs_ratio)

    def evaluates(self, unit: Unit) -> bool:
        """Whether the unit's rule will be evaluated on its turn (not read from the arrays)."""
        plan = self._plans.get(unit.faction)
        return plan is None or plan.chosen is None

    def rule(
        self, place: int, unit: Unit, gate: Callable[[Unit, CompiledRule], bool] | None = None
    ) -> CompiledRule | None:
        """The rule the unit at ``place`` in the order follows today (None: it holds).

        ``gate(unit, rule)``: whether a ``raid`` or ``bridge`` rule can give the unit its
        order (every other rule can); None: every rule can.
        """
        f = unit.faction
        kept = self._days.get(f)  # only the factions on the scalar path are kept here
        if kept is not None:
            return kept[0](unit, kept[1], gate)
        plan = self._plans.get(f)
        if plan is None:  # the scalar path, on the unit programs
            kept = self._days[f] = (
                program(self.factions[f].unit_rules).first,
                FactionDay(f, self.day, self.stats[f], self.sense, self.supply))
            return kept[0](unit, kept[1], gate)
        plan.done += 1
        if plan.chosen is not None:
            return plan.chosen[place]
        ctx = _Watched(unit, self.day, self.stats[f], self.sense, self.supply)
        usable = None if gate is None else partial(gate, unit)
        rule = choose(unit, self.factions[f].unit_rules, ctx, usable)
        if ctx.asked_ratio or not plan.needs_ratio:
            plan.chosen = self._on_arrays(f, plan.positions[plan.done:], plan.conditions)
        return rule

    def _on_arrays(
        self, faction: int, positions: list[int], conditions: list[VectorCondition]
    ) -> dict[int, CompiledRule | None]:
        """Each of these units' first rule that applies and holds, one rule at a time."""
        units = [self.units[p] for p in positions]
        rules = self.factions[faction].unit_rules
        chosen: list[CompiledRule | None] = [None] * len(units)
        open_ = np.ones(len(units), dtype=bool)  # no rule found yet
        for rule, cond in zip(rules, conditions, strict=True):
            if not open_.any():
                break
            applies = open_
            if rule.tags:
                applies = open_ & np.fromiter(
                    (not rule.tags.isdisjoint(u.tags) for u in units), dtype=bool,
                    count=len(units))
            sub = np.nonzero(applies)[0]
            if not len(sub):
                continue
            ctx = UnitArrays([units[i] for i in sub.tolist()], faction, self.day,
                             self.stats[faction], self.sense, self.supply)
            for i in sub[cond.evaluate(ctx)].tolist():
                chosen[i] = rule
                open_[i] = False
        return dict(zip(positions, chosen, strict=True))
