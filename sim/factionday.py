"""One faction's values for its units' rule conditions during one orders phase.

The closures that ``sim.unitrules`` compiles take ``(unit, env)``: the unit's attributes are
read directly, and what is the same for all of a faction's units in the phase comes from its
:class:`FactionDay` (control, the day, the statistics, the strength ratios once asked).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sim.agents import Unit
from sim.sense import Sense
from sim.supply import SupplyState

__all__ = ["FactionDay", "UnitFn"]


class FactionDay:
    """One faction's values for its units' conditions during one orders phase.

    Args:
        faction: the faction number.
        day: days since the start.
        stats: the faction's statistics as last recorded (``Recorder.stats``).
        sense: the shared perception.
        supply: the supply state (``besieged`` and ``supplied``).
    """

    __slots__ = ("day", "faction", "fday", "held", "index", "memo", "ratio_at", "sense",
                 "stats", "supply")

    def __init__(
        self, faction: int, day: int, stats: Mapping[str, Any], sense: Sense, supply: SupplyState
    ) -> None:
        self.faction = faction
        self.day = day
        self.fday = float(day)
        self.stats = stats
        self.sense = sense
        self.supply = supply
        self.index = sense.world.index
        #: ``strength_ratio`` at a town: Sense.ratio_lookup's function once asked (the Sense
        #: fixes the ratios at the first question), one call a question
        self.ratio_at: Callable[[int], float] = self._first_ratio
        self.held: dict[str, bool] = {}  # town id -> holds(town), once asked
        self.memo: dict[int, bool] = {}  # place of a unit-free rule -> its condition's truth

    def _first_ratio(self, node: int) -> float:
        r = self.ratio_at = self.sense.ratio_lookup(self.faction)
        return r(node)

    def holds(self, town: str) -> bool:
        """``holds(town)``: as the Sense answers it (control is fixed during the phase)."""
        v = self.held.get(town)
        if v is None:
            v = self.held[town] = self.sense.call(self.faction, None, "holds", (town,))
        return v


UnitFn = Callable[[Unit, FactionDay], Any]
