"""Self-contained HTML reports: of one run (``report.html``) and of a sweep's results."""

from __future__ import annotations

from pathlib import Path

from sim.htmlreport.narrative import narrative
from sim.htmlreport.page import write_page
from sim.htmlreport.rundoc import run_document
from sim.rundata import RunData

__all__ = ["narrative", "run_document", "write_run_report"]


def write_run_report(data: RunData, path: Path) -> Path:
    """Write the run's ``report.html`` (one file, nothing fetched) to ``path``."""
    doc = run_document(data)
    title = f"{data.info.get('scenario', 'frontline run')} (seed {data.info.get('seed', '')})"
    return write_page(path, "run.html", ["map.js", "run.js"], doc, title)
