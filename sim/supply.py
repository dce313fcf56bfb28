"""Supply and sieges from graph connectivity: who can supply which town, which are besieged.

This module owns :class:`SupplyState` (who can supply which town, which held towns are
besieged, the airlift of each pocket) and the besiegers' tally (:class:`SiegeTally`): the one
place that counts the fighters waiting on each town's approach roads. What follows from it
(siege attrition, desertion, morale recovery) and conscription are in ``sim.attrition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from sim.agents import Faction, Relations, Unit
from sim.record import Recorder
from sim.sense import Sense
from sim.state import Roads, TownState
from sim.world import World

#: With more units than this, the highways hostile units stand on are found with arrays
#: (``cut_edges``); below it the plain loop costs less than the arrays' set-up.
MANY_UNITS = 64

__all__ = ["SiegeTally", "SupplyState", "compute_supply", "cut_edges"]


class SiegeTally:
    """Fighters of each faction besieging each town (waiting on one of its approach roads).

    Recounted from the units when supply is computed; the orders phase adds a unit that starts
    a siege during the day (``join``), so later units' odds count it.

    Examples:
        >>> t = SiegeTally()
        >>> t.join(3, 0, 100.0); t.join(3, 1, 50.0); t.join(4, 0, 7.0)
        >>> t.of_bloc(3, {0, 1}), t.of_bloc(3, {1}), t.of_bloc(5, {0})
        (150.0, 50.0, 0.0)
    """

    def __init__(self) -> None:
        self._fighters: dict[tuple[int, int], float] = {}

    def recount(self, units: Iterable[Unit]) -> None:
        """Count again from the units' ``besieging`` (in the units' order)."""
        self._fighters = {}
        for u in units:
            if u.besieging >= 0:
                self.join(u.besieging, u.faction, u.fighters)

    def join(self, town: int, faction: int, fighters: float) -> None:
        """A faction's unit of ``fighters`` starts waiting on the town's approach."""
        key = (town, faction)
        self._fighters[key] = self._fighters.get(key, 0.0) + fighters

    def of_bloc(self, town: int, factions: Iterable[int]) -> float:
        """Fighters of these factions besieging the town."""
        return sum(self._fighters.get((town, g), 0.0) for g in sorted(factions))

    def items(self) -> list[tuple[tuple[int, int], float]]:
        """((town, faction), fighters), sorted."""
        return sorted(self._fighters.items())


class SupplyState:
    """Which towns each faction can supply, and the sieges that follow, by town number.

    Attributes:
        reach: bool (faction, town): a supply path runs from one of the faction's sources.
        supplied: bool per town: its holder reaches it.
        besieged: bool per town: held, and its holder does not reach it.
        pocket_airlift: per town, the share of siege attrition an airlift spares its holder's
            pocket (the best airlift of any town of the pocket; 0 where not cut off).
        airlift: per town, the airlift share it has now (the scenario's, changed by the
            timeline).
        airlift_capacity: per town, the fighter-days of supply its air bridge flies in a day
            now (the scenario's, changed by the timeline); a pocket's share is then
            min(1, its towns' capacity / its besieged fighters), if larger than ``airlift``.
        besiegers: the besiegers' tally.
    """

    def __init__(
        self,
        factions: int,
        towns: int,
        airlift: np.ndarray | None = None,
        airlift_capacity: np.ndarray | None = None,
    ) -> None:
        self.airlift = np.zeros(towns) if airlift is None else airlift.copy()
        self.airlift_capacity = (
            np.zeros(towns) if airlift_capacity is None else airlift_capacity.copy()
        )
        self.reach = np.zeros((factions, towns), dtype=bool)
        self.supplied = np.zeros(towns, dtype=bool)
        self.besieged = np.zeros(towns, dtype=bool)
        self.pocket_airlift = np.zeros(towns)
        self.besiegers = SiegeTally()
        #: town numbers 0..towns-1, and a row of False (the reach of nobody): lookups by town
        self.town_numbers = np.arange(towns)
        self.nobody = np.zeros(towns, dtype=bool)
        # faction -> ((passable towns, usable highways), (reached, component labels))
        self._cache: dict[int, tuple[tuple[bytes, bytes], tuple[np.ndarray, np.ndarray]]] = {}
        # ((control version, closed highways), passable (faction, town), open highways with
        # both ends passable (faction, highway)): see compute_supply
        self._passable: tuple[tuple[int, bytes], np.ndarray, np.ndarray] | None = None
        # faction -> ((control version, its search's key, airlift, capacity), (its besieged
        # towns, their airlift shares)): see _pocket_airlift
        self._pockets: dict[int, tuple[tuple[Any, ...], tuple[np.ndarray, np.ndarray]]] = {}


def cut_edges(
    supply: SupplyState,
    world: World,
    towns: TownState,
    units: Sequence[Unit],
    relations: Relations,
    sense: Sense,
    invest_ratio: float,
) -> np.ndarray:
    """Bool (faction, highway): highways closed to each faction's supply by the war today.

    A highway is closed to a faction when a unit hostile to it stands on the highway, or when
    it leads into a town of the faction's bloc that hostile besiegers have invested (their
    fighters at least ``invest_ratio`` times the town's defenders). Recounts the besiegers.
    Highways the timeline closes to everyone (``roads``) are not in it: ``compute_supply``
    takes those from the open highways it keeps between changes.
    """
    w = world
    k = len(relations.ids)
    hostile = relations.hostile
    cut = np.zeros((k, w.m), dtype=bool)
    on_road = [u for u in units if u.dest >= 0]
    if len(units) > MANY_UNITS:
        # cut[f, e]: a unit of a faction hostile to f stands on highway e (the units on a
        # road looked up at once, the cut set by index: the product's booleans)
        if on_road:
            edge = w.edges(np.array([u.node for u in on_road], dtype=np.int64),
                           np.array([u.dest for u in on_road], dtype=np.int64))
            f_cut, unit = np.nonzero(hostile[:, [u.faction for u in on_road]])
            cut[f_cut, edge[unit]] = True
    else:
        # the same cells one by one, each unit's highway looked up in the dict (~1 us a unit
        # where the arrays' set-up costs ~15 us): the factions hostile to a unit's are its
        # enemies
        enemy_rows = relations.enemy_rows
        for u in on_road:
            e = w.edge(u.node, u.dest)
            for f in enemy_rows[u.faction]:
                cut[f, e] = True
    supply.besiegers.recount(units)
    besiegers = supply.besiegers.items()
    if besiegers:
        tf = sense.defenders()  # units marching away do not defend the town
        for (town, b), fighters in besiegers:
            holder = towns.controller[town]
            if holder < 0 or not hostile[b, holder]:
                continue
            defenders = tf[sorted(relations.friends[holder]), town].sum()
            if fighters >= invest_ratio * defenders:
                edges = w.nbr_edge[w.nbr_ptr[town] : w.nbr_ptr[town + 1]]
                for f in relations.friends[holder]:
                    if hostile[b, f]:
                        cut[f, edges] = True
    return cut


def compute_supply(
    supply: SupplyState,
    world: World,
    towns: TownState,
    units: Sequence[Unit],
    factions: Sequence[Faction],
    relations: Relations,
    sense: Sense,
    invest_ratio: float,
    record: Recorder,
    roads: Roads | None = None,
) -> None:
    """Recompute which towns each faction can supply, and which held towns are besieged.

    Sets ``reach``, ``supplied``, ``besieged`` and ``pocket_airlift`` of ``supply`` and
    recounts its besiegers; emits siege_start / siege_lifted events (a siege is lifted when
    supply returns to a town its holder held at dawn).
    """
    w = world
    cut = cut_edges(supply, world, towns, units, relations, sense, invest_ratio)
    ctrl = towns.controller
    # passable[f]: towns of f's bloc; open_ends[f]: open highways between two of them (kept
    # while control, relations and the closed highways stay the same: a change of control
    # or relations bumps the version)
    closed = roads.closed.tobytes() if roads is not None else b""
    if supply._passable is None or supply._passable[0] != (towns.version, closed):
        # row by row: a lookup of a whole (faction, town) table costs 5-7x as much
        passable = np.array([row[ctrl] for row in relations.friend_of])
        open_ends = np.array([row[w.eu] & row[w.ev] for row in passable])
        if roads is not None:
            open_ends &= ~roads.closed
        supply._passable = ((towns.version, closed), passable, open_ends)
    _, passable, open_ends = supply._passable
    # the highways a faction's supply can use: a cut highway with a town of another bloc at
    # an end was no supply line anyway; the search is a function of the passable towns and
    # these highways, and is reused while both stay the same (a capture elsewhere changes
    # neither)
    usable = open_ends & ~cut
    rows = []
    for f in factions:
        key = (passable[f.index].tobytes(), usable[f.index].tobytes())
        cached = supply._cache.get(f.index)
        if cached is not None and cached[0] == key:
            found = cached[1]
        else:
            if len(f.sources) == 0:  # no supply model for this faction: never besieged
                found = passable[f.index].copy(), np.zeros(w.n, dtype=np.int64)
            else:
                found = w.reachable(passable[f.index], usable[f.index], f.sources)
            supply._cache[f.index] = (key, found)
        rows.append(found[0])
    # one row more, all False, for nobody: ``reach_or_none[ctrl, town]`` is then whether
    # each town's holder reaches it (False where nobody holds it), in one lookup
    rows.append(supply.nobody)
    reach_or_none = np.array(rows)
    reach = reach_or_none[:-1]
    supplied = reach_or_none[ctrl, supply.town_numbers]
    besieged = (ctrl >= 0) ^ supplied  # held and not supplied (a supplied town is held)
    airlift = np.zeros(w.n)
    if besieged.any():
        for fi in sorted(set(ctrl[besieged].tolist())):
            own_cut_off, share = _pocket_airlift(supply, towns, units, fi, besieged)
            airlift[own_cut_off] = share
    previously = supply.besieged
    supply.reach, supply.supplied, supply.besieged, supply.pocket_airlift = (
        reach,
        supplied,
        besieged,
        airlift,
    )
    if not (besieged ^ previously).any():
        return  # no siege started or ended
    for t in np.nonzero(besieged & ~previously)[0]:
        f = factions[ctrl[t]]
        record.emit(
            "siege_start",
            f.id,
            int(t),
            "",
            "cut off from supply",
            f"{w.names[t]} ({f.name}) is besieged: cut off from supply",
        )
    held = ctrl >= 0
    for t in np.nonzero(previously & ~besieged & held & (ctrl == towns.dawn_controller))[0]:
        f = factions[ctrl[t]]
        record.emit(
            "siege_lifted",
            f.id,
            int(t),
            "",
            "supply path restored",
            f"siege of {w.names[t]} ({f.name}) is lifted",
        )


def _pocket_airlift(
    supply: SupplyState,
    towns: TownState,
    units: Sequence[Unit],
    faction: int,
    besieged: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The faction's besieged towns (bool per town) and the airlift share of each.

    A town's share is the best airlift of any town of its pocket, or what the pocket's air
    bridges can carry (``_capacity_share``) if more. Without air bridges in them, the towns
    and shares are kept while control (which towns are its own), the faction's supply search
    (its cut-off towns and their pockets) and the airlift stay the same; with them, the shares
    follow the fighters.
    """
    search, (_, labels) = supply._cache[faction]
    key = (towns.version, search, supply.airlift.tobytes(), supply.airlift_capacity.tobytes())
    kept = supply._pockets.get(faction)
    if kept is not None and kept[0] == key:
        return kept[1]
    own_cut_off = besieged & (towns.controller == faction)
    by_label = np.zeros(labels.max() + 1)
    np.maximum.at(by_label, labels[own_cut_off], supply.airlift[own_cut_off])
    bridged = bool(supply.airlift_capacity[own_cut_off].any())
    if bridged:
        by_label = np.maximum(
            by_label, _capacity_share(supply, towns, units, faction, own_cut_off, labels)
        )
    found = own_cut_off, by_label[labels[own_cut_off]]
    if not bridged:
        supply._pockets[faction] = (key, found)
    return found


def _capacity_share(
    supply: SupplyState,
    towns: TownState,
    units: Sequence[Unit],
    faction: int,
    cut_off: np.ndarray,
    labels: np.ndarray,
) -> np.ndarray:
    """Per pocket label: min(1, airlift capacity / besieged fighters) of a faction's pockets.

    The besieged fighters of a pocket are the garrisons of the faction's cut-off towns in it
    and the faction's units standing in them; a pocket with capacity and no fighters gets 1.
    """
    size = int(labels.max()) + 1
    capacity = np.zeros(size)
    need = np.zeros(size)
    idx = np.nonzero(cut_off)[0]
    np.add.at(capacity, labels[idx], supply.airlift_capacity[idx])
    np.add.at(need, labels[idx], towns.garrison[idx])
    for u in units:
        if u.faction == faction and u.dest < 0 and cut_off[u.node]:
            need[labels[u.node]] += u.fighters
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(need > 0, capacity / np.maximum(need, 1e-12), (capacity > 0) * 1.0)
    return np.minimum(share, 1.0)
