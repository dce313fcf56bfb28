"""A faction's unit rules as the orders loop runs them: the first rule that holds, by tags.

The conditions are compiled by ``sim.unitrules``; a :class:`UnitProgram` keeps, for each set
of tags, the steps the loop takes (rules that never hold left out, none after one that always
holds and asks no ``usable``), and evaluates a condition that reads nothing of the unit once
per faction and phase.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sim.agents import Unit
from sim.factionday import FactionDay, UnitFn
from sim.rules import CompiledRule
from sim.unitrules import UnitCondition, compile_unit

__all__ = ["UnitProgram"]


#: a faction's rule, ready for the loop: (rule, its condition, whether ``usable`` is asked,
#: its place among the faction's rules)
Entry = tuple[CompiledRule, UnitCondition, bool, int]


class UnitProgram:
    """A faction's unit rules compiled for the loop, with the rules for each set of tags.

    Args:
        rules: the faction's unit rules, in order.
        gated: actions whose rules also ask ``usable`` (for every other rule it is true).
    """

    def __init__(self, rules: Sequence[CompiledRule], gated: Sequence[str]) -> None:
        self.rules = rules
        self._entries = [(r, compile_unit(r.condition), r.action in gated, i)
                         for i, r in enumerate(rules)]
        self._by_tags: dict[frozenset[str], list[_Step]] = {}

    def first(
        self, unit: Unit, env: FactionDay, gate: Callable[[Unit, CompiledRule], bool] | None
    ) -> CompiledRule | None:
        """As ``sim.choice.choose``: the first rule for the unit's tags whose condition holds.

        ``gate(unit, rule)`` is asked only of the gated rules (``choose``'s ``usable``).
        """
        steps = self._by_tags.get(unit.tags)
        if steps is None:
            steps = self._steps(unit.tags)
        memo = env.memo
        for test, kind, gated, rule, place in steps:
            if kind == _EVAL:
                if not test(unit, env):
                    continue
            elif kind == _FREE:
                found = memo.get(place)
                if found is None:
                    found = memo[place] = bool(test(unit, env))
                if not found:
                    continue
            if not gated or gate is None or gate(unit, rule):
                return rule
        return None

    def _steps(self, tags: frozenset[str]) -> list[_Step]:
        """The rules for these tags as the loop takes them (kept per set of tags).

        A rule that never holds is left out; the rules after one that always holds and
        asks no ``usable`` are never reached.
        """
        steps: list[_Step] = []
        for rule, cond, gated, place in self._entries:
            if rule.tags and rule.tags.isdisjoint(tags):
                continue
            if cond.value is not None:
                if not cond.value:
                    continue
                steps.append((cond.test, _TRUE, gated, rule, place))
                if not gated:
                    break
            else:
                steps.append((cond.test, _FREE if cond.unit_free else _EVAL, gated, rule,
                              place))
        self._by_tags[tags] = steps
        return steps


_TRUE, _FREE, _EVAL = 0, 1, 2  # a step's kind: always holds, once per faction, per unit
#: (its condition's truth, kind, whether ``usable`` is asked, the rule, its place)
_Step = tuple[UnitFn, int, bool, CompiledRule, int]
