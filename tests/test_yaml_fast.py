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


SECTION_CASES = [
    "towns:\n  - {id: a, lat: 1.5, n: 12, q: 007, r: -0, s: \"x, y: z\", t: 'u', w: 1e5}\n"
    "  # a comment\n\n  - {id: b, lat: -2., name: \"\", z: yes, e: null, d: 2020-01-01}\nx: 1\n",
    "a: 1\ntowns:\n  - {id: a, id: b}\n",  # repeated key: the full converter reports it
    "a: |\n  towns:\n  - {id: a}\n",  # inside a block scalar
    "{b: 1,\ntowns:\n  - {id: a}\n}\n",  # inside a flow mapping
    "towns:\n  - {id: a}\n    - {id: b}\n",  # uneven indentation
    "towns:\n  - {id: a}\n   more\n",  # a continuation line
    "towns:\n  - {id: a, x: -.5, y: .inf, k: 1_000, o: 0x1F}\n",
    "towns:\n  - {id: a}\ntowns:\n  - {id: b}\n",  # duplicate top-level key
    "towns:\n  - {id: \"a\tb\"}\n",  # a tab in quotes
    "towns:\n  - {yes: 1}\n",  # a key that is not text
    "towns:\n  - {id: a}\n  - {id: b}",  # no newline at the end
    "- x\ntowns:\n  - {id: a}\n",
    "h:\n  - {from: a, to: b}\n  - {from: b, to: c}\ntowns:\n  - {id: a, v: 1}\n",
    "towns:\n  - {id: frontline_section_0_40}\n",  # the placeholder word itself
]


@pytest.mark.parametrize("text", SECTION_CASES)
def test_item_sections_read_as_the_full_converter_does(text):
    fast = fast_data(text, *LIMITS, min_items=1)
    slow = full(text)
    if text is SECTION_CASES[0] or text is SECTION_CASES[-2]:
        assert fast is not FALLBACK  # the sections were read apart from libyaml
    if fast is not FALLBACK:
        assert not isinstance(slow, ScenarioError), (text, slow)
        assert typed(fast) == typed(slow[0])


def test_item_sections_are_taken_from_a_generated_map():
    from sim.scenario import yamlsections

    text = scenario_yaml(generate_scenario(300, 3, 30, seed=3))
    split = yamlsections.split_sections(text, 10)
    assert split is not None and {s.key for s in split[1]} >= {"towns", "highways"}
    fast = fast_data(text, *LIMITS, min_items=10)
    assert fast is not FALLBACK
    assert typed(fast) == typed(full(text)[0])


@fixed(max_examples=200, deadline_ms=2000)
@given(yaml_texts())
def test_any_text_reads_the_same_with_sections(text):
    fast = fast_data(text, *LIMITS, min_items=1)
    if fast is not FALLBACK:
        slow = full(text)
        assert not isinstance(slow, ScenarioError), (text, slow)
        assert typed(fast) == typed(slow[0])
