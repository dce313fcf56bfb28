"""The run summary without rich equals rich's, character for character, or is not used."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from sim.cli import main
from sim.summary import Summary, plain_summary, plain_text, print_summary

WIDTH = 110


def _rich(summary: Summary, width: int = WIDTH) -> str:
    out = io.StringIO()
    console = Console(file=out, highlight=False, width=width, force_jupyter=False, _environ={})
    print_summary(summary, console)
    return out.getvalue()


def _summary(title: str, factions: list[tuple[str, str, list[str]]], lines: list[str]) -> Summary:
    rows = tuple((f"[{colour}]■[/] {name}", *cells) for name, colour, cells in factions)
    return Summary(title, rows, tuple(c for _, c, _ in factions),
                   tuple(n for n, _, _ in factions), tuple(lines))


SAA = ("Syrian Arab Army", "#c0392b", ["40", "359,945", "20,974", "2,641", "0", "0"])
ISIS = ("ISIS", "#222222", ["4", "58,294", "2,688", "17,543", "4,344", "9,235"])


def test_the_default_summary_is_plain_and_equals_rich() -> None:
    s = _summary("Deir ez-Zor 2017: 2017-12-06 (day 120, seed 2017)", [SAA, ISIS],
                 ["Sieges in force:", "  al-Kasrah (ISIS), since 2017-09-16 (81 days)"])
    text = plain_text(s, WIDTH)
    assert text is not None
    assert text == _rich(s)
    assert text.splitlines()[1].startswith("┏━━")


@pytest.mark.parametrize("name", ["Army [bold]x[/]", "Army :smile:", "Army\\", "Armée",
                                  "軍", "Army\tx", " Army", "Army "])
def test_text_rich_could_read_otherwise_is_left_to_rich(name: str) -> None:
    s = _summary("t", [(name, "#000000", ["1", "2", "3", "4", "5", "6"])], ["No sieges."])
    assert plain_text(s, WIDTH) is None


def test_too_wide_for_the_console_is_left_to_rich() -> None:
    wide = ("x" * 80, "#000000", ["1", "2", "3", "4", "5", "6"])
    assert plain_text(_summary("t", [wide], ["No sieges."]), WIDTH) is None
    long_title = _summary("y" * 100, [ISIS], ["No sieges."])
    assert plain_text(long_title, WIDTH) is None  # wider than the table: rich wraps it
    long_line = _summary("t", [ISIS], ["  " + "z" * 109])
    assert plain_text(long_line, WIDTH) is None


_WORDS = st.lists(st.text(st.sampled_from("abcXYZ-_.,()0123456789'"), min_size=1, max_size=12),
                  min_size=1, max_size=3).map(" ".join)  # text rich prints as it is
_RISKY = st.text(st.sampled_from("abcXYZ -_.,()0123456789:[]\\é軍\t"), min_size=0, max_size=40)
_TEXT = st.one_of(_WORDS, _WORDS, _WORDS, _RISKY)
_CELL = st.one_of(st.integers(0, 10**7).map(lambda n: f"{n:,}"), _TEXT)


_TITLE = st.one_of(_TEXT, st.lists(_WORDS, min_size=1, max_size=8).map(": ".join))
_FACTIONS = st.lists(st.tuples(_TEXT, st.from_regex(r"#[0-9a-f]{6}", fullmatch=True),
                               st.lists(_CELL, min_size=6, max_size=6)), min_size=1, max_size=4)
_LINES = st.lists(st.one_of(_TEXT, _WORDS.map(lambda w: "  " + w), _WORDS.map(lambda w: w * 9)),
                  min_size=1, max_size=4)


def test_plain_text_equals_rich_whenever_it_is_given_and_often_is() -> None:
    """The property, then its coverage: a share of the generated summaries took the plain path.

    One test, so that the share is of this test's own examples whatever else pytest selected.
    """
    plain: list[bool] = []

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(title=_TITLE, factions=_FACTIONS, lines=_LINES)
    def plain_equals_rich(
        title: str, factions: list[tuple[str, str, list[str]]], lines: list[str]
    ) -> None:
        s = _summary(title, factions, lines)
        text = plain_text(s, WIDTH)
        if text is not None:
            assert text == _rich(s)
        plain.append(text is not None)

    plain_equals_rich()
    assert len(plain) >= 100
    # both paths taken by a fair number of examples (the share moved 9-15 % between runs
    # whose other tests differed: hypothesis' generation is not isolated from them)
    assert min(sum(plain), len(plain) - sum(plain)) >= 15, (sum(plain), len(plain))


def test_a_forced_colour_terminal_goes_through_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    s = _summary("t", [ISIS], ["No sieges in force."])
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert plain_summary(s, WIDTH) == plain_text(s, WIDTH) is not None
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert plain_summary(s, WIDTH) is None


def test_run_quiet_prints_what_rich_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.model import TerritoryModel
    from sim.summary import summary_of

    assert main(["run", "--quiet", "--days", "12"]) == 0
    printed = capsys.readouterr().out
    model = TerritoryModel("scenarios/deir_ez_zor_2017.yaml", days=12).run()
    assert printed == _rich(summary_of(model))
    assert plain_text(summary_of(model), WIDTH) == printed
