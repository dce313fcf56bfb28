"""The rule-condition language: a small, safe expression language parsed to an AST and checked.

Conditions such as ``strength_ratio > 2 and not besieged`` are parsed with Python's own
parser (``ast.parse``, which only builds a syntax tree and runs nothing), then every node is
checked against a whitelist of node kinds, variables and functions, and compiled to a tree of
closures. Nothing is ever passed to ``eval``/``exec``; attribute access, subscripts, lambdas,
comprehensions, f-strings, names starting with ``_`` and ``**`` are rejected with a message.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sim.scenario.problems import suggest as _suggest

__all__ = [
    "FUNCTIONS",
    "MAX_EXPR_CHARS",
    "TAG_FUNCTIONS",
    "VARIABLES",
    "Condition",
    "EvalContext",
    "ExprError",
    "compile_condition",
]

MAX_EXPR_CHARS = 500
MAX_EXPR_NODES = 120
MAX_EXPR_DEPTH = 24
MAX_CONSTANT = 1e12
#: Distinct (condition, scope) pairs kept compiled: a condition is compiled once per process
#: (when its scenario is validated) and reused by every model built from it.
MAX_CACHED = 4096

UNIT, FACTION = "unit", "faction"


@dataclass(frozen=True)
class VarSpec:
    """A variable usable in conditions."""

    type: str  # "num" | "bool"
    scopes: frozenset[str]
    doc: str


@dataclass(frozen=True)
class FuncSpec:
    """A function usable in conditions; ``args`` lists argument kinds: "num", "town", "tag"."""

    args: tuple[str, ...]
    returns: str
    scopes: frozenset[str]
    doc: str


_BOTH = frozenset({UNIT, FACTION})
_UNIT = frozenset({UNIT})

VARIABLES: dict[str, VarSpec] = {
    "day": VarSpec("num", _BOTH, "days since the start date (0 on the first day)"),
    "towns_held": VarSpec("num", _BOTH, "number of towns the faction controls"),
    "population_held": VarSpec("num", _BOTH, "population of the towns the faction controls"),
    "faction_fighters": VarSpec("num", _BOTH, "fighters of the faction: units plus garrisons"),
    "casualties": VarSpec("num", _BOTH, "the faction's casualties so far (killed and captured)"),
    "besieged_towns": VarSpec("num", _BOTH, "number of the faction's towns that are besieged"),
    "fighters": VarSpec("num", _UNIT, "fighters in this unit"),
    "strength": VarSpec(
        "num", _UNIT, "fighters now / authorised strength (default: fighters at the start; "
        "1.0 = full)"
    ),
    "morale": VarSpec("num", _UNIT, "this unit's morale, 0 (broken) to 1"),
    "quality": VarSpec("num", _UNIT, "this unit's quality (training, equipment), about 0.3-1.5"),
    "strength_ratio": VarSpec(
        "num",
        _UNIT,
        "fighters of friendly units / all hostile fighters (units and garrisons) in the unit's "
        "town and the towns next to it "
        "(100 when no hostile fighters are there)",
    ),
    "besieged": VarSpec("bool", _UNIT, "the unit is in a town cut off from its supply sources"),
    "supplied": VarSpec("bool", _UNIT, "the unit is in a town that has a supply path"),
    "in_battle": VarSpec("bool", _UNIT, "the unit fought yesterday"),
}

FUNCTIONS: dict[str, FuncSpec] = {
    "enemy_within_km": FuncSpec(
        ("num",),
        "bool",
        _BOTH,
        "a hostile unit is within this many km (straight line) of the unit; for faction rules, "
        "of any town the faction holds",
    ),
    "enemy_fighters_within_km": FuncSpec(
        ("num",), "num", _BOTH, "fighters of hostile units within this many km (as enemy_within_km)"
    ),
    "enemy_near": FuncSpec(
        ("town", "num"),
        "num",
        _BOTH,
        "fighters of units hostile to this faction within km of the named town",
    ),
    "holds": FuncSpec(("town",), "bool", _BOTH, "the faction or an ally controls the named town"),
    "min": FuncSpec(("num", "num"), "num", _BOTH, "the smaller of two numbers"),
    "max": FuncSpec(("num", "num"), "num", _BOTH, "the larger of two numbers"),
    "abs": FuncSpec(("num",), "num", _BOTH, "absolute value"),
}

# ---- unit tasking: tags (answered by sim.context; the tags named are checked in
# sim.scenario.tasking against the tags the scenario's units carry)
TAG_FUNCTIONS: dict[str, FuncSpec] = {
    "tagged": FuncSpec(("tag",), "bool", _UNIT, "this unit carries the tag"),
    "units_tagged": FuncSpec(
        ("tag",), "num", _BOTH, "number of the faction's units on the map carrying the tag"
    ),
    "fighters_tagged": FuncSpec(
        ("tag",), "num", _BOTH, "fighters of the faction's units carrying the tag"
    ),
}
FUNCTIONS.update(TAG_FUNCTIONS)
# ---- end of unit tasking
# ---- effective odds (sim.odds): the odds the combat code will use --------------------------
VARIABLES["target_odds"] = VarSpec(
    "num",
    _UNIT,
    "odds(town) at the unit's target: the town it besieges or marches on (as of yesterday's "
    "move), else the town it stands in",
)
FUNCTIONS["odds"] = FuncSpec(
    ("town",),
    "num",
    _BOTH,
    "effective odds of the unit's side at the named town today, as the battle weighs them "
    "without noise (above 1: the stronger). A hostile town: (attackers x effectiveness x air) "
    "/ (defenders x effectiveness x air x defence multiplier), the unit with its bloc's units "
    "in or besieging the town; a town of its bloc: the inverse of its attackers' odds, with "
    "the unit among the defenders; 100 when there is nobody to fight or to overcome (for "
    "faction rules: the same without a unit)",
)

_CONSTANT_NAMES = {"true": True, "false": False, "True": True, "False": False}


class ExprError(ValueError):
    """An expression is not valid; the message says why and, for names, suggests one."""


class EvalContext(Protocol):
    """What a condition is evaluated against: lazily computed variables and functions."""

    def var(self, name: str) -> Any:
        """Value of a variable."""

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """Value of a function call."""


Evaluator = Callable[[EvalContext], Any]


@dataclass(frozen=True)
class Condition:
    """A checked, compiled condition; call ``evaluate(ctx)`` to get a bool."""

    source: str
    names: frozenset[str]
    _fn: Evaluator
    towns: tuple[str, ...] = ()  # the town ids the condition names, in order
    tags: tuple[str, ...] = ()  # the unit tags the condition names, in order

    def evaluate(self, ctx: EvalContext) -> bool:
        """Evaluate against a context."""
        return bool(self._fn(ctx))


_FORBIDDEN = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "subscripts ('[...]') are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.IfExp: "'x if c else y' is not supported; use and/or",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Set: "sets are not allowed",
}

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b if b else (math.inf if a > 0 else -math.inf if a < 0 else 0.0),
    ast.Mod: lambda a, b: a % b if b else 0.0,
}
_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {  # the operators as C functions: no frame
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_OP_NAMES = {
    ast.Pow: "'**'",
    ast.FloorDiv: "'//'",
    ast.MatMult: "'@'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitOr: "'|'",
    ast.BitAnd: "'&'",
    ast.BitXor: "'^'",
    ast.Invert: "'~'",
    ast.Is: "'is'",
    ast.IsNot: "'is not'",
    ast.In: "'in'",
    ast.NotIn: "'not in'",
}


class _Compiler:
    def __init__(self, scope: str):
        self.scope = scope
        self.towns: list[str] = []
        self.tags: list[str] = []
        self.names: set[str] = set()
        self.count = 0

    def compile(self, node: ast.AST, depth: int) -> tuple[Evaluator, str]:
        self.count += 1
        if self.count > MAX_EXPR_NODES:
            raise ExprError(f"expression is too complex (more than {MAX_EXPR_NODES} parts)")
        if depth > MAX_EXPR_DEPTH:
            raise ExprError(f"expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)")
        for kind, message in _FORBIDDEN.items():
            if isinstance(node, kind):
                raise ExprError(message)
        d = depth + 1
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return (lambda c, v=v: v), "bool"
            if isinstance(v, int | float):
                # an int is compared before any conversion: float() of a 310-digit int overflows
                if abs(v) > MAX_CONSTANT or not math.isfinite(v):
                    text = repr(v)
                    if len(text) > 20:
                        text = f"{text[:12]}... ({len(text)} digits)"
                    raise ExprError(f"number {text} is out of range (at most {MAX_CONSTANT:g})")
                # floats only: int arithmetic is unbounded, and a huge int overflows when
                # divided or compared with a float (a run-time error from a valid condition)
                return (lambda c, v=float(v): v), "num"
            if isinstance(v, str):
                raise ExprError(f"text {v!r} can only be a town id given to a function")
            raise ExprError(f"constant {v!r} is not allowed")
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v, d)[0] for v in node.values]
            if isinstance(node.op, ast.And):
                return (lambda c: all(p(c) for p in parts)), "bool"
            return (lambda c: any(p(c) for p in parts)), "bool"
        if isinstance(node, ast.UnaryOp):
            inner, t = self.compile(node.operand, d)
            if isinstance(node.op, ast.Not):
                return (lambda c: not inner(c)), "bool"
            if isinstance(node.op, ast.USub):
                self._need_num(t, "'-'")
                return (lambda c: -inner(c)), "num"
            if isinstance(node.op, ast.UAdd):
                self._need_num(t, "'+'")
                return inner, "num"
            raise ExprError(f"operator {_OP_NAMES.get(type(node.op), '?')} is not allowed")
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise ExprError(
                    f"operator {_OP_NAMES.get(type(node.op), '?')} is not allowed; use + - * / %"
                )
            left, lt = self.compile(node.left, d)
            right, rt = self.compile(node.right, d)
            self._need_num(lt, "arithmetic")
            self._need_num(rt, "arithmetic")
            return (lambda c: op(left(c), right(c))), "num"
        if isinstance(node, ast.Compare):
            first, _ = self.compile(node.left, d)
            ops = []
            for op_node, comp in zip(node.ops, node.comparators, strict=True):
                fn = _CMPOPS.get(type(op_node))
                if fn is None:
                    raise ExprError(
                        f"comparison {_OP_NAMES.get(type(op_node), '?')} is not "
                        "allowed; use < <= > >= == !="
                    )
                ops.append((fn, self.compile(comp, d)[0]))

            def compare(c: EvalContext) -> bool:
                a = first(c)
                for fn, get in ops:
                    b = get(c)
                    if not fn(a, b):
                        return False
                    a = b
                return True

            return compare, "bool"
        if isinstance(node, ast.Call):
            return self._call(node, d)
        raise ExprError(f"{type(node).__name__} is not allowed in a condition")

    @staticmethod
    def _need_num(t: str, what: str) -> None:
        if t != "num":
            raise ExprError(f"{what} needs numbers, not a true/false value")

    def _name(self, name: str) -> tuple[Evaluator, str]:
        if name.startswith("_"):
            raise ExprError(f"names starting with '_' are not allowed ({name!r})")
        if name in _CONSTANT_NAMES:
            v = _CONSTANT_NAMES[name]
            return (lambda c: v), "bool"
        spec = VARIABLES.get(name)
        if spec is None:
            if name in FUNCTIONS:
                raise ExprError(f"{name!r} is a function; call it, e.g. {name}(...)")
            raise ExprError(f"unknown variable {name!r}{_suggest(name, list(VARIABLES))}")
        if self.scope not in spec.scopes:
            raise ExprError(
                f"variable {name!r} describes a unit and cannot be used in a faction-wide rule"
            )
        self.names.add(name)
        if spec.type == "num":
            return (lambda c: float(c.var(name))), "num"
        return (lambda c: c.var(name)), spec.type

    def _call(self, node: ast.Call, depth: int) -> tuple[Evaluator, str]:
        if not isinstance(node.func, ast.Name):
            raise ExprError("only the listed functions can be called, by name")
        name = node.func.id
        if name.startswith("_"):
            raise ExprError(f"names starting with '_' are not allowed ({name!r})")
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise ExprError(f"unknown function {name!r}{_suggest(name, list(FUNCTIONS))}")
        if self.scope not in spec.scopes:
            raise ExprError(
                f"{name}() describes a unit and cannot be used in a faction-wide rule"
            )
        if node.keywords:
            raise ExprError(f"{name}() takes positional arguments only")
        if len(node.args) != len(spec.args):
            raise ExprError(
                f"{name}() takes {len(spec.args)} argument"
                f"{'s' if len(spec.args) != 1 else ''}, got {len(node.args)}"
            )
        args: list[Evaluator] = []
        for kind, arg in zip(spec.args, node.args, strict=True):
            if kind == "town":
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    raise ExprError(
                        f"{name}() needs a town id in quotes, e.g. {name}('deir_ez_zor', ...)"
                    )
                self.towns.append(arg.value)
                args.append(_const(arg.value))
            elif kind == "tag":
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    raise ExprError(f"{name}() needs a unit tag in quotes, e.g. {name}('armour')")
                self.tags.append(arg.value)
                args.append(_const(arg.value))
            else:
                fn, t = self.compile(arg, depth)
                self._need_num(t, f"{name}()")
                args.append(fn)
        self.names.add(name)
        return (lambda c: c.call(name, tuple(a(c) for a in args))), spec.returns


def _const(value: Any) -> Evaluator:
    def constant(ctx: EvalContext) -> Any:
        return value

    return constant


def compile_condition(source: Any, scope: str = UNIT, towns: set[str] | None = None) -> Condition:
    """Parse, check and compile a condition.

    Args:
        source: the condition text (or a YAML boolean, for ``when: true``).
        scope: ``"unit"`` for unit orders, ``"faction"`` for faction-wide actions.
        towns: the town ids that function arguments may name (None skips that check).

    Raises:
        ExprError: the condition is not valid; the message says why.

    Examples:
        >>> compile_condition("day >= 3 and not besieged").names == {"day", "besieged"}
        True
        >>> compile_condition("().__class__")
        Traceback (most recent call last):
        ...
        sim.scenario.expr.ExprError: attribute access ('.') is not allowed
    """
    if isinstance(source, bool):
        return Condition(str(source).lower(), frozenset(), _const(source))
    if not isinstance(source, str):
        raise ExprError(f"a condition must be text or true/false, not {type(source).__name__}")
    condition = _compile_text(source, scope)
    for town in condition.towns:
        if towns is not None and town not in towns:
            raise ExprError(f"unknown town {town!r}{_suggest(town, sorted(towns))}")
    return condition


@functools.lru_cache(maxsize=MAX_CACHED)
def _compile_text(source: str, scope: str) -> Condition:
    """The compiled condition (without the town check, which depends on the map)."""
    if len(source) > MAX_EXPR_CHARS:
        raise ExprError(
            f"condition is {len(source)} characters long; the limit is {MAX_EXPR_CHARS}"
        )
    if not source.strip():
        raise ExprError("condition is empty")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"syntax error: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("condition cannot be parsed (too deeply nested or invalid)") from None
    comp = _Compiler(scope)
    try:
        fn, t = comp.compile(tree.body, 0)
    except RecursionError:
        raise ExprError("condition is nested too deeply") from None
    if t != "bool":
        raise ExprError(
            f"a condition must be true or false; compare the number, e.g. '{source.strip()} > 0'"
        )
    return Condition(source, frozenset(comp.names), fn, tuple(comp.towns), tuple(comp.tags))
