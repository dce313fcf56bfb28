"""The metric library: what a sweep can record about a finished run, one value per metric.

Every metric is a pure function of a finished :class:`~sim.model.TerritoryModel`: it reads the
model's recorder (``model.record``: events, daily control table, the factions' statistics) and
changes nothing.
A sweep file names metrics with arguments (a town, a list of towns, a faction); a metric that
takes a faction but is given none records one column per faction.

Examples:
    >>> sorted(METRICS)[:3]
    ['capture_day', 'casualties', 'control_day']
    >>> METRICS["capture_day"].column(town="mayadin", faction="saa")
    'capture_day.mayadin.saa'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sim.model import TerritoryModel

__all__ = ["METRICS", "SERIES", "Metric", "MetricDef", "control_changes", "evaluate"]

#: Kinds of value: a day (an int, or None for "never"), a count, an amount, a faction id.
Kind = Literal["day", "count", "amount", "faction"]

#: Per-faction daily series a sweep can record in its long table (``series:``); the same names
#: as ``sim.record.STATISTICS`` (a test keeps them equal, without importing Mesa here).
SERIES = ("towns", "population", "fighters", "casualties", "deserted", "recruited",
          "besieged_towns", "units")


@dataclass(frozen=True)
class Metric:
    """One metric column of a sweep, with its arguments resolved.

    Attributes:
        column: the column name in the results.
        metric: the metric's name in the library (a key of ``METRICS``).
        town: the town argument, if the metric takes one.
        towns: the towns argument, if the metric takes a list.
        faction: the faction argument, if any.
    """

    column: str
    metric: str
    town: str | None = None
    towns: tuple[str, ...] = ()
    faction: str | None = None

    @property
    def kind(self) -> Kind:
        """The kind of value this metric records."""
        return METRICS[self.metric].kind


@dataclass(frozen=True)
class MetricDef:
    """A metric of the library: its arguments, the kind of value, and how to compute it.

    Attributes:
        name: the name a sweep file uses (``metric: capture_day``).
        kind: ``day`` (first day something holds; None if never), ``count``, ``amount`` or
            ``faction`` (a faction id, None for nobody).
        required: arguments that must be given.
        optional: arguments that may be given.
        per_faction: when the faction is omitted, record one column per faction.
        doc: one sentence for the documentation and error messages.
        fn: the pure function ``(model, metric) -> value``.
    """

    name: str
    kind: Kind
    required: tuple[str, ...]
    optional: tuple[str, ...]
    per_faction: bool
    doc: str
    fn: Callable[[TerritoryModel, Metric], Any]

    def column(self, town: str | None = None, towns: tuple[str, ...] | list[str] = (),
               faction: str | None = None) -> str:
        """The default column name: the metric and its arguments, joined by dots."""
        parts = [self.name]
        if town:
            parts.append(town)
        if towns:
            parts.append("+".join(towns))
        if faction:
            parts.append(faction)
        return ".".join(parts)


# ------------------------------------------------------------------ functions
def _capture_day(model: TerritoryModel, m: Metric) -> int | None:
    for ev in model.record.events:
        if ev.kind == "capture" and ev.town == m.town and m.faction in (None, ev.faction):
            return ev.day
    return None


def _siege_lifted_day(model: TerritoryModel, m: Metric) -> int | None:
    towns = m.towns or ((m.town,) if m.town else ())
    lifted: dict[str, int] = {}
    for ev in model.record.events:
        if ev.kind == "siege_lifted" and ev.town in towns and ev.town not in lifted:
            lifted[ev.town] = ev.day
    if len(lifted) < len(set(towns)):
        return None
    return max(lifted.values())


def _control_day(model: TerritoryModel, m: Metric) -> int | None:
    f = model.faction_index[m.faction or ""]
    idx = [model.world.index[t] for t in m.towns]
    for day, row in enumerate(model.record.control_history):
        if all(row[i] == f for i in idx):
            return day
    return None


def _holder(model: TerritoryModel, m: Metric) -> str | None:
    return model.holder(m.town or "")


def _stat(key: str, cast: Callable[[Any], Any]) -> Callable[[TerritoryModel, Metric], Any]:
    def value(model: TerritoryModel, m: Metric) -> Any:
        return cast(model.record.stats[model.faction_index[m.faction or ""]][key])

    return value


def _defs() -> dict[str, MetricDef]:
    defs = [
        MetricDef("capture_day", "day", ("town",), ("faction",), False,
                  "first day the town is captured (by the faction, if given); empty if never",
                  _capture_day),
        MetricDef("siege_lifted_day", "day", (), ("town", "towns"), False,
                  "day the siege of the town is lifted (supply restored while its holder keeps "
                  "it); with several towns, the day the last of them is lifted; empty if never",
                  _siege_lifted_day),
        MetricDef("control_day", "day", ("faction", "towns"), (), False,
                  "first day (0 = the start) on which the faction holds every one of the towns; "
                  "empty if never", _control_day),
        MetricDef("holder", "faction", ("town",), (), False,
                  "id of the faction holding the town at the end; empty if nobody", _holder),
        MetricDef("towns_held", "count", (), ("faction",), True,
                  "towns the faction holds at the end", _stat("towns", int)),
        MetricDef("population_held", "amount", (), ("faction",), True,
                  "population of the towns the faction holds at the end",
                  _stat("population", float)),
        MetricDef("fighters", "amount", (), ("faction",), True,
                  "the faction's fighters at the end (units and garrisons)",
                  _stat("fighters", float)),
        MetricDef("casualties", "amount", (), ("faction",), True,
                  "the faction's fighters killed or captured over the run",
                  _stat("casualties", float)),
        MetricDef("deserted", "amount", (), ("faction",), True,
                  "the faction's conscripts who deserted over the run", _stat("deserted", float)),
        MetricDef("recruited", "amount", (), ("faction",), True,
                  "men the faction conscripted over the run", _stat("recruited", float)),
    ]
    return {d.name: d for d in defs}


#: The metric library, by name.
METRICS: dict[str, MetricDef] = _defs()


def evaluate(model: TerritoryModel, metrics: Sequence[Metric]) -> dict[str, Any]:
    """The value of every metric on a finished model, by column name."""
    return {m.column: METRICS[m.metric].fn(model, m) for m in metrics}


def control_changes(model: TerritoryModel) -> str:
    """Who held each town when, compactly: JSON ``{town: [[day, faction or null], ...]}``.

    The first pair of each town is day 0; a pair follows for every day the holder changed.
    The sweep report rebuilds each town's holder by day from this column.
    """
    import numpy as np

    ids = [f.id for f in model.factions]
    table = np.stack(model.record.control_history)
    changed = np.zeros(table.shape, dtype=bool)
    changed[0] = True
    changed[1:] = table[1:] != table[:-1]
    out: dict[str, list[list[Any]]] = {}
    for i, town in enumerate(model.world.ids):
        days = np.flatnonzero(changed[:, i])
        out[town] = [[int(d), ids[table[d, i]] if table[d, i] >= 0 else None] for d in days]
    return json.dumps(out, separators=(",", ":"))
