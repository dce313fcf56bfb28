"""Masked searches of many targets (``sim.fieldseeds``) give the whole-map search's answers.

The targets no road can beat are set at once and only the other towns are searched; the
distances and next hops must be scipy's on the whole masked map, bit for bit: on generated
maps with rear-like target sets (most towns of the mask), offsets that leave some targets
beatable, closed roads and targets outside the mask; and on a grid of equal roads, where the
heap's order among equal distances decides and the seeded search must give way.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_big_paths import _grid

import sim.world
from sim.generate import generate_scenario
from sim.model import TerritoryModel
from sim.world import Field, World


def _both(w: World, targets: np.ndarray, offsets: np.ndarray, mask: np.ndarray,
          edge_open: np.ndarray | None, monkeypatch: pytest.MonkeyPatch) -> tuple[Field, Field]:
    got = w._search(targets, offsets, mask, edge_open)
    with monkeypatch.context() as m:
        m.setattr(sim.world, "seeded_search", lambda *a: None)
        want = w._search(targets, offsets, mask, edge_open)
    return got, want


@pytest.mark.parametrize("size", [300, 2000])
def test_seeded_search_as_the_whole_search(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    w = TerritoryModel(generate_scenario(size, 3, None, 4)).world
    assert w.n > sim.world.SMALL_GRAPH  # scipy's path
    rng = np.random.default_rng(size)
    seeded = 0
    for trial in range(30):
        mask = rng.random(w.n) < rng.choice([0.3, 0.6, 0.9])
        inside = np.flatnonzero(mask)
        share = rng.choice([0.5, 0.8, 0.97])
        targets = inside[rng.random(len(inside)) < share]
        if trial % 5 == 0:  # some targets outside the mask
            targets = np.concatenate((targets, np.flatnonzero(~mask)[:3]))
        targets = rng.permutation(targets).astype(np.int64)
        offsets = np.zeros(len(targets))
        if trial % 3 == 1:  # a few targets a road can beat
            offsets[rng.random(len(targets)) < 0.1] = rng.choice([0.001, 5.0, 40.0])
        edge_open = rng.random(w.m) < 0.9 if trial % 4 == 2 else None
        got, want = _both(w, targets, offsets, mask, edge_open, monkeypatch)
        assert got.dist.tolist() == want.dist.tolist()
        assert got.next_hop.tolist() == want.next_hop.tolist()
        row_idx, row_data = sim.world._source_row(targets, offsets, w.n)
        a = w.adj_eff
        seeded += sim.world.seeded_search(a.indptr, a.indices, a.data, w.nbr_edge, w._least,
                                          w._total, row_idx, row_data, mask,
                                          edge_open) is not None
    assert seeded >= 20  # the seeded path answered most of them


def test_equal_roads_leave_it_to_the_whole_search(monkeypatch: pytest.MonkeyPatch) -> None:
    w = _grid(20)  # 400 towns, every road 10 km: equal distances everywhere
    mask = np.ones(w.n, dtype=bool)
    mask[::7] = False
    targets = np.flatnonzero(mask)[::2].astype(np.int64)  # every other town: ties
    got, want = _both(w, targets, np.zeros(len(targets)), mask, None, monkeypatch)
    assert got.dist.tolist() == want.dist.tolist()
    assert got.next_hop.tolist() == want.next_hop.tolist()
    row_idx, row_data = sim.world._source_row(targets, np.zeros(len(targets)), w.n)
    a = w.adj_eff
    assert sim.world.seeded_search(a.indptr, a.indices, a.data, w.nbr_edge, w._least,
                                   w._total, row_idx, row_data, mask, None) is None  # a tie


def test_too_few_targets_are_not_seeded() -> None:
    w = TerritoryModel(generate_scenario(400, 3, None, 2)).world
    a = w.adj_eff
    mask = np.ones(w.n, dtype=bool)
    row_idx, row_data = sim.world._source_row(np.arange(5), np.zeros(5), w.n)
    assert sim.world.seeded_search(a.indptr, a.indices, a.data, w.nbr_edge, w._least,
                                   w._total, row_idx, row_data, mask, None) is None
