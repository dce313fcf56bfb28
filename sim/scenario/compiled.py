"""Rules ready to run: each rule's compiled condition and its parameters, split by scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.scenario.expr import FACTION, UNIT, Condition, compile_condition
from sim.scenario.schema import FACTION_ACTIONS, Rule

__all__ = ["CompiledRule", "compile_rules"]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: its action, condition and parameters with defaults filled in.

    ``id`` is the rule's id, or its place in the faction's list (``rules[3]``) if it has none;
    ``tags``, when not empty, restrict a unit rule to the units carrying one of them.
    """

    id: str
    action: str
    condition: Condition
    params: dict[str, Any]
    tags: frozenset[str] = frozenset()


def compile_rules(
    rules: Sequence[Rule], towns: set[str]
) -> tuple[list[CompiledRule], list[CompiledRule]]:
    """Split a faction's enabled rules into (unit rules, faction-wide rules), compiled.

    The conditions were compiled when the scenario was validated; this reuses them (see
    :func:`~sim.scenario.expr.compile_condition`). The parameters are the rule's ``with:``
    model, whose defaults the schema filled in.
    """
    unit: list[CompiledRule] = []
    faction: list[CompiledRule] = []
    for i, rule in enumerate(rules):
        if not rule.enabled:
            continue
        scope = FACTION if rule.do in FACTION_ACTIONS else UNIT
        params = rule.with_.model_dump()
        compiled = CompiledRule(
            rule.id or f"rules[{i}]",
            rule.do,
            compile_condition(rule.when, scope, towns),
            params,
            frozenset(rule.tags),
        )
        (faction if scope == FACTION else unit).append(compiled)
    return unit, faction
