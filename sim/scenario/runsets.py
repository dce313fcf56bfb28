"""A timeline ``set`` during a run: the loaded scenario with the touched sections re-validated.

``load_scenario(data, sets)`` copies the whole scenario data and validates every section with
pydantic again (the map's towns and highways included), 1.5-2 ms of the 6-7 ms a ``set`` event
costs on the default scenario. A run-time ``set`` may only change ``simulation.{combat,siege,
movement,fighting_age_share}`` and a faction's ``rules``, ``objectives``, ``garrison*`` and
``air`` (``timelinechecks.RUNTIME_PATHS`` / ``FACTION_FIELDS``, checked when the scenario is
loaded), so :func:`with_runtime_sets` copies and validates only the touched sections (the
simulation settings, the touched factions) and puts them into a copy of the validated scenario.
The scenario has no validator across sections, so that copy equals the full validation's result.
The cross-reference checks (``check_scenario``, ``check_forces``, ``check_timeline``) run as in
the full load, on the same data, so the warnings are the same.

Whenever anything is not plainly valid (a path outside those sections, a path that does not
resolve, a schema or cross-reference error), the full :func:`load_scenario` is run instead, so a
bad value gives exactly the error the full load gives.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sim.scenario.checks import check_scenario
from sim.scenario.copying import plain_copy
from sim.scenario.forcechecks import check_forces
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.overrides import OVERRIDE_FILE, apply_override, parse_path
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
    placed: dict[PathKey, int] = {}
    try:
        for text, value in sets.items():
            path = parse_path(text)
            created: list[PathKey] = []
            apply_override(new, path, value, created=created)
            placed.update(dict.fromkeys([*created, path], 0))
        update: dict[str, Any] = {}
        if simulation:
            update["simulation"] = SimulationParams.model_validate(new["simulation"])
        if fids:
            factions = list(spec.factions)
            for fid in fids:
                factions[at[fid]] = Faction.model_validate(new["factions"][at[fid]])
            update["factions"] = factions
    except (ValueError, ValidationError):  # pydantic's ValidationError is a ValueError too
        return None
    scenario = spec.model_copy(update=update)
    # located as the full load locates them: the overrides, then the data
    problems = Problems(SourceMap([(OVERRIDE_FILE, placed), ("<scenario>", {})]))
    check_scenario(new, problems)
    check_forces(scenario, problems)
    check_timeline(scenario, new, problems)
    if problems.errors:
        return None
    return LoadedScenario(scenario, None, tuple(sets.items()), tuple(problems.warnings), new)

