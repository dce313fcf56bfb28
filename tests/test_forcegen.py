"""Force generation on purpose-built maps: replacements, flows, garrison policies, spread dates."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from builders import ROOT, faction, scenario, town
from phase_kit import kit, road

from sim.battle import fight
from sim.context import UnitContext
from sim.errors import ScenarioError
from sim.forcegen import ForceGen, generate
from sim.model import TerritoryModel
from sim.scenario import load_scenario


def line_map(red_extra: dict | None = None, red_unit: dict | None = None, days: int = 8,
             blue_town: str = "far", **sim: object) -> dict:
    """src - a - b - far: red holds src, a, b (sources at src); blue holds far; all hold."""
    unit = {"id": "r1", "name": "R1", "town": "a", "fighters": 600, **(red_unit or {})}
    red = faction("red", supply_sources=["src"], rules=[{"do": "hold"}], forces=[unit],
                  **(red_extra or {}))
    blue = faction("blue", colour="#0000cc", supply_sources=["far"], rules=[{"do": "hold"}],
                   forces=[{"id": "b1", "name": "B1", "town": blue_town, "fighters": 300}])
    return scenario([town("src", 38.0, "red"), town("a", 38.1, "red", 10),
                     town("b", 38.2, "red", 10), town("far", 39.0, "blue")],
                    [road("src", "a"), road("a", "b"), road("b", "far", 80)], [red, blue],
                    days=days, **sim)


def daily(m: TerritoryModel, read) -> list[float]:
    out = []
    while m.running:
        m.step()
        out.append(read(m))
    return out


def flow_events(m: TerritoryModel) -> list[tuple[int, str]]:
    return [(e.day, e.detail) for e in m.events if e.kind == "flow"]


# ----------------------------------------------------------------- replacements
def test_strength_recovers_with_replacements_up_to_authorised():
    m = TerritoryModel(line_map(red_unit={"authorised": 1000, "replacements_per_day": 150}))
    r1 = m.unit_list[0]
    ctx = UnitContext(r1, 0, m.stats("red"), m.sense, m.supply)
    assert ctx.var("strength") == 0.6
    assert daily(m, lambda m: r1.fighters) == [750, 900, 1000, 1000, 1000, 1000, 1000, 1000]
    assert ctx.var("strength") == 1.0
    assert m.ledger.replaced.tolist() == [400.0, 0.0]
    assert m.stats("red")["fighters"] == 1000 + 20  # the two garrisons of 10


def test_no_replacements_for_a_unit_cut_off_or_in_battle_yesterday():
    data = line_map(red_unit={"authorised": 1000, "replacements_per_day": 100})
    k = kit(data)
    r1 = k.unit("r1")
    gen = ForceGen(k.spec, k.world)
    assert ForceGen.needed(k.spec)

    def dawn() -> None:
        generate(gen, 1, {}, k.towns, k.forces, k.factions, k.supply, k.ledger, k.sense,
                 k.record)

    dawn()  # nothing reaches r1 yet: supply was never computed
    assert r1.fighters == 600
    k.supply.reach[:] = True
    r1.in_battle = True
    dawn()
    assert r1.fighters == 600
    r1.in_battle = False
    dawn()
    assert r1.fighters == 700 and k.ledger.replaced[0] == 100


def test_without_authorised_strength_is_against_the_starting_fighters():
    m = TerritoryModel(line_map())
    assert m.unit_list[0].authorised == 600 and m.forcegen is None


# ----------------------------------------------------------------- flows
def test_a_flow_arrives_from_its_day_and_stops_at_its_total():
    flows = [{"id": "levies", "to_town": "b", "per_day": 50, "from": 3, "total": 120,
              "quality": 0.5, "morale": 0.4}]
    m = TerritoryModel(line_map({"flows": flows}))
    b = m.world.index["b"]
    assert daily(m, lambda m: m.towns.garrison[b]) == [10, 10, 60, 110, 130, 130, 130, 130]
    assert flow_events(m) == [(3, "levies arrives"), (5, "levies complete")]
    assert m.ledger.arrived.tolist() == [120.0, 0.0]
    # quality mixed by fighters: 10 at 0.8 with 120 at 0.5
    assert m.towns.garrison_quality[b] == pytest.approx((10 * 0.8 + 120 * 0.5) / 130)


def test_a_flow_to_a_unit_between_two_dates():
    flows = [{"id": "tigers", "to_unit": "r1", "per_day": 10, "from": "2020-01-03",
              "until": "2020-01-05"}]
    m = TerritoryModel(line_map({"flows": flows}))
    assert daily(m, lambda m: m.unit_list[0].fighters) == [600, 610, 620, 630, 630, 630, 630,
                                                           630]
    assert flow_events(m) == [(2, "tigers arrives"), (4, "tigers complete")]


def test_a_flow_into_a_town_the_faction_does_not_hold_is_logged_not_applied():
    flows = [{"id": "late", "to_town": "far", "per_day": 25}]
    m = TerritoryModel(line_map({"flows": flows})).run()
    assert m.towns.garrison[m.world.index["far"]] == 0 and m.ledger.arrived[0] == 0
    texts = [e.text for e in m.events if e.kind == "flow"]
    assert texts == ["Red's reinforcements (late) cannot arrive: far is held by Blue"]


def test_a_flow_starts_when_its_timeline_event_fires():
    data = line_map({"flows": [{"id": "air", "to_town": "b", "per_day": 5,
                                "from_event": "bridge", "total": 10}]})
    data["events"] = [{"id": "bridge", "day": 4, "note": "the air bridge opens"}]
    m = TerritoryModel(data)
    b = m.world.index["b"]
    assert daily(m, lambda m: m.towns.garrison[b]) == [10, 10, 10, 15, 20, 20, 20, 20]


# ----------------------------------------------------------------- garrison policies
def capture_map(policy: dict, attackers: float = 1000, enemy_at: str | None = None) -> dict:
    """Red's unit r stands in blue's empty town fort, as if just arrived; blue may have a unit
    ``enemy_at`` (5 km from fort: ``near``; 90 km: ``rear``)."""
    red = faction("red", supply_sources=["camp"], garrison=policy, forces=[
        {"id": "r", "name": "R", "town": "camp", "fighters": attackers}])
    blue_units = [{"id": "b", "name": "B", "town": enemy_at, "fighters": 400}] if enemy_at else []
    blue = faction("blue", colour="#0000cc", supply_sources=["rear"], forces=blue_units)
    return scenario([town("camp", 38.0, "red", 10), town("fort", 38.1, "blue", 0),
                     town("near", 38.15, "blue", 5), town("rear", 39.0, "blue", 5)],
                    [road("camp", "fort"), road("fort", "near"), road("near", "rear", 80)],
                    [red, blue], combat={"noise": 0.0})


def capture(data: dict) -> tuple[float, float]:
    k = kit(data)
    k.unit("r").arrive(k.t("fort"))
    k.sense.refresh()
    fight(k.forces, k.factions, k.relations, k.world, k.towns, k.supply, k.sense, k.ledger,
          k.spec.simulation.combat, k.rng, k.record)
    assert k.towns.controller[k.t("fort")] == 0
    return float(k.towns.garrison[k.t("fort")]), k.unit("r").fighters


@pytest.mark.parametrize(("policy", "attackers", "enemy_at", "left"), [
    ({"fighters": 100}, 1000, None, 100),
    ({"fighters": 100}, 150, None, 75),  # cap_share 0.5 of 150
    ({"fighters": 100, "cap_share": 1.0}, 150, None, 100),
    ({"share": 0.2}, 1000, None, 200),
    ({"threat_share": 0.5, "min": 20}, 1000, None, 20),
    ({"threat_share": 0.5, "min": 20}, 1000, "near", 200),  # 0.5 x 400 within 30 km
    ({"threat_share": 0.5, "max": 150}, 1000, "near", 150),
    ({"threat_share": 0.5, "radius_km": 3}, 1000, "near", 0),
])
def test_a_garrison_policy_leaves_exactly_what_it_says(policy, attackers, enemy_at, left):
    garrison, unit = capture(capture_map(policy, attackers, enemy_at))
    assert garrison == pytest.approx(left, abs=1e-9)
    assert unit == pytest.approx(attackers - left, abs=1e-9)


def release_map(enemy: str) -> dict:
    policy = {"fighters": 100, "release_km": 50}
    return line_map({"garrison": policy}, blue_town=enemy, days=2)


def test_a_safe_garrison_releases_its_excess_to_the_nearest_unit():
    data = release_map("far")  # far is ~90 km from b
    data["towns"][2]["garrison"] = 500
    m = TerritoryModel(data)
    m.step()
    assert m.towns.garrison[m.world.index["b"]] == 100
    assert m.unit_list[0].fighters == 1000
    assert [(e.day, e.detail) for e in m.events if e.kind == "release"] == [
        (1, "400 fighters to r1")]


def test_a_garrison_with_an_enemy_near_keeps_its_fighters():
    data = release_map("far")
    data["towns"][2]["garrison"] = 500
    data["towns"][3]["lon"] = 38.5  # far now ~27 km from b
    m = TerritoryModel(data)
    m.step()
    assert m.towns.garrison[m.world.index["b"]] == 500
    assert not [e for e in m.events if e.kind == "release"]


# ----------------------------------------------------------------- uncertain dates
def spread_map(seed: int, spread: int = 3) -> dict:
    data = line_map(days=12, seed=seed)
    data["events"] = [{"id": "tigers", "day": 6, "spread_days": spread, "add_units": [
        {"id": "t1", "name": "Tigers", "faction": "red", "town": "src", "fighters": 700}]}]
    return data


def arrival_day(seed: int) -> int:
    m = TerritoryModel(spread_map(seed)).run()
    (day,) = [e.day for e in m.events if e.kind == "timeline"]
    return day


def test_a_spread_date_is_drawn_once_per_run_reproducibly():
    days = [arrival_day(s) for s in range(1, 13)]
    assert days == [arrival_day(s) for s in range(1, 13)]
    assert all(3 <= d <= 9 for d in days) and len(set(days)) >= 4
    m = TerritoryModel(spread_map(5)).run()
    assert "(drawn day" in next(e.text for e in m.events if e.kind == "timeline")


def test_a_spread_window_outside_the_run_is_refused():
    with pytest.raises(ScenarioError, match=r"events\.tigers\.spread_days: the window "
                       r"2020-01-01 - 2020-01-13 \(days 0 - 12\) starts before the run"):
        TerritoryModel(spread_map(1, spread=6))


# ----------------------------------------------------------------- bad input
BAD = [
    ({"flows": [{"id": "x", "to_unit": "r11", "per_day": 5}]},
     r"flows\.x\.to_unit: unknown unit 'r11' \(did you mean 'r1'\?\)"),
    ({"flows": [{"id": "x", "to_unit": "b1", "per_day": 5}]},
     r"flows\.x\.to_unit: unit 'b1' belongs to 'blue'"),
    ({"flows": [{"id": "x", "to_town": "bb", "per_day": 5}]},
     r"flows\.x\.to_town: unknown town 'bb' \(did you mean 'b'\?\)"),
    ({"flows": [{"id": "x", "to_town": "b", "per_day": 5, "from": "2019-12-25"}]},
     r"flows\.x\.from: 2019-12-25 is not after the start date 2020-01-01"),
    ({"flows": [{"id": "x", "to_town": "b", "per_day": 5, "from": 4, "until": 2}]},
     r"flows\.x\.until: until \(day 2\) is before from \(day 4\)"),
    ({"flows": [{"id": "x", "to_town": "b", "to_unit": "r1", "per_day": 5}]},
     r"flows\.x: give exactly one of to_unit and to_town"),
    ({"flows": [{"id": "x", "to_town": "b", "per_day": 5, "from_event": "nope"}]},
     r"flows\.x\.from_event: unknown timeline event 'nope'"),
    ({"garrison": {"share": 0.1, "fighters": 10}},
     r"garrison: give exactly one of share, fighters and threat_share \(got share, fighters\)"),
    ({"garrison": {"share": 0.1, "release_km": 10}}, r"garrison: release_km needs"),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_bad_force_generation_is_located_in_the_file(tmp_path, extra, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(line_map(extra), sort_keys=False))
    with pytest.raises(ScenarioError, match=r"bad\.yaml:\d+: factions\.red\." + message):
        load_scenario(path)


def test_frontline_validate_exits_2_on_a_bad_flow(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(line_map(BAD[0][0]), sort_keys=False))
    run = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], cwd=ROOT,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "bad.yaml:" in run.stderr + run.stdout
    assert "factions.red.flows.x.to_unit: unknown unit 'r11'" in run.stderr + run.stdout


def test_the_timeline_can_change_a_garrison_policy():
    data = capture_map({"fighters": 100}, attackers=1000)
    data["factions"][0]["rules"] = [{"do": "advance"}]
    data["factions"][0]["objectives"] = [{"town": "fort"}, {"town": "near"}]
    data["events"] = [{"id": "thin", "day": 1, "set": {"factions.red.garrison": {"fighters": 30}}}]
    m = TerritoryModel(data)
    assert m.forcegen is not None  # the policy may start releasing
    m.run(1)
    assert m.holder("fort") == "red" and m.towns.garrison[m.world.index["fort"]] == 30


def test_no_spread_no_draw():
    """An event without a spread leaves the generator alone: the combat noise is unchanged."""
    data = spread_map(3, spread=0)
    a = TerritoryModel(data)
    b = TerritoryModel({**data, "events": []})
    assert a.rng.random() == b.rng.random()
