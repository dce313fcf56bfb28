"""Timeline events checked at load: `frontline validate` exits 2 with file:line: path: message."""

from __future__ import annotations

import pytest
import yaml
from test_timeline import pocket

from sim.cli import main
from sim.model import TerritoryModel


def write(tmp_path, events: str) -> tuple[str, int]:
    """The pocket scenario (towns src, a, b, far; units r1, b1; 6 days from 2020-01-01) with
    ``events`` (YAML text, the items of ``events:``) appended; returns its path and the line
    of the first event line."""
    data = pocket([])
    del data["events"]
    text = yaml.safe_dump(data, sort_keys=False)
    path = tmp_path / "s.yaml"
    path.write_text(text + "events:\n" + events)
    return str(path), text.count("\n") + 2


def problems(capsys, path: str) -> list[str]:
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frontline: error: ")
    return [line.strip() for line in err.splitlines()[1:]]


CASES = [
    # (events text, line of the problem relative to the first event line, path: message)
    ("- id: old\n  date: 2019-12-01\n", 1, "events.old.date: 2019-12-01 is not after the start "
     "date 2020-01-01: an event fires at dawn of a day of the run (2020-01-02 or later)"),
    ("- id: two\n  day: 2\n  date: 2020-01-03\n", 0,
     "events.two: give exactly one of date, day and when (given: date, day)"),
    ("- id: wide\n  day: 2\n  spread_days: 3\n", 2, "events.wide.spread_days: the window "
     "2019-12-31 - 2020-01-06 (days -1 - 5) starts before the run (day 1, 2020-01-02); a drawn "
     "day after the last day does not fire"),
    ("- id: odd\n  when: towns_hel > 1\n  faction: red\n", 1,
     "events.odd.when: unknown variable 'towns_hel' (did you mean 'towns_held'?)"),
    ("- id: who\n  when: day > 2\n  faction: rd\n", 2,
     "events.who.faction: unknown faction 'rd' (did you mean 'red'?)"),
    ("- id: bye\n  day: 2\n  withdraw: [r11]\n", 2,
     "events.bye.withdraw[0]: unknown unit 'r11' (did you mean 'r1'?)"),
    ("- id: blown\n  day: 2\n  close:\n  - {from: src, to: far}\n", 3,
     "events.blown.close[0]: no highway joins 'src' and 'far' (roads from 'src' go to: a)"),
    ("- id: blown\n  day: 2\n  open:\n  - from: srk\n    to: a\n", 3,
     "events.blown.open[0].from: unknown town 'srk' (did you mean 'src'?)"),
    ("- id: move\n  day: 2\n  set:\n    towns[0].lat: 3\n", 3,
     "events.move.set.towns[0].lat: cannot change during a run (paths that can: "
     "simulation.combat, simulation.siege, simulation.movement, "
     "simulation.fighting_age_share, "
     "factions.<id>.{rules,objectives,garrison_quality,garrison_morale,garrison,air})"),
    ("- id: typo\n  day: 2\n  set:\n    simulation.combat.kill_rat: 0.1\n", 3,
     "events.typo.set.simulation.combat.kill_rat: simulation.combat.kill_rat: unknown field "
     "(did you mean 'kill_rate'?)"),
    ("- id: neg\n  day: 2\n  set:\n    simulation.combat.kill_rate: -1\n", 3,
     "events.neg.set.simulation.combat.kill_rate: simulation.combat.kill_rate: Input should be "
     "greater than or equal to 0 (got -1)"),
    ("- id: side\n  day: 2\n  set:\n    factions.blu.rules: []\n", 3,
     "events.side.set.factions.blu.rules: unknown faction 'blu' (did you mean 'blue'?)"),
    ("- id: side\n  day: 2\n  set:\n    factions.blue.forces: []\n", 3,
     "events.side.set.factions.blue.forces: factions.blue.forces cannot change during a run "
     "(a faction's rules, objectives, garrison_quality, garrison_morale, garrison, air "
     "can)"),
    ("- id: war\n  day: 2\n  relations:\n  - factions: [red, red]\n    relation: hostile\n", 3,
     "events.war.relations[0].factions: names 'red' twice: a relation is between two "
     "different factions"),
    ("- id: war\n  day: 2\n  relations:\n  - factions: [red, bleu]\n    relation: hostile\n",
     3, "events.war.relations[0].factions[1]: unknown faction 'bleu' (did you mean 'blue'?)"),
    ("- id: war\n  day: 2\n  relations:\n  - {factions: [red, blue], relation: allied}\n"
     "  - {factions: [blue, red], relation: hostile}\n", 4,
     "events.war.relations[1].factions: blue - red is set to both allied and hostile in this "
     "event (a relation is symmetric)"),
    ("- id: lift\n  day: 2\n  airlift: {bb: 0.5}\n", 2,
     "events.lift.airlift.bb: unknown town 'bb' (did you mean 'b'?)"),
    ("- id: lift\n  day: 2\n  airlift: {b: 1.5}\n", 2,
     "events.lift.airlift.b: a share is between 0 and 1, got 1.5"),
    ("- id: new\n  day: 2\n  add_units:\n  - {id: t1, name: T, faction: red, town: srcc, "
     "fighters: 5}\n", 3, "events.new.add_units.t1.town: unknown town 'srcc' (did you mean "
     "'src'?)"),
    ("- id: new\n  day: 2\n  add_units:\n  - {id: t1, name: T, faction: rex, town: src, "
     "fighters: 5}\n", 3, "events.new.add_units.t1.faction: unknown faction 'rex' (did you "
     "mean 'red'?)"),
    ("- id: new\n  day: 2\n  add_units:\n  - {id: r1, name: T, faction: red, town: src, "
     "fighters: 5}\n", 3, "events.new.add_units.r1.id: unit id 'r1' is taken by a unit in "
     "forces"),
    ("- id: jets\n  day: 2\n  air: {rd: 5}\n", 2,
     "events.jets.air.rd: unknown faction 'rd' (did you mean 'red'?)"),
    ("- id: jets\n  day: 2\n  air: {red: 5}\n", 2, "events.jets.air.red: faction 'red' has "
     "no air: block (its effect_per_sortie and max_multiplier)"),
    ("- id: jets\n  day: 2\n  set:\n    factions.red.air.sorties_per_day: 5\n", 3,
     "events.jets.set.factions.red.air.sorties_per_day: faction 'red' has no air: block to "
     "change (give it one, with sorties_per_day: 0 until this event)"),
    ("- id: lift\n  day: 2\n  airlift_capacity: {bb: 50}\n", 2,
     "events.lift.airlift_capacity.bb: unknown town 'bb' (did you mean 'b'?)"),
    ("- id: e1\n  day: 2\n- id: e1\n  day: 3\n", 2,  # the second, the one to change
     "events[1].id: duplicate event id 'e1' (first at events.e1, line {first}); an event fires "
     "once, by id"),
]


@pytest.mark.parametrize(("events", "offset", "expected"), CASES)
def test_validate_reports_a_bad_event_at_its_line(tmp_path, capsys, events, offset, expected):
    path, first = write(tmp_path, events)
    message = expected.replace("{first}", str(first))
    assert problems(capsys, path) == [f"{path}:{first + offset}: {message}"]


def test_every_problem_in_one_message(tmp_path, capsys):
    path, first = write(tmp_path, "- id: a1\n  date: 2019-12-09\n- id: a2\n  day: 2\n"
                        "  withdraw: [zz]\n")
    assert problems(capsys, path) == [
        f"{path}:{first + 1}: events.a1.date: 2019-12-09 is not after the start date "
        "2020-01-01: an event fires at dawn of a day of the run (2020-01-02 or later)",
        f"{path}:{first + 4}: events.a2.withdraw[0]: unknown unit 'zz'"]


def test_an_event_after_the_last_day_is_a_warning_and_does_not_fire(tmp_path, capsys):
    # a run shortened with --days (or a sweep of the first weeks) ends before its later events
    path, first = write(tmp_path, "- id: late\n  day: 9\n  spread_days: 2\n  withdraw: [r1]\n"
                        "- id: maybe\n  day: 9\n  spread_days: 3\n")  # day 6 may be drawn
    assert main(["validate", path]) == 0
    out = capsys.readouterr()
    assert (f"{path}:{first + 1}: events.late.day: warning: day 9 is after the run's last day "
            "(6): it does not fire in this run") in out.out + out.err
    assert "events.maybe" not in out.out + out.err
    m = TerritoryModel(path).run()
    assert "late" not in [e.detail for e in m.events if e.kind == "timeline"]


def test_an_arrival_id_taken_by_an_earlier_arrival(tmp_path, capsys):
    unit = "{id: t1, name: T, faction: red, town: src, fighters: 5}"
    path, first = write(tmp_path, f"- id: e1\n  day: 2\n  add_units: [{unit}]\n"
                                  f"- id: e2\n  day: 3\n  add_units:\n  - {unit}\n")
    assert problems(capsys, path) == [
        f"{path}:{first + 6}: events.e2.add_units.t1.id: unit id 't1' is taken by an earlier "
        "arrival (event 'e1')"]


def test_withdrawing_an_arrival_of_the_same_event_is_refused(tmp_path, capsys):
    path, first = write(tmp_path, "- id: e1\n  day: 2\n  withdraw: [t1]\n  add_units:\n"
                                  "  - {id: t1, name: T, faction: red, town: src, fighters: 5}\n")
    assert problems(capsys, path) == [
        f"{path}:{first + 2}: events.e1.withdraw[0]: unknown unit 't1' (it arrives in this "
        "same event, and withdraw applies before add_units)"]


def test_allowed_events_validate_and_run(tmp_path, capsys):
    """An arrival into a town a hostile faction holds, a withdrawal of a later arrival, a
    flow to an arriving unit and a set of a faction's rules are all fine."""
    data = pocket([
        {"id": "out", "day": 4, "withdraw": ["x"]},
        {"id": "in", "day": 2, "add_units": [{"id": "x", "name": "X", "faction": "blue",
                                              "town": "a", "fighters": 10}]},
        {"id": "calm", "day": 3, "set": {"factions.red.rules": [{"do": "hold"}],
                                         "simulation.combat.kill_rate": 0.01}},
    ])
    data["factions"][1]["flows"] = [{"id": "f", "to_unit": "x", "per_day": 1}]
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    m = TerritoryModel(path).run()
    assert [e.detail for e in m.events if e.kind == "timeline"] == ["in", "calm", "out"]


def test_a_variants_event_is_located_in_the_variant_and_a_set_on_the_command_line(
        tmp_path, capsys):
    write(tmp_path, "- id: bye\n  day: 2\n  withdraw: [r1]\n")
    variant = tmp_path / "v.yaml"
    variant.write_text("extends: s.yaml\nformat: 1\nname: v\nevents:\n"
                       "- id: late\n  day: 3\n  withdraw: [b11]\n")
    assert problems(capsys, str(variant)) == [
        f"{variant}:7: events.late.withdraw[0]: unknown unit 'b11' (did you mean 'b1'?)"]
    assert main(["validate", str(variant), "--set", "events.bye.day=0",
                 "--set", "events.late.withdraw=[b1]"]) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "  --set: events.bye.day: Input should be greater than or equal to 1 (got 0)"]


def test_air_sorties_out_of_range(tmp_path, capsys):
    data = pocket([{"id": "jets", "day": 2, "air": {"red": -3}}])
    data["factions"][0]["air"] = {"sorties_per_day": 1}
    path = tmp_path / "air.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    line = path.read_text().splitlines().index("    red: -3") + 1
    assert problems(capsys, str(path)) == [
        f"{path}:{line}: events.jets.air.red: sorties a day are 0 to 100,000, got -3.0"]
