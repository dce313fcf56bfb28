"""The summary ``frontline run`` prints at the end: the factions' table and the sieges in force.

It is printed with rich (a table with box-drawing borders, colours on a terminal). When the
output is not a terminal and rich would print plain text, the same text is written without
rich (:func:`plain_summary`): importing rich's console and table and rendering the table cost
60-70 ms, a fifth of a ``frontline run --quiet`` beyond Mesa's import. The plain text is made
only where it is known to equal rich's, character for character (tests/test_summary.py
compares the two on generated tables): every text printable ASCII, no markup or emoji codes,
the table no wider than the console and its title no wider than the table, rich's automatic
terminal detection not overridden (``FORCE_COLOR``, ``TTY_COMPATIBLE``, Jupyter) and an UTF
encoding; anywhere else the summary goes through rich as before.
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["COLUMNS", "Summary", "plain_summary", "plain_text", "print_summary", "summary_of"]

#: The table's columns, the first left-aligned and the others right-aligned.
COLUMNS = ("faction", "towns", "population", "fighters", "casualties", "deserted",
           "conscripted")
SWATCH = "■"  # the faction's colour on a terminal; one cell wide


@dataclass(frozen=True)
class Summary:
    """What the summary says, as rich markup.

    Attributes:
        title: the table's title.
        rows: one row of cells per faction (the first cell is ``[#rrggbb]■[/] name``).
        colours: each row's colour (``#rrggbb``), as in its first cell.
        names: each row's faction name, as in its first cell.
        lines: the lines printed under the table (the sieges in force).
    """

    title: str
    rows: tuple[tuple[str, ...], ...]
    colours: tuple[str, ...]
    names: tuple[str, ...]
    lines: tuple[str, ...]


def summary_of(model: Any) -> Summary:
    """The summary of a model at its current day."""
    rows, colours, names = [], [], []
    for f in model.factions:
        s = model.record.stats[f.index]
        rows.append((
            f"[{f.colour}]{SWATCH}[/] {f.name}",
            str(s["towns"]),
            f"{s['population']:,.0f}",
            f"{s['fighters']:,.0f}",
            f"{s['casualties']:,.0f}",
            f"{s['deserted']:,.0f}",
            f"{s['recruited']:,.0f}",
        ))
        colours.append(f.colour)
        names.append(f.name)
    lines = []
    sieges = [i for i in range(model.world.n) if model.supply.besieged[i]]
    if sieges:
        started = {}
        for ev in model.record.events:
            if ev.kind == "siege_start":
                started[ev.town] = ev.date
            elif ev.kind in ("siege_lifted", "capture"):
                started.pop(ev.town, None)
        lines.append("Sieges in force:")
        for i in sieges:
            since = started.get(model.world.ids[i])
            days = (
                f", since {since.isoformat()} ({(model.date - since).days} days)" if since else ""
            )
            holder = model.factions[model.towns.controller[i]].name
            lines.append(f"  {model.world.names[i]} ({holder}){days}")
    else:
        lines.append("No sieges in force.")
    title = f"{model.spec.name}: {model.date.isoformat()} (day {model.day}, seed {model.seed})"
    return Summary(title, tuple(rows), tuple(colours), tuple(names), tuple(lines))


def print_summary(summary: Summary, console: Any) -> None:
    """Print the summary on a rich console."""
    from rich.table import Table

    table = Table(title=summary.title)
    for col in COLUMNS:
        table.add_column(col, justify="left" if col == "faction" else "right")
    for row in summary.rows:
        table.add_row(*row)
    console.print(table)
    for line in summary.lines:
        console.print(line)


def plain_summary(summary: Summary, width: int) -> str | None:
    """What rich prints for ``summary`` on standard output, if that is plain text; else None.

    Args:
        summary: the summary.
        width: the console's width (rich's ``Console(width=...)``).
    """
    return plain_text(summary, width) if _stdout_is_plain() else None


def _stdout_is_plain() -> bool:
    """Whether a rich console on sys.stdout would write plain text (no terminal codes)."""
    out = sys.stdout
    if out is None or sys.platform == "win32" or hasattr(builtins, "get_ipython"):
        return False
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return False
    if getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return False
    encoding = (getattr(out, "encoding", "utf-8") or "utf-8").lower()
    try:
        return encoding.startswith("utf") and not out.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed file: leave it to rich
        return False


#: Text rich prints as it is: printable ASCII without markup ([ ] \) or emoji codes (:x:).
_PLAIN = re.compile(r"[ -Z^-~]*")
_EMOJI = re.compile(r":\S*?:")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _plain(text: str) -> bool:
    return _PLAIN.fullmatch(text) is not None and _EMOJI.search(text) is None


def plain_text(summary: Summary, width: int) -> str | None:
    """The text rich renders for ``summary`` without terminal codes, or None if unsure.

    None when any text could be read differently by rich (markup, emoji codes, tabs, wide or
    non-ASCII characters, spaces around a cell or the title, trailing spaces) or would be
    wrapped (a table wider than ``width``, a title wider than the table, a line wider than
    ``width``).
    """
    cells: list[tuple[str, ...]] = [COLUMNS]
    for row, colour, name in zip(summary.rows, summary.colours, summary.names, strict=True):
        if row[0] != f"[{colour}]{SWATCH}[/] {name}" or not _COLOUR.fullmatch(colour):
            return None
        cells.append((f"{SWATCH} {name}", *row[1:]))
    words = [summary.title, *summary.names, *(c for row in summary.rows for c in row[1:])]
    if not summary.rows or not summary.title:
        return None
    if not all(_plain(t) and t == t.strip() for t in words):
        return None
    if not all(_plain(t) and t == t.rstrip() and len(t) <= width for t in summary.lines):
        return None
    widths = [max(len(row[k]) for row in cells) + 2 for k in range(len(COLUMNS))]
    table_width = sum(widths) + len(widths) + 1
    if table_width > width or len(summary.title) > table_width:
        return None
    free = table_width - len(summary.title)
    out = [" " * (free // 2) + summary.title + " " * (free - free // 2)]
    out.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    for n, row in enumerate(cells):
        texts = [c.ljust(w - 2) if k == 0 else c.rjust(w - 2)
                 for k, (c, w) in enumerate(zip(row, widths, strict=True))]
        edge = "┃" if n == 0 else "│"
        out.append(edge + edge.join(f" {t} " for t in texts) + edge)
        if n == 0:
            out.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    out.append("└" + "┴".join("─" * w for w in widths) + "┘")
    out.extend(summary.lines)
    return "".join(line + "\n" for line in out)
