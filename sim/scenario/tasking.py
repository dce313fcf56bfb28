"""Checks of unit tasking: the tags that rules, objectives and conditions name; dead rules.

A tag is declared by the units that carry it (``forces[].tags``, and ``tags`` of a timeline
event's ``add_units``). Errors: a tag no unit carries (with the closest tag), tags on a
faction-wide rule, ``before:`` / ``after:`` left where no base list placed the rule. Warnings,
which do not stop a run:

- a rule or objective whose tags no unit of its faction carries (it never applies);
- a unit rule after earlier enabled rules whose condition is always true (``when: true``, no
  ``when:``, constants only) for every unit the later rule applies to: it can never fire.

Like ``checks.py`` they run on the raw merged data, defensively (the schema reports wrong
types).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sim.scenario.actions import UNIT_ACTIONS
from sim.scenario.expr import FACTION, UNIT, ExprError, compile_condition
from sim.scenario.fields import ID_PATTERN
from sim.scenario.overrides import PLACEMENT_KEYS
from sim.scenario.problems import Problems, suggest
from sim.scenario.yamlio import PathKey, id_items

__all__ = ["check_tasking"]

Pairs = list[tuple[str | int, dict[str, Any]]]
#: unit actions whose rule can decline to give the order even when its condition holds
_GIVES_WAY = ("bridge", "raid")




def _tags(item: dict[str, Any]) -> list[str]:
    value = item.get("tags")
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _unit_tags(factions: Pairs, events: Pairs) -> dict[str, list[frozenset[str]]]:
    """Faction id -> the tag set of each of its units (at the start and arriving later)."""
    out: dict[str, list[frozenset[str]]] = {}
    for _, f in factions:
        if isinstance(f.get("id"), str):
            out.setdefault(f["id"], []).extend(frozenset(_tags(u))
                                               for _, u in id_items(f.get("forces")))
    for _, ev in events:
        for _, arrival in [*id_items(ev.get("add_units")), *id_items(ev.get("sortie"))]:
            if isinstance(arrival.get("faction"), str):
                out.setdefault(arrival["faction"], []).append(frozenset(_tags(arrival)))
    return out


def _tags_whole(factions: Pairs, events: Pairs) -> bool:
    """Every unit's, arrival's and sortie's ``tags`` (where given) is a list of valid ids."""
    units = [u for _, f in factions for _, u in id_items(f.get("forces"))]
    units += [a for _, ev in events for key in ("add_units", "sortie")
              for _, a in id_items(ev.get(key))]

    def whole(tags: Any) -> bool:
        return isinstance(tags, list) and all(
            isinstance(t, str) and re.fullmatch(ID_PATTERN, t) for t in tags)

    return all(whole(u.get("tags", [])) for u in units)


@dataclass(frozen=True)
class _Always:
    """An earlier enabled unit rule whose condition always holds, and its tags."""

    label: str
    tags: frozenset[str]


def check_tasking(factions: Pairs, events: Pairs, problems: Problems) -> None:
    """Add the tasking problems of the scenario's factions and events to ``problems``.

    Args:
        factions: (path segment, faction) pairs of the merged data's ``factions``.
        events: (path segment, event) pairs of its ``events``.
        problems: the collector.
    """
    by_faction = _unit_tags(factions, events)
    check = _Checker(problems, sorted({t for sets in by_faction.values() for s in sets
                                       for t in s}), _tags_whole(factions, events))
    for fseg, f in factions:
        fid = f.get("id")
        units = by_faction.get(fid, []) if isinstance(fid, str) else []
        base: PathKey = ("factions", fseg)
        objectives = f.get("objectives")
        for j, obj in enumerate(objectives if isinstance(objectives, list) else []):
            if isinstance(obj, dict) and _tags(obj):
                check.used((*base, "objectives", j, "tags"), _tags(obj), units, f"{fid}",
                           "objective")
        check.rules(base, f"{fid}", id_items(f.get("rules")), units)
    for eseg, ev in events:
        when = ev.get("when")
        if isinstance(when, str):
            try:
                cond = compile_condition(when, FACTION)
            except ExprError:
                continue  # the timeline reports it
            check.known_tags(("events", eseg, "when"), list(cond.tags))


class _Checker:
    """The checks of one scenario, against the tags its units carry (``known``, sorted)."""

    def __init__(self, problems: Problems, known: list[str], whole: bool = True) -> None:
        self.problems = problems
        self.known = known
        self.whole = whole  # False: some unit's tags are malformed (the schema says so)

    def known_tags(self, path: PathKey, tags: list[str]) -> bool:
        """Every tag is carried by some unit; report the others (an error each).

        Not checked while some unit's ``tags`` are malformed: its tags are unknown, and one
        mistake there would come back as an unknown tag wherever the tag is named.
        """
        if not self.whole:
            return False
        ok = True
        for k, tag in enumerate(tags):
            if tag not in self.known:
                listed = ", ".join(self.known[:10]) or "none"
                where = (*path, k) if path[-1] == "tags" else path
                self.problems.add(where, f"unknown tag {tag!r}{suggest(tag, self.known)}; "
                                         f"the units' tags: {listed}")
                ok = False
        return ok

    def used(self, path: PathKey, tags: list[str], units: list[frozenset[str]], fid: str,
             what: str) -> None:
        """Known tags, and some unit of the faction carries one (else a warning)."""
        if self.known_tags(path, tags) and all(u.isdisjoint(tags) for u in units):
            self.problems.warn(path, f"no unit of {fid} carries {_either(tags)}: this {what} "
                                     "never applies")

    def rules(self, base: PathKey, fid: str, rules: Pairs, units: list[frozenset[str]]
              ) -> None:
        """Tags, placement keys and shadowing of one faction's rules."""
        always: list[_Always] = []
        for i, (rseg, rule) in enumerate(rules):
            path: PathKey = (*base, "rules", rseg)
            for key in PLACEMENT_KEYS:
                if key in rule:
                    self.problems.add((*path, key), f"{key}: places a variant's rule among "
                                      "its base's rules; there is none to place it among "
                                      "here (not a variant, a faction the base does not "
                                      "have, or a rules list whose items do not all have ids)")
            action = rule.get("do")
            tags = _tags(rule)
            unit_rule = isinstance(action, str) and action in UNIT_ACTIONS
            if tags and not unit_rule:
                self.problems.add((*path, "tags"), f"tags restrict unit rules; {action!r} "
                                                   "is a faction-wide rule")
            elif tags:
                self.used((*path, "tags"), tags, units, fid, "rule")
            try:
                cond = compile_condition(rule.get("when", True), UNIT if unit_rule else FACTION)
            except ExprError:
                continue  # checks.py reports it
            self.known_tags((*path, "when"), list(cond.tags))
            if not unit_rule or rule.get("enabled", True) is False:
                continue
            mine = frozenset(tags)
            cover = _shadowed_by(mine, units, always)
            if cover:
                names = ", ".join(repr(a.label) for a in cover)
                one = len(cover) == 1
                self.problems.warn(path, f"this rule can never fire: earlier rule"
                                         f"{'' if one else 's'} {names} always "
                                         f"hold{'s' if one else ''} (when: true) for every "
                                         "unit it applies to")
            elif not cond.names and cond.evaluate(_NO_VALUES) and action not in _GIVES_WAY:
                # (a shadowed one adds none; a bridge rule gives way once its crossing is open,
                # a raid rule when it has no target)
                always.append(_Always(rseg if isinstance(rseg, str) else f"rules[{i}]", mine))


def _shadowed_by(
    tags: frozenset[str], units: list[frozenset[str]], always: list[_Always]
) -> list[_Always]:
    """The earlier always-true rules that leave no unit to a rule with ``tags`` ([]: none)."""
    if not always:
        return []
    for a in always:
        if not a.tags:
            return [a]
    if tags:
        covering = [a for a in always if not a.tags.isdisjoint(tags)]
        if tags <= frozenset().union(*(a.tags for a in covering)):
            return covering
    mine = [u for u in units if not tags or not tags.isdisjoint(u)]
    if not mine:
        return []
    used = [a for a in always if any(not a.tags.isdisjoint(u) for u in mine)]
    if all(any(not a.tags.isdisjoint(u) for a in used) for u in mine):
        return used
    return []


class _NoValues:
    """The context of a condition that names no variable nor function (never asked)."""

    def var(self, name: str) -> Any:
        raise KeyError(name)

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        raise KeyError(name)


_NO_VALUES = _NoValues()


def _either(tags: list[str]) -> str:
    quoted = [repr(t) for t in tags]
    return f"tag {quoted[0]}" if len(quoted) == 1 else "any of the tags " + ", ".join(quoted)
