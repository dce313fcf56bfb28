"""The rich console the commands print their tables and logs on (one width rule for all)."""

from __future__ import annotations

import shutil
import sys
from typing import Any

__all__ = ["output_console"]


def output_console(piped_width: int) -> Any:
    """A console as wide as the terminal, or ``piped_width`` columns when stdout is not one.

    Piped or captured output (a file, CI, pytest, pytest-xdist workers) gets a fixed width, so
    it does not depend on the environment's ``COLUMNS`` or on the terminal of whoever ran it.
    """
    from rich.console import Console

    width = shutil.get_terminal_size((piped_width, 24)).columns if sys.stdout.isatty() else None
    return Console(highlight=False, width=width or piped_width)
