"""What kind of frontline file a path holds, and checking each as what it is (``validate``).

``frontline validate FILE`` accepts any of the YAML files frontline reads. The kind is told by
the file's keys (all the formats share ``format: 1``):

- a **sweep** names its ``scenario:`` and has ``parameters:`` or ``metrics:``;
- an **observations** file has a list of ``observations:``;
- a **calibration** file names its ``scenario:`` and observations and has a calibration's
  settings (``objective:``, ``method:``, ``trials:``, ``held_out:``);
- anything else is read as a **scenario**.

Examples:
    >>> detect_kind({"format": 1, "scenario": "s.yaml", "parameters": {}, "metrics": []})
    'sweep'
    >>> detect_kind({"format": 1, "observations": [{"id": "a"}]})
    'observations'
    >>> detect_kind({"format": 1, "towns": []})
    'scenario'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import FrontlineError
from sim.scenario.yamlio import read_yaml

__all__ = ["KINDS", "detect_kind", "validate_file"]

KINDS = ("scenario", "sweep", "observations", "calibration")
_CALIBRATION_KEYS = {"objective", "method", "trials", "held_out", "held_out_observations"}


def detect_kind(data: Any) -> str:
    """The kind of file ``data`` (as read from YAML) is: one of :data:`KINDS`."""
    if not isinstance(data, dict):
        return "scenario"  # the scenario loader says what is wrong with it
    observations = data.get("observations")
    if isinstance(observations, list) and any(isinstance(o, dict) for o in observations):
        return "observations"
    if "scenario" in data and "towns" not in data:
        if _CALIBRATION_KEYS & set(data) or isinstance(observations, str):
            return "calibration"
        if "parameters" in data or "metrics" in data:
            return "sweep"
    return "scenario"


def validate_file(path: str | Path, overrides: list[tuple[str, Any]] | None = None
                  ) -> list[str]:
    """Check a file as what it is; the lines to print (warnings first, then a summary).

    Raises:
        FrontlineError: the file is invalid (a ScenarioError with every problem), or ``--set``
            was given for a file that is not a scenario.
    """
    data, _ = read_yaml(path)
    kind = detect_kind(data)
    if kind != "scenario" and overrides:
        raise FrontlineError(f"{path} is a {kind} file: --set applies to scenarios only")
    checker: Callable[[str | Path], list[str]] = {
        "sweep": _sweep, "observations": _other, "calibration": _other,
    }.get(kind, lambda p: _scenario(p, overrides))
    return checker(path)


def _scenario(path: str | Path, overrides: list[tuple[str, Any]] | None) -> list[str]:
    from sim.scenario.loader import load_scenario

    loaded = load_scenario(Path(path), overrides or [])
    s = loaded.scenario
    units = sum(len(f.forces) for f in s.factions)
    return [*map(str, loaded.warnings),
            f"{path}: valid: {len(s.towns)} towns, {len(s.highways)} highways, "
            f"{len(s.factions)} factions, {units} units, {s.simulation.days} days from "
            f"{s.simulation.start_date}"]


def _sweep(path: str | Path) -> list[str]:
    from sim.sweep.spec import load_sweep

    plan = load_sweep(path)
    d = plan.design
    names = ", ".join(p.path for p in plan.params) or "none"
    return [*map(str, plan.scenario.warnings),
            f"{path}: valid sweep (dry run): {d.n_runs:,} runs ({len(d.points):,} points x "
            f"{d.replicates} replicates) of {plan.days} days on {plan.scenario_file}; "
            f"{len(plan.metrics)} metric columns; parameters: {names}"]


def _other(path: str | Path) -> list[str]:
    """Observations and calibration files, checked by their own loaders (``sim.validate``)."""
    kind = detect_kind(read_yaml(path)[0])
    if kind == "observations":
        from sim.validate.observations import load_observations

        obs = load_observations(path)
        against = f" (checked against {obs.scenario_file})" if obs.scenario_file else ""
        return [*map(str, obs.warnings),
                f"{path}: valid observations file: {len(obs.observations)} observations"
                f"{against}"]
    from sim.validate.calibfile import load_calibration

    plan = load_calibration(path)
    names = ", ".join(p.path for p in plan.params) or "none"
    held = f", {len(plan.held_out.observations)} held out" if plan.held_out else ""
    return [*map(str, plan.scenario.warnings),
            f"{path}: valid calibration file: {len(plan.params)} parameters ({names}) fitted "
            f"to {len(plan.observed.observations)} observations{held}, {plan.days} days a run "
            f"on {plan.scenario_file}"]


def _a(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind
