"""Unit tasking: tags, tag-restricted rules, objectives per tag, the rule diagnostics."""

from __future__ import annotations

import csv

import pytest
import yaml
from builders import faction, scenario, town
from phase_kit import kit, road

from sim.cli import main
from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.orders import give_orders
from sim.output import write_outputs
from sim.rundata import attach_trail
from sim.scenario import load_scenario


def unit(uid: str, tags: list[str] | None = None, town: str = "hq") -> dict:
    u = {"id": uid, "name": uid.upper(), "town": town, "fighters": 100, "speed_km_day": 4}
    return {**u, "tags": tags} if tags is not None else u


def fork(rules: list[dict], units: list[dict] | None = None, days: int = 3, **red: object
         ) -> dict:
    """hq (red) with three roads of 10 km: to n, s and c (blue, no garrison)."""
    objectives = [{"town": "n", "priority": 5, "tags": ["axis_north"]},
                  {"town": "s", "priority": 5, "tags": ["axis_south"]},
                  {"town": "c", "priority": 1}]
    if units is None:
        units = [unit("north", ["axis_north"]), unit("north2", ["axis_north", "armour"]),
                 unit("south", ["axis_south"]), unit("free")]
    r = faction("red", supply_sources=["hq"], objectives=objectives, rules=rules,
                forces=units, **red)
    blue = faction("blue", colour="#0000cc", supply_sources=["c"])
    return scenario([town("hq", 38.0, "red"), town("n", 38.1, "blue", lat=35.1),
                     town("s", 38.1, "blue", lat=34.9), town("c", 38.1, "blue")],
                    [road("hq", "n"), road("hq", "s"), road("hq", "c")], [r, blue], days=days)


def stats() -> list[dict]:
    row = {"towns": 1, "population": 0.0, "fighters": 0.0, "casualties": 0.0,
           "besieged_towns": 0}
    return [row, dict(row)]


def day_of_orders(data: dict):
    k = kit(data)
    give_orders(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense,
                k.routes, stats(), 1, k.spec.simulation.movement.priority_km)
    return k


def heading(k) -> dict[str, tuple[str, str, float]]:
    ids = k.world.ids
    return {u.key: (u.order, ids[u.dest] if u.dest >= 0 else ids[u.node], u.progress)
            for u in k.forces}


# ------------------------------------------------------------------ objectives and rules
def test_tagged_units_follow_their_own_objectives_untagged_ones_the_shared():
    k = day_of_orders(fork([{"do": "advance"}]))
    assert heading(k) == {"north": ("advance", "n", 4.0), "north2": ("advance", "n", 4.0),
                          "south": ("advance", "s", 4.0), "free": ("advance", "c", 4.0)}
    # one search per (faction, objective set): {n, c}, {s, c}, {c}; two north units share one
    objective_keys = [key for key in k.routes.fields if key[0] == "objective"]
    assert sorted(key[-1] for key in objective_keys) == [(0, 2), (1, 2), (2,)]


def test_without_tagged_objectives_every_unit_aims_at_the_same_best_one():
    data = fork([{"do": "advance"}])
    for obj in data["factions"][0]["objectives"]:
        obj.pop("tags", None)
    k = day_of_orders(data)
    # n and s tie at priority 5; every unit takes the same route
    assert len({dest for _, dest, _ in heading(k).values()}) == 1
    assert [key for key in k.routes.fields if key[0] == "objective"] == [
        ("objective", 0, None, k.towns.version)]  # the key of untagged runs is unchanged


def test_a_tag_restricted_rule_applies_to_its_units_only():
    rules = [{"id": "south_waits", "tags": ["axis_south"], "do": "hold"},
             {"id": "armour_first", "tags": ["armour"], "when": "tagged('axis_north')",
              "do": "advance"},
             {"id": "go", "when": "not tagged('axis_north') or units_tagged('axis_north') >= 3",
              "do": "advance"}]
    k = day_of_orders(fork(rules))
    assert {u.key: (u.order, u.rule) for u in k.forces} == {
        "north": ("hold", ""),  # 2 north units: "go" does not hold, no rule: default hold
        "north2": ("advance", "armour_first"),
        "south": ("hold", "south_waits"),
        "free": ("advance", "go")}


def test_faction_wide_tag_counts():
    rules = [{"id": "big_north", "when": "fighters_tagged('axis_north') > 150 and "
                                         "units_tagged('armour') == 1", "do": "advance"}]
    k = day_of_orders(fork(rules))
    assert {u.rule for u in k.forces} == {"big_north"}
    k = day_of_orders(fork(rules, [unit("north", ["axis_north"]), unit("x", ["armour"]),
                                   unit("south", ["axis_south"])]))
    assert {u.rule for u in k.forces} == {""}  # 100 fighters tagged axis_north


def test_arrivals_carry_tags_into_their_rules_and_objectives():
    data = fork([{"id": "go", "tags": ["axis_south"], "do": "advance"}],
                [unit("north", ["axis_north"])], days=2)
    data["events"] = [{"id": "tigers", "day": 1, "add_units": [
        {**unit("tiger", ["axis_south"]), "faction": "red"}]}]
    m = TerritoryModel(data).run(1)
    tiger = next(u for u in m.unit_list if u.key == "tiger")
    assert (tiger.tags, tiger.rule, m.world.ids[tiger.dest]) == (
        frozenset({"axis_south"}), "go", "s")
    assert next(u for u in m.unit_list if u.key == "north").order == "hold"


# ------------------------------------------------------------------------- units.csv
def test_units_csv_says_which_rule_gave_each_order(tmp_path):
    rules = [{"id": "south_waits", "tags": ["axis_south"], "do": "hold"},
             {"do": "advance", "tags": ["axis_north"]}]
    m = TerritoryModel(fork(rules, days=1))
    attach_trail(m)
    m.run()
    write_outputs(m, tmp_path, plots=False)
    with (tmp_path / "units.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["day"] == "1"]
    got = [(r["unit"], r["order"], r["rule"], r["town"], r["dest"], r["target"], r["morale"],
            r["strength"]) for r in rows]
    assert got == [("north", "advance", "rules[1]", "hq", "n", "n", "0.8", "1.0"),
                   ("north2", "advance", "rules[1]", "hq", "n", "n", "0.8", "1.0"),
                   ("south", "hold", "south_waits", "hq", "", "", "0.8", "1.0"),
                   ("free", "hold", "", "hq", "", "", "0.8", "1.0")]


def test_a_finished_run_reads_back_with_the_new_columns(tmp_path):
    from sim.runfiles import load_run

    m = TerritoryModel(fork([{"id": "go", "do": "advance"}], days=1))
    attach_trail(m)
    m.run()
    write_outputs(m, tmp_path, plots=False)
    back = load_run(tmp_path).units[1]
    assert [(u.key, u.rule, u.target) for u in back] == [
        ("north", "go", 1), ("north2", "go", 1), ("south", "go", 2), ("free", "go", 3)]


# ------------------------------------------------------------------- checks, warnings
@pytest.mark.parametrize(("where", "value", "message"), [
    ("rule", {"do": "hold", "tags": ["axis_sout"]},
     r"factions\.red\.rules\[0\]\.tags\[0\]: unknown tag 'axis_sout' \(did you mean "
     r"'axis_south'\?\)"),
    ("rule", {"do": "hold", "when": "tagged('armor')"},
     r"rules\[0\]\.when: unknown tag 'armor' \(did you mean 'armour'\?\)"),
    ("rule", {"do": "conscript", "tags": ["armour"]},
     r"rules\[0\]\.tags: tags restrict unit rules; 'conscript' is a faction-wide rule"),
    ("rule", {"do": "conscript", "when": "tagged('armour')"},
     r"tagged\(\) describes a unit and cannot be used in a faction-wide rule"),
    ("rule", {"do": "hold", "before": "go"}, r"rules\[0\]\.before: before: places a variant"),
    ("objective", {"town": "c", "tags": ["axis_nort"]},
     r"objectives\[0\]\.tags\[0\]: unknown tag 'axis_nort'"),
])
def test_unknown_tags_are_errors_with_a_suggestion(where, value, message):
    data = fork([value] if where == "rule" else [{"do": "hold"}])
    if where == "objective":
        data["factions"][0]["objectives"] = [value]
    with pytest.raises(ScenarioError, match=message):
        load_scenario(data)


def warnings_of(data: dict) -> list[str]:
    return [f"{w.path}: {w.message}" for w in load_scenario(data).warnings]


def test_a_rule_after_one_that_always_holds_is_unreachable():
    rules = [{"id": "retreat", "when": "morale < 0.3", "do": "retreat"},
             {"id": "hold_all", "when": True, "do": "hold"},
             {"id": "push", "when": "day > 3", "do": "advance"},
             {"id": "never", "do": "defend"}]
    assert warnings_of(fork(rules)) == [
        "factions.red.rules.push: this rule can never fire: earlier rule 'hold_all' always "
        "holds (when: true) for every unit it applies to",
        "factions.red.rules.never: this rule can never fire: earlier rule 'hold_all' always "
        "holds (when: true) for every unit it applies to"]
    rules[1]["enabled"] = False  # a rule switched off shadows nothing
    assert warnings_of(fork(rules)) == []


def test_shadowing_follows_the_tags():
    rules = [{"id": "south_waits", "tags": ["axis_south"], "do": "hold"},
             {"id": "south_push", "tags": ["axis_south"], "when": "day > 3", "do": "advance"},
             {"id": "north_push", "tags": ["axis_north"], "do": "advance"},
             {"id": "armour", "tags": ["armour"], "do": "advance"},
             {"id": "rest", "when": "day > 1", "do": "advance"}]
    warned = warnings_of(fork(rules))
    assert [w.split(":")[0] for w in warned] == [
        "factions.red.rules.south_push",  # the same tags as south_waits
        "factions.red.rules.armour"]  # its one unit (north2) also carries axis_north
    # "rest" still fires for "free", the one untagged unit; without it, every unit is covered:
    units = [unit("north", ["axis_north"]), unit("north2", ["axis_north", "armour"]),
             unit("south", ["axis_south"])]
    assert warnings_of(fork(rules, units))[-1] == (
        "factions.red.rules.rest: this rule can never fire: earlier rules 'south_waits', "
        "'north_push' always hold (when: true) for every unit it applies to")


def test_a_rule_whose_tags_no_unit_of_the_faction_carries_is_warned():
    data = fork([{"id": "raid", "tags": ["raiders"], "do": "advance"}])
    blue = data["factions"][1]
    blue["forces"] = [unit("b1", ["raiders"], town="c")]
    assert warnings_of(data) == ["factions.red.rules.raid.tags: no unit of red carries tag "
                                 "'raiders': this rule never applies"]
    data["events"] = [{"id": "late", "day": 2, "add_units": [
        {**unit("r9", ["raiders"]), "faction": "red"}]}]
    assert warnings_of(data) == []  # a timeline arrival carries it


def test_validate_prints_warnings_with_file_and_line_and_exits_0(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    rules = [{"id": "hold_all", "do": "hold"}, {"id": "push", "do": "advance"}]
    path.write_text(yaml.safe_dump(fork(rules), sort_keys=False))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if text.strip() == "- id: push")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}:{line}: factions.red.rules.push: warning: this rule can never fire" in out


# ------------------------------------------------------------- variants: before / after
def test_a_variant_inserts_rules_before_and_after_base_rules(tmp_path):
    base = fork([{"id": "retreat", "when": "morale < 0.3", "do": "retreat"},
                 {"id": "push", "when": "day > 1", "do": "advance"},
                 {"id": "hold_all", "do": "hold"}])
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
    variant = {"extends": "base.yaml", "factions": [{"id": "red", "rules": [
        {"id": "north_first", "before": "push", "tags": ["axis_north"], "do": "advance"},
        {"id": "after_north", "after": "north_first", "do": "defend", "when": "day > 5"},
        {"id": "retreat", "after": "hold_all"},  # moves a base rule (and keeps its fields)
        {"id": "last", "do": "defend", "when": "day > 9"}]}]}
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(variant, sort_keys=False))
    loaded = load_scenario(tmp_path / "v.yaml")
    rules = loaded.scenario.factions[0].rules
    assert [(r.id, r.do) for r in rules] == [
        ("north_first", "advance"), ("after_north", "defend"), ("push", "advance"),
        ("hold_all", "hold"), ("retreat", "retreat"), ("last", "defend")]
    assert all(r.before is None and r.after is None for r in rules)
    assert "before" not in str(loaded.data)


def test_placing_next_to_an_unknown_rule_is_an_error_at_its_line(tmp_path):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(fork([{"id": "push", "do": "advance"}]),
                                                       sort_keys=False))
    (tmp_path / "v.yaml").write_text(
        "extends: base.yaml\nfactions:\n  - id: red\n    rules:\n"
        "      - id: first\n        do: hold\n        before: psuh\n"
        "      - id: second\n        do: hold\n        before: push\n        after: push\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "v.yaml")
    text = str(err.value)
    assert (f"{tmp_path / 'v.yaml'}:7: factions.red.rules.first.before: no rule with id 'psuh' "
            "to place this rule before (did you mean 'push'?)") in text
    assert "factions.red.rules.second: give either before or after, not both" in text


def test_in_a_whole_run_each_axis_takes_its_own_objective():
    data = fork([{"do": "advance"}], [unit("north", ["axis_north"]), unit("south", ["axis_south"])],
                days=3)
    m = TerritoryModel(data).run()
    assert [(e.day, e.kind, e.town) for e in m.events if e.kind == "capture"] == [
        (3, "capture", "n"), (3, "capture", "s")]
    assert (m.holder("n"), m.holder("s"), m.holder("c")) == ("red", "red", "blue")
