"""report.html without a browser: the narrative's turning points, the page's inlining."""

from __future__ import annotations

import json
import re

import numpy as np
from builders import DATA

from sim.htmlreport.narrative import Assault, assaults, narrative
from sim.htmlreport.page import render
from sim.htmlreport.rundoc import run_document
from sim.rundata import RunData


def _data(control: list[list[int]], besieged: list[list[int]] | None = None,
          events: list[tuple[int, str, str, str]] = (),
          objectives: dict[str, list[tuple[str, float]]] | None = None) -> RunData:
    """Three towns a, b, c; factions red (0) and blue (1); events as (day, kind, faction, town)."""
    ctrl = np.array(control, dtype=np.int16)
    return RunData(
        info={"scenario": "hand", "seed": 1, "start_date": "2020-01-01", "days": len(ctrl) - 1,
              "overrides": {}, "versions": {}},
        factions=[{"id": "red", "name": "Red", "colour": "#cc0000"},
                  {"id": "blue", "name": "Blue", "colour": "#0000cc"}],
        hostile=[[False, True], [True, False]],
        town_ids=["a", "b", "c"], town_names=["Alpha", "Bravo", "Charlie"],
        lat=np.array([35.0, 35.0, 35.0]), lon=np.array([38.0, 38.1, 38.2]),
        population=np.array([1000.0, 2000.0, 3000.0]),
        objectives=objectives or {"red": [("c", 5.0)]},
        highways=[(0, 1, "", "flat"), (1, 2, "", "river")], features=[],
        control=ctrl,
        besieged=np.array(besieged if besieged is not None else np.zeros_like(ctrl), dtype=bool),
        units=[[] for _ in ctrl],
        events=[{"day": d, "kind": k, "faction": f, "town": t, "text": f"{k} {t}"}
                for d, k, f, t in events],
        series=[], units_recorded=False)


def test_assaults_group_battle_days_and_know_whether_they_took_the_town() -> None:
    events = [{"day": d, "kind": k, "faction": "red", "town": t} for d, k, t in [
        (1, "battle", "b"), (2, "battle", "b"), (4, "battle", "b"),   # one assault (gap 2)
        (8, "battle", "b"),                                           # a second one
        (9, "capture", "b"),                                          # taken the day after
        (3, "battle", "c")]]
    events.sort(key=lambda e: e["day"])
    assert assaults(events) == [Assault("red", "b", 1, 4, False), Assault("red", "c", 3, 3, False),
                                Assault("red", "b", 8, 8, True)]


def test_narrative_tells_turning_points_not_every_event() -> None:
    # day: 0    1    2    3    4    5    6
    # a:   red  red  red  red  red  red  red
    # b:   red  red  blue blue red  red  red   (blue takes b on 2: not an objective, so
    #                                           counted only; red retakes it on 4)
    # c:   blue blue blue blue blue blue red   (red's battle of day 1 failed; those of days 4
    #                                           and 6, two days apart, are one assault: it took c)
    control = [[0, 0, 1], [0, 0, 1], [0, 1, 1], [0, 1, 1], [0, 0, 1], [0, 0, 1], [0, 0, 0]]
    besieged = [[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    events = [(1, "battle", "blue", "b"), (2, "battle", "blue", "b"), (2, "capture", "blue", "b"),
              (3, "siege_lifted", "red", "a"), (1, "battle", "red", "c"),
              (4, "battle", "red", "b"), (4, "capture", "red", "b"),
              (4, "battle", "red", "c"), (6, "battle", "red", "c"), (6, "capture", "red", "c")]
    events.sort(key=lambda e: e[0])
    story = narrative(_data(control, besieged, events))
    assert story == [
        {"day": 0, "text": "On 1 Jan 2020 Red began with Alpha under siege."},
        {"day": 3, "text": "On 4 Jan the siege of Alpha (3 days) was lifted."},
        {"day": 4, "text": "On 5 Jan Red retook Bravo."},
        {"day": 6, "text": "On 7 Jan Red took Charlie after 1 failed assault."},
        {"day": None, "text": "Red counter-attacked successfully once and Blue took 1 other "
                              "town."},
        {"day": 6, "text": "On 7 Jan 2020 (day 6) towns held: Red 3 (+1), Blue 0 (-1)."},
    ]


def test_narrative_counts_assaults_still_failed_at_the_end_and_minor_captures() -> None:
    control = [[0, 1, 1], [0, 0, 1], [0, 0, 1]]
    events = [(1, "capture", "red", "b"), (1, "battle", "red", "c"), (2, "battle", "red", "c")]
    story = narrative(_data(control, None, events))
    assert story[-2] == {"day": None, "text": "Red took 1 other town and 1 assault by Red on "
                                              "Charlie failed (Blue held it at the end)."}


def test_the_page_inlines_everything_and_fetches_nothing() -> None:
    data = _data([[0, 1, 1], [0, 0, 1]])
    data.town_names[1] = "</script><script>alert(1)</script><!--"
    doc = run_document(data)
    page = render("run.html", ["map.js", "run.js"], doc, "a <title>")
    assert "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<title>a &lt;title&gt;</title>" in page
    assert page.count("</script>") == 2  # the data element and the one inlined script
    payload = page.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(payload)["towns"][1]["name"] == "</script><script>alert(1)</script><!--"
    assert "{{" not in page


def test_the_document_keeps_control_as_changes_and_labels_every_town_of_a_sparse_map() -> None:
    doc = run_document(_data([[0, 1, 1], [0, 0, 1], [0, 0, 0]]))
    assert doc["control0"] == [0, 1, 1]
    assert doc["controlChanges"] == [[1, 1, 0], [2, 2, 0]]
    assert [v["id"] for v in doc["views"]] == ["main"]
    assert all(label is not None for label in doc["views"][0]["labels"])
    assert doc["dates"] == ["2020-01-01", "2020-01-02", "2020-01-03"]


def test_a_town_cut_off_again_and_again_gets_one_sentence() -> None:
    control = [[0, 0, 1]] * 10
    besieged = [[0, 0, b] for b in (0, 1, 0, 1, 0, 1, 1, 0, 1, 1)]
    events = [(d, k, "blue", "c") for d, k in [(1, "siege_start"), (2, "siege_lifted"),
                                               (3, "siege_start"), (4, "siege_lifted"),
                                               (5, "siege_start"), (7, "siege_lifted"),
                                               (8, "siege_start")]]
    story = narrative(_data(control, besieged, events))
    assert [s for s in story if s["day"] not in (None, 9)] == [
        {"day": 1, "text": "On 2 Jan Charlie was cut off for the first of 4 times (relieved 3 "
                           "times, last on 8 Jan, cut off again after that)."}]


def _sweep_meta(tmp_path) -> dict:
    return {"days": 3, "start_date": "2020-01-01", "name": "s", "scenario": "x",
            "scenario_file": str(tmp_path / "gone.yaml"), "design": "grid", "seed": 1,
            "points": 2, "replicates": 2, "set": {},
            "factions": [{"id": "red", "name": "Red", "colour": "#cc0000"},
                         {"id": "blue", "name": "Blue", "colour": "#0000cc"}],
            "towns": [{"id": "a", "name": "Alpha"}, {"id": "b", "name": "Bravo"}],
            "parameters": [{"path": "p", "sampled": False, "values": [1.0, 2.0]}],
            "metrics": [{"column": "capture_day.b.red", "metric": "capture_day", "kind": "day"},
                        {"column": "holder.b", "metric": "holder", "kind": "faction"}]}


def test_sweep_document_probabilities_fans_and_no_map_without_the_scenario(tmp_path) -> None:
    import pandas as pd

    from sim.htmlreport.sweepdoc import sweep_document

    controls = ['{"a": [[0, "red"]], "b": [[0, "blue"], [2, "red"]]}',
                '{"a": [[0, "red"]], "b": [[0, "blue"]]}',
                '{"a": [[0, "red"]], "b": [[0, "blue"], [1, "red"], [3, null]]}',
                None]
    df = pd.DataFrame({"run": [0, 1, 2, 3], "point": [0, 0, 1, 1], "p": [1.0, 1.0, 2.0, 2.0],
                       "status": ["ok", "ok", "ok", "error"], "control": controls,
                       "capture_day.b.red": [2.0, float("nan"), 1.0, float("nan")],
                       "holder.b": ["red", "blue", None, None]})
    doc = sweep_document(_sweep_meta(tmp_path), df, tmp_path / "r.parquet", tmp_path)
    assert doc["map"] is None and (doc["runs"], doc["ok"]) == (4, 3)
    assert doc["prob"][0] == [[0, 1.0, 0.0, 0.0]]
    assert doc["prob"][1] == [[0, 0.0, 1.0, 0.0], [1, 0.333, 0.667, 0.0],
                              [2, 0.667, 0.333, 0.0], [3, 0.333, 0.333, 0.333]]
    (fan,) = doc["fans"]
    assert fan["by"] == [["p", [
        {"label": "1", "n": 2, "never": 0.5, "q": [2.0, 2.0, 2.0, None, None]},
        {"label": "2", "n": 1, "never": 0.0, "q": [1.0, 1.0, 1.0, 1.0, 1.0]}]]]
    assert doc["tables"] == [] and doc["series"] == []
    (tmp_path / "sensitivity.csv").write_text("metric,parameter,mu_star,S1\nm,p,1.5,\n")
    doc = sweep_document(_sweep_meta(tmp_path), df, tmp_path / "r.parquet", tmp_path)
    assert doc["tables"] == [{"title": "Sensitivity indices (sensitivity.csv)",
                              "file": "sensitivity.csv", "columns": ["metric", "parameter",
                                                                     "mu_star"],
                              "rows": [["m", "p", "1.5"]], "more": 0}]


def test_closed_shares_count_the_runs_each_highway_is_closed_in_by_day() -> None:
    import pandas as pd

    from sim.htmlreport.sweepdoc import closed_shares

    closed = pd.Series(["[[0,3,1],[4,2,1],[4,3,0]]", "[[0,3,1],[4,2,1]]", "[]", None])
    assert closed_shares(closed, 5, 6) == {
        "runs": 3, "closed": {"2": [[0, 0], [4, 2]], "3": [[0, 2], [4, 1]]}}
    assert closed_shares(pd.Series([None, None]), 5, 6) is None  # not recorded
    assert closed_shares(pd.Series(["[]"]), 5, 6) == {"runs": 1, "closed": {}}


def test_the_sweep_map_knows_the_crossings_and_without_records_their_start() -> None:
    import pandas as pd

    from sim.htmlreport.sweepdoc import _scenario_map
    from sim.scenario import load_scenario

    s = load_scenario(DATA / "river.yaml").scenario
    meta = {"scenario_file": str(DATA / "river.yaml"), "days": 8,
            "towns": [{"id": t.id, "name": t.name} for t in s.towns]}
    old = _scenario_map(meta)  # results written before runs recorded their closures
    assert old is not None and old["closedRuns"] is None and old["closedAtStart"] == [3]
    assert old["crossings"] == {"2": {"kind": "ferry", "name": "the northern ferry"},
                                "3": {"kind": "pontoon", "name": "the southern pontoon"}}
    assert [r[:2] for r in old["roads"]] == [[0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 5]]
    new = _scenario_map(meta, pd.Series(["[[0,3,1],[4,2,1]]"]))
    assert new is not None and new["closedRuns"] == {
        "runs": 1, "closed": {"2": [[0, 0], [4, 1]], "3": [[0, 1]]}}
