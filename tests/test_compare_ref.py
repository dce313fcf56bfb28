"""benchmarks/compare_ref.py's report and benchmarks/callgrind.py's counting (no timed asserts)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import callgrind  # noqa: E402
import compare_ref  # noqa: E402


def test_parse_total_reads_the_totals_line() -> None:
    text = "# callgrind format\nevents: Ir\nsummary: 1234\n\nfn=(1) f\n0 5\ntotals: 1234\n"
    assert callgrind.parse_total(text) == 1234
    with pytest.raises(ValueError):
        callgrind.parse_total("events: Ir\n")


def test_start_counting_outside_valgrind_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(callgrind.COUNTING_ENV, raising=False)
    callgrind.start_counting()  # would fail (no such valgrind process) if it ran the command


def _rows(cpu: list[float]) -> list[dict[str, float | int]]:
    return [{"days": 120, "wall_s": c * 1.1, "cpu_s": c} for c in cpu]


def test_report_gives_each_worker_the_paired_ratios_and_the_counts() -> None:
    res = {"ref": "abc", "load_before": (1.0, 1.0, 1.0), "load_after": (2.0, 2.0, 2.0),
           "default": {"current": _rows([0.2, 0.3, 0.1]), "ref": _rows([0.4, 0.3, 0.3])},
           "instructions": {"days": 0,
                            "default": {"current": [100e6, 102e6], "ref": [300e6, 300e6]}}}
    text = compare_ref.report(res)
    assert "200 300 100   3.00x" in text  # each worker's CPU ms, then max/min
    assert "median 2.00x, range 1.00-3.00" in text  # 0.4/0.2, 0.3/0.3, 0.3/0.1
    assert "101.0M (+-0.99%)" in text and "300.0M (+-0.00%)" in text
    assert "2.97x" in text  # 300 / 101


def test_workers_run_with_a_fixed_hash_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    assert compare_ref._child_env(BENCH)["PYTHONHASHSEED"] == "0"
    monkeypatch.setenv("PYTHONHASHSEED", "7")
    assert compare_ref._child_env(BENCH)["PYTHONHASHSEED"] == "7"


@pytest.mark.slow  # two Python processes under valgrind: ~30 s
@pytest.mark.skipif(not callgrind.available(), reason="valgrind is not installed")
def test_counting_starts_where_the_child_says() -> None:
    """Only what follows start_counting() is counted: ten times the loop, ~ten times the count."""
    def command(n: int) -> list[str]:
        code = ("import os, callgrind; callgrind.start_counting(); "
                f"x = sum(i * i for i in range({n})); os._exit(0)")
        return [sys.executable, "-c", code]

    env = {**os.environ, "PYTHONPATH": str(BENCH)}
    small, _ = callgrind.count(command(50_000), env, BENCH)
    big, _ = callgrind.count(command(500_000), env, BENCH)
    assert 7 < big / small < 11
