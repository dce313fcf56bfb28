"""``sim.smallpaths`` gives scipy's distances and next hops, bit for bit, or declines.

Adversarial inputs: random graphs with weights from a small set (many equal sums), masks,
closed roads, targets listed twice, equal offsets, grids of equal roads (where the heap's
order among equal distances would decide and the search must decline), vanishing weights.
The oracle is the scipy search as ``World._search`` builds it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import sim.world as sw
from sim.generate import generate_scenario
from sim.scenario import load_scenario
from sim.smallpaths import SmallPaths
from sim.world import World, _source_row


def _graph(n: int, pairs: list[tuple[int, int]], km: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def _scipy(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, edge: np.ndarray,
           cols: np.ndarray, weights: np.ndarray, mask: np.ndarray | None,
           edge_open: np.ndarray | None) -> tuple[list[float], list[int]]:
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


def _random_case(rng: np.random.Generator, tie_heavy: bool):
    n = int(rng.integers(2, 40))
    ends = rng.integers(0, n, (int(rng.integers(1, 3 * n)), 2))
    pairs = sorted({(int(a), int(b)) for a, b in ends if a < b})
    if not pairs:
        pairs = [(0, n - 1)]
    if tie_heavy:
        km = rng.choice([1.0, 2.0, 3.0, 0.5], len(pairs))
    else:
        km = rng.uniform(0.01, 50.0, len(pairs))
    k = int(rng.integers(1, 5))
    targets = rng.integers(0, n, k).astype(np.int64)
    if rng.random() < 0.3:
        targets[-1] = targets[0]  # listed twice: summed, as csr_matrix does
    offsets = rng.choice([0.0, 0.0, 1.0, 2.5], k)
    mask = rng.random(n) < 0.75 if rng.random() < 0.5 else None
    edge_open = rng.random(len(pairs)) < 0.8 if rng.random() < 0.5 else None
    return n, pairs, km, targets, offsets, mask, edge_open


@pytest.mark.parametrize("tie_heavy", [False, True])
def test_equals_scipy_or_declines_on_random_graphs(tie_heavy: bool) -> None:
    rng = np.random.default_rng(7 + tie_heavy)
    answered = declined = 0
    for _ in range(400):
        n, pairs, km, targets, offsets, mask, edge_open = _random_case(rng, tie_heavy)
        graph = _graph(n, pairs, km)
        cols, weights = _source_row(targets, offsets, n)
        got = SmallPaths(*graph).search(cols, weights, mask, edge_open)
        if got is None:
            declined += 1
            continue
        answered += 1
        dist, hop = _scipy(*graph, cols, weights, mask, edge_open)
        assert got[0].tolist() == dist
        assert got[1].tolist() == hop
        assert got[0].dtype == np.float64 and got[1].dtype == np.int64
    assert answered > 250  # the fast path is used, ties or not
    if tie_heavy:
        assert declined > 0  # equal weights do make the heap's order matter sometimes
    else:
        assert declined == 0


def test_grid_of_equal_roads_declines() -> None:
    side = 5
    pairs = [(r * side + c, r * side + c + 1) for r in range(side) for c in range(side - 1)]
    pairs += [(r * side + c, (r + 1) * side + c) for r in range(side - 1) for c in range(side)]
    graph = _graph(side * side, pairs, np.full(len(pairs), 2.0))
    cols, weights = _source_row(np.array([0]), np.zeros(1), side * side)
    # town 6 is reached at 4 km from towns 1 and 5, both at 2 km: the heap's order decides
    assert SmallPaths(*graph).search(cols, weights, None, None) is None


def test_equal_weights_without_a_tie_are_answered() -> None:
    # a star: every road 1 km, but each town has a single way in
    graph = _graph(5, [(0, 1), (0, 2), (0, 3), (0, 4)], np.ones(4))
    cols, weights = _source_row(np.array([0, 0]), np.array([1.0, 1.0]), 5)
    got = SmallPaths(*graph).search(cols, weights, None, None)
    assert got is not None
    assert got[0].tolist() == [2.000000002, 3.000000002, 3.000000002, 3.000000002,
                               3.000000002]
    assert got[1].tolist() == [-1, 0, 0, 0, 0]
    # two targets at the same offset, one town between them: a tie at town 1
    line = _graph(3, [(0, 1), (1, 2)], np.ones(2))
    cols, weights = _source_row(np.array([0, 2]), np.zeros(2), 3)
    assert SmallPaths(*line).search(cols, weights, None, None) is None


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


def test_declines_where_a_weight_could_vanish_or_is_not_positive() -> None:
    graph = _graph(3, [(0, 1), (1, 2)], np.array([0.01, 1.0]))
    cols, weights = _source_row(np.array([0]), np.array([1e14]), 3)
    assert SmallPaths(*graph).search(cols, weights, None, None) is None
    cols, weights = _source_row(np.array([0]), np.array([np.inf]), 3)
    assert SmallPaths(*graph).search(cols, weights, None, None) is None
    cols, weights = _source_row(np.array([0]), np.array([-1e-9]), 3)
    assert SmallPaths(*graph).search(cols, weights, None, None) is None
    assert not SmallPaths(*_graph(2, [(0, 1)], np.array([np.inf]))).ok


def test_world_field_equals_the_scipy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(load_scenario(generate_scenario(60, 3, None, seed=5)).scenario)
    plain = World(load_scenario(generate_scenario(60, 3, None, seed=5)).scenario)
    rng = np.random.default_rng(3)
    cases = []
    for _ in range(60):
        k = int(rng.integers(1, 6))
        targets = rng.integers(0, world.n, k).astype(np.int64)
        offsets = rng.choice([0.0, 0.0, 12.5, 40.0], k)
        mask = rng.random(world.n) < 0.7 if rng.random() < 0.5 else None
        edge_open = rng.random(world.m) < 0.85 if rng.random() < 0.5 else None
        cases.append((targets, offsets, mask, edge_open))
    fast = [world.field(*c) for c in cases]
    assert world._small is not None
    monkeypatch.setattr(sw, "SMALL_GRAPH", 0)  # the scipy path only
    for c, f in zip(cases, fast, strict=True):
        ref = plain.field(*c)
        assert f.dist.tolist() == ref.dist.tolist()
        assert f.next_hop.tolist() == ref.next_hop.tolist()
    assert plain._small is None
