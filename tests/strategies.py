"""Hypothesis strategies: small random scenarios, mutations of valid ones, hostile text.

Every property test of the hardening suite draws from here. Generated scenarios are small
(2-8 towns, 1-4 factions, a few units) but cover what the day loop branches on: every relation
(allied, neutral, hostile; not always transitive), towns nobody holds, factions without supply
sources, units besieging, retreating and reinforcing, conscription, terrain, fortification,
airlifts, zero and high combat noise, and maps that are not connected.

Reproducibility: the default suite runs with ``derandomize=True`` and no example database, so
a run on CI draws exactly the examples a developer's run draws, and a failure there fails the
same way here (a random seed could make CI fail on an example nobody can replay). Exploration
comes from the slow suite (``pytest -m slow``), which draws many more examples, and from
``FRONTLINE_FUZZ_RANDOM=1``, which switches to random seeds and prints a reproduction blob.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

RELATIONS = ("hostile", "allied", "neutral", "hostile")  # first: what generation favours
TERRAINS = ("flat", "desert", "mountain", "urban", "river", "hills", "marsh")
COLOURS = ("#cc0000", "#0000cc", "#00aa00", "#333333")

UNIT_CONDITIONS = (
    "true",
    "false",
    "strength_ratio >= 1.5",
    "strength_ratio < 0.7",
    "morale < 0.3 or strength < 0.3",
    "enemy_within_km(30)",
    "enemy_fighters_within_km(60) > fighters",
    "day > 5",
    "not besieged",
    "besieged",
    "in_battle",
    "supplied and strength > 0.5",
    "holds('t0')",
    "enemy_near('t1', 50) > 100",
    "1 < day < 12",
    "fighters / 0 > 1",
    "casualties > faction_fighters * 0.5",
)
FACTION_CONDITIONS = (
    "true",
    "enemy_within_km(40)",
    "besieged_towns > 0",
    "towns_held < 3",
    "enemy_near('t0', 80) > 0",
    "day % 3 == 0",
)
UNIT_ACTIONS = ("advance", "besiege", "defend", "hold", "raid", "reinforce", "retreat")


def _random_mode() -> bool:
    return os.environ.get("FRONTLINE_FUZZ_RANDOM", "") not in ("", "0")


def fixed(max_examples: int, deadline_ms: int | None = 2000) -> settings:
    """Settings of a property test: reproducible unless FRONTLINE_FUZZ_RANDOM is set."""
    return settings(
        max_examples=max_examples,
        deadline=None if deadline_ms is None else dt.timedelta(milliseconds=deadline_ms),
        derandomize=not _random_mode(),
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ----------------------------------------------------------------- generated scenarios
def _rule(draw: st.DrawFn, faction_rule: bool, towns: list[str]) -> dict[str, Any]:
    if faction_rule:
        rule: dict[str, Any] = {"when": draw(st.sampled_from(FACTION_CONDITIONS)),
                                "do": "conscript"}
        rule["with"] = {
            "rate": draw(st.sampled_from([0.01, 0.0, 0.2, 1.0])),
            "max_share": draw(st.sampled_from([0.3, 0.0, 1.0])),
            "quality": draw(st.sampled_from([0.5, 0.0, 2.0])),
            "morale": draw(st.sampled_from([0.4, 0.0, 1.0])),
            "desertion": draw(st.sampled_from([0.01, 0.0, 0.5, 1.0])),
        }
        return rule
    action = draw(st.sampled_from(UNIT_ACTIONS))
    rule = {"when": draw(st.sampled_from(UNIT_CONDITIONS)), "do": action}
    if action == "besiege":
        rule["with"] = {"assault_ratio": draw(st.sampled_from([3.0, 0.0, 1.0, 50.0]))}
        if draw(st.booleans()):
            rule["with"]["target"] = draw(st.sampled_from(towns))
    elif action == "advance" and draw(st.booleans()):
        rule["with"] = {"objective": draw(st.sampled_from(towns))}
    elif action == "reinforce":
        rule["with"] = {"radius_km": draw(st.sampled_from([0.0, 20.0, 200.0]))}
    elif action == "raid":
        rule["with"] = {"radius_km": draw(st.sampled_from([0.01, 30.0, 500.0])),
                        "min_odds": draw(st.sampled_from([0.0, 1.0, 5.0]))}
        if draw(st.booleans()):
            rule["with"]["towns"] = [draw(st.sampled_from(towns))]
    return rule


@st.composite
def scenarios(draw: st.DrawFn, max_towns: int = 8, max_factions: int = 4,
              max_units: int = 3, days: tuple[int, int] = (8, 30),
              rivers: bool = False) -> dict[str, Any]:
    """Plain data of a small random scenario that the loader accepts.

    Towns are ``t0, t1, ...``; factions ``f0, f1, ...``. The map is a random tree (sometimes
    with a missing edge, so not connected) plus random extra highways. With ``rivers``, some
    highways are river crossings (``x0, x1, ...``, open or closed), opened and closed by
    timeline events and by engineers' ``bridge`` rules (drawn after everything else, so the
    scenarios without rivers are drawn as before).
    """
    n = draw(st.integers(2, max_towns), label="towns")
    # hypothesis favours the first choice: two factions, rarely one (nobody to fight)
    k = draw(st.sampled_from([c for c in (2, 3, 4, 5, 6, 1) if c <= max_factions]),
             label="factions")
    tids = [f"t{i}" for i in range(n)]
    fids = [f"f{i}" for i in range(k)]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    rel = {p: draw(st.sampled_from(RELATIONS)) for p in pairs}

    def friends(a: int, b: int) -> bool:
        return a == b or rel[(min(a, b), max(a, b))] == "allied"

    edges: set[tuple[int, int]] = set()
    for i in range(1, n):
        if draw(st.integers(0, 9)) < 9:  # one tree edge in ten is left out
            edges.add((draw(st.integers(0, i - 1)), i))
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            edges.add((min(a, b), max(a, b)))

    controller: list[int | None] = [
        draw(st.one_of(st.none(), st.integers(0, k - 1))) for _ in range(n)
    ]
    towns = []
    for i in range(n):
        t: dict[str, Any] = {
            "id": tids[i], "name": f"Town {i}",
            "lat": 35.0 + draw(st.integers(0, 8)) * 0.1,
            "lon": 38.0 + draw(st.integers(0, 8)) * 0.1,  # towns may share a point
            "population": draw(st.sampled_from([5000, 0, 100, 50000])),
            "terrain": draw(st.sampled_from(TERRAINS)),
        }
        if controller[i] is not None:
            t["controller"] = fids[controller[i]]
            t["garrison"] = draw(st.sampled_from([100, 0, 0.3, 10, 1000]))
        if draw(st.integers(0, 4)) == 0:
            t["fortification"] = draw(st.sampled_from([0.5, 2.0]))
        if draw(st.integers(0, 4)) == 0:
            t["airlift"] = draw(st.sampled_from([0.5, 1.0]))
        towns.append(t)
    highways = []
    for a, b in sorted(edges):
        h: dict[str, Any] = {"from": tids[a], "to": tids[b]}
        if draw(st.booleans()):
            h["length_km"] = draw(st.sampled_from([0.01, 5.0, 20.0, 300.0]))
        if draw(st.integers(0, 2)) == 0:
            h["terrain"] = draw(st.sampled_from(TERRAINS))
        highways.append(h)

    factions = []
    unit_no = 0
    for f in range(k):
        home = [i for i in range(n) if controller[i] is not None and friends(f, controller[i])]
        forces = []
        n_units = draw(st.sampled_from([c for c in (2, 1, 3, 0, 4, 5) if c <= max_units]))
        for _ in range(n_units if home else 0):
            forces.append({
                "id": f"u{unit_no}", "name": f"Unit {unit_no}",
                "town": tids[draw(st.sampled_from(home))],
                "fighters": draw(st.sampled_from([400, 3000, 0, 1, 50, 400, 3000])),
                "quality": draw(st.sampled_from([1.0, 0.3, 2.5])),
                "speed_km_day": draw(st.sampled_from([30, 1, 200])),
                "morale": draw(st.sampled_from([0.8, 0.0, 0.3, 1.0])),
            })
            unit_no += 1
        # sources mostly in the faction's own towns (else it starts besieged everywhere)
        own = [i for i in range(n) if controller[i] == f]
        pick = st.sampled_from(own) if own and draw(st.integers(0, 4)) > 0 else st.integers(
            0, n - 1)
        sources = sorted({tids[draw(pick)] for _ in range(draw(st.integers(0, 2)))})
        # objectives mostly in others' hands, so that most factions have somewhere to go
        others = [i for i in range(n) if controller[i] is None or not friends(f, controller[i])]
        objectives = [{"town": tids[draw(st.sampled_from(others or list(range(n))))],
                       "priority": draw(st.sampled_from([1, 5, 100]))}
                      for _ in range(draw(st.integers(1, 3)))]
        rules = [_rule(draw, draw(st.integers(0, 3)) == 0, tids)
                 for _ in range(draw(st.integers(0, 3)))]
        if draw(st.integers(0, 3)) > 0:  # usually a catch-all order last: armies that move
            rules.append({"when": "true", "do": draw(st.sampled_from(["advance", "besiege"]))})
        factions.append({
            "id": fids[f], "name": f"Faction {f}", "colour": COLOURS[f % len(COLOURS)],
            "relations": {fids[j]: rel[(f, j)] for j in range(f + 1, k)},
            "supply_sources": sources,
            "objectives": objectives,
            "forces": forces,
            "rules": rules,
        })

    sim = {
        "start_date": "2020-01-01",
        "days": draw(st.integers(*days)),
        "seed": draw(st.integers(0, 2**32)),
        "combat": {
            "noise": draw(st.sampled_from([0.25, 0.0, 2.0])),
            "kill_rate": draw(st.sampled_from([0.04, 0.0, 1.0])),
            "break_morale": draw(st.sampled_from([0.25, 0.0, 1.0])),
            "occupation_share": draw(st.sampled_from([0.1, 0.0, 1.0])),
            "morale_loss": draw(st.sampled_from([2.0, 0.0, 20.0])),
            "unsupplied": draw(st.sampled_from([0.6, 0.0, 1.0])),
        },
        "siege": {
            "attrition": draw(st.sampled_from([0.01, 0.0, 0.05, 1.0])),
            "invest_ratio": draw(st.sampled_from([1.0, 0.0, 100.0])),
            "civilian_loss": draw(st.sampled_from([0.0005, 0.0, 1.0])),
        },
        "fighting_age_share": draw(st.sampled_from([0.25, 0.0, 1.0])),
    }
    data = {"format": 1, "name": "generated", "simulation": sim, "towns": towns,
            "highways": highways, "factions": factions}
    if rivers and highways:
        _add_rivers(draw, data)
    return data


def _add_rivers(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Declare some highways crossings, with timeline events and bridge rules naming them."""
    highways, days = data["highways"], data["simulation"]["days"]
    picked = draw(st.lists(st.integers(0, len(highways) - 1), min_size=1, max_size=3,
                           unique=True))
    crossings = []
    for j, i in enumerate(picked):
        c: dict[str, Any] = {"id": f"x{j}", "from": highways[i]["from"],
                             "to": highways[i]["to"],
                             "kind": draw(st.sampled_from(["pontoon", "bridge", "ferry", "ford"])),
                             "open": draw(st.sampled_from([False, True, False]))}
        if draw(st.booleans()):
            c["defence"] = draw(st.sampled_from([1.0, 3.0, 10.0]))
        crossings.append(c)
    data["rivers"] = [{"id": "river", "name": "River", "crossings": crossings}]
    ids = [c["id"] for c in crossings]
    data["events"] = [
        {"id": f"ev{j}", "day": draw(st.integers(1, days)),
         draw(st.sampled_from(["open_crossings", "close_crossings"])):
             draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))}
        for j in range(draw(st.integers(0, 3)))]
    for f in data["factions"]:
        if draw(st.integers(0, 3)) > 0:
            f["rules"].insert(0, {"when": draw(st.sampled_from(["true", "fighters < 1000",
                                                               "day < 6"])),
                                  "do": "bridge",
                                  "with": {"crossing": draw(st.sampled_from(ids)),
                                           "days": draw(st.integers(1, 3))}})
    data["simulation"]["combat"]["crossing_defence"] = draw(st.sampled_from([1.5, 1.0, 4.0]))


@st.composite
def forcegen_scenarios(draw: st.DrawFn, **kwargs: Any) -> dict[str, Any]:
    """A generated scenario (``scenarios``) with force generation and a timeline added.

    Units may get an authorised strength and replacements; factions flows (into their own
    units, or into any town, so some deliveries are refused), garrison policies of every kind
    (some releasing); the timeline adds and withdraws units, some on uncertain days.
    """
    data = draw(scenarios(**kwargs))
    days = data["simulation"]["days"]
    tids = [t["id"] for t in data["towns"]]
    events: list[dict[str, Any]] = []
    for f in data["factions"]:
        for u in f["forces"]:
            if draw(st.integers(0, 2)) == 0:
                u["authorised"] = draw(st.sampled_from([1, 500, 5000]))
                u["replacements_per_day"] = draw(st.sampled_from([10, 0, 1000]))
        flows = []
        for j in range(draw(st.integers(0, 2))):
            flow: dict[str, Any] = {"id": f"fl{j}", "per_day": draw(st.sampled_from(
                [20, 0.5, 500])), "needs_supply": draw(st.booleans())}
            if f["forces"] and draw(st.booleans()):
                flow["to_unit"] = draw(st.sampled_from([u["id"] for u in f["forces"]]))
            else:
                flow["to_town"] = draw(st.sampled_from(tids))
            if draw(st.booleans()):
                flow["from"] = draw(st.integers(1, days))
            if draw(st.booleans()):
                flow["until"] = draw(st.integers(flow.get("from", 1), days))
            if draw(st.booleans()):
                flow["total"] = draw(st.sampled_from([30, 1000]))
            flows.append(flow)
        f["flows"] = flows
        kind = draw(st.sampled_from(["none", "share", "fighters", "threat"]))
        if kind == "share":
            f["garrison"] = {"share": draw(st.sampled_from([0.0, 0.3, 1.0]))}
        elif kind == "fighters":
            f["garrison"] = {"fighters": draw(st.sampled_from([0, 50, 10_000])),
                             "cap_share": draw(st.sampled_from([0.5, 1.0]))}
        elif kind == "threat":
            f["garrison"] = {"threat_share": draw(st.sampled_from([0.5, 3.0])),
                             "min": 10, "max": draw(st.sampled_from([100, 5000]))}
        if kind in ("fighters", "threat") and draw(st.booleans()):
            f["garrison"]["release_km"] = draw(st.sampled_from([1, 30, 500]))
        units = [u["id"] for u in f["forces"]]
        if units and draw(st.booleans()):
            events.append({"id": f"out_{f['id']}", "day": draw(st.integers(1, days)),
                           "withdraw": [draw(st.sampled_from(units))]})
        if draw(st.booleans()):
            day = draw(st.integers(1, days))
            spread = draw(st.integers(0, min(day - 1, days - day)))
            events.append({"id": f"in_{f['id']}", "day": day, "spread_days": spread,
                           "add_units": [{"id": f"new_{f['id']}", "name": "New",
                                          "faction": f["id"], "town": draw(st.sampled_from(tids)),
                                          "fighters": draw(st.sampled_from([300, 0, 5])),
                                          "replacements_per_day": 25, "authorised": 400}]})
    data["events"] = events
    return data


# ------------------------------------------------------------------ hostile values
def weird_scalars() -> st.SearchStrategy[Any]:
    """Values of every YAML scalar type, including the awkward ones."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, -1, 1e308, -0.0, 2**63, "", "w0", "red", "blue", "hostile",
                         "advance", "conscript", "true", "#cc0000", "2020-01-01", "__class__",
                         "x" * 300, "e0", "mid", "strength > 0.3"]),
        st.text(max_size=30),
        st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    )


def edge_numbers() -> st.SearchStrategy[float | int]:
    """Numbers at the edges: zero, negative, tiny, huge, not finite."""
    return st.one_of(
        st.sampled_from([0, 0.0, -0.0, 1, -1, 1e-300, 0.001, 0.999, 1.0001, 2, 100, 1e6,
                         10_000_000, 1e12, 1e308, float("inf"), float("-inf"), float("nan"),
                         2**31, 2**63 - 1, 2**64]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-5, 200_000),
    )


def weird_values() -> st.SearchStrategy[Any]:
    """Scalars, and small lists and mappings of them (mapping keys are text, as from YAML)."""
    return st.recursive(
        weird_scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(string.ascii_lowercase + "_", min_size=1, max_size=10),
                            inner, max_size=4),
        ),
        max_leaves=8,
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for seg in path:
        node = node[seg]
    return node


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any], max_mutations: int = 4) -> dict[str, Any]:
    """``base`` (a valid scenario's data, not modified) with a few random mutations.

    A mutation replaces a value anywhere with a value of any type, or a number with an edge
    number (more of these load, so more runs see edge values), deletes a key or list item,
    adds an unknown key, or duplicates a list item.
    """
    import copy

    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(data)[1:]  # not the root itself
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _get(data, path[:-1]), path[-1]
        kind = draw(st.sampled_from(["replace", "number", "number", "delete", "add",
                                     "duplicate"]))
        if kind == "number":
            numeric = [p for p in paths
                       if isinstance(_get(data, p), int | float) and not isinstance(
                           _get(data, p), bool)]
            if numeric:
                path = draw(st.sampled_from(numeric))
                _get(data, path[:-1])[path[-1]] = draw(edge_numbers())
        elif kind == "replace":
            parent[last] = draw(weird_values())
        elif kind == "delete":
            del parent[last]
        elif kind == "add" and isinstance(parent, dict):
            key = draw(st.sampled_from(["extra", "id", "controller", "remove", "extends",
                                        "garrison", "fighters", "when", "with"]))
            parent[key] = draw(weird_values())
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return data


# ------------------------------------------------------------------ hostile text
YAML_PIECES = (
    "format: 1\n", "name: x\n", "towns:\n", "  - ", "{id: a, name: A, lat: 1, lon: 2}", "- ",
    ": ", "&a ", "*a ", "!!python/object/apply:os.system ['true']", "!!binary aGk=", "!x ",
    "[", "]", "{", "}", ",", "'", '"', "\\", "\n", "  ", "\t", "#", "---\n", "...\n", "? ",
    "|\n", ">\n", "<<: *a\n", "%YAML 1.1\n", "%TAG ! tag:x\n", "~", "null", ".nan", ".inf",
    "1e999", "0x1F", "0o17", "2020-01-01", "2020-13-45", "99999999999999999999999", "\x00",
    "\ufeff", "\u2028", "é", "simulation: {start_date: 2020-01-01}\n", "factions: []\n",
)


def yaml_texts() -> st.SearchStrategy[str]:
    """YAML-like text: fragments of YAML syntax, tags, anchors and scalars, and plain noise."""
    return st.one_of(
        st.lists(st.sampled_from(YAML_PIECES), max_size=30).map("".join),
        st.text(max_size=200),
        st.lists(st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=5)),
                 max_size=30).map("".join),
    )


EXPR_TOKENS = (
    "day", "morale", "strength", "strength_ratio", "fighters", "besieged", "supplied",
    "in_battle", "towns_held", "casualties", "true", "false", "True", "None", "and", "or",
    "not", "<", "<=", ">", ">=", "==", "!=", "+", "-", "*", "/", "%", "**", "//", "(", ")",
    ",", ".", "[", "]", "{", "}", ":", "=", ":=", "lambda", "x", "for", "in", "if", "else",
    "is", "'t0'", "'a'", '"b"', "f'{day}'", "1", "0", "0.5", "1e12", "1e400", "999999999999",
    "-", "enemy_within_km", "enemy_near", "holds", "min", "max", "abs", "__class__",
    "__import__", "_x", "getattr", "open", "eval", "@", "~", "&", "|", "^", "<<", ">>", "...",
    "1j", "b'x'", "yield", "await", "*", "\\", "#", "\n", " ",
)


def expressions() -> st.SearchStrategy[str]:
    """Rule-condition-like text: language tokens in random order, and plain noise."""
    return st.one_of(
        st.lists(st.sampled_from(EXPR_TOKENS), max_size=40).map(" ".join),
        st.text(max_size=80),
    )
