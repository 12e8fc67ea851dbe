"""ClaimReview markup: the verdicts as schema.org JSON-LD, one block per page that gives a verdict.

Fact-check search tools (Google's Fact Check Explorer and API, the Duke Reporters' Lab database) read
`ClaimReview`. Every reader report carries one `<script type="application/ld+json">` block with one
ClaimReview per statement its notebook checks; the index carries one for every statement. The block is made
from the statements table (`outputs/tables/statements.csv`, one row per statement of the article): the index's
from the file itself, a report's from the same function that writes the file (`claims.statements`), applied to
the claim records its notebook wrote, because a report is rendered before the ledger is merged.

Rules a reader (and the card templates) can rely on:

- `url` is `<site>/html/<notebook>.html#<statement_id>`: the statement's card on the report that checks it, on the
  index too, since the report holds the full check. With no site URL set (`paths.site_url()`), it is relative to
  the page the block is on (`#S03-01` on a report, `html/03_prices.html#S03-01` on the index), which JSON-LD
  resolves against the page's own address.
- `reviewRating.alternateName` is the verdict word of the scale; `ratingValue`, `bestRating` and `worstRating`
  come from `scale.RATING`, `scale.BEST_RATING`, `scale.WORST_RATING`. Google's fact-check guidance describes the
  three numbers "for numeric ratings" and requires only the textual rating, so a verdict without a number on the
  scale ("can't be checked", "not yet decidable") carries `alternateName` alone (`rating_table()` lists the
  mapping for the methodology page).
- `datePublished` is the date of the commit the page was built from; `itemReviewed` is a `Claim` by the
  article's publisher, dated and located from the article's row of data/sources.csv.
"""

from __future__ import annotations

import csv
import json
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import paths, scale

COLLECTION = "China's rare earth pricing power (2024–2026): a sourced notebook collection"
STATEMENTS_CSV = "statements.csv"
STATEMENT_FIELDS = ("statement_id", "section", "notebook", "quote", "claim_ids", "verdict", "reason", "data_date")


def rating_table() -> list[dict[str, Any]]:
    """The mapping of verdict words to ClaimReview ratings, in scale order (None: the verdict carries no number)."""
    return [
        {
            "verdict": word,
            "ratingValue": scale.RATING.get(word),
            "bestRating": scale.BEST_RATING if word in scale.RATING else None,
            "worstRating": scale.WORST_RATING if word in scale.RATING else None,
        }
        for word in scale.ALL
    ]


def rating(verdict: str) -> dict[str, Any]:
    """The `reviewRating` of a verdict word; a word not on the scale is an error naming it."""
    if verdict not in scale.ALL:
        raise ValueError(f"verdict {verdict!r} is not a word of the scale {scale.ALL}")
    out: dict[str, Any] = {"@type": "Rating", "alternateName": verdict}
    if verdict in scale.RATING:
        out.update(ratingValue=scale.RATING[verdict], bestRating=scale.BEST_RATING, worstRating=scale.WORST_RATING)
    return out


@lru_cache(maxsize=4)
def article(data_dir: Path | None = None) -> dict[str, str]:
    """The analysed article as data/sources.csv gives it (the one source of data/claims.csv): publisher, date, URL."""
    folder = Path(data_dir or paths.DATA_DIR)
    with open(folder / "claims.csv", encoding="utf-8", newline="") as f:
        cited = {row["source_id"] for row in csv.DictReader(f)}
    if len(cited) != 1:
        raise ValueError(f"data/claims.csv cites {len(cited)} sources {sorted(cited)}; the article should be the one")
    (source_id,) = cited
    with open(folder / "sources.csv", encoding="utf-8", newline="") as f:
        row = next((r for r in csv.DictReader(f) if r["source_id"] == source_id), None)
    if row is None:
        raise ValueError(f"data/sources.csv has no row {source_id!r} (the source of data/claims.csv)")
    return {"publisher": row["publisher"], "date": row["date_published"], "url": row["url"], "title": row["title"]}


@lru_cache(maxsize=1)
def commit_date() -> str:
    """The committer's date (YYYY-MM-DD) of the project's HEAD, or '' outside git (same as the build's provenance)."""
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "HEAD"],
            cwd=paths.PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def card_url(row: dict[str, Any], page: str, site: str) -> str:
    """Where a statement's card is: its report's address + '#' + statement id (see the module's rules)."""
    notebook = str(row["notebook"]).split(";")[0]
    if site:
        return f"{site}/html/{notebook}.html#{row['statement_id']}"
    if page == notebook:
        return f"#{row['statement_id']}"
    return f"html/{notebook}.html#{row['statement_id']}"


def review(row: dict[str, Any], page: str, date: str, site: str, source: dict[str, str]) -> dict[str, Any]:
    """One ClaimReview for one statement row (the columns of statements.csv)."""
    author: dict[str, Any] = {"@type": "Organization", "name": COLLECTION}
    if site:
        author["url"] = site + "/"
    out: dict[str, Any] = {
        "@type": "ClaimReview",
        "claimReviewed": str(row["quote"]),
        "reviewRating": rating(str(row["verdict"])),
        "url": card_url(row, page, site),
        "author": author,
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Organization", "name": source["publisher"]},
            "datePublished": source["date"],
            "appearance": {"@type": "CreativeWork", "url": source["url"], "headline": source["title"]},
        },
    }
    if date:
        out["datePublished"] = date
    return out


def markup(rows: list[dict[str, Any]], page: str, date: str | None = None, data_dir: Path | None = None) -> str:
    """The page's `<script type="application/ld+json">` block for these statement rows ('' when there are none).

    `page` is 'index' or the notebook whose report the block goes on; `date` the commit's date (default: HEAD's).
    '' while data/ cannot name the article (an index written from the build's records while data/ is broken: the
    build says why, and the next good build writes the block).
    """
    if not rows:
        return ""
    try:
        source = article(data_dir)
    except (OSError, ValueError, KeyError):  # UnicodeDecodeError is a ValueError
        return ""
    site = paths.site_url()
    date = commit_date() if date is None else date
    graph = [review(r, page, date, site, source) for r in sorted(rows, key=lambda r: str(r["statement_id"]))]
    text = json.dumps({"@context": "https://schema.org", "@graph": graph}, indent=1, ensure_ascii=False, sort_keys=True)
    text = text.replace("</", "<\\/")  # a quote holding '</script>' cannot end the block early; JSON reads it back
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def read_statements(path: Path) -> list[dict[str, str]]:
    """The rows of a statements table (statements.csv), or none when the file does not exist."""
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in STATEMENT_FIELDS if rows and c not in rows[0]]
    if missing:
        raise ValueError(f"{paths.display(path)}: missing column(s) {missing}")
    return rows


def for_index(output_root: Path, date: str | None = None) -> str:
    """The index's block: every statement of outputs/tables/statements.csv ('' before that file exists)."""
    return markup(read_statements(paths.tables_dir(output_root) / STATEMENTS_CSV), "index", date)


def report_statements(folder: Path, name: str, data_dir: Path | None = None) -> list[dict[str, str]]:
    """The statements a notebook checks in full, made from its claim records as statements.csv is made.

    A statement with a part checked by another notebook is left to the index (its row needs both notebooks).
    Empty until the ledger has statements (`claims.statements` and a `statement_id` column).
    """
    import pandas as pd

    from .. import claims

    make = getattr(claims, "statements", None)
    path = paths.claims_dir(folder) / f"{name}.csv"
    if make is None or not path.exists():
        return []
    records = pd.read_csv(path, dtype={"section": str})
    if "statement_id" not in records.columns or records.empty:
        return []
    inventory = claims.inventory(data_dir)
    if "statement_id" not in inventory.columns:
        return []
    order = list(inventory["claim_id"])
    records = records.assign(_order=records["claim_id"].map(order.index)).sort_values("_order").drop(columns="_order")
    parts = inventory.groupby("statement_id")["claim_id"].apply(set).to_dict()
    mine = set(records["claim_id"])
    whole = [sid for sid in dict.fromkeys(records["statement_id"]) if parts.get(sid, {None}) <= mine]
    table = make(records[records["statement_id"].isin(whole)].reset_index(drop=True))
    return table.astype(object).where(table.notna(), "").astype(str).to_dict("records")


def for_report(folder: Path, name: str, date: str | None = None) -> str:
    """A reader report's block: the statements its notebook checks ('' when it checks none, or before statements)."""
    return markup(report_statements(folder, name), name, date)
