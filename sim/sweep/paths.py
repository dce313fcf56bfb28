"""Paths in sweep files: checked, compared in one canonical form; values made storable.

The results file and its run records are Parquet and JSON, so dates are stored as ISO text.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from sim.scenario.overrides import apply_override, canonical_path, parse_path
from sim.scenario.problems import Problems
from sim.scenario.yamlio import PathKey, format_path

__all__ = ["check_overlaps", "check_path", "plain"]

_RESERVED_PATHS = {
    "simulation.days": "set the number of days with the sweep's days: field",
    "simulation.seed": "run seeds come from the sweep's seed: and replicates: fields",
}


def check_path(text: str, base: dict[str, Any], where: PathKey, problems: Problems) -> bool:
    """Whether a set: or parameter path exists in the scenario (else its problem is added)."""
    if text in _RESERVED_PATHS:
        problems.add(where, f"cannot be swept or set here: {_RESERVED_PATHS[text]}")
        return False
    try:
        apply_override(copy.deepcopy(base), parse_path(text), None, dry_run=True)
    except ValueError as exc:
        problems.add(where, str(exc))
        return False
    return True


def plain(value: Any) -> Any:
    """``value`` with dates as ISO text: what results files and run records can store.

    The scenario reads the text back as the same date, so a run is unchanged, and a recorded
    run replays with ``frontline run --set simulation.start_date=2017-08-10``.

    Examples:
        >>> import datetime as dt
        >>> plain({"a": [dt.date(2017, 8, 10)], "b": 1})
        {'a': ['2017-08-10'], 'b': 1}
    """
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def check_overlaps(sets: dict[str, Any], parameters: dict[str, Any], base: dict[str, Any],
                   problems: Problems) -> None:
    """Refuse two paths (parameters or set:) that name the same value, or one inside another.

    Paths are compared in one canonical form (list items by id where they have one), so
    ``forces[0].fighters`` and ``forces.r1.fighters`` are the same value.
    """
    seen: list[tuple[PathKey, PathKey, str]] = []  # (canonical, where in the file, as written)
    for section, names in (("set", sets), ("parameters", parameters)):
        for name in names:
            try:
                canon = canonical_path(base, parse_path(name))
            except ValueError:
                continue  # reported by the path check
            where: PathKey = (section, name)
            for other, other_where, other_name in seen:
                shorter = min(len(canon), len(other))
                if canon[:shorter] != other[:shorter]:
                    continue
                same = format_path(canon)
                if len(canon) == len(other):
                    what = (f"names the same value as {format_path(other_where)}" +
                            (f" (both are {same})" if name != other_name else ""))
                elif len(canon) < len(other):
                    what = f"contains {format_path(other_where)} ({same} holds {other_name})"
                else:
                    what = (f"is inside {format_path(other_where)} ({format_path(other)} holds "
                            f"{name})")
                problems.add(where, f"{what}: each value can be given in one place only")
            seen.append((canon, where, name))
