"""Rules as data: each faction's rules compiled once, with their parameters' defaults filled.

The values conditions are evaluated against are in ``sim.context``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario.expr import FACTION, UNIT, Condition, compile_condition
from sim.scenario.schema import ACTION_PARAMS, FACTION_ACTIONS, Rule

__all__ = ["CompiledRule", "compile_rules"]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: its action, condition and parameters with defaults filled in."""

    id: str
    action: str
    condition: Condition
    params: dict[str, Any]


def compile_rules(
    rules: list[Rule], towns: set[str]
) -> tuple[list[CompiledRule], list[CompiledRule]]:
    """Split a faction's enabled rules into (unit rules, faction-wide rules), compiled."""
    unit: list[CompiledRule] = []
    faction: list[CompiledRule] = []
    for i, rule in enumerate(rules):
        if not rule.enabled:
            continue
        scope = FACTION if rule.do in FACTION_ACTIONS else UNIT
        params = {k: spec.default for k, spec in ACTION_PARAMS[rule.do].items()}
        params.update(rule.with_)
        compiled = CompiledRule(
            rule.id or f"rule{i}", rule.do, compile_condition(rule.when, scope, towns), params
        )
        (faction if scope == FACTION else unit).append(compiled)
    return unit, faction
