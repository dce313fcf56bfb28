"""The actors: factions and the relations between them, and their units (Mesa agents).

:class:`Relations` owns who fights whom; :class:`Faction` is a faction's fixed description
(its friends and enemies are read from the relations); :class:`Forces` owns the units on the
map, each a :class:`Unit` (a Mesa ``CellAgent`` on the town network).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import mesa
import numpy as np
from mesa.discrete_space import Cell, CellAgent, Network
from mesa.discrete_space.cell_agent import HasCell

from sim.rules import CompiledRule
from sim.scenario.schema import GarrisonPolicy
from sim.world import Field, World

__all__ = ["RELATIONS", "Faction", "Forces", "Relations", "Unit"]

#: The relations two factions can have; a faction's relation to itself is "self".
RELATIONS = ("allied", "neutral", "hostile")


class Relations:
    """The symmetric relation table between factions, by faction number.

    Args:
        ids: faction ids, by faction number.
        pairs: (id, id, relation) triples, in either order (a later one wins); pairs not
            named are hostile.

    Attributes:
        hostile: bool (k, k): the two factions fight each other.
        friends: per faction, the faction numbers it never fights (itself and its allies).
        enemies: per faction, the faction numbers it is hostile to.
        enemy_rows: per faction, ``sorted(enemies[f])`` (rows of per-faction tables).
        friend_of: bool (k, k + 1): ``friend_of[f][c]`` is whether faction ``c`` is ``f`` or an
            ally; the last column (index -1) is nobody. A lookup by controller array costs ~1 us
            where ``np.isin`` costs ~20 us.
        enemy_of: bool (k, k + 1): as ``friend_of``, for factions hostile to ``f``
            (``enemy_of[f][controller]``: the towns its enemies hold).

    Examples:
        >>> r = Relations(["a", "b", "c"], [("a", "b", "allied")])
        >>> sorted(r.friends[0]), sorted(r.enemies[0])
        ([0, 1], [2])
        >>> r.set("b", "c", "neutral").relation(2, 1)
        'neutral'
    """

    def __init__(self, ids: Sequence[str], pairs: Iterable[tuple[str, str, str]]) -> None:
        self.ids = list(ids)
        self.index = {f: i for i, f in enumerate(self.ids)}
        k = len(self.ids)
        self._table = np.full((k, k), "hostile", dtype=object)
        for a, b, rel in pairs:
            i, j = self.index[a], self.index[b]
            self._table[i, j] = self._table[j, i] = rel
        np.fill_diagonal(self._table, "self")
        self._derive()

    def _derive(self) -> None:
        t = self._table
        k = len(self.ids)
        self.hostile: np.ndarray = t == "hostile"
        self.friends: list[frozenset[int]] = [
            frozenset(j for j in range(k) if t[i, j] in ("self", "allied")) for i in range(k)
        ]
        self.enemies: list[frozenset[int]] = [
            frozenset(j for j in range(k) if t[i, j] == "hostile") for i in range(k)
        ]
        self.enemy_rows: list[list[int]] = [sorted(e) for e in self.enemies]
        self.friend_of = np.zeros((k, k + 1), dtype=bool)
        for i in range(k):
            self.friend_of[i, sorted(self.friends[i])] = True
        self.enemy_of = np.zeros((k, k + 1), dtype=bool)
        self.enemy_of[:, :k] = self.hostile

    def relation(self, a: int, b: int) -> str:
        """"self", "allied", "neutral" or "hostile"."""
        return str(self._table[a, b])

    def set(self, a: str, b: str, relation: str) -> Relations:
        """Change the relation of two factions (both ways); returns self."""
        i, j = self.index[a], self.index[b]
        if i == j or relation not in RELATIONS:
            raise ValueError(f"cannot set the relation of {a!r} and {b!r} to {relation!r}")
        self._table[i, j] = self._table[j, i] = relation
        self._derive()
        return self


@dataclass
class Faction:
    """A faction's fixed description.

    Attributes:
        index: its faction number.
        id, name, colour: as in the scenario.
        relations: the run's relation table (``friends`` and ``enemies`` read it).
        sources: town numbers its supply comes from (empty: no supply model, never besieged).
        objectives: (town number, priority) pairs its ``advance`` rules aim at.
        unit_rules, faction_rules: its compiled rules, in order.
        garrison_quality, garrison_morale: of the garrisons it leaves and starts with.
        garrison_policy: how many fighters it leaves in a captured town (None: the
            scenario's ``occupation_share``), see ``sim.forcegen``.
        objective_tags: per objective, the unit tags it is an objective for (empty: every
            unit); an empty list when no objective has tags.
    """

    index: int
    id: str
    name: str
    colour: str
    relations: Relations = field(repr=False)
    sources: np.ndarray
    objectives: list[tuple[int, float]]
    unit_rules: list[CompiledRule]
    faction_rules: list[CompiledRule]
    garrison_quality: float
    garrison_morale: float
    garrison_policy: GarrisonPolicy | None = None
    objective_tags: list[frozenset[str]] = field(default_factory=list)

    #: (the list ``unit_rules`` was, whether it holds a ``raid`` rule), for ``raids``
    _raids: tuple[list[CompiledRule] | None, bool] = field(
        default=(None, False), init=False, repr=False, compare=False)

    #: tags -> objectives_for(tags), for the list ``objective_tags`` was when they were found
    _for_tags: tuple[list[frozenset[str]] | None, dict[frozenset[str], tuple[int, ...]]] = field(
        default=(None, {}), init=False, repr=False, compare=False)

    def objectives_for(self, tags: frozenset[str]) -> tuple[int, ...]:
        """Positions in ``objectives`` of those for a unit with ``tags``.

        The untagged objectives, and the tagged ones that share a tag with the unit. Kept per
        set of tags while ``objective_tags`` is the same list (a timeline ``set`` of the
        objectives puts a new one in its place).
        """
        owner, kept = self._for_tags
        if owner is not self.objective_tags:
            kept = {}
            self._for_tags = (self.objective_tags, kept)
        found = kept.get(tags)
        if found is None:
            found = kept[tags] = tuple(
                i for i, want in enumerate(self.objective_tags)
                if not want or not want.isdisjoint(tags))
        return found

    @property
    def raids(self) -> bool:
        """Whether one of its unit rules is a ``raid`` rule.

        Kept while ``unit_rules`` is the same list (a timeline ``set`` of the rules puts a new
        one in its place).
        """
        owner, found = self._raids
        if owner is not self.unit_rules:
            found = any(r.action == "raid" for r in self.unit_rules)
            self._raids = (self.unit_rules, found)
        return found

    @property
    def friends(self) -> frozenset[int]:
        """Faction numbers it never fights: itself and its allies."""
        return self.relations.friends[self.index]

    @property
    def enemies(self) -> frozenset[int]:
        """Faction numbers it is hostile to."""
        return self.relations.enemies[self.index]


def _mesa_cells_as_known() -> bool:
    """Whether Mesa's cell move is the one ``Unit._move_cell`` repeats (checked once).

    Mesa 3.5's ``CellAgent.cell`` setter adds the agent to the new cell (``empty`` False,
    ``_agents.append``; no capacity check when the capacity is None), then removes it from
    the old one (``_agents.remove``, ``empty`` from ``is_empty``) and sets ``_mesa_cell``.
    Any other Mesa (another version, setter, methods or slots) gets the setter itself.
    """
    owner = next((k for k in CellAgent.__mro__ if "cell" in k.__dict__), None)
    return (
        mesa.__version__.split(".")[:2] == ["3", "5"]
        and owner is HasCell
        and isinstance(HasCell.__dict__["cell"], property)
        and {"_agents", "_empty", "capacity"} <= set(Cell.__slots__)
        and Cell.add_agent.__qualname__ == "Cell.add_agent"
        and Cell.remove_agent.__qualname__ == "Cell.remove_agent"
        and isinstance(Cell.__dict__.get("empty"), property)
        and isinstance(Cell.__dict__.get("is_empty"), property)
    )


#: Unit._move_cell does Mesa's cell move inline (see _mesa_cells_as_known)
INLINE_CELL_MOVE = _mesa_cells_as_known()


def cell_list(grid: Network) -> list[Cell]:
    """The grid's cells by town number, as ``grid[town]`` (made once per grid, kept on it)."""
    cells: list[Cell] | None = getattr(grid, "_frontline_cells", None)
    if cells is None:
        cells = [grid[town] for town in range(len(grid._cells))]
        grid._frontline_cells = cells
    return cells


class Unit(CellAgent):
    """A mobile force of one faction.

    It stands in a town (``cell`` is that town's cell and ``dest`` is -1) or is on a highway
    from the town ``node`` to ``dest``, ``progress`` effective km along it.

    Attributes:
        key, name: its id and name in the scenario.
        faction: its faction number.
        fighters: fighters now; ``initial_fighters`` at the start.
        authorised: its authorised strength (default: ``initial_fighters``); the rule
            variable ``strength`` is fighters / authorised.
        replacements: fighters a day replacing its losses, up to ``authorised``
            (``sim.forcegen``).
        quality: training and equipment, a multiplier of effectiveness (about 0.3-1.5).
        speed: effective km a day.
        morale: 0 (broken) to 1; it recovers towards ``base_morale``.
        order: the action it took today; ``entrenched`` whether that action digs in.
        in_battle: it fought today (read by tomorrow's rules as "fought yesterday").
        besieging: the town whose approach road it waits on (-1: none); then ``dest`` is it.
        came_from: the town it arrived from (where a broken unit falls back to).
        tags: the ids of its axis or role (the scenario's ``tags``).
        rule: the id of the rule that gave today's order ("" for the default hold).
        route: the route search its order followed today (None: it did not march).
        goal: the town it fights in when it did not march (-1: none).
    """

    # Its own attributes in slots: with some thirty of them in the instance dict, CPython's
    # attribute reads lose their specialised fast path (Mesa's own, and ``cell``, a property
    # of Mesa's, stay where Mesa keeps them).
    __slots__ = ("_cell_node", "_cells", "authorised", "base_morale", "besieging", "came_from",
                 "dest", "entrenched", "faction", "fighters", "goal", "grid", "in_battle",
                 "initial_fighters", "key", "morale", "name", "node", "order", "progress",
                 "quality", "replacements", "route", "rule", "speed", "tags", "world")

    def __init__(
        self,
        model: mesa.Model,
        grid: Network,
        world: World,
        key: str,
        name: str,
        faction: int,
        node: int,
        fighters: float,
        quality: float,
        speed: float,
        morale: float,
        authorised: float | None = None,
        replacements: float = 0.0,
        tags: Iterable[str] = (),
    ) -> None:
        super().__init__(model)
        self.grid = grid
        self.world = world
        self.key = key
        self.name = name
        self.faction = faction
        self.node = node
        self.dest = -1
        self.progress = 0.0
        self.fighters = float(fighters)
        self.initial_fighters = float(fighters)
        self.authorised = float(fighters) if authorised is None else float(authorised)
        self.replacements = float(replacements)
        self.quality = quality
        self.speed = speed
        self.morale = morale
        self.base_morale = morale
        self.order = "hold"
        self.in_battle = False
        self.entrenched = False
        self.besieging = -1
        self.came_from = node
        self.tags = frozenset(tags)
        self.rule = ""
        self.route: Field | None = None
        self.goal = -1
        self._cells = cell_list(grid)  # grid[town] by town number
        self.cell = self._cells[node]  # type: ignore[misc]  # Mesa's property, in its dict
        self._cell_node = node  # the town of ``cell`` (settle moves the cell only on a change)

    @property
    def strength(self) -> float:
        """Fighters now / authorised fighters (1.0 = full; 0 for a unit authorised none)."""
        return self.fighters / self.authorised if self.authorised else 0.0

    def arrive(self, town: int, move_cell: bool = True) -> None:
        """Finish a highway leg at ``town`` (which ends any wait on that road's approach).

        With ``move_cell=False`` the Mesa cell is left for the caller to update once the day's
        march is over (``settle``): a cell move costs ~10 us.
        """
        self.came_from = self.node
        self.node = town
        self.dest = -1
        self.progress = 0.0
        self.besieging = -1
        if move_cell:
            self._move_cell(town)

    def settle(self) -> None:
        """Put the Mesa cell where the unit is (after a march that passed through towns).

        Nothing to do when it is still in the town of its cell.
        """
        if self._cell_node != self.node:
            self._move_cell(self.node)

    def _move_cell(self, town: int) -> None:
        """``self.cell = grid[town]``: Mesa's setter, its steps inline when they are known.

        The same list operations in the same order on the same cells (the new cell's
        ``_agents`` appended to, then the old one's removed from), the same ``empty`` flags;
        the setter's six Python calls cost ~2.3 us a move at 100,000 towns, this ~1 us
        (about 9,000 moves a day there). tests/test_cellmove.py compares the two.
        """
        new = self._cells[town]
        self._cell_node = town
        old: Cell | None = self._mesa_cell  # type: ignore[has-type]
        if new is old:
            return
        if not INLINE_CELL_MOVE or new.capacity is not None or old is None:
            self.cell = new
            return
        new._empty = False
        new._agents.append(self)
        agents = old._agents
        agents.remove(self)
        old._empty = len(agents) == 0
        self._mesa_cell = new  # type: ignore[misc]  # Mesa's attribute, in its dict

    def position(self) -> tuple[float, float]:
        """(lat, lon) now, interpolated along the highway when travelling."""
        world = self.world
        if self.dest < 0:
            return float(world.lat[self.node]), float(world.lon[self.node])
        k = world.edge(self.node, self.dest)
        f = min(self.progress / world.eff_km[k], 1.0)
        lat = world.lat[self.node] + f * (world.lat[self.dest] - world.lat[self.node])
        lon = world.lon[self.node] + f * (world.lon[self.dest] - world.lon[self.node])
        return float(lat), float(lon)


class Forces:
    """The units on the map, in a fixed order (the scenario's; orders are given in it)."""

    def __init__(self) -> None:
        self.units: list[Unit] = []

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def add(self, unit: Unit) -> None:
        """Put a unit on the map (last in the order)."""
        self.units.append(unit)

    def remove(self, unit: Unit) -> None:
        """Take a destroyed or surrendered unit off the map (and out of Mesa's agents)."""
        self.units.remove(unit)
        unit.cell = None
        unit._cell_node = -1
        unit.remove()
