"""Text that reaches terminals and spreadsheets: control characters refused, formulas defused.

Names in a scenario end up in the terminal (the event log), in event lines and in CSV files.
:func:`printable` is what the schema checks names with; :func:`csv_safe` is what every CSV
writer applies to each cell, so that a name such as ``=cmd|' /C calc'!A0`` is shown by a
spreadsheet as text instead of being run as a formula (OWASP's "CSV injection" advice: a cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["FORMULA_LEADS", "csv_safe", "printable"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

# bidirectional overrides and isolates reorder what a terminal shows (U+202A-E, U+2066-9)
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def printable(text: str, allow: str = "") -> str:
    r"""``text`` if it has no control characters (other than those in ``allow``).

    Names reach terminals, event logs and CSV files: an ESC starts a terminal escape
    sequence, a newline forges a line of the event log.

    Raises:
        ValueError: naming the first control character.

    Examples:
        >>> printable("Deir ez-Zor")
        'Deir ez-Zor'
        >>> printable("al-\x1b[31mMayadin")
        Traceback (most recent call last):
        ...
        ValueError: has the control character U+001B at position 4; names must be printable text
    """
    if text.isprintable():  # no Cc, Cf (the bidi controls), Zl or Zp: the common case, fast
        return text
    for i, ch in enumerate(text):
        if ch in allow:
            continue
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI:
            raise ValueError(f"has the control character U+{ord(ch):04X} at position "
                             f"{i + 1}; names must be printable text")
    return text



def csv_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe; anything else (numbers included, so that ``-3`` stays a number) is returned
    unchanged.

    Examples:
        >>> csv_safe("=cmd|' /C calc'!A0")
        "'=cmd|' /C calc'!A0"
        >>> csv_safe("Deir ez-Zor"), csv_safe(-3.5), csv_safe("")
        ('Deir ez-Zor', -3.5, '')
    """
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value
