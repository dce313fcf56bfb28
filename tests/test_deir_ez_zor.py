"""The default scenario against its sources (docs/sources.md), and the story its ensemble tells."""

import datetime as dt

import networkx as nx
import numpy as np
import pytest
from builders import DEFAULT

from sim.model import TerritoryModel
from sim.scenario import load_scenario

ENCLAVE = ("dez_joura", "dez_brigade_137", "dez_harabesh", "dez_airbase")
VILLAGES = ("numeisa", "al_jaber", "al_khamisiya")
RAQQA_ROAD = ("numeisa", "al_jaber", "al_khamisiya", "ghanem_al_ali")
GOV = {"saa", "sor"}


@pytest.fixture(scope="module")
def start():
    return TerritoryModel(DEFAULT)


@pytest.fixture(scope="module")
def campaign():
    return TerritoryModel(DEFAULT).run()


def _road_km(model: TerritoryModel, a: str, b: str) -> float:
    w = model.world
    g = nx.Graph()
    for k in range(w.m):
        g.add_edge(int(w.eu[k]), int(w.ev[k]), km=float(w.length_km[k]))
    return float(nx.shortest_path_length(g, w.index[a], w.index[b], weight="km"))


def _first(model: TerritoryModel, kind: str, town: str | None = None,
           factions: set[str] | None = None) -> int | None:
    days = [e.day for e in model.events if e.kind == kind and (town is None or e.town == town)
            and (factions is None or e.faction in factions)]
    return min(days) if days else None


def test_day_0_is_the_articles_tuesday_8_august_2017(start):
    # docs/sources.md section 1: Xinhua dates the three villages to Tuesday 8 Aug [2]
    assert start.start_date == dt.date(2017, 8, 8)
    assert start.start_date.weekday() == 1  # a Tuesday
    assert start.days == 120  # to 6 Dec, where the held-out observations stop


def test_the_map_is_large_enough_and_connected(start):
    assert start.world.n >= 45
    assert nx.is_connected(start.world.graph)
    assert {f.id for f in start.factions} == {"saa", "sor", "sdf", "isis"}


def test_who_holds_what_on_8_august_2017(start):
    for village in VILLAGES:  # "capturing the villages of Numeisa, al-Jaber, and al-Khamisiya"
        assert start.holder(village) == "saa"
    assert start.holder("maadan") == "isis"  # "Maadan, the next IS-held village on the road"
    assert start.holder("al_sukhnah") == "saa"  # announced on Sunday 6 Aug [6][7]
    assert start.holder("al_shaddadi") == "sdf"  # SDF since February 2016 [59][71]
    for town in ("mayadin", "al_bukamal", "dez_old_city", "harabishah", "kabajib", "marrat",
                 "al_muriiyah", "dez_industrial_zone", "conoco", "al_omar"):
        assert start.holder(town) == "isis"
    for town in ENCLAVE:  # "the other part of the city is held by regime forces"
        assert start.holder(town) == "saa"


def test_relations_follow_the_sources(start):
    ids = {f.id: f for f in start.factions}
    idx = start.faction_index
    assert idx["sor"] in ids["saa"].friends  # "backed by the tribal Sons of Raqqa militia"
    assert idx["isis"] in ids["sdf"].enemies  # docs/sources.md 2.5
    sdf_saa = (idx["saa"] not in ids["sdf"].enemies and idx["saa"] not in ids["sdf"].friends)
    assert sdf_saa  # neutral: a deconfliction line, no alliance [84]-[88]
    assert ids["isis"].enemies == {idx["saa"], idx["sor"], idx["sdf"]}


def test_the_three_villages_lie_west_of_maadan(start):
    w = start.world
    maadan = w.lon[w.index["maadan"]]
    for village in VILLAGES:
        assert w.lon[w.index[village]] < maadan


def test_sukhnah_is_about_130_km_from_deir_ez_zor_by_road(start):
    assert _road_km(start, "al_sukhnah", "dez_brigade_137") == pytest.approx(130, rel=0.15)


def test_harabishah_lies_on_the_m20_20_km_before_kabajib(start):
    # [30][31]: 5 km past Harabishah is 15 km from Kabajib
    assert _road_km(start, "harabishah", "kabajib") == pytest.approx(20)
    assert _road_km(start, "al_sukhnah", "kabajib") == pytest.approx(75)


def test_the_east_bank_is_reached_only_across_the_river(start):
    w = start.world
    east = {"marrat", "hatla", "husseiniya", "khusham", "conoco", "dhiban", "al_omar",
            "al_busayrah", "hajin", "al_susah", "al_kasrah", "dez_industrial_zone",
            "al_shaddadi", "markada", "al_suwar"}
    crossings = set()
    for k in range(w.m):
        u, v = w.ids[int(w.eu[k])], w.ids[int(w.ev[k])]
        if (u in east) != (v in east):
            assert w.edge_terrain[k] == "river", (u, v)
            crossings.add(frozenset((u, v)))
    assert frozenset(("al_muriiyah", "marrat")) in crossings  # the crossing of 18 Sep [118]


def test_west_of_sukhnah_is_mountains_east_of_it_flat_desert(start):
    w = start.world
    sukhnah = w.index["al_sukhnah"]
    for k in range(w.m):
        u, v = int(w.eu[k]), int(w.ev[k])
        if sukhnah in (u, v):
            other = v if u == sukhnah else u
            west = w.lon[other] < w.lon[sukhnah]
            assert w.edge_terrain[k] == ("mountain" if west else "desert")


def test_the_enclave_is_besieged_on_day_0_by_the_supply_computation(start):
    assert {start.world.ids[i] for i in range(start.world.n) if start.besieged[i]} == set(ENCLAVE)
    assert {e.town for e in start.events if e.kind == "siege_start" and e.day == 0} == set(
        ENCLAVE)
    # nothing is flagged by hand: open a road through ISIS ground and the siege is gone
    road = ("harabishah", "kabajib", "bir_ghabaghib", "al_shula", "kharrata")
    sets = {f"towns.{t}.{k}": v for t in road for k, v in (("controller", "saa"),
                                                             ("garrison", 0))}
    sets["factions.isis.forces.isis_kabajib.town"] = "mayadin"
    sets["factions.isis.forces.isis_harabishah.town"] = "mayadin"
    opened = TerritoryModel(DEFAULT, overrides=sets)
    assert not opened.is_besieged("dez_brigade_137") and not opened.is_besieged("dez_joura")
    assert opened.is_besieged("dez_airbase")  # still cut off by the ISIS-held cemetery


def test_the_default_run_tells_the_campaign(campaign):
    relieved = _first(campaign, "siege_lifted", "dez_brigade_137")
    assert relieved is not None and 20 <= relieved <= 40  # 5 Sep is day 28 [34]
    assert _first(campaign, "siege_lifted", "dez_airbase") is not None
    # ISIS takes back a Raqqa-road village in the first weeks (15-25 Aug [3][43])
    retaken = [e.day for e in campaign.events if e.kind == "capture" and e.faction == "isis"
               and e.town in RAQQA_ROAD]
    assert retaken and min(retaken) <= 30
    assert _first(campaign, "capture", "marrat", GOV) is not None  # the army crosses
    city = _first(campaign, "capture", "dez_old_city", GOV)
    mayadin = _first(campaign, "capture", "mayadin", GOV)
    bukamal = _first(campaign, "capture", "al_bukamal", GOV)
    assert city is not None and mayadin is not None and bukamal is not None
    assert relieved < city and mayadin < bukamal
    drafts = [e for e in campaign.events if e.kind == "conscription"]
    assert drafts and all(e.faction == "isis" for e in drafts)
    assert drafts[0].day == 5  # the registration deadline passed; arrests from 13 Aug [15]
    sdf = _first(campaign, "capture", factions={"sdf"})
    assert sdf is not None and sdf >= 32  # Jazira Storm, 9 Sep [79]


def _ensemble(path, seeds, days):
    return [TerritoryModel(path, seed=s, days=days).run() for s in seeds]


def test_the_southern_axis_takes_humaymah_in_august_and_t2_only_after_mayadin(campaign):
    # Humaymah ~20 Aug [184][185]; T2 (23-26 Oct [187][188]) waits for the Dawn 3
    # reinforcements, which come when the army holds al-Mayadin (event dawn_3)
    humaymah = _first(campaign, "capture", "humaymah", GOV)
    assert humaymah is not None and humaymah <= 20
    dawn = [e.day for e in campaign.events if e.kind == "timeline" and e.detail == "dawn_3"]
    mayadin = _first(campaign, "capture", "mayadin", GOV)
    t2 = _first(campaign, "capture", "t2_station", GOV)
    assert len(dawn) == 1 and mayadin is not None and t2 is not None
    assert mayadin <= dawn[0] <= t2
    bombed = [e for e in campaign.events if e.kind == "air" and "bombard" in e.detail]
    assert bombed and all(e.faction == "saa" for e in bombed)


def test_a_small_ensemble_relieves_the_enclave_after_isis_counter_attacks():
    runs = _ensemble(DEFAULT, range(1, 5), 45)
    relief = [_first(m, "siege_lifted", "dez_brigade_137") for m in runs]
    assert all(d is not None and 20 <= d <= 45 for d in relief)
    for m in runs:
        retaken = [e.day for e in m.events if e.kind == "capture" and e.faction == "isis"
                   and e.town in RAQQA_ROAD]
        assert retaken and min(retaken) < min(d for d in relief if d is not None)
        assert _first(m, "conscription", factions={"isis"}) == 5


def test_the_variants_load_and_differ_where_they_say():
    variants = {p.stem: p for p in DEFAULT.parent.glob("deir_ez_zor_2017_*.yaml")}
    assert set(variants) == {f"deir_ez_zor_2017_{v}" for v in
                             ("no_conscription", "no_tribal_militia", "no_russian_air",
                              "sdf_races")}
    for path in variants.values():
        assert load_scenario(path).data.get("extends") is None  # merged away
    no_draft = TerritoryModel(variants["deir_ez_zor_2017_no_conscription"], days=20).run()
    assert no_draft.stats("isis")["recruited"] == 0
    alone = TerritoryModel(variants["deir_ez_zor_2017_no_tribal_militia"])
    assert "sor" not in alone.faction_index
    air = TerritoryModel(variants["deir_ez_zor_2017_no_russian_air"], days=40).run()
    base = TerritoryModel(DEFAULT, days=40).run()
    built = [TerritoryModel(p) for p in (variants["deir_ez_zor_2017_no_russian_air"], DEFAULT)]
    assert [u.quality for u in built[0].unit_list] == [u.quality for u in built[1].unit_list]
    flown = {m: sum(e.kind == "air" for e in m.events) for m in (air, base)}
    assert flown[air] == 0 and flown[base] > 20  # the base's sorties, every day of battle
    surge = [e.day for e in base.events if e.detail == "russian_air_surge"]
    assert surge == [27]  # 4 Sep 2017: the sorties go to 80 [161]


# --- 40-seed checks that each variant differs from the base (p < 0.05) ------------------

SLOW_SEEDS = range(1, 41)
VARIANT_SEEDS = range(1001, 1041)


def _days(runs, kind, town=None, factions=None, days=120):
    """Each run's day of the event, 'never' as one day after the end."""
    return np.array([d if (d := _first(m, kind, town, factions)) is not None else days + 1
                     for m in runs], dtype=float)


@pytest.fixture(scope="module")
def base_runs():
    return _ensemble(DEFAULT, SLOW_SEEDS, 120)


@pytest.mark.slow
@pytest.mark.parametrize("variant, kind, town, factions", [
    ("no_russian_air", "capture", "mayadin", {"saa", "sor"}),   # relief: p = 0.14 since the raids
    ("sdf_races", "capture", "al_bukamal", {"saa", "sor"}),
    ("no_tribal_militia", "capture", "al_khamisiya", {"isis"}),
    ("no_conscription", "capture", "mayadin", {"saa", "sor"}),
])
def test_each_variant_differs_from_the_base_at_p_below_005(base_runs, variant, kind, town,
                                                          factions):
    from scipy.stats import mannwhitneyu

    runs = _ensemble(DEFAULT.parent / f"deir_ez_zor_2017_{variant}.yaml", VARIANT_SEEDS, 120)
    a = _days(base_runs, kind, town, factions)
    b = _days(runs, kind, town, factions)
    assert mannwhitneyu(a, b).pvalue < 0.05, (variant, np.median(a), np.median(b))
