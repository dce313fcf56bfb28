"""What a calibration leaves: the calibrated variant, the trials table, plots, fit and scores.

- ``calibrated.yaml``: an ``extends:`` variant of the scenario that sets the best trial's
  parameters (every command loads it).
- ``trials.csv`` and ``trials.parquet``: one row per trial (state, objective, parameters, the
  mean CRPS, hit share and median error, seconds, error).
- ``history.png`` and ``importance.png``: optuna's optimisation history and parameter
  importances (fANOVA), drawn with matplotlib.
- ``fit.json`` and the printed table: the best value of each parameter and its uncertainty:
  the range of the parameter over the trials whose objective is within the replicate noise
  of the best (two bootstrap standard deviations of the best trial's objective, resampling its
  runs); parameters this calibration cannot pin down show a wide range.
- ``score_{before,after}[_held_out].{csv,json,png}``: the scenario as written and as calibrated,
  scored on the same seeds against the calibration and the held-out observations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import FrontlineError
from sim.validate.calibfile import CalibrationPlan
from sim.validate.calibrate import objective
from sim.validate.ensemble import RunResult
from sim.validate.score import score_runs

__all__ = ["BOOTSTRAP", "NOISE_SDS", "fit_uncertainty", "variant_patch", "write_outputs"]

BOOTSTRAP = 200
NOISE_SDS = 2.0


def variant_patch(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The part of an ``extends:`` variant that sets dotted paths to values.

    Lists of items with ids are written as ``[{id: x, ...}]`` (merged by id); a list item
    named by index is written as the whole list, changed.

    Examples:
        >>> base = {"factions": [{"id": "a", "rules": [{"id": "r", "with": {"rate": 1}}]}]}
        >>> variant_patch(base, {"factions.a.rules.r.with.rate": 2})
        {'factions': [{'id': 'a', 'rules': [{'id': 'r', 'with': {'rate': 2}}]}]}
    """
    import copy

    from sim.scenario.loader import apply_override, parse_path

    patch: dict[str, Any] = {}
    for text, value in values.items():
        path = parse_path(text)
        node: Any = base
        out: Any = patch
        for i, seg in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, list):
                ids = [x.get("id") if isinstance(x, dict) else None for x in node]
                if isinstance(seg, int) and not isinstance(ids[seg], str):
                    whole = copy.deepcopy(node)
                    apply_override({"x": whole}, ("x", *path[i:]), value)
                    out[:] = whole
                    break
                idx = seg if isinstance(seg, int) else ids.index(seg)
                key = ids[idx]
                item = next((x for x in out if x.get("id") == key), None)
                if item is None:
                    item = {"id": key}
                    out.append(item)
                if last:
                    raise ValueError(f"{text}: a whole list item cannot be fitted")
                node, out = node[idx], item
                continue
            if last:
                out[seg] = value
                break
            child = node.get(seg, {})
            out = out.setdefault(seg, [] if isinstance(child, list) else {})
            node = child
    return patch


def fit_uncertainty(study: Any, plan: CalibrationPlan, seed: int = 0) -> dict[str, Any]:
    """The best parameters and how well the calibration pins each down.

    The replicate noise is the bootstrap standard deviation of the best trial's objective
    (resampling its runs); each parameter's plausible range is its range over the complete
    trials whose objective is within ``NOISE_SDS`` noise standard deviations of the best.
    """
    from optuna.trial import TrialState

    best = study.best_trial
    values = json.loads(best.user_attrs.get("values", "[]"))
    start = plan.scenario.scenario.simulation.start_date
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(BOOTSTRAP if len(values) > 1 else 0):
        pick = rng.integers(0, len(values), len(values))
        runs = [RunResult(i, 0, tuple(values[j])) for i, j in enumerate(pick)]
        boots.append(objective(score_runs(plan.observed.observations, runs, start, plan.days),
                               plan.spec.objective))
    noise = float(np.nanstd(boots)) if boots else 0.0
    limit = best.value + NOISE_SDS * noise
    near = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and t.value <= limit]
    params = {}
    for p in plan.params:
        xs = [t.params[p.path] for t in near if p.path in t.params]
        params[p.path] = {"best": best.params[p.path], "low": min(xs), "high": max(xs),
                          "range": [p.low, p.high]}
    return {"objective": plan.spec.objective, "best_trial": best.number,
            "best_value": best.value, "noise_sd": noise, "within": limit,
            "trials_within": len(near), "parameters": params}


def _trials_table(study: Any) -> Any:
    df = study.trials_dataframe(attrs=("number", "state", "value", "params", "user_attrs",
                                       "duration"))
    df = df.drop(columns=[c for c in df.columns if c == "user_attrs_values"])
    df = df.rename(columns=lambda c: c.removeprefix("params_").removeprefix("user_attrs_"))
    if "duration" in df:
        df["duration"] = df["duration"].dt.total_seconds()
    return df


def write_outputs(study: Any, plan: CalibrationPlan, out: Path) -> dict[str, Any]:
    """Write the variant, trials table, plots and fit; returns the fit (see ``fit.json``).

    Raises:
        FrontlineError: no trial completed, or ``out`` cannot be written.
    """
    import yaml
    from optuna.trial import TrialState

    from sim.validate.plots import history_plot, importance_plot

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise FrontlineError("no trial completed: see the error column of "
                             f"{out / 'trials.csv'}")
    fit = fit_uncertainty(study, plan)
    best = study.best_trial
    try:
        table = _trials_table(study)
        table.to_csv(out / "trials.csv", index=False)
        table.to_parquet(out / "trials.parquet", index=False)
        rel = os.path.relpath(Path(plan.scenario_file).resolve(), out.resolve())
        variant = {"extends": rel, "format": 1,
                   "name": f"{plan.scenario.scenario.name} (calibrated)",
                   "description": f"Calibrated by frontline calibrate {plan.file}: trial "
                                  f"{best.number} of {len(study.trials)}, {plan.spec.objective}"
                                  f" {best.value:.3f} on {plan.observed.name!r}.",
                   **variant_patch(plan.base, {**plan.spec.set, **best.params})}
        (out / "calibrated.yaml").write_text(
            "# Written by frontline calibrate; every command loads it (it extends the "
            "scenario).\n" + yaml.safe_dump(variant, sort_keys=False, allow_unicode=True),
            encoding="utf-8")
        (out / "fit.json").write_text(json.dumps(fit, indent=2) + "\n", encoding="utf-8")
        history = sorted((t.number, float(t.value)) for t in complete)
        best_so_far = list(np.minimum.accumulate([v for _, v in history]))
        history_plot(history, best_so_far, f"{plan.spec.name}: optimisation history "
                     f"({plan.spec.method}, {plan.spec.objective})", out / "history.png")
        if len(complete) > 2 and len(plan.params) > 1:
            import warnings

            import optuna

            with warnings.catch_warnings():  # e.g. "importances will be equal" on few trials
                warnings.simplefilter("ignore")
                importances = optuna.importance.get_param_importances(study)
            importance_plot(importances, f"{plan.spec.name}: parameter importance",
                            out / "importance.png")
    except OSError as exc:
        raise FrontlineError(f"cannot write to {out}: {exc.strerror or exc}") from None
    return fit
