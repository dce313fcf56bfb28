"""What rule conditions are evaluated against: a faction's or a unit's values of today.

The rule language's variables and functions (``sim.scenario.expr``) are answered here, from
the recorder's statistics, the supply state and the shared :class:`~sim.sense.Sense`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.agents import Unit
from sim.scenario.expr import TAG_FUNCTIONS
from sim.sense import Sense
from sim.supply import SupplyState

__all__ = ["FACTION_VARIABLES", "FactionContext", "UnitContext"]

#: The rule language's faction-wide variables -> the recorder's statistic (sim.record).
FACTION_VARIABLES = {
    "towns_held": "towns",
    "population_held": "population",
    "faction_fighters": "fighters",
    "casualties": "casualties",
    "besieged_towns": "besieged_towns",
}


class FactionContext:
    """Faction-wide values for conditions.

    Args:
        faction: the faction number.
        day: days since the start.
        stats: the faction's statistics as last recorded (``Recorder.stats``).
        sense: the shared perception.
    """

    def __init__(self, faction: int, day: int, stats: Mapping[str, Any], sense: Sense) -> None:
        self.faction = faction
        self.day = day
        self.stats = stats
        self.sense = sense

    def var(self, name: str) -> Any:
        """Value of a faction-wide variable."""
        if name == "day":
            return self.day
        return self.stats[FACTION_VARIABLES[name]]

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """Value of a function call."""
        if name in TAG_FUNCTIONS:
            return self._tag_call(name, args[0])
        return self.sense.call(self.faction, None, name, args)

    def _tag_call(self, name: str, tag: str) -> Any:
        """``units_tagged`` / ``fighters_tagged``: the faction's units on the map with ``tag``."""
        mine = [u for u in self.sense.forces if u.faction == self.faction and tag in u.tags]
        return float(len(mine) if name == "units_tagged" else sum(u.fighters for u in mine))


class UnitContext(FactionContext):
    """Values for a unit's conditions: its own state plus its faction's.

    Args:
        unit: the unit.
        day, stats, sense: as for :class:`FactionContext`.
        supply: the supply state (``besieged`` and ``supplied``).
    """

    def __init__(
        self, unit: Unit, day: int, stats: Mapping[str, Any], sense: Sense, supply: SupplyState
    ) -> None:
        super().__init__(unit.faction, day, stats, sense)
        self.unit = unit
        self.supply = supply

    def var(self, name: str) -> Any:
        """Value of a unit or faction variable."""
        u = self.unit
        match name:
            case "fighters":
                return u.fighters
            case "strength":
                return u.strength
            case "morale":
                return u.morale
            case "quality":
                return u.quality
            case "besieged":
                return bool(self.supply.besieged[u.node]) and u.dest < 0
            case "supplied":
                return bool(self.supply.supplied[u.node])
            case "in_battle":
                return u.in_battle
            case "strength_ratio":
                return self.sense.strength_ratio(u.faction, u.node)
            case "target_odds":
                return self.sense.odds_source().target(u)
        return super().var(name)

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """Value of a function call, seen from this unit."""
        if name == "tagged":
            return args[0] in self.unit.tags
        if name in TAG_FUNCTIONS:
            return self._tag_call(name, args[0])
        return self.sense.call(self.faction, self.unit, name, args)
