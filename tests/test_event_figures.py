"""events.csv carries a battle's figures as numbers beside the text columns."""

import csv
import re
from pathlib import Path

from builders import DATA

from sim.model import TerritoryModel
from sim.output import write_outputs

OLD = ["date", "day", "kind", "faction", "town", "town_name", "other_faction", "detail", "text"]
NEW = ["attackers", "defenders", "attackers_lost", "defenders_lost"]


def test_battle_rows_have_numeric_figures_and_other_rows_none(tmp_path: Path) -> None:
    model = TerritoryModel(DATA / "line.yaml").run()
    write_outputs(model, tmp_path, plots=False)
    with (tmp_path / "events.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == OLD + NEW
        rows = list(reader)
    battles = [r for r in rows if r["kind"] == "battle"]
    others = [r for r in rows if r["kind"] != "battle"]
    assert len(battles) == 4 and others
    first = battles[0]
    assert (first["town"], first["attackers"], first["defenders"], first["attackers_lost"],
            first["defenders_lost"]) == ("mid", "2000", "100", "2", "58")
    for r in battles:  # the numbers are the detail's, not parsed from it
        a, a_lost, d, d_lost = re.fullmatch(
            r"attackers (\d+) lost (\d+); defenders (\d+) lost (\d+)", r["detail"]).groups()
        assert [r[k] for k in NEW] == [a, d, a_lost, d_lost]
        assert 0 <= int(r["attackers_lost"]) <= int(r["attackers"])
    assert all(r[k] == "" for r in others for k in NEW)
    ev = next(e for e in model.events if e.kind == "battle")
    assert ev.figures is not None and ev.figures[0] == 2000.0
    assert all(e.figures is None for e in model.events if e.kind != "battle")
