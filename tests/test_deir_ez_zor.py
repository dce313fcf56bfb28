"""The default scenario against the article it is seeded from, and the story it tells."""

import networkx as nx
import pytest
from builders import DEFAULT

from sim.model import TerritoryModel
from sim.scenario import load_scenario

ENCLAVE = ("dez_joura", "dez_brigade_137", "dez_harabesh", "dez_airbase")
VILLAGES = ("numeisa", "al_jaber", "al_khamisiya")


@pytest.fixture(scope="module")
def start():
    return TerritoryModel(DEFAULT)


@pytest.fixture(scope="module")
def campaign():
    return TerritoryModel(DEFAULT).run()


def test_the_map_is_large_enough_and_connected(start):
    assert start.world.n >= 30
    assert nx.is_connected(start.world.graph)
    assert {f.id for f in start.factions} == {"saa", "sor", "dlb", "isis"}


def test_who_holds_what_in_mid_august_2017(start):
    for village in VILLAGES:  # "capturing the villages of Numeisa, al-Jaber, and al-Khamisiya"
        assert start.holder(village) == "saa"
    assert start.holder("maadan") == "isis"  # "Maadan, the next IS-held village on the road"
    assert start.holder("al_sukhnah") == "saa"  # "after capturing the town on Sunday"
    assert start.holder("al_shaddadi") == "dlb"  # the brigade is "based in al-Shaddadi"
    for town in ("mayadin", "al_bukamal", "dez_old_city"):
        assert start.holder(town) == "isis"
    for town in ENCLAVE:  # "the other part of the city is held by regime forces"
        assert start.holder(town) == "saa"


def test_relations_follow_the_article(start):
    ids = {f.id: f for f in start.factions}
    idx = start.faction_index
    assert idx["sor"] in ids["saa"].friends  # "backed by the tribal Sons of Raqqa militia"
    assert idx["isis"] in ids["dlb"].enemies  # FSA groups against ISIS ...
    assert idx["saa"] in ids["dlb"].enemies  # ... "rejecting" the government
    assert ids["isis"].enemies == {idx["saa"], idx["sor"], idx["dlb"]}


def test_the_three_villages_lie_west_of_maadan(start):
    w = start.world
    maadan = w.lon[w.index["maadan"]]
    for village in VILLAGES:
        assert w.lon[w.index[village]] < maadan


def test_sukhnah_is_about_130_km_from_deir_ez_zor_by_road(start):
    w = start.world
    g = nx.Graph()
    for k in range(w.m):
        g.add_edge(int(w.eu[k]), int(w.ev[k]), km=float(w.length_km[k]))
    km = nx.shortest_path_length(g, w.index["al_sukhnah"], w.index["dez_brigade_137"],
                                 weight="km")
    assert km == pytest.approx(130, rel=0.15)


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
    road = ("kabajib", "al_shula", "kharrata")  # the M20 east of Sukhnah to Brigade 137
    sets = {f"towns.{t}.{k}": v for t in road for k, v in (("controller", "saa"),
                                                             ("garrison", 0))}
    sets["factions.isis.forces.isis_kabajib.town"] = "mayadin"
    opened = TerritoryModel(DEFAULT, overrides=sets)
    assert not opened.is_besieged("dez_brigade_137") and not opened.is_besieged("dez_joura")
    assert opened.is_besieged("dez_airbase")  # still cut off by the ISIS-held cemetery


def test_the_campaign_is_plausible(campaign):
    captured = {(e.town, e.faction): e.day for e in campaign.events if e.kind == "capture"}
    # both axes move on the city
    assert ("maadan", "saa") in captured or ("maadan", "sor") in captured
    assert ("kabajib", "saa") in captured
    # the siege of the enclave is lifted because the graph reconnects, not by decree
    lifted = {e.town for e in campaign.events if e.kind == "siege_lifted"}
    assert "dez_brigade_137" in lifted
    # ISIS conscripts when threatened, not before
    drafts = [e for e in campaign.events if e.kind == "conscription"]
    assert drafts and all(e.faction == "isis" for e in drafts)
    assert drafts[0].day > 0
    isis = campaign.stats("isis")
    assert isis["recruited"] > 0 and isis["towns"] < 30


def test_the_variants_play_out_differently(campaign):
    base_isis = campaign.stats("isis")
    variants = {p.stem: p for p in DEFAULT.parent.glob("deir_ez_zor_2017_*.yaml")}
    assert len(variants) >= 3
    for path in variants.values():
        assert load_scenario(path).data.get("extends") is None  # merged away
    no_draft = TerritoryModel(variants["deir_ez_zor_2017_no_conscription"]).run()
    assert no_draft.stats("isis")["recruited"] == 0
    assert base_isis["recruited"] > 0
    alone = TerritoryModel(variants["deir_ez_zor_2017_no_tribal_militia"])
    assert "sor" not in alone.faction_index
    marches = TerritoryModel(variants["deir_ez_zor_2017_brigade_marches"]).run()
    assert marches.stats("dlb")["towns"] > campaign.stats("dlb")["towns"]
