"""Safe YAML reading that can tell the line of every value, with bounded cost.

A document is read by the fast reader (:mod:`sim.scenario.yamlfast`: libyaml's events straight
to plain data, no line numbers); the lines of its values are computed by the full converter
below only when a problem needs one. Anything the fast reader is unsure of (an error, a limit
reached) is read by the full converter at once, so users see the same messages either way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from sim.errors import Problem, ScenarioError
from sim.scenario.files import read_bounded
from sim.scenario.yamlfast import FALLBACK, LazyLocations, fast_data

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Locations",
    "collector_paused",
    "distinct_ids",
    "format_path",
    "read_yaml",
]

# sized for the schema's largest scenario (200,000 towns, 1,000,000 highways): ~60 MB, ~10M values
MAX_FILE_BYTES = 64_000_000
MAX_NODES = 10_000_000
MAX_DEPTH = 64
# Values produced by re-expanding an aliased list or mapping (``*rules`` reusing ``&rules``).
# Every other value is written out in the file, so the file-size limit bounds it; aliases are
# the only way a small file becomes a large document ("billion laughs": 550 bytes -> 10M values,
# 8 s and 1.6 GB before MAX_NODES stopped it). Generous for sharing rule lists between factions.
MAX_ALIAS_VALUES = 100_000

PathKey = tuple[str | int, ...]
Locations = Mapping[PathKey, int]

_STR_TAG = "tag:yaml.org,2002:str"
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}


def format_path(path: PathKey) -> str:
    """Render a path key as the dotted form users see: ``factions.isis.rules[2].when``."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += ("." if out else "") + seg
    return out


def item_segment(item: Any, index: int) -> str | int:
    """The path segment of a list item: its ``id`` when it has one, else its index."""
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
        return item["id"]
    return index


def item_segments(items: Sequence[Any]) -> list[str | int]:
    """Each list item's path segment: its id, or its index when it has none or repeats one.

    The second of two items with the same id is found by its index, so it has a path (and a
    line) of its own: a duplicate id is reported where the user must change it.

    Examples:
        >>> item_segments([{"id": "a"}, {"id": "b"}, {"id": "a"}, {"x": 1}])
        ['a', 'b', 2, 3]
    """
    if len(items) >= _FAST_ITEMS:
        ids = distinct_ids(items)
        if ids is not None:
            fast: list[str | int] = list(ids)
            return fast
    seen: set[str] = set()
    out: list[str | int] = []
    for i, item in enumerate(items):
        seg = item_segment(item, i)
        if isinstance(seg, str) and seg in seen:
            seg = i
        elif isinstance(seg, str):
            seen.add(seg)
        out.append(seg)
    return out


#: Lists at least this long try :func:`distinct_ids` first (a 100,000-town list: 0.35 s -> 25 ms).
_FAST_ITEMS = 64


def distinct_ids(items: Sequence[Any]) -> list[str] | None:
    """The items' ids, if every item is a plain dict with a distinct non-empty text id; else None.

    Then the ids are the items' :func:`item_segments` (found without a Python loop of ours).

    Examples:
        >>> distinct_ids([{"id": "a"}, {"id": "b"}])
        ['a', 'b']
        >>> distinct_ids([{"id": "a"}, {"id": "a"}]) is None
        True
    """
    if set(map(type, items)) - {dict}:
        return None
    ids = [x.get("id") for x in items]
    if set(map(type, ids)) - {str}:
        return None
    distinct = set(ids)
    if len(distinct) != len(ids) or "" in distinct:
        return None
    return ids


def id_items(value: Any) -> list[tuple[str | int, dict[str, Any]]]:
    """(path segment, item) for each mapping in a list (``item_segments``); [] if no list."""
    if not isinstance(value, list):
        return []
    if len(value) >= _FAST_ITEMS and not set(map(type, value)) - {dict}:
        return list(zip(item_segments(value), value, strict=True))
    return [(seg, x) for seg, x in zip(item_segments(value), value, strict=True)
            if isinstance(x, dict)]


class _Converter:
    def __init__(self, file: str, loader: yaml.SafeLoader):
        self.file = file
        self.loader = loader
        self.nodes = 0
        self.expanded: set[int] = set()  # ids of the collection nodes converted so far
        self.in_alias = 0  # > 0 while re-expanding an aliased collection
        self.alias_values = 0
        self.locations: dict[PathKey, int] = {}
        self.problems: list[Problem] = []

    def fail(self, node: yaml.Node, path: PathKey, message: str) -> None:
        self.problems.append(
            Problem(self.file, node.start_mark.line + 1, format_path(path), message)
        )

    def convert(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig(
                node,
                f"the document expands to more than {MAX_NODES:,} values "
                "(YAML aliases that multiply?)",
            )
        if depth > MAX_DEPTH:
            raise _TooBig(node, f"nesting deeper than {MAX_DEPTH} levels")
        if self.in_alias:
            self.alias_values += 1
            if self.alias_values > MAX_ALIAS_VALUES:
                raise _TooBig(
                    node,
                    f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} values; "
                    "write the data out instead of multiplying it with aliases",
                )
        self.locations.setdefault(path, node.start_mark.line + 1)
        if node.tag not in _ALLOWED_TAGS:
            self.fail(
                node,
                path,
                f"YAML tag {node.tag!r} is not allowed; "
                "only plain data (maps, lists, strings, numbers, dates)",
            )
            return None
        if isinstance(node, yaml.CollectionNode):
            nid = id(node)
            if nid in self.expanded:
                return self._again(node, path, depth)
            self.expanded.add(nid)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.fail(key_node, path, "a mapping key must be a plain value")
                    continue
                key = self.convert(key_node, path, depth + 1)
                if not isinstance(key, str | int | float | bool) or key is None:
                    self.fail(key_node, path, f"invalid mapping key {key!r}")
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in out:
                    self.fail(key_node, (*path, key), f"duplicate key {key!r}")
                out[key] = self.convert(value_node, (*path, key), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            ids: set[str] = set()  # a repeated id's item is found by its index (item_segments)
            for i, item_node in enumerate(node.value):
                seg: str | int = i
                if isinstance(item_node, yaml.MappingNode):
                    for k, v in item_node.value:
                        if k.value == "id" and isinstance(v, yaml.ScalarNode) and v.value:
                            seg = v.value if v.value not in ids else i
                            ids.add(v.value)
                items.append(self.convert(item_node, (*path, seg), depth + 1))
            return items
        if node.tag == _STR_TAG:  # the constructor's str is the scalar's value; skip its dispatch
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.fail(node, path, f"invalid value: {exc}")
            return None

    def _again(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        """Convert an aliased collection once more, counting what it expands to."""
        self.expanded.discard(id(node))
        self.in_alias += 1
        try:
            return self.convert(node, path, depth)
        finally:
            self.in_alias -= 1
            self.expanded.add(id(node))


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str):
        self.node = node
        self.message = message


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cyclic garbage collector off (it is left as it was found).

    A large scenario is millions of small objects, and the collector's repeated passes over
    them while they are made cost more than making them (100,000 towns: reading ~3x slower
    with it on; validating and checking the loaded data ~1.4x). Loading creates no cycles
    that matter: what it leaves is freed by reference counting, or by the next collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_yaml(text: str, file: str) -> tuple[Any, Locations]:
    """Parse YAML text into plain Python data plus a map from value paths to lines.

    Raises:
        ScenarioError: on a syntax error, a disallowed tag, or input beyond the cost limits.
    """
    with collector_paused():
        data = fast_data(text, MAX_NODES, MAX_DEPTH, MAX_ALIAS_VALUES)
        if data is FALLBACK:
            return _parse_yaml(text, file)
        return data, LazyLocations(lambda: _locations(text, file))


def _locations(text: str, file: str) -> Locations:
    """The line of every value of ``text`` (which the fast reader has read without a problem)."""
    with collector_paused():
        try:
            return _parse_yaml(text, file)[1]
        except ScenarioError:  # cannot happen: both readers accept the same documents
            return {}


def _compose_fast(text: str) -> tuple[Any, yaml.Node | None] | None:
    """Compose with libyaml when available (several times faster), else None.

    Also None on any error, so that the pure-Python parser, whose messages users see, reports it.
    """
    cls = getattr(yaml, "CSafeLoader", None)
    if cls is None or not getattr(yaml, "__with_libyaml__", False):
        return None
    try:
        loader = cls(text)
    except UnicodeEncodeError:  # a lone surrogate (from a command-line --set, say)
        return None
    try:
        return loader, loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        loader.dispose()
        return None


def _parse_yaml(text: str, file: str) -> tuple[Any, Locations]:
    fast = _compose_fast(text)
    try:
        loader = fast[0] if fast is not None else yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # the pure-Python reader checks characters first
        c = exc.character
        what = f"U+{c if isinstance(c, int) else ord(c):04X}"
        at = text.count("\n", 0, exc.position) + 1
        raise ScenarioError(
            [Problem(file, at, "", f"character {what} is not allowed in YAML ({exc.reason})")]
        ) from None
    try:
        try:
            node = fast[1] if fast is not None else loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            what = " ".join(s for s in (exc.context, exc.problem) if s)
            raise ScenarioError([Problem(file, line, "", f"YAML syntax error: {what}")]) from None
        except yaml.YAMLError as exc:
            raise ScenarioError([Problem(file, None, "", f"YAML error: {exc}")]) from None
        except RecursionError:
            raise ScenarioError([Problem(file, None, "", "YAML nesting is too deep")]) from None
        if node is None:
            return None, {}
        conv = _Converter(file, loader)
        try:
            data = conv.convert(node, (), 0)
        except _TooBig as big:
            raise ScenarioError(
                [Problem(file, big.node.start_mark.line + 1, "", big.message)]
            ) from None
        if conv.problems:
            raise ScenarioError(conv.problems)
        return data, conv.locations
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> tuple[Any, Locations]:
    """Read a YAML file safely; every failure is a ScenarioError naming the file.

    Only regular files are read, and never more than ``MAX_FILE_BYTES`` (see
    :func:`sim.scenario.files.read_bounded`).
    """
    file = str(path)
    raw = read_bounded(path, MAX_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(file, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    return parse_yaml(text, file)
