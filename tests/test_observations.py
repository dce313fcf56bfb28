"""Observations files: a valid one loads; every problem is reported at once, located, exit 2."""

import datetime as dt

import pytest
from builders import DATA, DEFAULT

from sim.cli import main
from sim.errors import ScenarioError
from sim.validate.observations import load_observations

HEAD = f"format: 1\nname: t\nscenario: {DATA / 'line.yaml'}\nobservations:\n"


def write(tmp_path, body, head=HEAD):
    path = tmp_path / "obs.yaml"
    path.write_text(head + body)
    return path


def problems(path, **kw):
    with pytest.raises(ScenarioError) as info:
        load_observations(path, **kw)
    return [str(p) for p in info.value.problems]


def test_valid_file_loads_against_the_scenario_it_names():
    obs = load_observations(DATA / "obs_line.yaml")
    assert [o.id for o in obs.observations] == ["mid_falls", "e0_falls", "blue_conscripts",
                                               "e1_blue"]
    first = obs.observations[0]
    assert (first.date, first.event, first.town, first.by, first.uncertainty_days) == (
        dt.date(2020, 1, 4), "capture", "mid", "red", 1)
    assert first.day(dt.date(2020, 1, 1)) == 3
    assert obs.observations[1].by is None and obs.observations[1].uncertainty_days == 0
    assert obs.scenario_file == str(DATA / "obs_line.yaml").replace("obs_line", "line")


def test_every_problem_is_reported_with_file_line_and_path(tmp_path):
    path = write(tmp_path, (
        "  - {id: a, date: 2020-01-04, event: capture, town: midd, by: red, source: s}\n"
        "  - {id: b, date: 2020-01-05, event: capture, town: mid, by: bleu, source: s}\n"
        "  - {id: c, date: 2020-01-05, event: captur, town: mid, source: s}\n"
        "  - {id: d, date: 2020-01-05, event: held, town: mid, source: s}\n"
        "  - {id: e, date: 2020-01-05, event: conscription, faction: blue, town: mid, source: s}\n"
        "  - {id: f, date: 2020-01-06, event: siege_start, source: s}\n"
        "  - {id: g, date: 5, event: capture, town: mid, source: s}\n"
        "  - {id: h, date: 2020-01-05, event: capture, town: mid}\n"
        "  - {id: i, date: 2020-01-05, event: capture, town: mid, source: s, uncertainty: 2}\n"
        "  - {id: a, date: 2020-01-05, event: capture, town: mid, source: s}\n"))
    got = problems(path)
    f = str(path)
    assert got == [
        f"{f}:5: observations.a.id: id 'a' is given to observations 1 and 10 (counting from 1)",
        f"{f}:5: observations.a.town: unknown town 'midd' (did you mean 'mid'?) (add "
        "if_absent: skip to the observation to report it as not scorable instead)",
        f"{f}:6: observations.b.by: unknown faction 'bleu' (did you mean 'blue'?) (add "
        "if_absent: skip to the observation to report it as not scorable instead)",
        f"{f}:7: observations.c.event: unknown event 'captur' (did you mean 'capture'?); "
        "choose from capture, siege_start, siege_lifted, conscription, held",
        f"{f}:8: observations.d: held needs by: (the town is held by `by` on that date)",
        f"{f}:9: observations.e.town: conscription does not take town; it takes faction",
        f"{f}:10: observations.f: siege_start needs town: (the town's holder (`faction`, if "
        "given) is cut off from supply)",
        f"{f}:11: observations.g.date: Value error, expected a date as YYYY-MM-DD (got 5)",
        f"{f}:12: observations.h.source: required field is missing",
        f"{f}:13: observations.i.uncertainty: unknown field (did you mean "
        "'uncertainty_days'?)",
    ]


def test_dates_after_the_horizon_are_refused_and_before_the_start_warned(tmp_path):
    path = write(tmp_path, (
        "  - {id: late, date: 2020-01-30, event: capture, town: mid, uncertainty_days: 2, "
        "source: s}\n"
        "  - {id: early, date: 2019-12-30, event: conscription, faction: blue, source: s}\n"))
    assert problems(path) == [
        f"{path}:5: observations.late.date: 2020-01-30 (+2 days) is after the runs' last day, "
        "2020-01-31 (day 30); run longer (--days) or drop the observation",
        f"{path}:6: observations.early.date: warning: 2019-12-30 is before the scenario starts "
        "(2020-01-01): a run can at best place it on day 1"]
    ok = load_observations(path, days=40)
    assert [str(w) for w in ok.warnings] == [
        f"{path}:6: observations.early.date: warning: 2019-12-30 is before the scenario starts "
        "(2020-01-01): a run can at best place it on day 1"]


def test_if_absent_skip_makes_an_unknown_town_not_scorable(tmp_path):
    path = write(tmp_path, (
        "  - {id: x, date: 2020-01-04, event: capture, town: nowhere, source: s, "
        "if_absent: skip}\n"
        "  - {id: y, date: 2020-01-04, event: capture, town: mid, source: s}\n"))
    obs = load_observations(path)
    assert [(o.id, o.scorable) for o in obs.observations] == [("x", False), ("y", True)]
    assert [o.id for o in obs.scorable] == ["y"]
    assert "not scorable: unknown town 'nowhere'" in str(obs.warnings[0])


def test_scenario_given_by_the_caller_wins_over_the_file(tmp_path):
    path = write(tmp_path, "  - {id: k, date: 2017-09-04, event: capture, town: kabajib, by: "
                           "saa, source: s}\n")
    assert any("unknown town 'kabajib'" in p for p in problems(path))
    obs = load_observations(path, scenario=DEFAULT)
    assert obs.observations[0].day(dt.date(2017, 8, 15)) == 20


def test_file_shape_errors(tmp_path):
    assert problems(write(tmp_path, "", head="- 1\n")) == [
        f"{tmp_path / 'obs.yaml'}:1: an observations file must be a mapping (format, name, "
        "observations)"]
    got = problems(write(tmp_path, "  []\n", head="format: 2\nname: t\nobservations:\n"))
    assert any("format: input should be 1, got 2" in g for g in got)
    assert any("observations: List should have at least 1 item" in g for g in got)


def test_cli_reports_bad_observations_in_one_message_exit_2(tmp_path, capsys):
    path = write(tmp_path, "  - {id: a, date: 2020-01-04, event: capture, town: midd, "
                           "source: s}\n")
    code = main(["score", str(DATA / "line.yaml"), "--observed", str(path), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert f"{path}:5: observations.a.town: unknown town 'midd'" in err


def test_public_names_of_the_validation_package_import():
    import importlib

    mod = importlib.import_module("sim.validate")
    assert mod.__all__ == sorted(mod.__all__)
    for name in mod.__all__:
        assert getattr(mod, name) is not None
