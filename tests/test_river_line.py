"""The river-line check on arrays gives the answers of the segment-by-segment check."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario import rivers
from sim.scenario.rivers import _cross, _crosses_line

Point = tuple[float, float]


def _plain(starts: list[Point], ends: list[Point], line: list[Point]) -> list[bool]:
    return [any(_cross(a, b, p, q) for p, q in itertools.pairwise(line))
            for a, b in zip(starts, ends, strict=True)]


def test_crossing_touching_collinear_and_parallel_segments() -> None:
    line = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0)]
    starts = [(1.0, -1.0), (1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (3.0, 1.0), (1.0, -1.0)]
    ends = [(1.0, 1.0), (1.0, 1.0), (3.0, 0.0), (1.0, 1.0), (1.0, 1.0), (1.0, -0.5)]
    # crosses; touches at an end; along the line; parallel, off it; over the second leg; short
    expected = [True, False, False, False, True, False]
    assert _plain(starts, ends, line) == expected
    assert _crosses_line(starts, ends, line) == expected


def test_no_legs_or_no_segments() -> None:
    assert _crosses_line([(0.0, 0.0)], [(1.0, 1.0)], [(0.5, 0.0)]) == [False]
    assert _crosses_line([], [], [(0.0, 0.0), (1.0, 1.0)]) == []


def test_without_numpy_loaded_the_plain_check_runs(monkeypatch) -> None:
    monkeypatch.setitem(rivers.sys.modules, "numpy", None)
    assert _crosses_line([(1.0, -1.0)], [(1.0, 1.0)], [(0.0, 0.0), (2.0, 0.0)]) == [True]


_COORD = st.one_of(
    st.integers(-4, 4).map(float),  # many ties: shared ends, collinear and parallel legs
    st.floats(-90, 90, allow_nan=False),
    st.sampled_from([math.inf, -math.inf, math.nan, 1e300, -1e300, 1e-300]),
)
_POINT = st.tuples(_COORD, _COORD)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(segments=st.lists(st.tuples(_POINT, _POINT), max_size=8),
       line=st.lists(_POINT, max_size=8))
def test_arrays_equal_the_plain_check(segments: list[tuple[Point, Point]],
                                      line: list[Point]) -> None:
    starts, ends = [s for s, _ in segments], [e for _, e in segments]
    assert _crosses_line(starts, ends, line) == _plain(starts, ends, line)
