"""The fast YAML reader gives the full converter's data, or steps aside for it; lines on demand."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import DATA
from hypothesis import given
from hypothesis import strategies as st
from strategies import fixed, yaml_texts

from sim.errors import ScenarioError
from sim.generate import generate_scenario, scenario_yaml
from sim.scenario import yamlio
from sim.scenario.yamlfast import FALLBACK, LazyLocations, fast_data

ROOT = Path(__file__).resolve().parent.parent
LIMITS = (yamlio.MAX_NODES, yamlio.MAX_DEPTH, yamlio.MAX_ALIAS_VALUES)


def typed(value: Any) -> Any:
    """``value`` with every scalar's type beside it (``True == 1 == 1.0`` would hide a change)."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return ("nan", float)
    return (value, type(value))


def full(text: str) -> tuple[Any, dict[Any, int]] | ScenarioError:
    try:
        data, locs = yamlio._parse_yaml(text, "f.yaml")
    except ScenarioError as exc:
        return exc
    return data, dict(locs)


def same_as_full(text: str) -> Any:
    """The fast reader's data equals the full converter's, or it falls back; return it."""
    fast = fast_data(text, *LIMITS)
    slow = full(text)
    if fast is not FALLBACK:
        assert not isinstance(slow, ScenarioError), (text, slow)
        assert typed(fast) == typed(slow[0])
    return fast


SCALARS = ["1", "-1", "+7", "0", "-0", "007", "0o7", "0x1F", "0b101", "1_000", "1:30", "08",
           "1.5", "-35.25", "+0.5", "1.", ".5", "-.5", "1e5", "1.5e+3", ".inf", "-.inf", ".nan",
           "y", "n", "yes", "No", "ON", "off", "true", "False", "TRUE", "null", "~", "", "Null",
           "nul", "truest", "2017-09-05", "2017-02-30", "2017-09-05 10:00:00", "t12", "x",
           "'1'", '"true"', "!!str 5", "!!int '12'", "!!float '3'", "! 12", "!!bool yes",
           "!!timestamp 2020-01-01", "!!map x", "!foo x", "<<", "=", "١٢", "!!int ١٢"]


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_construct_as_the_full_converter_does(scalar):
    same_as_full(f"a: {scalar}\nb: [{scalar}]\n{scalar}: k\n")


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",  # duplicate key
    "1: x\n'1': y\n",  # duplicate once keys are text
    "? [a]\n: 1\n",  # a key that is a list
    "~: 1\n",  # a null key
    "2020-01-01: 1\n",  # a date key
    "a: &x [1, *x]\n",  # an alias to a collection still open
    "a: *nope\n",  # undefined alias
    "a: &x 1\nb: &x 2\n",  # duplicate anchor
    "--- 1\n--- 2\n",  # two documents
    "a: [1\n",  # syntax error
    "a: !!python/object:os.system x\n",
    "a: " + "[" * 70 + "]" * 70 + "\n",  # deeper than the limit
])
def test_what_the_full_converter_reports_is_left_to_it(text):
    assert fast_data(text, *LIMITS) is FALLBACK


def test_aliases_copy_and_count_like_the_full_converter():
    text = "a: &r [{x: 1}, {y: [2, 3]}]\nb: *r\nc: &s 5\nd: *s\n"
    data = same_as_full(text)
    assert data["a"] == data["b"] and data["a"] is not data["b"]
    assert data["a"][0] is not data["b"][0]
    laughs = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcd", "bcde", strict=True))
    assert fast_data(laughs, *LIMITS) is FALLBACK  # 111,111 alias values: over the limit
    with pytest.raises(ScenarioError, match="aliases expand"):
        yamlio.parse_yaml(laughs, "f.yaml")


@fixed(max_examples=400, deadline_ms=2000)
@given(yaml_texts())
def test_any_text_reads_the_same_fast_or_full(text):
    same_as_full(text)


@fixed(max_examples=100, deadline_ms=2000)
@given(st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=8), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20))
def test_dumped_data_reads_the_same_fast_or_full(value):
    for style in (False, True, None):
        same_as_full(yaml.safe_dump(value, default_flow_style=style))


def test_shipped_and_generated_files_read_fast_with_the_same_data_and_lines():
    texts = [p.read_text() for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    texts += [p.read_text() for p in sorted(DATA.glob("*.yaml"))]
    texts.append(scenario_yaml(generate_scenario(300, 3, 30, seed=4)))
    for text in texts:
        assert same_as_full(text) is not FALLBACK
        _, locs = yamlio.parse_yaml(text, "f.yaml")
        assert isinstance(locs, LazyLocations)
        slow = full(text)
        assert not isinstance(slow, ScenarioError)
        assert dict(locs) == slow[1]


def test_lines_are_computed_only_when_asked_for():
    calls = []
    locs = LazyLocations(lambda: calls.append(1) or {("a",): 3})
    assert calls == []
    assert ("a",) in locs and locs[("a",)] == 3 and ("b",) not in locs
    assert calls == [1] and len(locs) == 1
