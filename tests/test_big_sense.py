"""The Sense's paths for many units and towns give what its plain loops and queries give."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

import sim.sense
import sim.sensenear
from sim.generate import generate_scenario
from sim.model import TerritoryModel
from sim.senseparts import maybe_near as _maybe_near
from sim.senseparts import unit_xy
from sim.world import World


def test_the_grid_pre_filter_keeps_every_town_within_reach() -> None:
    rng = np.random.default_rng(3)
    pts = rng.uniform(-200, 200, (300, 2))
    km = 25.0
    # towns exactly km away along an axis and a diagonal, a hair inside and outside, random
    angle = rng.uniform(0, 2 * np.pi, 300)
    ring = pts + km * np.column_stack((np.cos(angle), np.sin(angle)))
    axis = pts + np.array([km, 0.0])
    xy = np.concatenate((ring, axis, axis - [2 * km, 0.0], pts + np.array([0.0, km * (1 + 1e-12)]),
                         rng.uniform(-260, 260, (4000, 2))))
    keep = _maybe_near(xy, pts, km)
    within = cKDTree(pts).query_ball_point(xy, r=km, return_length=True) > 0
    assert not (within & ~keep).any()  # never drops a town within km
    assert keep[:600].all() and within[:600].sum() > 300  # on the boundary: kept
    assert (~keep).sum() > 1000  # and it does drop towns far from every point


def test_threatened_towns_the_same_with_and_without_the_pre_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = TerritoryModel(generate_scenario(3000, 3, None, seed=2), days=3).run()
    s = model.sense
    got = {}
    for limit in (0, 10**9):
        monkeypatch.setattr(sim.sensenear, "PREFILTER_TOWNS", limit)
        got[limit] = [s.threatened_towns(f, model.towns.controller == f, km).tolist()
                      for f in range(3) for km in (0.0, 5.0, 20.0, 60.0, 400.0)]
    assert got[0] == got[10**9]
    assert any(got[0]) and min(map(len, got[0])) < max(map(len, got[0]))


def _sums(model: TerritoryModel) -> list[bytes]:
    s = model.sense
    s.refresh()
    return [s.town_fighters().tobytes(), s.defenders().tobytes(),
            *(s.strength_ratios(f).tobytes() for f in range(len(model.factions)))]


def test_fighter_sums_on_arrays_are_the_loops_floats(monkeypatch: pytest.MonkeyPatch) -> None:
    model = TerritoryModel(generate_scenario(2000, 3, None, seed=5), days=6).run()
    for i, u in enumerate(model.unit_list):  # units sharing towns, sums that round
        u.fighters = [0.1, 1e16, 3.0, 1 / 3, 0.0][i % 5]
        if i % 7 == 0:
            u.node = model.unit_list[0].node
    moving = sum(u.dest >= 0 for u in model.unit_list)
    assert moving and len(model.unit_list) > sim.sense.VECTOR_UNITS
    arrays = _sums(model)
    monkeypatch.setattr(sim.sense, "VECTOR_UNITS", 10**9)
    assert _sums(model) == arrays


def test_edges_looks_up_as_edge() -> None:
    model = TerritoryModel(generate_scenario(500, 2, None, seed=1))
    w: World = model.world
    rng = np.random.default_rng(1)
    u = np.concatenate((w.eu, w.ev, rng.integers(w.n, size=500)))
    v = np.concatenate((w.ev, w.eu, rng.integers(w.n, size=500)))
    assert w.edges(u, v).tolist() == [w.edge(a, b) for a, b in zip(u, v, strict=True)]


def test_ratio_first_shares_the_units_read_with_town_fighters() -> None:
    """strength_ratios asked first (its units' read serves town_fighters) or town_fighters."""
    model = TerritoryModel(generate_scenario(2000, 3, None, seed=5), days=6).run()
    for i, u in enumerate(model.unit_list):
        u.fighters = [0.1, 1e16, 3.0, 1 / 3, 0.0, -0.0][i % 6]
    s = model.sense
    assert len(model.unit_list) > sim.sense.VECTOR_UNITS
    s.refresh()
    ratios = [s.strength_ratios(f).tobytes() for f in range(len(model.factions))]
    table = s.town_fighters().tobytes()
    s.refresh()
    assert s.town_fighters().tobytes() == table
    assert [s.strength_ratios(f).tobytes() for f in range(len(model.factions))] == ratios


def test_unit_xy_from_the_snapshot_is_read_from_the_units() -> None:
    model = TerritoryModel(generate_scenario(2000, 3, None, seed=5), days=6).run()
    units = model.unit_list
    assert any(u.dest >= 0 for u in units) and any(u.dest < 0 for u in units)
    where = [(u.node, u.dest, u.progress, u.faction) for u in units]
    cols = tuple(zip(*where, strict=True))
    got = unit_xy(model.world, units, cols)
    assert got.tobytes() == unit_xy(model.world, units).tobytes()
    assert [tuple(p) for p in got.tolist()] == [model.world.project(*u.position()) for u in units]


def test_ratio_after_moves_reads_the_blocs_units_as_all_units() -> None:
    """With the fighters by town fixed, a later ratio reads its bloc's units where they stand
    now; the same floats as adding every unit of the bloc from the all-units arrays."""
    model = TerritoryModel(generate_scenario(2000, 3, None, seed=5), days=6).run()
    s, w, rel = model.sense, model.world, model.relations
    units = model.unit_list
    for i, u in enumerate(units):
        u.fighters = [0.1, 1e16, 3.0, 1 / 3, 0.0, -0.0][i % 6]
    s.refresh()
    hostile = [s._hostile(f) for f in range(len(model.factions))]  # fixed from here on
    assert s.presence_fixed() and len(units) > sim.sense.VECTOR_UNITS
    for i, u in enumerate(units):  # units move after the fighters by town were taken
        if i % 3 == 0:
            u.node = units[(i * 7) % len(units)].node
    for f in range(len(model.factions)):
        fac = np.array([u.faction for u in units])
        node = np.array([u.node for u in units])
        fighters = np.array([u.fighters for u in units], dtype=float)
        ours = rel.friend_of[f][fac]
        friendly = np.zeros(w.n)
        np.add.at(friendly, node[ours], fighters[ours])
        with np.errstate(divide="ignore", invalid="ignore"):
            near_f, near_h = w.adj_self @ friendly, w.adj_self @ hostile[f]
            want = np.where(near_h > 0, near_f / np.maximum(near_h, 1e-12),
                            sim.sense.NO_ENEMY_RATIO)
        assert s.strength_ratios(f).tobytes() == want.tobytes()
