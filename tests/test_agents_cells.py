"""``Unit.move_cell`` leaves Mesa's cells exactly as Mesa's own ``cell`` setter does."""

from __future__ import annotations

import mesa
import networkx as nx
from mesa.discrete_space import Network

from sim.agents import Unit


def _units(capacity: int | None = None) -> tuple[Network, list[Unit]]:
    model = mesa.Model(rng=1)
    grid = Network(nx.path_graph(4), capacity=capacity, random=model.random)
    units = [Unit(model, grid, None, f"u{i}", f"u{i}", 0, node, 100.0, 1.0, 10.0, 1.0)  # type: ignore[arg-type]
             for i, node in enumerate((0, 0, 0, 1, 2))]
    return grid, units


def _state(grid: Network, units: list[Unit]) -> list[object]:
    # a cell no agent ever entered has no ``_empty`` yet (reading ``empty`` raises)
    cells = [(c.coordinate, [u.key for u in c.agents], getattr(c, "_empty", None))
             for c in grid.all_cells]
    return [cells, [u.cell.coordinate if u.cell is not None else None for u in units]]


def test_move_cell_equals_mesas_setter_on_every_case() -> None:
    # from the middle of a shared cell, to an occupied one, to an empty one, back, to itself,
    # and the last unit out of a cell (its ``empty`` flag turns on)
    moves = [(1, 1), (0, 3), (3, 3), (1, 0), (4, 1), (2, 2), (4, 1), (3, 0)]
    plain_grid, plain = _units()
    fast_grid, fast = _units()
    assert _state(plain_grid, plain) == _state(fast_grid, fast)
    for i, node in moves:
        plain[i].cell = plain_grid[node]
        fast[i].move_cell(fast_grid._cells[node])
        assert _state(plain_grid, plain) == _state(fast_grid, fast), (i, node)
    assert [[u.key for u in c.agents] for c in fast_grid.all_cells] == [
        ["u1", "u3"], ["u4"], ["u2"], ["u0"]]


def test_settle_and_arrive_move_the_cell() -> None:
    grid, units = _units()
    u = units[0]
    u.node = 2
    u.settle()
    assert u.cell is grid[2] and [a.key for a in grid[2].agents] == ["u4", "u0"]
    u.arrive(3)
    assert u.cell is grid[3] and u not in grid[2].agents and u.came_from == 2


def test_a_cell_with_a_capacity_still_refuses_a_unit_too_many() -> None:
    grid, units = _units(capacity=3)
    try:
        units[3].move_cell(grid._cells[0])
    except Exception as exc:  # Mesa raises a bare Exception for a full cell
        assert "full" in str(exc)
    else:
        raise AssertionError("a full cell took a fourth unit")
    assert units[3].cell is grid[1] and len(grid[0].agents) == 3
