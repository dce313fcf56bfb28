"""One unit's march along a route field for a day, and the marches put off until seen.

``sim.orders`` chooses each unit's order and its route field; the march itself (legs along
the field's next hops, stops in contested towns, a besieger's assault check and stand-off)
is here, with the queue of marches that wait to be made together on arrays
(``sim.marchvec``) and the state of the phase they read (:class:`Phase`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from sim.agents import Faction, Relations, Unit
from sim.constants import BESIEGE_STANDOFF, MAX_LEGS
from sim.marchvec import VECTOR_MARCH_UNITS, march_many
from sim.routes import Routes
from sim.sense import Sense
from sim.state import TownState
from sim.supply import SupplyState
from sim.world import Field, World

__all__ = ["Phase", "blocked", "flush", "hold", "march", "travel"]


@dataclass(frozen=True)
class Phase:
    """What the orders phase reads and changes (one per call of ``sim.orders.give_orders``)."""

    world: World
    towns: TownState
    factions: Sequence[Faction]
    relations: Relations
    supply: SupplyState
    sense: Sense
    routes: Routes
    day: int
    priority_km: float
    edge_open: np.ndarray | None  # bool per highway, None when none is closed
    hostile_held: dict[int, np.ndarray]  # faction -> bool per town held by its enemies
    #: marches put off until something could see them (None: every march at once)
    #: (unit, its field; None: marched already, its cell still to move)
    queue: list[tuple[Unit, Field | None]] | None = None
    #: faction -> town -> ``blocked``'s answer once given (a dict: no list of every town
    #: per faction and phase on a big map)
    stops: dict[int, dict[int, bool]] = field(default_factory=dict)


def blocked(o: Phase, unit: Unit, town: int) -> bool:
    """A unit stops on entering a town held by, or holding units of, a hostile faction.

    The answer for a faction and town is kept for the phase: control does not change during
    it, and the ``Sense``'s hostile presence, taken at its first question, stays until its
    refresh (a question asked again changes nothing).
    """
    known = o.stops.get(unit.faction)
    if known is None:
        known = o.stops[unit.faction] = {}
    v = known.get(town)
    if v is None:
        v = known[town] = _blocked(o, unit.faction, town)
    return v


def _blocked(o: Phase, faction: int, town: int) -> bool:
    held = o.hostile_held.get(faction)
    if held is None:  # control does not change during the phase
        held = o.relations.enemy_of[faction][o.towns.controller]
        o.hostile_held[faction] = held
    if held[town]:
        return True
    # asked only now, as before: the Sense takes the hostile presence from where the units
    # stand at its first question after a refresh
    return o.sense.enemy_at(faction, town)


def _odds(o: Phase, unit: Unit, town: int) -> float:
    """Besiegers of ``town`` from the unit's bloc (with it) / the town's defenders."""
    ours = unit.fighters + o.supply.besiegers.of_bloc(town, o.relations.friends[unit.faction])
    if unit.besieging == town:
        ours -= unit.fighters  # already counted among the besiegers
    tf = o.sense.defenders()
    holder = o.towns.controller[town]
    defenders = tf[sorted(o.relations.friends[holder]), town].sum() if holder >= 0 else 0.0
    return ours / defenders if defenders > 0 else float("inf")


def travel(
    o: Phase,
    unit: Unit,
    fld: Field,
    assault_ratio: float | None = None,
    on_odds: bool = False,
) -> None:
    """Move a unit along ``fld`` for a day: its speed in effective km (km / terrain factor).

    It stops at its goal, on entering a contested town, or, when besieging, on the approach
    road of a hostile town it cannot yet assault at ``assault_ratio`` (of fighters, or of
    effective odds with ``on_odds``). Its Mesa cell moves once, at the end of the march, not
    at every town passed through.
    """
    unit.route = fld
    queue = o.queue
    if queue is not None:
        if o.sense.presence_fixed():
            if assault_ratio is None:
                queue.append((unit, fld))
                return
            if not on_odds and o.sense.defenders_fixed():
                # reads the besiegers who joined (only besiegers join: marched at once, in
                # the phase's order) and defenders fixed already: the queue does not matter
                march(o, unit, fld, assault_ratio)
                queue.append((unit, None))  # its Mesa cell moves in its turn
                return
        flush(o)
    march(o, unit, fld, assault_ratio, on_odds)
    unit.settle()


def flush(o: Phase) -> None:
    """March the queued units (in the phase's order, as if each had marched on its turn).

    A queued march reads only what stays fixed during the phase: the fields, control, the
    roads, and the ``Sense``'s hostile presence, fixed already when it was queued. So it is
    put off until something could see where the queued units stand: a rule evaluated for
    another unit, a march that is not queued (an assault check counts the besiegers who
    joined, and the defenders the ``Sense`` takes from where the units stand), the end of
    the phase. Mesa cells move in the phase's order, as before.
    """
    queue = o.queue
    if not queue:
        return
    items = list(queue)
    queue.clear()
    marches = [(unit, fld) for unit, fld in items if fld is not None]
    if len(marches) < VECTOR_MARCH_UNITS:
        for unit, fld in marches:
            march(o, unit, fld, None)
    else:
        march_many(o.world, marches, partial(o.routes.next_edges, o.world), partial(stop, o),
                   o.edge_open, lambda unit, fld: march(o, unit, fld, None))
    for unit, _ in items:
        unit.settle()


def stop(o: Phase, faction: int) -> np.ndarray:
    """Bool per town where the faction's units stop on entering (as ``blocked``)."""
    held = o.hostile_held.get(faction)
    if held is None:
        held = o.relations.enemy_of[faction][o.towns.controller]
        o.hostile_held[faction] = held
    return held | o.sense.enemy_present(faction)


def march(
    o: Phase, unit: Unit, fld: Field, assault_ratio: float | None, on_odds: bool = False
) -> None:
    """The scalar march of one unit (``travel`` without the queue and the Mesa cell)."""
    w = o.world
    budget = unit.speed
    # a leg's highway by ``world.edge``: a dict look-up per leg costs less than the array of
    # every town's next-hop highway (``Routes.next_edges``, for the marches on arrays)
    k = -1
    if unit.dest >= 0:
        k = w.edge(unit.node, unit.dest)
        ahead = w.eff_km[k] - unit.progress + fld.dist[unit.dest]
        back = unit.progress + fld.dist[unit.node]
        if o.edge_open is not None and not o.edge_open[k]:  # the road closed under its feet
            turn = _back_off_closed(o, unit, k)
        else:
            turn = back < ahead and unit.besieging < 0
        if turn:  # turn round on the road
            unit.besieging = -1
            unit.node, unit.dest = unit.dest, unit.node
            unit.progress = w.eff_km[k] - unit.progress
            k = w.edge(unit.node, unit.dest)  # the same highway, seen from its other end
    enemies = o.relations.enemies[unit.faction]
    for _ in range(MAX_LEGS):
        if unit.dest < 0:
            nxt = int(fld.next_hop[unit.node])
            if nxt < 0:
                break
            k = w.edge(unit.node, nxt)
            unit.dest, unit.progress = nxt, 0.0
        # else: on the road it was on (found above)
        if assault_ratio is not None and o.towns.controller[unit.dest] in enemies:
            odds = (
                o.sense.odds_source().at(unit.faction, unit, unit.dest)
                if on_odds
                else _odds(o, unit, unit.dest)
            )
            if odds < assault_ratio:
                stand = BESIEGE_STANDOFF * w.eff_km[k]
                if unit.besieging != unit.dest:
                    o.supply.besiegers.join(unit.dest, unit.faction, unit.fighters)
                unit.besieging = unit.dest
                unit.progress = (
                    min(stand, unit.progress + budget) if unit.progress < stand else unit.progress
                )
                return
            unit.besieging = -1
        remaining = w.eff_km[k] - unit.progress
        if budget < remaining:
            unit.progress += budget
            return
        budget -= remaining
        unit.arrive(unit.dest, move_cell=False)
        if blocked(o, unit, unit.node):
            return


def _back_off_closed(o: Phase, unit: Unit, k: int) -> bool:
    """Whether a unit on a closed highway turns round (it makes for the end it should).

    That is the end its bloc holds, or, when its bloc holds both ends or neither, the nearer
    one; either way a second day on the road does not turn it again.
    """
    friendly = o.relations.friend_of[unit.faction]
    start, end = friendly[o.towns.controller[unit.node]], friendly[o.towns.controller[unit.dest]]
    if start != end:
        return bool(start)
    return bool(unit.progress < 0.5 * o.world.eff_km[k])


def hold(unit: Unit) -> None:
    """Stay put; a unit caught on a highway walks back to the town it left."""
    if unit.dest >= 0:
        unit.besieging = -1
        unit.progress -= unit.speed
        if unit.progress <= 0:
            unit.progress, unit.dest = 0.0, -1
