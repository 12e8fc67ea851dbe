"""UN Comtrade response checks: each answer against the documented shape and the query, then tidy rows of it."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .api import FLOW, KEY_ENV, PARTNERS, QTY_UNITS, REPORTER, ApiError, IncompleteResponse, MalformedResponse, Query

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
