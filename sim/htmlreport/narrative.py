"""The story of a run in a few sentences: its turning points, not a list of every event.

Turning points are captures of objectives, counter-attacks (a town retaken by a faction that
held it earlier in the run), sieges formed, lifted or ended by the town's fall, and failed
assaults. An *assault* is a run of battles by one faction at one town with gaps of at most
:data:`ASSAULT_GAP` days; it *failed* when the attacker did not take the town on its last day
of battle or the day after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sim.rundata import RunData

__all__ = ["ASSAULT_GAP", "Assault", "assaults", "narrative"]

ASSAULT_GAP = 2
NAMES = 5  # towns named in one list at most; the rest are counted
REPEATED_SIEGES = 3  # a town cut off this many times gets one sentence, not one per siege


@dataclass(frozen=True)
class Assault:
    """Days of battle by ``faction`` at ``town`` (numbers), and whether it took the town."""

    faction: str
    town: str
    first: int
    last: int
    took: bool


def assaults(events: list[dict[str, Any]]) -> list[Assault]:
    """Every assault of the run, in the order they began."""
    captures = {(e["faction"], e["town"], int(e["day"])) for e in events
                if e["kind"] == "capture"}
    runs: dict[tuple[str, str], list[list[int]]] = defaultdict(list)
    for e in events:
        if e["kind"] != "battle":
            continue
        key, day = (e["faction"], e["town"]), int(e["day"])
        spans = runs[key]
        if spans and day - spans[-1][1] <= ASSAULT_GAP:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    out = [Assault(f, t, a, b, (f, t, b) in captures or (f, t, b + 1) in captures)
           for (f, t), spans in runs.items() for a, b in spans]
    return sorted(out, key=lambda s: (s.first, s.faction, s.town))


def _date(data: RunData, day: int, year: bool = False) -> str:
    d = data.date(day)
    return f"{d.day} {d:%b}" + (f" {d.year}" if year else "")


def _join(names: list[str], limit: int = 0) -> str:
    if limit and len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def narrative(data: RunData) -> list[dict[str, Any]]:
    """The turning points of the run as sentences: ``{"day": int | None, "text": str}``."""
    fname = {f["id"]: f["name"] for f in data.factions}
    fidx = {f["id"]: i for i, f in enumerate(data.factions)}
    name = dict(zip(data.town_ids, data.town_names, strict=True))
    objectives = {t for obj in data.objectives.values() for t, _ in obj}
    failed: dict[tuple[str, str], int] = defaultdict(int)
    failed_before: dict[tuple[str, str, int], int] = {}
    for a in assaults(data.events):
        if a.took:
            failed_before[(a.faction, a.town, a.last)] = failed[(a.faction, a.town)]
            failed[(a.faction, a.town)] = 0
        else:
            failed[(a.faction, a.town)] += 1
    out: list[dict[str, Any]] = []
    start = defaultdict(list)
    for i in range(len(data.town_ids)):
        if data.besieged[0, i]:
            c = int(data.control[0, i])
            start[data.factions[c]["id"] if c >= 0 else ""].append(data.town_names[i])
    for f, towns in sorted(start.items()):
        out.append({"day": 0, "text": f"On {_date(data, 0, True)} {fname.get(f, f)} began with "
                                      f"{_join(towns, NAMES)} under siege."})
    siege_since: dict[str, int] = {data.town_ids[i]: 0 for i in range(len(data.town_ids))
                                   if data.besieged[0, i]}
    cuts: dict[str, list[int]] = defaultdict(list)
    lifts: dict[str, list[int]] = defaultdict(list)
    for e in data.events:
        if e["kind"] == "siege_start" and int(e["day"]) > 0:
            cuts[e["town"]].append(int(e["day"]))
        elif e["kind"] == "siege_lifted":
            lifts[e["town"]].append(int(e["day"]))
    repeated = {t for t, days in cuts.items() if len(days) >= REPEATED_SIEGES}
    counters: dict[str, int] = defaultdict(int)
    others: dict[str, int] = defaultdict(int)
    by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in data.events:
        by_day[int(e["day"])].append(e)
    for day in sorted(by_day):
        parts: list[str] = []
        took: dict[str, list[str]] = defaultdict(list)
        retook: dict[str, list[str]] = defaultdict(list)
        lifted: list[str] = []
        cut: list[str] = []
        for e in by_day[day]:
            t, f, kind = e["town"], e["faction"], e["kind"]
            if kind == "capture":
                i = data.index(t)
                held_before = bool(day > 0 and (data.control[:day, i] == fidx[f]).any())
                label = name[t]
                key = (f, t, day) if (f, t, day) in failed_before else (f, t, day - 1)
                if failed_before.get(key):
                    k = failed_before[key]
                    label += f" after {k} failed assault{'s' if k != 1 else ''}"
                if t in siege_since:
                    label += f" ({_days(day - siege_since.pop(t))} under siege)"
                if held_before:
                    counters[f] += 1
                    retook[f].append(label)
                elif t in objectives or label != name[t]:
                    took[f].append(label)
                else:
                    others[f] += 1
            elif kind == "siege_start" and day > 0:
                siege_since[t] = day
                if t not in repeated:
                    cut.append(name[t])
                elif day == cuts[t][0]:
                    parts.append(_repeated(data, name[t], cuts[t], lifts[t]))
            elif kind == "siege_lifted":
                since = siege_since.pop(t, None)
                if t in repeated:
                    continue
                lifted.append(name[t] + (f" ({_days(day - since)})" if since is not None
                                         else ""))
        for f in sorted(set(took) | set(retook)):
            verbs = ([f"took {_join(took[f], NAMES)}"] if took[f] else []) + (
                [f"retook {_join(retook[f], NAMES)}"] if retook[f] else [])
            parts.append(f"{fname.get(f, f)} {' and '.join(verbs)}")
        if lifted:
            parts.append(f"the siege{'s' if len(lifted) > 1 else ''} of {_join(lifted, NAMES)} "
                         f"{'was' if len(lifted) == 1 else 'were'} lifted")
        if cut:
            parts.append(f"{_join(cut, NAMES)} {'was' if len(cut) == 1 else 'were'} cut off")
        if parts:
            text = "; ".join(parts)
            out.append({"day": day, "text": f"On {_date(data, day)} {text}."})
    tail = []
    for f, n in sorted(counters.items()):
        tail.append(f"{fname.get(f, f)} counter-attacked successfully {_times(n)}")
    for f, n in sorted(others.items()):
        tail.append(f"{fname.get(f, f)} took {n} other town{'s' if n != 1 else ''}")
    still = sorted(((n, f, t) for (f, t), n in failed.items() if n),
                   key=lambda x: (-x[0], x[1], x[2]))
    for n, f, t in sorted(still[:NAMES], key=lambda x: (x[1], x[2])):
        c = int(data.control[-1, data.index(t)])
        holder = fname.get(data.factions[c]["id"], "") if c >= 0 else "nobody"
        tail.append(f"{n} assault{'s' if n != 1 else ''} by {fname.get(f, f)} on {name[t]} "
                    f"failed ({holder} held it at the end)")
    if len(still) > NAMES:
        tail.append(f"assaults on {len(still) - NAMES} other towns failed")
    if tail:
        out.append({"day": None, "text": _join(tail)[0].upper() + _join(tail)[1:] + "."})
    out.append({"day": data.days, "text": _final(data)})
    return out


def _repeated(data: RunData, town: str, cut: list[int], lifted: list[int]) -> str:
    """One sentence for a town cut off again and again."""
    text = f"{town} was cut off for the first of {len(cut)} times"
    after = [d for d in lifted if d >= cut[0]]
    if after:
        text += (f" (relieved {_times(len(after))}, last on {_date(data, after[-1])}"
                 + (", cut off again after that" if cut[-1] > after[-1] else "") + ")")
    return text


def _final(data: RunData) -> str:
    """Who holds how much on the last day, against the first."""
    parts = []
    for i, f in enumerate(data.factions):
        now = int((data.control[-1] == i).sum())
        then = int((data.control[0] == i).sum())
        if now or then:
            delta = f" ({now - then:+d})" if now != then else ""
            parts.append(f"{f['name']} {now}{delta}")
    sieges = [data.town_names[i] for i in range(len(data.town_ids)) if data.besieged[-1, i]]
    text = (f"On {_date(data, data.days, True)} (day {data.days}) towns held: "
            f"{', '.join(parts)}.")
    if sieges:
        text += f" Still under siege: {_join(sieges, NAMES)}."
    return text
