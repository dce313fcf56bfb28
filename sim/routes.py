"""The orders' route searches (``Field``), cached by what they depend on, and their next hops.

One search per faction and purpose is kept until control of some town changes (see
``sim.orders``), so a unit's move costs the length of its route, not the map.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.world import Field, World

__all__ = ["MAX_NEXT_EDGES", "Routes"]

MAX_NEXT_EDGES = 64  # fields whose next-hop highways are kept (Routes.next_edges)
KEPT_VALUES = 2_000_000  # ... and at most about this many town entries of them


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
        self._rows: np.ndarray | None = None  # the town of each entry of world.nbr_idx

    def sync(self, version: int) -> None:
        """Drop the searches made under another control version."""
        if version != self._version:
            self.fields.clear()  # next_edges are kept: a field's own (World.field reuses them)
            self._version = version

    def next_edges(self, world: World, fld: Field) -> np.ndarray | None:
        """Per town, the highway to ``fld``'s next hop (-1: none), as ``world.edge`` gives it.

        Index arrays instead of a dictionary look-up per leg of a march (a look-up in the
        290,000 entries of a 100,000-town map costs 1-2 us); None on a map where two highways
        join the same towns, which the loader rejects.
        """
        if len(world.nbr_idx) != 2 * world.m:
            return None
        entry = self._next_edges.get(id(fld))
        if entry is not None and entry[0] is fld:
            return entry[1]
        if self._rows is None or len(self._rows) != len(world.nbr_idx):
            self._rows = np.repeat(np.arange(world.n), np.diff(world.nbr_ptr))
        rows = self._rows
        match = world.nbr_idx == fld.next_hop[rows]
        out = np.full(world.n, -1, dtype=np.int64)
        out[rows[match]] = world.nbr_edge[match]
        if len(self._next_edges) >= max(8, min(MAX_NEXT_EDGES, KEPT_VALUES // max(world.n, 1))):
            del self._next_edges[next(iter(self._next_edges))]  # the oldest
        self._next_edges[id(fld)] = (fld, out)
        return out
