"""Many units' marches at once: the legs of ``orders._march`` as numpy passes over arrays.

The orders phase queues the marches whose outcome depends on nothing another unit changes
during the phase (see ``sim.orders``: no assault check, which reads the besiegers who joined
before; the ``Sense``'s hostile presence already fixed by its first question), and hands them
here in the phase's order. The units of one route field and faction are marched together, one
leg per pass, with the float operations of the scalar march in the same order (``remaining =
eff_km - progress``, ``progress += budget``, ``budget -= remaining``), so every position is the
same float; the written-back ``progress`` even has the type (Python or numpy float) the scalar
march leaves. A unit on a highway that is closed under its feet is marched by the scalar path
(``scalar``), as are all units of a map with two highways between the same towns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.agents import Unit
from sim.constants import MAX_LEGS
from sim.routes import NextEdges
from sim.world import Field, World

__all__ = ["VECTOR_MARCH_UNITS", "march_many"]

#: A flush of fewer queued marches than this runs them on the scalar path (the arrays'
#: set-up costs more than it saves).
VECTOR_MARCH_UNITS = 24


def march_many(
    world: World,
    queue: Sequence[tuple[Unit, Field]],
    next_edges: Callable[[Field], NextEdges | np.ndarray | None],
    stop: Callable[[int], np.ndarray],
    edge_open: np.ndarray | None,
    scalar: Callable[[Unit, Field], None],
) -> None:
    """March every queued unit along its field for a day, as ``orders._march`` would.

    Args:
        world: the map.
        queue: (unit, field) in the phase's order; none of them besieges.
        next_edges: per field, the highway to each town's next hop (``Routes.next_edges``).
        stop: per faction, bool per town where its units stop on entering (held by, or
            holding units of, a hostile faction: ``orders._blocked``, fixed for the phase).
        edge_open: bool per highway (None: all open).
        scalar: the scalar march of one unit (for the cases not done on arrays).
    """
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (unit, fld) in enumerate(queue):
        groups.setdefault((id(fld), unit.faction), []).append(i)
    for (_, faction), members in groups.items():
        fld = queue[members[0]][1]
        edges = next_edges(fld)
        units = [queue[i][0] for i in members]
        if edges is None:
            for u in units:
                scalar(u, fld)
            continue
        _march_group(world, units, fld, edges, stop(faction), edge_open, scalar)


def _march_group(
    w: World,
    units: list[Unit],
    fld: Field,
    next_edge: NextEdges | np.ndarray,
    stop: np.ndarray,
    edge_open: np.ndarray | None,
    scalar: Callable[[Unit, Field], None],
) -> None:
    """The units of one field and faction (see ``march_many``)."""
    count = len(units)
    # one list per attribute (a list of tuples converts 2-4x slower)
    node = np.array([u.node for u in units], dtype=np.int64)
    dest = np.array([u.dest for u in units], dtype=np.int64)
    besieging = np.array([u.besieging for u in units], dtype=np.int64)
    came_from = np.array([u.came_from for u in units], dtype=np.int64)
    progress = np.array([u.progress for u in units], dtype=float)
    budget = np.array([u.speed for u in units], dtype=float)
    eff = w.eff_km
    dist = fld.dist
    k = np.full(count, -1, dtype=np.int64)
    turned = np.zeros(count, dtype=bool)
    on_road = np.nonzero(dest >= 0)[0]
    keep = np.ones(count, dtype=bool)  # marched here (else by the scalar path)
    if len(on_road):
        k[on_road] = w.edges(node[on_road], dest[on_road])
        kr = k[on_road]
        if edge_open is not None:
            closed = ~edge_open[kr]
            keep[on_road[closed]] = False
        ahead = eff[kr] - progress[on_road] + dist[dest[on_road]]
        back = progress[on_road] + dist[node[on_road]]
        turn = (back < ahead) & (besieging[on_road] < 0) & keep[on_road]
        t = on_road[turn]
        if len(t):
            turned[t] = True
            besieging[t] = -1
            node[t], dest[t] = dest[t], node[t].copy()
            progress[t] = eff[k[t]] - progress[t]
    first_on_road = dest >= 0  # the first leg goes on with the progress above
    legs = np.zeros(count, dtype=np.int64)  # legs finished (arrivals)
    active = _first_leg(np.nonzero(keep)[0], fld.next_hop, next_edge, stop, eff, node, dest,
                        k, progress, budget, besieging, came_from, legs)
    hop = fld.next_hop
    for _ in range(MAX_LEGS - 1):  # the next legs: every active unit is in a town
        if not len(active):
            break
        here = node[active]
        nxt = hop[here]
        go = nxt >= 0
        if not go.all():
            active, here, nxt = active[go], here[go], nxt[go]
            if not len(active):
                break
        kk = next_edge[here]
        remaining = eff[kk] - 0.0  # progress 0.0 at the start of a leg, as in the scalar march
        left = budget[active]
        short = left < remaining
        if short.any():
            part = active[short]
            dest[part] = nxt[short]
            k[part] = kk[short]
            progress[part] = 0.0 + left[short]
            full = ~short
            active, here, nxt, left, remaining = (
                active[full], here[full], nxt[full], left[full], remaining[full])
        budget[active] = left - remaining
        came_from[active] = here
        node[active] = nxt
        legs[active] += 1
        active = active[~stop[nxt]]
    _write_back(units, fld, keep, node, dest, progress, besieging, came_from, turned,
                first_on_road, legs, scalar)


def _first_leg(
    active: np.ndarray,
    hop: np.ndarray,
    next_edge: NextEdges | np.ndarray,
    stop: np.ndarray,
    eff: np.ndarray,
    node: np.ndarray,
    dest: np.ndarray,
    k: np.ndarray,
    progress: np.ndarray,
    budget: np.ndarray,
    besieging: np.ndarray,
    came_from: np.ndarray,
    legs: np.ndarray,
) -> np.ndarray:
    """The first leg of the march (from a town, or on along a highway); the units that go on."""
    town = dest[active] < 0
    if town.any():
        at = active[town]
        nxt = hop[node[at]]
        go = nxt >= 0
        active = np.concatenate((active[~town], at[go]))
        at = at[go]
        dest[at] = nxt[go]
        k[at] = next_edge[node[at]]
        progress[at] = 0.0
    if not len(active):
        return active
    remaining = eff[k[active]] - progress[active]
    short = budget[active] < remaining
    part = active[short]
    progress[part] += budget[part]
    full = active[~short]
    budget[full] -= remaining[~short]
    came_from[full] = node[full]
    node[full] = dest[full]
    dest[full] = -1
    progress[full] = 0.0
    besieging[full] = -1
    legs[full] += 1
    return full[~stop[node[full]]]


def _write_back(
    units: list[Unit],
    fld: Field,
    keep: np.ndarray,
    node: np.ndarray,
    dest: np.ndarray,
    progress: np.ndarray,
    besieging: np.ndarray,
    came_from: np.ndarray,
    turned: np.ndarray,
    first_on_road: np.ndarray,
    legs: np.ndarray,
    scalar: Callable[[Unit, Field], None],
) -> None:
    """Set each unit's position; the closed-road cases are marched by ``scalar`` instead.

    ``progress`` keeps the type the scalar march gives it: a numpy float once the budget or the
    progress went through an ``eff_km`` subtraction (a leg finished, a turn on the road), or
    when it was one already; a Python float otherwise.
    """
    rows = zip(keep.tolist(), node.tolist(), dest.tolist(), progress.tolist(),
               besieging.tolist(), came_from.tolist(), turned.tolist(),
               first_on_road.tolist(), legs.tolist(), strict=True)
    for u, (kept, nd, ds, pr, bs, cf, tn, road, lg) in zip(units, rows, strict=True):
        if not kept:
            scalar(u, fld)
            continue
        if ds < 0:
            if lg or tn:
                u.progress = 0.0
        elif lg:
            u.progress = np.float64(pr)
        elif road:  # still on the first leg: its progress plus the speed
            u.progress = np.float64(pr) if tn else type(u.progress + u.speed)(pr)
        else:  # set out from a town today, not arrived: 0.0 + speed
            u.progress = type(0.0 + u.speed)(pr)
        u.node, u.dest, u.besieging, u.came_from = nd, ds, bs, cf
