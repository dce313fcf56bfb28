"""Self-contained HTML reports: of one run (``report.html``) and of a sweep's results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.htmlreport.narrative import narrative
from sim.htmlreport.page import write_page
from sim.htmlreport.rundoc import run_document
from sim.rundata import RunData

if TYPE_CHECKING:
    import pandas as pd

    from sim.sweep.observed import Marker

__all__ = ["narrative", "run_document", "write_run_report", "write_sweep_report"]


def write_run_report(data: RunData, path: Path) -> Path:
    """Write the run's ``report.html`` (one file, nothing fetched) to ``path``."""
    doc = run_document(data)
    title = f"{data.info.get('scenario', 'frontline run')} (seed {data.info.get('seed', '')})"
    return write_page(path, "run.html", ["map.js", "run.js"], doc, title)


def write_sweep_report(meta: dict[str, Any], df: pd.DataFrame, results: Path, out: Path,
                       observed: Sequence[Marker] = ()) -> Path:
    """Write the sweep's ``report.html`` into ``out`` (after the other report files).

    ``observed``: observed events to mark (``sim.sweep.observed.markers``).
    """
    from sim.htmlreport.sweepdoc import sweep_document

    doc = sweep_document(meta, df, results, out, observed)
    return write_page(out / "report.html", "sweep.html", ["map.js", "sweep.js"], doc,
                      str(meta.get("name", "frontline sweep")))
