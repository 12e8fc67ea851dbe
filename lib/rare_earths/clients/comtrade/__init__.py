"""UN Comtrade: China's monthly exports of the rare-earth HS codes, fetched from the API and kept
as a validated, dated snapshot in data/comtrade/ (`python -m rare_earths refresh`, `make data`).

A refresh either replaces the snapshot whole or changes nothing: every response is checked (JSON,
envelope, count, the 500-record cap, each record's fields and that it answers the query), the rows are
validated against data/datapackage.json in a staging folder, and only then moved into place.

One module per step, read in this order: `api` (endpoints, constants, the query, the errors), `fetch` (the
requests, with retries), `checks` (each answer against the query, and its tidy rows), `write` (the snapshot
write); this module runs them (`refresh`) and re-exports their public names. Reading the snapshot is not here
(core: snapshot.py), nor is section 01's comparison (sections/comtrade.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ... import paths
from ...snapshot import DATASET, KEY_ENV, SNAPSHOT_DIR
from .api import (
    API_ROOT,
    DEFAULT_START,
    FIELDS,
    FLOW,
    HS_CODES,
    KEY_HEADER,
    KEYED_PATH,
    MAX_PERIODS,
    PARTNERS,
    PUBLIC_PATH,
    PUBLIC_RECORD_CAP,
    QTY_UNITS,
    REPORTER,
    ROOT_ENV,
    SOURCE_FIELDS,
    ApiError,
    IncompleteResponse,
    MalformedResponse,
    NetworkError,
    Query,
    RefreshError,
    Transport,
    default_end,
)
from .checks import REQUIRED, parse, to_rows
from .fetch import Client, retry_after, urllib_transport
from .write import render_csv, source_row, sources_with, write_snapshot

__all__ = [
    "API_ROOT",
    "DATASET",
    "DEFAULT_START",
    "FIELDS",
    "FLOW",
    "HS_CODES",
    "KEY_ENV",
    "KEY_HEADER",
    "KEYED_PATH",
    "MAX_PERIODS",
    "PARTNERS",
    "PUBLIC_PATH",
    "PUBLIC_RECORD_CAP",
    "QTY_UNITS",
    "REPORTER",
    "REQUIRED",
    "ROOT_ENV",
    "SNAPSHOT_DIR",
    "SOURCE_FIELDS",
    "ApiError",
    "Client",
    "IncompleteResponse",
    "MalformedResponse",
    "NetworkError",
    "Query",
    "RefreshError",
    "Result",
    "Transport",
    "default_end",
    "parse",
    "refresh",
    "render_csv",
    "retry_after",
    "source_row",
    "sources_with",
    "to_rows",
    "urllib_transport",
    "write_snapshot",
]


@dataclass(frozen=True)
class Result:
    path: Path
    rows: int
    records: int
    metadata: dict[str, Any]


def refresh(
    query: Query,
    client: Client | None = None,
    data_dir: Path | None = None,
    now: datetime | None = None,
    log: Callable[[str], None] = print,
) -> Result:
    """Fetch the query, check every answer, and replace the snapshot; raise RefreshError (data/ unchanged) on failure."""
    client = client or Client.from_env()
    data_dir = data_dir or paths.DATA_DIR
    now = now or datetime.now(UTC)
    day = now.strftime("%Y-%m-%d")
    source_id = f"un-comtrade-{day}"
    log(
        f"UN Comtrade {'keyed endpoint (key from ' + KEY_ENV + ')' if client.keyed else 'public endpoint (no ' + KEY_ENV + ')'}: {client.endpoint}"
    )
    records: list[dict[str, Any]] = []
    requests = []
    for months in query.chunks(client.record_cap):
        params = query.params(months)
        body, attempts = client.get(params)
        found = parse(body, query, months, client.record_cap)
        log(f"  {months[0]}..{months[-1]}: {len(found)} records" + (f" ({attempts} attempts)" if attempts > 1 else ""))
        records += found
        requests.append(
            {"url": client.url(params), "months": [months[0], months[-1]], "records": len(found), "attempts": attempts}
        )
    rows = to_rows(records, source_id)
    if not rows:
        raise RefreshError(f"the API returned no records for {query.start}..{query.end}: nothing to snapshot")
    metadata = {
        "dataset": DATASET,
        "source_id": source_id,
        "retrieved_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endpoint": "keyed" if client.keyed else "public",
        "api_url": client.endpoint,
        "query": {
            "typeCode": "C",
            "freqCode": "M",
            "clCode": "HS",
            "reporterCode": REPORTER,
            "flowCode": FLOW,
            "cmdCode": list(query.hs_codes),
            "partnerCode": list(query.partners),
            "start": query.start,
            "end": query.end,
            "breakdownMode": "classic",
        },
        "requests": requests,
        "record_count": len(records),
        "months_with_data": sorted({r["month"] for r in rows}),
        "client": "rare_earths.clients.comtrade (Python standard library urllib)",
    }
    path = write_snapshot(rows, metadata, source_row(source_id, day, client, query), data_dir)
    return Result(path, len(rows), len(records), metadata)
