"""The rule language compiled to array expressions: one condition evaluated for many units.

Beside the scalar evaluator of :mod:`sim.scenario.expr` (a tree of closures called once per
unit), a checked condition can be compiled once more, to a tree of numpy operations over
arrays with one entry per unit. Each operation gives, entry by entry, the float the scalar
evaluator computes (the same IEEE operations; ``/`` and ``%`` by zero, ``min``/``max`` and
truth values reproduce Python's rules), so both paths choose the same rule. Conditions that
read the effective odds (``odds()``, ``target_odds``) have no array form (their values depend
on the moves made earlier in the same phase), nor have those with ``%`` (Python's float
remainder and numpy's part ways at infinities).

The source was checked when it was first compiled (``compile_condition``); this only walks
the syntax tree of a valid condition again. Nothing is passed to ``eval``/``exec``.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from sim.scenario.expr import _CONSTANT_NAMES, FUNCTIONS, MAX_CACHED, VARIABLES, Condition

__all__ = ["ARRAY_FORM", "NO_ARRAY_FORM", "ArrayContext", "VectorCondition", "vectorise"]

#: Names whose value for one unit depends on the moves of the units before it in the phase.
NO_ARRAY_FORM = frozenset({"odds", "target_odds"})
#: The names that have an array form (``sim.choice.UnitArrays`` answers them); a name added to
#: the language later has none until it is added here, so its conditions stay scalar.
ARRAY_FORM = frozenset({
    "day", "towns_held", "population_held", "faction_fighters", "casualties", "besieged_towns",
    "fighters", "strength", "morale", "quality", "strength_ratio", "besieged", "supplied",
    "in_battle", "enemy_within_km", "enemy_fighters_within_km", "enemy_near", "holds", "min",
    "max", "abs", "tagged", "units_tagged", "fighters_tagged",
})

Values = Any  # a float or bool, or an array of them with one entry per unit


class ArrayContext(Protocol):
    """What an array condition is evaluated against: values of every unit at once."""

    size: int

    def var(self, name: str) -> Values:
        """Values of a variable (float64 for numbers, bool for true/false)."""

    def call(self, name: str, args: tuple[Any, ...]) -> Values:
        """Values of a function call (town and tag arguments are plain strings)."""


VecEvaluator = Callable[[ArrayContext], Values]


@dataclass(frozen=True)
class VectorCondition:
    """A condition over arrays; ``evaluate(ctx)`` gives one bool per unit of ``ctx``."""

    source: str
    names: frozenset[str]
    _fn: VecEvaluator

    def evaluate(self, ctx: ArrayContext) -> np.ndarray:
        """Evaluate for every unit of the context."""
        out = _truth(self._fn(ctx))
        return np.broadcast_to(out, (ctx.size,))


def vectorise(condition: Condition) -> VectorCondition | None:
    """The array form of a checked condition, or None when it has none.

    None when the condition names anything outside ``ARRAY_FORM`` (such as the names of
    ``NO_ARRAY_FORM``) or uses ``%``.

    Examples:
        >>> from sim.scenario.expr import compile_condition
        >>> vectorise(compile_condition("strength_ratio > 2 and not besieged")) is not None
        True
        >>> vectorise(compile_condition("target_odds > 2")) is None
        True
    """
    if not condition.names <= ARRAY_FORM:
        return None
    return _vectorise_text(condition.source)


@functools.lru_cache(maxsize=MAX_CACHED)
def _vectorise_text(source: str) -> VectorCondition | None:
    if source in ("true", "false"):  # a YAML boolean (compile_condition's own spelling)
        value = source == "true"
        return VectorCondition(source, frozenset(), lambda c: value)
    tree = ast.parse(source.strip(), mode="eval")
    if any(isinstance(n, ast.Mod) for n in ast.walk(tree)):
        return None  # Python's float % and numpy's remainder part ways at infinities
    names: set[str] = set()
    fn = _compile(tree.body, names)
    return VectorCondition(source, frozenset(names), fn)


def _truth(v: Values) -> Any:
    """Python's truth value, entry by entry (a float is true unless it is 0; NaN is true)."""
    a = np.asarray(v)
    return a if a.dtype == bool else a != 0


def _where(cond: Any, a: Values, b: Values) -> Values:
    return np.where(cond, a, b) if np.ndim(cond) else (a if cond else b)


def _div(a: Values, b: Values) -> Values:
    """``a / b``, with ``x / 0`` as the scalar evaluator has it (+-inf, or 0 for 0 / 0)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        zero = np.sign(a) * np.inf
        zero = np.where(np.isnan(zero), 0.0, zero)
        return np.where(np.asarray(b) != 0, np.true_divide(a, np.where(b != 0, b, 1.0)), zero)


def _min(a: Values, b: Values) -> Values:
    return np.where(b < a, b, a)  # Python's min(a, b): b only when strictly smaller


def _max(a: Values, b: Values) -> Values:
    return np.where(b > a, b, a)


_BINOPS: dict[type, Callable[[Values, Values], Values]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: _div,
}
_CMPOPS: dict[type, Callable[[Values, Values], Values]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_CALLS: dict[str, Callable[..., Values]] = {"min": _min, "max": _max, "abs": np.abs}


def _compile(node: ast.AST, names: set[str]) -> VecEvaluator:
    """The array evaluator of one node of a checked condition."""
    if isinstance(node, ast.Constant):
        v: Any = node.value  # a bool or a number: the condition was checked
        value = v if isinstance(v, bool) else float(v)
        return lambda c: value
    if isinstance(node, ast.Name):
        return _name(node.id, names)
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v, names) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return lambda c: functools.reduce(combine, (_truth(p(c)) for p in parts))
    if isinstance(node, ast.UnaryOp):
        inner = _compile(node.operand, names)
        if isinstance(node.op, ast.Not):
            return lambda c: np.logical_not(_truth(inner(c)))
        if isinstance(node.op, ast.USub):
            return lambda c: np.negative(inner(c))
        return inner  # unary plus
    if isinstance(node, ast.BinOp):
        op = _BINOPS[type(node.op)]
        left, right = _compile(node.left, names), _compile(node.right, names)

        def binop(c: ArrayContext) -> Values:
            with np.errstate(over="ignore", invalid="ignore"):
                return op(left(c), right(c))

        return binop
    if isinstance(node, ast.Compare):
        first = _compile(node.left, names)
        ops = [(_CMPOPS[type(o)], _compile(comp, names))
               for o, comp in zip(node.ops, node.comparators, strict=True)]

        def compare(c: ArrayContext) -> Values:
            a = first(c)
            out: Values = True
            for fn, get in ops:
                b = get(c)
                out = np.logical_and(out, fn(a, b))
                a = b
            return out

        return compare
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node.func.id, node.args, names)
    raise ValueError(f"not a checked condition: {ast.dump(node)}")  # unreachable


def _name(name: str, names: set[str]) -> VecEvaluator:
    if name in _CONSTANT_NAMES:
        value = _CONSTANT_NAMES[name]
        return lambda c: value
    names.add(name)
    if VARIABLES[name].type == "num":
        return lambda c: np.asarray(c.var(name), dtype=float)
    return lambda c: c.var(name)


def _text(value: str) -> VecEvaluator:
    def text(c: ArrayContext) -> str:
        return value

    return text


def _call(name: str, nodes: list[ast.expr], names: set[str]) -> VecEvaluator:
    names.add(name)
    args: list[VecEvaluator] = []
    for kind, arg in zip(FUNCTIONS[name].args, nodes, strict=True):
        if kind in ("town", "tag"):
            args.append(_text(str(arg.value) if isinstance(arg, ast.Constant) else ""))
        else:
            args.append(_compile(arg, names))
    local = _CALLS.get(name)
    if local is not None:
        return lambda c: local(*(a(c) for a in args))
    return lambda c: c.call(name, tuple(a(c) for a in args))
