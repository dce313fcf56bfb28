"""The shipped observed-events files are well-formed, split at 20 Sep 2017, and cite sources.md.

These check the data files themselves (not the scoring code): each observation's event takes
the fields the format allows, its dates fall on the right side of the calibration split, its
towns and factions exist in the scenario or are marked as proposed (``# needs town X`` with
``if_absent: skip``, and listed in docs/sources.md section 5), and every reference number in a
``source:`` exists in docs/sources.md's reference list.
"""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import DEFAULT, ROOT

OBSERVED = ROOT / "scenarios" / "observed"
CALIBRATION = OBSERVED / "deir_ez_zor_2017_aug_sep.yaml"
HELD_OUT = OBSERVED / "deir_ez_zor_2017_held_out.yaml"
SOURCES = ROOT / "docs" / "sources.md"

START = dt.date(2017, 8, 8)        # docs/sources.md section 1: the article's Tuesday
SPLIT = dt.date(2017, 9, 20)       # last day of the calibration period (issue 10)
RUN_END = START + dt.timedelta(days=120)   # a 120-day run from START ends on 6 Dec 2017

# event: (fields required, fields allowed besides them); as in the format of issue 11
EVENTS = {
    "capture": ({"town"}, {"by"}),
    "siege_start": ({"town"}, {"faction"}),
    "siege_lifted": ({"town"}, {"faction"}),
    "conscription": ({"faction"}, set()),
    "held": ({"town", "by"}, set()),
}
COMMON = {"id", "date", "event", "uncertainty_days", "source", "note", "if_absent"}
NEEDS = re.compile(r"# needs (town|faction) (\w+)(?: and (town|faction) (\w+))?")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def _scenario_ids() -> tuple[set[str], set[str]]:
    scenario = yaml.safe_load(DEFAULT.read_text())
    return ({t["id"] for t in scenario["towns"]}, {f["id"] for f in scenario["factions"]})


def _needs_comments(path: Path) -> dict[str, set[tuple[str, str]]]:
    """Observation id -> the (kind, id) pairs its ``# needs ...`` comment names."""
    out: dict[str, set[tuple[str, str]]] = {}
    for line in path.read_text().splitlines():
        m_id = re.search(r"\{id: ([\w.\-]+),", line)
        m = NEEDS.search(line)
        if m_id and m:
            pairs = {(m.group(1), m.group(2))}
            if m.group(3):
                pairs.add((m.group(3), m.group(4)))
            out[m_id.group(1)] = pairs
    return out


@pytest.mark.parametrize("path", [CALIBRATION, HELD_OUT], ids=["calibration", "held_out"])
def test_observations_are_well_formed(path: Path) -> None:
    data = _load(path)
    assert data["format"] == 1
    assert (path.parent / data["scenario"]).resolve() == DEFAULT.resolve()
    ids = [o["id"] for o in data["observations"]]
    assert len(ids) == len(set(ids)), "observation ids must be unique"
    for o in data["observations"]:
        required, allowed = EVENTS[o["event"]]
        given = set(o) - COMMON
        assert required <= given, (o["id"], "missing", required - given)
        assert given <= required | allowed, (o["id"], "does not take", given - required - allowed)
        assert isinstance(o["date"], dt.date), o["id"]
        assert isinstance(o["source"], str) and len(o["source"]) > 10, o["id"]
        assert 0 <= o.get("uncertainty_days", 0) <= 10, o["id"]


def test_the_two_files_split_at_20_september() -> None:
    for o in _load(CALIBRATION)["observations"]:
        u = dt.timedelta(days=o.get("uncertainty_days", 0))
        assert o["date"] - u >= START and o["date"] + u <= SPLIT, o["id"]
    for o in _load(HELD_OUT)["observations"]:
        u = dt.timedelta(days=o.get("uncertainty_days", 0))
        assert o["date"] - u > SPLIT and o["date"] + u <= RUN_END, o["id"]


@pytest.mark.parametrize("path", [CALIBRATION, HELD_OUT], ids=["calibration", "held_out"])
def test_unknown_ids_are_marked_as_proposed(path: Path) -> None:
    towns, factions = _scenario_ids()
    needs = _needs_comments(path)
    proposed_towns = set(re.findall(r"^\| `(\w+)` ", SOURCES.read_text(), re.M))
    for o in _load(path)["observations"]:
        missing = set()
        if "town" in o and o["town"] not in towns:
            missing.add(("town", o["town"]))
        for key in ("by", "faction"):
            if key in o and o[key] not in factions:
                missing.add(("faction", o[key]))
        if missing:
            assert o.get("if_absent") == "skip", o["id"]
            assert needs.get(o["id"]) == missing, (o["id"], needs.get(o["id"]), missing)
            for kind, name in missing:
                assert kind == "faction" or name in proposed_towns, (o["id"], name)
        else:
            assert "if_absent" not in o and o["id"] not in needs, o["id"]


def test_every_cited_reference_exists_in_sources_md() -> None:
    text = SOURCES.read_text()
    defined = {int(n) for n in re.findall(r"^- \[(\d+)\] ", text, re.M)}
    cited = set()
    for path in (CALIBRATION, HELD_OUT):
        for o in _load(path)["observations"]:
            for field in ("source", "note"):
                cited |= {int(n) for n in re.findall(r"\[(\d+)\]", o.get(field, ""))}
    assert cited, "the observations cite docs/sources.md by reference number"
    assert cited <= defined, sorted(cited - defined)
