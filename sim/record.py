"""What a run leaves behind: dated events, per-faction time series and the control table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["EVENT_KINDS", "Event"]

EVENT_KINDS = (
    "capture",
    "siege_start",
    "siege_lifted",
    "conscription",
    "battle",
    "retreat",
    "surrender",
    "destroyed",
)


@dataclass(frozen=True)
class Event:
    """One dated thing that happened, with a readable sentence in ``text``."""

    day: int
    date: dt.date
    kind: str
    faction: str
    town: str
    town_name: str
    other_faction: str
    detail: str
    text: str

    def line(self) -> str:
        """The event as a log line: ``2017-08-29  Syrian Arab Army captures Maadan from ISIS``."""
        return f"{self.date.isoformat()}  {self.text}"

    def row(self) -> dict[str, object]:
        """The event as a CSV row."""
        return {
            "date": self.date.isoformat(),
            "day": self.day,
            "kind": self.kind,
            "faction": self.faction,
            "town": self.town,
            "town_name": self.town_name,
            "other_faction": self.other_faction,
            "detail": self.detail,
            "text": self.text,
        }
