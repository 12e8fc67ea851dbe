"""UN Comtrade API: what the API is (endpoints, the record cap, the fields), what we ask of it (the query) and the errors.

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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from ...snapshot import KEY_ENV

ROOT_ENV = "COMTRADE_API_ROOT"  # another API root (a mirror, or a local replay server in tests); default API_ROOT
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
