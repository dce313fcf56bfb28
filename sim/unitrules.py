"""A unit's rule conditions compiled for the orders loop: flat closures over the phase's values.

The rule language (``sim.scenario.expr``) compiles a condition to closures evaluated against
a context object (``sim.context.UnitContext``) whose ``var``/``call`` look the name up at each
use, then go through the ``Sense``'s own dispatch: ~10 Python calls per variable. The orders
phase evaluates a unit's conditions on every unit-day, so this module compiles the same checked
condition once more (per condition text and process), to closures ``fn(unit, env)`` that read
the unit's attributes directly and the faction's values of the phase from a :class:`FactionDay`
(one per faction and orders phase).

What each closure must equal: the scalar evaluator's value, by the same operations in the same
order. Each evaluates the same sub-expressions left to right with the same short-circuits
(``and``/``or``, comparison chains), converts numbers with ``float`` where the evaluator does,
and asks the ``Sense`` the same questions, so what the ``Sense`` computes lazily on the first
question after a refresh (strength ratios, hostile presence) is fixed at the same moment.
What the ``FactionDay`` keeps for the phase is fixed during it: control (``holds``), the day,
the recorded statistics, the strength ratios once asked (the ``Sense`` keeps them until its
refresh at the end of the phase). A condition that reads nothing of the unit and nothing that
moves during the phase (``unit_free``) is evaluated once per faction and phase.
tests/test_unitrules.py compares both evaluators on every name of the language.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.agents import Unit
from sim.context import FACTION_VARIABLES
from sim.factionday import FactionDay, UnitFn
from sim.scenario.expr import (
    _CMPOPS,
    _CONSTANT_NAMES,
    FUNCTIONS,
    MAX_CACHED,
    VARIABLES,
    Condition,
)

__all__ = ["UNIT_FREE", "UnitCondition", "compile_unit"]

#: Names whose value is the same for every unit of a faction and fixed during the orders
#: phase: a condition of only these is evaluated once per faction and phase.
UNIT_FREE = frozenset({"day", "holds", "enemy_near", "min", "max", "abs", *FACTION_VARIABLES})


@dataclass(frozen=True)
class UnitCondition:
    """A condition compiled for one unit at a time; ``fn(unit, env)`` is its value.

    ``value`` is its constant truth (``when: true``) or None.
    """

    source: str
    fn: UnitFn
    unit_free: bool
    value: bool | None
    #: a closure whose truth is ``fn``'s, by the same questions in the same order, with
    #: fewer calls (``bool()`` left off, a comparison with a constant one closure)
    truth: UnitFn | None = None

    @property
    def test(self) -> UnitFn:
        """``truth`` or, without one, ``fn``."""
        return self.fn if self.truth is None else self.truth


def compile_unit(condition: Condition) -> UnitCondition:
    """The unit form of a checked condition (kept per condition text).

    Examples:
        >>> from sim.scenario.expr import compile_condition
        >>> compile_unit(compile_condition("day < 3")).unit_free
        True
        >>> compile_unit(compile_condition("true")).value
        True
    """
    return _compile_text(condition.source)


@functools.lru_cache(maxsize=MAX_CACHED)
def _compile_text(source: str) -> UnitCondition:
    if source in ("true", "false"):  # a YAML boolean (compile_condition's own spelling)
        v = source == "true"
        return UnitCondition(source, lambda u, e: v, True, v)
    names: set[str] = set()
    body = ast.parse(source.strip(), mode="eval").body
    fn, const = _compile(body, names)
    value = bool(const[0]) if const else None
    return UnitCondition(source, fn, names <= UNIT_FREE, value, _truth(body) or fn)


def _truth(node: ast.AST) -> UnitFn | None:
    """A closure with the truth of the node's value (None: the value's closure has it).

    Only the truth of a condition is used where the program evaluates it, so ``bool()`` can
    be left off; the comparison of a unit variable with a constant is one closure, and an
    ``and``/``or`` of two parts one closure more. The same questions are asked in the same
    order as by the value's closure.
    """
    if isinstance(node, ast.Compare):
        return _flat_compare(node)
    if isinstance(node, ast.BoolOp) and len(node.values) == 2:
        left, right = node.values
        cmp = _flat_key(left)
        b = _truth(right) or _compile(right, set())[0]
        conj = isinstance(node.op, ast.And)
        if cmp is not None:
            near = _near_const(right) if conj else None
            if near is not None and cmp[:2] in _AND_NEAR:
                return _AND_NEAR[cmp[:2]](cmp[2], near)
        a = _truth(left) or _compile(left, set())[0]
        if conj:
            return lambda u, e: a(u, e) and b(u, e)
        return lambda u, e: a(u, e) or b(u, e)
    return None


def _flat_key(node: ast.AST) -> tuple[str, type, Any] | None:
    """(variable, operator, constant) of ``variable OP constant`` with a fused form."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.left, ast.Name)):
        return None
    key = (node.left.id, type(node.ops[0]))
    if key not in _CMP_FLAT:
        return None
    const = _compile(node.comparators[0], set())[1]
    if not const:
        return None
    return (*key, const[0])


def _flat_compare(node: ast.Compare) -> UnitFn | None:
    cmp = _flat_key(node)
    return None if cmp is None else _CMP_FLAT[cmp[:2]](cmp[2])


def _near_const(node: ast.AST) -> Any:
    """The clamped distance of ``enemy_within_km(constant)``, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "enemy_within_km" and len(node.args) == 1):
        return None
    const = _compile(node.args[0], set())[1]
    return max(const[0], 0) if const else None


Compiled = tuple[UnitFn, tuple[Any, ...]]  # (closure, (its constant value,) or ())


def _compile(node: ast.AST, names: set[str]) -> Compiled:
    """The closure of one node of a checked condition, and its value if it is a constant."""
    if isinstance(node, ast.Constant):
        v: Any = node.value  # a bool or a number: the condition was checked
        value = v if isinstance(v, bool) else float(v)
        return (lambda u, e: value), (value,)
    if isinstance(node, ast.Name):
        return _name(node.id, names)
    if isinstance(node, ast.BoolOp):
        return _boolop(isinstance(node.op, ast.And), [_compile(v, names)[0] for v in node.values])
    if isinstance(node, ast.UnaryOp):
        inner, _ = _compile(node.operand, names)
        if isinstance(node.op, ast.Not):
            return (lambda u, e: not inner(u, e)), ()
        if isinstance(node.op, ast.USub):
            return (lambda u, e: -inner(u, e)), ()
        return inner, ()  # unary plus
    if isinstance(node, ast.BinOp):
        return _binop(node.op, _compile(node.left, names)[0], _compile(node.right, names)[0]), ()
    if isinstance(node, ast.Compare):
        return _compare(node, names), ()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node.func.id, node.args, names), ()
    raise ValueError(f"not a checked condition: {ast.dump(node)}")  # unreachable


def _boolop(conj: bool, parts: list[UnitFn]) -> Compiled:
    """``all``/``any`` of the parts, as the evaluator has it: a bool, short-circuited."""
    if len(parts) == 2:
        a, b = parts
        if conj:
            return (lambda u, e: bool(a(u, e) and b(u, e))), ()
        return (lambda u, e: bool(a(u, e) or b(u, e))), ()
    if conj:
        return (lambda u, e: all(p(u, e) for p in parts)), ()
    return (lambda u, e: any(p(u, e) for p in parts)), ()


def _div(a: Any, b: Any) -> Any:
    return a / b if b else (math.inf if a > 0 else -math.inf if a < 0 else 0.0)


def _binop(op: ast.operator, left: UnitFn, right: UnitFn) -> UnitFn:
    if isinstance(op, ast.Add):
        return lambda u, e: left(u, e) + right(u, e)
    if isinstance(op, ast.Sub):
        return lambda u, e: left(u, e) - right(u, e)
    if isinstance(op, ast.Mult):
        return lambda u, e: left(u, e) * right(u, e)
    if isinstance(op, ast.Div):
        return lambda u, e: _div(left(u, e), right(u, e))
    return lambda u, e: _mod(left(u, e), right(u, e))


def _mod(a: Any, b: Any) -> Any:
    return a % b if b else 0.0


_CMP = _CMPOPS  # the evaluator's comparisons: the same Python operators


def _compare(node: ast.Compare, names: set[str]) -> UnitFn:
    """A comparison (chain) as the evaluator has it: a bool, the operands left to right."""
    first, _ = _compile(node.left, names)
    if len(node.ops) == 1:  # the usual case: one operator, often against a constant
        right, const = _compile(node.comparators[0], names)
        op = node.ops[0]
        if const:
            v = const[0]
            if isinstance(op, ast.Lt):
                return lambda u, e: bool(first(u, e) < v)
            if isinstance(op, ast.LtE):
                return lambda u, e: bool(first(u, e) <= v)
            if isinstance(op, ast.Gt):
                return lambda u, e: bool(first(u, e) > v)
            if isinstance(op, ast.GtE):
                return lambda u, e: bool(first(u, e) >= v)
        fn = _CMP[type(op)]
        return lambda u, e: bool(fn(first(u, e), right(u, e)))
    ops = [(_CMP[type(o)], _compile(c, names)[0])
           for o, c in zip(node.ops, node.comparators, strict=True)]

    def chain(u: Unit, e: FactionDay) -> bool:
        a = first(u, e)
        for fn, get in ops:
            b = get(u, e)
            if not fn(a, b):
                return False
            a = b
        return True

    return chain


def _name(name: str, names: set[str]) -> Compiled:
    if name in _CONSTANT_NAMES:
        v = _CONSTANT_NAMES[name]
        return (lambda u, e: v), (v,)
    names.add(name)
    getter = _VARIABLES.get(name)
    if getter is not None:
        return getter, ()
    key = FACTION_VARIABLES[name]  # a faction statistic (the names were checked)
    return (lambda u, e: float(e.stats[key])), ()


_VARIABLES: dict[str, UnitFn] = {  # as UnitContext.var, float() for numbers as the evaluator
    "day": lambda u, e: e.fday,
    "fighters": lambda u, e: float(u.fighters),
    "strength": lambda u, e: float(u.strength),
    "morale": lambda u, e: float(u.morale),
    "quality": lambda u, e: float(u.quality),
    "strength_ratio": lambda u, e: float(e.ratio_at(u.node)),
    "target_odds": lambda u, e: float(e.sense.odds_source().target(u)),
    "besieged": lambda u, e: bool(e.supply.besieged[u.node]) and u.dest < 0,
    "supplied": lambda u, e: bool(e.supply.supplied[u.node]),
    "in_battle": lambda u, e: u.in_battle,
}
assert set(_VARIABLES) | set(FACTION_VARIABLES) == set(VARIABLES)

# Fused ``variable OP constant``, for the truth only: the value compared without the getter's
# float() (a float, or an int or numpy float that float() converts exactly: the same order
# with the constant) and without the evaluator's bool(); and the same in front of the other
# part of an ``and``/``or``.
_Cmp = Callable[[Any], UnitFn]
_CMP_FLAT: dict[tuple[str, type], _Cmp] = {
    ("morale", ast.Lt): lambda v: lambda u, e: u.morale < v,
    ("morale", ast.LtE): lambda v: lambda u, e: u.morale <= v,
    ("morale", ast.Gt): lambda v: lambda u, e: u.morale > v,
    ("morale", ast.GtE): lambda v: lambda u, e: u.morale >= v,
    ("fighters", ast.Lt): lambda v: lambda u, e: u.fighters < v,
    ("fighters", ast.LtE): lambda v: lambda u, e: u.fighters <= v,
    ("fighters", ast.Gt): lambda v: lambda u, e: u.fighters > v,
    ("fighters", ast.GtE): lambda v: lambda u, e: u.fighters >= v,
    ("strength", ast.Lt): lambda v: lambda u, e: u.strength < v,
    ("strength", ast.LtE): lambda v: lambda u, e: u.strength <= v,
    ("strength", ast.Gt): lambda v: lambda u, e: u.strength > v,
    ("strength", ast.GtE): lambda v: lambda u, e: u.strength >= v,
    ("quality", ast.Lt): lambda v: lambda u, e: u.quality < v,
    ("quality", ast.LtE): lambda v: lambda u, e: u.quality <= v,
    ("quality", ast.Gt): lambda v: lambda u, e: u.quality > v,
    ("quality", ast.GtE): lambda v: lambda u, e: u.quality >= v,
    ("strength_ratio", ast.Lt): lambda v: lambda u, e: e.ratio_at(u.node) < v,
    ("strength_ratio", ast.LtE): lambda v: lambda u, e: e.ratio_at(u.node) <= v,
    ("strength_ratio", ast.Gt): lambda v: lambda u, e: e.ratio_at(u.node) > v,
    ("strength_ratio", ast.GtE): lambda v: lambda u, e: e.ratio_at(u.node) >= v,
}
#: ``strength_ratio OP constant and enemy_within_km(constant)`` (the push rules): one closure
_AND_NEAR: dict[tuple[str, type], Callable[[Any, Any], UnitFn]] = {
    ("strength_ratio", ast.Gt): lambda v, km: lambda u, e: (
        e.ratio_at(u.node) > v and e.sense.near_unit(e.faction, u, km) > 0),
    ("strength_ratio", ast.GtE): lambda v, km: lambda u, e: (
        e.ratio_at(u.node) >= v and e.sense.near_unit(e.faction, u, km) > 0),
}


def _call(name: str, nodes: list[ast.expr], names: set[str]) -> UnitFn:
    """A function call as UnitContext.call and Sense.call answer it."""
    names.add(name)
    kinds = FUNCTIONS[name].args
    text = [str(a.value) if isinstance(a, ast.Constant) else "" for a in nodes]
    args = [_compile(a, names)[0] if k == "num" else None for k, a in zip(kinds, nodes,
                                                                              strict=True)]
    if name == "tagged":
        tag = text[0]
        return lambda u, e: tag in u.tags
    if name in ("units_tagged", "fighters_tagged"):
        tag, count = text[0], name == "units_tagged"
        return lambda u, e: _tagged(e, tag, count)
    if name == "holds":
        town = text[0]
        return lambda u, e: e.holds(town)
    if name == "enemy_near":
        town, km = text[0], args[1]
        assert km is not None
        return lambda u, e: e.sense.near_town(e.faction, e.index[town], max(km(u, e), 0))
    if name == "odds":
        town = text[0]
        return lambda u, e: e.sense.odds_source().rule_value(e.faction, u, e.index[town])
    first = args[0]
    assert first is not None
    if name in ("enemy_within_km", "enemy_fighters_within_km"):
        const = _compile(nodes[0], names)[1]
        if const:  # the usual case: a constant distance, clamped once
            return _constant_near(max(const[0], 0), name == "enemy_within_km")
    if name == "enemy_within_km":
        return lambda u, e: e.sense.near_unit(e.faction, u, max(first(u, e), 0)) > 0
    if name == "enemy_fighters_within_km":
        return lambda u, e: e.sense.near_unit(e.faction, u, max(first(u, e), 0))
    if name == "abs":
        return lambda u, e: abs(first(u, e))
    second = args[1]
    assert second is not None
    if name == "min":
        return lambda u, e: min(first(u, e), second(u, e))
    if name == "max":
        return lambda u, e: max(first(u, e), second(u, e))
    raise ValueError(f"no unit form for {name}()")  # unreachable: the names were checked


def _constant_near(km: Any, within: bool) -> UnitFn:
    """``enemy_within_km(km)`` / ``enemy_fighters_within_km(km)`` of a constant distance."""
    if within:
        return lambda u, e: e.sense.near_unit(e.faction, u, km) > 0
    return lambda u, e: e.sense.near_unit(e.faction, u, km)


def _tagged(e: FactionDay, tag: str, count: bool) -> float:
    """``units_tagged`` / ``fighters_tagged``, as FactionContext._tag_call."""
    mine = [u for u in e.sense.forces if u.faction == e.faction and tag in u.tags]
    return float(len(mine) if count else sum(u.fighters for u in mine))
