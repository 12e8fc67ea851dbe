"""UN Comtrade requests: GET with the standard library, retries with backoff on 429/5xx/timeouts, honouring Retry-After.

`sleep` and the HTTP `transport` are injectable, so that tests replay recorded responses without waiting. Why a small
urllib client and not `comtradeapicall`: docs/comtrade.md.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import api
from .api import (
    KEY_ENV,
    KEY_HEADER,
    KEYED_PATH,
    PUBLIC_PATH,
    PUBLIC_RECORD_CAP,
    ApiError,
    IncompleteResponse,
    NetworkError,
    Transport,
)


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
    api_root: str = api.API_ROOT
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
        """A client with the key of COMTRADE_API_KEY, if set and not empty (and the root of COMTRADE_API_ROOT, if set)."""
        env = os.environ if environ is None else environ
        key = env.get(KEY_ENV, "").strip()
        kwargs.setdefault("api_root", env.get(api.ROOT_ENV, "").strip() or api.API_ROOT)
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
