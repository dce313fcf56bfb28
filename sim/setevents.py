"""A timeline ``set`` in a run: the scenario with the overrides, and the factions rebuilt.

The runs of one loaded scenario (a sweep's parameter point) fire the same ``set`` events on
the same data, so the scenario each one makes is kept for the later runs in the process
(``SET_CACHE`` of them, maps below ``FREEZE_GC_TOWNS`` towns).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.agents import Faction, Relations
from sim.air import AirPower
from sim.build import build_faction
from sim.buildcache import FREEZE_GC_TOWNS
from sim.routes import Routes
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.runsets import with_runtime_sets
from sim.scenario.schema import Scenario as ScenarioSpec
from sim.world import World

__all__ = ["SET_CACHE", "apply_sets"]

#: Timeline ``set`` results kept for later runs (entries; only maps below FREEZE_GC_TOWNS).
SET_CACHE = 8
# (the data the overrides were applied to, the overrides, the scenario they made)
_set_results: list[tuple[dict[str, Any], dict[str, Any], LoadedScenario]] = []


def _with_sets(
    data: dict[str, Any], sets: dict[str, Any], spec: ScenarioSpec | None = None
) -> LoadedScenario:
    """``load_scenario(data, sets)``, reused while the runs share the same data object.

    With ``spec`` (validated from ``data``) only the touched sections are validated again
    (``sim.scenario.runsets``: the same scenario and data, and only the checks that can find an
    error there: about 1.1 ms CPU a set instead of 2.5, 6,800 function calls instead of 19,800;
    its warnings are not collected). Loading plain data
    is a function of the data and the overrides alone (no file is read), and its result is
    frozen; the runs of one loaded scenario (a sweep's parameter point)
    fire the same ``set`` events on the same data, so each validation is done once (about 3 %
    of a default-scenario run). Big maps are not kept: their data is large.
    """
    for seen, given, loaded in _set_results:
        if seen is data and given == sets:
            return loaded
    loaded = load_scenario(data, sets) if spec is None else with_runtime_sets(data, spec, sets)
    if len(loaded.scenario.towns) < FREEZE_GC_TOWNS:
        _set_results.append((data, sets, loaded))
        del _set_results[:-SET_CACHE]
    return loaded


def apply_sets(
    data: dict[str, Any],
    spec: ScenarioSpec,
    sets: dict[str, Any],
    world: World,
    relations: Relations,
    factions: Sequence[Faction],
    faction_index: dict[str, int],
    routes: Routes,
    air: AirPower | None,
) -> LoadedScenario:
    """The scenario ``spec`` (validated from ``data``) with these overrides, from now on.

    Parameters are read from the returned scenario every day; the ``factions``' rules,
    objectives and garrison settings are rebuilt in place (paths are limited to those, see
    sim.timeline), ``routes`` towards changed objectives are dropped, and ``air`` takes a
    changed ``air:`` block again.
    """
    loaded = _with_sets(data, sets, spec)
    before, spec = spec.factions, loaded.scenario
    # a faction whose validated section is the same object is unchanged (runsets keeps
    # the untouched ones): its compiled rules stand
    changed = [i for i, f in enumerate(spec.factions) if f is not before[i]]
    town_ids = set(world.ids) if changed else set()
    for i in changed:
        old = factions[i]
        new = build_faction(spec.factions[i], i, world, relations, town_ids)
        old.unit_rules, old.faction_rules = new.unit_rules, new.faction_rules
        old.objectives, old.objective_tags = new.objectives, new.objective_tags
        old.garrison_quality, old.garrison_morale = new.garrison_quality, new.garrison_morale
        old.garrison_policy = new.garrison_policy
    if any(".objectives" in path for path in sets):
        routes.fields.clear()  # routes towards the old objectives are stale
    if air is not None:
        for path in sets:
            parts = path.split(".")
            if parts[0] == "factions" and len(parts) > 2 and parts[2] == "air":
                air.refresh(spec, faction_index[parts[1]])
    return loaded
