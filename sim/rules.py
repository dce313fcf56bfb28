"""The values rule conditions are evaluated against (rules compiled at load: scenario.compiled)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# compiled rules are a product of loading; re-exported here for the model's modules
from sim.scenario.compiled import CompiledRule, compile_rules

if TYPE_CHECKING:
    from sim.agents import Unit
    from sim.model import TerritoryModel

__all__ = ["CompiledRule", "FactionContext", "UnitContext", "compile_rules"]


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
