"""Cross-reference checks of a scenario that a schema alone cannot express.

They run on the raw merged data, defensively, so that they report alongside schema errors
(``frontline validate`` shows every problem at once).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sim.errors import Problem
from sim.scenario import bigchecks
from sim.scenario.expr import FACTION, UNIT, ExprError, compile_condition
from sim.scenario.overrides import apply_override, parse_path
from sim.scenario.problems import Problems, SourceMap
from sim.scenario.problems import suggest as _suggest
from sim.scenario.rivers import check_bridge_rules, check_rivers, crossing_ids
from sim.scenario.schema import ACTION_PARAMS, FACTION_ACTIONS, TOWN_PARAMS
from sim.scenario.tasking import check_tasking
from sim.scenario.yamlio import PathKey, format_path, id_items

__all__ = ["check_scenario", "check_tunables", "faction_problems"]

MAX_LISTED = 10  # towns named in one message; the rest are counted


def _list(data: Any, key: str) -> list[Any]:
    """``data[key]`` if it is a list, else [] (the schema reports the wrong type)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _items(data: Any, key: str) -> list[tuple[str | int, dict[str, Any]]]:
    """(path segment, item) for each mapping in the list ``data[key]``."""
    return id_items(data.get(key) if isinstance(data, dict) else None)


def check_scenario(data: dict[str, Any], problems: Problems) -> None:
    """Add every cross-reference problem in ``data`` (the merged plain data) to ``problems``."""
    before = len(problems.items)
    bad = problems.add

    towns = _items(data, "towns")
    factions = _items(data, "factions")
    town_ids = [t["id"] for _, t in towns if isinstance(t.get("id"), str)]
    faction_ids = [f["id"] for _, f in factions if isinstance(f.get("id"), str)]
    town_set, faction_set = set(town_ids), set(faction_ids)
    # When a section is broken (not a list, or items without ids: the schema reports it),
    # references into it are not checked: one structural mistake in a variant would otherwise
    # come back as an "unknown town" for every road of the base.
    towns_whole, factions_whole = _whole(data, "towns"), _whole(data, "factions")

    def need_town(path: PathKey, value: Any) -> bool:
        if not towns_whole:
            return False
        if isinstance(value, str) and value not in town_set:
            bad(path, f"unknown town {value!r}{_suggest(value, town_ids)}")
            return False
        return isinstance(value, str)

    def need_faction(path: PathKey, value: Any) -> bool:
        if not factions_whole:
            return False
        if isinstance(value, str) and value not in faction_set:
            bad(path, f"unknown faction {value!r}{_suggest(value, faction_ids)}")
            return False
        return isinstance(value, str)

    for key, items in (
        ("towns", towns),
        ("factions", factions),
        ("features", _items(data, "features")),
    ):
        _duplicates(key, items, problems)
    all_units = [
        (("factions", fseg, "forces", useg), u.get("id"))
        for fseg, f in factions
        for useg, u in _items(f, "forces")
    ]
    seen: dict[Any, PathKey] = {}
    for path, uid in all_units:
        if isinstance(uid, str):
            if uid in seen:
                other = seen[uid][:2] != path[:2]
                problems.duplicate((*path, "id"), seen[uid], f"unit id {uid!r}",
                                   "unit ids are unique across factions" if other else "")
            seen.setdefault(uid, path)

    big = len(towns) >= bigchecks.FAST_FROM and towns_whole and factions_whole
    fast_controller = bigchecks.controllers(towns, faction_set) if big else None
    controller: dict[str, str | None] = fast_controller or {}
    for seg, t in towns if fast_controller is None else ():
        c = t.get("controller")
        if c is not None:
            need_faction(("towns", seg, "controller"), c)
        if isinstance(t.get("id"), str):
            controller[t["id"]] = c if isinstance(c, str) else None
        garrison = t.get("garrison")
        if c is None and isinstance(garrison, int | float) and garrison > 0:
            bad(("towns", seg, "garrison"), "a town with no controller cannot have a garrison")

    roads = _list(data, "highways")
    ends = None
    if big and len(town_set) == len(town_ids):
        ends = bigchecks.road_ends(roads, {t: i for i, t in enumerate(town_ids)})
    edges: dict[frozenset[str], PathKey] = {}
    for i, h in enumerate(roads if ends is None else ()):
        if not isinstance(h, dict):
            continue
        a, b = h.get("from"), h.get("to")
        ok = need_town(("highways", i, "from"), a) & need_town(("highways", i, "to"), b)
        if ok and a == b:
            bad(("highways", i), f"highway joins {a!r} to itself")
        elif ok and isinstance(a, str) and isinstance(b, str):
            pair = frozenset((a, b))
            if pair in edges:
                bad(
                    ("highways", i),
                    f"duplicate highway {a} - {b} (also highways[{edges[pair][1]}])",
                )
            edges[pair] = ("highways", i)

    relations = _relations(factions, faction_set, faction_ids,
                           bad if factions_whole else lambda *a: None)
    for fseg, f in factions:
        fid = f.get("id")
        for j, src in enumerate(_list(f, "supply_sources")):
            need_town(("factions", fseg, "supply_sources", j), src)
        for j, obj in enumerate(_list(f, "objectives")):
            if isinstance(obj, dict):
                need_town(("factions", fseg, "objectives", j, "town"), obj.get("town"))
        for useg, u in _items(f, "forces"):
            upath: PathKey = ("factions", fseg, "forces", useg, "town")
            town = u.get("town")
            if need_town(upath, town) and isinstance(fid, str) and isinstance(town, str):
                holder = controller.get(town)
                rel = "self" if holder == fid else relations.get(frozenset((fid, holder or "")))
                if holder is None:
                    bad(upath, f"unit starts in {town!r}, which no faction holds")
                elif rel not in ("self", "allied"):
                    bad(
                        upath,
                        f"unit starts in {town!r}, held by {rel or 'hostile'} faction "
                        f"{holder!r}; start it in a town its faction or an ally holds",
                    )
        _check_rules(f, fseg, town_set if towns_whole else None, need_town, problems)

    check_tunables(data, bad)

    if len(problems.items) == before and town_ids:
        if ends is not None:
            parts = [[town_ids[i] for i in g] for g in bigchecks.components(len(town_ids), ends)]
            _report_parts(parts, bad)
        else:
            _connectivity(town_ids, edges, bad)
    check_rivers(data, problems)
    check_tasking(factions, _items(data, "events"), problems)


def faction_problems(
    data: dict[str, Any], faction: dict[str, Any], towns: Sequence[str], town_set: set[str]
) -> list[Problem]:
    """The cross-reference problems of one faction's objectives and rules, by path (no line).

    As :func:`check_scenario` finds them (towns, rule conditions and parameters, crossings,
    tags), in the
    scenario ``data`` with ``faction`` in place of the faction of its id: what a timeline
    ``set`` of its rules or objectives would bring. ``towns`` are the map's town ids (for
    suggestions) and ``town_set`` the same as a set; the rest of the map is not checked again.
    """
    fid = faction.get("id")
    problems = Problems(SourceMap([("<set>", {})]))

    def need_town(path: PathKey, value: Any) -> bool:
        if isinstance(value, str) and value not in town_set:
            problems.add(path, f"unknown town {value!r}{_suggest(value, list(towns))}")
            return False
        return isinstance(value, str)

    for j, obj in enumerate(_list(faction, "objectives")):
        if isinstance(obj, dict):
            need_town(("factions", str(fid), "objectives", j, "town"), obj.get("town"))
    _check_rules(faction, str(fid), town_set, need_town, problems)
    crossings = crossing_ids(data)
    if crossings is not None:
        check_bridge_rules(faction, ("factions", str(fid)), crossings, problems.add)
    factions = [(seg, faction if f.get("id") == fid else f) for seg, f in _items(data, "factions")]
    check_tasking(factions, _items(data, "events"), problems)
    mine = format_path(("factions", str(fid)))
    return [p for p in problems.items if p.path.startswith((mine + ".", mine + "["))]


def _whole(data: dict[str, Any], key: str) -> bool:
    """``data[key]`` is a list of mappings that all have a text id."""
    value = data.get(key)
    if not isinstance(value, list):
        return False
    if len(value) >= bigchecks.FAST_FROM and not set(map(type, value)) - {dict} and not set(
            map(type, [x.get("id") for x in value])) - {str}:
        return True  # plain dicts and text ids, as read: found without a Python loop of ours
    return all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in value)


_SECTION_TYPES: dict[str, type] = {"simulation": dict, "towns": list, "highways": list,
                                   "factions": list, "features": list}


def _section_whole(data: dict[str, Any], path: str) -> bool:
    """The top-level section a dotted path starts in has the right shape (or is absent)."""
    head = path.split(".")[0].split("[")[0]
    want = _SECTION_TYPES.get(head)
    if want is None or head not in data:
        return True
    if head in ("towns", "factions"):
        return _whole(data, head)
    return isinstance(data[head], want)


def _duplicates(key: str, items: list[tuple[Any, dict[str, Any]]], problems: Problems) -> None:
    """Each repeated id, at its later item (``_items`` finds that one by its index)."""
    for seg, item in items:
        ident = item.get("id")
        if isinstance(ident, str) and seg != ident:
            problems.duplicate((key, seg, "id"), (key, ident), f"id {ident!r} in {key}")


def _relations(
    factions: list[tuple[Any, dict[str, Any]]],
    faction_set: set[str],
    faction_ids: list[str],
    bad: Callable[..., None],
) -> dict[frozenset[str], str]:
    """Symmetric relation table; conflicting or unknown entries are reported."""
    table: dict[frozenset[str], tuple[str, PathKey]] = {}
    for fseg, f in factions:
        fid = f.get("id")
        rels = f.get("relations")
        if not isinstance(rels, dict) or not isinstance(fid, str):
            continue
        for other, rel in rels.items():
            path = ("factions", fseg, "relations", other)
            if other not in faction_set:
                bad(path, f"unknown faction {other!r}{_suggest(other, faction_ids)}")
                continue
            if other == fid:
                bad(path, "a faction cannot have a relation with itself")
                continue
            pair = frozenset((fid, other))
            if pair in table and table[pair][0] != rel:
                prev_rel = table[pair][0]
                bad(
                    path,
                    f"relations must be symmetric: {fid} calls {other} {rel!r} but "
                    f"{other} calls {fid} {prev_rel!r}",
                )
            table.setdefault(pair, (rel, path))
    return {pair: rel for pair, (rel, _) in table.items()}


def _check_rules(
    f: dict[str, Any],
    fseg: Any,
    town_set: set[str] | None,
    need_town: Callable[[PathKey, Any], bool],
    problems: Problems,
) -> None:
    bad = problems.add
    for rseg, rule in _items(f, "rules"):
        base = ("factions", fseg, "rules", rseg)
        rid = rule.get("id")
        if isinstance(rid, str) and rid != rseg:
            problems.duplicate((*base, "id"), ("factions", fseg, "rules", rid),
                               f"rule id {rid!r}")
        action = rule.get("do")
        if not isinstance(action, str) or action not in ACTION_PARAMS:
            continue  # the schema reports unknown actions, with the list of valid ones
        scope = FACTION if action in FACTION_ACTIONS else UNIT
        if "when" in rule:
            try:
                compile_condition(rule["when"], scope, town_set)
            except ExprError as exc:
                bad((*base, "when"), str(exc))
        params = rule.get("with")
        if not isinstance(params, dict):
            continue  # the schema checks the parameters' names, types and ranges
        for key in TOWN_PARAMS.get(action, ()):
            value = params.get(key)
            if isinstance(value, str):
                need_town((*base, "with", key), value)
            elif isinstance(value, list):  # a list of towns (raid's towns)
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        need_town((*base, "with", key, i), item)


def check_tunables(
    data: dict[str, Any], bad: Callable[..., None], touched: Collection[PathKey] | None = None
) -> None:
    """Each tunable's path resolves to a number in ``data``, and its range is not empty.

    A run-time ``set`` can replace what a tunable's path leads through, so
    ``sim.scenario.runsets`` runs these again, with ``touched`` the sections it changed
    (``("simulation",)``, ``("factions", id)``): then the tunables whose path plainly starts
    in another section are left out (they read nothing that changed).
    """
    for j, tun in enumerate(_list(data, "tunables")):
        if isinstance(tun, dict) and isinstance(tun.get("path"), str) and _section_whole(
                data, tun["path"]) and (touched is None or _reads(tun["path"], touched)):
            _check_tunable(data, tun, ("tunables", j), bad)


def _reads(text: str, touched: Collection[PathKey]) -> bool:
    """Whether a tunable's path may lead through a touched section (True when unsure)."""
    try:
        path = parse_path(text)
    except ValueError:
        return True
    if path[0] == "simulation":
        return ("simulation",) in touched
    if path[0] == "factions" and len(path) > 1 and isinstance(path[1], str):
        return path[:2] in touched
    return path[0] == "factions"  # a faction by its place in the list


def _check_tunable(
    data: dict[str, Any], tun: dict[str, Any], path: PathKey, bad: Callable[..., None]
) -> None:
    try:
        current = apply_override(data, parse_path(tun["path"]), None, dry_run=True)
    except ValueError as exc:
        bad((*path, "path"), str(exc))
        return
    if current is not None and (isinstance(current, bool) or not isinstance(current, int | float)):
        bad((*path, "path"), f"{tun['path']} is not a number (it is {current!r})")
    lo, hi = tun.get("min"), tun.get("max")
    if isinstance(lo, int | float) and isinstance(hi, int | float) and lo >= hi:
        bad(path, f"min ({lo}) must be below max ({hi})")


def _connectivity(
    town_ids: list[str], edges: dict[frozenset[str], PathKey], bad: Callable[..., None]
) -> None:
    parent = {t: t for t in town_ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in edges:
        a, b = tuple(pair)
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for t in town_ids:
        groups.setdefault(find(t), []).append(t)
    _report_parts(list(groups.values()), bad)


def _report_parts(groups: list[list[str]], bad: Callable[..., None]) -> None:
    """Warn if the map is in more than one part (``groups``: in the order of their first town)."""
    if len(groups) > 1:
        parts = sorted(groups, key=len)
        cut_off = sum(len(g) for g in parts[:-1])
        names = [t for g in parts[:-1] for t in g[:MAX_LISTED]][:MAX_LISTED]
        more = f" and {cut_off - len(names):,} more" if cut_off > len(names) else ""
        isolated = ", ".join(names) + more
        bad(
            ("highways",),
            f"the map is not connected: {len(groups)} separate parts; towns cut "
            f"off from the largest part include {isolated}",
            "warning",
        )
