"""research/curate.py regenerates data/ from research/leads/: byte for byte, and one lead row in gives one data row out."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HAND_READ = ("claims.csv", "forecasts.csv")  # the article's claims and forecasts: read from the article, not curated
CURATED = sorted(p.name for p in (ROOT / "data").glob("*.csv") if p.name not in HAND_READ)


def curated_copy(tmp_path: Path) -> Path:
    """A copy of research/ and data/ in which curate.py can run without touching the checkout."""
    shutil.copytree(ROOT / "research", tmp_path / "research", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def curate(root: Path) -> None:
    """Run research/curate.py of a copy; fail with its output if it fails."""
    done = subprocess.run([sys.executable, str(root / "research" / "curate.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def lines(path: Path) -> list[str]:
    """The lines of a text file."""
    return path.read_text(encoding="utf-8").splitlines()


def append_lead(path: Path, row: dict[str, str]) -> None:
    """Append one row to a leads CSV, in its own columns."""
    with open(path, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    with open(path, "a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([row.get(k, "") for k in header])


@pytest.fixture(scope="module")
def recurated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/ as curate.py writes it from the committed leads, in a temporary copy."""
    root = curated_copy(tmp_path_factory.mktemp("curate"))
    for name in CURATED:
        if name != "sources.csv":  # curate.py keeps its UN Comtrade rows (written by `refresh`), rewrites the rest
            (root / "data" / name).unlink()
    curate(root)
    return root


@pytest.mark.parametrize("name", CURATED)
def test_curation_reproduces_data_byte_for_byte(recurated: Path, name: str) -> None:
    assert (recurated / "data" / name).read_bytes() == (ROOT / "data" / name).read_bytes(), (
        f"data/{name} differs from what research/curate.py writes from research/leads/: rerun it and commit the result"
    )


def test_a_new_month_adds_exactly_its_row_and_its_source(tmp_path: Path) -> None:
    root = curated_copy(tmp_path)
    before = {name: lines(root / "data" / name) for name in CURATED}
    quote = "China exported 1,234.5 tonnes of rare earths in May 2027, customs data showed."
    append_lead(
        root / "research" / "leads" / "customs_reports_since.csv",
        dict(
            series="S1_gacc_prelim_rare_earths_volume",
            period="2027-05",
            value="1234.5",
            unit="tonnes",
            measure="volume",
            publisher="Test Wire",
            title="A test report",
            url="https://example.org/test-report-2027-06-09",
            date_published="2027-06-09",
            date_read="2027-06-10",
            quote=quote,
        ),
    )
    curate(root)
    after = {name: lines(root / "data" / name) for name in CURATED}
    changed = {name for name in CURATED if after[name] != before[name]}
    assert changed == {"china_exports_monthly.csv", "sources.csv"}
    exports = after["china_exports_monthly.csv"]
    added = [x for x in exports if x not in before["china_exports_monthly.csv"]]
    assert len(exports) == len(before["china_exports_monthly.csv"]) + 1
    assert added == [f'rare_earths,World,2027-05,volume,1234.5,t,example-2027-06-09,"{quote}",']
    # the new source is appended after every existing one, which keep their ids and their order
    assert after["sources.csv"][:-1] == before["sources.csv"]
    assert after["sources.csv"][-1].startswith("example-2027-06-09,news_report,Test Wire,A test report,")
    assert ",2027-06-09,2027-06-10," in after["sources.csv"][-1]


def test_a_source_read_on_the_same_day_as_earlier_ones_is_still_appended_last(tmp_path: Path) -> None:
    root = curated_copy(tmp_path)
    before = lines(root / "data" / "sources.csv")
    with open(root / "data" / "sources.csv", encoding="utf-8", newline="") as f:
        latest = max(r["date_read"] for r in csv.DictReader(f))  # the day the latest sources were read
    append_lead(
        root / "research" / "leads" / "customs_reports_since.csv",
        dict(
            series="S1_gacc_prelim_rare_earths_volume",
            period="2027-05",
            value="1234.5",
            unit="tonnes",
            measure="volume",
            publisher="Aardvark Wire",
            title="A same-day report",
            url="https://aardvark.example.org/same-day",
            date_published="2026-11-30",
            date_read=latest,
            quote="China exported 1,234.5 tonnes of rare earths in May 2027.",
        ),
    )
    curate(root)
    after = lines(root / "data" / "sources.csv")
    assert after[:-1] == before
    assert after[-1].startswith("aardvark-2026-11-30,news_report,Aardvark Wire,")


def test_a_price_quote_dated_before_the_article_is_refused(tmp_path: Path) -> None:
    root = curated_copy(tmp_path)
    leads = root / "research" / "leads" / "price_reports_since.csv"
    append_lead(
        leads, dict(date="2025-09-01", date_precision="day", element="Dy", product="oxide", url="https://example.org/x")
    )
    done = subprocess.run([sys.executable, str(root / "research" / "curate.py")], capture_output=True, text=True)
    assert done.returncode != 0
    assert "price_reports_since.csv line" in done.stderr and "is not after 2025-09-10" in done.stderr


@pytest.mark.parametrize(
    ("date_kind", "published", "message"),
    [
        ("happened", "2026-06-01", "its source, published 2026-06-01, cannot report it as happened"),
        ("scheduled", "2026-08-01", "its source, published 2026-08-01, is later: say happened"),
        ("maybe", "", "date_kind 'maybe' is not happened or scheduled"),
    ],
)
def test_a_policy_event_must_say_whether_its_date_had_happened_by_its_source(
    tmp_path: Path, date_kind: str, published: str, message: str
) -> None:
    root = curated_copy(tmp_path)
    append_lead(
        root / "research" / "leads" / "policy_events_since.csv",
        dict(
            event_id="E99",
            date="2026-07-01",
            date_precision="day",
            date_kind=date_kind,
            category="other",
            source_publisher="Example",
            source_title="x",
            url="https://example.org/e99",
            date_published=published,
            verification="sourced",
            date_read="2026-12-02",
        ),
    )
    done = subprocess.run([sys.executable, str(root / "research" / "curate.py")], capture_output=True, text=True)
    assert done.returncode != 0
    assert "policy_events_since.csv line" in done.stderr and message in done.stderr


def test_a_page_dated_after_its_id_was_handed_out_keeps_its_id(tmp_path: Path) -> None:
    root = curated_copy(tmp_path)
    before = lines(root / "data" / "sources.csv")
    path = root / "research" / "leads" / "price_reports_since.csv"
    text = path.read_text(encoding="utf-8")
    undated = "https://news.metal.com/newscontent/103690800/"
    assert ",December 25 (year not shown in the excerpt)," in text and undated in text
    path.write_text(text.replace(",December 25 (year not shown in the excerpt),", ",2025-12-25,"), encoding="utf-8")
    kept = root / "research" / "leads" / "source_ids.csv"
    with open(root / "data" / "sources.csv", encoding="utf-8", newline="") as f:
        url = next(r["url"] for r in csv.DictReader(f) if r["url"].startswith(undated))
    with open(kept, "a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([url, "metal-undated-6", "test"])
    curate(root)
    after = lines(root / "data" / "sources.csv")
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    assert len(before) == len(after) and len(changed) == 1, changed
    assert changed[0][1].startswith("metal-undated-6,") and ",2025-12-25," in changed[0][1]


def test_every_kept_id_names_a_page_and_differs_from_the_id_its_date_gives() -> None:
    with open(ROOT / "research" / "leads" / "source_ids.csv", encoding="utf-8", newline="") as f:
        kept = list(csv.DictReader(f))
    with open(ROOT / "data" / "sources.csv", encoding="utf-8", newline="") as f:
        rows = {r["url"]: r for r in csv.DictReader(f)}
    for k in kept:
        assert k["url"] in rows, f"research/leads/source_ids.csv: {k['url']} is no source"
        assert rows[k["url"]]["source_id"] == k["source_id"]
        assert rows[k["url"]]["date_published"] and "undated" in k["source_id"], k  # kept only when dated later


def set_page_check(root: Path, source_id: str, **values: str) -> str:
    """Change one row of a copy's leads/page_checks.csv (by source id); return the page's URL."""
    path = root / "research" / "leads" / "page_checks.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["source_id"] == source_id)
    row.update(values)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row["url"]


def test_a_page_check_gives_its_page_the_date_it_shows_and_says_so_keeping_the_id(tmp_path: Path) -> None:
    root = curated_copy(tmp_path)
    set_page_check(root, "metal-undated", apply="")  # as before the check: no date
    curate(root)
    before = {r["source_id"]: r for r in csv.DictReader(open(root / "data" / "sources.csv", encoding="utf-8"))}
    set_page_check(root, "metal-undated", apply="date")
    set_page_check(root, "100ppi-undated", apply="date;title", title_on_page="生意社：1月29日镝铽价格")
    curate(root)
    after = {r["source_id"]: r for r in csv.DictReader(open(root / "data" / "sources.csv", encoding="utf-8"))}
    assert before["metal-undated"]["date_published"] == "" and after["metal-undated"]["date_published"] == "2025-12-26"
    assert "date 2025-12-26 as printed (Published: Dec 26, 2025 14:03)" in after["metal-undated"]["notes"]
    assert "at another address of the same publisher" in after["metal-undated"]["notes"]  # its copy was read there
    assert after["100ppi-undated"]["title"] == "生意社：1月29日镝铽价格"
    assert "taken from the page's address (/news/detail-20260129-5252885.html)" in after["100ppi-undated"]["notes"]
    assert list(before) == list(after)  # no id changed, none moved


def test_a_page_check_applying_a_field_it_has_no_value_for_is_refused(tmp_path: Path) -> None:
    root = curated_copy(tmp_path)
    url = set_page_check(root, "metal-undated", apply="title", title_on_page="")
    done = subprocess.run([sys.executable, str(root / "research" / "curate.py")], capture_output=True, text=True)
    assert done.returncode != 0
    assert f"page_checks.csv: {url}: apply 'title' names a field the check has no value for" in done.stderr


def test_a_headline_and_date_read_on_another_copy_of_the_same_wire_say_where(tmp_path: Path) -> None:
    """Zawya's copy of a Reuters wire starts at the body; the same wire at Creamer Media prints headline and date."""
    root = curated_copy(tmp_path)
    other = "https://newsletter.en.creamermedia.com/article/x-2025-05-09"
    both = "4,785 t, down 15.6% on month; 18,962 t in January-April; Amy Lv and Lewis Jackson"
    set_page_check(root, "zawya-undated", apply="", read_at=other, same_text_evidence=both)
    curate(root)
    before = {r["source_id"]: r for r in csv.DictReader(open(root / "data" / "sources.csv", encoding="utf-8"))}
    set_page_check(
        root,
        "zawya-undated",
        apply="title;date",
        title_on_page="Wire headline",
        date_published="2025-05-09",
        date_evidence="9th May 2025",
    )
    curate(root)
    after = {r["source_id"]: r for r in csv.DictReader(open(root / "data" / "sources.csv", encoding="utf-8"))}
    row = after["zawya-undated"]
    assert before["zawya-undated"]["date_published"] == "" and row["date_published"] == "2025-05-09"
    assert row["title"] == "Wire headline"
    assert (
        "headline and date 2025-05-09 as printed (9th May 2025) on another publisher's copy of the same "
        f"text ({other}), checked 2026-12-02"
    ) in row["notes"]
    assert list(before) == list(after)  # the id stays


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"match": "same wire elsewhere", "same_text_evidence": ""},
            "a title or date read on another copy of the text needs the words and figures seen in both",
        ),
        ({"match": "not found"}, "match 'not found' is none of"),
    ],
)
def test_a_page_check_that_cannot_show_where_it_read_is_refused(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    root = curated_copy(tmp_path)
    url = set_page_check(root, "metal-undated", apply="date", **values)
    done = subprocess.run([sys.executable, str(root / "research" / "curate.py")], capture_output=True, text=True)
    assert done.returncode != 0 and f"page_checks.csv: {url}: {message}" in done.stderr, done.stderr
