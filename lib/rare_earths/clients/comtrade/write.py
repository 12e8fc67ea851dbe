"""UN Comtrade snapshot write: the CSV and its metadata, validated in a staging copy of data/, then moved into place."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ... import data
from ...snapshot import DATASET, SNAPSHOT_DIR, snapshot_paths
from .api import FIELDS, FLOW, REPORTER, SOURCE_FIELDS, Query, RefreshError
from .fetch import Client


def render_csv(rows: list[dict[str, Any]]) -> bytes:
    """The snapshot CSV, as bytes (UTF-8, '\\n' line ends, numbers as the API gave them)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "value": _number(row["value"])})
    return buffer.getvalue().encode("utf-8")


def _number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def source_row(source_id: str, day: str, client: Client, query: Query) -> dict[str, str]:
    """The sources.csv row of one retrieval."""
    endpoint = "data/v1/get (subscription key)" if client.keyed else "public/v1/preview (no key)"
    return {
        "source_id": source_id,
        "kind": "statistics",
        "publisher": "United Nations Statistics Division (UN Comtrade)",
        "title": "UN Comtrade database: China, monthly exports by HS code and partner",
        "table_or_page": f"API {endpoint}: reporterCode {REPORTER}, flowCode {FLOW}, cmdCode {','.join(query.hs_codes)}, partnerCode {','.join(map(str, query.partners))}, periods {query.start} to {query.end}",
        "url": client.endpoint,
        "date_published": "",
        "date_read": day,
        "licence": "UN Comtrade terms of use; cite as UN Comtrade Database",
        "notes": f"retrieved by python -m rare_earths refresh; query, request URLs, record count and sha256 in data/{SNAPSHOT_DIR}/{DATASET}_{day}.json",
    }


def sources_with(row: dict[str, str], sources_csv: Path) -> bytes:
    """sources.csv with one row added (or replaced, same source_id), other rows untouched."""
    text = sources_csv.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    if any(r["source_id"] == row["source_id"] and r == row for r in rows):
        return text.encode("utf-8")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, SOURCE_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows([r for r in rows if r["source_id"] != row["source_id"]] + [row])
    return buffer.getvalue().encode("utf-8")


def write_snapshot(
    rows: list[dict[str, Any]], metadata: dict[str, Any], source: dict[str, str], data_dir: Path
) -> Path:
    """Validate rows in a staging copy of the package, then move the snapshot into place.

    Order: sources.csv (one added row, harmless alone), the dated CSV and JSON, then the current
    CSV and JSON, each by an atomic rename on the same file system. Any validation problem raises
    DataValidationError before anything in data/ is touched.
    """
    folder = data_dir / SNAPSHOT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        csv_bytes = render_csv(rows)
        (staging / SNAPSHOT_DIR).mkdir()
        shutil.copyfile(data_dir / "datapackage.json", staging / "datapackage.json")
        (staging / "sources.csv").write_bytes(sources_with(source, data_dir / "sources.csv"))
        current_csv, current_json = snapshot_paths(staging)
        current_csv.write_bytes(csv_bytes)
        data.load("sources", staging)
        frame = data.load(DATASET, staging)
        if len(frame) != len(rows):
            raise RefreshError(f"{len(rows)} rows written but {len(frame)} read back")
        meta = {
            **metadata,
            "row_count": len(rows),
            "sha256": hashlib.sha256(csv_bytes).hexdigest(),
            "bytes": len(csv_bytes),
        }
        meta_bytes = (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        current_json.write_bytes(meta_bytes)
        day = metadata["retrieved_at"][:10]
        dated_csv, dated_json = snapshot_paths(staging, day)
        dated_csv.write_bytes(csv_bytes)
        dated_json.write_bytes(meta_bytes)
        os.replace(staging / "sources.csv", data_dir / "sources.csv")
        for name in (dated_csv.name, dated_json.name, current_csv.name, current_json.name):
            os.replace(staging / SNAPSHOT_DIR / name, folder / name)
        return folder / current_csv.name
    finally:
        shutil.rmtree(staging, ignore_errors=True)
