"""``frontline run ...`` parsed by the run-only parser: the same as by the full parser."""

from __future__ import annotations

import argparse

import pytest

from sim.cli import build_parser, run_parser

ARGVS = [
    ["run"],
    ["run", "scenarios/deir_ez_zor_2017.yaml", "--quiet"],
    ["run", "x.yaml", "--days", "3", "--seed", "7", "--set", "a.b=1", "--set", "c=2", "--out", "o"],
    ["run", "--help"],
    ["run", "-h", "x.yaml"],
    ["run", "--version"],
    ["run", "--days", "x"],
    ["run", "--seed", "-1"],
    ["run", "--seed", str(2**63)],
    ["run", "a.yaml", "b.yaml"],
    ["run", "--qu"],
    ["run", "--bogus"],
    ["run", "--", "--quiet"],
]


def _parse(parser: argparse.ArgumentParser, argv: list[str],
           capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    try:
        result: object = vars(parser.parse_args(argv))
    except SystemExit as exc:
        result = ("exit", exc.code)
    out, err = capsys.readouterr()
    return result, out, err


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_run_parser_parses_as_the_full_parser(argv: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert _parse(run_parser(), argv, capsys) == _parse(build_parser(), argv, capsys)
