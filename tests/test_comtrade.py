"""UN Comtrade refresh, offline: recorded (synthetic) responses replayed by a local HTTP server.

The real urllib client talks to 127.0.0.1, so URLs, headers, statuses, retries and timeouts are the
real code paths; only `sleep` is replaced, to record the waits instead of waiting.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rare_earths import cli, data, paths, snapshot
from rare_earths.clients import comtrade

FIXTURES = Path(__file__).parent / "fixtures" / "comtrade"
OK = (FIXTURES / "ok_2025-01_2025-03.json").read_bytes()
QUERY = comtrade.Query("2025-01", "2025-03", partners=(0, 842))
DAY = datetime(2026, 11, 28, 19, 30, tzinfo=UTC)


class Replay:
    """A local server answering each request with the next scripted (status, headers, body, delay)."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], bytes, float]] = []
        self.requests: list[dict[str, Any]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urllib.parse.urlsplit(self.path)
                replay.requests.append(
                    {
                        "path": url.path,
                        "query": dict(urllib.parse.parse_qsl(url.query)),
                        "headers": dict(self.headers.items()),
                        "raw": self.path,
                    }
                )
                status, headers, body, delay = (
                    replay.script.pop(0) if replay.script else (500, {}, b"script exhausted", 0.0)
                )
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def add(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None, delay: float = 0.0) -> Replay:
        self.script.append((status, headers or {}, body, delay))
        return self


@pytest.fixture
def api() -> Iterator[Replay]:
    replay = Replay()
    yield replay
    replay.server.shutdown()
    replay.server.server_close()


def client(api: Replay, key: str | None = None, **kwargs: Any) -> tuple[comtrade.Client, list[float]]:
    """A client of the local server, built as the command builds it (from the environment), with recorded sleeps."""
    slept: list[float] = []
    env = {comtrade.KEY_ENV: key} if key is not None else {}
    kwargs.setdefault("timeout", 5.0)
    return comtrade.Client.from_env(env, api_root=api.root, sleep=slept.append, **kwargs), slept


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def ok_variant(change) -> bytes:
    body = json.loads(OK)
    change(body)
    return json.dumps(body).encode()


# ---------------------------------------------------------------- endpoints and keys


def test_without_key_the_public_endpoint_is_used_without_key_header(api: Replay, data_copy: Path) -> None:
    c, _ = client(api.add(OK))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    (req,) = api.requests
    assert req["path"] == "/public/v1/preview/C/M/HS"
    assert not any(k.lower() == comtrade.KEY_HEADER.lower() for k in req["headers"])
    assert req["query"] == {
        "reporterCode": "156",
        "period": "202501,202502,202503",
        "cmdCode": "280530,284610,284690,850511",
        "flowCode": "X",
        "partnerCode": "0,842",
        "breakdownMode": "classic",
        "includeDesc": "true",
    }


def test_empty_key_counts_as_no_key(api: Replay) -> None:
    c, _ = client(api, key="  ")
    assert not c.keyed and c.endpoint.endswith("/public/v1/preview/C/M/HS")


def test_with_key_the_keyed_endpoint_and_header_are_used_and_the_key_is_stored_nowhere(
    api: Replay, data_copy: Path
) -> None:
    c, _ = client(api.add(OK), key="secret-test-key-123")
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    (req,) = api.requests
    assert req["path"] == "/data/v1/get/C/M/HS"
    assert {k.lower(): v for k, v in req["headers"].items()}[comtrade.KEY_HEADER.lower()] == "secret-test-key-123"
    assert "secret-test-key-123" not in req["raw"]
    for name, content in tree(data_copy).items():
        assert b"secret-test-key-123" not in content, name
    meta = json.loads((data_copy / "comtrade" / "china_exports_comtrade.json").read_text())
    assert meta["endpoint"] == "keyed" and meta["api_url"].endswith("/data/v1/get/C/M/HS")


def test_keyed_endpoint_has_no_500_record_cap(api: Replay) -> None:
    keyed, _ = client(api, key="k")
    public, _ = client(api)
    wide = comtrade.Query("2023-01", "2026-10", partners=tuple(range(20)))
    assert [len(c) for c in wide.chunks(keyed.record_cap)] == [12, 12, 12, 10]
    assert max(len(c) for c in wide.chunks(public.record_cap)) * 4 * 20 < 500


# ---------------------------------------------------------------- a good answer


def test_refresh_writes_a_validated_snapshot_with_metadata_and_a_source_row(api: Replay, data_copy: Path) -> None:
    sources_before = (data_copy / "sources.csv").read_bytes()
    c, _ = client(api.add(OK))
    result = comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    folder = data_copy / "comtrade"
    assert sorted(p.name for p in folder.iterdir() if p.name != ".gitignore") == [
        "china_exports_comtrade.csv",
        "china_exports_comtrade.json",
        "china_exports_comtrade_2026-11-28.csv",
        "china_exports_comtrade_2026-11-28.json",
    ]
    current = (folder / "china_exports_comtrade.csv").read_bytes()
    assert current == (folder / "china_exports_comtrade_2026-11-28.csv").read_bytes()
    meta = json.loads((folder / "china_exports_comtrade.json").read_text())
    assert meta["sha256"] == hashlib.sha256(current).hexdigest() and meta["bytes"] == len(current)
    assert meta["retrieved_at"] == "2026-11-28T19:30:00Z" and meta["source_id"] == "un-comtrade-2026-11-28"
    assert (
        meta["record_count"] == 24 and meta["row_count"] == result.rows == 24 * 3 - 2
    )  # two records (HS 284610, Feb, both partners) have no quantity unit
    assert meta["query"]["cmdCode"] == ["280530", "284610", "284690", "850511"] and meta["endpoint"] == "public"
    assert meta["requests"][0]["url"] == api.root + api.requests[0]["raw"] and meta["months_with_data"] == [
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    # sources.csv: the curated rows untouched, one row for this retrieval appended
    sources_after = (data_copy / "sources.csv").read_bytes()
    assert sources_after.startswith(sources_before) and sources_after.count(b"\n") == sources_before.count(b"\n") + 1
    assert data.validate_all(data_copy) == []
    snap = snapshot.load_snapshot(data_copy)
    f = snap.frame
    magnets_feb = f[(f["hs_code"] == "850511") & (f["partner_code"] == 0) & (f["month"] == "2025-02")].set_index(
        "measure"
    )
    record = next(
        r for r in json.loads(OK)["data"] if (r["cmdCode"], r["partnerCode"], r["period"]) == ("850511", 0, "202502")
    )
    assert magnets_feb.loc["net_weight", "value"] == record["netWgt"] and magnets_feb.loc["net_weight", "unit"] == "kg"
    assert magnets_feb.loc["value", "value"] == record["primaryValue"] and magnets_feb.loc["value", "unit"] == "USD"
    assert set(f.loc[f["partner_code"] == 842, "partner"]) == {"USA"}
    # the records without a quantity unit give value and net weight, no quantity
    no_qty = f[(f["hs_code"] == "284610") & (f["month"] == "2025-02")]
    assert set(no_qty["measure"]) == {"value", "net_weight"}
    assert set(f.loc[f["measure"] == "net_weight", "estimated"]) == {True, False}


def test_frictionless_accepts_a_written_snapshot(api: Replay, data_copy: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    c, _ = client(api.add(OK))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    report = frictionless.Package(str(data_copy / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])


def test_a_new_refresh_replaces_the_current_snapshot_and_keeps_the_dated_one(api: Replay, data_copy: Path) -> None:
    c, _ = client(api.add(OK).add(ok_variant(lambda b: b["data"].__setitem__(0, {**b["data"][0], "netWgt": 1.5}))))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    first = (data_copy / "comtrade" / "china_exports_comtrade.csv").read_bytes()
    comtrade.refresh(QUERY, c, data_copy, datetime(2026, 12, 5, tzinfo=UTC), log=lambda s: None)
    folder = data_copy / "comtrade"
    assert (folder / "china_exports_comtrade_2026-11-28.csv").read_bytes() == first
    current = (folder / "china_exports_comtrade.csv").read_bytes()
    assert current == (folder / "china_exports_comtrade_2026-12-05.csv").read_bytes() != first
    assert b"un-comtrade-2026-12-05" in current and b",1.5,kg," in current
    assert not [p for p in folder.iterdir() if p.name.startswith(".staging-")], "staging left behind"
    assert data.validate_all(data_copy) == []


def test_same_day_refresh_does_not_duplicate_the_source_row(api: Replay, data_copy: Path) -> None:
    c, _ = client(api.add(OK).add(OK))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    once = (data_copy / "sources.csv").read_bytes()
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    assert (data_copy / "sources.csv").read_bytes() == once


def test_rewriting_sources_keeps_the_curated_file_byte_for_byte(data_copy: Path) -> None:
    text = (data_copy / "sources.csv").read_bytes()
    row = comtrade.source_row("un-comtrade-2026-11-28", "2026-11-28", comtrade.Client(), QUERY)
    added = comtrade.sources_with(row, data_copy / "sources.csv")
    assert added.startswith(text) and added.decode().splitlines()[-1].startswith("un-comtrade-2026-11-28,statistics,")


# ---------------------------------------------------------------- failures change nothing


@pytest.fixture
def previous(api: Replay, data_copy: Path) -> dict[str, bytes]:
    """A data/ copy that already holds a snapshot: the state a failed refresh must leave alone."""
    c, _ = client(api.add(OK))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    api.requests.clear()
    return tree(data_copy)


def failing(api: Replay, data_copy: Path, error: type[Exception], match: str, **kwargs: Any) -> list[float]:
    c, slept = client(api, **kwargs)
    with pytest.raises(error, match=match):
        comtrade.refresh(QUERY, c, data_copy, datetime(2026, 12, 1, tzinfo=UTC), log=lambda s: None)
    return slept


def test_empty_result_changes_nothing(api: Replay, data_copy: Path, previous: dict[str, bytes]) -> None:
    api.add((FIXTURES / "empty.json").read_bytes())
    failing(api, data_copy, comtrade.RefreshError, "returned no records for 2025-01..2025-03")
    assert tree(data_copy) == previous


def test_malformed_body_changes_nothing(api: Replay, data_copy: Path, previous: dict[str, bytes]) -> None:
    api.add((FIXTURES / "malformed_truncated.json").read_bytes())
    failing(api, data_copy, comtrade.MalformedResponse, "the body is not JSON")
    assert tree(data_copy) == previous


@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        (b'{"elements": [], "count": 0}', comtrade.MalformedResponse, "no 'data' list"),
        (b'{"count": 0, "data": [], "error": "Invalid period"}', comtrade.ApiError, "Invalid period"),
        (ok_variant(lambda b: b["data"].pop()), comtrade.IncompleteResponse, "announces 24 records but holds 23"),
        (
            ok_variant(lambda b: b.update(data=[b["data"][0]] * 500, count=500)),
            comtrade.IncompleteResponse,
            "cap of 500",
        ),
        (
            ok_variant(lambda b: b["data"][3].update(reporterCode=842)),
            comtrade.MalformedResponse,
            "record 4: reporterCode 842",
        ),
        (
            ok_variant(lambda b: b["data"][5].pop("netWgt")),
            comtrade.MalformedResponse,
            "record 6: field 'netWgt' is missing",
        ),
        (
            ok_variant(lambda b: b["data"][0].update(primaryValue="12")),
            comtrade.MalformedResponse,
            "field 'primaryValue' has '12'",
        ),
        (
            ok_variant(lambda b: b["data"][0].update(period="202412")),
            comtrade.MalformedResponse,
            "period '202412' was not asked for",
        ),
        (
            ok_variant(lambda b: b["data"].append(copy.deepcopy(b["data"][0])) or b.update(count=25)),
            comtrade.MalformedResponse,
            "two records for HS 280530",
        ),
    ],
    ids=[
        "no-data-key",
        "api-error",
        "count-disagrees",
        "record-cap",
        "wrong-reporter",
        "missing-field",
        "wrong-type",
        "other-period",
        "duplicate",
    ],
)
def test_bad_answers_are_refused_and_change_nothing(
    api: Replay, data_copy: Path, previous: dict[str, bytes], body: bytes, error: type[Exception], match: str
) -> None:
    api.add(body)
    failing(api, data_copy, error, match)
    assert tree(data_copy) == previous


def test_rows_failing_the_schema_are_refused_before_anything_is_replaced(
    api: Replay, data_copy: Path, previous: dict[str, bytes]
) -> None:
    api.add(ok_variant(lambda b: b["data"][2].update(qtyUnitAbbr="l", qtyUnitCode=7)))
    failing(api, data_copy, data.DataValidationError, "unit 'l'")
    assert tree(data_copy) == previous


def test_a_failure_in_a_later_chunk_changes_nothing(api: Replay, data_copy: Path, previous: dict[str, bytes]) -> None:
    long_query = comtrade.Query("2024-01", "2025-03", partners=(0, 842))
    api.add((FIXTURES / "empty.json").read_bytes()).add((FIXTURES / "malformed_truncated.json").read_bytes())
    c, _ = client(api)
    with pytest.raises(comtrade.MalformedResponse):
        comtrade.refresh(long_query, c, data_copy, DAY, log=lambda s: None)
    assert [r["query"]["period"] for r in api.requests] == [
        ",".join(f"2024{m:02d}" for m in range(1, 13)),
        "202501,202502,202503",
    ]
    assert tree(data_copy) == previous


# ---------------------------------------------------------------- rate limits and timeouts


def test_429_is_retried_after_the_time_the_api_asks(api: Replay, data_copy: Path) -> None:
    api.add((FIXTURES / "rate_limited_429.json").read_bytes(), 429, {"Retry-After": "7"}).add(OK)
    c, slept = client(api)
    result = comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    assert slept == [7.0] and len(api.requests) == 2 and result.metadata["requests"][0]["attempts"] == 2
    assert snapshot.load_snapshot(data_copy) is not None


def test_without_retry_after_the_backoff_doubles(api: Replay, data_copy: Path) -> None:
    api.add(b"", 429).add(b"", 503).add(OK)
    c, slept = client(api, backoff=2.0)
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    assert slept == [2.0, 4.0]


def test_persistent_429_gives_up_and_changes_nothing(api: Replay, data_copy: Path, previous: dict[str, bytes]) -> None:
    for _ in range(4):
        api.add((FIXTURES / "rate_limited_429.json").read_bytes(), 429, {"Retry-After": "1"})
    slept = failing(
        api, data_copy, comtrade.IncompleteResponse, "after 4 attempts: HTTP 429 .rate limit.: Rate limit is exceeded"
    )
    assert slept == [1.0, 1.0, 1.0] and len(api.requests) == 4
    assert tree(data_copy) == previous


def test_a_retry_after_beyond_the_limit_fails_at_once(api: Replay, data_copy: Path, previous: dict[str, bytes]) -> None:
    api.add(b'{"statusCode": 429, "message": "Out of call volume quota."}', 429, {"Retry-After": "86400"})
    slept = failing(api, data_copy, comtrade.ApiError, "asks to wait 86400 s")
    assert slept == [] and len(api.requests) == 1 and tree(data_copy) == previous


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 11, 28, 19, 0, 0, tzinfo=UTC)
    assert comtrade.retry_after({"retry-after": "Sat, 28 Nov 2026 19:00:30 GMT"}, now) == 30.0
    assert comtrade.retry_after({"Retry-After": "soon"}, now) is None and comtrade.retry_after({}, now) is None


def test_timeout_is_retried_then_succeeds(api: Replay, data_copy: Path) -> None:
    api.add(OK, delay=1.0).add(OK)
    c, slept = client(api, timeout=0.3, backoff=0.5)
    result = comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    assert slept == [0.5] and result.metadata["requests"][0]["attempts"] == 2


def test_persistent_timeout_fails_with_a_clear_message_and_changes_nothing(
    api: Replay, data_copy: Path, previous: dict[str, bytes]
) -> None:
    for _ in range(2):
        api.add(OK, delay=1.0)
    failing(
        api,
        data_copy,
        comtrade.IncompleteResponse,
        r"after 2 attempts: no answer within 0.3 s \(timeout\)",
        timeout=0.3,
        max_attempts=2,
    )
    assert tree(data_copy) == previous


def test_http_error_is_not_retried(api: Replay, data_copy: Path) -> None:
    api.add(b'{"statusCode": 401, "message": "Access denied due to invalid subscription key."}', 401)
    failing(
        api,
        data_copy,
        comtrade.ApiError,
        "HTTP 401 .*key in COMTRADE_API_KEY was refused.*invalid subscription key",
        key="bad",
    )
    assert len(api.requests) == 1


def test_calls_are_spaced_by_the_pause(api: Replay, data_copy: Path) -> None:
    api.add(b'{"count": 0, "data": [], "error": ""}').add(OK)
    c, slept = client(api, pause=1.0)
    comtrade.refresh(comtrade.Query("2024-01", "2025-03", partners=(0, 842)), c, data_copy, DAY, log=lambda s: None)
    assert slept == [1.0] and len(api.requests) == 2


# ---------------------------------------------------------------- the command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_command_without_network_says_so_and_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch, data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(comtrade.ROOT_ENV, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setattr(paths, "DATA_DIR", data_copy)
    monkeypatch.delenv(comtrade.KEY_ENV, raising=False)
    before = tree(data_copy)
    assert cli.main(["refresh", "--start", "2025-01", "--end", "2025-03"]) == 1
    err = capsys.readouterr().err
    assert (
        "refresh failed: cannot reach 127.0.0.1" in err
        and "is this machine online?" in err
        and "Nothing in data/ was changed." in err
    )
    assert tree(data_copy) == before


def test_command_refreshes_from_the_api(
    monkeypatch: pytest.MonkeyPatch, api: Replay, data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.add(OK)
    monkeypatch.setenv(comtrade.ROOT_ENV, api.root)
    monkeypatch.setattr(paths, "DATA_DIR", data_copy)
    monkeypatch.setenv(comtrade.KEY_ENV, "from-the-environment")
    assert cli.main(["refresh", "--start", "2025-01", "--end", "2025-03", "--partners", "0,842"]) == 0
    assert api.requests[0]["path"] == "/data/v1/get/C/M/HS"
    assert "70 rows from 24 API records, 2025-01 to 2025-03" in capsys.readouterr().out


# ---------------------------------------------------------------- reading the snapshot


def test_no_snapshot_means_none_and_a_valid_package(data_copy: Path) -> None:
    for p in (data_copy / "comtrade").glob("china_exports_comtrade*"):
        p.unlink()
    assert snapshot.load_snapshot(data_copy) is None
    assert not data.is_present(comtrade.DATASET, data_copy)
    assert data.validate_all(data_copy) == []
    with pytest.raises(data.DataValidationError, match="optional dataset not present"):
        data.load(comtrade.DATASET, data_copy)


def test_a_present_snapshot_is_validated_like_any_dataset(api: Replay, data_copy: Path) -> None:
    c, _ = client(api.add(OK))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    path = data_copy / "comtrade" / "china_exports_comtrade.csv"
    path.write_text(path.read_text().replace(",kg,", ",t,", 1))
    assert any("unit 't'" in str(p) for p in data.validate_all(data_copy))


def test_snapshot_that_disagrees_with_its_metadata_is_refused(api: Replay, data_copy: Path) -> None:
    c, _ = client(api.add(OK))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    path = data_copy / "comtrade" / "china_exports_comtrade.csv"
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(data.DataValidationError, match="sha256"):
        snapshot.load_snapshot(data_copy)


# ---------------------------------------------------------------- notebook 01 with comtrade=True


def run_01(tmp_path: Path, root: Path | None, *params: str) -> tuple[str, Path]:
    """Run notebook 01 with papermill (optionally on another project root); return its outputs as text, and the outputs folder."""
    out = tmp_path / "out"
    env = {**os.environ, **({"RARE_EARTHS_ROOT": str(root)} if root else {})}
    cmd = [
        sys.executable,
        "-m",
        "papermill",
        "--no-progress-bar",
        str(paths.NOTEBOOKS_DIR / "01_exports.ipynb"),
        str(tmp_path / "run.ipynb"),
        "-p",
        "output_dir",
        str(out),
        *params,
    ]
    subprocess.run(cmd, check=True, cwd=paths.NOTEBOOKS_DIR, capture_output=True, env=env)
    nb = json.loads((tmp_path / "run.ipynb").read_text())
    text = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    return text, out


def test_notebook_says_so_when_asked_for_comtrade_without_a_snapshot(tmp_path: Path, data_copy: Path) -> None:
    for p in (data_copy / "comtrade").glob("china_exports_comtrade*"):
        p.unlink()
    text, out = run_01(
        tmp_path,
        data_copy.parent,
        "-p",
        "comtrade",
        "True",
        "-p",
        "start_month",
        "2025-01",
        "-p",
        "end_month",
        "2025-03",
    )
    assert "No UN Comtrade snapshot" in text and "Why the Comtrade series and the customs aggregates differ" in text
    assert not (out / "tables" / "01_comtrade_vs_customs.csv").exists()
    assert (out / "tables" / "01_exports_monthly_volume.csv").exists()  # the rest of the section still runs


def test_notebook_shows_a_snapshot_beside_the_customs_figures(tmp_path: Path, api: Replay, data_copy: Path) -> None:
    c, _ = client(api.add(OK))
    comtrade.refresh(QUERY, c, data_copy, DAY, log=lambda s: None)
    text, out = run_01(
        tmp_path,
        data_copy.parent,
        "-p",
        "comtrade",
        "True",
        "-p",
        "start_month",
        "2025-01",
        "-p",
        "end_month",
        "2025-03",
    )
    assert "un-comtrade-2026-11-28" in text and "No UN Comtrade snapshot" not in text
    rows = {r["month"]: r for r in csv.DictReader(open(out / "tables" / "01_comtrade_vs_customs.csv"))}
    assert list(rows) == ["2025-01", "2025-02", "2025-03"]
    assert float(rows["2025-03"]["gacc_rare_earths_t"]) == 5666 and float(rows["2025-03"]["comtrade_28_sum_t"]) == 5700
    assert (out / "figures" / "01_comtrade_vs_customs.png").exists()


def test_notebook_default_leaves_comtrade_out(built) -> None:
    root, _ = built
    assert not list(root.rglob("*comtrade*"))
    html = (root / "html" / "01_exports.html").read_text(encoding="utf-8")
    assert "UN Comtrade" not in html
