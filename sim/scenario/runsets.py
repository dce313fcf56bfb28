"""A timeline ``set`` during a run: the loaded scenario with the touched sections re-validated.

``load_scenario(data, sets)`` copies the whole scenario data and validates every section with
pydantic again (the map's towns and highways included), 1.5-2 ms of the 6-7 ms a ``set`` event
costs on the default scenario. A run-time ``set`` may only change ``simulation.{combat,siege,
movement,fighting_age_share}`` and a faction's ``rules``, ``objectives``, ``garrison*`` and
``air`` (``timelinechecks.RUNTIME_PATHS`` / ``FACTION_FIELDS``, checked when the scenario is
loaded), so :func:`with_runtime_sets` copies and validates only the touched sections (the
simulation settings, the touched factions) and puts them into a copy of the validated scenario.
The scenario has no validator across sections, so that copy equals the full validation's result.

The data was loaded without errors, so only the cross-reference checks that read a touched
section can find one now (:func:`_has_errors`): the touched factions' objectives, rules,
crossings and tags (``checks.faction_problems``), the tunables' paths, and the timeline's
``set``s of the touched sections. The rest (the map, forces, flows, the other events) reads
nothing a run-time ``set`` changes. Warnings are not looked for (the run never reads them;
the fast path's ``warnings`` are empty): about half of a ``set``'s cost was the whole
scenario's checks run again for them.

Whenever anything is not plainly valid (a path outside those sections, a path that does not
resolve, a schema or cross-reference error, an ``air`` block removed, which other events' checks
read), the full :func:`load_scenario` is run instead, so a bad value gives exactly the
error the full load gives.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sim.scenario.checks import check_tunables, faction_problems
from sim.scenario.copying import plain_copy
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.overrides import apply_override, parse_path
from sim.scenario.problems import Problems, SourceMap
from sim.scenario.schema import Faction, Scenario, SimulationParams
from sim.scenario.timelinechecks import FACTION_FIELDS, RUNTIME_PATHS, check_timeline
from sim.scenario.yamlio import PathKey

__all__ = ["with_runtime_sets"]


def with_runtime_sets(
    data: dict[str, Any], spec: Scenario, sets: dict[str, Any]
) -> LoadedScenario:
    """``load_scenario(data, sets)`` for a loaded scenario's ``data`` and its ``spec``.

    Args:
        data: the plain data ``spec`` was validated from (``LoadedScenario.data``); not changed.
        spec: the validated scenario of ``data``.
        sets: dotted path -> value, as a timeline event's ``set``.

    Raises:
        sim.errors.ScenarioError: as :func:`load_scenario` raises it (the full load is run
            to say it).
    """
    fast = _sections_only(data, spec, sets)
    return fast if fast is not None else load_scenario(data, sets)


def _touched(sets: dict[str, Any]) -> tuple[bool, list[str]] | None:
    """Whether the simulation settings change and which factions do (None: not run-time)."""
    simulation, factions = False, []
    for text in sets:
        try:
            path: PathKey = parse_path(text)
        except ValueError:
            return None
        if text.startswith(RUNTIME_PATHS) and path[0] == "simulation":
            simulation = True
        elif (len(path) >= 3 and path[0] == "factions" and isinstance(path[1], str)
              and path[2] in FACTION_FIELDS):
            if path[1] not in factions:
                factions.append(path[1])
        else:
            return None
    return simulation, factions


def _sections_only(
    data: dict[str, Any], spec: Scenario, sets: dict[str, Any]
) -> LoadedScenario | None:
    """The fast path of :func:`with_runtime_sets`, or None where the full load must decide."""
    touched = _touched(sets)
    if touched is None or "extends" in data:
        return None
    simulation, fids = touched
    listed = data.get("factions")
    if not isinstance(listed, list) or len(listed) != len(spec.factions):
        return None
    at = {f.get("id"): i for i, f in enumerate(listed) if isinstance(f, dict)}
    if any(fid not in at for fid in fids) or len(at) != len(listed):
        return None
    new = dict(data)
    if simulation:
        new["simulation"] = plain_copy(data["simulation"])
    if fids:
        new["factions"] = list(listed)
        for fid in fids:
            new["factions"][at[fid]] = plain_copy(listed[at[fid]])
    try:
        for text, value in sets.items():
            apply_override(new, parse_path(text), value)
        update: dict[str, Any] = {}
        if simulation:
            update["simulation"] = SimulationParams.model_validate(new["simulation"])
        if fids:
            factions = list(spec.factions)
            for fid in fids:
                factions[at[fid]] = Faction.model_validate(new["factions"][at[fid]])
            update["factions"] = factions
            if any(spec.factions[at[fid]].air is not None and factions[at[fid]].air is None
                   for fid in fids):
                return None  # other events' air checks read which factions have air
    except (ValueError, ValidationError):  # pydantic's ValidationError is a ValueError too
        return None
    scenario = spec.model_copy(update=update)
    if _has_errors(new, scenario, simulation, [new["factions"][at[fid]] for fid in fids]):
        return None
    return LoadedScenario(scenario, None, tuple(sets.items()), (), new)


def _has_errors(
    new: dict[str, Any], scenario: Scenario, simulation: bool, factions: list[dict[str, Any]]
) -> bool:
    """Whether the full load of ``new`` could find an error (True may be a false alarm).

    Only the checks that read the changed ``simulation`` or ``factions`` run (the data had no
    error before the ``set``); their problems are not located, the full load says them.
    """
    problems = Problems(SourceMap([("<set>", {})]))
    towns = [t.id for t in scenario.towns]
    town_set = set(towns)
    for faction in factions:
        problems.extend(faction_problems(new, faction, towns, town_set))
    touched: list[PathKey] = [("simulation",)] if simulation else []
    touched += [("factions", str(f["id"])) for f in factions]
    check_tunables(new, problems.add, touched)
    check_timeline(scenario, new, problems, touched)
    return bool(problems.errors)
