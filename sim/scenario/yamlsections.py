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
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def read_items(section: Section, plain: Callable[[str], Any]) -> tuple[list[Any], int]:
    """The items of a run as plain data, and how many values they count as (keys included).

    Args:
        section: the run.
        plain: a plain scalar's value, as the full converter constructs it.

    Raises:
        GiveUp: a line outside the subset.
    """
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
