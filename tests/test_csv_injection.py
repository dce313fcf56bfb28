"""Names are free text: in the CSV files a run writes, none becomes a spreadsheet formula."""

from __future__ import annotations

import csv

import yaml
from builders import DATA

from sim.cli import main

FORMULA = "=HYPERLINK(\"http://x.example\",\"click\")"


def test_a_formula_name_is_text_in_every_csv_of_a_run(tmp_path):
    data = yaml.safe_load((DATA / "line.yaml").read_text())
    for town in data["towns"]:
        town["name"] = f"{FORMULA} {town['id']}"
    for faction in data["factions"]:
        for unit in faction.get("forces", []):
            unit["name"] = f"@SUM(1+1) {unit['id']}"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--days", "10", "--quiet", "--out", str(out)]) == 0
    seen = 0
    for path in sorted(out.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    # "+" and "-" lead numbers too (-3 stays a number): text is what matters
                    assert not cell.startswith(("=", "@", "\t", "\r")), (path.name, cell)
                    seen += cell.startswith(("'=", "'@"))
    assert seen > 0  # the names did reach the files, defused
