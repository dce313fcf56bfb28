"""The towns' state and the factions' running totals: arrays indexed by town or faction number.

Town numbers are the order of ``scenario.towns`` (as in :class:`sim.world.World`); faction
numbers the order of ``scenario.factions``; -1 means nobody. The phases of the day change these
arrays in place; :meth:`TownState.set_controller` is the one way a town changes hands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Ledger", "Roads", "TownState", "closed_by_day", "closure_changes"]


@dataclass
class TownState:
    """Who holds each town and what is in it, by town number.

    Attributes:
        controller: faction number holding the town (-1: nobody); int64.
        version: bumped at every change of hands, and by ``bump`` when relations or roads
            change: the caches of routes and supply key on it.
        dawn_controller: ``controller`` as it was at the start of the day.
        population: people living there now.
        men_initial: fighting-age men at the start (the cap of conscription is a share of it).
        garrison: fighters of the holder tied to the town (not a unit; they never move).
        garrison_quality: the garrison's quality (the unit's ``quality`` analogue).
        garrison_morale: the garrison's morale, 0 (broken) to 1.
        conscripts: conscripted fighters still in the garrison (they may desert).
        conscripted: men conscripted there over the run (the cap counts them).
        desert_rate: share of the conscripts deserting a day.
    """

    controller: np.ndarray
    population: np.ndarray
    men_initial: np.ndarray
    garrison: np.ndarray
    garrison_quality: np.ndarray
    garrison_morale: np.ndarray
    conscripts: np.ndarray
    conscripted: np.ndarray
    desert_rate: np.ndarray
    version: int = 0
    dawn_controller: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        self.dawn_controller = self.controller.copy()

    @property
    def n(self) -> int:
        """Number of towns."""
        return len(self.controller)

    def set_controller(self, town: int, faction: int) -> None:
        """The town changes hands (bumps ``version``)."""
        self.controller[town] = faction
        self.version += 1

    def bump(self) -> None:
        """Something the route and supply caches depend on changed (relations, roads)."""
        self.version += 1

    def start_day(self) -> None:
        """Remember who held what at dawn (a siege is lifted only where the holder kept it)."""
        self.dawn_controller = self.controller.copy()


@dataclass
class Ledger:
    """Each faction's running totals, in fighters (men for ``recruited``), by faction number.

    Fighters are conserved per faction: ``initial + recruited + arrived + replaced == now +
    casualties + deserted + withdrawn`` (tests/test_invariants.py checks it every day).

    Attributes:
        initial: fighters at the start (garrisons plus units).
        casualties: fighters killed or captured so far.
        deserted: conscripts who deserted so far.
        recruited: men conscripted so far.
        arrived: fighters of units that arrived by the timeline, and of reinforcement
            flows (``sim.forcegen``), so far.
        withdrawn: fighters of units the timeline withdrew so far.
        replaced: fighters added to units by replacement of losses so far (``sim.forcegen``).
    """

    initial: np.ndarray
    casualties: np.ndarray
    deserted: np.ndarray
    recruited: np.ndarray
    arrived: np.ndarray
    withdrawn: np.ndarray
    replaced: np.ndarray

    @classmethod
    def zeros(cls, factions: int) -> Ledger:
        """Empty totals for ``factions`` factions."""
        return cls(*(np.zeros(factions) for _ in range(7)))


@dataclass
class Roads:
    """Highways the timeline has closed to everyone (a bridge blown), by highway number.

    Attributes:
        closed: bool per highway; a closed highway carries neither movement nor supply.
    """

    closed: np.ndarray

    @property
    def any_closed(self) -> bool:
        """Whether any highway is closed (the common case, none, costs nothing).

        ``closed.any()`` of the bool array: some byte of it is not zero (its bytes compared
        with as many zero bytes, a quarter of the instructions of the reduction).
        """
        raw = self.closed.tobytes()
        return raw != bytes(len(raw))


def closure_changes(closed: np.ndarray) -> list[list[int]]:
    """``[day, highway, 1|0]`` from a ``(days + 1, highways)`` matrix (as ``Recorder.closures``)."""
    if not closed.size:
        return []
    out = [[0, int(k), 1] for k in np.flatnonzero(closed[0])]
    days, roads = np.nonzero(closed[1:] != closed[:-1])
    out += [[int(d) + 1, int(k), int(closed[d + 1, k])] for d, k in zip(days, roads, strict=True)]
    return out


def closed_by_day(changes: list[list[int]], days: int, highways: int) -> np.ndarray:
    """The ``(days + 1, highways)`` matrix of ``Recorder.closures``; (0, 0) when there are none."""
    if not changes:
        return np.zeros((0, 0), dtype=bool)
    out = np.zeros((days + 1, highways), dtype=bool)
    for day, k, value in sorted(changes):
        out[int(day):, int(k)] = bool(value)
    return out
