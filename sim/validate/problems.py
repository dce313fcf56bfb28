"""The one place where validation files use the scenario loader's machinery.

Observation and calibration files report problems like scenarios do (``file:line: path:
message``, every problem at once, the closest valid name suggested). This module holds that
collector and the few loader functions they need (YAML with line numbers, loading the scenario,
checking a dotted override path), so that when the shared problem collector lands in
``sim.scenario`` this is the only module to change.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.loader import apply_override, parse_path
from sim.scenario.yamlio import Locations, PathKey, format_path, read_yaml

__all__ = ["LoadedScenario", "PathKey", "Problems", "check_override", "load_scenario_for",
           "read_yaml", "scenario_data", "suggest"]


def suggest(name: str, options: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or an empty string."""
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Problems:
    """Collects problems located in one file (by the YAML line of the deepest known path)."""

    def __init__(self, file: str, locs: Locations):
        """Start an empty collection for ``file`` whose value lines are ``locs``."""
        self.file = file
        self.locs = locs
        self.items: list[Problem] = []

    def line(self, path: PathKey) -> int | None:
        """The line of ``path`` or of its deepest located parent."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.locs:
                return self.locs[path[:n]]
        return None

    def add(self, path: PathKey, message: str, severity: str = "error") -> None:
        """Record a problem at ``path``."""
        self.items.append(Problem(self.file, self.line(path), format_path(path), message,
                                  severity))

    def from_validation(self, exc: ValidationError, base: PathKey,
                        cls: type[BaseModel]) -> set[str | int]:
        """Record pydantic's errors under ``base``; returns the top-level fields at fault."""
        bad: set[str | int] = set()
        for err in exc.errors(include_url=False):
            loc = tuple(s for s in err["loc"] if isinstance(s, str | int)
                        and not str(s).startswith(("function-", "tagged-", "literal[")))
            if loc:
                bad.add(loc[0])
            self.add((*base, *loc), _message(err, cls))
        return bad

    @property
    def errors(self) -> list[Problem]:
        """The problems that are errors (not warnings)."""
        return [p for p in self.items if p.severity == "error"]

    def raise_if_errors(self) -> None:
        """Raise every problem collected so far if any is an error.

        Raises:
            ScenarioError: there is at least one error.
        """
        if self.errors:
            raise ScenarioError(self.items)


def _message(err: Any, cls: type[BaseModel]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        names = [f.alias or n for n, f in cls.model_fields.items()]
        return "unknown field" + suggest(str(err["loc"][-1]), names)
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {err.get('input')!r}"
    value = err.get("input")
    if isinstance(value, dict | list):
        return str(err["msg"])
    return f"{err['msg']} (got {value!r})"


def load_scenario_for(path: Path, problems: Problems, where: PathKey,
                      overrides: list[tuple[str, Any]] | None = None) -> LoadedScenario | None:
    """Load the scenario a file names; its problems are added (under its own file name)."""
    if not path.is_file():
        problems.add(where, f"scenario file not found (looked for {path})")
        return None
    try:
        return load_scenario(path, overrides or None)
    except ScenarioError as exc:
        problems.add(where, f"scenario {str(path)!r} is invalid (its problems are listed under "
                            "its own file name)")
        problems.items.extend(exc.problems)
        return None


def check_override(base: dict[str, Any], text: str, value: Any = None) -> str | None:
    """What is wrong with overriding ``text`` (with ``value``, if given) in ``base``, or None."""
    try:
        apply_override(copy.deepcopy(base), parse_path(text), None, dry_run=True)
    except ValueError as exc:
        return str(exc)
    if value is None:
        return None
    try:
        load_scenario(base, {text: value})
    except ScenarioError as exc:
        bad = [p for p in exc.problems if p.severity == "error"]
        if bad:
            first = f"{bad[0].path}: {bad[0].message}" if bad[0].path else bad[0].message
            return f"value {value!r} makes the scenario invalid: {first}"
    return None


def scenario_data(loaded: LoadedScenario) -> dict[str, Any]:
    """A loaded scenario as plain data with every default filled in (what runs override)."""
    base = loaded.scenario.model_dump(by_alias=True, mode="json", exclude_none=True)
    base.pop("extends", None)
    return base
