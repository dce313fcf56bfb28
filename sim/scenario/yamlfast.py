"""The fast YAML reader: libyaml's event stream straight to plain data, without line numbers.

:func:`fast_data` builds the same plain data as :mod:`sim.scenario.yamlio`'s converter, but
from libyaml's event stream instead of a composed node tree, and records no line numbers: a
100,000-town file is 2.5 million values, and the node tree (two ``Mark`` objects and a
``__dict__`` per value) peaked at 0.9 GB while the paths and lines of every value took a third
of the load. Lines are computed afterwards, only if a problem needs one
(:class:`LazyLocations`, which runs the full converter on the same text).

The fast reader accepts only what the full converter accepts without a problem and gives up
(returns :data:`FALLBACK`) on anything else: a syntax error, a disallowed tag, a duplicate key
or anchor, an alias to an unfinished collection, a value that does not construct, a key that
is not a plain scalar, or a document near the size, depth or alias limits. The caller then runs
the full converter, whose messages and lines users see; so results and messages are the same
either way (tests/test_yaml_fast.py compares the two on generated documents).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import yaml

from sim.scenario.yamlsections import MIN_ITEMS, GiveUp, Section, read_items, split_sections

__all__ = ["FALLBACK", "LazyLocations", "fast_data"]

PathKey = tuple[str | int, ...]

#: Returned by :func:`fast_data` when the full converter must read the text.
FALLBACK: Any = object()

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIME = (
    _T + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP, _SEQ = _T + "map", _T + "seq"
_NOKEY: Any = object()


class _GiveUp(Exception):
    """The fast reader cannot be sure; the full converter must decide."""


def _libyaml() -> type | None:
    cls = getattr(yaml, "CSafeLoader", None)
    return cls if cls is not None and getattr(yaml, "__with_libyaml__", False) else None


def fast_data(text: str, max_nodes: int, max_depth: int, max_alias_values: int,
              min_items: int = MIN_ITEMS) -> Any:
    """The plain data of a YAML document, or :data:`FALLBACK` if the full converter must run.

    Long runs of one-line flow mappings (the towns and highways of a big map) are read by
    :mod:`sim.scenario.yamlsections` and the rest by libyaml; if that cannot vouch for the
    result, libyaml reads the whole text.

    Args:
        text: the document.
        max_nodes: the full converter's limit on values (keys and alias expansions included).
        max_depth: its limit on nesting.
        max_alias_values: its limit on values produced by re-expanding aliases.
        min_items: the shortest run read apart from libyaml (0: none).
    """
    cls = _libyaml()
    if cls is None:
        return FALLBACK
    limits = (max_nodes, max_depth, max_alias_values)
    split = split_sections(text, min_items) if min_items and max_depth > 2 else None
    if split is not None:
        data = _read(cls, split[0], limits, split[1])
        if data is not FALLBACK:
            return data
    return _read(cls, text, limits, [])


def _read(cls: type, text: str, limits: tuple[int, int, int], sections: list[Section]) -> Any:
    """Libyaml's reading of ``text``, with each section's items in its placeholder's place."""
    try:
        loader = cls(text)
    except UnicodeEncodeError:  # a lone surrogate: the full reader reports it
        return FALLBACK
    try:
        stream = _Stream(loader, *limits)
        data = stream.document()
        if not sections:
            return data
        if not stream.block_root:
            return FALLBACK
        nodes = stream.nodes
        for section in sections:
            if data.get(section.key) != section.placeholder:
                return FALLBACK  # the key line was part of something else
            items, values = read_items(section, stream.plain, stream.texts)
            nodes += values
            if nodes > limits[0]:
                return FALLBACK
            data[section.key] = items
        return data
    except (_GiveUp, GiveUp, yaml.YAMLError, ValueError, OverflowError, TypeError,
            RecursionError):
        return FALLBACK
    finally:
        loader.dispose()


_STRING, _WORD, _NUMBER, _OTHER = object(), object(), object(), object()


def _digits(text: str) -> bool:
    return text.isdigit() and text.isascii()


def _number(value: str) -> int | float | None:
    """A plain decimal integer or fraction (``-12``, ``35.25``) as YAML 1.1 resolves it.

    None for anything else (octal, hex, sexagesimal, exponents, underscores, ``.5``), which the
    resolver and constructor handle. Digits alone resolve as an int (the float pattern needs a
    dot, the timestamp pattern dashes); digits, a dot and digits as a float, and
    ``construct_yaml_float``'s ``sign * float(rest)`` is the same float as ``float(value)``.
    """
    body = value[1:] if value[0] in "-+" else value
    if _digits(body):
        return int(value) if body[0] != "0" or len(body) == 1 else None
    whole, dot, frac = body.partition(".")
    if dot and _digits(whole) and (not frac or _digits(frac)):
        return float(value)
    return None


def _height(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((max(1, _height(v)) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_height(v) for v in value), default=0)
    return 0


class _Stream:
    def __init__(self, loader: Any, max_nodes: int, max_depth: int, max_alias: int):
        self.loader = loader
        self.max_nodes, self.max_depth, self.max_alias = max_nodes, max_depth, max_alias
        keys = loader.yaml_implicit_resolvers
        if None in keys or loader.yaml_path_resolvers:
            raise _GiveUp
        resolver = loader.resolve
        self.resolve: Callable[[str, Any], str] = lambda v, i: resolver(yaml.ScalarNode, v, i)
        # what the first character of a plain scalar says: a string if it starts no implicit
        # resolver; a possible boolean or null word; a possible number; anything else resolves
        self.first_kind: dict[str, object] = {}
        for first, pairs in keys.items():
            tags = {tag for tag, _ in pairs}
            if tags <= {_BOOL, _NULL} and first:
                self.first_kind[first] = _WORD
            elif tags <= {_INT, _FLOAT, _TIME} and first in "0123456789-+":
                self.first_kind[first] = _NUMBER
            else:
                self.first_kind[first] = _OTHER
        self.short: dict[str, str] = {}
        self.nodes = 0  # values read (keys and alias expansions included)
        self.block_root = False  # the document is a block mapping
        self.constructors: dict[str, Callable[[Any, Any], Any]] = {
            _BOOL: loader.yaml_constructors[_BOOL],
            _NULL: loader.yaml_constructors[_NULL],
            _TIME: loader.yaml_constructors[_TIME],
            _INT: loader.yaml_constructors[_INT],
            _FLOAT: loader.yaml_constructors[_FLOAT],
            _STR: loader.yaml_constructors[_STR],
        }

    def scalar(self, event: Any) -> Any:
        """The value of a scalar event, as the full converter constructs it."""
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value  # quoted, or the non-specific tag "!": a string
            tag = self.plain_tag(value, event.implicit)
            if tag is None:
                return value
            if type(tag) is not str:
                return tag  # a number
        return self.construct(tag, value)

    def plain(self, value: str) -> Any:
        """The value of a plain scalar without a tag (``implicit`` is ``(True, False)``)."""
        tag = self.plain_tag(value, (True, False))
        if tag is None:
            return value
        return tag if type(tag) is not str else self.construct(tag, value)

    def texts(self, words: Iterable[str]) -> bool:
        """Whether every one of ``words`` (plain scalars) reads as itself, as text.

        The same as asking :meth:`plain` of each, with the words :meth:`plain_tag` calls text
        at once (the first character starts no resolver's pattern, or a long word where only
        booleans and nulls could start) not asked.
        """
        kinds, plain = self.first_kind, self.plain
        for word in words:
            kind = kinds.get(word[:1], _STRING)
            if kind is _STRING or (kind is _WORD and len(word) > 5 and word[-1] != "\n"):
                continue
            value = plain(word)
            if type(value) is not str or value != word:
                return False
        return True

    def plain_tag(self, value: str, implicit: tuple[bool, bool]) -> Any:
        """A plain scalar's tag; None for a string, the number itself for a plain number."""
        kind = self.first_kind.get(value[:1], _STRING)
        if kind is _STRING:
            return None
        if kind is _WORD:
            # booleans and nulls are at most 5 characters (FALSE); anything longer is text
            if len(value) > 5 and value[-1] != "\n":
                return None
            tag = self.short.get(value)
            if tag is None:
                tag = self.short[value] = self.resolve(value, implicit)
        else:
            number = _number(value) if kind is _NUMBER else None
            if number is not None:
                return number
            tag = self.resolve(value, implicit)
        return None if tag == _STR else tag

    def construct(self, tag: str, value: str) -> Any:
        """A scalar of ``tag`` as the loader's constructor makes it (only the allowed tags)."""
        if tag == _STR:
            return value
        make = self.constructors.get(tag)
        if make is None:
            raise _GiveUp  # another tag, or a collection tag on a scalar
        return make(self.loader, yaml.ScalarNode(tag, value))

    def document(self) -> Any:
        get = self.loader.get_event
        if type(get()) is not yaml.StreamStartEvent:
            raise _GiveUp
        first = get()
        if type(first) is yaml.StreamEndEvent:
            return None
        if type(first) is not yaml.DocumentStartEvent:
            raise _GiveUp
        head = self.loader.peek_event()
        self.block_root = type(head) is yaml.MappingStartEvent and head.flow_style is False
        root = self.content(get)
        if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
            raise _GiveUp  # more than one document: the full reader says so
        return root

    def content(self, get: Callable[[], Any]) -> Any:
        ScalarEvent, AliasEvent = yaml.ScalarEvent, yaml.AliasEvent
        MappingStartEvent, SequenceStartEvent = yaml.MappingStartEvent, yaml.SequenceStartEvent
        MappingEndEvent, SequenceEndEvent = yaml.MappingEndEvent, yaml.SequenceEndEvent
        scalar = self.scalar
        # frames: [container, pending key, anchor, values before it, is a mapping]
        stack: list[list[Any]] = []
        anchors: dict[str, tuple[Any, int]] = {}
        opened: set[str] = set()
        nodes = alias_values = 0
        max_nodes, max_depth = self.max_nodes, self.max_depth
        while True:
            event = get()
            kind = type(event)
            top = stack[-1] if stack else None
            as_key = top is not None and top[4] and top[1] is _NOKEY
            if kind is ScalarEvent:
                nodes += 1
                obj = scalar(event)
                if event.anchor is not None:
                    if event.anchor in anchors or event.anchor in opened:
                        raise _GiveUp
                    anchors[event.anchor] = (obj, 1)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if as_key or len(stack) >= max_depth:
                    raise _GiveUp
                is_map = kind is MappingStartEvent
                tag = event.tag
                if tag is not None and tag != "!" and tag != (_MAP if is_map else _SEQ):
                    raise _GiveUp
                anchor = event.anchor
                if anchor is not None:
                    if anchor in anchors or anchor in opened:
                        raise _GiveUp
                    opened.add(anchor)
                nodes += 1
                stack.append([{} if is_map else [], _NOKEY, anchor, nodes - 1, is_map])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                obj = frame[0]
                if frame[2] is not None:
                    opened.discard(frame[2])
                    anchors[frame[2]] = (obj, nodes - frame[3])
                top = stack[-1] if stack else None
                as_key = False
            elif kind is AliasEvent:
                if as_key or event.anchor not in anchors:
                    raise _GiveUp  # undefined, or an alias to a collection still open
                value, count = anchors[event.anchor]
                nodes += count
                if isinstance(value, dict | list):
                    alias_values += count
                    if alias_values > self.max_alias or len(stack) + _height(value) > max_depth:
                        raise _GiveUp
                    obj = copy.deepcopy(value)
                else:
                    obj = value
            else:
                raise _GiveUp
            if nodes > max_nodes:
                raise _GiveUp
            if top is None:
                self.nodes = nodes
                return obj
            if not top[4]:
                top[0].append(obj)
            elif top[1] is _NOKEY:
                if obj is None or not isinstance(obj, str | int | float | bool):
                    raise _GiveUp
                key = obj if isinstance(obj, str) else str(obj)
                if key in top[0]:
                    raise _GiveUp
                top[1] = key
            else:
                top[0][top[1]] = obj
                top[1] = _NOKEY


class LazyLocations(Mapping[PathKey, int]):
    """The line of every value of a YAML text, computed on first use.

    Args:
        compute: returns the locations (the full converter's); called at most once.
    """

    def __init__(self, compute: Callable[[], Mapping[PathKey, int]]):
        self._compute: Callable[[], Mapping[PathKey, int]] | None = compute
        self._locations: Mapping[PathKey, int] = {}

    def _get(self) -> Mapping[PathKey, int]:
        if self._compute is not None:
            compute, self._compute = self._compute, None
            self._locations = compute()
        return self._locations

    def __getitem__(self, key: PathKey) -> int:
        return self._get()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._get()

    def __iter__(self) -> Iterator[PathKey]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
