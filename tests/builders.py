"""Builders of small purpose-built scenarios for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
DEFAULT = ROOT / "scenarios" / "deir_ez_zor_2017.yaml"


def town(tid: str, lon: float, controller: str | None = None, garrison: float = 0,
         lat: float = 35.0, **extra: Any) -> dict[str, Any]:
    """A town on a parallel, 0.1 degrees of longitude apart ~ 9 km."""
    t = {"id": tid, "name": tid.replace("_", " ").title(), "lat": lat, "lon": lon,
         "population": 10000, "garrison": garrison, **extra}
    if controller:
        t["controller"] = controller
    return t


def faction(fid: str, colour: str = "#cc0000", **extra: Any) -> dict[str, Any]:
    return {"id": fid, "name": fid.title(), "colour": colour, **extra}


def scenario(towns: list[dict[str, Any]], highways: list[tuple[str, str]] | list[dict[str, Any]],
             factions: list[dict[str, Any]], days: int = 10, **sim: Any) -> dict[str, Any]:
    hw = [h if isinstance(h, dict) else {"from": h[0], "to": h[1]} for h in highways]
    return {"format": 1, "name": "test", "simulation": {"start_date": "2020-01-01",
                                                        "days": days, "seed": 1, **sim},
            "towns": towns, "highways": hw, "factions": factions}
