"""Regenerate the curated files of data/ from the leads in research/leads/.

Run from anywhere: python research/curate.py
Each curate_*.py module writes its data file(s) and registers the sources it used; this script
then writes data/sources.csv (the analysed article first, then every page read, in first-use order;
pages read after the first curation follow, by date read, each new page after every page already listed: see curation.FIRST_CURATION).
The output is deterministic: rerunning on unchanged leads changes no byte.
"""

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import curate_companies  # noqa: E402
import curate_context  # noqa: E402
import curate_exports  # noqa: E402
import curate_policy  # noqa: E402
import curate_prices  # noqa: E402
import curate_usgs  # noqa: E402
from curation import DATA, DATE_READ, SOURCE_FIELDS, Sources, write_csv  # noqa: E402

ARTICLE_URL = "https://www.frecine.com/content/2521-rare-earth-exports-decrease-in-volume-but-prices-increase-chinas-rare-earth-value-surged-51-month-over-month-in-august"
MODULES = [curate_exports, curate_usgs, curate_prices, curate_policy, curate_context, curate_companies]


def comtrade_sources() -> list[dict]:
    """Rows of UN Comtrade retrievals (written by `python -m rare_earths refresh`, not from the leads): kept as they are."""
    with open(DATA / "sources.csv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["source_id"].startswith("un-comtrade-")]


def article_source(src: Sources) -> None:
    """Register the analysed article (always the first row of data/sources.csv)."""
    src.add(
        ARTICLE_URL,
        source_id="article-frecine-2025-09-10",
        kind="analysed_article",
        publisher="frecine.com",
        title="Rare earth exports decrease in volume, but prices increase! China's rare earth value surged 51% month-over-month in August, establishing global pricing power.",
        table_or_page="whole article: headline, lead, sections 01-07 and closing paragraphs",
        date_published="2025-09-10",
        licence="copyright of the publisher; quoted for fact-checking",
        notes="The analysed article: its figures are claims to check, never data. A near-identical re-translation is at https://junmaterial.com/blog/61.html; quotes are taken from the frecine.com text only, whose full text as read is in the project's research/leads/article_text.md.",
    )


def main() -> None:
    """Curate every data file, then write data/sources.csv.

    Two passes: the first only collects the sources every module uses; the second hands out their ids in
    the final order (first curation first), so a lead row added later never renames an existing source."""
    first = Sources()
    article_source(first)
    for module in MODULES:
        module.build(first)
    src = first.in_final_order()
    for module in MODULES:
        print(f"{module.__name__}: {module.build(src)} rows")
    write_csv(DATA / "sources.csv", SOURCE_FIELDS, src.rows() + comtrade_sources())
    print(f"sources: {len(src.rows())} rows (read {DATE_READ})")


if __name__ == "__main__":
    main()
