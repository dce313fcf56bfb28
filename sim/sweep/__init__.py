"""Batch parameter sweeps: sweep files, designs, the metric library, execution and reports.

``frontline sweep SWEEP.yaml`` loads a sweep file into a checked plan (``load_sweep``), runs it
through a ``concurrent.futures`` executor (``run_sweep``), streaming one row per run to disk
so that a killed sweep resumes exactly; ``frontline report RESULTS`` summarises the results
(``report``). Names are imported on first use, so that worker processes, which import only
``sim.sweep.runner``, stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.sweep.execute import run_sweep
    from sim.sweep.metrics import METRICS, Metric
    from sim.sweep.report import report
    from sim.sweep.runner import run_one
    from sim.sweep.spec import SweepPlan, load_sweep

__all__ = ["METRICS", "Metric", "SweepPlan", "load_sweep", "report", "run_one", "run_sweep"]

_HOME = {"METRICS": "metrics", "Metric": "metrics", "SweepPlan": "spec", "load_sweep": "spec",
         "report": "report", "run_one": "runner", "run_sweep": "execute"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"sim.sweep.{_HOME[name]}"), name)
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
