"""Scenario data as YAML text: block style for sections, one flow-style line per item (fast)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

__all__ = ["scenario_yaml"]

_BARE = re.compile(r"^[a-z]+[0-9]+$|^[a-z]+(_[a-z]+)*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is None:
        return "null"
    s = str(v)
    if _BARE.match(s) and s not in _YAML_WORDS:
        return s
    return json.dumps(s)


def _flow(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v)


def scenario_yaml(data: dict[str, Any], header: str = "") -> str:
    """YAML text of scenario data: block style for sections, one flow-style line per item."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    for key in ("format", "name", "description"):
        if key in data:
            out.append(f"{key}: {_scalar(data[key])}")
    out.append("simulation:")
    out.extend(f"  {k}: {_flow(v)}" for k, v in data["simulation"].items())
    for key in ("towns", "highways"):
        items = data.get(key) or []
        if isinstance(items, dict):  # a table the file names: {file: ...}
            out.append(f"{key}: {_flow(items)}")
            continue
        out.append(f"{key}:" if items else f"{key}: []")
        out.extend(f"  - {_flow(t)}" for t in items)
    out.append("factions:")
    for f in data["factions"]:
        first = True
        for k, v in f.items():
            lead = "  - " if first else "    "
            first = False
            if k in ("forces", "rules", "objectives") and v:
                out.append(f"{lead}{k}:")
                out.extend(f"      - {_flow(x)}" for x in v)
            else:
                out.append(f"{lead}{k}: {_flow(v)}")
    for key in ("features", "tunables"):
        if data.get(key):
            out.append(f"{key}:")
            out.extend(f"  - {_flow(x)}" for x in data[key])
    return "\n".join(out) + "\n"
