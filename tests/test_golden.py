"""Golden runs: results must stay byte-identical through performance work.

Each case runs a scenario with its own seed and compares the result files (events, control,
faction series, final GeoJSON) and an exact dump of the end state (floats in hex, the random
generator's state) with the files in ``tests/data/golden_<case>/``.

When a change to the mechanics is *meant* to change results, regenerate them with
``FRONTLINE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py`` and say so in the commit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from builders import DATA, DEFAULT

from sim.model import TerritoryModel
from sim.output import write_outputs

FILES = ("events.csv", "control.csv", "factions.csv", "final_state.geojson", "state.txt")
UPDATE = os.environ.get("FRONTLINE_UPDATE_GOLDEN") == "1"
CASES = {
    "deir_ez_zor": DEFAULT,
    "line": DATA / "line.yaml",
    # written once by `frontline generate --towns 300 --factions 3 --units 40 --seed 5`
    # (stored, so that changes to the generator do not move this golden run)
    "synthetic": DATA / "golden_synthetic" / "scenario.yaml",
}


def state_dump(model: TerritoryModel) -> str:
    """The exact end state: every unit and per-town array, floats in hex; the RNG state."""
    lines = [f"day {model.day} events {len(model.events)} control_version "
             f"{model.control_version}"]
    for u in sorted(model.unit_list, key=lambda u: u.key):
        lines.append(f"unit {u.key} node {u.node} dest {u.dest} progress {u.progress.hex()} "
                     f"fighters {u.fighters.hex()} morale {float(u.morale).hex()} "
                     f"order {u.order} besieging {u.besieging} came_from {u.came_from}")
    for name in ("controller", "garrison", "garrison_quality", "garrison_morale",
                 "population", "conscripts", "conscripted", "desert_rate", "besieged",
                 "supplied", "reach", "pocket_airlift", "losses_by_faction",
                 "deserted_by_faction"):
        arr = np.ascontiguousarray(getattr(model, name))
        lines.append(f"{name} {hashlib.sha256(arr.tobytes()).hexdigest()}")
    for f in model.factions:
        lines.append(f"faction {f.id} recruited {float(f.recruited).hex()} "
                     f"initial {float(f.initial).hex()}")
    lines.append(f"rng {model.rng.bit_generator.state['state']}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_are_byte_identical_to_the_golden_run(case: str, tmp_path: Path) -> None:
    model = TerritoryModel(CASES[case]).run()
    write_outputs(model, tmp_path, plots=False)
    (tmp_path / "state.txt").write_text(state_dump(model), encoding="utf-8")
    golden = DATA / f"golden_{case}"
    if UPDATE:
        golden.mkdir(exist_ok=True)
        for name in FILES:
            (golden / name).write_bytes((tmp_path / name).read_bytes())
    for name in FILES:
        expected = (golden / name).read_bytes()
        got = (tmp_path / name).read_bytes()
        assert got == expected, f"{case}: {name} differs from {golden / name}"
