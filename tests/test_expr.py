from typing import Any

import pytest

from sim.scenario.expr import FACTION, UNIT, ExprError, compile_condition


class Ctx:
    def __init__(self, **values: Any):
        self.values = values
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def var(self, name: str) -> Any:
        return self.values[name]

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        self.calls.append((name, args))
        return {"min": min, "max": max}.get(name, lambda *a: 7)(*args)


@pytest.mark.parametrize(("text", "values", "expected"), [
    ("day >= 3", {"day": 3}, True),
    ("day >= 3", {"day": 2}, False),
    ("strength_ratio > 2 and not besieged", {"strength_ratio": 2.5, "besieged": False}, True),
    ("strength_ratio > 2 and not besieged", {"strength_ratio": 2.5, "besieged": True}, False),
    ("morale < 0.3 or strength < 0.25", {"morale": 0.5, "strength": 0.2}, True),
    ("1 < day < 5", {"day": 5}, False),
    ("fighters / 0 > 10", {"fighters": 5}, True),  # x/0 is +inf for x > 0, never an exception
    ("(fighters + 10) * 2 - 4 == 26", {"fighters": 5}, True),
    ("min(day, 3) == 3 and max(day, 1) == day", {"day": 9}, True),
    ("true", {}, True),
    ("-day < 0", {"day": 1}, True),
])
def test_conditions_evaluate(text, values, expected):
    assert compile_condition(text).evaluate(Ctx(**values)) is expected


def test_short_circuit_skips_functions():
    ctx = Ctx(day=0)
    compile_condition("day > 1 and enemy_within_km(50)").evaluate(ctx)
    assert ctx.calls == []
    compile_condition("day < 1 and enemy_within_km(50)").evaluate(ctx)
    assert ctx.calls == [("enemy_within_km", (50,))]


def test_town_arguments_are_checked():
    cond = compile_condition("enemy_near('maadan', 30) > 100", towns={"maadan", "raqqa"})
    ctx = Ctx()
    assert cond.evaluate(ctx) is False
    assert ctx.calls == [("enemy_near", ("maadan", 30))]
    with pytest.raises(ExprError, match=r"unknown town 'madaan'.*did you mean 'maadan'"):
        compile_condition("holds('madaan')", towns={"maadan"})


@pytest.mark.parametrize(("text", "message"), [
    ("strenght_ratio > 2", "unknown variable 'strenght_ratio'.*did you mean 'strength_ratio'"),
    ("enemy_with_km(5)", "unknown function 'enemy_with_km'.*did you mean 'enemy_within_km'"),
    ("enemy_within_km(5, 6)", "takes 1 argument, got 2"),
    ("enemy_within_km(km=5)", "positional arguments only"),
    ("day", "must be true or false"),
    ("day +", "syntax error"),
    ("", "empty"),
    ("besieged + 1 > 0", "needs numbers"),
    ("holds(day)", "needs a town id in quotes"),
    ("enemy_within_km", "is a function"),
])
def test_invalid_conditions_explain_themselves(text, message):
    with pytest.raises(ExprError, match=message):
        compile_condition(text)


def test_unit_variables_are_refused_in_faction_rules():
    compile_condition("towns_held < 10", scope=FACTION)
    with pytest.raises(ExprError, match="describes a unit"):
        compile_condition("morale < 0.3", scope=FACTION)
    compile_condition("morale < 0.3", scope=UNIT)


# Known sandbox-escape payloads: each must be refused when the scenario loads.
ESCAPES = [
    "().__class__.__bases__[0].__subclasses__()",
    "__import__('os').system('echo pwned')",
    "__builtins__",
    "_secret > 1",
    "day.__class__",
    "(lambda: 1)() > 0",
    "[x for x in (1, 2)] == 1",
    "{x for x in (1,)} == 1",
    "sum(x for x in (1,)) > 0",
    "f'{day}' == 1",
    "(x := 1) > 0",
    "9 ** 9 ** 9 ** 9 > 1",
    "day ** 2 > 1",
    "open('/etc/passwd')",
    "eval('1')",
    "getattr(day, 'real') > 1",
    "globals()",
    "day if day else 1",
    "1e400 > day",
    "'a' * 10**9 == 1",
    "day[0] > 1",
    "(day).real > 1",
    "*day",
    "exec('import os')",
    # more of the classic escapes: dunder chains, builtins reached through functions,
    # frames and generators, code objects, format strings, unpacking, unicode look-alikes
    "().__class__.__mro__[1].__subclasses__()[0]",
    "[].__class__.__base__.__subclasses__()",
    "''.__class__.__mro__[-1].__subclasses__()",
    "min.__self__.__import__('os')",
    "max.__globals__",
    "abs.__call__(day) > 0",
    "holds.__code__",
    "(day for day in ()).gi_frame.f_globals",
    "(lambda: 0).__code__.co_consts",
    "(lambda f: f(f))(lambda f: f(f))",
    "__builtins__.__dict__['eval']('1')",
    "globals()['__builtins__']",
    "vars() == 1",
    "dir() == 1",
    "locals() == 1",
    "type(day) == 1",
    "breakpoint()",
    "compile('1', '', 'eval')",
    "print('x')",
    "input() == 1",
    "__loader__",
    "__spec__",
    "__name__ == 1",
    "_ == 1",
    "\uff3f\uff3fimport\uff3f\uff3f('os')",  # fullwidth underscores: NFKC makes them '_'
    "\uff45\uff56\uff41\uff4c('1')",  # fullwidth 'eval'
    "f'{().__class__}' == 1",
    "'{0.__class__}'.format(day) == 1",
    "'%s' % day == 1",
    "b'x' == 1",
    "1j == 1",
    "... == 1",
    "None == 1",
    "[*()] == 1",
    "{**{}} == 1",
    "max(*[1, 2]) > 0",
    "holds(*['t0'])",
    "enemy_near(__import__, 1) > 0",
    "enemy_within_km(day).real",
    "min(day, 1).__class__",
    "abs(-day).__class__.__bases__",
    "day @ day > 1",
    "day << 4096 > 1",
    "~day > 1",
    "day ** 0.5 > 1",
    "day // 2 > 1",
    "2 ** 2 ** 2 ** 2 ** 2 ** 2 > 1",
    "10 ** 10 ** 10 > 1",
    "9" * 30 + " > day",
    "1e13 > day",
    "-1e999 < day",
    "day in (1, 2)",
    "day is 1",
    "day not in ()",
    "(day := 5) > 0",
    "day if True else 0",
    "[x for x in ()] == 1",
    "{x: 1 for x in ()} == 1",
    "await day",
    "yield day",
    "import os",
    "day; __import__('os')",
    "day\n__import__('os')",
    "lambda: 1",
    "del day",
    "assert day",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_escape_payloads_are_rejected(payload):
    with pytest.raises(ExprError):
        compile_condition(payload)


def test_limits_on_size_and_depth():
    with pytest.raises(ExprError, match="characters long"):
        compile_condition("day > 1 and " * 100 + "true")
    with pytest.raises(ExprError):
        compile_condition("(" * 240 + "day" + ")" * 240 + " > 1")
    with pytest.raises(ExprError, match="nested too deeply"):
        compile_condition("not " * 40 + "day > 1")
    with pytest.raises(ExprError, match=r"too complex|nested"):
        compile_condition("+".join(["1"] * 130) + " > day")


def test_escape_payloads_are_rejected_when_a_scenario_file_loads(write_yaml, line_data):
    """The whole corpus, as conditions of one scenario file: one problem per payload, each
    naming the file, the line and the path of its rule (so nothing ran, and every one is
    reported)."""
    import yaml
    from builders import DATA

    from sim.errors import ScenarioError
    from sim.scenario import load_scenario

    rules = [{"id": f"p{i}", "when": payload, "do": "advance"}
             for i, payload in enumerate(ESCAPES)]
    line_data["factions"][0]["rules"] = rules
    path = write_yaml(line_data)
    lines = yaml.safe_dump(line_data, sort_keys=False).splitlines()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert len(problems) == len(ESCAPES), "\n".join(map(str, problems))
    for p in problems:
        assert p.file == str(path) and p.severity == "error"
        rule = int(p.path.removeprefix("factions.red.rules.p").removesuffix(".when"))
        assert p.path == f"factions.red.rules.p{rule}.when"
        assert lines[p.line - 1].lstrip().startswith("when:"), (p, lines[p.line - 1])
        assert str(p).startswith(f"{path}:{p.line}: factions.red.rules.p{rule}.when: ")
    assert load_scenario(DATA / "line.yaml")  # the file itself was fine


def balanced_product(n: int, factor: str = "999999999999") -> str:
    if n == 1:
        return factor
    return f"({balanced_product(n // 2, factor)}*{balanced_product(n - n // 2, factor)})"


@pytest.mark.parametrize("text", [
    balanced_product(32) + " / 3 > day",
    balanced_product(32) + " % 2.5 > day",
    balanced_product(32) + " - 1.5 > 0",
    "day * " + balanced_product(31) + " / 7 > 1",
])
def test_huge_numbers_evaluate_without_error(text):
    """Regression: constants and variables used to stay Python ints, so a product of big
    constants became a huge int whose division raised OverflowError during a
    run, from a condition the loader had accepted. Arithmetic is now in floats (inf, nan)."""
    cond = compile_condition(text)
    assert cond.evaluate(Ctx(day=100_000)) in (True, False)
