"""Towns and highways read from tables (CSV, Parquet, GeoJSON) that a scenario file names.

A scenario may give its ``towns`` or ``highways`` as ``{file: towns.csv}`` instead of a list:
the table is read (the path is relative to the scenario file that names it), each row becomes
the mapping a YAML list item would be, and the scenario is validated as if the rows had been
written in the file. Columns are the fields of a town or highway (``id, name, lat, lon,
population, ...``; ``from, to, length_km, ...``); an empty cell leaves its field out, so the
field's default applies. Numbers in text cells (CSV) are read as numbers for the numeric
fields; a cell that is not a number is passed on as text, so the schema's message reports it.

A problem in a row is reported as ``table:N: towns.<id>.<column>: message``, where N is the
line of the CSV file, or the row number (1 = first row) of a Parquet file, or the feature
number (1 = first) of a GeoJSON file.
"""

from __future__ import annotations

import csv
import io
import json
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.errors import Problem, ScenarioError
from sim.scenario.files import read_bounded
from sim.scenario.schema import Highway, Town
from sim.scenario.yamlio import Locations, PathKey, format_path, item_segments

__all__ = ["FORMATS", "MAX_TABLE_BYTES", "SECTIONS", "TableLocations", "expand_tables",
           "read_table"]

#: The sections a table may give, and the model of one row.
SECTIONS: dict[str, type[BaseModel]] = {"towns": Town, "highways": Highway}
#: Table formats by file-name ending.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".geojson": "geojson",
           ".json": "geojson"}
MAX_TABLE_BYTES = 512_000_000
_SPEC_KEYS = ("file", "format")


def _kind(model: type[BaseModel], name: str) -> type | None:
    """The type, float or int, of a numeric field of ``model`` (Optional unwrapped), else None."""
    fld = model.model_fields.get(name)
    if fld is None:
        fld = next((f for f in model.model_fields.values() if f.alias == name), None)
    ann = fld.annotation if fld is not None else None
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        ann = args[0] if len(args) == 1 else None
    if typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    return float if ann is float else int if ann is int else None


def _number(cell: str) -> Any:
    """A text cell as YAML reads a plain decimal number: digits alone an int, else a float.

    Anything that is not a number stays text, for the schema to report.
    """
    body = cell[1:] if cell[:1] in "-+" else cell
    if body.isdigit() and body.isascii():
        return int(cell)
    try:
        return float(cell)
    except ValueError:
        return cell


def _typed_column(values: list[Any], numeric: bool) -> list[Any]:
    """A column's cells, text numbers read as numbers if the column is a numeric field's."""
    if not numeric:
        return values
    return [_number(v) if isinstance(v, str) and v != "" else v for v in values]


def _rows(names: list[str], columns: list[list[Any]],
          model: type[BaseModel]) -> list[dict[str, Any]]:
    typed = [_typed_column(col, _kind(model, name) is not None)
             for name, col in zip(names, columns, strict=True)]
    rows = []
    for cells in zip(*typed, strict=True):
        rows.append({k: v for k, v in zip(names, cells, strict=True) if v is not None and v != ""})
    return rows


def _csv(raw: bytes, file: str, model: type[BaseModel]) -> tuple[list[dict[str, Any]], list[int]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(file, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last = 0  # the line the last record read ended on
    try:
        header = next(reader, None)
        if not header:
            raise _fail(file, 1, "the table has no header row (the column names)")
        records, lines = [], []
        last = reader.line_num
        for record in reader:
            if not record:
                last = reader.line_num
                continue
            if len(record) != len(header):
                raise _fail(file, last + 1, f"{len(record)} cells where the header has "
                                            f"{len(header)} columns")
            records.append(record)
            lines.append(last + 1)
            last = reader.line_num
    except csv.Error as exc:
        # the record that failed starts after the last one read (an unclosed quote makes the
        # reader run on through the lines after it, so reader.line_num is far past the cause)
        start, end = last + 1, reader.line_num
        where = f" (the record from line {start} runs on to line {end}: an unclosed quote?)"
        raise _fail(file, start, f"CSV syntax error: {exc}"
                    + (where if end > start else "")) from None
    _check_header(header, file, 1)
    columns = [list(col) for col in zip(*records, strict=True)] if records else [
        [] for _ in header]
    return _rows(header, columns, model), lines


def _parquet(raw: bytes, file: str,
             model: type[BaseModel]) -> tuple[list[dict[str, Any]], list[int]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        raise _fail(file, None, "reading Parquet files needs pyarrow "
                                "(pip install pyarrow)") from None
    try:
        table = pq.read_table(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises many kinds (ArrowInvalid, OSError, ...)
        raise _fail(file, None, f"not a readable Parquet file: {exc}") from None
    names = [str(n) for n in table.column_names]
    _check_header(names, file, None)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return _rows(names, columns, model), list(range(1, table.num_rows + 1))


def _geojson(raw: bytes, file: str,
             model: type[BaseModel]) -> tuple[list[dict[str, Any]], list[int]]:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _fail(file, None, f"not a JSON file: {exc}") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            features, list):
        raise _fail(file, None, "a GeoJSON table must be a FeatureCollection with a list of "
                                "features")
    rows: list[dict[str, Any]] = []
    points = model is Town
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict | None):
            raise _fail(file, n, "a feature's properties must be a mapping")
        row = {str(k): v for k, v in (props or {}).items() if v is not None}
        if points:
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (not isinstance(geometry, dict) or geometry.get("type") != "Point"
                    or not isinstance(coords, list) or len(coords) < 2):
                raise _fail(file, n, "a town must be a Point feature with [lon, lat] "
                                     "coordinates")
            if "lat" in row or "lon" in row:
                raise _fail(file, n, "lat and lon come from the Point's coordinates; "
                                     "leave them out of the properties")
            row["lon"], row["lat"] = coords[0], coords[1]
        rows.append(row)
    names = sorted({k for row in rows for k in row})
    _check_header(names, file, None)
    return rows, list(range(1, len(rows) + 1))


_READERS = {"csv": _csv, "parquet": _parquet, "geojson": _geojson}


def _fail(file: str, line: int | None, message: str) -> ScenarioError:
    return ScenarioError([Problem(file, line, "", message)])


def _check_header(names: list[str], file: str, line: int | None) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _fail(file, line, f"column {name!r} appears twice")
        seen.add(name)


def read_table(path: Path, shown: str, fmt: str,
               section: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of a table (as YAML list items) and the line (or row number) of each.

    Raises:
        ScenarioError: the file cannot be read, or is not a table of this format.
    """
    raw = read_bounded(path, MAX_TABLE_BYTES)
    rows, lines = _READERS[fmt](raw, shown, SECTIONS[section])
    return rows, lines


class TableLocations(Mapping[PathKey, int]):
    """Where the rows of a table-given section are: ``(section, id or index, ...)`` -> line."""

    def __init__(self, section: str, rows: list[dict[str, Any]], lines: list[int]):
        self.section = section
        self._rows: list[dict[str, Any]] | None = rows
        self._lines = lines
        self._at: dict[str | int, int] = {}

    def _segments(self) -> dict[str | int, int]:
        if self._rows is not None:
            for seg, line in zip(item_segments(self._rows), self._lines, strict=True):
                self._at.setdefault(seg, line)
            self._rows = None
        return self._at

    def __getitem__(self, key: PathKey) -> int:
        if len(key) >= 2 and key[0] == self.section:
            return self._segments()[key[1]]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return (isinstance(key, tuple) and len(key) >= 2 and key[0] == self.section
                and key[1] in self._segments())

    def __iter__(self) -> Iterator[PathKey]:
        return iter([(self.section, seg) for seg in self._segments()])

    def __len__(self) -> int:
        return len(self._segments())


def _located(file: str, locations: Locations, path: PathKey, message: str) -> ScenarioError:
    line = next((locations[path[:n]] for n in range(len(path), -1, -1)
                 if path[:n] in locations), None)
    return ScenarioError([Problem(file, line or None, format_path(path), message)])


def expand_tables(data: Any, folder: Path, shown_folder: str, file: str,
                  locations: Locations) -> list[tuple[str, Locations]]:
    """Replace each ``{file: ...}`` section of ``data`` by its table's rows, in place.

    Args:
        data: the plain data of one scenario file.
        folder: the folder of that file (table paths are relative to it).
        shown_folder: the same folder as users see it in messages.
        file: that file's name as users see it.
        locations: its lines (for problems with the ``{file: ...}`` mapping itself).

    Returns:
        One (table file, locations) layer per table read, for the scenario's source map.

    Raises:
        ScenarioError: a table is named wrongly, cannot be read, or is malformed.
    """
    if not isinstance(data, dict):
        return []
    layers: list[tuple[str, Locations]] = []
    for section in SECTIONS:
        spec = data.get(section)
        if not isinstance(spec, dict) or "file" not in spec:
            continue  # a list, or a mistake the schema reports ("should be a valid list")

        def fail(path: PathKey, message: str) -> ScenarioError:
            return _located(file, locations, path, message)

        unknown = [k for k in spec if k not in _SPEC_KEYS]
        if unknown:
            raise fail((section, unknown[0]), f"unknown field of a table (valid: "
                                              f"{', '.join(_SPEC_KEYS)}; or give {section} as "
                                              "a list)")
        name = spec.get("file")
        if not isinstance(name, str) or not name or "\0" in name:
            raise fail((section, "file"), "the table's file name must be text, e.g. "
                                          f"{section}.csv")
        fmt = spec.get("format", FORMATS.get(Path(name).suffix.lower()))
        if fmt not in _READERS:
            raise fail((section, "format"), f"unknown table format {fmt!r} (csv, parquet or "
                                            "geojson; by default from the file name's ending: "
                                            f"{', '.join(FORMATS)})")
        shown = str(Path(shown_folder) / name) if shown_folder else name
        try:
            rows, lines = read_table(folder / name, shown, fmt, section)
        except ScenarioError as exc:
            (first, *rest) = exc.problems
            if not rest and first.line is None and first.message == "file not found":
                raise fail((section, "file"), f"table {name!r}: file not found (looked for "
                                              f"{folder / name})") from None
            raise
        data[section] = rows
        layers.append((shown, TableLocations(section, rows, lines)))
    return layers
