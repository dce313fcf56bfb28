"""``sim.smallpaths`` gives scipy's distances and next hops, bit for bit, and never declines.

Adversarial inputs: random graphs with weights from a small set (many equal sums, so the
heap's order among equal distances decides next hops), grids of equal roads, several targets
at equal or whole-unit offsets, masks, closed roads, targets listed twice, zero and infinite
weights, directed graphs that are not symmetric, and the default scenario's map. The oracle is
the scipy search as ``World._search`` builds it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import sim.world as sw
from sim.generate import generate_scenario
from sim.scenario import load_scenario
from sim.shipped import DEFAULT_SCENARIO
from sim.smallpaths import SmallPaths
from sim.world import World, _source_row

Graph = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _graph(n: int, pairs: list[tuple[int, int]], km: np.ndarray) -> Graph:
    """(indptr, indices, data, edge) as ``World`` builds adj_eff and nbr_edge."""
    m = len(pairs)
    eu = np.array([a for a, _ in pairs], dtype=np.int64)
    ev = np.array([b for _, b in pairs], dtype=np.int64)
    rows, cols = np.concatenate((eu, ev)), np.concatenate((ev, eu))
    eidx = np.concatenate((np.arange(m), np.arange(m)))
    look = csr_matrix((eidx + 1, (rows, cols)), shape=(n, n))
    adj = csr_matrix((np.concatenate((km, km)), (rows, cols)), shape=(n, n))
    assert (look.indices == adj.indices).all()
    return adj.indptr, adj.indices, adj.data, look.data - 1


def _grid(side: int) -> list[tuple[int, int]]:
    pairs = [(r * side + c, r * side + c + 1) for r in range(side) for c in range(side - 1)]
    return pairs + [(r * side + c, (r + 1) * side + c) for r in range(side - 1)
                    for c in range(side)]


def _scipy(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, edge: np.ndarray,
           cols: np.ndarray, weights: np.ndarray, mask: np.ndarray | None,
           edge_open: np.ndarray | None) -> tuple[list[float], list[int]]:
    """scipy's answer on the graph without the masked and closed roads."""
    n = len(indptr) - 1
    rows = np.repeat(np.arange(n), np.diff(indptr))
    keep = np.ones(len(indices), dtype=bool)
    if mask is not None:
        keep &= mask[rows] & mask[indices]
    if edge_open is not None:
        keep &= edge_open[edge]
    ind, dat = indices[keep], data[keep]
    ptr = np.concatenate(([0], np.cumsum(np.bincount(rows[keep], minlength=n))))
    big = csr_matrix((np.concatenate((dat, weights)), np.concatenate((ind, cols)),
                      np.concatenate((ptr, [ptr[-1] + len(cols)]))), shape=(n + 1, n + 1))
    dist, pred = dijkstra(big, directed=True, indices=n, return_predecessors=True)
    hop = pred[:n].astype(np.int64)
    hop[(hop == n) | (hop < 0)] = -1
    return dist[:n].tolist(), hop.tolist()


def _check(graph: Graph, cols: np.ndarray, weights: np.ndarray, mask: np.ndarray | None,
           edge_open: np.ndarray | None) -> None:
    got = SmallPaths(*graph).search(cols, weights, mask, edge_open)
    assert got is not None  # never declines on non-negative weights
    dist, hop = _scipy(*graph, cols, weights, mask, edge_open)
    assert got[0].tolist() == dist
    assert got[1].tolist() == hop
    assert got[0].dtype == np.float64 and got[1].dtype == np.int64


Case = tuple[int, list[tuple[int, int]], np.ndarray, np.ndarray, np.ndarray,
             np.ndarray | None, np.ndarray | None]


def _random_case(rng: np.random.Generator, tie_heavy: bool) -> Case:
    n = int(rng.integers(2, 60))
    ends = rng.integers(0, n, (int(rng.integers(1, 3 * n)), 2))
    pairs = sorted({(int(a), int(b)) for a, b in ends if a < b})
    if not pairs:
        pairs = [(0, n - 1)]
    km: np.ndarray
    if tie_heavy:
        km = rng.choice([1.0, 2.0, 3.0, 0.5], len(pairs))
    else:
        km = rng.uniform(0.01, 50.0, len(pairs))
    k = int(rng.integers(1, 7))
    targets = rng.integers(0, n, k).astype(np.int64)
    if rng.random() < 0.3:
        targets[-1] = targets[0]  # listed twice: summed, as csr_matrix does
    offsets = rng.choice([0.0, 0.0, 1.0, 2.0, 2.5], k)
    mask = rng.random(n) < 0.75 if rng.random() < 0.5 else None
    edge_open = rng.random(len(pairs)) < 0.8 if rng.random() < 0.5 else None
    return n, pairs, km, targets, offsets, mask, edge_open


@pytest.mark.parametrize("tie_heavy", [False, True])
def test_equals_scipy_on_random_graphs(tie_heavy: bool) -> None:
    rng = np.random.default_rng(7 + tie_heavy)
    for _ in range(800):
        n, pairs, km, targets, offsets, mask, edge_open = _random_case(rng, tie_heavy)
        _check(_graph(n, pairs, km), *_source_row(targets, offsets, n), mask, edge_open)


def test_grids_of_equal_roads() -> None:
    rng = np.random.default_rng(11)
    for side in (2, 3, 5, 8, 12):
        pairs = _grid(side)
        n = side * side
        for km in (1.0, 2.0, 0.5):
            graph = _graph(n, pairs, np.full(len(pairs), km))
            for _ in range(12):
                k = int(rng.integers(1, 6))
                targets = rng.integers(0, n, k).astype(np.int64)
                offsets = km * rng.integers(0, 4, k)  # whole roads apart: ties everywhere
                mask = rng.random(n) < 0.8 if rng.random() < 0.4 else None
                edge_open = rng.random(len(pairs)) < 0.85 if rng.random() < 0.4 else None
                _check(graph, *_source_row(targets, offsets, n), mask, edge_open)


def test_ties_go_to_the_highest_town() -> None:
    # scipy pops equal distances highest town first, so that town is the predecessor
    graph = _graph(25, _grid(5), np.full(40, 2.0))
    got = SmallPaths(*graph).search(*_source_row(np.array([0]), np.zeros(1), 25), None, None)
    assert got is not None
    assert got[1][6] == 5  # 6 is 4 km from 0 through 1 and through 5, both at 2 km
    line = _graph(3, [(0, 1), (1, 2)], np.ones(2))
    got = SmallPaths(*line).search(*_source_row(np.array([0, 2]), np.zeros(2), 3), None, None)
    assert got is not None and got[1].tolist() == [-1, 2, -1]


def test_directed_graphs_that_are_not_symmetric() -> None:
    """The port is scipy's directed search on any CSR graph, not only on symmetric maps."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(2, 50))
        m = int(rng.integers(1, 4 * n))
        a = csr_matrix((rng.choice([0.5, 1.0, 2.0, 3.0], m),
                        (rng.integers(0, n, m), rng.integers(0, n, m))), shape=(n, n))
        graph = (a.indptr, a.indices, a.data, np.arange(len(a.data)))
        k = int(rng.integers(1, 5))
        targets = rng.integers(0, n, k).astype(np.int64)
        edge_open = rng.random(len(a.data)) < 0.8 if rng.random() < 0.5 else None
        _check(graph, *_source_row(targets, rng.choice([0.0, 1.0, 3.0], k), n), None,
               edge_open)


def test_unreachable_masked_and_closed() -> None:
    graph = _graph(5, [(0, 1), (1, 2), (2, 3), (3, 4)], np.array([1.0, 2.0, 3.0, 4.0]))
    cols, weights = _source_row(np.array([0]), np.zeros(1), 5)
    mask = np.array([True, True, False, True, True])
    got = SmallPaths(*graph).search(cols, weights, mask, None)
    assert got is not None
    assert got[0].tolist() == [1e-9, 1.000000001, np.inf, np.inf, np.inf]
    assert got[1].tolist() == [-1, 0, -1, -1, -1]
    # a target outside the mask is reached, but none of its roads is used
    cols, weights = _source_row(np.array([2]), np.zeros(1), 5)
    got = SmallPaths(*graph).search(cols, weights, mask, None)
    assert got is not None and got[0].tolist() == [np.inf, np.inf, 1e-9, np.inf, np.inf]
    got = SmallPaths(*graph).search(cols, weights, None, np.array([True, True, False, True]))
    assert got is not None and got[1].tolist() == [1, 2, -1, -1, -1]


def test_zero_huge_and_infinite_weights_are_answered() -> None:
    graph = _graph(4, [(0, 1), (1, 2), (2, 3)], np.array([0.01, 1.0, 0.0]))
    for offsets in ([1e14, 0.0], [np.inf, 2.0], [0.0, 0.0], [-1e-9, 1.0], [np.inf, np.inf]):
        _check(graph, *_source_row(np.array([0, 3]), np.array(offsets), 4), None, None)
    _check(_graph(3, [(0, 1), (1, 2)], np.array([np.inf, 1.0])),
           *_source_row(np.array([0]), np.zeros(1), 3), None, None)


def test_declines_on_negative_or_nan_weights() -> None:
    graph = _graph(3, [(0, 1), (1, 2)], np.array([0.01, 1.0]))
    for bad in (-1.0, np.nan):
        cols, weights = _source_row(np.array([0]), np.array([bad]), 3)
        assert SmallPaths(*graph).search(cols, weights, None, None) is None
    assert not SmallPaths(*_graph(2, [(0, 1)], np.array([-1.0]))).ok
    assert not SmallPaths(*_graph(2, [(0, 1)], np.array([np.nan]))).ok


@pytest.mark.parametrize("source", ["generated", "default"])
def test_world_field_equals_the_scipy_path(monkeypatch: pytest.MonkeyPatch,
                                           source: str) -> None:
    """``World.field`` on a generated map and on the default scenario's (whole-km roads)."""
    scenario = generate_scenario(60, 3, None, seed=5) if source == "generated" else (
        DEFAULT_SCENARIO)
    world = World(load_scenario(scenario).scenario)
    plain = World(load_scenario(scenario).scenario)
    rng = np.random.default_rng(3)
    cases = []
    for _ in range(80):
        k = int(rng.integers(1, 6))
        targets = rng.integers(0, world.n, k).astype(np.int64)
        offsets = rng.choice([0.0, 0.0, 12.5, 40.0, 60.0, 120.0], k)
        mask = rng.random(world.n) < 0.7 if rng.random() < 0.5 else None
        edge_open = rng.random(world.m) < 0.85 if rng.random() < 0.5 else None
        cases.append((targets, offsets, mask, edge_open))
    calls = []
    search = SmallPaths.search

    def spy(self: SmallPaths, *args: object) -> object:
        got = search(self, *args)  # type: ignore[arg-type]
        calls.append(got is not None)
        return got

    monkeypatch.setattr(SmallPaths, "search", spy)
    fast = [world.field(*c) for c in cases]
    assert calls and all(calls)  # every search answered in Python
    monkeypatch.setattr(sw, "SMALL_GRAPH", 0)  # the scipy path only
    monkeypatch.setattr(sw, "SMALL_UNMASKED", 0)
    for c, f in zip(cases, fast, strict=True):
        ref = plain.field(*c)
        assert f.dist.tolist() == ref.dist.tolist()
        assert f.next_hop.tolist() == ref.next_hop.tolist()
    assert plain._small is None
