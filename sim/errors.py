"""The project's exception hierarchy: every error a user can cause is a FrontlineError."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FrontlineError", "Problem", "ScenarioError"]


class FrontlineError(Exception):
    """Base class of every error frontline raises on bad input; the CLI maps it to exit code 2."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in an input file.

    Attributes:
        file: the file the problem is in (as the user named it).
        line: 1-based line in that file, or None when no line applies (e.g. a missing file).
        path: dotted path to the offending value, e.g. ``factions.isis.rules[2].when``.
        message: what is wrong, and where possible what to do instead.
        severity: ``"error"`` or ``"warning"``.
    """

    file: str
    line: int | None
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        prefix = "warning: " if self.severity == "warning" else ""
        path = f" {self.path}:" if self.path else ""
        return f"{where}:{path} {prefix}{self.message}"


class ScenarioError(FrontlineError):
    """A scenario (or sweep) file is malformed or invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path, p.message))
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))
