"""Flow dates against the run, as event dates: after the last day a warning, before it an error."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from builders import ROOT
from test_forcegen import line_map

from sim.errors import ScenarioError
from sim.model import TerritoryModel
from sim.scenario import load_scenario


def with_flow(days: int = 8, **flow: object) -> dict:
    return line_map({"flows": [{"id": "x", "to_town": "b", "per_day": 5, **flow}]}, days=days)


def warnings(data: dict) -> list[str]:
    return [f"{p.path}: {p.message}" for p in load_scenario(data).warnings]


@pytest.mark.parametrize(("start", "shown"), [(30, "day 30 is after the run's last day (8)"),
                                              ("2020-02-01", "2020-02-01 is after the run's "
                                               "last day (2020-01-09)")])
def test_a_flow_starting_after_the_last_day_warns_and_delivers_nothing(start, shown):
    data = with_flow(**{"from": start})
    assert warnings(data) == [f"factions.red.flows.x.from: {shown}: the flow delivers nothing "
                              "in this run"]
    m = TerritoryModel(data).run()
    assert m.ledger.arrived.tolist() == [0.0, 0.0]
    assert not [e for e in m.events if e.kind == "flow"]


def test_a_flow_going_on_after_the_last_day_delivers_to_the_end_without_a_word():
    data = with_flow(days=4, **{"from": 2, "until": "2020-03-01"})
    assert warnings(data) == []
    m = TerritoryModel(data).run()
    assert m.ledger.arrived.tolist() == [15.0, 0.0]  # days 2, 3 and 4


@pytest.mark.parametrize(("field", "value", "message"), [
    ("from", "2020-01-01", "2020-01-01 is not after the start date 2020-01-01 (day 1 is "
     "2020-01-02): a flow starts on a day of the run; leave from out for a flow already under "
     "way at the start"),
    ("until", "2019-12-31", "2019-12-31 is not after the start date 2020-01-01 (day 1 is "
     "2020-01-02): the flow would never deliver"),
])
def test_a_flow_date_before_the_run_is_an_error_at_its_line(tmp_path, field, value, message):
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(with_flow(**{field: value}), sort_keys=False))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert (problem.path, problem.message.startswith(message)) == (
        f"factions.red.flows.x.{field}", True)
    line = [i for i, s in enumerate(path.read_text().splitlines(), 1) if f"{field}:" in s
            and value in s]
    assert problem.line == line[0]
    run = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and "Traceback" not in run.stderr


def test_a_shortened_run_goes_on_past_a_later_flow_as_past_a_later_event(tmp_path):
    data = with_flow(days=30, **{"from": 20})
    data["events"] = [{"id": "late", "day": 25, "note": "late"}]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    run = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--days", "5"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "flows.x.from: warning: day 20 is after the run's last day (5)" in run.stderr
    assert "events.late.day: warning: day 25 is after the run's last day (5)" in run.stderr
