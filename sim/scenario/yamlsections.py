"""Long lists of one-line flow mappings (``- {id: t1, lat: 47.5, ...}``), read without libyaml.

A 100,000-town file is 245,000 lines like ``  - {id: t00001, name: "Ashkir", lat: 44.12677}``
under ``towns:`` and ``highways:``; libyaml's event objects alone (two marks each, 2.7 million
events) cost 4.7 s of its 6 s. :func:`split_sections` takes such runs of lines out of the text,
leaving ``key: <placeholder>`` in their place, and :func:`read_items` reads their lines with
two regular expressions. Only a strict subset is taken: the key line is ``key:`` at column 0,
each item one line at the same indentation, keys plain words, values double- or single-quoted
text without escapes or a plain word or number (no flow indicators, anchors, tags, comments);
blank and comment-only lines may come between items. Anything else ends the run, and whatever
the subset cannot vouch for (a repeated key, a non-printable character, a key that is not
text) makes :func:`read_items` give up; :func:`sim.scenario.yamlfast.fast_data` then reads the
whole text with libyaml. The caller checks that each placeholder came back as the value of a
top-level key of a block mapping (so the key line was no part of a block scalar or flow
collection), and only then puts the items in its place.

A run is read as JSON when that gives the same items (:func:`_read_json`: each kind of line,
its keys and kinds of values, rewritten by one regular-expression substitution over the run,
then ``json.loads``; 100,000 towns 0.9 -> 0.47 s), else line by line (:func:`_read_lines`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["MIN_ITEMS", "Section", "read_items", "split_sections"]

#: Runs shorter than this stay in the text for libyaml (small files keep the one path).
MIN_ITEMS = 1000

_HEAD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): *")
_ITEM = re.compile(r"( +)- \{(.*)\} *")
_KEY = r"([A-Za-z_][A-Za-z0-9_]{0,99})"  # libyaml wants a key within 1024 characters
_END = r"(?= *(?:,|$))"
# quoted text without escapes, a plain decimal integer or fraction (as _number in yamlfast reads
# it: no leading zero, which YAML 1.1 reads as octal), any other plain word
_VALUE = (r"""(?:"([^"\\\n]*)"|'([^'\n]*)'|([-+]?(?:0|[1-9][0-9]*))""" + _END
          + r"|([-+]?[0-9]+\.[0-9]*)" + _END + r"|([-+.]?[A-Za-z0-9_][A-Za-z0-9_.+-]*))")
_PAIR = re.compile(rf" *{_KEY}: +{_VALUE} *(?:,|$)")
_PAIRS = re.compile(rf"(?: *{_KEY}: +{_VALUE} *,)* *{_KEY}: +{_VALUE} *")
_BLANK = re.compile(r" *(?:#.*)?")


class GiveUp(Exception):
    """The subset cannot vouch for a line: libyaml must read the whole text."""


@dataclass(frozen=True)
class Section:
    """One run of item lines taken out of the text.

    Attributes:
        key: the top-level key the run belongs to.
        placeholder: the plain word left in the text as the key's value.
        indent: the items' indentation.
        lines: the run's lines (items, blank and comment lines).
    """

    key: str
    placeholder: str
    indent: str
    lines: list[str]


def split_sections(text: str, min_items: int = MIN_ITEMS) -> tuple[str, list[Section]] | None:
    """The text with each long run of item lines replaced by a placeholder, and the runs.

    None when there is no run of ``min_items`` items or more.
    """
    if text.count("- {") < min_items:
        return None
    lines = text.split("\n")
    kept: list[str] = []
    sections: list[Section] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        kept.append(line)
        i += 1
        head = _HEAD.fullmatch(line) if line[:1].isalpha() or line[:1] == "_" else None
        if head is None or i >= n:
            continue
        first = _ITEM.fullmatch(lines[i])
        if first is None:
            continue
        indent, prefix = first.group(1), first.group(1) + "- {"
        j = i
        items = 0
        while j < n - 1:  # the last piece has no newline after it: libyaml reads it
            nxt = lines[j]
            if nxt.startswith(prefix):
                items += 1
            elif _BLANK.fullmatch(nxt) is None:
                break
            j += 1
        if items < min_items:
            continue
        placeholder = _placeholder(text, len(sections))
        if placeholder is None:
            return None
        kept[-1] = f"{head.group(1)}: {placeholder}"
        sections.append(Section(head.group(1), placeholder, indent, lines[i:j]))
        i = j
    if not sections:
        return None
    return "\n".join(kept), sections


def _placeholder(text: str, k: int) -> str | None:
    word = f"frontline_section_{k}_{len(text)}"
    return None if word in text else word


def read_items(section: Section, plain: Callable[[str], Any],
               texts: Callable[[Iterable[str]], bool] | None = None) -> tuple[list[Any], int]:
    """The items of a run as plain data, and how many values they count as (keys included).

    Read as JSON when that is sure to give the same (:func:`_read_json`), else line by line.

    Args:
        section: the run.
        plain: a plain scalar's value, as the full converter constructs it.
        texts: whether every one of some plain words reads as itself, text (the same as
            asking ``plain`` of each; by default, that is what is done).

    Raises:
        GiveUp: a line outside the subset.
    """
    fast = _read_json(section, plain, texts or (lambda words: all(
        _as_itself(w, plain) for w in words)))
    return fast if fast is not None else _read_lines(section, plain)


def _read_lines(section: Section, plain: Callable[[str], Any]) -> tuple[list[Any], int]:
    """:func:`read_items` line by line: two regular expressions and a Python loop per line."""
    items: list[dict[str, Any]] = []
    append = items.append
    words: dict[str, Any] = {}  # other plain words seen (ids, names), constructed once each
    keys: set[str] = set()
    item_match, pairs_match, find_pairs = _ITEM.fullmatch, _PAIRS.fullmatch, _PAIR.findall
    blank = _BLANK.fullmatch
    indent = section.indent
    values = 0
    for line in section.lines:
        m = item_match(line)
        if m is None:
            if blank(line) is None or not line.isprintable():
                raise GiveUp
            continue
        content = m.group(2)
        if m.group(1) != indent or pairs_match(content) is None or not content.isprintable():
            raise GiveUp
        item: dict[str, Any] = {}
        pairs = find_pairs(content)
        for key, dq, sq, whole, fraction, word in pairs:
            if key not in keys:
                if plain(key) != key or type(plain(key)) is not str:
                    raise GiveUp
                keys.add(key)
            if word:
                value = words.get(word, words)
                if value is words:
                    value = words[word] = plain(word)
            elif whole:
                value = int(whole)
            elif fraction:
                value = float(fraction)
            else:
                value = dq or sq
            item[key] = value
        if len(item) != len(pairs):
            raise GiveUp  # a repeated key: the full converter reports it
        values += 1 + 2 * len(pairs)
        append(item)
    return items, values


# ------------------------------------------------------------------ the run as JSON
#: A run whose item lines need more templates than this is read line by line.
MAX_TEMPLATES = 8

_ITEM_START = re.compile(r"\n +- \{")
_COMMENT_LINE = re.compile(r"^ *#.*$", re.MULTILINE)
_WHOLE_ANY = r"[-+]?(?:0|[1-9][0-9]*)"  # what _VALUE reads as an int, and as a float:
_FRACTION_ANY = r"[-+]?[0-9]+\.[0-9]*"
_JSON_WHOLE = re.compile(r"-?(?:0|[1-9][0-9]*)")  # ... the same texts that JSON reads alike
_JSON_FRACTION = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")
_WORD_CHARS = r"[-+.]?[A-Za-z0-9_][A-Za-z0-9_.+-]*"


@dataclass(frozen=True)
class _Template:
    """The item lines with one line's keys, in its order, and its kinds of values.

    ``pattern`` matches (as a whole line) exactly the lines that :func:`_read_lines` reads as
    an item of these keys, each value of the same kind (text, a word, an int, a float), and
    whose values JSON reads alike (no ``+`` sign, no leading zero, digits after a dot, no
    ``"`` or backslash in single quotes); ``json`` is that line as a JSON object and a comma.
    """

    keys: tuple[str, ...]
    words: tuple[str, ...]  # the keys whose values are plain words (resolved like YAML's)
    pattern: re.Pattern[str]
    json: str


def _template(line: str, indent: str, plain: Callable[[str], Any]) -> _Template | None:
    """The template of an item line, or None if JSON cannot read such lines alike."""
    item = _ITEM.fullmatch(line)
    if item is None or item.group(1) != indent or _PAIRS.fullmatch(item.group(2)) is None:
        return None
    pairs = list(_PAIR.finditer(item.group(2)))
    keys = tuple(m.group(1) for m in pairs)
    if len(set(keys)) != len(keys) or not all(_as_itself(k, plain) for k in keys):
        return None
    parts, out, words = [], [], []
    for n, (key, m) in enumerate(zip(keys, pairs, strict=True), start=1):
        end = r"(?= *,)" if n < len(keys) else r"(?= *\} *(?:\n|\Z))"
        dq, sq, whole, fraction, word = m.group(2, 3, 4, 5, 6)
        if dq is not None:
            value, shown = r'"([^"\\\n]*)"', f'"\\g<{n}>"'
        elif sq is not None and '"' not in sq and "\\" not in sq:
            value, shown = r"""'([^'\n"\\]*)'""", f'"\\g<{n}>"'
        elif whole is not None and _JSON_WHOLE.fullmatch(whole):
            value, shown = rf"(-?(?:0|[1-9][0-9]*)){end}", f"\\g<{n}>"
        elif fraction is not None and _JSON_FRACTION.fullmatch(fraction):
            value, shown = rf"(-?(?:0|[1-9][0-9]*)\.[0-9]+){end}", f"\\g<{n}>"
        elif word is not None:
            value = rf"(?!{_WHOLE_ANY}{end})(?!{_FRACTION_ANY}{end})({_WORD_CHARS})"
            shown = f'"\\g<{n}>"'
            words.append(key)
        else:
            return None
        parts.append(rf" *{key}: +{value} *" + ("," if n < len(keys) else ""))
        out.append(f'"{key}": {shown}')
    # "\n" first, not "^" (multi-line): a pattern that starts with text is looked for by
    # that text, several times faster than trying the pattern at every line
    pattern = re.compile(r"\n" + re.escape(indent) + r"- \{" + "".join(parts)
                         + r"\} *(?=\n|\Z)")
    return _Template(keys, tuple(words), pattern, "\n{" + ", ".join(out) + "},")


def _read_json(section: Section, plain: Callable[[str], Any],
               texts: Callable[[Iterable[str]], bool]) -> tuple[list[Any], int] | None:
    """:func:`read_items` by turning the run into a JSON array; None if unsure (or GiveUp).

    Each kind of item line (its keys and kinds of values, :class:`_Template`) is rewritten
    into a JSON object by one regular-expression substitution over the whole run, comment
    lines are dropped, and ``json.loads`` reads the array. None (the caller reads the lines
    one by one, which also words any problem) when a line is not printable, an item line
    fits no template, more than ``MAX_TEMPLATES`` kinds are needed, or a plain word does not
    read as itself (a ``yes``, a date, a ``null``).
    """
    lines = section.lines
    if not "".join(lines).isprintable():
        return None
    text = "\n" + "\n".join(lines)  # each line after a newline, as the templates look for
    templates: list[_Template] = []
    values = 0
    while (start := _ITEM_START.search(text)) is not None:
        if len(templates) == MAX_TEMPLATES:
            return None
        end = text.find("\n", start.start() + 1)
        tmpl = _template(text[start.start() + 1:end if end >= 0 else len(text)],
                         section.indent, plain)
        if tmpl is None:
            return None
        text, count = tmpl.pattern.subn(tmpl.json, text)
        if not count:
            return None
        values += count * (1 + 2 * len(tmpl.keys))
        templates.append(tmpl)
    if "#" in text:
        text = _COMMENT_LINE.sub("", text)
    body = text.rstrip()
    try:
        items = json.loads("[" + body[:-1] + "]") if body.endswith(",") else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(items, list):
        return None
    for key in {k for t in templates for k in t.words}:
        # (with the quoted text of the same key in other kinds of line: asked needlessly)
        if not texts({v for item in items if type(v := item.get(key)) is str}):
            return None
    return items, values


def _as_itself(word: str, plain: Callable[[str], Any]) -> bool:
    value = plain(word)
    return type(value) is str and value == word
