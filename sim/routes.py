"""The orders' route searches (``Field``), cached by what they depend on, and their next hops.

One search per faction and purpose is kept until control of some town changes (see
``sim.orders``), so a unit's move costs the length of its route, not the map.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from sim.world import Field, World

__all__ = ["LOOKUP_TOWNS", "NextEdges", "Routes"]

#: Maps of at least this many towns look next-hop highways up when asked (``NextEdges``).
LOOKUP_TOWNS = 2_000
MAX_NEXT_EDGES = 64  # small maps' fields whose next-hop highways are kept


class Routes:
    """The orders' route searches, cached by what they depend on.

    Attributes:
        fields: (purpose, faction, ...) -> Field; emptied when control changes.
    """

    def __init__(self) -> None:
        self.fields: dict[tuple[Any, ...], Field] = {}
        self._version = 0
        # (faction, radius) -> ((control version, threatened towns), routes): see _reinforce
        self._reinforce: dict[tuple[int, float], tuple[tuple[int, bytes], Field]] = {}
        self._next_edges: dict[int, tuple[Field, np.ndarray]] = {}  # id(field) -> see next_edges

    def sync(self, version: int) -> None:
        """Drop the searches made under another control version."""
        if version != self._version:
            self.fields.clear()
            self._version = version

    def next_edges(self, world: World, fld: Field) -> NextEdges | np.ndarray | None:
        """Per town, the highway to ``fld``'s next hop (-1: none), as ``world.edge`` gives it.

        On a map of ``LOOKUP_TOWNS`` or more, looked up when asked, for the towns asked about
        (a march's legs), rather than for every town of the map per field: that cost 0.3 ms a
        field at 10,000 towns and ~3 ms at 100,000, more than all the legs marched on it; on a
        small map, an array over all towns (kept per field: an index costs less than a
        look-up). None on a map where two highways join the same towns, which the loader
        rejects.
        """
        if len(world.nbr_idx) != 2 * world.m:
            return None
        if world.n >= LOOKUP_TOWNS:
            return NextEdges(world, fld.next_hop)
        entry = self._next_edges.get(id(fld))
        if entry is not None and entry[0] is fld:
            return entry[1]
        rows = np.repeat(np.arange(world.n), np.diff(world.nbr_ptr))
        match = world.nbr_idx == fld.next_hop[rows]
        out = np.full(world.n, -1, dtype=np.int64)
        out[rows[match]] = world.nbr_edge[match]
        if len(self._next_edges) >= MAX_NEXT_EDGES:
            del self._next_edges[next(iter(self._next_edges))]  # the oldest
        self._next_edges[id(fld)] = (fld, out)
        return out


class NextEdges:
    """The highway from each town to its next hop on a field (-1 where it has none).

    ``edges[town]`` with a town number gives an int, with an array of them an array: what the
    array of all towns' highways gave (``world.edge(town, next_hop[town])``, -1 at no hop).
    """

    __slots__ = ("hop", "world")

    def __init__(self, world: World, hop: np.ndarray) -> None:
        self.world = world
        self.hop = hop

    @overload
    def __getitem__(self, town: int) -> int: ...

    @overload
    def __getitem__(self, town: np.ndarray) -> np.ndarray: ...

    def __getitem__(self, town: int | np.ndarray) -> int | np.ndarray:
        hop = self.hop[town]
        if isinstance(town, np.ndarray):
            return np.where(hop >= 0, self.world.edges(town, np.maximum(hop, 0)), -1)
        return self.world.edge(town, int(hop)) if hop >= 0 else -1
