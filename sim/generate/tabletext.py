"""Towns and highways of scenario data written as tables (CSV, Parquet, GeoJSON) beside a YAML."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sim import atomic

__all__ = ["TABLE_FORMATS", "write_tables"]

#: ``frontline generate --tables`` formats and their file-name endings.
TABLE_FORMATS = {"csv": ".csv", "parquet": ".parquet", "geojson": ".geojson"}


def _columns(items: list[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for item in items:
        names.update(dict.fromkeys(item))
    return list(names)


def _csv_bytes(items: list[dict[str, Any]]) -> bytes:
    names = _columns(items)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([["" if (v := it.get(k)) is None else repr(v) if isinstance(v, float)
                       else v for k in names] for it in items])
    return out.getvalue().encode("utf-8")


def _parquet_bytes(items: list[dict[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = _columns(items)
    table = pa.table({k: [it.get(k) for it in items] for k in names})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _geojson_bytes(items: list[dict[str, Any]], points: bool) -> bytes:
    features = []
    for it in items:
        props = {k: v for k, v in it.items() if not (points and k in ("lat", "lon"))}
        geometry = {"type": "Point", "coordinates": [it["lon"], it["lat"]]} if points else None
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":")).encode("utf-8")


def write_tables(data: dict[str, Any], yaml_path: Path, fmt: str) -> dict[str, Any]:
    """Write ``data``'s towns and highways as tables beside ``yaml_path``; the data naming them.

    The tables are ``<stem>.towns<ending>`` and ``<stem>.highways<ending>``; the returned copy
    of ``data`` says ``towns: {file: ...}`` and ``highways: {file: ...}`` (relative names).
    """
    out = dict(data)
    for section in ("towns", "highways"):
        items = data.get(section) or []
        if section == "highways" and not items:
            continue
        name = f"{yaml_path.stem}.{section}{TABLE_FORMATS[fmt]}"
        if fmt == "csv":
            raw = _csv_bytes(items)
        elif fmt == "parquet":
            raw = _parquet_bytes(items)
        else:
            raw = _geojson_bytes(items, points=section == "towns")
        with atomic.open_atomic(yaml_path.parent / name, "wb") as f:
            f.write(raw)
        out[section] = {"file": name}
    return out
