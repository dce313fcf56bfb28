"""Unit._move_cell (Mesa's cell move inline) leaves the grid as Mesa's own setter does."""

from __future__ import annotations

import random

import mesa
import networkx as nx
import pytest
from mesa.discrete_space import CellAgent, Network

import sim.agents as agents
from sim.agents import INLINE_CELL_MOVE, Unit
from sim.generate import generate_scenario
from sim.model import TerritoryModel


class _Plain(CellAgent):
    """A Mesa agent moved by Mesa's setter only."""


def _state(grid: Network, movers: list[CellAgent]) -> tuple[object, ...]:
    """Each cell's agents (by position in ``movers``, in list order) and its empty flag."""
    pos = {id(a): i for i, a in enumerate(movers)}
    return tuple((c.coordinate, tuple(pos[id(a)] for a in c.agents), getattr(c, "_empty", None))
                 for c in grid)  # a cell no agent entered has no flag yet (Mesa's own way)


def test_mesa_is_the_known_one() -> None:
    # the inline path is the one in use on the pinned Mesa (a newer Mesa falls back)
    assert INLINE_CELL_MOVE


@pytest.mark.parametrize("seed", range(4))
def test_inline_moves_match_the_setter(seed: int) -> None:
    graph = nx.path_graph(12)
    states = []
    for inline in (True, False):
        model = mesa.Model(rng=seed)
        grid = Network(graph, random=model.random)
        twin = Network(graph, random=model.random)  # moved by Mesa's setter alongside
        units = [Unit(model, grid, None, f"u{i}", f"u{i}", 0, i % 12, 10.0, 1.0, 1.0, 1.0)  # type: ignore[arg-type]
                 for i in range(8)]
        plain = [_Plain(model) for _ in units]
        for p, u in zip(plain, units, strict=True):
            p.cell = twin[u.node]
        moves = random.Random(seed)
        for _ in range(300):
            i = moves.randrange(len(units))
            town = moves.randrange(12)
            u = units[i]
            if inline:
                u.node = town
                u.settle()
            else:
                u.cell = grid[town]
                u._cell_node = town
                u.node = town
            plain[i].cell = twin[town]
            assert u.cell is grid[town]
        assert _state(grid, units) == _state(twin, plain)
        states.append(_state(grid, units))
    assert states[0] == states[1]


def test_fallback_when_mesa_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = nx.path_graph(5)
    model = mesa.Model(rng=1)
    grid = Network(graph, random=model.random)
    u = Unit(model, grid, None, "u", "u", 0, 0, 10.0, 1.0, 1.0, 1.0)  # type: ignore[arg-type]
    monkeypatch.setattr(agents, "INLINE_CELL_MOVE", False)
    u.arrive(3)
    assert u.cell is grid[3] and u in grid[3].agents and grid[0].empty and not grid[3].empty


def test_run_cells_follow_the_units() -> None:
    """Over a run of a generated map each unit's cell is its town's; only units are in cells."""
    model = TerritoryModel(generate_scenario(400, 3, None, 2))
    for _ in range(6):
        model.step()
        for u in model.forces:
            assert u.cell is model.grid[u.node]
        listed = sorted(id(a) for c in model.grid for a in c.agents)
        assert listed == sorted(id(u) for u in model.forces)
        assert all(getattr(c, "_empty", True) == (not c.agents) for c in model.grid)
