"""UN Comtrade: China's monthly exports of the rare-earth HS codes, fetched from the API and kept
as a validated, dated snapshot in data/comtrade/ (`python -m rare_earths refresh`, `make data`).

The API, as documented by UN Comtrade and used by its own client `comtradeapicall`
(github.com/uncomtrade/comtradeapicall, src/comtradeapicall/PreviewGet.py, version 1.3.2 on PyPI):

* public endpoint, no key: ``https://comtradeapi.un.org/public/v1/preview/{typeCode}/{freqCode}/{clCode}``,
  at most 500 records a call (the client's README: "limited to 500 records");
* keyed endpoint: ``https://comtradeapi.un.org/data/v1/get/{typeCode}/{freqCode}/{clCode}``. The API runs on
  Azure API Management (uncomtrade.org/docs/un-comtrade-api), which takes the subscription key in the
  ``Ocp-Apim-Subscription-Key`` header (or a ``subscription-key`` query parameter, as comtradeapicall sends
  it); the header keeps the key out of every URL we log or store;
* query parameters ``reporterCode, period (YYYYMM, comma separated), cmdCode, flowCode, partnerCode,
  breakdownMode, includeDesc``; a monthly query lists at most 12 periods;
* the JSON body is ``{"count": N, "data": [record, ...], "error": ""}``: comtradeapicall reads
  ``jsonResult['data']`` and ``jsonResult['count']``. Record fields (typeCode, freqCode, refPeriodId, refYear,
  refMonth, period, reporterCode, reporterISO, reporterDesc, flowCode, partnerCode, partnerISO, partnerDesc,
  partner2Code, cmdCode, customsCode, motCode, qtyUnitCode, qtyUnitAbbr, qty, isQtyEstimated, netWgt,
  isNetWgtEstimated, cifvalue, fobvalue, primaryValue, isReported, isAggregate, ...) are those of the
  client's example outputs (examples/*.ipynb in that repository) and of recorded public-preview responses
  kept in other public repositories.

The client here is a small standard-library one (see README, "Refreshing the UN Comtrade snapshot", for
why not comtradeapicall): retries with backoff on 429/5xx/timeouts, honouring Retry-After, with `sleep`
and the HTTP `transport` injectable so that tests replay recorded responses without waiting.

A refresh either replaces the snapshot whole or changes nothing: every response is checked (JSON,
envelope, count, the 500-record cap, each record's fields and that it answers the query), the rows are
validated against data/datapackage.json in a staging folder, and only then moved into place.

Why one file of ~500 lines: it is one protocol end to end (HTTP with retries, the query, the checks on each
answer, the snapshot write), read top to bottom in that order; split up, each part would need the others'
constants and error types, and the tests patch module constants such as API_ROOT in one place. Reading the
snapshot is not here (core: snapshot.py), nor is section 01's comparison (sections/comtrade.py).
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import http.client
import io
import json
import math
import os
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .. import data, paths
from ..snapshot import DATASET, KEY_ENV, SNAPSHOT_DIR, snapshot_paths

API_ROOT = "https://comtradeapi.un.org"
PUBLIC_PATH = "/public/v1/preview/C/M/HS"  # typeCode C (goods), freqCode M (monthly), clCode HS
KEYED_PATH = "/data/v1/get/C/M/HS"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
PUBLIC_RECORD_CAP = 500  # the public preview returns at most 500 records: a full page means a cut answer
MAX_PERIODS = 12  # periods per call

REPORTER = 156  # China
FLOW = "X"  # exports
HS_CODES = {
    "280530": "rare-earth metals, scandium and yttrium",
    "284610": "cerium compounds",
    "284690": "other compounds of rare-earth metals, yttrium or scandium",
    "850511": "permanent magnets of metal",
}
PARTNERS = {
    0: "World",
    842: "USA",
    392: "Japan",
    410: "Rep. of Korea",
    276: "Germany",
    528: "Netherlands",
    699: "India",
}
DEFAULT_START = "2023-01"

FIELDS = ["hs_code", "partner", "partner_code", "month", "measure", "value", "unit", "estimated", "source_id"]
SOURCE_FIELDS = [
    "source_id",
    "kind",
    "publisher",
    "title",
    "table_or_page",
    "url",
    "date_published",
    "date_read",
    "licence",
    "notes",
]
QTY_UNITS = {"kg": "kg", "u": "u"}  # qtyUnitAbbr -> unit column; others fail validation, on purpose

# A transport takes (url, headers, timeout) and returns (HTTP status, headers, body).
Transport = Callable[[str, Mapping[str, str], float], tuple[int, Mapping[str, str], bytes]]


class RefreshError(Exception):
    """The refresh failed; the message says why. Nothing in data/ was changed."""


class NetworkError(RefreshError):
    """The API could not be reached at all (no network, DNS failure, connection refused)."""


class ApiError(RefreshError):
    """The API answered with an error (HTTP status or a non-empty `error`)."""


class MalformedResponse(RefreshError):
    """The body is not the documented JSON shape, or a record does not answer the query."""


class IncompleteResponse(RefreshError):
    """The answer is partial: cut by the record cap, a count that disagrees, or a broken transfer."""


# ---------------------------------------------------------------- HTTP


def urllib_transport(url: str, headers: Mapping[str, str], timeout: float) -> tuple[int, Mapping[str, str], bytes]:
    """GET with the standard library; HTTP errors are returned as statuses, not raised."""
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers.items()) if err.headers else {}, err.read()


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent or unreadable."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _is_timeout(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", None)
    return isinstance(exc, (TimeoutError, socket.timeout)) or isinstance(reason, (TimeoutError, socket.timeout))


@dataclass
class Client:
    """The API client: public endpoint without a key, keyed endpoint (key in a header) with one."""

    api_key: str | None = None
    api_root: str = API_ROOT
    timeout: float = 60.0
    max_attempts: int = 4
    backoff: float = 2.0  # seconds before the 2nd attempt when no Retry-After is given; doubled each time
    max_wait: float = 120.0  # a longer Retry-After (e.g. a daily quota) fails at once instead of waiting
    pause: float = 1.0  # between successive calls, to stay under the API's per-second rate
    sleep: Callable[[float], None] = time.sleep
    transport: Transport = urllib_transport
    calls: int = field(default=0, init=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> Client:
        """A client with the key of COMTRADE_API_KEY, if set and not empty."""
        key = (os.environ if environ is None else environ).get(KEY_ENV, "").strip()
        kwargs.setdefault("api_root", API_ROOT)
        return cls(api_key=key or None, **kwargs)

    @property
    def keyed(self) -> bool:
        return bool(self.api_key)

    @property
    def endpoint(self) -> str:
        return self.api_root.rstrip("/") + (KEYED_PATH if self.keyed else PUBLIC_PATH)

    @property
    def record_cap(self) -> int | None:
        return None if self.keyed else PUBLIC_RECORD_CAP

    def url(self, params: Mapping[str, str]) -> str:
        """The request URL (never holds the key: that goes in a header)."""
        return self.endpoint + "?" + urllib.parse.urlencode(params, safe=",")

    def get(self, params: Mapping[str, str]) -> tuple[bytes, int]:
        """GET the endpoint with retries; return (body of the 200 response, attempts used)."""
        url = self.url(params)
        headers = {"Accept": "application/json", "User-Agent": "rare-earths-notebooks (python urllib)"}
        if self.keyed:
            headers[KEY_HEADER] = str(self.api_key)
        host = urllib.parse.urlsplit(url).netloc
        if self.calls and self.pause:
            self.sleep(self.pause)
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            self.calls += 1
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                status, reply_headers, body = self.transport(url, headers, self.timeout)
            except Exception as exc:  # noqa: BLE001 - sorted into retryable and fatal below
                if _is_timeout(exc):
                    problem = f"no answer within {self.timeout:g} s (timeout)"
                elif isinstance(exc, urllib.error.URLError):
                    raise NetworkError(f"cannot reach {host}: {exc.reason} (is this machine online?)") from exc
                elif isinstance(exc, (http.client.HTTPException, ConnectionError)):
                    problem = f"connection broken during the transfer ({type(exc).__name__}: {exc})"
                else:
                    raise
            else:
                if status == 200:
                    return body, attempt
                message = _error_message(body)
                if status in (401, 403):
                    what = (
                        f"the key in {KEY_ENV} was refused" if self.keyed else "the public endpoint refused the request"
                    )
                    raise ApiError(f"HTTP {status} from {host}: {what}{message}")
                if status not in (429, 500, 502, 503, 504):
                    raise ApiError(f"HTTP {status} from {host}{message}")
                problem = f"HTTP {status}" + (" (rate limit)" if status == 429 else "") + message
                asked = retry_after(reply_headers)
                if asked is not None:
                    if asked > self.max_wait:
                        raise ApiError(
                            f"{problem}; the API asks to wait {asked:g} s (Retry-After), more than {self.max_wait:g} s: try again later"
                        )
                    wait = asked
            if attempt < self.max_attempts:
                self.sleep(min(wait, self.max_wait))
        raise IncompleteResponse(f"gave up on {url} after {self.max_attempts} attempts: {problem}")


def _error_message(body: bytes) -> str:
    """The API's error text from an error body, if any (Azure API Management: statusCode/message)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        text = body[:200].decode("utf-8", "replace").strip()
        return f": {text}" if text else ""
    if isinstance(payload, dict):
        for key in ("message", "error"):
            if payload.get(key):
                return f": {payload[key]}"
    return ""


# ---------------------------------------------------------------- query


@dataclass(frozen=True)
class Query:
    """What to fetch: HS codes, partners and a range of months (ISO YYYY-MM, inclusive)."""

    start: str
    end: str
    hs_codes: tuple[str, ...] = tuple(HS_CODES)
    partners: tuple[int, ...] = tuple(PARTNERS)

    def months(self) -> list[str]:
        lo, hi = pd.Period(self.start, "M"), pd.Period(self.end, "M")
        if lo > hi:
            raise RefreshError(f"start month {self.start} is after end month {self.end}")
        return [str(p) for p in pd.period_range(lo, hi, freq="M")]

    def chunks(self, record_cap: int | None) -> list[list[str]]:
        """Months per call: at most 12, and few enough that the public cap cannot cut the answer."""
        per_call = MAX_PERIODS
        if record_cap:
            cells = len(self.hs_codes) * len(self.partners)
            per_call = min(per_call, (record_cap - 1) // cells)
            if per_call < 1:
                raise RefreshError(
                    f"{len(self.hs_codes)} HS codes x {len(self.partners)} partners exceed the public endpoint's {record_cap}-record cap for even one month: set {KEY_ENV} or ask for fewer partners"
                )
        months = self.months()
        return [months[i : i + per_call] for i in range(0, len(months), per_call)]

    def params(self, months: list[str]) -> dict[str, str]:
        return {
            "reporterCode": str(REPORTER),
            "period": ",".join(m.replace("-", "") for m in months),
            "cmdCode": ",".join(self.hs_codes),
            "flowCode": FLOW,
            "partnerCode": ",".join(str(p) for p in self.partners),
            "breakdownMode": "classic",
            "includeDesc": "true",
        }


def default_end(today: datetime | None = None) -> str:
    """The month before the current one (later months cannot have been reported)."""
    return str(pd.Period((today or datetime.now(UTC)).strftime("%Y-%m"), "M") - 1)


# ---------------------------------------------------------------- response checks

REQUIRED = {
    "freqCode": str,
    "period": (str, int),
    "reporterCode": int,
    "flowCode": str,
    "partnerCode": int,
    "cmdCode": str,
    "primaryValue": (int, float, type(None)),
    "netWgt": (int, float, type(None)),
    "qty": (int, float, type(None)),
    "qtyUnitAbbr": (str, type(None)),
}


def parse(body: bytes, query: Query, months: list[str], record_cap: int | None) -> list[dict[str, Any]]:
    """Check one response body against the documented shape and the query; return its records."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponse(f"the body is not JSON ({exc}); it starts with {body[:80]!r}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise MalformedResponse(f"the body has no 'data' list (found {keys})")
    if payload.get("error"):
        raise ApiError(f"the API reported an error: {payload['error']}")
    records = payload["data"]
    count = payload.get("count")
    if count is not None and count != len(records):
        raise IncompleteResponse(f"the body announces {count} records but holds {len(records)}")
    if record_cap and len(records) >= record_cap:
        raise IncompleteResponse(
            f"{len(records)} records: the public endpoint's cap of {record_cap}, so the answer is probably cut; ask for fewer months or partners, or set {KEY_ENV}"
        )
    periods = {m.replace("-", "") for m in months}
    for i, rec in enumerate(records):
        where = f"record {i + 1}"
        if not isinstance(rec, dict):
            raise MalformedResponse(f"{where} is not an object")
        for name, kind in REQUIRED.items():
            if name not in rec:
                raise MalformedResponse(f"{where}: field '{name}' is missing")
            if not isinstance(rec[name], kind) or isinstance(rec[name], bool):
                raise MalformedResponse(f"{where}: field '{name}' has {rec[name]!r}")
        for name in ("primaryValue", "netWgt", "qty"):
            if rec[name] is not None and (not math.isfinite(rec[name]) or rec[name] < 0):
                raise MalformedResponse(f"{where}: field '{name}' has {rec[name]!r}")
        asked = {"freqCode": "M", "reporterCode": REPORTER, "flowCode": FLOW}
        for name, want in asked.items():
            if rec[name] != want:
                raise MalformedResponse(f"{where}: {name} {rec[name]!r}, but the query asked for {want!r}")
        if str(rec["period"]) not in periods:
            raise MalformedResponse(f"{where}: period {rec['period']!r} was not asked for")
        if rec["cmdCode"] not in query.hs_codes:
            raise MalformedResponse(f"{where}: cmdCode {rec['cmdCode']!r} was not asked for")
        if rec["partnerCode"] not in query.partners:
            raise MalformedResponse(f"{where}: partnerCode {rec['partnerCode']!r} was not asked for")
    return records


def _is_total(rec: Mapping[str, Any]) -> bool:
    """Classic breakdown: all customs procedures, all modes of transport, no second partner."""
    return (
        rec.get("customsCode", "C00") in ("C00", None)
        and rec.get("motCode", 0) in (0, "0", None)
        and rec.get("partner2Code", 0) in (0, None)
    )


def to_rows(records: list[dict[str, Any]], source_id: str) -> list[dict[str, Any]]:
    """Tidy rows (one per HS code, partner, month, measure) from checked records; totals only."""
    rows: dict[tuple[str, int, str, str], dict[str, Any]] = {}
    for rec in records:
        if not _is_total(rec):
            continue
        period = str(rec["period"])
        base = {
            "hs_code": rec["cmdCode"],
            "partner": rec.get("partnerDesc") or PARTNERS.get(rec["partnerCode"]) or f"partner {rec['partnerCode']}",
            "partner_code": rec["partnerCode"],
            "month": f"{period[:4]}-{period[4:]}",
            "source_id": source_id,
        }
        measures = [
            ("value", rec["primaryValue"], "USD", None),
            ("net_weight", rec["netWgt"], "kg", rec.get("isNetWgtEstimated")),
        ]
        if rec.get("qtyUnitCode", 0) != -1 and rec["qtyUnitAbbr"] not in (None, "N/A"):
            measures.append(
                (
                    "quantity",
                    rec["qty"],
                    QTY_UNITS.get(rec["qtyUnitAbbr"], rec["qtyUnitAbbr"]),
                    rec.get("isQtyEstimated"),
                )
            )
        for measure, value, unit, estimated in measures:
            if value is None:
                continue
            key = (base["hs_code"], base["partner_code"], base["month"], measure)
            if key in rows:
                raise MalformedResponse(f"two records for HS {key[0]}, partner {key[1]}, {key[2]}")
            rows[key] = {
                **base,
                "measure": measure,
                "value": value,
                "unit": unit,
                "estimated": "" if estimated is None else str(bool(estimated)).lower(),
            }
    return [rows[k] for k in sorted(rows)]


# ---------------------------------------------------------------- snapshot


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


# ---------------------------------------------------------------- the refresh


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
