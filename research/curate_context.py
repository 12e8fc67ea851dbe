"""Curate the context tables of sections 04-07 (run via research/curate.py).

Leads: leads/stage_shares.csv, leads/defense_content.csv, leads/responses.csv and
leads/outlook_assumptions.csv (see the .md beside each). Every figure keeps its printed form
(`value_as_printed`); `value` (and `value_high` for a printed range) is parsed from it only when the
printed text is a plain number or range, with its hedge word kept in `qualifier` (">" more than /
over; "~" about / around / nearly; "<=" up to; "<" less than; "range"; "nth" for an ordinal such as
"24th"). Nothing is converted or derived here: "7000t per 10m EVs" stays 7000 with its printed unit,
and the notebooks do the arithmetic in lib/, in the open. Rows the leads mark unverified_recall are
left out (figures nobody could find in a stored page).
"""

import re

from curation import DATA, Sources, read_leads, write_csv

VERIFICATION = {
    "publisher_page": "publisher_page",
    "excerpt_verbatim_original": "publisher_page",
    "verified_copy_of_original": "publisher_page",
    "verified_original": "publisher_page",
    "secondary": "secondary",
    "verified_secondary": "secondary",
    "excerpt_verbatim_secondary": "secondary",
    "excerpt_verbatim_low_reliability": "low_reliability",
}
HEDGES = [
    (r"^(more than|over|exceeded|exceed|pass|cross)\s+", ">"),
    (r"^(about|around|approximately|nearly|almost|roughly|ca\.|~)\s*", "~"),
    (r"^(up to|as much as)\s+", "<="),
    (r"^(less than|barely|<)\s*", "<"),
]
NUMBER = r"\d[\d,]*(?:\.\d+)?"
SCALE = {"million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "": 1.0, "t": 1.0, "%": 1.0, "g": 1.0}
# lead file -> {row index: printed text to parse instead}: where a printed figure carries words around a plain number
PARSE_AS = {
    "outlook_assumptions.csv": {8: "7000", 16: "31", 24: "3000"},
}


def parse(printed: str):
    """(value, value_high, qualifier) of a printed figure, or ('', '', '') when it is not a plain number or range."""
    text = (printed or "").strip().lower().replace("\u2011", "-").replace("\u2013", "-").replace("one percent", "1")
    qualifier = ""
    for pattern, mark in HEDGES:
        if re.match(pattern, text):
            qualifier, text = mark, re.sub(pattern, "", text)
            break
    m = re.fullmatch(rf"({NUMBER})\s*(million|billion|mn|t|%|g)?", text)
    if m:
        return _num(m.group(1), m.group(2)), "", qualifier
    m = re.fullmatch(rf"({NUMBER})\s*(t|%)?\s*(?:-|to)\s*({NUMBER})\s*(t|%)?", text)
    if m:
        return _num(m.group(1), m.group(2)), _num(m.group(3), m.group(4)), "range"
    m = re.fullmatch(rf"({NUMBER})(?:st|nd|rd|th)", text)
    if m:
        return _num(m.group(1), ""), "", "nth"
    return "", "", ""


def _num(text: str, scale: str | None) -> str:
    """A printed number as a plain decimal string, scaled by a word such as 'million'."""
    return f"{float(text.replace(',', '')) * SCALE[scale or '']:.10g}"


def source(src, r):
    """Register the page a lead row was read from."""
    shown = r["date_published"] or ""
    return src.add(
        r["url"],
        publisher=r["source_publisher"],
        title=r["source_title"],
        date_published=shown,
        notes="" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown) else f"date shown: {shown}" if shown else "",
    )


def curated(src, name, keys, value_column="value", overrides=None, require_value=False):
    """Rows of one lead file with parsed values, normalised verification and a source_id."""
    out = []
    for i, r in enumerate(read_leads(name)):
        if r["verification"] == "unverified_recall" or (require_value and not r[value_column].strip()):
            continue
        printed = r[value_column]
        value, high, qualifier = parse((overrides or {}).get(i, printed))
        row = {k: r[k] for k in keys}
        row.update(value=value, value_high=high, qualifier=qualifier, value_as_printed=printed)
        row.update(
            unit_as_printed=r.get("unit", ""),
            verification=VERIFICATION[r["verification"]],
            source_id=source(src, r),
            quote=r["quote"],
            note=r["note"],
        )
        out.append(row)
    return out


DEFENSE_UNITS = [
    ("pound", "lb"),
    ("lbs", "lb"),
    ("kg", "kg"),
    ("metric tons", "t"),
    ("%", "percent"),
    ("billion usd", "USD"),
    ("aircraft", "count"),
    ("ship", "count"),
    ("boat", "count"),
]


def build(src: Sources) -> int:
    """Write the four context files; return their total row count."""
    shares = curated(src, "stage_shares.csv", ["stage", "year", "scope"], "share_pct", require_value=True)
    for row in shares:
        row["projection"] = "true" if row["year"].isdigit() and int(row["year"]) > 2025 else "false"
        row["year"] = row["year"] if row["year"].isdigit() else ""
        row.pop("unit_as_printed")
    shares = [r for r in shares if r["value"]]
    write_csv(
        DATA / "stage_shares.csv",
        [
            "stage",
            "year",
            "projection",
            "scope",
            "value",
            "value_high",
            "qualifier",
            "value_as_printed",
            "verification",
            "source_id",
            "quote",
            "note",
        ],
        shares,
    )
    defense = curated(src, "defense_content.csv", ["platform", "measure", "as_of"])
    for row in defense:
        printed = row["unit_as_printed"].lower()
        row["unit"] = next((u for k, u in DEFENSE_UNITS if k in printed), "")
        if row["unit"] == "USD" and row["value"]:
            row["value"] = f"{float(row['value']) * 1e9:.10g}"
    write_csv(
        DATA / "defense_content.csv",
        [
            "platform",
            "measure",
            "value",
            "value_high",
            "qualifier",
            "unit",
            "value_as_printed",
            "unit_as_printed",
            "as_of",
            "verification",
            "source_id",
            "quote",
            "note",
        ],
        defense,
    )
    responses = curated(src, "responses.csv", ["topic", "item", "as_of"])
    write_csv(
        DATA / "country_responses.csv",
        [
            "topic",
            "item",
            "value",
            "value_high",
            "qualifier",
            "value_as_printed",
            "unit_as_printed",
            "as_of",
            "verification",
            "source_id",
            "quote",
            "note",
        ],
        responses,
    )
    outlook = curated(
        src, "outlook_assumptions.csv", ["parameter", "year", "scope"], overrides=PARSE_AS["outlook_assumptions.csv"]
    )
    write_csv(
        DATA / "outlook_assumptions.csv",
        [
            "parameter",
            "year",
            "scope",
            "value",
            "value_high",
            "qualifier",
            "value_as_printed",
            "unit_as_printed",
            "verification",
            "source_id",
            "quote",
            "note",
        ],
        outlook,
    )
    return len(shares) + len(defense) + len(responses) + len(outlook)
