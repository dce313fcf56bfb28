"""plain_copy gives copy.deepcopy's copy of plain data: equal values, the same sharing."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario.copying import plain_copy

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                  st.text(max_size=4), st.dates(), st.tuples(st.integers()))


def _shape(value: Any, seen: dict[int, int] | None = None) -> Any:
    """The value with each dict or list numbered by first appearance (sharing shows)."""
    seen = {} if seen is None else seen
    if isinstance(value, dict | list):
        if id(value) in seen:
            return ("seen", seen[id(value)])
        seen[id(value)] = len(seen)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        return (type(value).__name__, [(k, _shape(v, seen)) for k, v in items])
    if isinstance(value, tuple):
        return ("tuple", [_shape(v, seen) for v in value])
    return (type(value).__name__, value)


@st.composite
def _plain_data(draw: st.DrawFn) -> Any:
    pool: list[Any] = []
    base = st.recursive(_LEAF, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=4),
        st.tuples(st.lists(inner, max_size=2))), max_leaves=20)
    for _ in range(draw(st.integers(1, 4))):
        pool.append(draw(base))
    # share some containers between places, as YAML aliases do
    return {"a": pool, "b": [draw(st.sampled_from(pool)) for _ in range(3)], "c": pool[0]}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_plain_data())
def test_plain_copy_is_deepcopy(value: Any) -> None:
    ours, theirs = plain_copy(value), copy.deepcopy(value)
    assert ours == theirs
    assert _shape(ours) == _shape(theirs) == _shape(value)


def test_a_cycle_is_copied_as_a_cycle() -> None:
    data: dict[str, Any] = {"x": [1, dt.date(2017, 1, 1)]}
    data["x"].append(data)
    out = plain_copy(data)
    assert out["x"][2] is out and out is not data
    assert out["x"][1] == dt.date(2017, 1, 1)


def test_nothing_mutable_is_shared_with_the_original() -> None:
    inner = {"k": [1, 2]}
    out = plain_copy([inner, (inner,)])
    assert out[0] is not inner and out[0]["k"] is not inner["k"]
    assert out[1][0] is out[0]  # inside a tuple too (deepcopy's memo is shared)
