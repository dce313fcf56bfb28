"""Runs of one-line flow mappings read as JSON give what the line-by-line reading gives."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from strategies import fixed
from test_yaml_fast import LIMITS, full, typed

from sim.errors import ScenarioError
from sim.generate import generate_scenario, scenario_yaml
from sim.scenario import yamlfast, yamlsections
from sim.scenario.yamlfast import FALLBACK, fast_data
from sim.scenario.yamlsections import GiveUp, Section

VALUES = ["1", "-1", "+7", "0", "-0", "007", "0x1F", "1_000", "1:30", "1.5", "-35.25", "+0.5",
          "1.", ".5", "-.5", "05.5", "-0.0", "1e5", "1.5e+3", ".inf", ".nan", "y", "yes", "No",
          "ON", "true", "null", "~", "truest", "2017-09-05", "t12", "x", "a.b", "-a", "red",
          "'1'", "''", "'a\"b'", "'a\\b'", "'it''s'", '"true"', '""', '"a, b: c"', '"{x}"',
          '"a\\"b"', '"#1"', '"é"', "9" * 30, "1" * 5000, "abc def", "[1]", "{a: 1}", "&a x",
          "*a", "!!str 5", "'\x85'", '"\u2028"', "x #c", "1 ", "'a' ", "t\x1b"]
USUAL = ["12", "-3", "0", "1.5", "-0.25", "t12", "red", "a.b", '"A b, c"', "''", "'x y'", '""']
KEYS = ["id", "name", "lat", "n", "yes", "a_b", "Z9", "k" * 101, "1", "x-y"]
USUAL_KEYS = ["id", "name", "lat", "n", "a_b", "Z9"]


@st.composite
def item_lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["item"] * 40 + ["blank", "spaces", "comment", "odd"]))
    if kind == "blank":
        return ""
    if kind == "spaces":
        return "   "
    if kind == "comment":
        return "  # " + draw(st.sampled_from(["a", "- {id: x}", "é", ""]))
    usual = draw(st.integers(0, 9)) > 0  # most lines within the subset
    indent = "  " if usual else draw(st.sampled_from(["  ", " ", "    "]))
    keys = draw(st.lists(st.sampled_from(USUAL_KEYS if usual else KEYS), min_size=1,
                         max_size=4, unique=usual))
    values = st.sampled_from(USUAL) if usual and draw(st.integers(0, 9)) else st.sampled_from(
        VALUES) | st.text(max_size=4)
    sep = draw(st.sampled_from([", ", ",", " , ", ",  "]))
    colon = draw(st.sampled_from([": ", ":  "] if usual else [": ", ":"]))
    pairs = [f"{k}{colon}{draw(values)}" for k in keys]
    body = draw(st.sampled_from(["", " "])) + sep.join(pairs) + draw(st.sampled_from(["", " "]))
    tail = draw(st.sampled_from(["", " "] if usual else ["", "  # c", "x"]))
    line = f"{indent}- {{{body}}}{tail}"
    return line if kind == "item" else line.replace("{", "[", 1)


def _stream() -> Any:
    return yamlfast._Stream(yaml.CSafeLoader("a: 1\n"), *LIMITS)


def _both(lines: list[str]) -> tuple[Any, Any]:
    """(JSON reading or None, line-by-line reading or GiveUp) of one run."""
    stream = _stream()
    section = Section("towns", "placeholder", "  ", lines)
    fast = yamlsections._read_json(section, stream.plain, stream.texts)
    try:
        slow: Any = yamlsections._read_lines(section, stream.plain)
    except (GiveUp, ValueError):  # the caller reads the whole text with libyaml on either
        slow = GiveUp
    return fast, slow


def _same(fast: Any, slow: Any) -> None:
    assert slow is not GiveUp
    assert typed(fast[0]) == typed(slow[0]) and fast[1] == slow[1]
    assert [list(x) for x in fast[0]] == [list(x) for x in slow[0]]  # keys in the same order


def test_a_run_read_as_json_equals_the_lines_read_one_by_one():
    taken: list[bool] = []

    @fixed(400)
    @given(st.lists(item_lines(), min_size=1, max_size=12))
    def compare(lines: list[str]) -> None:
        fast, slow = _both(lines)
        taken.append(fast is not None)
        if fast is not None:
            _same(fast, slow)

    compare()
    assert sum(taken) >= 20 and len(taken) - sum(taken) >= 20  # both ways were compared


def test_runs_of_usual_lines_are_read_as_json():
    lines = ['  - {id: t1, name: "A, b", lat: 1.5, n: 3, w: red}', "",
             "  # a comment", '  - {id: t2, name: "B", lat: -0.25, n: -4}  ',
             "  - {id: t3,name:  'c', lat: 0.0 , n: 0, w: a.b}", "   ",
             '  - {id: t4, name: "D", lat: 2.5, n: 10, terrain: hills, w: x-y}']
    fast, slow = _both(lines)
    assert fast is not None
    _same(fast, slow)
    assert fast[0][2] == {"id": "t3", "name": "c", "lat": 0.0, "n": 0, "w": "a.b"}


def test_lines_json_would_read_otherwise_are_read_one_by_one():
    base = '  - {id: t1, n: 1}'
    for value in ["+7", "007", "05.5", "1.", "yes", "null", "2017-09-05", "'a\"b'", "'a\\b'",
                  ".inf", "0x1F", "1_000"]:
        lines = [base, f"  - {{id: t2, n: {value}}}"]
        fast, slow = _both(lines)
        assert fast is None, value
        assert slow is not GiveUp, value
    many = [f"  - {{k{i}: 1}}" for i in range(yamlsections.MAX_TEMPLATES + 1)]
    assert _both(many)[0] is None and _both(many[:-1])[0] is not None
    assert _both([base, "  - {id: t1, id: t2}"]) == (None, GiveUp)
    assert _both([base, "  - {id: \"a\x1bb\"}"]) == (None, GiveUp)
    assert _both([base, '  - {yes: 1}']) == (None, GiveUp)


def test_quoted_text_of_a_key_that_is_a_word_elsewhere_is_asked_too():
    """A word key's values are checked over all lines; "yes" in quotes only costs the JSON."""
    fast, slow = _both(['  - {id: a, v: "yes"}', "  - {id: b, v: w}"])
    assert fast is None and slow[0] == [{"id": "a", "v": "yes"}, {"id": "b", "v": "w"}]


def test_the_generated_map_reads_as_json_as_by_the_full_converter():
    text = scenario_yaml(generate_scenario(400, 3, 30, seed=5))
    split = yamlsections.split_sections(text, 10)
    assert split is not None
    for section in split[1]:
        stream = _stream()
        fast = yamlsections._read_json(section, stream.plain, stream.texts)
        assert fast is not None, section.key
        _same(fast, yamlsections._read_lines(section, stream.plain))
    data = fast_data(text, *LIMITS, min_items=10)
    slow = full(text)
    assert data is not FALLBACK and not isinstance(slow, ScenarioError)
    assert typed(data) == typed(slow[0])


@fixed(200)
@given(st.lists(item_lines(), min_size=1, max_size=8))
def test_a_file_with_such_a_run_reads_as_the_full_converter_does(lines):
    text = "format: 1\ntowns:\n" + "\n".join(lines) + "\nname: x\n"
    fast = fast_data(text, *LIMITS, min_items=1)
    if fast is not FALLBACK:
        slow = full(text)
        assert not isinstance(slow, ScenarioError), (text, slow)
        assert typed(fast) == typed(slow[0])
