"""Results column names: SQL-safe, unique, mapped back to the dotted paths."""

import re

from sim.sweep.columns import FileRow, column_map, renames, sql_name


def test_names_are_sql_safe_and_unique() -> None:
    cols = column_map(["a.b", "a__b", "Order", "factions.red.forces[0].fighters", "run"],
                      [("capture_day.x.red", "day"), ("select", "count"),
                       ("control_day.red.mid+e1", "day")])
    names = [c["column"] for c in cols]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names)
    by_path = {(c["path"], c["role"]): c["column"] for c in cols}
    assert by_path[("a.b", "parameter")] == "a__b"
    assert by_path[("a__b", "parameter")] == "a__b_2"  # taken by the first
    assert by_path[("Order", "parameter")] == "order_"
    assert by_path[("run", "parameter")] == "run_2"  # the fixed column keeps its name
    assert by_path[("factions.red.forces[0].fighters", "parameter")] == \
        "factions__red__forces_0___fighters"
    assert by_path[("select", "metric")] == "select_"
    assert by_path[("control_day.red.mid+e1", "happened")] == \
        "control_day__red__mid_and_e1__happened"
    assert ("select", "happened") not in by_path  # only day metrics get a flag
    assert names[:4] == ["run", "point", "replicate", "seed"]
    assert names[-2:] == ["control", "closed"]
    assert sql_name("2nd.rate") == "_2nd__rate"


def test_file_rows_and_renames_round_trip() -> None:
    cols = column_map(["x.y"], [("capture_day.t", "day"), ("towns_held.red", "count")])
    to_file = FileRow(cols)
    ok = to_file({"run": 0, "status": "ok", "x.y": 1.5, "capture_day.t": None,
                  "towns_held.red": 3})
    assert ok == {"run": 0, "status": "ok", "x__y": 1.5, "capture_day__t": None,
                  "towns_held__red": 3, "capture_day__t__happened": False}
    failed = to_file({"run": 1, "status": "failed", "x.y": 1.5, "capture_day.t": None,
                      "towns_held.red": None})
    assert failed["capture_day__t__happened"] is None
    back = renames({"columns": cols})
    assert {back.get(k, k) for k in ok} - {"capture_day__t__happened"} == \
        {"run", "status", "x.y", "capture_day.t", "towns_held.red"}
    assert renames({}) == {}  # results written before: names as they are
