"""The supply phase alone: sieges from connectivity, investment, the tally, attrition."""

from __future__ import annotations

import numpy as np
import pytest
from builders import faction, scenario, town
from phase_kit import Kit, kit, road

import sim.model
from sim.attrition import attrition, conscript
from sim.model import TerritoryModel
from sim.record import Recorder
from sim.supply import SupplyState, compute_supply


def pocket(airlift: float = 0.0) -> dict:
    """src - a - b - c (all red, sources at src); blue holds e next to b; blue unit at e."""
    red = faction("red", supply_sources=["src"])
    blue = faction("blue", colour="#0000cc", supply_sources=["e"],
                   forces=[{"id": "x", "name": "X", "town": "e", "fighters": 500}])
    return scenario([town("src", 38.0, "red"), town("a", 38.1, "red", 100),
                     town("b", 38.2, "red", 200, airlift=airlift), town("c", 38.3, "red", 100),
                     town("e", 38.2, "blue", lat=35.1)],
                    [road("src", "a"), road("a", "b"), road("b", "c"), road("b", "e")],
                    [red, blue], siege={"invest_ratio": 2.0, "attrition": 0.1,
                                        "morale_loss": 0.0, "civilian_loss": 0.0})


def supply(k: Kit) -> None:
    compute_supply(k.supply, k.world, k.towns, k.forces.units, k.factions, k.relations,
                   k.sense, k.spec.simulation.siege.invest_ratio, k.record)


def test_a_hostile_unit_on_the_road_cuts_the_towns_beyond_it():
    k = kit(pocket())
    supply(k)
    assert not k.supply.besieged.any() and k.kinds() == []
    x = k.unit("x")
    x.node, x.dest, x.progress = k.t("b"), k.t("a"), 4.0  # on the a-b road
    k.sense.refresh()
    supply(k)
    assert [k.world.ids[t] for t in k.supply.besieged.nonzero()[0]] == ["b", "c"]
    assert k.kinds() == [("siege_start", "b"), ("siege_start", "c")]
    assert k.supply.reach[0].tolist() == [True, True, False, False, False]
    x.node, x.dest, x.progress = k.t("e"), -1, 0.0
    k.sense.refresh()
    supply(k)
    assert not k.supply.besieged.any()
    assert k.kinds()[2:] == [("siege_lifted", "b"), ("siege_lifted", "c")]


def test_besiegers_invest_a_town_at_the_ratio_and_are_tallied_once():
    k = kit(pocket())
    x = k.unit("x")
    x.node, x.dest, x.progress, x.besieging = k.t("e"), k.t("b"), 9.0, k.t("b")
    x.fighters = 399.0  # below 2 x b's 200 defenders: b's roads stay open
    k.sense.refresh()
    supply(k)
    assert k.supply.besiegers.items() == [((k.t("b"), 1), 399.0)]
    assert not k.supply.besieged.any()
    x.fighters = 400.0  # invested: every road into b is closed to red, b and c cut off
    k.sense.refresh()
    supply(k)
    assert k.supply.besiegers.items() == [((k.t("b"), 1), 400.0)]
    assert [k.world.ids[t] for t in k.supply.besieged.nonzero()[0]] == ["b", "c"]


@pytest.mark.parametrize("airlift", [0.0, 0.75])
def test_a_day_of_siege_attrition_spared_by_the_pockets_airlift(airlift):
    k = kit(pocket(airlift))
    x = k.unit("x")
    x.node, x.dest, x.progress = k.t("b"), k.t("a"), 4.0
    k.sense.refresh()
    supply(k)
    assert k.supply.pocket_airlift[k.t("c")] == airlift  # the best airlift of the pocket
    attrition(k.supply, k.towns, k.forces.units, k.factions, k.relations, k.ledger,
              k.spec.simulation, k.sense)
    kept = 1 - 0.1 * (1 - airlift)
    assert k.towns.garrison.tolist() == pytest.approx([0, 100, 200 * kept, 100 * kept, 0])
    assert k.ledger.casualties[0] == pytest.approx(300 * (1 - kept))


def test_conscription_takes_a_share_of_the_men_up_to_the_cap():
    k = kit(pocket())
    params = {"rate": 0.1, "max_share": 0.15, "quality": 0.4, "morale": 0.5, "desertion": 0.0}
    red = k.factions[0]
    share = k.spec.simulation.fighting_age_share
    conscript(k.towns, k.ledger, red, params, share, k.record)
    men = 10000 * share
    assert k.ledger.recruited[0] == pytest.approx(4 * 0.1 * men)
    assert k.towns.garrison[k.t("a")] == pytest.approx(100 + 0.1 * men)
    conscript(k.towns, k.ledger, red, params, share, k.record)  # capped at 15 % of the men
    assert k.towns.conscripted[k.t("a")] == pytest.approx(0.15 * men)
    assert [e.kind for e in k.record.events] == ["conscription", "conscription"]


def _fresh_supply(model: TerritoryModel) -> SupplyState:
    """The supply state of the model's day computed with no cache kept from earlier days."""
    fresh = SupplyState(len(model.factions), model.world.n, model.supply.airlift,
                        model.supply.airlift_capacity)
    record = Recorder(model.world.ids, model.world.names, [f.id for f in model.factions],
                      model.start_date)
    compute_supply(fresh, model.world, model.towns, model.forces.units, model.factions,
                   model.relations, model.sense, model.spec.simulation.siege.invest_ratio,
                   record, model.roads)
    return fresh


def test_the_kept_searches_and_pocket_airlifts_give_a_fresh_computations_answers(monkeypatch):
    # the default scenario: pockets from day 0 (airlifts 0.5-0.8), captures, closed crossings
    # opened by engineers, besiegers investing towns; every few days an air bridge with a
    # capacity (shares that follow the fighters) comes or goes, or an airlift changes, in a
    # besieged town, as the timeline does
    model = TerritoryModel(days=110)
    kept = checked = 0

    def checked_supply(*args: object, **kw: object) -> None:
        nonlocal kept, checked
        before = dict(model.supply._cache)
        compute_supply(*args, **kw)  # type: ignore[arg-type]
        kept += sum(before.get(f) is model.supply._cache[f] for f in model.supply._cache)
        fresh = _fresh_supply(model)
        for name in ("reach", "supplied", "besieged", "pocket_airlift"):
            assert getattr(model.supply, name).tolist() == getattr(fresh, name).tolist(), name
        checked += 1

    monkeypatch.setattr(sim.model, "compute_supply", checked_supply)
    while model.running:
        besieged = np.flatnonzero(model.supply.besieged)
        if len(besieged) and model.day % 10 == 5:
            model.supply.airlift_capacity[besieged[-1]] = 300.0 * (model.day % 20 == 5)
        if len(besieged) and model.day % 9 == 4:
            model.supply.airlift[besieged[0]] = 0.1 * (model.day % 7)
        model.step()
    assert checked == 110 and kept > 0  # the searches were reused on some days


def test_a_town_an_ally_hands_over_in_a_pocket_takes_the_pockets_airlift():
    # red's pocket b - c (cut at a - b): c is green's, then red's; red's search is the same
    # (green's towns are passable to red either way), its besieged towns are not
    data = pocket(airlift=0.75)
    green = faction("green", colour="#00cc00", supply_sources=["src"],
                    relations={"red": "allied"})
    data["factions"].append(green)
    data["towns"][3]["controller"] = "green"
    k = kit(data)
    x = k.unit("x")
    x.node, x.dest, x.progress = k.t("b"), k.t("a"), 4.0
    k.sense.refresh()
    supply(k)
    assert k.supply.besieged[[k.t("b"), k.t("c")]].tolist() == [True, True]
    assert k.supply.pocket_airlift[[k.t("b"), k.t("c")]].tolist() == [0.75, 0.0]
    k.towns.set_controller(k.t("c"), 0)
    supply(k)
    assert k.supply.pocket_airlift[[k.t("b"), k.t("c")]].tolist() == [0.75, 0.75]
