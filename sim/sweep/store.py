"""Sweep results on disk: crash-safe shards while a sweep runs, one sorted file at the end.

While a sweep runs, each finished chunk becomes a small Parquet shard in ``RESULTS.parts/``,
written to a temporary name, flushed to disk and renamed into place, so a shard is either
complete or absent however the process dies. The shard of the runs table is renamed last and
is the commit: a daily-series shard without it is discarded on resume. ``manifest.json`` holds
the sweep's fingerprint, so a changed sweep file or scenario is never mixed into old results.

When every run is done the shards are streamed, in run order, into ``RESULTS`` (Parquet, or
CSV with a ``.meta.json`` beside it), again through a temporary file and a rename; then the
shard directory is removed. The results file therefore exists only when it is complete.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim import atomic
from sim.errors import FrontlineError
from sim.sweep.columns import FileRow, column_map
from sim.sweep.design import ParamDef
from sim.sweep.metrics import Metric
from sim.sweep.spec import SweepPlan

__all__ = ["META_KEY", "ResultStore", "read_meta", "read_series", "results_schema", "series_path",
           "sweep_meta"]

META_KEY = b"frontline.sweep"
_MANIFEST = "manifest.json"
_ROWS_PER_GROUP = 50_000  # rows merged into one Parquet row group (bounds memory)
_METRIC_TYPES = {"day": pa.int64(), "count": pa.int64(), "amount": pa.float64(),
                 "faction": pa.string()}


def _param_type(p: ParamDef) -> pa.DataType:
    if p.sampled:
        return pa.int64() if p.integer else pa.float64()
    vals = [v for v in p.values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return pa.bool_()
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return pa.int64()
    if vals and all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        return pa.float64()
    return pa.string()


def param_cell(value: Any, kind: pa.DataType) -> Any:
    """A parameter value as stored in its column (other values than scalars as JSON text)."""
    if value is None:
        return None
    if kind == pa.float64():
        return float(value)
    if kind == pa.string() and not isinstance(value, str):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _columns(params: tuple[ParamDef, ...], metrics: tuple[Metric, ...]) -> list[dict[str, str]]:
    return column_map([p.path for p in params], [(m.column, m.kind) for m in metrics])


def results_schema(params: tuple[ParamDef, ...], metrics: tuple[Metric, ...]) -> pa.Schema:
    """The columns of the results table, in order, under their SQL-safe names.

    Each parameter, metric and ``__happened`` field carries its dotted name and role in its
    metadata (``path``, ``role``).
    """
    ptype = {p.path: _param_type(p) for p in params}
    mtype = {m.column: _METRIC_TYPES[m.kind] for m in metrics}
    fixed = {"status": pa.string(), "error": pa.string(), "control": pa.string(),
             "closed": pa.string()}
    fields = []
    for c in _columns(params, metrics):
        role, path = c["role"], c["path"]
        kind = (ptype[path] if role == "parameter" else mtype[path] if role == "metric"
                else pa.bool_() if role == "happened" else fixed.get(path, pa.int64()))
        extra = ({b"path": path.encode(), b"role": role.encode()}
                 if role in ("parameter", "metric", "happened") else None)
        fields.append(pa.field(c["column"], kind, metadata=extra))
    return pa.schema(fields)


def series_schema(series: tuple[str, ...]) -> pa.Schema:
    """The columns of the per-day long table."""
    return pa.schema([pa.field("run", pa.int64()), pa.field("day", pa.int64()),
                      pa.field("faction", pa.string())]
                     + [pa.field(s, pa.int64()) for s in series])


def sweep_meta(plan: SweepPlan) -> dict[str, Any]:
    """What the report needs to know about a sweep, stored with its results."""
    s = plan.scenario.scenario
    return {
        "format": 1, "fingerprint": plan.fingerprint, "name": plan.spec.name,
        "description": plan.spec.description, "sweep_file": plan.file,
        "scenario_file": plan.scenario_file, "scenario": s.name, "days": plan.days,
        "start_date": s.simulation.start_date.isoformat(), "seed": plan.spec.seed,
        "design": plan.spec.design, "replicates": plan.spec.replicates,
        "points": len(plan.design.points), "runs": plan.design.n_runs,
        "set": plan.constants, "series": list(plan.series),
        "parameters": [{"path": p.path, "sampled": p.sampled, "values": list(p.values),
                        "low": p.low, "high": p.high, "log": p.log, "integer": p.integer}
                       for p in plan.params],
        "metrics": [{"column": m.column, "metric": m.metric, "kind": m.kind, "town": m.town,
                     "towns": list(m.towns), "faction": m.faction} for m in plan.metrics],
        "factions": [{"id": f.id, "name": f.name, "colour": f.colour} for f in s.factions],
        "towns": [{"id": t.id, "name": t.name} for t in s.towns],
        "columns": _columns(plan.params, plan.metrics),
    }


def series_path(results: Path) -> Path:
    """Where the long table of daily series goes: ``x.parquet`` -> ``x.series.parquet``."""
    return results.with_name(f"{results.stem}.series{results.suffix}")


def read_series(meta: dict[str, Any], path: Path, runs: set[int]) -> Any:
    """The daily series of ``runs`` (a pandas DataFrame), or None if the sweep kept none."""
    if not meta.get("series") or not path.is_file():
        return None
    table = pacsv.read_csv(path) if path.suffix == ".csv" else pq.read_table(path)
    s = table.to_pandas()
    return s[s["run"].isin(runs)]


def meta_path(results: Path) -> Path:
    """The metadata beside a CSV results file: ``x.csv`` -> ``x.meta.json``."""
    return results.with_name(f"{results.stem}.meta.json")


def read_meta(results: Path) -> dict[str, Any]:
    """The sweep metadata stored with a results file.

    Raises:
        FrontlineError: the file is missing, unreadable, or not written by frontline sweep.
    """
    if not results.is_file():
        raise FrontlineError(f"{results}: results file not found")
    try:
        if results.suffix == ".csv":
            mp = meta_path(results)
            if not mp.is_file():
                raise FrontlineError(f"{results}: {mp.name} not found beside it; frontline "
                                     "sweep writes it with CSV results and the report needs it")
            meta = json.loads(mp.read_text(encoding="utf-8"))
        else:
            raw = (pq.read_schema(results).metadata or {}).get(META_KEY)
            if raw is None:
                raise FrontlineError(f"{results}: not a frontline sweep results file (no "
                                     "sweep metadata)")
            meta = json.loads(raw)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise FrontlineError(f"{results}: cannot read sweep results: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != 1:
        raise FrontlineError(f"{results}: unsupported sweep results format")
    return meta


def _runs_in(shard: Path) -> list[int] | None:
    """The runs a shard holds, or None if it cannot be read whole."""
    try:
        return [int(r) for r in pq.read_table(shard, columns=["run"]).column("run").to_pylist()]
    except (OSError, pa.ArrowException, TypeError, ValueError):
        return None


def _series_ok(shard: Path, runs: list[int]) -> bool:
    """Whether a series shard reads whole and holds only the runs of its runs shard."""
    try:
        table = pq.read_table(shard)
    except (OSError, pa.ArrowException):
        return False
    return set(table.column("run").to_pylist()) <= set(runs) if "run" in table.column_names \
        else False


class ResultStore:
    """The results of one sweep: its shard directory while running, its file when done.

    Args:
        out: the results file (``.parquet`` or ``.csv``).
        meta: the sweep's metadata (see ``sweep_meta``), with its fingerprint.
        schema: the columns of the results table.
        series: the daily series recorded (empty for none).
    """

    def __init__(self, out: Path, meta: dict[str, Any], schema: pa.Schema,
                 series: tuple[str, ...] = ()):
        if out.suffix not in (".parquet", ".csv"):
            raise FrontlineError(f"--out {out}: the results file must end in .parquet or .csv")
        self.out = out
        self.meta = meta
        self.schema = schema.with_metadata({META_KEY: json.dumps(meta, sort_keys=True)})
        self.series = series
        self.series_schema = series_schema(series)
        self.parts = out.with_name(out.name + ".parts")
        self.n_runs = int(meta["runs"])
        self._file_row = FileRow(meta.get("columns") or [])

    # ----------------------------------------------------------------- opening
    def complete(self) -> bool:
        """Whether the results file of this very sweep is already complete."""
        if self.parts.exists() or not self.out.exists():
            return False
        try:
            meta = read_meta(self.out)
        except FrontlineError:
            meta = {}
        if meta.get("fingerprint") != self.meta["fingerprint"]:
            raise FrontlineError(
                f"{self.out} already exists and holds other results (a different sweep file, "
                "or its scenario changed); choose another --out, or move the file away")
        return True

    def open(self) -> set[int]:
        """Create or reopen the shard directory; returns the runs already done.

        Raises:
            FrontlineError: the directory belongs to a different sweep, or cannot be used.
        """
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.parts.mkdir(exist_ok=True)
        except OSError as exc:
            raise FrontlineError(f"cannot create {self.parts}: {exc.strerror or exc}") from None
        manifest = self.parts / _MANIFEST
        if manifest.exists():
            try:
                old = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = {}
            if old.get("fingerprint") != self.meta["fingerprint"]:
                raise FrontlineError(
                    f"{self.parts} holds a partial sweep with a different sweep file or "
                    f"scenario; to start afresh remove {self.parts}, or choose another --out")
        else:
            try:
                atomic.write_text(manifest, json.dumps(self.meta, indent=1, sort_keys=True))
            except OSError as exc:
                raise FrontlineError(f"cannot write {manifest}: {exc.strerror or exc}"
                                     ) from None
        # what a killed writer left (this sweep holds the lock: no other is writing)
        for leftover in [*self.parts.glob("*.tmp"), *atomic.leftovers(self.parts),
                         *self._merge_leftovers()]:
            leftover.unlink(missing_ok=True)
        done: set[int] = set()
        committed = set()
        for shard in sorted(self.parts.glob("runs-*.parquet")):
            series = self.parts / f"series-{shard.name[5:]}"
            if self.series and not series.exists():
                # a series shard is written first, so it is missing only when a kill hit the
                # removal of the shards after a merge: its runs run again, series and all
                shard.unlink()
                continue
            runs = _runs_in(shard)
            if runs is None or (self.series and not _series_ok(series, runs)):
                shard.unlink()  # unreadable (truncated, corrupt): its runs run again
                series.unlink(missing_ok=True)
                continue
            overlap = done.intersection(runs)
            if overlap:
                raise FrontlineError(f"{shard} repeats runs {sorted(overlap)[:5]} of another "
                                     f"shard; remove {self.parts} to start afresh")
            done.update(runs)
            committed.add(shard.name.removeprefix("runs-"))
        for shard in self.parts.glob("series-*.parquet"):
            if shard.name.removeprefix("series-") not in committed:
                shard.unlink()  # its runs shard never landed: those runs run again
        return done

    def saved(self) -> int:
        """How many runs the committed shards hold (read from their footers)."""
        total = 0
        for shard in self.shards("runs"):
            with contextlib.suppress(OSError, pa.ArrowException):
                total += pq.read_metadata(shard).num_rows
        return total

    def discard(self) -> None:
        """Remove a shard directory that holds no run yet (opened, then nothing ran)."""
        if self.parts.is_dir() and not self.shards("runs"):
            shutil.rmtree(self.parts, ignore_errors=True)

    # ----------------------------------------------------------------- writing
    def write(self, rows: list[dict[str, Any]], series: list[dict[str, Any]]) -> None:
        """Commit the rows of one chunk (consecutive runs) as a shard.

        Raises:
            FrontlineError: the shard cannot be written (disk full, no permission); the shards
                committed before stay, and a re-run resumes from them.
        """
        rows = sorted((self._file_row(r) for r in rows), key=lambda r: r["run"])
        name = f"{rows[0]['run']:010d}.parquet"
        try:
            if self.series:
                self._write_table(pa.Table.from_pylist(series, schema=self.series_schema),
                                  self.parts / f"series-{name}")
            self._write_table(pa.Table.from_pylist(rows, schema=self.schema.remove_metadata()),
                              self.parts / f"runs-{name}")
        except OSError as exc:
            raise FrontlineError(
                f"cannot write results to {self.parts}: {exc.strerror or exc}; the runs "
                "finished before are saved there: fix this and run the same command again "
                "to resume") from None

    @staticmethod
    def _write_table(table: pa.Table, path: Path) -> None:
        with atomic.replacing(path) as tmp:
            pq.write_table(table, tmp)

    def _merge_leftovers(self) -> list[Path]:
        """Temporary files of the results files a killed merge left beside them."""
        finals = [self.out, series_path(self.out), meta_path(self.out)]
        return [p for f in finals for p in atomic.leftovers(f.parent, f.name)]

    # --------------------------------------------------------------- finishing
    def shards(self, kind: str = "runs") -> list[Path]:
        """The committed shards of a table, in run order."""
        return sorted(self.parts.glob(f"{kind}-*.parquet"))

    def finish(self) -> list[Path]:
        """Merge the shards into the results file(s) in run order; remove the shards.

        Raises:
            FrontlineError: runs are missing (the sweep is not finished).
        """
        shards = self.shards("runs")
        expected = 0
        for shard in shards:
            runs = _runs_in(shard)
            if runs is None:
                raise FrontlineError(f"{shard} cannot be read; run the same command again: "
                                     "it re-runs what cannot be read")
            if runs != list(range(expected, expected + len(runs))):
                raise FrontlineError(f"{self.parts}: runs from {expected} are missing or out "
                                     f"of order in {shard.name}; run the sweep again")
            expected += len(runs)
        if expected != self.n_runs:
            raise FrontlineError(f"{self.parts}: {expected} of {self.n_runs} runs are done; "
                                 "run the sweep again to finish it")
        try:
            written = self._finish(shards)
        except pa.ArrowException as exc:  # a shard damaged since the sweep opened it
            raise FrontlineError(
                f"cannot merge the shards in {self.parts}: {exc}; run the same command again: "
                "it re-runs what cannot be read") from None
        except OSError as exc:
            raise FrontlineError(
                f"cannot write {self.out}: {exc.strerror or exc}; every run is saved in "
                f"{self.parts}: fix this and run the same command again to write it") from None
        shutil.rmtree(self.parts)
        return written

    def _finish(self, shards: list[Path]) -> list[Path]:
        written = []
        if self.series:
            written.append(self._merge(self.shards("series"), series_path(self.out),
                                       self.series_schema))
        if self.out.suffix == ".csv":
            mp = atomic.write_text(meta_path(self.out),
                                   json.dumps(self.meta, indent=1, sort_keys=True) + "\n")
            written.append(mp)
        written.insert(0, self._merge(shards, self.out, self.schema))
        return written

    def _merge(self, shards: Iterable[Path], out: Path, schema: pa.Schema) -> Path:
        plain = schema.remove_metadata()
        with atomic.replacing(out) as tmp:
            writer: Any
            if out.suffix == ".csv":
                writer = pacsv.CSVWriter(str(tmp), plain)
            else:
                writer = pq.ParquetWriter(str(tmp), schema)
            batch: list[pa.Table] = []

            def flush() -> None:
                if batch:
                    table = pa.concat_tables(batch)
                    if out.suffix != ".csv":
                        table = table.replace_schema_metadata(schema.metadata)
                    writer.write_table(table)
                    batch.clear()

            try:
                for shard in shards:
                    batch.append(pq.read_table(shard, schema=plain))
                    if sum(t.num_rows for t in batch) >= _ROWS_PER_GROUP:
                        flush()
                flush()
            finally:
                writer.close()
        return out
