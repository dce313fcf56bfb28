"""Sweep designs: listed values, ranges, grids, Latin hypercube and Sobol samples, and seeds."""

import numpy as np
import pytest
from builders import DATA

from sim.sweep.design import ParamDef, build_design, expand_points, range_values, run_seeds
from sim.sweep.spec import load_sweep


def test_range_by_step_is_inclusive_and_free_of_binary_noise():
    assert range_values(0, 0.05, step=0.01) == (0.0, 0.01, 0.02, 0.03, 0.04, 0.05)
    assert range_values(0.1, 0.3, step=0.1) == (0.1, 0.2, 0.3)
    assert range_values(0, 1, step=0.3) == (0.0, 0.3, 0.6, 0.9)  # 1.2 would overshoot


def test_integer_range_stays_integer():
    values = range_values(1000, 6000, step=1000)
    assert values == (1000, 2000, 3000, 4000, 5000, 6000)
    assert all(type(v) is int for v in values)


def test_range_by_num_linear_and_log():
    assert range_values(0, 1, num=5) == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert range_values(0.001, 0.1, num=3, log=True) == (0.001, 0.01, 0.1)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"step": 0.1, "num": 3}, "either step or num"),
    ({}, "either step or num"),
    ({"step": -1}, "positive"),
    ({"num": 3, "log": True, "start": 0}, "positive from"),
    ({"step": 1e-12}, "more than 100,000 values"),
    ({"num": 0}, "num must be 1 to 100,000"),
    ({"step": 1, "start": float("nan")}, "finite"),
    ({"step": 1, "start": -10**400}, "finite"),
])
def test_bad_ranges(kwargs, match):
    start = kwargs.pop("start", 1)
    with pytest.raises(ValueError, match=match):
        range_values(start, 2, **kwargs)


def test_grid_is_the_cartesian_product_first_parameter_slowest():
    a = ParamDef("a", values=(1, 2))
    b = ParamDef("b", values=("x", "y", "z"))
    points = expand_points((a, b), "grid", None, 0)
    assert points == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                      {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]
    assert expand_points((), "grid", None, 0) == [{}]


def test_latin_hypercube_fills_every_stratum_once_and_is_seeded():
    x = ParamDef("x", low=0.0, high=10.0)
    y = ParamDef("y", low=1.0, high=100.0, log=True)
    n = 16
    points = expand_points((x, y), "lhs", n, 3)
    assert len(points) == n
    xs = np.array([p["x"] for p in points])
    ys = np.array([p["y"] for p in points])
    assert sorted(np.floor(xs / 10 * n).astype(int)) == list(range(n))
    assert sorted(np.floor(np.log10(ys) / 2 * n).astype(int)) == list(range(n))
    assert expand_points((x, y), "lhs", n, 3) == points
    assert expand_points((x, y), "lhs", n, 4) != points


def test_integer_samples_cover_low_to_high_inclusive():
    k = ParamDef("k", low=1, high=4, integer=True)
    values = [p["k"] for p in expand_points((k,), "lhs", 40, 0)]
    assert set(values) == {1, 2, 3, 4}
    assert all(type(v) is int for v in values)


def test_sobol_points_are_balanced_and_seeded():
    x = ParamDef("x", low=0.0, high=1.0)
    points = [p["x"] for p in expand_points((x,), "sobol", 8, 1)]
    # a scrambled Sobol sequence of 2^k points puts one point in each 1/2^k interval
    assert sorted(int(v * 8) for v in points) == list(range(8))
    assert points == [p["x"] for p in expand_points((x,), "sobol", 8, 1)]


def test_sampled_parameters_are_crossed_with_listed_ones():
    plan = load_sweep(DATA / "sweep_lhs.yaml")
    points = plan.design.points
    assert len(points) == 2 * 8  # kill_rate [0.03, 0.05] x 8 samples
    assert [p["simulation.combat.kill_rate"] for p in points] == [0.03] * 8 + [0.05] * 8
    rates = [p["factions.blue.rules.conscript.with.rate"] for p in points]
    assert rates[:8] == rates[8:]  # the same samples at each listed value
    assert plan.design.n_runs == 32


def test_run_seeds_come_from_seedsequence_spawn():
    runs_seq = np.random.SeedSequence(7).spawn(2)[1]
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1))
                for c in runs_seq.spawn(3)]
    assert run_seeds(7, 2, 3, "common") == tuple(expected * 2)
    independent = run_seeds(7, 2, 3, "independent")
    assert independent[:3] == tuple(expected)
    assert len(set(independent)) == 6
    assert all(0 <= s < 2**63 for s in independent)


def test_runs_are_numbered_point_major():
    d = build_design((ParamDef("a", values=(1, 2, 3)),), "grid", None, 4, 0, "common")
    assert d.n_runs == 12
    run = d.run(9)
    assert (run.point, run.replicate, run.params) == (2, 1, {"a": 3})
    assert run.seed == d.run(1).seed  # common random numbers across points
    assert [r.index for r in d.runs()] == list(range(12))


def test_one_at_a_time_moves_each_parameter_alone_around_its_middle_value():
    p = ParamDef("x", values=(8, 10, 12))
    q = ParamDef("y", values=(0.1, 0.2, 0.3, 0.4, 0.5))
    points = expand_points((p, q), "oat", None, 0)
    assert points == [{"x": 10, "y": 0.3},                       # the base
                      {"x": 8, "y": 0.3}, {"x": 12, "y": 0.3},   # x alone
                      {"x": 10, "y": 0.1}, {"x": 10, "y": 0.2},  # y alone
                      {"x": 10, "y": 0.4}, {"x": 10, "y": 0.5}]
    design = build_design((p, q), "oat", None, 3, 1, "common")
    assert design.n_runs == 7 * 3
    assert [r.seed for r in design.runs()][:3] == [r.seed for r in design.runs()][3:6]
