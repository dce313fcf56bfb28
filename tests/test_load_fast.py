"""The fast paths of loading big scenarios give what the plain paths give, good input or bad."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import fixed, weird_values
from test_tables import plain_and_fast

from sim.generate import generate_scenario
from sim.scenario import bigchecks, yamlio
from sim.scenario.checks import _whole


class Mapping(dict):  # type: ignore[type-arg]
    """A dict subclass: the fast paths take plain dicts only, the plain paths any dict."""


class Text(str):
    """A str subclass."""


def _item() -> st.SearchStrategy[Any]:
    ident = st.one_of(st.sampled_from(["a", "b", "c", "", "t1"]), st.integers(0, 3), st.none(),
                      st.builds(Text, st.sampled_from(["a", "d"])))
    plain = st.builds(lambda i, has: {"id": i, "x": 1} if has else {"x": 1}, ident,
                      st.booleans())
    return st.one_of(plain, plain, plain, plain.map(Mapping), weird_values())


def _unique(n: int) -> list[Any]:
    return [{"id": f"t{i}"} for i in range(n)]


@fixed(200)
@given(st.lists(_item(), max_size=6), st.integers(60, 70), st.integers(0, 200))
def test_item_segments_and_id_items_fast_equal_plain(extra, n, at):
    items = _unique(n)
    for k, item in enumerate(extra):
        items.insert((at + k) % (len(items) + 1), item)
    saved = yamlio._FAST_ITEMS, bigchecks.FAST_FROM
    try:
        bigchecks.FAST_FROM = 1  # _whole's fast path from this many items
        fast = (yamlio.item_segments(items), yamlio.id_items(items), _whole({"t": items}, "t"))
        yamlio._FAST_ITEMS = 10**9
        plain = (yamlio.item_segments(items), yamlio.id_items(items))
    finally:
        yamlio._FAST_ITEMS, bigchecks.FAST_FROM = saved
    assert fast[:2] == plain
    assert [type(s) for s in fast[0]] == [type(s) for s in plain[0]]
    assert fast[2] == all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in items)


def test_distinct_ids_only_when_every_item_has_its_own_text_id():
    assert yamlio.distinct_ids(_unique(3)) == ["t0", "t1", "t2"]
    for bad in ([{"id": "a"}, {"id": "a"}], [{"id": "a"}, {"id": ""}], [{"id": "a"}, {}],
                [{"id": "a"}, {"id": 1}], [{"id": "a"}, Mapping(id="b")], [{"id": "a"}, "b"],
                [{"id": "a"}, {"id": Text("b")}]):
        assert yamlio.distinct_ids(bad) is None


def test_big_map_checks_on_values_of_other_types(monkeypatch):
    """Ends and controllers that are not text (ints, lists, None, str subclasses, non-dicts)."""
    data = generate_scenario(2_100, 3, 30, seed=3)
    town = data["towns"][7]["id"]
    cases = {
        "int end": lambda d: d["highways"][5].update({"to": 5}),
        "list end": lambda d: d["highways"][5].update({"to": [town]}),
        "dict end": lambda d: d["highways"][6].update({"from": {"a": 1}}),
        "missing end": lambda d: d["highways"][6].pop("from"),
        "text subclass end": lambda d: d["highways"][8].update(
            {"to": Text(d["highways"][8]["to"])}),
        "road not a mapping": lambda d: d["highways"].__setitem__(3, "t1 - t2"),
        "road a dict subclass": lambda d: d["highways"].__setitem__(3, Mapping(d["highways"][3])),
        "int controller": lambda d: d["towns"][4].update(controller=3),
        "list controller": lambda d: d["towns"][4].update(controller=["red"]),
        "text subclass controller": lambda d: d["towns"][4].update(
            controller=Text(d["towns"][4].get("controller") or "f0")),
        "town a dict subclass": lambda d: d["towns"].__setitem__(4, Mapping(d["towns"][4])),
        "garrison nan, no controller": lambda d: (d["towns"][4].pop("controller", None),
                                                  d["towns"][4].update(garrison=float("nan"))),
    }
    for name, change in cases.items():
        changed = copy.deepcopy(data)
        change(changed)
        plain_and_fast(changed, monkeypatch)  # asserts both ways agree
        assert name
