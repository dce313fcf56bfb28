"""Loading a scenario: YAML, ``extends:`` inheritance, ``--set`` overrides, validation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.scenario.checks import check_scenario
from sim.scenario.copying import plain_copy
from sim.scenario.forcechecks import check_forces
from sim.scenario.overrides import (
    OVERRIDE_FILE,
    apply_override,
    parse_assignment,
    parse_path,
    place_items,
)
from sim.scenario.problems import Problems, SourceMap
from sim.scenario.schema import Scenario
from sim.scenario.tables import expand_tables
from sim.scenario.timelinechecks import check_timeline
from sim.scenario.yamlio import PathKey, collector_paused, read_yaml

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


def merge(
    base: Any,
    over: Any,
    path: PathKey = (),
    problems: list[tuple[PathKey, str]] | None = None,
) -> Any:
    """Deep-merge ``over`` onto ``base`` (neither is modified).

    Dicts merge key by key; a list of items that all have ids merges into the base list by
    id (``remove: true`` drops an item, new ids are appended, base items without ids stay;
    in a ``rules`` list, ``before: id`` / ``after: id`` place an item next to another, see
    :func:`~sim.scenario.overrides.place_items`, with problems added to ``problems`` at
    their ``path``); any other value is replaced.

    Examples:
        >>> merge({"a": [{"id": "x", "n": 1}, {"id": "y"}]}, {"a": [{"id": "x", "n": 2}]})
        {'a': [{'id': 'x', 'n': 2}, {'id': 'y'}]}
    """
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v, (*path, k), problems) if k in base else plain_copy(v)
        return out
    if isinstance(base, list) and all(isinstance(x, dict) for x in base) and _id_list(over):
        out_list = [plain_copy(x) for x in base]
        index = {x["id"]: i for i, x in enumerate(out_list) if isinstance(x.get("id"), str)}
        removed: set[str] = set()
        for item in over:
            if item.get("remove") is True:
                removed.add(item["id"])
            elif item["id"] in index:
                at = index[item["id"]]
                out_list[at] = merge(out_list[at], item, (*path, item["id"]), problems)
            else:
                index[item["id"]] = len(out_list)
                out_list.append(plain_copy(item))
        if path[-1:] == ("rules",):
            placed = place_items(out_list, over, path)
            if problems is not None:
                problems.extend(placed)
        return [x for x in out_list if x.get("id") not in removed]
    return plain_copy(over)


def _id_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in value)
    )


def _read_with_extends(
    path: Path, chain: tuple[Path, ...], shown: str
) -> tuple[Any, SourceMap, list[Problem]]:
    """The merged data of a file and its bases, where each value came from, and warnings."""
    data, locs = read_yaml(shown or path)
    folder = str(Path(shown).parent) if shown else str(path.parent)
    tables = expand_tables(data, path.parent, folder, shown or str(path), locs)
    sources = SourceMap([(shown, locs), *tables])
    if not isinstance(data, dict) or "extends" not in data:
        return data, sources, []

    def fail(message: str) -> ScenarioError:
        return ScenarioError([sources.problem(("extends",), message)])

    parent = data["extends"]
    if not isinstance(parent, str) or not parent:
        raise fail("extends must be a file name")
    name = repr(parent) if len(parent) <= 80 else f"{parent[:40]!r}... ({len(parent)} characters)"
    if "\0" in parent:
        raise fail("the base scenario's file name contains a NUL byte")
    try:
        here = path.resolve()
        parent_path = (path.parent / parent).resolve()
    except (OSError, RuntimeError, ValueError):  # 3.12 raises RuntimeError on a symlink loop
        raise fail(f"base scenario {name} cannot be found: its path is a symlink loop or "
                   "invalid") from None
    if parent_path in chain or parent_path == here:
        cycle = " -> ".join(str(p.name) for p in (*chain, here, parent_path))
        raise fail(f"extends forms a cycle: {cycle}")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise fail("extends chain is too long")
    shown_parent = str(Path(shown).parent / parent) if shown else str(parent_path)
    try:
        base, base_sources, notes = _read_with_extends(parent_path, (*chain, here), shown_parent)
    except ScenarioError as exc:
        (first, *rest) = exc.problems
        if not rest and first.line is None and not first.path:
            # the base file cannot be read at all: say so where extends names it
            looked = f" (looked for {parent_path})" if "not found" in first.message else ""
            raise fail(f"base scenario {name}: {first.message}{looked}") from None
        raise
    if not isinstance(base, dict):
        what = "empty" if base is None else f"a {_kind(base)}, not a mapping of sections"
        raise fail(f"base scenario {name} is not a scenario: the file is {what}")
    if "format" not in base:
        raise fail(f"base scenario {name} is not a frontline scenario (it has no "
                   f"'format: 1'; its keys: {_keys(base)})")
    placing: list[tuple[PathKey, str]] = []
    merged = merge(base, {k: v for k, v in data.items() if k != "extends"}, (), placing)
    notes = [*notes, *(sources.problem(p, message) for p, message in placing)]
    roads, base_roads = data.get("highways"), base.get("highways")
    if isinstance(roads, list) and isinstance(base_roads, list) and base_roads:
        # highways have no ids, so a variant's list cannot merge into the base's: it replaces it
        notes = [*notes, sources.problem(
            ("highways",), f"this list replaces all {len(base_roads)} highways of the base "
                           f"({len(roads)} given; a list whose items have no ids replaces the "
                           "base's list): list every road, or leave highways out to keep the "
                           "base's", "warning")]
    return merged, SourceMap(sources.layers + base_sources.layers), notes


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    return "single text value" if isinstance(value, str) else "single value"


def _keys(data: dict[str, Any], most: int = 5) -> str:
    keys = [str(k) for k in data][:most]
    return ", ".join(keys) + (", ..." if len(data) > most else "")


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
    with collector_paused():  # a big map's load: ~1 s of 3.5 without (100,000 towns)
        return _load(source, overrides)


def _load(
    source: str | Path | dict[str, Any] | LoadedScenario | Scenario,
    overrides: dict[str, Any] | list[tuple[str, Any]] | None,
) -> LoadedScenario:
    file: str | None
    notes: list[Problem] = []
    if isinstance(source, LoadedScenario):
        if not overrides:
            return source
        data, file = plain_copy(source.data), source.file
        sources = SourceMap([(file or "<scenario>", {})])
    elif isinstance(source, Scenario):
        data, file = source.model_dump(by_alias=True, mode="json", exclude_none=True), None
        sources = SourceMap([("<scenario>", {})])
    elif isinstance(source, dict):
        data, file = plain_copy(source), None
        sources = SourceMap([("<scenario>", {})])
    else:
        file = str(source)
        data, sources, notes = _read_with_extends(Path(source), (), file)
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
    sections = {f.alias or n for n, f in Scenario.model_fields.items()}
    if file is not None and "format" not in data and not sections & set(data):
        raise ScenarioError([sources.problem((), "this is not a frontline scenario: it has no "
                                                 f"'format: 1' and none of its sections (its "
                                                 f"keys: {_keys(data)})")])
    items = list(overrides.items()) if isinstance(overrides, dict) else list(overrides or [])
    bad_overrides: list[Problem] = []
    override_locs: dict[PathKey, int] = {}
    for text, value in items:
        try:
            path = parse_path(text)
            created: list[PathKey] = []
            apply_override(data, path, value, created=created)
            override_locs.update(dict.fromkeys([*created, path], 0))
        except ValueError as exc:
            bad_overrides.append(Problem(OVERRIDE_FILE, None, text, str(exc)))
    if bad_overrides:
        raise ScenarioError(bad_overrides)
    if override_locs:
        sources = SourceMap([(OVERRIDE_FILE, override_locs), *sources.layers])
    data.pop("extends", None)
    problems = Problems(sources)
    problems.extend(notes)
    scenario = problems.validate(Scenario, data)
    check_scenario(data, problems)
    if scenario is not None:
        check_forces(scenario, problems)
        check_timeline(scenario, data, problems)
    problems.raise_if_errors()
    if scenario is None:  # cannot happen: a schema failure is an error
        raise problems.error()
    return LoadedScenario(scenario, file, tuple(items), tuple(problems.warnings), data)
