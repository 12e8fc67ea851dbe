"""Shared helpers of the curation scripts: one registry of sources, CSV writing.

Every curated row names a source_id; the registry hands out one id per page read (URL) and
collects the rows of data/sources.csv. Run everything with `python research/curate.py`.
"""

import csv
import re
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
LEADS = ROOT / "research" / "leads"
DATA = ROOT / "data"
DATE_READ = "2026-11-28"
# Sources first read up to this date keep their first-use order in data/sources.csv; sources read later
# (each new month's report) follow them, by date read and then first use, so that adding a lead row
# appends to data/sources.csv instead of moving existing rows.
FIRST_CURATION = "2026-11-29"
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
NEWS_LICENCE = "copyright of the publisher; figures quoted for verification"
# Ids are derived from the publication date ("host-YYYY-MM-DD", "host-undated-N"); a page whose date was read only
# after its id was handed out keeps that id (data rows and claims cite it): leads/source_ids.csv lists them.
KEPT_IDS = "source_ids.csv"
# Pages looked at again for their real title and publication date (the stored copy read, what it shows, and
# `apply`: which of the two the curation takes into data/sources.csv, as the checker decided).
PAGE_CHECKS = "page_checks.csv"
# Where a check read what it applies: the page itself, the same article at another address of its publisher, or
# the same text (a wire story, a release) as another publisher or the original printed it, when the copy of the
# page we cite starts at the body. The last two say so in the source's notes.
WHERE_READ = {
    "this page": "",
    "same article, same publisher": " at another address of the same publisher ({read_at})",
    "original": " on the original of the same text ({read_at})",
    "same wire elsewhere": " on another publisher's copy of the same text ({read_at})",
}


def host(url):
    """Short name of a page's site, for source ids (an IP address or all-digit subdomain is 'mirror')."""
    h = urlparse(url).netloc.lower()
    h = re.sub(
        r"^(www\.|en\.|m\.|pb\.|ni\.|wap\.|test\.|business\.|investors\.|international\.|news\.|script\.|forum\.|preview\.)",
        "",
        h,
    )
    first = h.split(".")[0]
    return "mirror" if first.isdigit() else first


def iso_date(text):
    """The leading YYYY-MM-DD of a date field, or '' when it holds none."""
    m = re.match(r"\s*(\d{4}-\d{2}-\d{2})", text or "")
    return m.group(1) if m else ""


class Sources:
    """The rows of data/sources.csv, one per page read, in the order first used."""

    def __init__(self):
        self.by_url = {}
        self.calls = {}
        self.kept = kept_ids()
        self.checks = page_checks()

    def add(
        self,
        url,
        *,
        kind="news_report",
        publisher,
        title,
        table_or_page="report text (page as read)",
        date_published="",
        licence=NEWS_LICENCE,
        notes="",
        source_id=None,
        date_read="",
    ):
        """Register the page at `url` (once) and return its source_id (`date_read` defaults to DATE_READ)."""
        if url in self.by_url:
            return self.by_url[url]["source_id"]
        self.calls[url] = dict(
            kind=kind,
            publisher=publisher,
            title=title,
            table_or_page=table_or_page,
            date_published=date_published,
            licence=licence,
            notes=notes,
            source_id=source_id,
            date_read=date_read,
        )
        d = iso_date(date_published)
        taken = {v["source_id"] for v in self.by_url.values()} | {i for u, i in self.kept.items() if u != url}
        if source_id is None and url in self.kept:
            source_id = self.kept[url]
        elif source_id is None:
            base = f"{host(url)}-{d or 'undated'}"
            source_id, n = base, 1
            while source_id in taken:
                n += 1
                source_id = f"{base}-{n}"
        if source_id in {v["source_id"] for v in self.by_url.values()}:
            raise ValueError(f"source id {source_id!r} of {url} is already the id of another page (see {KEPT_IDS})")
        self.by_url[url] = dict(
            source_id=source_id,
            kind=kind,
            publisher=publisher,
            title=title,
            table_or_page=table_or_page,
            url=url,
            date_published=d,
            date_read=date_read or DATE_READ,
            licence=licence,
            notes=notes,
        )
        if url in self.checks:
            checked(self.by_url[url], self.checks[url])
        return source_id

    def in_final_order(self):
        """A fresh registry with the same sources added in the order of rows(), so that the ids of the first
        curation's sources never depend on sources read later (ids are handed out in registration order)."""
        fresh = Sources()
        for r in self.rows():
            fresh.add(r["url"], **self.calls[r["url"]])
        return fresh

    def rows(self):
        """All registered sources: those of the first curation in first-use order, then later ones by date read;
        within a date, pages already in data/sources.csv keep their place and new ones go after them."""
        listed = listed_urls()
        return sorted(
            self.by_url.values(),
            key=lambda r: (max(r["date_read"], FIRST_CURATION), r["url"] not in listed, listed.get(r["url"], 0)),
        )


def kept_ids() -> dict[str, str]:
    """URL -> source_id of the pages listed in leads/source_ids.csv (ids kept when a date was read later)."""
    path = LEADS / KEPT_IDS
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {r["url"]: r["source_id"] for r in csv.DictReader(f)}


def page_checks() -> dict[str, dict[str, str]]:
    """URL -> the row of leads/page_checks.csv for each page whose title or date the curation takes from it."""
    path = LEADS / PAGE_CHECKS
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {r["url"]: r for r in csv.DictReader(f) if r["apply"]}


def checked(row: dict[str, str], check: dict[str, str]) -> None:
    """Take a page check's title or date into a row of data/sources.csv (its id stays), saying where they were read."""
    wanted = set(check["apply"].split(";"))
    if not wanted <= {"title", "date"} or not all(
        check["title_on_page" if w == "title" else "date_published"] for w in wanted
    ):
        raise ValueError(
            f"{PAGE_CHECKS}: {check['url']}: apply {check['apply']!r} names a field the check has no value for"
        )
    if check["match"] not in WHERE_READ:
        raise ValueError(f"{PAGE_CHECKS}: {check['url']}: match {check['match']!r} is none of {sorted(WHERE_READ)}")
    if check["match"] in ("same wire elsewhere", "original") and not check.get("same_text_evidence"):
        raise ValueError(
            f"{PAGE_CHECKS}: {check['url']}: a title or date read on another copy of the text needs the words "
            "and figures seen in both (same_text_evidence)"
        )
    where = WHERE_READ[check["match"]].format(read_at=check["read_at"])
    said = ""
    if "title" in wanted:
        row["title"] = check["title_on_page"]
        said = f"headline as printed{where}" if where else ""
    if "date" in wanted:
        date, evidence = iso_date(check["date_published"]), check["date_evidence"]
        if evidence.startswith("address:"):
            how = f"taken from the page's address ({evidence.removeprefix('address:').strip()})"
        else:
            how = f"as {'printed' if where else 'the page prints it'} ({evidence})"
        row["date_published"] = date
        said = f"{'headline and ' if said else ''}date {date} {how}{where}"
    kept = (
        row["notes"].replace("date shown: not stated in excerpt", "").strip(" ;") if "date" in wanted else row["notes"]
    )
    row["notes"] = "; ".join(x for x in (kept, f"{said}, checked {check['checked']}" if said else "") if x)


def listed_urls() -> dict[str, int]:
    """URL -> row number of each page already in data/sources.csv (empty before the first curation)."""
    path = DATA / "sources.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {r["url"]: i for i, r in enumerate(csv.DictReader(f))}


def read_leads(name):
    """Rows of research/leads/<name> as dicts."""
    with open(LEADS / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path, fields, rows):
    """Write rows to a CSV with LF line ends (so curated files diff cleanly)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
