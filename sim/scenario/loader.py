"""Loading a scenario: YAML, ``extends:`` inheritance, ``--set`` overrides, validation."""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.checks import check_scenario
from sim.scenario.schema import Scenario
from sim.scenario.yamlio import Locations, PathKey, format_path, item_segment, parse_yaml, read_yaml

__all__ = [
    "LoadedScenario",
    "SourceMap",
    "apply_override",
    "load_scenario",
    "merge",
    "parse_assignment",
    "parse_path",
]

MAX_EXTENDS_DEPTH = 16
OVERRIDE_FILE = "--set"


@dataclass
class SourceMap:
    """Where each value of a merged document came from: layers of (file, locations), top first."""

    layers: list[tuple[str, Locations]] = field(default_factory=list)

    def locate(self, path: PathKey) -> tuple[str, int | None]:
        """File and line of the deepest part of ``path`` that some layer defines."""
        for n in range(len(path), -1, -1):
            prefix = path[:n]
            for file, locs in self.layers:
                if prefix in locs:
                    return file, locs[prefix]
        return (self.layers[-1][0] if self.layers else "<scenario>"), None

    def problem(self, path: PathKey, message: str, severity: str = "error") -> Problem:
        """A Problem located at ``path``."""
        file, line = self.locate(path)
        # line 0 marks a value with no line (a --set override): print "--set: path", not "--set:0"
        return Problem(file, line or None, format_path(path), message, severity)


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario plus where it came from.

    Attributes:
        scenario: the frozen, validated scenario.
        file: the file it was loaded from (None when built from a dict).
        overrides: the dotted-path overrides applied, in order.
        warnings: problems that do not stop a run (e.g. a disconnected map).
        data: the merged plain data the scenario was validated from.
    """

    scenario: Scenario
    file: str | None
    overrides: tuple[tuple[str, Any], ...]
    warnings: tuple[Problem, ...]
    data: dict[str, Any]


def merge(base: Any, over: Any) -> Any:
    """Deep-merge ``over`` onto ``base`` (neither is modified).

    Dicts merge key by key; a list of items that all have ids merges into the base list by
    id (``remove: true`` drops an item, new ids are appended, base items without ids stay);
    any other value is replaced.

    Examples:
        >>> merge({"a": [{"id": "x", "n": 1}, {"id": "y"}]}, {"a": [{"id": "x", "n": 2}]})
        {'a': [{'id': 'x', 'n': 2}, {'id': 'y'}]}
    """
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    if isinstance(base, list) and all(isinstance(x, dict) for x in base) and _id_list(over):
        out_list = [copy.deepcopy(x) for x in base]
        index = {x["id"]: i for i, x in enumerate(out_list) if isinstance(x.get("id"), str)}
        removed: set[str] = set()
        for item in over:
            if item.get("remove") is True:
                removed.add(item["id"])
            elif item["id"] in index:
                out_list[index[item["id"]]] = merge(out_list[index[item["id"]]], item)
            else:
                index[item["id"]] = len(out_list)
                out_list.append(copy.deepcopy(item))
        return [x for x in out_list if x.get("id") not in removed]
    return copy.deepcopy(over)


def _id_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in value)
    )


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> PathKey:
    """Split ``factions.isis.rules[2].when`` into segments (ids and keys as str, indices as int).

    Raises:
        ValueError: the path is empty or malformed.
    """
    if not text or not re.fullmatch(r"[^.\[\]]+(\.[^.\[\]]+|\[\d+\])*", text):
        raise ValueError(f"malformed path {text!r}; expected e.g. factions.isis.forces.x.fighters")
    return tuple(int(i) if i else k for k, i in _SEGMENT.findall(text))


def apply_override(
    data: dict[str, Any], path: PathKey, value: Any, *, dry_run: bool = False
) -> Any:
    """Set the value at ``path`` in ``data`` in place; list items are found by id or index.

    With ``dry_run`` nothing is changed; the current value (None if absent) is returned.

    Raises:
        ValueError: a part of the path does not exist (with the closest valid name).
    """
    node: Any = data
    for i, seg in enumerate(path):
        last = i == len(path) - 1
        where = format_path(path[:i]) or "the scenario"
        if isinstance(node, dict):
            if isinstance(seg, int):
                raise ValueError(f"{where} is a mapping, not a list")
            if last:
                old = node.get(seg)
                if not dry_run:
                    node[seg] = value
                return old
            if seg not in node and isinstance(path[i + 1], str) and where.startswith(
                "simulation"
            ):
                # a settings section left at its defaults: create it; the schema checks names
                if dry_run:
                    return None
                node[seg] = {}
            if seg not in node:
                raise ValueError(f"{where} has no {seg!r}{_suggest(seg, list(node))}")
            node = node[seg]
        elif isinstance(node, list):
            if isinstance(seg, int):
                if not 0 <= seg < len(node):
                    raise ValueError(f"{where} has {len(node)} items; index {seg} is out of range")
                idx = seg
            else:
                ids = [item_segment(x, j) for j, x in enumerate(node)]
                if seg not in ids:
                    names = [x for x in ids if isinstance(x, str)]
                    raise ValueError(f"{where} has no item with id {seg!r}{_suggest(seg, names)}")
                idx = ids.index(seg)
            if last:
                old = node[idx]
                if not dry_run:
                    node[idx] = value
                return old
            node = node[idx]
        else:
            raise ValueError(f"{where} is a single value; it has no {seg!r}")
    return None


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a ``--set path=value`` argument; the value is read as YAML (safely).

    Raises:
        ScenarioError: no ``=``, or a value that is not valid YAML.
    """
    if "=" not in text:
        raise ScenarioError(
            [Problem(OVERRIDE_FILE, None, text, "expected PATH=VALUE, e.g. simulation.days=60")]
        )
    path, raw = text.split("=", 1)
    try:
        value, _ = parse_yaml(raw, f"{OVERRIDE_FILE} {path.strip()}")
    except ScenarioError as exc:
        raise ScenarioError(exc.problems) from None
    return path.strip(), value


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _read_with_extends(path: Path, chain: tuple[Path, ...], shown: str) -> tuple[Any, SourceMap]:
    data, locs = read_yaml(shown or path)
    sources = SourceMap([(shown, locs)])
    if not isinstance(data, dict) or "extends" not in data:
        return data, sources
    parent = data["extends"]
    if not isinstance(parent, str) or not parent:
        raise ScenarioError([sources.problem(("extends",), "extends must be a file name")])
    parent_path = (path.parent / parent).resolve()
    if parent_path in chain or parent_path == path.resolve():
        cycle = " -> ".join(str(p.name) for p in (*chain, path.resolve(), parent_path))
        raise ScenarioError([sources.problem(("extends",), f"extends forms a cycle: {cycle}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([sources.problem(("extends",), "extends chain is too long")])
    if not parent_path.is_file():
        raise ScenarioError(
            [
                sources.problem(
                    ("extends",), f"base scenario {parent!r} not found (looked for {parent_path})"
                )
            ]
        )
    shown_parent = str(Path(shown).parent / parent) if shown else str(parent_path)
    base, base_sources = _read_with_extends(parent_path, (*chain, path.resolve()), shown_parent)
    if not isinstance(base, dict):
        return data, sources
    merged = merge(base, {k: v for k, v in data.items() if k != "extends"})
    return merged, SourceMap(sources.layers + base_sources.layers)


def load_scenario(
    source: str | Path | dict[str, Any] | LoadedScenario | Scenario,
    overrides: dict[str, Any] | list[tuple[str, Any]] | None = None,
) -> LoadedScenario:
    """Load, merge, override and validate a scenario, collecting every problem.

    Args:
        source: a file path, plain data (as read from YAML), or an already loaded scenario.
        overrides: dotted path -> value, applied after ``extends:`` (command line > file).

    Raises:
        ScenarioError: the scenario is invalid; every problem, with file, line and path.
    """
    file: str | None
    if isinstance(source, LoadedScenario):
        if not overrides:
            return source
        data, file = copy.deepcopy(source.data), source.file
        sources = SourceMap([(file or "<scenario>", {})])
    elif isinstance(source, Scenario):
        data, file = source.model_dump(by_alias=True, mode="json", exclude_none=True), None
        sources = SourceMap([("<scenario>", {})])
    elif isinstance(source, dict):
        data, file = copy.deepcopy(source), None
        sources = SourceMap([("<scenario>", {})])
    else:
        file = str(source)
        data, sources = _read_with_extends(Path(source), (), file)
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                sources.problem(
                    (),
                    "a scenario must be a mapping of sections "
                    "(format, name, simulation, towns, ...)",
                )
            ]
        )
    items = list(overrides.items()) if isinstance(overrides, dict) else list(overrides or [])
    problems: list[Problem] = []
    override_locs: Locations = {}
    for text, value in items:
        try:
            path = parse_path(text)
            apply_override(data, path, value)
            override_locs[path] = 0
        except ValueError as exc:
            problems.append(Problem(OVERRIDE_FILE, None, text, str(exc)))
    if problems:
        raise ScenarioError(problems)
    if override_locs:
        sources = SourceMap([(OVERRIDE_FILE, override_locs), *sources.layers])
    data.pop("extends", None)
    scenario, schema_problems = _validate(data, sources)
    problems.extend(schema_problems)
    problems.extend(check_scenario(data, sources.problem))
    errors = [p for p in problems if p.severity == "error"]
    if errors or scenario is None:
        raise ScenarioError(problems)
    return LoadedScenario(
        scenario, file, tuple(items), tuple(p for p in problems if p.severity != "error"), data
    )


def _validate(data: dict[str, Any], sources: SourceMap
              ) -> tuple[Scenario | None, list[Problem]]:
    """The validated scenario (None if invalid) and the schema's problems, located."""
    try:
        return Scenario.model_validate(data), []
    except ValidationError as exc:
        out = []
        for err in exc.errors(include_url=False):
            path = _loc_to_path(data, err["loc"])
            msg = _message(err)
            out.append(sources.problem(path, msg))
        return None, out


def _loc_to_path(data: Any, loc: tuple[Any, ...]) -> PathKey:
    """Turn pydantic's location (with list indices) into our path (ids for id-lists)."""
    path: list[str | int] = []
    node = data
    for seg in loc:
        if isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            path.append(item_segment(node[seg], seg))
            node = node[seg]
        elif isinstance(node, dict) and seg in node:
            path.append(seg)
            node = node[seg]
        elif isinstance(seg, str) and seg in ("from_", "with_"):
            path.append(seg[:-1])
            node = None
        elif isinstance(seg, int | str) and not str(seg).startswith(("function-", "tagged-")):
            path.append(seg)
            node = None
    return tuple(path)


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field" + _unknown_hint(err)
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {err.get('input')!r}"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if "#" in pattern:
            return f"{err.get('input')!r} is not a #rrggbb colour"
        return (
            f"{err.get('input')!r} is not a valid id (lower-case letters, digits and single "
            "underscores, starting with a letter)"
        )
    return (
        f"{err['msg']} (got {err.get('input')!r})"
        if not isinstance(err.get("input"), dict | list)
        else err["msg"]
    )


_FIELD_NAMES: dict[str, list[str]] = {}


def _unknown_hint(err: Any) -> str:
    from sim.scenario import schema

    name = str(err["loc"][-1])
    if not _FIELD_NAMES:
        for cls in (
            schema.Scenario,
            schema.Town,
            schema.Highway,
            schema.Faction,
            schema.Unit,
            schema.Rule,
            schema.SimulationParams,
            schema.CombatParams,
            schema.SiegeParams,
            schema.MovementParams,
            schema.Objective,
            schema.Feature,
            schema.Tunable,
            schema.TerrainParams,
        ):
            _FIELD_NAMES[cls.__name__] = [f.alias or n for n, f in cls.model_fields.items()]
    options = sorted({n for names in _FIELD_NAMES.values() for n in names})
    return _suggest(name, options)
