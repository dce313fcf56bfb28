"""Rules as data: compiled conditions and the values they are evaluated against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.scenario.expr import FACTION, UNIT, Condition, compile_condition
from sim.scenario.schema import FACTION_ACTIONS, Rule

if TYPE_CHECKING:
    from sim.agents import Unit
    from sim.model import TerritoryModel

__all__ = ["CompiledRule", "FactionContext", "UnitContext", "compile_rules"]


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: its action, condition and parameters with defaults filled in."""

    id: str
    action: str
    condition: Condition
    params: dict[str, Any]


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
            rule.id or f"rule{i}", rule.do, compile_condition(rule.when, scope, towns), params
        )
        (faction if scope == FACTION else unit).append(compiled)
    return unit, faction


class FactionContext:
    """Faction-wide values for conditions (computed on demand, once per day)."""

    def __init__(self, model: TerritoryModel, faction: int):
        self.model = model
        self.faction = faction

    def var(self, name: str) -> Any:
        """Value of a faction-wide variable."""
        stats = self.model.factions[self.faction].stats
        if name == "day":
            return self.model.day
        return stats[name]

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """Value of a function call."""
        return self.model.sense.call(self.faction, None, name, args)


class UnitContext(FactionContext):
    """Values for a unit's conditions: its own state plus its faction's."""

    def __init__(self, model: TerritoryModel, unit: Unit):
        super().__init__(model, unit.faction)
        self.unit = unit

    def var(self, name: str) -> Any:
        """Value of a unit or faction variable."""
        u = self.unit
        m = self.model
        match name:
            case "fighters":
                return u.fighters
            case "strength":
                return u.fighters / u.initial_fighters if u.initial_fighters else 0.0
            case "morale":
                return u.morale
            case "quality":
                return u.quality
            case "besieged":
                return bool(m.besieged[u.node]) and u.dest < 0
            case "supplied":
                return bool(m.supplied[u.node])
            case "in_battle":
                return u.in_battle
            case "strength_ratio":
                return m.sense.strength_ratio(u.faction, u.node)
        return super().var(name)

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """Value of a function call, seen from this unit."""
        return self.model.sense.call(self.faction, self.unit, name, args)
