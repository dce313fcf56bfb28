"""``frontline bench`` in its quick mode: it runs and reports every figure (no timing asserts)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sim.bench import _slope, format_report, machine_info
from sim.cli import main


def test_quick_bench_reports_every_figure(tmp_path: Path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    res = json.loads(out.read_text())
    assert res["quick"] is True
    assert res["default"]["days"] == 120 and res["default"]["total_ms"] > 0
    assert res["startup"]["ratio"] > 0
    assert [s["towns"] for s in res["synthetic"]] == [200, 1000]
    for syn, vir in zip(res["synthetic"], res["virus"], strict=True):
        assert "error" not in syn and "error" not in vir, (syn, vir)
        assert syn["units"] == syn["towns"] // 10
        assert syn["ms_per_day"] > 0 and syn["peak_mb"] > 0 and "yaml_load_s" in syn
        assert vir["nodes"] == syn["towns"] and vir["ms_per_step"] > 0
        rounds = syn["rounds"]
        assert len(rounds) == 3 and len(syn["day_ms"]) == 3 * syn["days_per_round"]
        for key, name in (("ratio", "ratio_to_virus"), ("cpu_ratio", "cpu_ratio_to_virus")):
            per_round = sorted(r[key] for r in rounds)
            assert syn[name] == per_round[1] > 0  # the median of three rounds
            assert syn[name + "_range"] == [per_round[0], per_round[-1]]
        first = rounds[0]
        assert first["ratio"] == pytest.approx(first["ms_per_day"] / first["virus_ms_per_step"])
        assert len(syn["load"]) == 2 and "infected_share" in vir
        assert f"{syn['ratio_to_virus']:.2f} [" in text
    assert res["slope"] is not None and res["cpu_slope"] is not None
    assert text == format_report(res) + "\n"
    for needle in ("default scenario", "start-up", "import mesa", "VirusOnNetwork", "slope",
                   res["machine"]["versions"]["mesa"]):
        assert needle in text


def test_slope_of_a_power_law_is_its_exponent():
    xs = [1e3, 1e4, 1e5]
    assert _slope(xs, [3 * x**1.1 for x in xs]) == pytest.approx(1.1)
    assert _slope([10.0], [1.0]) is None


def test_machine_info_names_versions():
    info = machine_info()
    assert info["cores"] >= 1 and info["versions"]["mesa"].startswith("3.")
    assert not math.isnan(float(info["python"].split(".")[0]))
