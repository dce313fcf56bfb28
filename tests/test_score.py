"""Scoring: CRPS by hand, "never" censoring, matching observations in hand-made runs, the CLI."""

import datetime as dt
import json

import numpy as np
import pytest
from builders import DATA

from sim.cli import main
from sim.validate.crps import crps, crps_window
from sim.validate.ensemble import RunResult
from sim.validate.facts import RunFacts, simulated
from sim.validate.observations import Observation
from sim.validate.score import censored, score_observation, score_runs

START = dt.date(2020, 1, 1)


def obs(event, day, **kw):
    return Observation(f"o{day}", START + dt.timedelta(days=day), event, source="s", **kw)


def test_crps_by_hand():
    # F = 1/2 on [1, 3): (1/2)^2 over [1, 2) and (1/2)^2 over [2, 3)
    assert crps([1, 3], 2) == 0.5
    # one member: the absolute error
    assert crps([7], 3) == 4.0
    # [0, 0, 4] vs 1: E|X-y| = (1+1+3)/3, E|X-X'| = (4+4+4+4)/9 -> 5/3 - 8/9 = 7/9
    assert crps([0, 0, 4], 1) == pytest.approx(7 / 9)
    assert crps([2, 2, 2], 2) == 0.0


def test_window_crps_is_zero_inside_and_the_crps_without_a_window():
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.integers(0, 40, size=int(rng.integers(1, 12)))
        y = int(rng.integers(0, 40))
        assert crps_window(x, y, y) == pytest.approx(crps(x, y))
    assert crps_window([3, 4, 5], 3, 5) == 0.0
    # F = 1/2 on [4, 8): (1/2)^2 over [4, 5) below the window, (1/2)^2 over [7, 8) above it
    assert crps_window([4, 8], 5, 7) == 0.5
    # all members 2 days late of a +-1 window: like a 1-day error
    assert crps_window([12, 12], 9, 11) == 1.0
    with pytest.raises(ValueError, match="empty"):
        crps_window([], 1, 2)


def test_never_is_censored_on_the_day_after_the_last():
    o = obs("capture", 10, town="t")
    assert censored([None, 5], o, START, 30).tolist() == [31.0, 5.0]
    s = score_observation(o, [None, 5], START, 30)
    # x = [31, 5] vs 10: E|X-y| = (21 + 5)/2 = 13, E|X-X'| = 2 * 26 / 4 = 13 -> 13 - 6.5
    assert s.crps == 6.5
    assert (s.never, s.hit, s.q10, s.median, s.q90, s.error_days) == (0.5, 0.0, 5, 5, None, -5)
    all_never = score_observation(o, [None, None], START, 30)
    assert (all_never.median, all_never.error_days, all_never.crps) == (None, None, 21.0)
    # held: "never held" is censored one beyond the largest distance a run can show
    h = obs("held", 10, town="t", by="a")
    assert censored([None, 0], h, START, 30).tolist() == [21.0, 0.0]


def test_hits_count_within_the_uncertainty():
    o = obs("capture", 10, town="t", uncertainty_days=2)
    s = score_observation(o, [8, 9, 12, 13, None], START, 30)
    assert s.hit == 0.6
    assert s.never == 0.2
    assert s.median == 12 and s.error_days == 2
    # window [8, 12]; above it F = 3/5 on [12, 13), 4/5 on [13, 31) (never censored at 31)
    assert s.crps == pytest.approx((2 / 5) ** 2 * 1 + (1 / 5) ** 2 * 18)


def facts():
    # towns a, b; factions red (0), blue (1); 6 days
    control = np.array([[0, 1], [0, 1], [0, 0], [1, 0], [1, 0], [0, 0], [0, 0]], dtype=np.int16)
    events = ((2, "capture", "red", "b"), (3, "capture", "blue", "a"),
              (3, "siege_start", "red", "b"), (4, "siege_lifted", "red", "b"),
              (1, "conscription", "blue", "b"), (2, "conscription", "blue", "b"),
              (5, "capture", "red", "a"))
    return RunFacts(START, 6, tuple(sorted(events)), control, ("a", "b"), ("red", "blue"))


def test_matching_events_in_a_hand_made_run():
    f = facts()
    assert simulated(f, obs("capture", 1, town="a")) == 3
    assert simulated(f, obs("capture", 1, town="a", by="red")) == 5
    assert simulated(f, obs("capture", 1, town="b", by="blue")) is None
    assert simulated(f, obs("siege_start", 1, town="b")) == 3
    assert simulated(f, obs("siege_start", 1, town="b", faction="blue")) is None
    assert simulated(f, obs("siege_lifted", 1, town="b")) == 4
    assert simulated(f, obs("conscription", 9, faction="blue")) == 1
    assert simulated(f, obs("conscription", 9, faction="red")) is None
    # held: red holds a on days 0-2 and 5-6; blue on days 3-4
    assert simulated(f, obs("held", 2, town="a", by="red")) == 0
    assert simulated(f, obs("held", 4, town="a", by="red")) == 1
    assert simulated(f, obs("held", 0, town="a", by="blue")) == 3
    assert simulated(f, obs("held", 6, town="b", by="red")) == 0
    assert simulated(f, obs("held", -3, town="a", by="red")) == 0  # before the start: day 0
    gone = Observation("x", START, "capture", town="zz", scorable=False)
    assert simulated(f, gone) is None


def test_failed_runs_are_left_out_and_counted():
    os_ = (obs("capture", 3, town="a"), obs("held", 2, town="a", by="red"))
    results = [RunResult(0, 1, (3, 0), None, 6), RunResult(1, 2, None, "ValueError: x"),
               RunResult(2, 3, (5, 2), None, 6)]
    s = score_runs(os_, results, START, 6)
    assert (s.runs, s.failed) == (3, 1)
    assert [o.runs for o in s.observations] == [2, 2]
    assert [o.hit for o in s.observations] == [0.5, 0.5]
    # capture: [3, 5] vs 3 -> 1 - 0.5; held: distances [0, 2] vs 0 -> 1 - 0.5
    assert s.mean("crps") == 0.5


def test_score_command_writes_reproducible_files(tmp_path, capsys):
    args = ["score", str(DATA / "line.yaml"), "--observed", str(DATA / "obs_line.yaml"),
            "--runs", "6", "--workers", "1"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "mean CRPS" in out and "mid_falls" in out
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a" / "score.json").read_text())
    assert a == json.loads((tmp_path / "b" / "score.json").read_text())
    assert (tmp_path / "a" / "score.csv").read_text() == (tmp_path / "b" / "score.csv"
                                                           ).read_text()
    assert (tmp_path / "a" / "score.png").stat().st_size > 10_000
    assert a["runs"] == 6 and [o["id"] for o in a["observations"]] == [
        "mid_falls", "e0_falls", "blue_conscripts", "e1_blue"]
    # red's brigade reaches the middle town on day 2 in every run: a 1-day error in +-1 days
    mid = a["observations"][0]
    assert (mid["median"], mid["hit"], mid["crps"]) == (2.0, 1.0, 0.0)


def test_score_command_refuses_bad_numbers(capsys):
    args = ["score", str(DATA / "line.yaml"), "--observed", str(DATA / "obs_line.yaml"),
            "--workers", "1"]
    assert main([*args, "--runs", "0"]) == 2
    assert main([*args, "--seed", "-1"]) == 2
    assert main([*args, "--days", "0"]) == 2
    err = capsys.readouterr().err
    assert "--runs must be 1 to" in err and "--seed must be 0 or more" in err
    assert "--days must be at least 1" in err and "Traceback" not in err


def test_an_observation_that_is_not_scorable_is_reported_as_such(tmp_path, capsys):
    obs = tmp_path / "o.yaml"
    obs.write_text((DATA / "obs_line.yaml").read_text().replace("scenario: line.yaml\n", "")
                   + "  - {id: gone, date: 2020-01-05, event: capture, town: nowhere, "
                     "source: s, if_absent: skip}\n")
    out = tmp_path / "out"
    assert main(["score", str(DATA / "line.yaml"), "--observed", str(obs), "--runs", "2",
                 "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "not scorable: not in scenario" in text
    gone = json.loads((out / "score.json").read_text())["observations"][-1]
    assert (gone["id"], gone["scorable"], gone["hit"], gone["crps"]) == ("gone", False, None,
                                                                         None)
