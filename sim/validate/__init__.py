"""Validation: observed events, scoring ensembles against them, and calibration.

``frontline score`` runs an ensemble of a scenario and scores it against an observations file
(``load_observations``, ``score_runs``); ``frontline calibrate`` fits a scenario's uncertain
estimates to observations with optuna. Names are imported on first use, so that worker
processes, which import only ``sim.validate.ensemble``, stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.validate.crps import crps, crps_window
    from sim.validate.facts import RunFacts, run_facts, simulated
    from sim.validate.observations import Observation, ObservationSet, load_observations
    from sim.validate.score import Score, score_runs

__all__ = ["Observation", "ObservationSet", "RunFacts", "Score", "crps", "crps_window",
           "load_observations", "run_facts", "score_runs", "simulated"]

_HOME = {"Observation": "observations", "ObservationSet": "observations",
         "load_observations": "observations", "RunFacts": "facts", "run_facts": "facts",
         "simulated": "facts", "Score": "score", "score_runs": "score", "crps": "crps",
         "crps_window": "crps"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"sim.validate.{_HOME[name]}"), name)
    raise AttributeError(f"module 'sim.validate' has no attribute {name!r}")
