"""Dotted-path overrides (``--set``, variants' tunables, sweeps): parsing and applying them."""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel

from sim.errors import Problem, ScenarioError
from sim.scenario.problems import strip_type, suggest
from sim.scenario.yamlio import PathKey, format_path, item_segments, parse_yaml

__all__ = [
    "OVERRIDE_FILE",
    "PLACEMENT_KEYS",
    "apply_override",
    "canonical_path",
    "parse_assignment",
    "parse_path",
    "place_items",
]

#: The "file" problems in command-line overrides are reported under.
OVERRIDE_FILE = "--set"

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> PathKey:
    """Split ``factions.isis.rules[2].when`` into segments (ids and keys as str, indices as int).

    Raises:
        ValueError: the path is empty or malformed.

    Examples:
        >>> parse_path("factions.isis.rules[2].when")
        ('factions', 'isis', 'rules', 2, 'when')
    """
    if not text or not re.fullmatch(r"[^.\[\]]+(\.[^.\[\]]+|\[\d+\])*", text):
        raise ValueError(f"malformed path {text!r}; expected e.g. factions.isis.forces.x.fighters")
    return tuple(int(i) if i else k for k, i in _SEGMENT.findall(text))


def apply_override(
    data: dict[str, Any], path: PathKey, value: Any, *, dry_run: bool = False,
    created: list[PathKey] | None = None,
) -> Any:
    """Set the value at ``path`` in ``data`` in place; list items are found by id or index.

    A mapping on the way that is absent but that the schema allows (an optional section such
    as a faction's ``air:`` or ``garrison:``, a settings section, a rule's ``with:``) is
    created empty, and its path appended to ``created``; the schema then checks what is set
    in it. With ``dry_run`` nothing is changed; the current value (None if absent) is returned.

    Raises:
        ValueError: a part of the path does not exist (with the closest valid name).

    Examples:
        >>> data = {"forces": [{"id": "r1", "fighters": 500}]}
        >>> apply_override(data, ("forces", "r1", "fighters"), 3000)
        500
        >>> data
        {'forces': [{'id': 'r1', 'fighters': 3000}]}
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
            if node.get(seg) is None and isinstance(path[i + 1], str) and (
                where.startswith("simulation") or (seg == "with" and "do" in node)
                or _is_mapping(path[: i + 1])
            ):
                # an optional section (or a rule's parameters) left out, or null: create it;
                # the schema checks the names in it
                if dry_run:
                    return None
                node[seg] = {}
                if created is not None:
                    created.append(path[: i + 1])
            if seg not in node:
                names = sorted({*map(str, node), *_field_names(path[:i])})
                if seg in names:  # an absent list: its items have no ids to find yet
                    raise ValueError(f"{where} has no {seg} yet; give the whole list "
                                     f"({format_path(path[: i + 1])}=[...])")
                raise ValueError(f"{where} has no {seg!r}{suggest(seg, names)}")
            node = node[seg]
        elif isinstance(node, list):
            if isinstance(seg, int):
                if not 0 <= seg < len(node):
                    raise ValueError(f"{where} has {len(node)} items; index {seg} is out of range")
                idx = seg
            else:
                ids = item_segments(node)
                if seg not in ids:
                    names = [x for x in ids if isinstance(x, str)]
                    raise ValueError(f"{where} has no item with id {seg!r}{suggest(seg, names)}")
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


def _schema_type(path: PathKey) -> Any:
    """The schema's type of the value at ``path`` of a scenario (None: not known).

    List items (by id or index) have the list's item type, a mapping's values its value type.
    """
    from sim.scenario.schema import Scenario  # the schema is built on this package's modules

    tp: Any = Scenario
    for seg in path:
        tp = strip_type(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next((f for n, f in tp.model_fields.items() if (f.alias or n) == seg), None)
            if field is None:
                return None
            tp = field.annotation
        elif origin in (list, tuple):
            tp = typing.get_args(tp)[0]
        elif origin is dict and isinstance(seg, str):
            tp = typing.get_args(tp)[1]
        else:
            return None
    return strip_type(tp)


def _is_mapping(path: PathKey) -> bool:
    """Whether the schema declares the value at ``path`` a mapping (a section, a model)."""
    tp = _schema_type(path)
    return (isinstance(tp, type) and issubclass(tp, BaseModel)) or typing.get_origin(tp) is dict


def _field_names(path: PathKey) -> list[str]:
    """The field names the schema allows in the mapping at ``path`` (none if not a model)."""
    tp = _schema_type(path)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def canonical_path(data: Any, path: PathKey) -> PathKey:
    """``path`` as it names the value in ``data``: list items by id where they have one.

    Two paths name the same value exactly when their canonical forms are equal, and one value
    contains the other's when one canonical form starts with the other.

    Raises:
        ValueError: a part of the path does not exist (as :func:`apply_override`).

    Examples:
        >>> data = {"forces": [{"id": "r1", "fighters": 500}, {"fighters": 10}]}
        >>> canonical_path(data, ("forces", 0, "fighters"))
        ('forces', 'r1', 'fighters')
        >>> canonical_path(data, ("forces", 1))
        ('forces', 1)
    """
    apply_override(data, path, None, dry_run=True)  # raises if the path does not exist
    out: list[str | int] = []
    node: Any = data
    for seg in path:
        if isinstance(node, list):
            segments = item_segments(node)
            idx = seg if isinstance(seg, int) else segments.index(seg)
            out.append(segments[idx])
            node = node[idx]
        else:
            out.append(seg)
            node = node.get(seg) if isinstance(node, dict) else None
    return tuple(out)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a ``--set path=value`` argument; the value is read as YAML (safely).

    Raises:
        ScenarioError: no ``=``, or a value that is not valid YAML.

    Examples:
        >>> parse_assignment("simulation.days=60")
        ('simulation.days', 60)
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


#: Keys of a variant's rule that place it next to another rule of the merged list.
PLACEMENT_KEYS = ("before", "after")


def place_items(
    items: list[dict[str, Any]], over: list[dict[str, Any]], path: PathKey
) -> list[tuple[PathKey, str]]:
    """Move each item of ``over`` that says ``before: id`` or ``after: id`` next to that item.

    ``items`` is the merged list (the base's items with ``over`` merged in by id); it is
    reordered in place and the placement keys are dropped from its items. The items are
    placed in ``over``'s order, so a variant's item may be placed next to one it added
    itself. Returns the problems found, as (path of the key, message).

    Examples:
        >>> rules = [{"id": "a"}, {"id": "b"}, {"id": "new", "before": "b"}]
        >>> place_items(rules, [{"id": "new", "before": "b"}], ("rules",))
        []
        >>> [r["id"] for r in rules], rules[1]
        (['a', 'new', 'b'], {'id': 'new'})
        >>> [(path, message)] = place_items([{"id": "hold", "after": "psuh"}, {"id": "push"}],
        ...                                 [{"id": "hold", "after": "psuh"}], ("rules",))
        >>> path
        ('rules', 'hold', 'after')
        >>> message.startswith("no rule with id 'psuh' to place this rule after (did you mean")
        True
    """
    problems: list[tuple[PathKey, str]] = []
    for want in over:
        keys = [k for k in PLACEMENT_KEYS if k in want]
        if not keys:
            continue
        rid = want["id"]
        at = next((i for i, x in enumerate(items) if x.get("id") == rid), None)
        if at is None:  # removed by the variant
            continue
        item = items[at]
        anchors = {k: item.pop(k) for k in keys if k in item}
        where: PathKey = (*path, rid, keys[0])
        if len(keys) > 1:
            problems.append(((*path, rid), "give either before or after, not both"))
            continue
        anchor = anchors.get(keys[0])
        ids = [str(x["id"]) for x in items if isinstance(x.get("id"), str)]
        if anchor == rid:
            problems.append((where, f"a rule cannot be placed {keys[0]} itself"))
        elif not isinstance(anchor, str) or anchor not in ids:
            listed = ", ".join(i for i in ids if i != rid) or "none"
            problems.append((where, f"no rule with id {anchor!r} to place this rule "
                                    f"{keys[0]}{suggest(anchor, ids)} (ids: {listed})"))
        else:
            del items[at]
            to = next(i for i, x in enumerate(items) if x.get("id") == anchor)
            items.insert(to if keys[0] == "before" else to + 1, item)
    return problems
