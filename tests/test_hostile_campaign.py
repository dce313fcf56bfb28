"""Hostile timeline, force-generation, tasking and river inputs: one clear located message each."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import DATA

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario

BASE = yaml.safe_load((DATA / "river.yaml").read_text())
BASE["factions"][0]["forces"][1]["tags"] = ["main"]
BASE["events"].append({"id": "late", "day": 3, "add_units": [
    {"id": "tg", "name": "TG", "faction": "red", "town": "base", "fighters": 100}]})


def write(tmp_path: Path, change) -> tuple[Path, list[str]]:
    data = copy.deepcopy(BASE)
    change(data)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, path.read_text().splitlines()


def problems(path: Path) -> list[tuple[int | None, str, str]]:
    """(line, path, message) of each problem (warnings too)."""
    try:
        loaded = load_scenario(path)
    except ScenarioError as exc:
        return [(p.line, p.path, p.message) for p in exc.problems]
    return [(p.line, p.path, p.message) for p in loaded.warnings]


def line_of(text: list[str], needle: str) -> int:
    return next(i for i, s in enumerate(text, 1) if needle in s)


def event(**fields: Any):
    return lambda d: d["events"].append({"id": "x", "day": 2, **fields})


# ------------------------------------------------------------------ a timeline set, at load time
@pytest.mark.parametrize(("sets", "needle", "message"), [
    ({"factions.red.rules.go.when": "fighters >"}, "factions.red.rules.go.when",
     "factions.red.rules.go.when: syntax error: invalid syntax"),
    ({"factions.red.objectives": [{"town": "nowhere"}]}, "factions.red.objectives",
     "factions.red.objectives[0].town: unknown town 'nowhere'"),
    ({"factions.red.objectives": [{"town": "town_e", "tags": ["mian"]}]},
     "factions.red.objectives", "factions.red.objectives[0].tags[0]: unknown tag 'mian' (did "
     "you mean 'main'?); the units' tags: main"),
    ({"factions.red.rules": [{"do": "advance", "with": {"objective": "twn_e"}}]},
     "factions.red.rules", "factions.red.rules[0].with.objective: unknown town 'twn_e' (did "
     "you mean 'town_e'?)"),
    ({"factions.red.rules": [{"do": "bridge", "with": {"crossing": "south_pontun"}}]},
     "factions.red.rules", "factions.red.rules[0].with.crossing: unknown crossing "
     "'south_pontun' (did you mean 'south_pontoon'?)"),
])
def test_a_set_that_would_break_the_run_when_it_fires_is_refused_at_load(tmp_path, sets,
                                                                          needle, message):
    path, text = write(tmp_path, event(set=sets))
    block = isinstance(next(iter(sets.values())), list)  # located at the value's first line
    assert problems(path) == [(line_of(text, needle) + block, f"events.x.set.{next(iter(sets))}",
                               message)]
    assert main(["validate", str(path)]) == 2


def test_an_events_sets_of_one_section_are_checked_together(tmp_path):
    path, _ = write(tmp_path, event(set={"factions.red.garrison.release_km": 20,
                                         "factions.red.garrison.fighters": 50}))
    assert problems(path) == []
    assert main(["run", str(path), "--days", "3"]) == 0


# ------------------------------------------------------------------ withdrawals
def test_withdrawing_a_unit_before_it_arrives_is_an_error(tmp_path):
    path, text = write(tmp_path, event(day=1, withdraw=["tg"]))
    assert problems(path) == [(line_of(text, "- tg"), "events.x.withdraw[0]",
                               "unit 'tg' arrives only on day 3 (event 'late'), after this "
                               "event (day 1): there is nothing to withdraw yet")]


@pytest.mark.parametrize("fields", [
    {"day": 3},  # the same day, listed after the arrival: it has arrived
    {"day": 2, "spread_days": 1},  # may fall on day 3 (the arrival has no spread)
    {"when": "casualties > 100", "faction": "red"},  # its day cannot be known
], ids=["same-day-after", "window-overlaps", "condition"])
def test_a_withdrawal_that_may_find_its_unit_is_accepted(tmp_path, fields):
    path, _ = write(tmp_path, lambda d: d["events"].append(
        {"id": "x", **fields, "withdraw": ["tg"]}))
    assert problems(path) == []


def test_a_withdrawal_naming_a_unit_twice_is_an_error(tmp_path):
    path, text = write(tmp_path, event(withdraw=["r1", "r1"]))
    assert problems(path) == [(line_of(text, "- r1") + 1, "events.x.withdraw[1]",
                               "names 'r1' twice")]


# ------------------------------------------------------------------ one message, not a cascade
def flow(**fields: Any):
    return lambda d: d["factions"][0].update(flows=[{"id": "f", "to_unit": "r1",
                                                     "per_day": 5, **fields}])


@pytest.mark.parametrize(("change", "where", "message"), [
    (flow(**{"from": -3}), "factions.red.flows.f.from",
     "a day number is 1 to 100,000 (day 1 is the first day of the run; or give a date, "
     "YYYY-MM-DD), got -3"),
    (flow(until="soon"), "factions.red.flows.f.until",
     "expected a day number (1 - 100,000) or a date (YYYY-MM-DD), got 'soon'"),
    (flow(until=2.5), "factions.red.flows.f.until", "a day number is a whole number, got 2.5"),
    (lambda d: d["rivers"][0].update(crossings=None), "rivers.river.crossings",
     "Input should be a valid list (got None)"),
    (lambda d: d.update(rivers={"id": "river"}), "rivers", "Input should be a valid list"),
    (lambda d: (d["factions"][0]["forces"][1].update(tags="main"),
                d["factions"][0].update(objectives=[{"town": "town_e", "tags": ["main"]}])),
     "factions.red.forces.r1.tags", "Input should be a valid list (got 'main')"),
    (lambda d: d["events"][0].update(day=True), "events.boats_sunk.day",
     "expected a number, got true"),
    (lambda d: (d["events"][0].pop("day"), d["events"][0].update(date=20200105)),
     "events.boats_sunk.date", "expected a date (YYYY-MM-DD), got 20200105"),
    (lambda d: d["simulation"].update(start_date=20200101), "simulation.start_date",
     "expected a date (YYYY-MM-DD), got 20200101"),
], ids=["day-negative", "day-word", "day-fraction", "crossings-null", "rivers-mapping",
        "tags-text", "event-day-true", "event-date-number", "start-date-number"])
def test_one_bad_value_gives_one_message(tmp_path, change, where, message):
    path, _ = write(tmp_path, change)
    assert [(p, m) for _, p, m in problems(path)] == [(where, message)]
