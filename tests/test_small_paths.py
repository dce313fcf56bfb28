"""The small-map fast paths give the answers of the general ones, and profile_day keeps working.

``components`` (a union-find below ``SMALL_GRAPH`` towns) must label exactly as scipy's
``connected_components``; ``field``'s directly built super-source row and its cache must give
the same distances and next hops as the COO-built search; the numpy search of up to ``LEAF``
hostile units behind ``enemy_near`` and ``enemy_within_km`` must find the units a KD-tree
finds, in its order, on boundary cases too.
"""

from __future__ import annotations

import importlib.util
import sys
from fractions import Fraction

import numpy as np
import pytest
from builders import ROOT
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

import sim.model as sm
from sim.components import components
from sim.generate import generate_scenario
from sim.model import TerritoryModel
from sim.numpysum import SEQUENTIAL_SUM, numpy_sum
from sim.sense import Sense
from sim.senseparts import LEAF
from sim.senseparts import Hostile as _Hostile
from sim.world import World


def test_union_find_labels_as_scipy_on_random_graphs() -> None:
    rng = np.random.default_rng(7)
    for _ in range(400):
        n = int(rng.integers(1, 80))
        m = int(rng.integers(0, 2 * n + 1))
        u, v = rng.integers(0, n, m), rng.integers(0, n, m)
        small = components(n, u, v, small=10**9)
        scipy_labels = components(n, u, v, small=0)
        assert small.dtype == scipy_labels.dtype == np.int32
        assert small.tolist() == scipy_labels.tolist()


def test_union_find_on_a_hand_built_graph() -> None:
    # 0-3, 3-1 join {0, 1, 3}; 2 alone; 4-5 (given as 5-4); a self-loop on 2
    labels = components(6, np.array([0, 3, 5, 2]), np.array([3, 1, 4, 2]), small=10)
    assert labels.tolist() == [0, 0, 1, 0, 2, 2]


def _world(towns: int = 60) -> World:
    from sim.scenario import load_scenario

    return World(load_scenario(generate_scenario(towns, 3, None, seed=3)).scenario)


def _coo_field(w: World, targets: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, ...]:
    """The search as the code before the fast row built it (COO row, then CSR)."""
    n = w.n
    row = csr_matrix(
        (offsets + 1e-9, (np.zeros(len(targets), dtype=np.int64), targets)), shape=(1, n + 1)
    )
    a = w.adj_eff
    big = csr_matrix(
        (
            np.concatenate((a.data, row.data)),
            np.concatenate((a.indices, row.indices)),
            np.concatenate((a.indptr, [a.indptr[-1] + len(row.indices)])),
        ),
        shape=(n + 1, n + 1),
    )
    dist, pred = dijkstra(big, directed=True, indices=n, return_predecessors=True)
    hop = pred[:n].astype(np.int64)
    hop[(hop == n) | (hop < 0)] = -1
    return dist[:n], hop


def test_field_equals_the_coo_built_search_and_is_cached() -> None:
    w = _world()
    rng = np.random.default_rng(1)
    for trial in range(40):
        k = int(rng.integers(1, 6))
        targets = rng.integers(0, w.n, k).astype(np.int64)
        if trial % 4 == 0:
            targets[-1] = targets[0]  # a target listed twice: offsets summed, as csr_matrix does
        offsets = rng.choice([0.0, 0.0, 12.5, 40.0], k)
        dist, hop = _coo_field(w, targets, offsets)
        got = w.field(targets, offsets)
        assert got.dist.tolist() == dist.tolist()
        assert got.next_hop.tolist() == hop.tolist()
        assert w.field(targets.copy(), offsets.copy()) is got  # same inputs: the kept answer
    with pytest.raises(ValueError):
        got.dist[0] = 1.0  # shared answers are read-only


def _tree_hits(pts: np.ndarray, q: np.ndarray, r: float) -> list[int]:
    return [int(i) for i in cKDTree(pts).query_ball_point(q, r=r)]


def test_small_point_sets_searched_without_a_tree_as_the_tree_does() -> None:
    rng = np.random.default_rng(3)
    for t in range(3000):
        k = int(rng.integers(1, LEAF + 1))
        pts = rng.uniform(-200, 200, (k, 2))
        q = rng.uniform(-200, 200, 2)
        j = int(rng.integers(0, k))
        d0, d1 = pts[j, 0] - q[0], pts[j, 1] - q[1]
        r = float(np.sqrt(d0 * d0 + d1 * d1)) if t % 2 else float(rng.uniform(0, 300))
        if t % 5 == 0:  # one step either side of a point's distance
            r = float(np.nextafter(r, np.inf if t % 3 == 0 else 0.0))
        hostile = _Hostile(pts, np.ones(k, dtype=bool), frozenset())
        assert list(hostile.within(q, r)) == _tree_hits(pts, q, r)
        assert hostile.tree() is not None and hostile.tree() is hostile.tree()
    big = rng.uniform(0, 50, (LEAF + 9, 2))  # above LEAF: the tree's own answer
    hits = _Hostile(big, np.ones(len(big), bool), frozenset()).within(np.array([25.0, 25.0]), 12)
    assert list(hits) == _tree_hits(big, np.array([25.0, 25.0]), 12.0)


def test_small_search_rounds_as_the_tree_where_a_fused_multiply_add_would_not() -> None:
    # points whose squared distance is r*r when summed as two rounded squares, but larger
    # when the last square is fused into the sum: the tree (compiled without FMA) keeps them,
    # and so must the numpy search
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 100:
        p = rng.uniform(-100, 100, 2)
        first = p[0] * p[0]
        summed = first + p[1] * p[1]
        fused = float(Fraction(first) + Fraction(p[1]) * Fraction(p[1]))
        if fused <= summed:
            continue
        r = next((c for c in (np.sqrt(summed), np.nextafter(np.sqrt(summed), 0.0),
                              np.nextafter(np.sqrt(summed), np.inf)) if c * c == summed), None)
        if r is None:
            continue
        checked += 1
        origin = np.zeros(2)
        assert _tree_hits(p[None, :], origin, float(r)) == [0]
        assert list(_Hostile(p[None, :], np.ones(1, bool), frozenset()).within(origin, r)) == [0]


def test_numpy_sums_short_arrays_one_after_the_other_from_zero() -> None:
    # what Sense._fighters_of relies on to sum a few fighters in plain Python
    rng = np.random.default_rng(2)
    for _ in range(4000):
        n = int(rng.integers(0, SEQUENTIAL_SUM))
        values = (rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n)).tolist()
        if n and rng.random() < 0.2:
            values[0] = -0.0
        total = 0.0
        for v in values:
            total += v
        got = float(np.array(values, dtype=float).sum())
        assert (got, np.copysign(1.0, got)) == (total, np.copysign(1.0, total))


def test_numpy_sum_adds_as_numpy_does() -> None:
    """numpysum.numpy_sum (numpy's pairwise order in Python floats) against numpy's sum."""
    rng = np.random.default_rng(3)
    for _ in range(3000):
        n = int(rng.integers(0, 400))
        values = (rng.random(n) * 10.0 ** rng.integers(-8, 9, n)).tolist()
        if n and rng.random() < 0.2:
            values[int(rng.integers(n))] = -0.0
        if rng.random() < 0.2:
            values = [-v for v in values]
        arr = np.array(values, dtype=float)
        got, want = numpy_sum(values), float(arr.sum())
        assert (got, np.copysign(1.0, got)) == (want, np.copysign(1.0, want))
        assert type(got) is float
        idx = np.flatnonzero(rng.random(n) < 0.5)  # a fancy-indexed copy, as _fighters_of
        assert numpy_sum([values[i] for i in idx.tolist()]) == float(arr[idx].sum())


def test_enemy_near_equals_a_direct_sum_over_hostile_units() -> None:
    model = TerritoryModel(generate_scenario(80, 3, 12, seed=2))
    model.run(3)
    sense: Sense = model.sense
    w = model.world
    seen = 0
    for f in range(3):
        hostile = [u for u in model.unit_list if u.faction in model.relations.enemies[f]]
        for town in range(0, w.n, 7):
            for km in (0.0, 30.0, 90.0):
                got = sense.call(f, None, "enemy_near", (w.ids[town], km))
                want = sum(
                    u.fighters
                    for u in hostile
                    if np.hypot(*(np.array(w.project(*u.position())) - w.xy[town])) <= km
                )
                assert got == pytest.approx(want, rel=1e-12, abs=1e-9)
                seen += want > 0
    assert seen > 10  # the map has hostile units near towns to count


def _profile_day() -> object:
    spec = importlib.util.spec_from_file_location(
        "profile_day", ROOT / "benchmarks" / "profile_day.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["profile_day"] = module
    spec.loader.exec_module(module)
    return module


def test_profile_day_runs_two_days_and_restores_the_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = {name: getattr(sm, name) for name in ("give_orders", "fight", "compute_supply")}
    refresh = Sense.refresh
    table = _profile_day().main(  # type: ignore[attr-defined]
        ["--towns", "40", "--days", "2", "--warmup", "1", "--top", "5"]
    )
    out = capsys.readouterr().out
    for label in ("orders + movement", "battles", "supply / sieges", "record", "other"):
        assert label in table and label in out
    assert all(ms >= 0 for label, ms in table.items() if label != "other")
    assert "function calls" in out  # the cProfile part ran
    assert {name: getattr(sm, name) for name in before} == before
    assert Sense.refresh is refresh
