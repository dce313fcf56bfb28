r"""The problem collector every file loader shares: located problems, suggestions, one error.

A loader (scenario, sweep, observed events, calibration, ...) creates one :class:`Problems`
for the file it reads, adds every problem it finds with the path of the offending value, and
at the end calls :meth:`Problems.raise_if_errors`: the user gets one
:class:`~sim.errors.ScenarioError` listing every problem as ``file:line: path: message``.
Warnings are collected the same way and do not stop a load.

Examples:
    >>> from sim.scenario.yamlio import parse_yaml
    >>> data, lines = parse_yaml("format: 1\ndays: 0\nmetrics: [capture_dya]\n", "s.yaml")
    >>> problems = Problems.in_file("s.yaml", lines)
    >>> problems.add(("days",), "must be at least 1")
    >>> name = data["metrics"][0]
    >>> problems.add(("metrics", 0), f"unknown metric {name!r}"
    ...              f"{suggest(name, ['capture_day', 'towns_held'])}")
    >>> problems.warn(("format",), "format 1 is the only one")
    >>> problems.raise_if_errors()
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: 2 problems found:
      s.yaml:1: format: warning: format 1 is the only one
      s.yaml:2: days: must be at least 1
      s.yaml:3: metrics[0]: unknown metric 'capture_dya' (did you mean 'capture_day'?)

Pydantic models validate through the collector, which turns each of pydantic's errors into a
located problem (list indices become ids where the list's items have them):

    >>> from pydantic import BaseModel, ConfigDict
    >>> class Run(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     days: int = 1
    >>> problems = Problems.in_file("r.yaml", {})
    >>> problems.validate(Run, {"dyas": 3}) is None
    True
    >>> [str(p) for p in problems.errors]
    ["r.yaml: dyas: unknown field (did you mean 'days'?)"]
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.yamlio import Locations, PathKey, format_path, item_segments

__all__ = ["Problems", "SourceMap", "pydantic_problems", "strip_type", "suggest"]

M = TypeVar("M", bound=BaseModel)


def suggest(name: Any, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the option closest to ``name``, or ``""`` if none is close.

    Examples:
        >>> suggest("strenght", ["strength", "morale"])
        " (did you mean 'strength'?)"
        >>> suggest("zzz", ["strength"])
        ''
    """
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass
class SourceMap:
    """Where each value of a (possibly merged) document came from.

    Attributes:
        layers: (file, locations) pairs, the top layer first: a ``--set`` override, then the
            file, then the base it ``extends:``. A path is located in the first layer that
            defines it (or its nearest defined parent).
    """

    layers: list[tuple[str, Locations]] = field(default_factory=list)

    def locate(self, path: PathKey) -> tuple[str, int | None]:
        """File and line of the deepest part of ``path`` that some layer defines."""
        for n in range(len(path), -1, -1):
            prefix = path[:n]
            for file, locs in self.layers:
                if prefix in locs:
                    return file, locs[prefix] or None
        return (self.layers[-1][0] if self.layers else "<scenario>"), None

    def problem(self, path: PathKey, message: str, severity: str = "error") -> Problem:
        """A Problem located at ``path``."""
        file, line = self.locate(path)
        # line 0 marks a value with no line (a --set override): print "--set: path", not "--set:0"
        return Problem(file, line, format_path(path), message, severity)


class Problems:
    """Collects the problems of one input, located by path, and raises them together.

    Args:
        sources: where the document's values came from (see :class:`SourceMap`); use
            :meth:`in_file` for a single file.
    """

    def __init__(self, sources: SourceMap):
        self.sources = sources
        self.items: list[Problem] = []

    @classmethod
    def in_file(cls, file: str, locations: Locations) -> Problems:
        """A collector for one file whose value lines are ``locations`` (from ``read_yaml``)."""
        return cls(SourceMap([(file, locations)]))

    def add(self, path: PathKey, message: str, severity: str = "error") -> None:
        """Record a problem at ``path`` (a tuple of keys, ids and indices)."""
        self.items.append(self.sources.problem(path, message, severity))

    def duplicate(self, path: PathKey, first: PathKey, what: str, why: str = "") -> None:
        """Report a repeated id at ``path`` (the later item, the one to change), naming the first.

        Args:
            path: the repeated id (``item_segments`` finds the later item by its index).
            first: the item that has the id first.
            what: e.g. ``event id 'x'``.
            why: appended after a semicolon (e.g. what the id is used for).
        """
        file, line = self.sources.locate(first)
        here, _ = self.sources.locate(path)
        at = "" if line is None else f", line {line}" if file == here else f", {file}:{line}"
        self.add(path, f"duplicate {what} (first at {format_path(first)}{at})"
                       + (f"; {why}" if why else ""))

    def warn(self, path: PathKey, message: str) -> None:
        """Record a warning: shown to the user, does not stop the load."""
        self.add(path, message, "warning")

    def extend(self, problems: Iterable[Problem]) -> None:
        """Add problems located elsewhere (e.g. in a scenario a sweep file names)."""
        self.items.extend(problems)

    def validate(
        self, cls: type[M], data: Any, path: PathKey = (), context: dict[str, Any] | None = None
    ) -> M | None:
        """``cls`` validated from ``data`` (found at ``path``), or None with its problems added."""
        try:
            return cls.model_validate(data, context=context)
        except ValidationError as exc:
            for sub, message in pydantic_problems(exc, cls, data):
                self.add((*path, *sub), message)
            return None

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop a load."""
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that do not."""
        return [p for p in self.items if p.severity != "error"]

    def error(self) -> ScenarioError:
        """The error carrying every problem collected (to ``raise``)."""
        return ScenarioError(self.items)

    def raise_if_errors(self) -> None:
        """Raise :meth:`error` if any problem is an error.

        Raises:
            ScenarioError: with every problem (warnings included), sorted by file and line.
        """
        if self.errors:
            raise self.error()


# ------------------------------------------------------------------ pydantic errors
def pydantic_problems(
    exc: ValidationError, cls: type[BaseModel], data: Any
) -> list[tuple[PathKey, str]]:
    """Each of pydantic's errors as (path in ``data``, message for a user)."""
    out = []
    segments: dict[int, list[str | int]] = {}  # id() of a list -> its item_segments
    for err in exc.errors(include_url=False):
        path, model, tag = _walk(cls, data, err["loc"], segments)
        kind = err["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            out.append(_tag_problem(path, err))
        elif kind == "extra_forbidden":
            name = str(path[-1]) if path else ""
            fields = _field_names(model) if model else []
            if tag is not None and len(path) >= 2 and path[-2] == "with":
                valid = ", ".join(fields) or "none"
                out.append((path, f"{tag} has no parameter {name!r}{suggest(name, fields)} "
                                  f"(valid: {valid})"))
            else:
                out.append((path, "unknown field" + suggest(name, fields)))
        else:
            out.append((path, _message(err)))
    return out


def _tag_problem(path: PathKey, err: Any) -> tuple[PathKey, str]:
    key = str(err.get("ctx", {}).get("discriminator", "")).strip("'")
    if err["type"] == "union_tag_not_found":
        return (*path, key), "required field is missing"
    expected = err["ctx"]["expected_tags"]
    tag = err["ctx"]["tag"]
    options = [t.strip().strip("'") for t in expected.split(",")]
    return (*path, key), f"input should be {_or(expected)}, got {tag!r}{suggest(tag, options)}"


def _or(expected: str) -> str:
    parts = [p.strip() for p in expected.split(",")]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {err.get('input')!r}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if "#" in pattern:
            return f"{err.get('input')!r} is not a #rrggbb colour"
        if pattern.startswith("^[a-z]"):
            return (
                f"{err.get('input')!r} is not a valid id (lower-case letters, digits and single "
                "underscores, starting with a letter)"
            )
    value = err.get("input")
    return str(err["msg"]) if isinstance(value, dict | list) else f"{err['msg']} (got {value!r})"


def _walk(
    cls: type[BaseModel], data: Any, loc: tuple[Any, ...], segments: dict[int, list[str | int]]
) -> tuple[PathKey, type[BaseModel] | None, str | None]:
    """Pydantic's location as our path, the model holding its last part, and the last union tag.

    List indices become the item's id when it has one; union tags, which pydantic inserts in
    its locations, are dropped; field names become aliases (``from_`` -> ``from``).
    ``segments`` caches each list's :func:`~sim.scenario.yamlio.item_segments`.
    """
    path: list[str | int] = []
    node: Any = data
    ann: Any = cls
    tag: str | None = None
    parent: type[BaseModel] | None = None
    for seg in loc:
        if isinstance(seg, str) and seg.startswith(("function-", "tagged-", "literal[")):
            continue
        variants = _union_models(ann)
        if variants and isinstance(seg, str) and seg in variants:
            ann, tag = variants[seg], seg  # a discriminated union's tag: not part of the path
            continue
        model = parent = _model_of(ann)
        if model is not None and isinstance(seg, str):
            fld = model.model_fields.get(seg)
            if fld is None:
                fld = next((f for f in model.model_fields.values() if f.alias == seg), None)
            key = (fld.alias or seg) if fld is not None else seg
            ann = fld.annotation if fld is not None else None
            path.append(key)
            node = node.get(key) if isinstance(node, dict) else None
            continue
        if isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            if id(node) not in segments:
                segments[id(node)] = item_segments(node)
            path.append(segments[id(node)][seg])
            node = node[seg]
        else:
            path.append(seg if isinstance(seg, str | int) else str(seg))
            node = node.get(seg) if isinstance(node, dict) else None
        ann = _element(ann, seg)
    return tuple(path), parent, tag


def strip_type(ann: Any) -> Any:
    """``ann`` without Annotated and Optional wrappers (a union of several types stays one)."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) != 1:
                return ann
            ann = args[0]
        else:
            return ann


def _model_of(ann: Any) -> type[BaseModel] | None:
    ann = strip_type(ann)
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _union_models(ann: Any) -> dict[str, type[BaseModel]]:
    """Tag -> model for a discriminated union of models (tags from each model's literal)."""
    ann = strip_type(ann)
    if typing.get_origin(ann) not in (typing.Union, types.UnionType):
        return {}
    out = {}
    for arg in typing.get_args(ann):
        model = _model_of(arg)
        if model is None:
            continue
        for fld in model.model_fields.values():
            if typing.get_origin(fld.annotation) is typing.Literal:
                for value in typing.get_args(fld.annotation):
                    out[str(value)] = model
    return out


def _element(ann: Any, seg: Any) -> Any:
    """The annotation of an item of a list or dict annotation."""
    ann = strip_type(ann)
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]
