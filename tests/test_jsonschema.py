"""Every shipped YAML file passes check-jsonschema against the schema `frontline schema` prints."""

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from builders import DATA, ROOT

from sim.cli import main
from sim.filekinds import detect_kind

CHECKER = Path(sys.executable).with_name("check-jsonschema")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
pytestmark = pytest.mark.skipif(not CHECKER.exists(), reason="check-jsonschema is not installed")


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for kind in ("scenario", "sweep"):
        path = tmp_path_factory.mktemp("schema") / f"{kind}.json"
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["schema", kind]) == 0
        path.write_text(buf.getvalue())
        out[kind] = path
    return out


def check(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECKER), "--schemafile", str(schema), *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_there_are_variants_and_sweeps_to_check():
    assert any("extends:" in p.read_text() for p in SCENARIOS) and SWEEPS


def test_every_shipped_scenario_and_variant_passes(schemas):
    test_scenarios = [p for p in sorted(DATA.glob("*.yaml"))
                      if detect_kind(yaml.safe_load(p.read_text())) == "scenario"]
    result = check(schemas["scenario"], *SCENARIOS, *test_scenarios)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_shipped_sweep_passes(schemas):
    result = check(schemas["sweep"], *SWEEPS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_variant_is_still_checked(schemas, tmp_path):
    bad = tmp_path / "v.yaml"
    bad.write_text("extends: base.yaml\nformat: 1\nsimulation: {start_date: 2017-08-10, "
                   "dayz: 3}\nfactions:\n  - {id: isis, rules: [{id: x, enabled: false}]}\n")
    result = check(schemas["scenario"], bad)
    assert result.returncode == 1 and "'dayz' was unexpected" in result.stdout
    bad.write_text("extends: base.yaml\nformat: 1\nsimulation: {start_date: 2017-08-10}\n"
                   "towns:\n  - {id: a, remove: true}\n")
    assert check(schemas["scenario"], bad).returncode == 0  # YAML dates, remove: true


def test_the_schema_says_which_is_which():
    schema_text = subprocess.run([sys.executable, "-m", "sim", "schema"], capture_output=True,
                                 text=True, check=True, cwd=ROOT).stdout
    schema = json.loads(schema_text)
    assert schema["then"] == {"$ref": "#/$defs/ScenarioVariant"}
    assert schema["$defs"]["ScenarioVariant"]["required"] == ["extends"]
    assert "required" not in schema["$defs"]["TownVariant"]
    # limits are JSON Schema's minimum/maximum, not pydantic's own ge/le left in by mistake
    assert '"ge"' not in schema_text and '"le"' not in schema_text
    assert schema["$defs"]["Town"]["properties"]["airlift"]["maximum"] == 1
