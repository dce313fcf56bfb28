"""The map: towns and highways as a networkx graph plus index arrays, and graph searches.

Everything the day loop needs from the map is an array indexed by town number (the order of
``scenario.towns``) or by highway number, so daily work is vectorised: supply is one
connected-components pass per faction, movement targets one multi-source Dijkstra per faction.
Small maps (``SMALL_GRAPH``) find components (``sim.components``) and route fields
(``sim.smallpaths``) in plain Python, with the same labels and the same distances and next
hops; masked fields of many targets search only the towns that are not targets
(``sim.fieldseeds``); route fields are kept by their inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.components import SMALL_GRAPH, components
from sim.fieldorder import LOCAL_TOWNS, LocalOrder
from sim.fieldseeds import seeded_search
from sim.geo import Projection, haversine_km
from sim.scenario.schema import Crossing, Scenario
from sim.smallpaths import SmallPaths

__all__ = ["SMALL_GRAPH", "Field", "World"]

#: Unmasked route searches run in Python (``sim.smallpaths``) on maps of at most this many
#: towns, masked ones up to ``SMALL_GRAPH``: an unmasked search scans the whole map, and
#: beyond ~130 towns scipy's is cheaper (CPU per search, Python / scipy, interleaved on
#: generated runs' recorded inputs: 0.84 at 100 towns, 1.07 at 150, 1.8 at 256; masked
#: 0.4-0.6 up to 256).
SMALL_UNMASKED = 128

#: ``World.field`` keeps at most this many distances (town entries over all kept fields).
FIELD_CACHE_VALUES = 2_000_000

#: ``World.edges`` looks up to this many pairs up one by one.
FEW_EDGES = 32

#: The searches' ``limit``: every finite distance is within it, an infinite road is not.
NO_LIMIT = float(np.finfo(float).max)


@dataclass(frozen=True)
class Field:
    """Result of a multi-source search: distance to the nearest source and the next town on it.

    ``next_hop[v]`` is the neighbour of ``v`` one step closer to a source (-1 at a source or
    where none is reachable); ``dist`` is in effective km (road km / terrain move factor).
    """

    dist: np.ndarray
    next_hop: np.ndarray


class World:
    """The static map of a scenario.

    Attributes:
        ids, names: town ids and names, by town number.
        lat, lon, xy: coordinates (degrees; and km on ``projection``, centred on the towns).
        population: initial population (the model keeps the live copy).
        defence, fortification, airlift: per-town combat and siege modifiers.
        airlift_capacity: per town, fighter-days of supply an air bridge flies in a day.
        eu, ev: the two ends of each highway; length_km its road length; eff_km its length
            divided by its terrain's move factor (the cost that movement minimises).
        graph: the networkx graph (nodes are town numbers, with id/name/lat/lon attributes).
        crossings: highway number -> the river crossing it is (``rivers:``; its move factor
            is in ``eff_km``); crossing_edge: crossing id -> highway number.
    """

    # Slots: some forty attributes in an instance dict would lose CPython's specialised
    # attribute reads, and the day reads the map's arrays everywhere (weakly keyed caches
    # of other modules need __weakref__).
    __slots__ = ("__weakref__", "_adj_rows", "_edge_keys", "_edge_lookup", "_edge_of",
                 "_edge_vals", "_fields",
                 "_graph", "_least", "_local", "_small", "_total", "adj_eff", "adj_self",
                 "airlift", "airlift_capacity", "crossing_edge", "crossings", "defence",
                 "edge_names", "edge_terrain", "eff_km", "eu", "ev", "fortification", "ids",
                 "index", "lat", "length_km", "lon", "m", "n", "names", "nbr_edge", "nbr_idx",
                 "nbr_ptr", "population", "project", "projection", "terrain", "xy")

    def __init__(self, scenario: Scenario) -> None:
        sim = scenario.simulation
        towns = scenario.towns
        self.n = len(towns)
        self.ids = [t.id for t in towns]
        self.index = {tid: i for i, tid in enumerate(self.ids)}
        self.names = [t.name for t in towns]
        self.lat = np.array([t.lat for t in towns], dtype=float)
        self.lon = np.array([t.lon for t in towns], dtype=float)
        self.projection = Projection(float(self.lat.mean()), float(self.lon.mean()))
        self.xy = self.projection.xy_arrays(self.lat, self.lon)
        #: local flat-projection km coordinates of a (lat, lon) point (``projection.xy``)
        self.project = self.projection.xy
        self.population = np.array([t.population for t in towns], dtype=float)
        self.terrain = [t.terrain for t in towns]
        self.defence = np.array(
            [sim.terrain[t.terrain].defence if t.terrain in sim.terrain else 1.0 for t in towns]
        )
        self.fortification = np.array([t.fortification for t in towns], dtype=float)
        self.airlift = np.array([t.airlift for t in towns], dtype=float)
        self.airlift_capacity = np.array([t.airlift_capacity for t in towns], dtype=float)

        m = len(scenario.highways)
        self.m = m
        self.eu = np.empty(m, dtype=np.int64)
        self.ev = np.empty(m, dtype=np.int64)
        self.length_km = np.empty(m, dtype=float)
        self.edge_terrain: list[str] = []
        move = np.empty(m, dtype=float)
        by_ends = {frozenset((c.from_, c.to)): c for r in scenario.rivers for c in r.crossings}
        self.crossings: dict[int, Crossing] = {}
        for k, h in enumerate(scenario.highways):
            u, v = self.index[h.from_], self.index[h.to]
            self.eu[k], self.ev[k] = u, v
            self.length_km[k] = (
                h.length_km
                if h.length_km is not None
                else sim.road_factor
                * (haversine_km(self.lat[u], self.lon[u], self.lat[v], self.lon[v]))
            )
            terrain = h.terrain or self._default_edge_terrain(scenario, u, v)
            self.edge_terrain.append(terrain)
            move[k] = sim.terrain[terrain].move if terrain in sim.terrain else 1.0
            crossing = by_ends.get(frozenset((h.from_, h.to))) if by_ends else None
            if crossing is not None:
                move[k] *= crossing.move_factor
                self.crossings[k] = crossing
        self.crossing_edge = {c.id: k for k, c in self.crossings.items()}
        self.length_km = np.maximum(self.length_km, 0.01)
        self.eff_km = self.length_km / move
        self.edge_names = [h.name or "" for h in scenario.highways]
        # symmetric adjacency; data = edge number + 1 so that an edge can be looked up by (u, v)
        rows = np.concatenate((self.eu, self.ev))
        cols = np.concatenate((self.ev, self.eu))
        eidx = np.concatenate((np.arange(m), np.arange(m)))
        self._edge_lookup = csr_matrix((eidx + 1, (rows, cols)), shape=(self.n, self.n))
        self.adj_eff = csr_matrix(
            (np.concatenate((self.eff_km, self.eff_km)), (rows, cols)), shape=(self.n, self.n)
        )
        # (u * n + v) -> highway number: a dict lookup costs ~0.1 us, a scipy.sparse one ~30 us
        self._edge_of = dict(zip((rows * self.n + cols).tolist(), eidx.tolist(), strict=True))
        # the same, sorted, for many look-ups at once (edges()); a later duplicate wins, as
        # in the dict
        keys = rows * self.n + cols
        order = np.argsort(keys, kind="stable")
        self._edge_keys, self._edge_vals = keys[order], eidx[order]
        # the row of each stored entry of adj_eff, to filter it by a mask in field()
        self._adj_rows = np.repeat(np.arange(self.n), np.diff(self.adj_eff.indptr))
        self.nbr_ptr = self._edge_lookup.indptr
        self.nbr_idx = self._edge_lookup.indices
        self.nbr_edge = self._edge_lookup.data - 1
        ones = np.ones(2 * m + self.n)
        diag = np.arange(self.n)
        self.adj_self = csr_matrix(
            (ones, (np.concatenate((rows, diag)), np.concatenate((cols, diag)))),
            shape=(self.n, self.n),
        )
        self.adj_self.data[:] = 1.0  # duplicates summed; keep it a 0/1 matrix
        self._graph: nx.Graph | None = None
        #: the least road weight, and all roads' weights once (a bound on any distance)
        self._least = float(self.adj_eff.data.min()) if m else np.inf
        self._total = float(self.adj_eff.data.sum()) / 2.0  # each road listed twice
        #: field()'s answers by their inputs (a pure function of them on a fixed map): the
        #: same search recurs while control and cut roads stay put, and across the runs of a
        #: sweep, which share the World; at most FIELD_CACHE_VALUES town entries are kept
        self._fields: dict[tuple[bytes, ...], Field] = {}
        #: unmasked searches of big maps in a local numbering (``sim.fieldorder``)
        self._local: LocalOrder | None = None
        #: searches of small maps in plain Python (``sim.smallpaths``), built on first use
        self._small: SmallPaths | None = None

    @staticmethod
    def _default_edge_terrain(scenario: Scenario, u: int, v: int) -> str:
        terrains = [scenario.towns[u].terrain, scenario.towns[v].terrain]
        terrains = ["flat" if t == "urban" else t for t in terrains]
        table = scenario.simulation.terrain
        return min(terrains, key=lambda t: table[t].move if t in table else 1.0)

    @property
    def graph(self) -> nx.Graph:
        """The networkx view of the map (built on first use)."""
        if self._graph is None:
            g = nx.Graph()
            g.add_nodes_from(
                (
                    i,
                    {
                        "id": self.ids[i],
                        "name": self.names[i],
                        "lat": float(self.lat[i]),
                        "lon": float(self.lon[i]),
                    },
                )
                for i in range(self.n)
            )
            g.add_edges_from(
                (
                    int(self.eu[k]),
                    int(self.ev[k]),
                    {"edge": k, "length_km": float(self.length_km[k])},
                )
                for k in range(self.m)
            )
            self._graph = g
        return self._graph

    def edge(self, u: int, v: int) -> int:
        """Highway number joining towns ``u`` and ``v`` (-1 if none)."""
        return self._edge_of.get(int(u) * self.n + int(v), -1)

    def edges(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``edge(u[i], v[i])`` for each i, in one pass (-1 where no highway joins them).

        Up to ``FEW_EDGES`` pairs are looked up in ``edge``'s dict (~4 us for 20, where the
        sorted keys' search costs ~30 us whatever the number); the two say the same.
        """
        keys = np.asarray(u, dtype=np.int64) * self.n + np.asarray(v, dtype=np.int64)
        if keys.ndim == 1 and len(keys) <= FEW_EDGES:
            get = self._edge_of.get
            return np.array([get(k, -1) for k in keys.tolist()], dtype=np.int64)
        at = np.searchsorted(self._edge_keys, keys, side="right") - 1
        ok = at >= 0
        ok[ok] = self._edge_keys[at[ok]] == keys[ok]
        return np.where(ok, self._edge_vals[np.maximum(at, 0)], -1)

    def neighbours(self, u: int) -> np.ndarray:
        """Towns next to ``u``."""
        return self.nbr_idx[self.nbr_ptr[u] : self.nbr_ptr[u + 1]]

    def front_line(self, controller: np.ndarray, hostile: np.ndarray) -> np.ndarray:
        """Bool per highway: its two towns are held by mutually hostile factions.

        Args:
            controller: faction number per town (-1: nobody).
            hostile: bool (faction, faction) relation table.
        """
        cu, cv = controller[self.eu], controller[self.ev]
        return (cu >= 0) & (cv >= 0) & hostile[np.maximum(cu, 0), np.maximum(cv, 0)]

    def reachable(
        self, passable: np.ndarray, edge_open: np.ndarray, sources: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Towns connected to a source through passable towns and open highways.

        Args:
            passable: bool per town (held by the faction or an ally).
            edge_open: bool per highway (not cut by hostile units).
            sources: town numbers supply comes from.

        Returns:
            (reached, labels): bool per town, and the connected-component label per town
            (pockets of the same faction share a label).
        """
        keep = edge_open & passable[self.eu] & passable[self.ev]
        labels = components(self.n, self.eu[keep], self.ev[keep])
        src = sources[passable[sources]] if len(sources) else sources
        if not len(src):
            return np.zeros(self.n, bool), labels
        hit = np.zeros(int(labels.max()) + 1, dtype=bool)  # as np.isin(labels, labels[src])
        hit[labels[src]] = True
        return hit[labels] & passable, labels

    def field(
        self,
        targets: np.ndarray,
        offsets: np.ndarray,
        mask: np.ndarray | None = None,
        edge_open: np.ndarray | None = None,
    ) -> Field:
        """Multi-source shortest paths towards ``targets`` (with a head start ``offsets``).

        Costs are ``eff_km``. With ``mask`` (bool per town), only highways between masked
        towns are used; with ``edge_open`` (bool per highway), only open highways. One search
        serves every unit of a faction.
        """
        n = self.n
        if len(targets) == 0:
            return Field(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
        targets = np.asarray(targets, dtype=np.int64)
        offsets = np.asarray(offsets, dtype=float)
        key = (
            targets.tobytes(),
            offsets.tobytes(),
            b"" if mask is None else np.asarray(mask, dtype=bool).tobytes(),
            b"" if edge_open is None else np.asarray(edge_open, dtype=bool).tobytes(),
        )
        found = self._fields.get(key)
        if found is None:
            found = self._search(targets, offsets, mask, edge_open)
            found.dist.setflags(write=False)  # shared by every caller with these inputs
            found.next_hop.setflags(write=False)
            if len(self._fields) >= max(1, FIELD_CACHE_VALUES // max(n, 1)):
                del self._fields[next(iter(self._fields))]  # the oldest
            self._fields[key] = found
        return found

    def _search(
        self,
        targets: np.ndarray,
        offsets: np.ndarray,
        mask: np.ndarray | None,
        edge_open: np.ndarray | None,
    ) -> Field:
        """``field`` without its cache."""
        n = self.n
        row_idx, row_data = _source_row(targets, offsets, n)  # the super-source's row
        if n <= (SMALL_GRAPH if mask is not None else SMALL_UNMASKED):  # the same answers
            if self._small is None:
                self._small = SmallPaths(self.adj_eff.indptr, self.adj_eff.indices,
                                         self.adj_eff.data, self.nbr_edge)
            got = self._small.search(row_idx, row_data, mask, edge_open)
            if got is not None:
                return Field(*got)
        if mask is None and n >= LOCAL_TOWNS:
            if self._local is None:  # built on first use: ~0.3 s at 100,000 towns
                self._local = LocalOrder(self.xy, self.adj_eff.indptr, self.adj_eff.indices,
                                         self.adj_eff.data, self.nbr_edge)
            if self._local.usable(float(row_data.max())):
                return Field(*self._local.search(row_idx, row_data, edge_open))
        # The graph is adj_eff's canonical CSR arrays (each row's columns sorted), plus one
        # last row: a super-source joined to each target by its offset (scipy ignores zero
        # weights). Built from arrays, not via COO, which re-sorts every row: the same matrix,
        # so the same distances and the same ties broken the same way. A road outside the
        # mask or closed weighs inf: scipy skips an offer above ``limit`` before it touches
        # the town (no heap entry, no predecessor), so with a finite limit that road is as
        # absent as in the graph without it, which cost 2-4x as much to build.
        indptr, indices, data = self.adj_eff.indptr, self.adj_eff.indices, self.adj_eff.data
        if mask is not None:  # a rear of many targets: only the other towns searched
            got = seeded_search(indptr, indices, data, self.nbr_edge, self._least,
                                self._total, row_idx, row_data, mask, edge_open)
            if got is not None:
                return Field(*got)
        if mask is not None or edge_open is not None:
            keep = np.ones(len(indices), dtype=bool)
            if mask is not None:
                keep &= mask[self._adj_rows] & mask[indices]
            if edge_open is not None:
                keep &= edge_open[self.nbr_edge]
            data = np.where(keep, data, np.inf)
        src = n
        big = csr_matrix(
            (
                np.concatenate((data, row_data)),
                np.concatenate((indices, row_idx)),
                np.concatenate((indptr, [indptr[-1] + len(row_idx)])),
            ),
            shape=(n + 1, n + 1),
        )
        dist, pred = dijkstra(big, directed=True, indices=src, return_predecessors=True,
                              limit=NO_LIMIT)
        hop = pred[:n].astype(np.int64)
        hop[hop == src] = -1
        hop[hop < 0] = -1
        return Field(dist[:n], hop)


def _source_row(targets: np.ndarray, offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The super-source's row of ``field``'s graph in canonical CSR form: (columns, weights).

    What ``csr_matrix`` makes of the COO row (columns sorted, a target listed twice summed),
    without its conversion when the targets are distinct (~200 us on a small map).
    """
    weights = offsets + 1e-9
    order = np.argsort(targets, kind="stable")
    cols = targets[order]
    if len(cols) > 1 and (cols[1:] == cols[:-1]).any():
        row = csr_matrix(
            (weights, (np.zeros(len(targets), dtype=np.int64), targets)), shape=(1, n + 1)
        )
        return row.indices, row.data
    return cols.astype(np.int32), weights[order]
