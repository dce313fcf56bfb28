"""Big-map fast paths give the plain paths' answers: next-hop highways, cut roads, searches.

``Routes.next_edges`` looks a field's next-hop highway up for the towns asked about
(``NextEdges``) where it built an array over all towns; ``cut_edges`` finds the highways a
hostile unit stands on with ``World.edges`` and index arrays (many units) or one by one (few)
where it looked each unit's highway up in a dict and multiplied boolean matrices. Both are
compared with the old constructions, on towns without a next hop too (a target; and a town
whose ``u * n - 1`` key would name the highway of two other towns). Unmasked route searches
of big maps run on the towns renumbered for locality (``sim.fieldorder``): the same distances
and next hops as in the map's numbering, and the map's numbering where equal roads could make
the order matter.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import faction, scenario, town
from phase_kit import kit, road

import sim.world
from sim.generate import generate_scenario
from sim.model import TerritoryModel
from sim.routes import NextEdges, Routes
from sim.supply import MANY_UNITS, cut_edges
from sim.world import Field, World


def _all_next_edges(world: World, fld: Field) -> np.ndarray:
    """The array the old ``Routes.next_edges`` built: per town, its next hop's highway."""
    rows = np.repeat(np.arange(world.n), np.diff(world.nbr_ptr))
    match = world.nbr_idx == fld.next_hop[rows]
    out = np.full(world.n, -1, dtype=np.int64)
    out[rows[match]] = world.nbr_edge[match]
    return out


def test_next_edges_as_the_array_over_all_towns_on_a_generated_map() -> None:
    model = TerritoryModel(generate_scenario(400, 3, None, 5))
    w = model.world
    rng = np.random.default_rng(2)
    routes = Routes()
    for trial in range(12):
        targets = rng.integers(0, w.n, int(rng.integers(1, 8))).astype(np.int64)
        mask = rng.random(w.n) < 0.7 if trial % 3 == 1 else None
        fld = w.field(targets, np.zeros(len(targets)), mask)
        want = _all_next_edges(w, fld)
        got = NextEdges(w, fld.next_hop)  # what maps of LOOKUP_TOWNS or more use
        small = routes.next_edges(w, fld)
        assert isinstance(small, np.ndarray) and small.tolist() == want.tolist()
        assert [got[i] for i in range(w.n)] == want.tolist()
        towns = rng.permutation(w.n)[:150]
        assert got[towns].tolist() == want[towns].tolist()
        assert (want == -1).any()  # targets and unreached towns have no next hop


def test_a_town_without_next_hop_has_no_highway_whatever_its_key_would_name() -> None:
    # towns a, b, c (numbers 0, 1, 2); road b-c has key 1 * 3 + 2 = 5 = 2 * 3 - 1: the key
    # of (c, -1), c's "highway to its next hop" when c is the target
    red = faction("red", supply_sources=["a"])
    k = kit(scenario([town("a", 38.0, "red"), town("b", 38.1, "red"), town("c", 38.2, "red")],
                     [road("a", "b"), road("b", "c")], [red]))
    w = k.world
    fld = w.field(np.array([2]), np.zeros(1))
    edges = NextEdges(w, fld.next_hop)
    assert fld.next_hop.tolist() == [1, 2, -1]
    assert [edges[i] for i in range(3)] == [0, 1, -1]
    assert edges[np.array([2, 0, 1, 2])].tolist() == [-1, 0, 1, -1]
    assert _all_next_edges(w, fld).tolist() == [0, 1, -1]


def _cut_by_product(model: TerritoryModel) -> np.ndarray:  # the plain path (few units)
    """The road cuts by hostile units as the old ``cut_edges`` computed them."""
    w, rel = model.world, model.relations
    on_edge = np.zeros((len(rel.ids), w.m), dtype=bool)
    for u in model.forces.units:
        if u.dest >= 0:
            on_edge[u.faction, w.edge(u.node, u.dest)] = True
    return (rel.hostile.astype(np.int64) @ on_edge.astype(np.int64)) > 0


@pytest.mark.parametrize("towns", [1000, 300])
def test_cut_edges_by_hostile_units_as_the_matrix_product(towns: int) -> None:
    model = TerritoryModel(generate_scenario(towns, 4, None, 3))
    rng = np.random.default_rng(4)
    w = model.world
    units = model.forces.units
    assert (len(units) > MANY_UNITS) == (towns == 1000)  # the array path, the unit by unit one
    checked = 0
    for _ in range(6):
        model.step()
        for u in units[::3]:  # put some units on roads, next to others already there
            if rng.random() < 0.5:
                nbrs = w.neighbours(u.node)
                if len(nbrs):
                    u.dest, u.progress, u.besieging = int(nbrs[0]), 0.5, -1
        model.sense.refresh()
        want = _cut_by_product(model)
        got = cut_edges(model.supply, w, model.towns, units, model.relations, model.sense,
                        float("inf"))  # no town invested: only the units' cuts
        assert got.tolist() == want.tolist()
        checked += int(want.sum())
    assert checked > 0


def _plain(w: World, targets: np.ndarray, offsets: np.ndarray,
           edge_open: np.ndarray | None, monkeypatch: pytest.MonkeyPatch) -> Field:
    monkeypatch.setattr(sim.world, "LOCAL_TOWNS", 10**9)
    try:
        return w._search(targets, offsets, None, edge_open)
    finally:
        monkeypatch.setattr(sim.world, "LOCAL_TOWNS", 1)


def test_local_numbering_search_as_the_plain_search(monkeypatch: pytest.MonkeyPatch) -> None:
    model = TerritoryModel(generate_scenario(1500, 3, None, 7))
    w = model.world
    monkeypatch.setattr(sim.world, "LOCAL_TOWNS", 1)
    rng = np.random.default_rng(9)
    for trial in range(16):
        targets = rng.integers(0, w.n, int(rng.integers(1, 30))).astype(np.int64)
        if trial % 4 == 0:
            targets[-1] = targets[0]  # listed twice: the weights summed
        offsets = rng.choice([0.0, 0.0, 25.0, 80.0], len(targets))
        edge_open = rng.random(w.m) < 0.9 if trial % 2 else None
        got = w._search(targets, offsets, None, edge_open)
        want = _plain(w, targets, offsets, edge_open, monkeypatch)
        assert got.dist.tolist() == want.dist.tolist()
        assert got.next_hop.tolist() == want.next_hop.tolist()
    assert w._local is not None and w._local.usable(100.0)
    assert not np.array_equal(w._local.perm, np.arange(w.n))  # renumbered indeed


def test_equal_roads_keep_the_map_numbering(monkeypatch: pytest.MonkeyPatch) -> None:
    w = _grid(12)
    monkeypatch.setattr(sim.world, "LOCAL_TOWNS", 1)
    targets = np.array([0, 143, 77])
    got = w._search(targets, np.zeros(3), None, None)
    assert w._local is not None and not w._local.usable(0.0)
    want = _plain(w, targets, np.zeros(3), None, monkeypatch)
    assert got.next_hop.tolist() == want.next_hop.tolist()
    assert got.dist.tolist() == want.dist.tolist()


def _grid(size: int) -> World:
    """A size x size grid of 10 km roads (equal distances everywhere: ties for the heap)."""
    ids = [f"t{i}_{j}" for i in range(size) for j in range(size)]
    towns = [town(t, 100.0, "red", lat=35.0 + 0.09 * int(t[1:].split("_")[0])) for t in ids]
    for t, tid in zip(towns, ids, strict=True):
        t["lon"] = 38.0 + 0.11 * int(tid.split("_")[1])
    roads = [road(f"t{i}_{j}", f"t{i}_{j + 1}") for i in range(size) for j in range(size - 1)]
    roads += [road(f"t{i}_{j}", f"t{i + 1}_{j}") for i in range(size - 1) for j in range(size)]
    return kit(scenario(towns, roads, [faction("red", supply_sources=["t0_0"])])).world


def _filtered(w: World, targets: np.ndarray, offsets: np.ndarray, mask: np.ndarray | None,
              edge_open: np.ndarray | None) -> Field:
    """The search as it was built before: the graph without the masked and closed roads."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = w.n
    row_idx, row_data = sim.world._source_row(targets, offsets, n)
    indptr, indices, data = w.adj_eff.indptr, w.adj_eff.indices, w.adj_eff.data
    keep = np.ones(len(indices), dtype=bool)
    if mask is not None:
        keep &= mask[w._adj_rows] & mask[indices]
    if edge_open is not None:
        keep &= edge_open[w.nbr_edge]
    indices, data = indices[keep], data[keep]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(w._adj_rows[keep], minlength=n))))
    big = csr_matrix((np.concatenate((data, row_data)), np.concatenate((indices, row_idx)),
                      np.concatenate((indptr, [indptr[-1] + len(row_idx)]))),
                     shape=(n + 1, n + 1))
    dist, pred = dijkstra(big, directed=True, indices=n, return_predecessors=True)
    hop = pred[:n].astype(np.int64)
    hop[(hop == n) | (hop < 0)] = -1
    return Field(dist[:n], hop)


@pytest.mark.parametrize("size", [300, 1500])
def test_masked_search_with_infinite_roads_as_without_them(size: int) -> None:
    """Masked and closed roads weigh inf under a finite limit: the answers of the graph
    built without them, on masks that leave towns unreached and targets outside."""
    w = TerritoryModel(generate_scenario(size, 3, None, 11)).world
    assert w.n > sim.world.SMALL_GRAPH
    rng = np.random.default_rng(size)
    for trial in range(24):
        targets = rng.integers(0, w.n, int(rng.integers(1, 40))).astype(np.int64)
        offsets = rng.choice([0.0, 0.0, 12.5, 60.0], len(targets))
        mask = rng.random(w.n) < rng.choice([0.3, 0.7, 0.95]) if trial % 4 else None
        edge_open = rng.random(w.m) < 0.85 if trial % 3 == 0 else None
        got = w._search(targets, offsets, mask, edge_open)  # scipy's: more than SMALL_GRAPH
        want = _filtered(w, targets, offsets, mask, edge_open)
        assert got.dist.tolist() == want.dist.tolist()
        assert got.next_hop.tolist() == want.next_hop.tolist()
        if mask is not None:
            assert np.isinf(got.dist).any()  # some towns unreached


def test_edges_few_and_many_as_edge() -> None:
    w = TerritoryModel(generate_scenario(400, 3, None, 5)).world
    rng = np.random.default_rng(3)
    for size in (0, 1, 7, sim.world.FEW_EDGES, sim.world.FEW_EDGES + 1, 200):
        u = rng.integers(0, w.n, size)
        v = np.array([int(w.neighbours(x)[0]) if rng.random() < 0.8 else int(rng.integers(w.n))
                      for x in u], dtype=np.int64)
        got = w.edges(u, v)
        assert got.dtype == np.int64 and got.shape == (size,)
        assert got.tolist() == [w.edge(int(a), int(b)) for a, b in zip(u, v, strict=True)]
