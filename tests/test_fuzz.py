"""Fuzzing the inputs a user controls: any input gives a valid object or the project's error.

Scenario files (YAML-like text, raw bytes, random mutations of valid scenarios with values of
any type anywhere), ``--set`` overrides, rule conditions (noise, and grammatical conditions
run in a real model with hostile values) and sweep files. The only exceptions allowed out are
``ScenarioError`` (files, overrides) and ``ExprError`` (conditions), each with a message; every
example has a deadline, so a hang fails the test. A scenario that loads must also run: the
mutated and generated ones run a few days under the invariant checks of test_invariants.

The default run draws a fixed set of examples (see tests/strategies.py); ``pytest -m slow``
draws many more.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import DATA
from hypothesis import assume, event, given
from hypothesis import strategies as st
from strategies import (
    edge_numbers,
    expressions,
    fixed,
    mutated,
    scenarios,
    weird_values,
    yaml_texts,
)
from test_invariants import run_checked

from sim.errors import ScenarioError
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.expr import FACTION, FUNCTIONS, UNIT, VARIABLES, ExprError, compile_condition
from sim.scenario.loader import parse_assignment
from sim.scenario.yamlio import parse_yaml

LINE = yaml.safe_load((DATA / "line.yaml").read_text())
SWEEP = yaml.safe_load((DATA / "sweep_line.yaml").read_text())
TOWNS = {"w0", "w1", "mid", "e1", "e0"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with line.yaml in it (sweep files name it); fuzz files are written here."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "line.yaml").write_text((DATA / "line.yaml").read_text())
    return d


def assert_clear(exc: ScenarioError) -> None:
    """The project's error: at least one problem, each naming a file and saying something."""
    assert exc.problems, exc
    for p in exc.problems:
        assert p.file and p.message.strip(), p
    assert len(str(exc)) < 100_000


def load_or_error(source: Any, overrides: Any = None) -> LoadedScenario | None:
    try:
        loaded = load_scenario(source, overrides)
    except ScenarioError as exc:
        assert_clear(exc)
        event("rejected with ScenarioError")
        return None
    event("loaded (and run)")
    return loaded


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# ------------------------------------------------------------------ scenario files
@fixed(max_examples=300, deadline_ms=2000)
@given(yaml_texts())
def test_yaml_text_gives_data_or_a_scenario_error(text):
    try:
        parse_yaml(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert_clear(exc)


@fixed(max_examples=100, deadline_ms=2000)
@given(st.one_of(yaml_texts().map(lambda t: t.encode("utf-8", "surrogatepass")),
                 st.binary(max_size=300)))
def test_scenario_files_of_any_bytes(folder, raw):
    path = folder / "bytes.yaml"
    path.write_bytes(raw)
    load_or_error(path)


@fixed(max_examples=150, deadline_ms=3000)
@given(mutated(LINE))
def test_mutated_scenario_files_load_or_explain_and_loaded_ones_run(folder, data):
    path = folder / "mutated.yaml"
    path.write_text(dump(data))
    loaded = load_or_error(path)
    if loaded is not None:
        run_checked(loaded, days=3)


@fixed(max_examples=100, deadline_ms=3000)
@given(st.data())
def test_mutated_generated_scenarios_load_or_explain_and_loaded_ones_run(data):
    base = data.draw(scenarios(max_towns=5, max_factions=3, days=(3, 3)))
    loaded = load_or_error(data.draw(mutated(base)))
    if loaded is not None:
        run_checked(loaded, days=3)


PATHS = st.one_of(
    st.sampled_from([
        "simulation.days", "simulation.seed", "simulation.combat.noise", "towns.w0.garrison",
        "towns[0].lat", "towns.mid.controller", "factions.red.forces.r1.fighters",
        "factions.blue.rules.conscript.with.rate", "factions.red.rules.go.when",
        "factions.red.relations.blue", "highways[0].length_km", "factions[1].colour",
        "towns", "factions", "simulation", "name", "format", "extends",
        "factions.red.supply_sources", "simulation.terrain.flat.move",
    ]),
    st.text(max_size=40),
)


@fixed(max_examples=150, deadline_ms=3000)
@given(st.dictionaries(PATHS, st.one_of(weird_values(), edge_numbers()), min_size=1, max_size=3))
def test_overrides_of_any_path_and_value(overrides):
    loaded = load_or_error(DATA / "line.yaml", overrides)
    if loaded is not None:
        run_checked(loaded, days=2)


@fixed(max_examples=200, deadline_ms=1000)
@given(st.text(max_size=60))
def test_set_arguments(text):
    try:
        parse_assignment(text)
    except ScenarioError as exc:
        assert_clear(exc)


# ------------------------------------------------------------------ rule conditions
HOSTILE_NUMBERS = st.sampled_from([0, 1, -1, 0.5, 100_000, 1e308, -1e308, math.inf, -math.inf,
                                   math.nan, -0.0, 2**70])


class HostileContext:
    """Variables and functions that return the worst values a run could produce."""

    def __init__(self, draw: st.DrawFn):
        self.draw = draw

    def var(self, name: str) -> Any:
        if VARIABLES[name].type == "bool":
            return self.draw(st.booleans())
        return self.draw(HOSTILE_NUMBERS)

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        if name in ("min", "max"):
            return {"min": min, "max": max}[name](*args)
        if name == "abs":
            return abs(args[0])
        if FUNCTIONS[name].returns == "bool":
            return self.draw(st.booleans())
        return self.draw(HOSTILE_NUMBERS)


@fixed(max_examples=400, deadline_ms=1000)
@given(expressions(), st.sampled_from([UNIT, FACTION]), st.data())
def test_any_condition_text_compiles_or_explains_and_evaluates_to_a_bool(text, scope, data):
    try:
        cond = compile_condition(text, scope, TOWNS)
    except ExprError as exc:
        assert str(exc).strip()
        return
    assert cond.evaluate(HostileContext(data.draw)) in (True, False)


NUM_VARS = sorted(n for n, v in VARIABLES.items() if v.type == "num")
BOOL_VARS = sorted(n for n, v in VARIABLES.items() if v.type == "bool")
CONSTANTS = ("0", "1", "-1", "0.5", "3", "1e12", "999999999999", "1e-12", "0.0")


def _num(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from("+-*/%"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"-{x}"),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        inner.map(lambda x: f"abs({x})"),
        inner.map(lambda x: f"enemy_fighters_within_km({x})"),
        st.tuples(st.sampled_from(sorted(TOWNS)), inner).map(
            lambda t: f"enemy_near('{t[0]}', {t[1]})"),
    )


def conditions(scope: str) -> st.SearchStrategy[str]:
    """Grammatical conditions of the rule language (they may still exceed its limits)."""
    names = [n for n in NUM_VARS if scope in VARIABLES[n].scopes]
    num = st.recursive(st.sampled_from(names + list(CONSTANTS)), _num, max_leaves=10)
    bools = [n for n in BOOL_VARS if scope in VARIABLES[n].scopes]
    atom = st.one_of(
        st.tuples(num, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num).map(" ".join),
        st.sampled_from(["true", "false", *bools, *(f"holds('{t}')" for t in sorted(TOWNS))]),
        num.map(lambda x: f"enemy_within_km({x})"),
    )
    return st.recursive(atom, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({' '.join(t)})"),
        inner.map(lambda x: f"not {x}"),
    ), max_leaves=6)


@fixed(max_examples=80, deadline_ms=3000)
@given(conditions(UNIT), conditions(FACTION))
def test_grammatical_conditions_run_in_a_model(unit_condition, faction_condition):
    for text, scope in ((unit_condition, UNIT), (faction_condition, FACTION)):
        try:
            compile_condition(text, scope, TOWNS)
        except ExprError:
            assume(False)
    data = copy.deepcopy(LINE)
    data["factions"][0]["rules"].insert(0, {"when": unit_condition, "do": "retreat"})
    data["factions"][1]["rules"].insert(0, {"when": faction_condition, "do": "conscript"})
    run_checked(data, days=4)


# ------------------------------------------------------------------ sweep files
@fixed(max_examples=120, deadline_ms=5000)
@given(st.one_of(mutated(SWEEP), yaml_texts()))
def test_sweep_files_load_or_explain(folder, data):
    from sim.sweep.spec import load_sweep

    path = folder / "sweep.yaml"
    path.write_text(data if isinstance(data, str) else dump(data))
    try:
        load_sweep(path)
    except ScenarioError as exc:
        assert_clear(exc)


# ------------------------------------------------------------------ long runs
@pytest.mark.slow
@fixed(max_examples=5000, deadline_ms=5000)
@given(yaml_texts())
def test_yaml_text_long(text):
    test_yaml_text_gives_data_or_a_scenario_error.hypothesis.inner_test(text)


@pytest.mark.slow
@fixed(max_examples=3000, deadline_ms=5000)
@given(mutated(LINE, max_mutations=8))
def test_mutated_scenario_files_long(folder, data):
    test_mutated_scenario_files_load_or_explain_and_loaded_ones_run.hypothesis.inner_test(
        folder, data)


@pytest.mark.slow
@fixed(max_examples=2000, deadline_ms=5000)
@given(st.data())
def test_mutated_generated_scenarios_long(data):
    test_mutated_generated_scenarios_load_or_explain_and_loaded_ones_run.hypothesis.inner_test(
        data)


@pytest.mark.slow
@fixed(max_examples=3000, deadline_ms=5000)
@given(st.dictionaries(PATHS, st.one_of(weird_values(), edge_numbers()), min_size=1, max_size=5))
def test_overrides_long(overrides):
    test_overrides_of_any_path_and_value.hypothesis.inner_test(overrides)


@pytest.mark.slow
@fixed(max_examples=20000, deadline_ms=5000)
@given(expressions(), st.sampled_from([UNIT, FACTION]), st.data())
def test_condition_text_long(text, scope, data):
    test_any_condition_text_compiles_or_explains_and_evaluates_to_a_bool.hypothesis.inner_test(
        text, scope, data)


@pytest.mark.slow
@fixed(max_examples=1500, deadline_ms=5000)
@given(conditions(UNIT), conditions(FACTION))
def test_grammatical_conditions_long(unit_condition, faction_condition):
    test_grammatical_conditions_run_in_a_model.hypothesis.inner_test(unit_condition,
                                                                     faction_condition)


@pytest.mark.slow
@fixed(max_examples=2000, deadline_ms=10000)
@given(st.one_of(mutated(SWEEP, max_mutations=6), yaml_texts()))
def test_sweep_files_long(folder, data):
    test_sweep_files_load_or_explain.hypothesis.inner_test(folder, data)


# ------------------------------------------------------------------ the visualization's picker
LABELS = st.one_of(
    st.sampled_from(["../../etc/passwd", "/etc/passwd", "..", ".", "", "line.yaml/..",
                     "..\\..\\etc\\passwd", "%2e%2e/%2e%2e/etc/passwd", "line.yaml\x00.txt",
                     "~/.ssh/id_rsa", "file:///etc/passwd", "link/passwd", "link",
                     "./line.yaml", "LINE.YAML", " line.yaml", "line.yaml "]),
    st.text(max_size=60),
    st.lists(st.sampled_from(["..", ".", "etc", "passwd", "line.yaml", "link", "/", "\\"]),
             max_size=8).map("/".join),
)


@pytest.fixture(scope="module")
def picker_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario folder holding line.yaml, a symlinked directory pointing at / and a loop."""
    d = tmp_path_factory.mktemp("picker")
    (d / "line.yaml").write_text((DATA / "line.yaml").read_text())
    (d / "link").symlink_to("/")
    (d / "loop.yaml").symlink_to(d / "loop.yaml")
    (d / "dir.yaml").mkdir()
    import viz.app  # noqa: F401  (imported here: its first import (Solara) is not an example's time)

    return d


@fixed(max_examples=300, deadline_ms=1000)
@given(LABELS)
def test_the_scenario_picker_opens_only_what_it_lists(picker_folder, label):
    from sim.errors import FrontlineError
    from viz.app import open_scenario
    from viz.catalogue import ScenarioCatalogue

    cat = ScenarioCatalogue.build([picker_folder])
    assert cat.labels == ["line.yaml"]  # no directory, no symlinked folder, no loop
    if label in cat.entries:
        assert cat.resolve(label).parent == picker_folder.resolve()
        return
    with pytest.raises(FrontlineError, match="is not one of the scenarios offered"):
        cat.resolve(label)
    opened = open_scenario(cat, label)
    assert opened.path is None and "is not one of the scenarios offered" in opened.problem


def test_the_visualization_listens_on_loopback_by_default():
    import argparse

    from sim.cli import build_parser

    args = build_parser().parse_args(["viz", str(DATA / "line.yaml")])
    assert isinstance(args, argparse.Namespace) and args.host == "127.0.0.1"
