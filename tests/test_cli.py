"""The frontline command: outputs, determinism and clear errors (exit code 2, no traceback)."""

import csv
import json
import subprocess
import sys

import pytest
from builders import DATA, DEFAULT

from sim.cli import main


def frontline(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "out"
    r = frontline("run", DATA / "line.yaml", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "Red Army captures Middle from Blue Guard" in r.stdout
    assert "line: 2020-01-31 (day 30, seed 7)" in r.stdout  # the summary table's title
    names = {p.name for p in out.iterdir()}
    assert names == {"events.csv", "control.csv", "factions.csv", "final_state.geojson",
                     "map.png", "territory.png", "run.json", "report.html", "fronts.png",
                     "map.json", "control_long.csv", "units.csv", "gis"}
    with (out / "events.csv").open() as fh:
        events = list(csv.DictReader(fh))
    assert set(events[0]) >= {"date", "day", "kind", "faction", "town", "town_name",
                              "other_faction", "detail"}
    capture = next(e for e in events if e["kind"] == "capture")
    assert (capture["date"], capture["town"], capture["faction"], capture["other_faction"]) == (
        "2020-01-03", "mid", "red", "blue")
    with (out / "control.csv").open() as fh:
        control = list(csv.DictReader(fh))
    assert len(control) == 31 and control[0]["mid"] == "blue" and control[-1]["mid"] == "red"
    geo = json.loads((out / "final_state.geojson").read_text())
    mid = next(f for f in geo["features"] if f["properties"].get("id") == "mid")
    assert mid["properties"]["controller"] == "red"
    assert (out / "map.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "run.json").read_text())["seed"] == 7


def test_days_zero_writes_the_initial_state(tmp_path):
    assert main(["run", str(DATA / "line.yaml"), "--days", "0", "--quiet", "--out",
                 str(tmp_path)]) == 0
    rows = list(csv.DictReader((tmp_path / "control.csv").open()))
    assert [r["day"] for r in rows] == ["0"] and rows[0]["mid"] == "blue"


def test_same_seed_same_bytes_and_other_seeds_differ(tmp_path):
    outs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert main(["run", str(DEFAULT), "--seed", str(seed), "--quiet", "--out",
                     str(tmp_path / name)]) == 0
        outs.append({p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                     for p in (tmp_path / name).rglob("*") if p.is_file()})
    assert outs[0] == outs[1]
    assert {"report.html", "gis/control.geojson", "units.csv"} <= set(outs[0])
    assert outs[0]["events.csv"] != outs[2]["events.csv"]


def test_set_overrides_a_value(tmp_path):
    r = frontline("run", DATA / "line.yaml", "--quiet", "--set",
                  "factions.red.forces.r1.fighters=10", "--set", "simulation.days=5")
    assert r.returncode == 0, r.stderr
    assert "(day 5, seed 7)" in r.stdout
    assert "Red Army captures" not in r.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (["run", "missing.yaml"], "missing.yaml: file not found"),
    (["run", DATA / "line.yaml", "--set", "nonsense"], "expected PATH=VALUE"),
    (["run", DATA / "line.yaml", "--set", "factions.red.forces.r9.fighters=1"],
     "no item with id 'r9'"),
    (["validate", DATA / "line.yaml", "--set", "simulation.days=-3"],
     "simulation.days: Input should be greater than or equal to 0"),
])
def test_bad_input_is_one_clear_message_and_exit_code_2(args, fragment):
    r = frontline(*args)
    assert r.returncode == 2
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_validate_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (DATA / "line.yaml").read_text().replace("from: w1, to: mid", "from: w1, to: mdi")
    bad.write_text(text.replace("population: 5000, controller: blue",
                                "population: -1, controller: bleu"))
    r = frontline("validate", bad)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("  ")]
    assert len(lines) >= 4
    assert any("highways[1].to: unknown town 'mdi' (did you mean 'mid'?)" in ln for ln in lines)
    assert any("towns.e1.controller: unknown faction 'bleu' (did you mean 'blue'?)" in ln
               for ln in lines)


def test_validate_accepts_the_shipped_scenarios():
    for path in sorted(DEFAULT.parent.glob("*.yaml")):
        r = frontline("validate", path)
        assert r.returncode == 0, r.stderr
        assert "valid:" in r.stdout


def test_schema_is_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"towns", "highways", "factions", "simulation"} <= set(schema["properties"])
    town = schema["$defs"]["Town"]
    assert town["additionalProperties"] is False and "description" in town["properties"]["lat"]


def test_module_entry_point_and_version():
    r = frontline("--version")
    assert r.returncode == 0 and r.stdout.startswith("frontline ")
