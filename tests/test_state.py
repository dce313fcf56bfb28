"""TownState's and Roads' small helpers against what they stand in for."""

from __future__ import annotations

import numpy as np

from sim.state import Roads


def test_any_closed_is_the_arrays_any() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        closed = rng.random(int(rng.integers(0, 80))) < rng.choice([0.0, 0.02, 0.5])
        assert Roads(closed).any_closed is bool(closed.any())
    roads = Roads(np.zeros(9, dtype=bool))
    assert not roads.any_closed
    roads.closed[4] = True  # closed in place, as the timeline does
    assert roads.any_closed
    roads.closed[4] = False
    assert not roads.any_closed
