"""River crossings at run time: which start closed, engineers who open them, assaults over them.

A river (``rivers:`` in the scenario) is crossed only at its crossings, highways of the map
(``World.crossings``). Whether a crossing is open is ``Roads.closed`` (no movement, no supply),
set at the start from each crossing's ``open``, then changed by the timeline
(``open_crossings`` / ``close_crossings``) and by engineers: this module owns
:class:`Bridging`, the work of units under a ``do: bridge`` rule, and
:func:`crossing_defence`, the defence multiplier against attackers who came over a crossing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.agents import Faction, Relations, Unit
from sim.record import Recorder
from sim.rules import CompiledRule
from sim.state import Roads, TownState
from sim.world import World

__all__ = ["Bridging", "closed_at_start", "crossing_defence"]


def closed_at_start(world: World) -> np.ndarray:
    """Bool per highway: the crossings declared ``open: false`` (the initial ``Roads.closed``)."""
    closed = np.zeros(world.m, dtype=bool)
    for k, crossing in world.crossings.items():
        closed[k] = not crossing.open
    return closed


def crossing_defence(
    world: World,
    town: int,
    attackers: list[Unit],
    default: float,
    origins: list[int] | None = None,
) -> float:
    """Defence multiplier of ``town``'s defenders against one group of attackers.

    An attacker came over a crossing when its approach road (the highway from the town it
    came from, ``came_from``, to ``town``) is a river crossing; against it the defenders count
    the crossing's ``defence`` (or ``default``, ``simulation.combat.crossing_defence``). The
    group's multiplier is the fighter-weighted harmonic mean over its units (as if each
    unit's effectiveness were divided by its own), exactly 1.0 when none came over a crossing.
    ``origins`` (per unit) replaces ``came_from`` as the town attacked from: the rule
    language's ``odds`` asks it of units not yet in the battle (``sim.odds``).
    """
    if not world.crossings:
        return 1.0
    # in Python floats (a unit's fighters are often np.float64, whose arithmetic costs ~3x):
    # the same operations in the same order give the same doubles
    total = spared = 0.0
    across = False
    crossings, edge = world.crossings, world.edge
    for i, u in enumerate(attackers):
        origin = u.came_from if origins is None else origins[i]
        crossing = crossings.get(edge(origin, town))
        fighters = float(u.fighters)
        total += fighters
        if crossing is not None:
            across = True
            spared += fighters / (default if crossing.defence is None else crossing.defence)
        else:
            spared += fighters  # (fighters / 1.0: the same double)
    return total / spared if across and spared > 0 else 1.0


@dataclass
class _Work:
    """One unit's work on a crossing: where, the last day worked, days in a row so far."""

    crossing: str
    town: int
    last_day: int
    days: int


class Bridging:
    """Engineers' work on closed crossings (``do: bridge``), by unit.

    A unit works on a day when it starts its order standing at an end of the crossing that its
    bloc holds; the days count in a row (a day spent elsewhere, marching or in battle, starts
    the count again). On the day the count reaches the rule's ``days`` the crossing opens, at
    the end of the orders phase (``finish_day``), so every unit of that phase routed on the
    same roads and the next day's searches see it open.

    Args:
        world: the map.
        record: where the start and completion of the work are logged (``crossing`` events).

    Attributes:
        work: unit key -> its work in progress.
        opened: highway numbers whose work completed today (opened by ``finish_day``).
    """

    def __init__(self, world: World, record: Recorder) -> None:
        self.world = world
        self.record = record
        self.work: dict[str, _Work] = {}
        self.opened: list[int] = []

    def held_ends(
        self, crossing: str, faction: int, towns: TownState, relations: Relations
    ) -> list[int]:
        """The crossing's ends held by the faction's bloc (town numbers, in highway order)."""
        w = self.world
        k = w.crossing_edge[crossing]
        friendly = relations.friend_of[faction]
        return [int(t) for t in (w.eu[k], w.ev[k]) if friendly[towns.controller[t]]]

    def usable(
        self, unit: Unit, towns: TownState, relations: Relations, roads: Roads,
        rule: CompiledRule,
    ) -> bool:
        """Whether a rule can give the unit its order.

        A ``bridge`` rule can only while its crossing is closed and an end of it is held by
        the unit's bloc; every other rule can.
        """
        if rule.action != "bridge":
            return True
        crossing = rule.params["crossing"]
        return bool(roads.closed[self.world.crossing_edge[crossing]]) and bool(
            self.held_ends(crossing, unit.faction, towns, relations))

    def work_day(self, unit: Unit, params: dict[str, Any], day: int, faction: Faction) -> None:
        """A day of the unit's work at the end of the crossing where it stands.

        Logs the start and the completion of the work (``crossing`` events).
        """
        w = self.world
        cid, need = str(params["crossing"]), int(params["days"])
        k = w.crossing_edge[cid]
        name = w.crossings[k].name or f"the crossing {cid}"
        who = unit.name if unit.name.casefold().startswith(faction.name.casefold()) else (
            f"{faction.name}'s {unit.name}")
        job = self.work.get(unit.key)
        if job is not None and (job.crossing, job.town, job.last_day) == (cid, unit.node, day - 1):
            job.last_day, job.days = day, job.days + 1
        else:
            job = self.work[unit.key] = _Work(cid, unit.node, day, 1)
            self.record.emit("crossing", faction.id, unit.node, "", f"{cid} building",
                        f"{who} starts building {name} at {w.names[unit.node]} "
                        f"({need} day{'s' if need != 1 else ''})")
        if job.days >= need and k not in self.opened:
            self.opened.append(k)
            self.record.emit("crossing", faction.id, unit.node, "", f"{cid} opened",
                        f"{who} opens {name} at {w.names[unit.node]} after {job.days} "
                        f"day{'s' if job.days != 1 else ''} of work")

    def finish_day(self, roads: Roads, towns: TownState) -> None:
        """Open the crossings whose work completed today (bumps ``towns.version``)."""
        if not self.opened:
            return
        for k in self.opened:
            roads.closed[k] = False
        done = {self.world.crossings[k].id for k in self.opened}
        self.work = {key: job for key, job in self.work.items() if job.crossing not in done}
        self.opened = []
        towns.bump()
