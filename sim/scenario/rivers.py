"""Rivers in the scenario file: the ``rivers:`` section's schema and its load-time checks.

A river is an obstacle crossed only at its crossings: highways of the map declared as
bridges, ferries, pontoons or fords, each open or closed (``sim/rivers.py`` runs them). The
checks here find crossings that name no highway, ids used twice, engineering rules and
timeline events naming unknown crossings, and (a warning) highways that cross a river's drawn
line without being declared one of its crossings.
"""

import itertools
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import Field

from sim.scenario.fields import NOT_BOOL, Id, Name, empty_list
from sim.scenario.fields import Strict as _Strict
from sim.scenario.problems import Problems, suggest
from sim.scenario.yamlio import PathKey, format_path, id_items, item_segments

__all__ = ["CROSSING_KINDS", "CROSSING_MOVE", "Crossing", "River", "check_bridge_rules",
           "check_rivers", "crossing_ids", "unknown_crossing"]

CROSSING_KINDS = ("bridge", "ferry", "pontoon", "ford")

#: Default movement multiplier of a crossing, by kind (on top of its highway's terrain):
#: estimates; a pontoon or a ford is one slow lane, a ferry carries a few vehicles a trip.
CROSSING_MOVE: dict[str, float] = {"bridge": 1.0, "pontoon": 0.5, "ford": 0.5, "ferry": 0.2}


class Crossing(_Strict):
    """A highway of the map that crosses the river (the only way across)."""

    id: Id
    from_: Id = Field(alias="from", description="town on one bank (a highway must join "
                      "``from`` and ``to``)")
    to: Id = Field(description="town on the other bank")
    name: Name | None = Field(None, description="name shown in logs, e.g. al-Siyasiyah bridge")
    kind: Literal["bridge", "ferry", "pontoon", "ford"] = Field(
        "bridge", description="bridge | ferry | pontoon | ford (sets the default ``move``)")
    open: bool = Field(
        True, description="open at the start; a closed crossing carries no movement and no "
        "supply until the timeline (``open_crossings``) or an engineer (``do: bridge``) "
        "opens it")
    move: Annotated[float, Field(gt=0, le=2), NOT_BOOL] | None = Field(
        None, description="movement multiplier on top of the highway's terrain; default by "
        "kind: bridge 1.0, pontoon 0.5, ford 0.5, ferry 0.2")
    defence: Annotated[float, Field(ge=1, le=10), NOT_BOOL] | None = Field(
        None, description="defence multiplier of a town's defenders against attackers who "
        "came over this crossing; default ``simulation.combat.crossing_defence``")

    @property
    def move_factor(self) -> float:
        """The movement multiplier: ``move``, or the default of the crossing's kind."""
        return CROSSING_MOVE[self.kind] if self.move is None else self.move


class River(_Strict):
    """A river: an obstacle that units and supply cross only at its crossings."""

    id: Id
    name: Name
    feature: Id | None = Field(
        None, description="id of the ``features[]`` line drawn for the river, used to warn "
        "of highways that cross it without being declared crossings (default: the feature "
        "with the river's id, if there is one)")
    crossings: list[Crossing] = Field(default_factory=empty_list,
                                      description="the highways that cross it")


# ------------------------------------------------------------------ load-time checks
def check_rivers(data: dict[str, Any], problems: Problems) -> None:
    """Add the problems of the ``rivers:`` section, and of what names its crossings."""
    rivers = id_items(data.get("rivers"))
    if not rivers and not _mentions_crossings(data):
        return
    bad = problems.add
    towns: dict[str, dict[str, Any]] = {
        t["id"]: t for _, t in id_items(data.get("towns")) if isinstance(t.get("id"), str)}
    roads: dict[frozenset[str], int] = {}
    for i, h in enumerate(data.get("highways") or []):
        if isinstance(h, dict) and isinstance(h.get("from"), str) and isinstance(h.get("to"), str):
            roads.setdefault(frozenset((h["from"], h["to"])), i)
    features = {f.get("id"): f for _, f in id_items(data.get("features"))}
    crossing_ids: dict[str, PathKey] = {}
    crossed: dict[frozenset[str], PathKey] = {}
    for rseg, river in rivers:
        rpath: PathKey = ("rivers", rseg)
        rid = river.get("id")
        if isinstance(rid, str) and rid != rseg:
            problems.duplicate((*rpath, "id"), ("rivers", rid), f"river id {rid!r}")
        crossings = river.get("crossings")
        listed = crossings if isinstance(crossings, list) else []
        for seg, c in zip(item_segments(listed), listed, strict=True):
            if not isinstance(c, dict):
                continue
            cid = c.get("id")
            cpath: PathKey = (*rpath, "crossings", seg)
            if isinstance(cid, str):
                if cid in crossing_ids:
                    other = crossing_ids[cid][:2] != rpath
                    problems.duplicate((*cpath, "id"), crossing_ids[cid], f"crossing id {cid!r}",
                                       "crossing ids are unique across rivers" if other else "")
                crossing_ids.setdefault(cid, cpath)
            a, b = c.get("from"), c.get("to")
            if not (isinstance(a, str) and isinstance(b, str)):
                continue  # the schema reports it
            if towns:
                for key, tid in (("from", a), ("to", b)):
                    if tid not in towns:
                        bad((*cpath, key), f"unknown town {tid!r}{suggest(tid, list(towns))}")
            pair = frozenset((a, b))
            if a in towns and b in towns and pair not in roads:
                bad(cpath, f"no highway joins {a!r} and {b!r}: a crossing is a highway of "
                           "the map (add it to highways:)")
            elif pair in crossed:
                bad(cpath, f"the highway {a} - {b} is already a crossing (at "
                           f"{format_path(crossed[pair])})")
            crossed.setdefault(pair, cpath)
        if isinstance(crossings, list) or (crossings is None and "crossings" not in river):
            _check_line(river, rpath, features, towns, roads, crossed, problems)
    if _rivers_whole(data.get("rivers", [])):  # else the crossings named are not all known
        _check_uses(data, crossing_ids, bad)


def _rivers_whole(rivers: Any) -> bool:
    """``rivers:`` is a list of rivers whose ``crossings`` (where given) are lists of ids."""
    def whole(river: Any) -> bool:
        crossings = river.get("crossings", []) if isinstance(river, dict) else None
        return isinstance(crossings, list) and all(
            isinstance(c, dict) and isinstance(c.get("id"), str) for c in crossings)

    return isinstance(rivers, list) and all(whole(r) for r in rivers)


def _mentions_crossings(data: dict[str, Any]) -> bool:
    """Whether a rule or an event names crossings (to report them unknown without rivers)."""
    for _, ev in id_items(data.get("events")):
        if ev.get("open_crossings") or ev.get("close_crossings"):
            return True
    return any(r.get("do") == "bridge" for _, f in id_items(data.get("factions"))
               for _, r in id_items(f.get("rules")))


def _check_uses(data: dict[str, Any], crossings: dict[str, PathKey],
                bad: Callable[..., None]) -> None:
    """Engineering rules and timeline events must name declared crossings."""
    known = sorted(crossings)

    def need(path: PathKey, cid: Any) -> None:
        if isinstance(cid, str) and cid not in crossings:
            bad(path, unknown_crossing(cid, known))

    for fseg, f in id_items(data.get("factions")):
        check_bridge_rules(f, ("factions", fseg), known, bad)
    for eseg, ev in id_items(data.get("events")):
        for key in ("open_crossings", "close_crossings"):
            ids = ev.get(key)
            for j, cid in enumerate(ids if isinstance(ids, list) else []):
                need(("events", eseg, key, j), cid)


def crossing_ids(data: dict[str, Any]) -> list[str] | None:
    """The declared crossing ids, sorted (None: ``rivers:`` is malformed, so not all known)."""
    if not _rivers_whole(data.get("rivers", [])):
        return None
    return sorted({c["id"] for _, r in id_items(data.get("rivers"))
                   for c in r.get("crossings", [])})


def unknown_crossing(cid: str, known: list[str]) -> str:
    """The message for a crossing id that is not declared (``known``: the declared ids)."""
    hint = suggest(cid, known) or ("" if known else " (declare it under rivers:)")
    return f"unknown crossing {cid!r}{hint}"


def check_bridge_rules(faction: dict[str, Any], base: PathKey, known: list[str],
                       bad: Callable[..., None]) -> None:
    """Each ``do: bridge`` rule of a faction (at ``base``) names a declared crossing."""
    for rseg, rule in id_items(faction.get("rules")):
        params = rule.get("with")
        cid = params.get("crossing") if isinstance(params, dict) else None
        if rule.get("do") == "bridge" and isinstance(cid, str) and cid not in known:
            bad((*base, "rules", rseg, "with", "crossing"), unknown_crossing(cid, known))


# ------------------------------------------------------------------ highways over the line
def _check_line(river: dict[str, Any], rpath: PathKey, features: dict[Any, dict[str, Any]],
                towns: dict[str, dict[str, Any]], roads: dict[frozenset[str], int],
                crossed: dict[frozenset[str], PathKey], problems: Problems) -> None:
    """Warn of each highway that crosses the river's drawn line but is no crossing of it."""
    fid = river.get("feature", river.get("id"))
    feature = features.get(fid)
    if feature is None:
        if "feature" in river and isinstance(fid, str):
            problems.add((*rpath, "feature"),
                         f"unknown feature {fid!r}{suggest(fid, [str(k) for k in features if k])}")
        return
    line = _points(feature.get("points"))
    found = []
    for pair, i in sorted(roads.items(), key=lambda kv: kv[1]):
        if pair in crossed:
            continue
        a, b = sorted(pair)
        pa, pb = _where(towns.get(a)), _where(towns.get(b))
        if pa is not None and pb is not None:
            found.append((a, b, i, pa, pb))
    crosses = _crosses_line([f[3] for f in found], [f[4] for f in found], line)
    for (a, b, i, _, _), crossing in zip(found, crosses, strict=True):
        if crossing:
            problems.warn(("highways", i),
                          f"the highway {a} - {b} crosses the river {river.get('id')!r} "
                          f"(feature {fid!r}) but is not one of its crossings; declare it "
                          "under the river's crossings (or it is a way across that no "
                          "event or engineer controls)")


def _points(value: Any) -> list[tuple[float, float]]:
    out = []
    for p in value if isinstance(value, list) else []:
        if (isinstance(p, list | tuple) and len(p) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in p)):
            out.append((float(p[0]), float(p[1])))
    return out


def _where(town: dict[str, Any] | None) -> tuple[float, float] | None:
    if town is None:
        return None
    lat, lon = town.get("lat"), town.get("lon")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        return float(lat), float(lon)
    return None


def _crosses_line(starts: list[tuple[float, float]], ends: list[tuple[float, float]],
                  line: list[tuple[float, float]]) -> list[bool]:
    """For each segment start-end: whether it properly crosses a segment of the line.

    The same as ``any(_cross(a, b, p, q) for p, q in pairwise(line))`` for each segment a-b,
    computed on arrays when numpy is loaded already (each load checks every highway against
    every leg of every river: 4-5 ms of the default scenario's load in Python, which a run
    does three times), else in Python (``frontline validate`` does not import numpy, 0.1 s,
    for this). The sides are the same IEEE operations in the same order as :func:`_cross`'s,
    so the same floats and the same answers.
    """
    np = sys.modules.get("numpy")
    if np is None:
        return [any(_cross(a, b, p, q) for p, q in itertools.pairwise(line))
                for a, b in zip(starts, ends, strict=True)]
    if not starts or len(line) < 2:
        return [False] * len(starts)

    a, b, pts = np.array(starts), np.array(ends), np.array(line)
    c, d = pts[:-1], pts[1:]
    a0, a1, b0, b1 = (v[:, None] for v in (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
    c0, c1, d0, d1 = c[:, 0], c[:, 1], d[:, 0], d[:, 1]
    with np.errstate(all="ignore"):  # inf and nan compare as _cross's do, without warnings
        s1 = (d0 - c0) * (a1 - c1) - (d1 - c1) * (a0 - c0)
        s2 = (d0 - c0) * (b1 - c1) - (d1 - c1) * (b0 - c0)
        s3 = (b0 - a0) * (c1 - a1) - (b1 - a1) * (c0 - a0)
        s4 = (b0 - a0) * (d1 - a1) - (b1 - a1) * (d0 - a0)
        hit = (s1 * s2 < 0) & (s3 * s4 < 0)
    return [bool(x) for x in hit.any(axis=1)]


def _cross(a: tuple[float, float], b: tuple[float, float],
           c: tuple[float, float], d: tuple[float, float]) -> bool:
    """Whether segment a-b properly crosses segment c-d (in the lat/lon plane).

    Examples:
        >>> _cross((0, 0), (2, 2), (0, 2), (2, 0)), _cross((0, 0), (1, 1), (0, 2), (2, 2))
        (True, False)
    """
    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = side(c, d, a), side(c, d, b)
    d3, d4 = side(a, b, c), side(a, b, d)
    return d1 * d2 < 0 and d3 * d4 < 0
