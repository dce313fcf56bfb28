"""The results table's column names: SQL-safe names for parameter paths and metric columns.

A sweep names its parameters by dotted paths (``factions.isis.rules.forced_conscription.with.
rate``) and its metrics by dotted columns (``capture_day.mayadin.saa``). Those are the names the
report and the Python API use, but a column called that needs quoting in SQL, so the results
file stores each under a name matching ``[a-z_][a-z0-9_]*``: a dot becomes ``__`` (as
``TerritoryModel``'s keywords spell paths), ``+`` becomes ``_and_``, anything else outside
``[a-z0-9_]`` becomes ``_``, letters are lower-cased, a leading digit gets a ``_`` before it and
an SQL keyword a ``_`` after it; a name already taken gets ``_2``, ``_3``, ...

Every day metric also gets ``<column>__happened``: true if it happened within the run, false if
it never did (its day is then null), null for a failed run, so that "never" cannot be read as a
day. The mapping, in column order, is stored with the sweep's metadata (``columns``).

Examples:
    >>> sql_name("factions.isis.rules.forced_conscription.with.rate")
    'factions__isis__rules__forced_conscription__with__rate'
    >>> sql_name("control_day.saa.dez_old_city+dez_cemetery")
    'control_day__saa__dez_old_city_and_dez_cemetery'
    >>> sql_name("Order"), sql_name("1st.rate")
    ('order_', '_1st__rate')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["FIXED", "HAPPENED", "SQL_NAME", "FileRow", "column_map", "renames", "sql_name"]

#: What every results column name matches.
SQL_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")

#: The suffix of a day metric's boolean column.
HAPPENED = "__happened"

#: Columns whose names are already SQL-safe, with their role in ``column_map``.
FIXED = {"run": "run", "point": "run", "replicate": "run", "seed": "run", "status": "status",
         "error": "status", "control": "control", "closed": "closed"}

#: Words that would need quoting as a column name in common SQL dialects (SQLite, DuckDB,
#: PostgreSQL): a name equal to one of them gets a trailing ``_``.
RESERVED = frozenset((
    "all", "alter", "analyse", "analyze", "and", "any", "array", "as", "asc", "between", "both",
    "by", "case", "cast", "check", "collate", "column", "constraint", "create", "cross",
    "current_date", "current_time", "current_timestamp", "current_user", "default", "deferrable",
    "delete", "desc", "distinct", "do", "drop", "else", "end", "except", "exists", "false",
    "fetch", "for", "foreign", "from", "full", "grant", "group", "having", "in", "index",
    "initially", "inner", "insert", "intersect", "into", "is", "join", "lateral", "leading",
    "left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "null", "offset",
    "on", "only", "or", "order", "outer", "placing", "primary", "references", "returning",
    "right", "select", "session_user", "some", "symmetric", "table", "then", "to", "trailing",
    "true", "union", "unique", "update", "user", "using", "values", "variadic", "when", "where",
    "window", "with",
))


def sql_name(path: str) -> str:
    """The SQL-safe form of a dotted path or column (before making it unique)."""
    s = path.lower().replace(".", "__").replace("+", "_and_")
    s = re.sub(r"[^a-z0-9_]", "_", s) or "_"
    if s[0].isdigit():
        s = "_" + s
    return s + "_" if s in RESERVED else s


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    taken.add(out)
    return out


def column_map(params: Iterable[str], metrics: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Every results column in order, as ``{"column", "path", "role"}``.

    Args:
        params: the parameters' dotted paths, in order.
        metrics: ``(column, kind)`` of each metric, in order.

    Returns:
        ``column`` is the name in the file, ``path`` the dotted name it stands for, ``role`` one
        of ``run``, ``parameter``, ``status``, ``metric``, ``happened`` (a day metric's boolean;
        ``path`` is the metric's), ``control``, ``closed``.
    """
    taken = set(FIXED)
    named_params = [(p, _unique(sql_name(p), taken)) for p in params]
    named = []
    for column, kind in metrics:
        sql = _unique(sql_name(column), taken)
        named.append((column, sql, _unique(sql + HAPPENED, taken) if kind == "day" else None))
    out = [{"column": c, "path": c, "role": "run"} for c in ("run", "point", "replicate", "seed")]
    out += [{"column": sql, "path": p, "role": "parameter"} for p, sql in named_params]
    out += [{"column": c, "path": c, "role": "status"} for c in ("status", "error")]
    for column, sql, happened in named:
        out.append({"column": sql, "path": column, "role": "metric"})
        if happened:
            out.append({"column": happened, "path": column, "role": "happened"})
    out.append({"column": "control", "path": "control", "role": "control"})
    out.append({"column": "closed", "path": "closed", "role": "closed"})
    return out


def renames(meta: dict[str, Any]) -> dict[str, str]:
    """File column -> dotted name, for the parameters and metrics of a results file's metadata.

    Results written before the names were made SQL-safe have no ``columns``: nothing to rename.
    """
    cols = meta.get("columns")
    if not isinstance(cols, list):
        return {}
    return {c["column"]: c["path"] for c in cols if isinstance(c, dict)
            and c.get("role") in ("parameter", "metric") and c.get("column") != c.get("path")}


class FileRow:
    """Turns a run's row (dotted names) into the file's row, adding the ``__happened`` columns.

    Args:
        columns: the mapping ``column_map`` made (the sweep metadata's ``columns``).
    """

    def __init__(self, columns: list[dict[str, str]]):
        self.names = {c["path"]: c["column"] for c in columns
                      if c["role"] in ("parameter", "metric")}
        self.happened = [(c["path"], c["column"]) for c in columns if c["role"] == "happened"]

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row under the file's names; ``__happened`` is null for a failed run."""
        out = {self.names.get(k, k): v for k, v in row.items()}
        ok = row.get("status") == "ok"
        out.update({col: (row.get(path) is not None) if ok else None
                    for path, col in self.happened})
        return out
