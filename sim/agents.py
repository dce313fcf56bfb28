"""The actors: factions (plain state) and their units (Mesa agents on the town network)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from mesa.discrete_space import CellAgent

from sim.rules import CompiledRule

if TYPE_CHECKING:
    from sim.model import TerritoryModel

__all__ = ["Faction", "Unit"]


@dataclass
class Faction:
    """A faction's fixed description and running totals.

    ``friends`` holds the faction numbers it never fights (itself and its allies);
    ``enemies`` those it is hostile to. Totals are in fighters.
    """

    index: int
    id: str
    name: str
    colour: str
    friends: frozenset[int]
    enemies: frozenset[int]
    sources: np.ndarray
    objectives: list[tuple[int, float]]
    unit_rules: list[CompiledRule]
    faction_rules: list[CompiledRule]
    garrison_quality: float
    garrison_morale: float
    initial: float = 0.0
    recruited: float = 0.0
    casualties: float = 0.0
    deserted: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)


class Unit(CellAgent):
    """A mobile force of one faction.

    It stands in a town (``cell`` is that town's cell and ``dest`` is -1) or is on a highway
    from the town ``node`` to ``dest``, ``progress`` effective km along it.
    """

    def __init__(
        self,
        model: TerritoryModel,
        key: str,
        name: str,
        faction: int,
        node: int,
        fighters: float,
        quality: float,
        speed: float,
        morale: float,
    ):
        super().__init__(model)
        self.key = key
        self.name = name
        self.faction = faction
        self.node = node
        self.dest = -1
        self.progress = 0.0
        self.fighters = float(fighters)
        self.initial_fighters = float(fighters)
        self.quality = quality
        self.speed = speed
        self.morale = morale
        self.base_morale = morale
        self.order = "hold"
        self.in_battle = False
        self.entrenched = False
        self.besieging = -1
        self.came_from = node
        self.cell = model.grid[node]

    def arrive(self, town: int, move_cell: bool = True) -> None:
        """Finish a highway leg at ``town`` (which ends any wait on that road's approach).

        With ``move_cell=False`` the Mesa cell is left for the caller to update once the day's
        march is over (see ``sim.orders.travel``): a cell move costs ~10 us.
        """
        self.came_from = self.node
        self.node = town
        self.dest = -1
        self.progress = 0.0
        self.besieging = -1
        if move_cell:
            self.cell = self.model.grid[town]

    def position(self) -> tuple[float, float]:
        """(lat, lon) now, interpolated along the highway when travelling."""
        world = self.model.world
        if self.dest < 0:
            return float(world.lat[self.node]), float(world.lon[self.node])
        k = world.edge(self.node, self.dest)
        f = min(self.progress / world.eff_km[k], 1.0)
        lat = world.lat[self.node] + f * (world.lat[self.dest] - world.lat[self.node])
        lon = world.lon[self.node] + f * (world.lon[self.dest] - world.lon[self.node])
        return float(lat), float(lon)
