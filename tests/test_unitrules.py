"""The unit form of rule conditions (sim.unitrules) against the scalar evaluator (sim.context)."""

from __future__ import annotations

import math
import re
from typing import Any, cast

import numpy as np
import pytest
from scipy.spatial import cKDTree

from sim.choice import choose, program
from sim.constants import NO_ENEMY_RATIO
from sim.context import UnitContext
from sim.factionday import FactionDay
from sim.model import TerritoryModel
from sim.scenario.expr import compile_condition
from sim.senseparts import LEAF, Hostile, Ratios
from sim.unitrules import compile_unit
from tests.builders import DEFAULT

TOWNS = ("dez_old_city", "humaymah", "al_sukhnah", "mayadin")
CONDITIONS = [
    # every variable (numbers compared with a constant, on either side, and with each other)
    "day >= 3", "3 <= day", "towns_held > 5", "population_held / 1000 > 1",
    "faction_fighters - casualties > 0", "besieged_towns == 0", "fighters > 100",
    "strength < 0.9", "morale >= 0.5", "quality != 1", "strength_ratio > 2",
    "strength_ratio >= 3 and enemy_within_km(30)", "besieged", "not besieged", "supplied",
    "in_battle", "not in_battle or morale < 0.3", "target_odds > 1",
    # functions
    "enemy_within_km(0)", "enemy_within_km(-5)", "enemy_within_km(80)",
    "enemy_fighters_within_km(50) > 200", "enemy_fighters_within_km(50) / fighters < 1",
    "enemy_near('dez_old_city', 150) > 3000", "enemy_near('humaymah', -1) >= 0",
    "holds('humaymah')", "not holds('al_sukhnah') and day > 2", "odds('mayadin') > 1.5",
    "odds('dez_old_city') < odds('humaymah')", "tagged('t2_axis')", "tagged('nope')",
    "units_tagged('m20_raiders') > 1", "fighters_tagged('m20_raiders') > 500",
    "min(fighters, morale * 1000) > 600", "max(strength_ratio, 1) * 2 <= 6",
    "abs(-fighters) > 2", "min(morale, 0.5) == max(morale, 0.5)",
    # arithmetic and truth values: division by zero, chains, and/or of numbers
    "fighters / (morale - morale) > 1", "-fighters / 0 < 0", "(day - day) / 0 == 0",
    "1 < morale * 2 < 3", "0 <= strength_ratio <= 100 < fighters", "fighters and morale",
    "not fighters", "in_battle or besieged or supplied", "day > 1 and morale > 0.1 and fighters",
    "+morale > 0.5", "fighters % 7 > 3", "fighters % (day - day) == 0", "true", "false",
    "1 == 1.0",
    # the fused comparisons of a unit attribute or the strength ratio with a constant
    "morale < 0.3", "quality <= 1", "fighters >= 500", "strength > 0.5", "strength_ratio < 100",
    "strength_ratio <= 1", "enemy_fighters_within_km(0) >= 0", "enemy_within_km(25.5)",
    # the fused forms of an and/or (sim.unitrules._truth)
    "morale < 0.3 or fighters > 100", "strength_ratio > 1.0 and enemy_within_km(25)",
    "quality > 0.5 and strength <= 1 and fighters > 0", "strength_ratio < 2 or in_battle",
    "fighters >= 10 and not besieged", "in_battle and morale > 0.2", "morale < 0.1 or 1 > 2",
]


def raw_value(source: str, unit: Any, m: TerritoryModel) -> tuple[Any, Any]:
    """(the scalar evaluator's value, the unit form's value) of a condition for a unit."""
    cond = compile_condition(source)
    f = unit.faction
    stats = m.record.stats[f]
    ctx = UnitContext(unit, m.day, stats, m.sense, m.supply)
    env = FactionDay(f, m.day, stats, m.sense, m.supply)
    return cond._fn(ctx), compile_unit(cond).fn(unit, env)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.fixture(scope="module")
def model() -> TerritoryModel:
    return TerritoryModel(DEFAULT, seed=3)


@pytest.mark.parametrize("days", [0, 4, 25])
def test_every_name_gives_the_same_value(model: TerritoryModel, days: int) -> None:
    model.run(days - model.day) if days > model.day else None
    assert model.unit_list
    for unit in model.unit_list:
        for source in CONDITIONS:
            plain, fast = raw_value(source, unit, model)
            assert same(plain, fast), (source, unit.key, plain, fast)
            env = FactionDay(unit.faction, model.day, model.record.stats[unit.faction],
                             model.sense, model.supply)
            truth = compile_unit(compile_condition(source)).test(unit, env)
            assert bool(truth) is bool(plain), (source, unit.key, plain, truth)


def test_conditions_of_the_unit_alone_are_not_kept_per_faction() -> None:
    free = {s: compile_unit(compile_condition(s)).unit_free for s in CONDITIONS}
    assert free["day >= 3"] and free["holds('humaymah')"] and free["true"]
    assert free["enemy_near('dez_old_city', 150) > 3000"]
    for name in ("fighters", "strength_ratio", "enemy_within_km", "odds", "tagged",
                 "units_tagged", "besieged", "target_odds"):
        assert not any(v for s, v in free.items() if re.search(rf"\b{name}\b", s)), name


def test_the_program_chooses_the_rule_choose_does() -> None:
    m = TerritoryModel(DEFAULT, seed=5)
    for _ in range(30):
        envs: dict[int, FactionDay] = {}
        for unit in m.unit_list:
            f = unit.faction
            stats = m.record.stats[f]
            rules = m.factions[f].unit_rules
            env = envs.setdefault(f, FactionDay(f, m.day, stats, m.sense, m.supply))
            ctx = UnitContext(unit, m.day, stats, m.sense, m.supply)
            seen: list[str] = []

            def gate(unit: Any, rule: Any, seen: list[str] = seen) -> bool:
                seen.append(rule.id)
                return rule.action != "raid"  # every raid refused: the next rule decides

            plain = choose(unit, rules, ctx, lambda rule, unit=unit: gate(unit, rule))
            asked = list(seen)
            seen.clear()
            assert program(rules).first(unit, env, gate) is plain
            # the gate is asked only about raid and bridge rules (it accepts every other one)
            assert seen == [r for r in asked if r in {x.id for x in rules
                                                        if x.action in ("raid", "bridge")}]
        m.step()


def test_strength_ratios_town_by_town_are_the_arrays_floats(model: TerritoryModel) -> None:
    """Ratios.at against the sparse product and np.where, on awkward fighters too."""
    w = model.world
    rows = model.sense._rows()
    rng = np.random.default_rng(7)
    specials = np.array([0.0, -0.0, 1e-13, 1e-12, 5e-324, 1e308, math.inf, math.nan, 3.0])
    for trial in range(60):
        friendly = rng.choice([0.0, 0.0, 0.1, 1.0 / 3, 250.0, 1e17], size=w.n)
        k = trial % 5  # hostile factions: 0 to 4 rows of the Sense's table
        table = rng.choice([0.0, 0.0, -0.0, 7.0, 0.2, 1e-6, 3e15, 1.0 / 3], size=(k, w.n))
        if trial % 3 == 0:
            friendly[rng.integers(w.n, size=5)] = rng.choice(specials, size=5)
            if k:
                table[rng.integers(k), rng.integers(w.n, size=5)] = rng.choice(specials, size=5)
        with np.errstate(all="ignore"):
            hostile = table.sum(axis=0) if k else np.zeros(w.n)  # as Sense._hostile
            near_f, near_h = w.adj_self @ friendly, w.adj_self @ hostile
            want = np.where(near_h > 0, near_f / np.maximum(near_h, 1e-12), NO_ENEMY_RATIO)
        lists = table.tolist()

        def row_by_row(town: int, lists: list[list[float]] = lists) -> float:
            h = 0.0
            for row in lists:
                h += row[town]
            return h

        got = Ratios(friendly.tolist(), row_by_row, rows)
        assert np.array([got.at(t) for t in range(w.n)]).tobytes() == want.tobytes()
        one = Ratios(friendly.tolist(), hostile.tolist().__getitem__, rows)  # summed at once
        assert np.array([one.at(t) for t in range(w.n)]).tobytes() == want.tobytes()


def test_strength_ratio_of_one_town_is_the_arrays_entry() -> None:
    """The Sense's small path against its array path, on the run's own states."""
    m = TerritoryModel(DEFAULT, seed=2)
    for _ in range(40):
        m.step()
        for f in range(len(m.factions)):
            small = [m.sense.strength_ratio(f, t) for t in range(m.world.n)]
            whole = m.sense.strength_ratios(f)  # built from the fighters the first question took
            assert np.array(small).tobytes() == whole.tobytes()


def test_threatened_towns_without_a_tree_as_the_tree_counts() -> None:
    """Hostile.any_within against cKDTree.query_ball_point(return_length) on <= LEAF points."""
    rng = np.random.default_rng(4)
    for t in range(1500):
        k = int(rng.integers(1, LEAF + 1))
        pts = rng.uniform(-200, 200, (k, 2))
        towns = rng.uniform(-200, 200, (int(rng.integers(1, 30)), 2))
        i, j = int(rng.integers(0, len(towns))), int(rng.integers(0, k))
        d0, d1 = pts[j, 0] - towns[i, 0], pts[j, 1] - towns[i, 1]
        r = float(np.sqrt(d0 * d0 + d1 * d1)) if t % 2 else float(rng.uniform(0, 300))
        if t % 5 == 0:  # one step either side of a point's distance
            r = float(np.nextafter(r, np.inf if t % 3 == 0 else 0.0))
        want = cKDTree(pts).query_ball_point(towns, r=r, return_length=True) > 0
        got = Hostile(pts, np.ones(k, dtype=bool), frozenset()).any_within(towns, r)
        assert got.tolist() == want.tolist()


def test_threatened_towns_of_the_run_as_the_tree_finds_them() -> None:
    m = TerritoryModel(DEFAULT, seed=4)
    for _ in range(30):
        m.step()
        for f in range(len(m.factions)):
            mask = m.relations.friend_of[f][m.towns.controller]
            for km in (0.0, 10.0, 35.5, 80.0):
                got = m.sense.threatened_towns(f, mask, km)
                tree, _ = m.sense.hostile_units(f)
                towns = np.nonzero(mask)[0]
                want = (towns[tree.query_ball_point(m.world.xy[towns], r=km,
                                                    return_length=True) > 0]
                        if tree is not None and len(towns) else np.zeros(0, dtype=np.int64))
                assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_fighters_by_town_as_np_add_at_summed_them() -> None:
    m = TerritoryModel(DEFAULT, seed=6)
    for day in range(25):
        m.step()
        t = m.towns
        if day == 3:
            t.garrison[np.nonzero(t.controller >= 0)[0][:3]] = -0.0  # the sign of a zero too
        m.sense.refresh()
        held = t.controller >= 0
        tf = np.zeros((len(m.relations.ids), m.world.n))
        np.add.at(tf, (t.controller[held], np.nonzero(held)[0]), t.garrison[held])
        df = tf.copy()
        for u in m.sense.units:
            tf[u.faction, u.node] += u.fighters
            if u.dest < 0:
                df[u.faction, u.node] += u.fighters
        assert m.sense.town_fighters().tobytes() == tf.tobytes()
        assert m.sense.defenders().tobytes() == df.tobytes()


def test_fighters_by_town_of_few_units_as_np_add_at() -> None:
    """ByTown's columns, hostile sums, presence and table against np.add.at and numpy's sums.

    On awkward garrisons and fighters (-0.0, nan, inf, towns held by nobody, several units
    of a faction in one town), every subset of hostile rows.
    """
    from itertools import combinations
    from types import SimpleNamespace

    from sim.senseparts import ByTown

    rng = np.random.default_rng(12)
    values = [0.0, -0.0, 1.0 / 3, 250.0, 1e17, 1e-300, 7.0, math.inf, math.nan]
    for _ in range(300):
        k, n = int(rng.integers(1, 6)), int(rng.integers(1, 15))
        controller = rng.integers(-1, k, n)
        garrison = np.array(rng.choice(values, n), dtype=float)
        units = [SimpleNamespace(faction=int(rng.integers(k)), node=int(rng.integers(n)),
                                 fighters=np.float64(rng.choice(values)))
                 for _ in range(int(rng.integers(0, 12)))]
        small = ByTown(controller, garrison, cast(Any, units), k, np.arange(k)[:, None])
        controller[:] = -1  # a snapshot: later changes are not seen
        garrison[:] = 5.0
        held = np.nonzero(small._ctrl >= 0)[0]
        want = np.zeros((k, n))
        np.add.at(want, (small._ctrl[held], held), small._gar[held])
        np.add.at(want, ([u.faction for u in units], [u.node for u in units]),
                  np.array([u.fighters for u in units], dtype=float))
        assert small.table().tobytes() == want.tobytes()
        for t in range(n):
            assert np.array(small.column(t)).tobytes() == want[:, t].tobytes()
        for m in range(min(k, 4) + 1):
            for rows in map(list, combinations(range(k), m)):
                with np.errstate(all="ignore"):
                    sums = want[rows].sum(axis=0) if rows else np.zeros(n)
                    present = (np.logical_or.reduce(want[rows] > 0, axis=0) if rows
                               else np.zeros(n, dtype=bool))
                at = small.hostile(rows)
                assert np.array([at(t) for t in range(n)]).tobytes() == sums.tobytes()
                among = np.zeros(k + 1, dtype=bool)
                among[rows] = True
                got = small.present(among, rows)
                assert got.dtype == present.dtype and got.tolist() == present.tolist()


def test_enemy_at_a_town_is_the_presence_arrays_entry() -> None:
    m = TerritoryModel(DEFAULT, seed=8)
    for _ in range(25):
        m.step()
        m.sense.refresh()
        k = len(m.factions)
        alone = [[m.sense.enemy_at(f, t) for t in range(m.world.n)] for f in range(k)]
        arrays = [m.sense.enemy_present(f).tolist() for f in range(k)]
        assert alone == arrays
        assert [[m.sense.enemy_at(f, t) for t in range(m.world.n)] for f in range(k)] == arrays


def test_bincount_adds_in_input_order_from_zero() -> None:
    """What Sense._by_town relies on: the loop of scalar additions, not a pairwise sum."""
    rng = np.random.default_rng(1)
    for _ in range(500):
        m, bins = int(rng.integers(1, 200)), int(rng.integers(1, 5))
        idx = rng.integers(0, bins, m)
        w = rng.choice([1e16, 1.0, -1e16, 0.1, 3.3, -0.0, 1e-300], m)
        loop = np.zeros(bins)
        for i, x in zip(idx.tolist(), w.tolist(), strict=True):
            loop[i] += x
        assert np.bincount(idx, weights=w, minlength=bins).tobytes() == loop.tobytes()


def test_friendly_fighters_are_np_add_at_onto_zeros() -> None:
    """senseparts.friendly_fighters (Python floats) against np.add.at, bit for bit."""
    from types import SimpleNamespace

    from sim.senseparts import friendly_fighters

    rng = np.random.default_rng(11)
    values = [0.0, -0.0, 1.0 / 3, 250.0, 1e17, 1e-300, np.float64(0.1), 7]
    for _ in range(300):
        n, k = int(rng.integers(1, 12)), int(rng.integers(0, 20))
        units = [SimpleNamespace(faction=int(rng.integers(3)), node=int(rng.integers(n)),
                                 fighters=values[int(rng.integers(len(values)))])
                 for _ in range(k)]
        friends = frozenset(rng.choice(3, size=int(rng.integers(1, 3)), replace=False).tolist())
        want = np.zeros(n)
        ours = [u for u in units if u.faction in friends]
        np.add.at(want, [u.node for u in ours], [float(u.fighters) for u in ours])
        got = friendly_fighters(units, friends, n)  # type: ignore[arg-type]
        assert np.array(got).tobytes() == want.tobytes()
        assert all(type(x) is float for x in got)


def test_kept_unit_coordinates_are_the_projection_of_the_position() -> None:
    """Sense._xy (kept by node, dest, progress) against world.project of the position."""
    m = TerritoryModel(DEFAULT, seed=4)
    for _ in range(30):
        m.step()
        for u in m.unit_list:
            assert m.sense._xy(u) == m.world.project(*u.position())
            if u.dest >= 0:
                xy = m.sense._on_road(u)
                assert xy == m.world.project(*u.position())
                assert [type(c) for c in xy] == [float, float]
    town_xy = m.sense._town_xy_list()  # the towns' coordinates a unit standing there has
    assert town_xy == [m.world.project(float(a), float(b)) for a, b in zip(
        m.world.lat, m.world.lon, strict=True)]


def test_hostile_groups_from_lists_are_the_arrays_groups() -> None:
    """A Hostile made of lists (few units) against the one made of the arrays and a mask."""
    rng = np.random.default_rng(12)
    for _ in range(300):
        m = int(rng.integers(0, 2 * LEAF))
        units = rng.uniform(-100, 100, (m, 2))
        mask = rng.random(m) < 0.6
        idx = np.nonzero(mask)[0].tolist()
        xy = [(float(a), float(b)) for a, b in units.tolist()]
        listed = Hostile([xy[i] for i in idx], idx, frozenset())
        arrays = Hostile(units[mask], mask, frozenset())
        assert listed.size == arrays.size
        assert listed.pts.shape == arrays.pts.shape
        assert listed.pts.tobytes() == arrays.pts.tobytes()
        point, km = rng.uniform(-100, 100, 2), float(rng.uniform(0, 80))
        assert list(listed.within(point, km)) == list(arrays.within(point, km))
        if arrays.size and arrays.size <= LEAF:
            towns = rng.uniform(-100, 100, (5, 2))
            assert listed.any_within(towns, km).tolist() == arrays.any_within(towns, km).tolist()


def test_the_senses_hostile_groups_are_the_units_of_the_enemies() -> None:
    """Sense._hostile_geo and _weights on a run's states: the units' coordinates and fighters."""
    m = TerritoryModel(DEFAULT, seed=6)
    for _ in range(20):
        m.step()
        s = m.sense
        for f in range(len(m.factions)):
            enemies = m.relations.enemies[f]
            geo = s._hostile_geo(enemies)
            mask = np.array([u.faction in enemies for u in s.units], dtype=bool)
            assert geo.pts.tobytes() == s.unit_xy[mask].tobytes()
            want = np.array([u.fighters for u in s.units], dtype=float)[mask]
            assert s._weights(geo).tobytes() == want.tobytes()
