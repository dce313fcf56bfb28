"""Assembling one self-contained HTML file: a template with its styles, scripts and data inlined.

The page's Content-Security-Policy allows no network request at all (``default-src 'none'``),
so a report opened from ``file://`` works the same with or without internet.
"""

from __future__ import annotations

import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["render", "write_page"]

_SLOT = re.compile(r"\{\{(TITLE|CSS|DATA|JS)\}\}")


def _static(name: str) -> str:
    return resources.files("sim.htmlreport").joinpath("static", name).read_text(encoding="utf-8")


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(template: str, scripts: list[str], data: dict[str, Any], title: str) -> str:
    """The page ``template`` (in ``static/``) with ``scripts`` (in order) and ``data`` inlined."""
    payload = json.dumps(_clean(data), separators=(",", ":"), sort_keys=True,
                         ensure_ascii=False, allow_nan=False)
    # inside <script>, "</script" ends the element and "<!--" opens a comment: "<" only
    # occurs inside JSON strings, where \u003c means the same
    payload = payload.replace("<", "\\u003c")
    slots = {"TITLE": _escape_html(title), "CSS": _static("report.css"),
             "DATA": payload, "JS": "\n".join(_static(s) for s in scripts)}
    return _SLOT.sub(lambda m: slots[m.group(1)], _static(template))


def write_page(path: Path, template: str, scripts: list[str], data: dict[str, Any],
               title: str) -> Path:
    """Write the rendered page to ``path``; returns it."""
    path.write_text(render(template, scripts, data, title), encoding="utf-8")
    return path
