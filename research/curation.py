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


def host(url):
    """Short name of a page's site, for source ids (an IP address or all-digit subdomain is 'mirror')."""
    h = urlparse(url).netloc.lower()
    h = re.sub(
        r"^(www\.|en\.|m\.|wap\.|test\.|business\.|investors\.|international\.|news\.|script\.|forum\.|preview\.)",
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
        self.late = set()  # urls registered with last=True: written after every other source

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
        last=False,
    ):
        """Register the page at `url` (once) and return its source_id (`date_read` defaults to DATE_READ).

        `last=True` keeps a page added after the file was first curated at the end of data/sources.csv, so
        earlier rows keep their place (and parallel additions merge as appended lines)."""
        if last:
            self.late.add(url)
        if url in self.by_url:
            return self.by_url[url]["source_id"]
        d = iso_date(date_published)
        if source_id is None:
            base = f"{host(url)}-{d or 'undated'}"
            source_id, n = base, 1
            taken = {v["source_id"] for v in self.by_url.values()}
            while source_id in taken:
                n += 1
                source_id = f"{base}-{n}"
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
        return source_id

    def rows(self):
        """All registered sources, in registration order; pages registered with last=True at the end."""
        rows = list(self.by_url.items())
        return [v for u, v in rows if u not in self.late] + [v for u, v in rows if u in self.late]


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
