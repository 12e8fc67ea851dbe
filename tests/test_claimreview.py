"""ClaimReview markup: every JSON-LD block parses, has Google's properties, uses the scale's words, and matches the ledger.

The statements table is written here with the contract's columns (statements.csv, claims.csv), so these tests run
before the verdict branch lands; the check of a report's own statements runs once `claims.statements` exists.
"""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from rare_earths import claims, paths, scale
from rare_earths.build.plan import discover
from rare_earths.site import claimreview, index

STATEMENTS = [
    {
        "statement_id": "S03-02",
        "section": "03",
        "notebook": "03_prices",
        "quote": "dysprosium oxide rose to $850 … more than tripled",
        "claim_ids": "C03-02;C03-03",
        "verdict": scale.MISLEADING,
        "reason": "The $850 matches Fastmarkets' 6 May quote; 'more than tripled' does not (2.8 times).",
        "data_date": "2025-05-06",
    },
    {
        "statement_id": "S01-01",
        "section": "01",
        "notebook": "01_exports",
        "quote": 'exports fell 3.4% to "$36.4 million" </script><b>x</b>',
        "claim_ids": "C01-01",
        "verdict": scale.ACCURATE,
        "reason": "Customs gave -3.4%.",
        "data_date": "2025-08",
    },
    {
        "statement_id": "S07-01",
        "section": "07",
        "notebook": "07_outlook",
        "quote": "prices will keep rising into 2026",
        "claim_ids": "C07-01",
        "verdict": scale.NOT_YET_DECIDABLE,
        "reason": "The window runs to the end of 2026.",
        "data_date": "",
    },
    {
        "statement_id": "S04-01",
        "section": "04",
        "notebook": "04_refining_share",
        "quote": "nearly 90% of refining",
        "claim_ids": "C04-01",
        "verdict": scale.UNCHECKABLE,
        "reason": "No source gives the share for 2025.",
        "data_date": "2024",
    },
]

DATE = r"^\d{4}-\d{2}-\d{2}$"
ORGANIZATION = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {"@type": {"const": "Organization"}, "name": {"type": "string", "minLength": 1}},
}
RATED = {
    "required": ["ratingValue", "bestRating", "worstRating"],
    "properties": {
        "alternateName": {"enum": sorted(scale.RATING)},
        "ratingValue": {"type": "integer", "minimum": scale.WORST_RATING, "maximum": scale.BEST_RATING},
        "bestRating": {"const": scale.BEST_RATING},
        "worstRating": {"const": scale.WORST_RATING},
    },
}
UNRATED = {
    "properties": {"alternateName": {"enum": sorted(set(scale.ALL) - set(scale.RATING))}},
    "not": {"anyOf": [{"required": [k]} for k in ("ratingValue", "bestRating", "worstRating")]},
}
CLAIM_REVIEW = {  # Google's ClaimReview properties (fact-check structured data) and what the issue asks of each
    "type": "object",
    "required": ["@type", "claimReviewed", "reviewRating", "url", "author", "datePublished", "itemReviewed"],
    "properties": {
        "@type": {"const": "ClaimReview"},
        "claimReviewed": {"type": "string", "minLength": 1},
        "url": {"type": "string", "pattern": r"#S\d\d-\d\d$"},
        "datePublished": {"type": "string", "pattern": DATE},
        "author": ORGANIZATION,
        "reviewRating": {
            "type": "object",
            "required": ["@type", "alternateName"],
            "properties": {"@type": {"const": "Rating"}, "alternateName": {"enum": list(scale.ALL)}},
            "oneOf": [RATED, UNRATED],
        },
        "itemReviewed": {
            "type": "object",
            "required": ["@type", "author", "datePublished", "appearance"],
            "properties": {
                "@type": {"const": "Claim"},
                "author": ORGANIZATION,
                "datePublished": {"const": "2025-09-10"},
                "appearance": {
                    "type": "object",
                    "required": ["@type", "url"],
                    "properties": {
                        "@type": {"const": "CreativeWork"},
                        "url": {"type": "string", "pattern": r"^https://www\.frecine\.com/"},
                    },
                },
            },
        },
    },
}
BLOCK = {
    "type": "object",
    "required": ["@context", "@graph"],
    "properties": {"@context": {"const": "https://schema.org"}, "@graph": {"type": "array", "items": CLAIM_REVIEW}},
}


class _Blocks(HTMLParser):
    """Collects the text of every <script type="application/ld+json"> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self._open:
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.found[-1] += data


def blocks(page: str) -> list[dict]:
    """Every JSON-LD block of a page, parsed and checked against the ClaimReview schema above."""
    parser = _Blocks()
    parser.feed(page)
    parsed = [json.loads(text) for text in parser.found]
    for block in parsed:
        jsonschema.validate(block, BLOCK)
    return parsed


def problems(review: dict) -> list[str]:
    """What the schema finds wrong with one ClaimReview (empty when it is valid)."""
    return [e.message for e in jsonschema.Draft202012Validator(CLAIM_REVIEW).iter_errors(review)]


def write_csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An outputs folder holding a statements table with the contract's columns (no site URL set)."""
    monkeypatch.delenv(paths.SITE_URL_ENV, raising=False)
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path)  # no pyproject.toml there: no [tool.rare_earths] url
    write_csv(paths.tables_dir(tmp_path / "outputs") / "statements.csv", STATEMENTS)
    return tmp_path / "outputs"


def index_page(root: Path, date: str = "2026-11-30") -> str:
    """The index page written into an outputs folder (no notebook built)."""
    notebooks = discover(Path(__file__).resolve().parents[1] / "notebooks")
    ledger = pd.DataFrame(columns=["claim_id", "verdict"])
    return index.write(root, notebooks, ledger, {}, {"commit": "abc", "date": date}).read_text(encoding="utf-8")


def test_index_block_matches_every_statement_of_the_ledger(outputs: Path) -> None:
    found = blocks(index_page(outputs))
    assert len(found) == 1
    reviews = {r["url"].rsplit("#", 1)[1]: r for r in found[0]["@graph"]}
    assert sorted(reviews) == sorted(s["statement_id"] for s in STATEMENTS)
    for row in STATEMENTS:
        review = reviews[row["statement_id"]]
        assert review["claimReviewed"] == row["quote"]  # verbatim, '</script>' and quotes included
        assert review["reviewRating"]["alternateName"] == row["verdict"]
        assert review["url"] == f"html/{row['notebook']}.html#{row['statement_id']}"
        assert review["datePublished"] == "2026-11-30"
        assert review.get("reviewRating", {}).get("ratingValue") == scale.RATING.get(row["verdict"])


def test_a_quote_cannot_close_the_script_early(outputs: Path) -> None:
    page = index_page(outputs)
    assert "</script><b>x</b>" not in page
    assert "<\\/script><b>x<\\/b>" in page


def test_unrated_verdicts_carry_only_their_word(outputs: Path) -> None:
    graph = blocks(index_page(outputs))[0]["@graph"]
    ratings = {r["reviewRating"]["alternateName"]: r["reviewRating"] for r in graph}
    assert ratings[scale.UNCHECKABLE] == {"@type": "Rating", "alternateName": scale.UNCHECKABLE}
    assert ratings[scale.NOT_YET_DECIDABLE] == {"@type": "Rating", "alternateName": scale.NOT_YET_DECIDABLE}
    assert ratings[scale.MISLEADING]["ratingValue"] == scale.RATING[scale.MISLEADING]


def test_claim_is_the_articles_from_its_source_row(outputs: Path) -> None:
    with open(Path(__file__).resolve().parents[1] / "data" / "sources.csv", encoding="utf-8", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["kind"] == "analysed_article")
    item = blocks(index_page(outputs))[0]["@graph"][0]["itemReviewed"]
    assert item["author"] == {"@type": "Organization", "name": "frecine.com"}
    assert item["datePublished"] == row["date_published"] == "2025-09-10"
    assert item["appearance"]["url"] == row["url"]


def test_site_url_makes_every_url_absolute(outputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.SITE_URL_ENV, "https://example.org/rare-earths/")
    review = blocks(index_page(outputs))[0]["@graph"][0]
    assert review["url"] == "https://example.org/rare-earths/html/01_exports.html#S01-01"
    assert review["author"]["url"] == "https://example.org/rare-earths/"


def test_site_url_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.SITE_URL_ENV, raising=False)
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.rare_earths]\nurl = "https://a.example/c/"\n', encoding="utf-8")
    assert paths.site_url() == "https://a.example/c"
    monkeypatch.setenv(paths.SITE_URL_ENV, "https://b.example")
    assert paths.site_url() == "https://b.example"


def test_report_urls_are_relative_to_the_report(outputs: Path) -> None:
    rows = [s for s in STATEMENTS if s["notebook"] == "03_prices"]
    (review,) = blocks(claimreview.markup(rows, "03_prices", "2026-11-30"))[0]["@graph"]
    assert review["url"] == "#S03-02"


def test_no_statements_table_no_markup(tmp_path: Path) -> None:
    assert claimreview.for_index(tmp_path) == ""
    assert "application/ld+json" not in index_page(tmp_path)


def test_a_word_not_on_the_scale_is_refused(outputs: Path) -> None:
    rows = [dict(STATEMENTS[0], verdict="contradicted")]
    write_csv(paths.tables_dir(outputs) / "statements.csv", rows)
    with pytest.raises(ValueError, match="'contradicted' is not a word of the scale"):
        claimreview.for_index(outputs)


def test_a_statements_table_without_the_contract_columns_is_refused(outputs: Path) -> None:
    rows = [{k: v for k, v in STATEMENTS[0].items() if k != "quote"}]
    write_csv(paths.tables_dir(outputs) / "statements.csv", rows)
    with pytest.raises(ValueError, match=r"statements.csv: missing column\(s\) \['quote'\]"):
        claimreview.for_index(outputs)


@pytest.mark.parametrize("missing", CLAIM_REVIEW["required"])
def test_the_check_fails_on_a_missing_property(outputs: Path, missing: str) -> None:
    review = blocks(index_page(outputs))[0]["@graph"][0]
    assert problems(review) == []
    del review[missing]
    assert any(repr(missing) in p for p in problems(review))


def test_the_check_fails_on_a_word_off_the_scale_or_a_number_it_does_not_give(outputs: Path) -> None:
    graph = blocks(index_page(outputs))[0]["@graph"]
    rated = next(r for r in graph if "ratingValue" in r["reviewRating"])
    rated["reviewRating"]["alternateName"] = "mostly true"
    assert problems(rated)
    unrated = next(r for r in graph if "ratingValue" not in r["reviewRating"])
    unrated["reviewRating"]["ratingValue"] = 3
    assert problems(unrated)


def test_rating_table_is_the_scale() -> None:
    table = claimreview.rating_table()
    assert [r["verdict"] for r in table] == list(scale.ALL)
    for row in table:
        assert row["ratingValue"] == scale.RATING.get(row["verdict"])
        assert (row["bestRating"], row["worstRating"]) == (
            (scale.BEST_RATING, scale.WORST_RATING) if row["verdict"] in scale.RATING else (None, None)
        )


@pytest.mark.skipif(not hasattr(claims, "statements"), reason="the ledger has no statements before i16-verdicts")
def test_a_reports_statements_are_those_of_statements_csv(tmp_path: Path) -> None:
    """A report's rows come from its own claim records; they must equal statements.csv's rows for its statements."""
    inventory = claims.inventory()
    records = inventory.assign(
        notebook=lambda f: f["section"].map({p.stem[:2]: p.stem for p in discover(paths.NOTEBOOKS_DIR)}),
        verdict=scale.ACCURATE,
        reason="synthetic",
        data_date="2025-08",
    ).reset_index(drop=True)
    whole = claims.statements(records).astype(str).set_index("statement_id")
    for name, part in records.groupby("notebook"):
        write_csv(paths.claims_dir(tmp_path) / f"{name}.csv", part.iloc[::-1].astype(str).to_dict("records"))
        mine = claimreview.report_statements(tmp_path, str(name))
        others = set(records.loc[records["notebook"] != name, "statement_id"])
        expected = sorted(set(part["statement_id"]) - others)
        assert sorted(r["statement_id"] for r in mine) == expected
        for row in mine:
            assert row == {"statement_id": row["statement_id"], **whole.loc[row["statement_id"]].to_dict()}


def test_the_methodology_page_states_every_rating_the_markup_uses() -> None:
    from rare_earths import scale
    from rare_earths.site import methodology

    page = methodology.render()
    for word in scale.ALL:
        number = scale.RATING.get(word)
        assert (
            f"<td>{word}</td><td>{number if number is not None else 'no number: the word only'}</td>"
            in page.replace("&#39;", "'")
        ), word
