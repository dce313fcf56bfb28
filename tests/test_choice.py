"""Rule choice on arrays: the same rule, and the same run, as the scalar path."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
import pytest

import sim.choice
from sim.generate import generate_scenario
from sim.model import TerritoryModel
from sim.scenario import load_scenario
from sim.scenario.expr import compile_condition
from sim.scenario.exprvec import vectorise

VALUES = {  # per unit; zeros, a negative zero, NaN and infinities on purpose
    "fighters": [0.0, -0.0, 1.0, 2.5, math.nan, math.inf, -3.0, 3.0],
    "morale": [0.0, 0.0, 0.5, 0.0, 1.0, 0.2, -math.inf, 0.5],
    "besieged": [True, False, True, False, True, False, True, False],
}


class One:
    """The scalar evaluator's view of one of the units of VALUES."""

    def __init__(self, i: int) -> None:
        self.i = i

    def var(self, name: str) -> Any:
        return VALUES[name][self.i]

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        return {"min": min, "max": max, "abs": lambda a: abs(a[0])}[name](args)  # as Sense


class All:
    """The array evaluator's view of all of them."""

    size = len(VALUES["fighters"])

    def var(self, name: str) -> Any:
        return np.array(VALUES[name])

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        raise AssertionError(name)


@pytest.mark.parametrize("source", [
    "fighters / morale > 1",
    "fighters / morale < 0 or fighters / morale == 0",
    "(fighters - 2.5) / (morale - 0.5) >= -1",
    "min(fighters, morale) < 0.5 and not besieged",
    "max(fighters, 1) * 2 <= 6",
    "abs(-fighters) > 2",
    "not fighters",
    "fighters and morale",
    "1 < fighters < 3",
    "0 <= morale <= fighters != 1",
    "besieged == true or fighters + morale != 0",
    "true",
    "-fighters + 2 != 0",
])
def test_each_unit_gets_the_value_of_the_scalar_evaluator(source: str) -> None:
    cond = compile_condition(source)
    vec = vectorise(cond)
    assert vec is not None
    want = [cond.evaluate(One(i)) for i in range(All.size)]
    assert vec.evaluate(All()).tolist() == want


@pytest.mark.parametrize("source", ["target_odds > 1", "odds('a') > 2", "fighters % 2 == 1"])
def test_conditions_without_an_array_form(source: str) -> None:
    assert vectorise(compile_condition(source, towns={"a"})) is None


def test_the_array_form_covers_the_language_but_the_odds() -> None:
    from sim.scenario.expr import FUNCTIONS, VARIABLES
    from sim.scenario.exprvec import ARRAY_FORM, NO_ARRAY_FORM

    # a name added to the language later stays on the scalar path until it is added here
    assert not ARRAY_FORM & NO_ARRAY_FORM
    assert ARRAY_FORM.issubset(set(VARIABLES) | set(FUNCTIONS))
    assert {"odds", "target_odds"} <= (set(VARIABLES) | set(FUNCTIONS)) - ARRAY_FORM


def _digest(model: TerritoryModel) -> str:
    h = hashlib.sha256()
    rec = model.record
    h.update(repr([(e.day, e.kind, e.faction, e.town, e.detail) for e in rec.events]).encode())
    h.update(repr(rec.series).encode())
    for u in model.forces:
        h.update(repr((u.key, u.node, u.dest, u.progress.hex(), u.fighters.hex(), u.rule,
                       u.order)).encode())
    h.update(model.towns.controller.tobytes())
    return h.hexdigest()


def _tasked(towns: int, factions: int, seed: int) -> dict[str, Any]:
    """A generated theatre whose rules use every array-evaluated name of the language."""
    data = generate_scenario(towns, factions, None, seed=seed)
    first = data["factions"][0]
    for i, u in enumerate(first["forces"]):
        if i % 3 == 0:
            u["tags"] = ["armour"]
    town = data["towns"][0]["id"]
    first["rules"] = [
        {"id": "broken", "when": "morale < 0.3 or strength < 0.35", "do": "retreat"},
        {"id": "tanks", "tags": ["armour"], "when": "strength_ratio >= 1.2 and supplied",
         "do": "advance"},
        {"id": "screen", "when": "enemy_fighters_within_km(30) > fighters * 0.5 "
         "and not in_battle", "do": "reinforce", "with": {"radius_km": 40}},
        {"id": "lead", "when": f"tagged('armour') and holds('{town}') or "
         f"enemy_near('{town}', 50) > 0 and quality > 0.9", "do": "advance"},
        {"id": "mass", "when": "units_tagged('armour') > 3 and fighters_tagged('armour') > 1 "
         "and max(day, 1) > 2 and not besieged and enemy_within_km(min(fighters, 40))",
         "do": "advance"},
        {"id": "invest", "when": True, "do": "besiege", "with": {"assault_ratio": 2.0}},
    ]
    return data


@pytest.mark.parametrize(("data", "days", "per_day"), [
    (generate_scenario(1500, 3, None, seed=2), 20, 100),
    (_tasked(600, 2, 3), 30, 40),
])
def test_a_run_is_the_same_on_arrays_and_on_the_scalar_path(
    data: dict[str, Any], days: int, per_day: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_scenario(data)
    on_arrays = []
    real = sim.choice.RuleChoice._on_arrays

    def counted(self: sim.choice.RuleChoice, *args: Any) -> Any:
        out = real(self, *args)
        on_arrays.append(len(out))
        return out

    monkeypatch.setattr(sim.choice.RuleChoice, "_on_arrays", counted)
    monkeypatch.setattr(sim.choice, "VECTOR_RULE_UNITS", 10**9)
    scalar = _digest(TerritoryModel(loaded, days=days).run())
    assert on_arrays == []
    monkeypatch.setattr(sim.choice, "VECTOR_RULE_UNITS", 0)
    arrays = _digest(TerritoryModel(loaded, days=days).run())
    assert sum(on_arrays) > per_day * days  # most unit-days were chosen on arrays
    assert arrays == scalar


def test_small_factions_stay_on_the_scalar_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(sim.choice.RuleChoice, "_on_arrays",
                        lambda self, *a: calls.append(a) or {})
    TerritoryModel(days=5).run()  # the default scenario: a dozen units a faction at most
    assert calls == []


def test_each_unit_gets_the_scalar_values_of_the_sense() -> None:
    model = TerritoryModel(_tasked(600, 2, 3), days=10).run(6)
    units = [u for u in model.forces if u.faction == 0]
    assert len(units) > 20
    town = model.world.ids[0]
    arrays = sim.choice.UnitArrays(units, 0, model.day, model.record.stats[0], model.sense,
                                   model.supply)
    sense = model.sense
    for name, args in [("enemy_fighters_within_km", (30.0,)), ("enemy_within_km", (30.0,)),
                       ("enemy_fighters_within_km", (120.0,)), ("enemy_near", (town, 80.0)),
                       ("holds", (town,))]:
        got = np.broadcast_to(arrays.call(name, args), (len(units),)).tolist()
        want = [sense.call(0, u, name, args) for u in units]
        assert got == want, name
    assert sum(got_ > 0 for got_ in arrays.call("enemy_fighters_within_km", (120.0,))) > 5
    ratio = arrays.var("strength_ratio").tolist()
    assert ratio == [sense.strength_ratio(0, u.node) for u in units]
