"""Curate data/prices.csv and data/exchange_rates.csv from leads/price_reports.csv (run via curate.py).

Every kept lead row is listed in PICKS with the decisions a reader needs to see: the ISO date the
price refers to and how precise it is, the market, and the product (oxide / metal / alloy, or
"unspecified" when the report does not say). Ranges stay ranges (low, high); a single price has
low == high. Nothing is averaged or converted here. Rows left out are listed in LEFT_OUT with why.
"""

import re

from curation import DATA, Sources, read_leads, write_csv

ELEMENT = {"dysprosium": "Dy", "terbium": "Tb", "NdPr": "NdPr"}
# lead row -> (date, date_precision, market, product or None (= as in the lead), note)
PICKS = {
    0: (
        "2025-04-01",
        "week",
        "europe",
        None,
        "Argus: 'a month ago' from its 6 May 2025 assessment, i.e. the start of April",
    ),
    1: (
        "2025-05-06",
        "day",
        "europe",
        None,
        "Argus assessment released 6 May 2025; Argus noted few actual transactions",
    ),
    2: ("2025-04-01", "week", "europe", None, "Argus: 'at the beginning of April'"),
    3: ("2025-05-06", "day", "europe", None, "Argus assessment released 6 May 2025"),
    4: (
        "2025-05-01",
        "day",
        "europe",
        None,
        "'as of Thursday'; two paraphrases date it 1 May 2025; product not stated",
    ),
    5: (
        "2025-04-01",
        "week",
        "europe",
        None,
        "'from $965' at the start of April; product and location not stated in the excerpt",
    ),
    6: (
        "2025-05-01",
        "day",
        "europe",
        None,
        "'as of Thursday' (1 May 2025 per paraphrases); product and location not stated in the excerpt",
    ),
    15: ("2025-06-09", "week", "europe", None, "'currently' in a report of 9 June 2025; Argus benchmark outside China"),
    16: ("2025-06-09", "week", "europe", None, "'currently' in a report of 9 June 2025; Argus benchmark outside China"),
    17: ("2025-07-01", "month", "europe", None, "Benchmark assessment for July 2025, CIF Europe"),
    18: ("2025-07-01", "month", "europe", None, "Benchmark assessment for July 2025, CIF Europe"),
    21: ("2025-09-18", "day", "europe", None, "Argus via Nikkei"),
    22: (
        "2025-09-01",
        "month",
        "europe",
        None,
        "not dated in the excerpt (report of 26 Sep 2025); Europe implied by context",
    ),
    23: ("2025-08-25", "week", "china_domestic", None, "'late August 2025'; Nikkei"),
    25: ("2025-09-25", "day", "europe", None, "Argus European price (London dateline 25 Sep 2025)"),
    26: (
        "2025-01-01",
        "year",
        "global_weighted",
        None,
        "Adamas: average price paid for ~96% of Dy oxide consumed 'last year' (2025, page refers to December 2025); a volume-weighted figure, not an assessment",
    ),
    92: (
        "2025-08-28",
        "week",
        "china_domestic",
        None,
        "same week as SMM's 28 Aug 2025 weekly review (via Rare Earth Exchanges)",
    ),
    93: (
        "2025-08-28",
        "week",
        "china_domestic",
        None,
        "same week as SMM's 28 Aug 2025 weekly review (via Rare Earth Exchanges)",
    ),
    95: (
        "2025-12-01",
        "month",
        "china_fob",
        None,
        "not dated in the excerpt; the text cites Christmas holidays overseas (late December 2025)",
    ),
    96: (
        "2026-01-01",
        "month",
        "china_fob",
        None,
        "not dated in the excerpt; the text says 'beginning of the new year 2026'",
    ),
    98: ("2024-01-04", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    99: ("2024-07-18", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    100: ("2024-12-19", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    101: ("2024-01-04", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    102: ("2024-07-11", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    103: (
        "2024-12-19",
        "day",
        "china_fob",
        None,
        "Fastmarkets, fob China, including VAT; the date of this Tb point is not explicit ('now')",
    ),
    104: ("2024-01-04", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    105: ("2024-06-13", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    106: ("2024-12-19", "day", "china_fob", None, "Fastmarkets, fob China, including VAT"),
    109: (
        "2025-07-01",
        "month",
        "china_reference",
        None,
        "the 'current China-set price' as EconoTimes put it when the floor was announced (July 2025)",
    ),
    110: (
        "2025-07-14",
        "day",
        "us_floor",
        "oxide",
        "minimum price for NdPr oxide in the MP Materials - US Department of Defense agreement (announced July 2025); Benchmark's report names it a PrNd floor",
    ),
    113: ("2025-04-01", "quarter", "mp_realized", None, "MP Materials realized NdPr price, Q2 2025 (company average)"),
    114: ("2025-01-01", "quarter", "mp_realized", None, "MP Materials realized NdPr price, Q1 2025"),
    115: ("2024-07-01", "quarter", "mp_realized", None, "MP Materials realized NdPr price, Q3 2024"),
    117: (
        "2024-10-01",
        "quarter",
        "china_reference",
        None,
        "NdPr market price averaged over the December quarter 2024, as cited by Lynas",
    ),
}
SMM_DATES = {  # SMM China domestic quotes: the date the quote is for
    range(32, 37): ("2025-02-20", "day", ""),
    range(37, 42): ("2025-02-27", "day", ""),
    range(42, 47): ("2025-04-09", "day", "quoted in the 10 April 2025 morning summary"),
    range(47, 52): ("2025-04-22", "day", ""),
    range(52, 57): ("2025-04-24", "day", ""),
    range(57, 62): ("2025-05-09", "day", "morning summary of current quotes"),
    range(62, 67): ("2025-05-19", "day", "morning summary"),
    range(67, 70): ("2025-05-23", "day", "morning summary"),
    range(70, 73): ("2025-06-16", "day", "morning summary"),
    range(73, 76): ("2025-07-09", "day", "morning summary"),
    range(77, 80): ("2025-07-14", "day", "morning summary; range 'from last Friday to now'"),
    range(80, 84): ("2025-07-15", "day", "morning summary"),
    range(84, 87): ("2025-07-17", "day", "morning summary"),
    range(87, 89): ("2025-08-21", "week", "SMM weekly review, week to 21 Aug 2025"),
    range(89, 90): ("2025-08-28", "week", "SMM weekly review, week to 28 Aug 2025"),
    range(90, 91): ("2025-11-20", "week", "SMM weekly review, week to 20 Nov 2025"),
    range(127, 130): ("2025-09-04", "week", "SMM weekly review, week to 4 Sep 2025 (the last before the article)"),
}
LEFT_OUT = {
    "7-12, 19, 24, 111, 112": "repeat a figure kept from the report closer to the original (Nikkei/Argus, Nasdaq)",
    "13, 14, 20": "qualitative only ('nearly tripled', 'more than doubled', '5% below China'); quoted in notebook 03's narrative",
    "27, 28": "Adamas sub-averages and an ask price without a stated location",
    "29": "source and basis not stated",
    "30, 31": "raremetals.net: no stated source; conflicts with Argus and Nikkei",
    "76": "two single quotes of one day (morning and afternoon), not an SMM range",
    "91, 94, 97": "duplicate a kept SMM figure (via a secondary site) or another week of the same review",
    "107, 108": "the year is not stated in the excerpt",
    "116": "neither date nor market stated",
    "118, 119": "Lynas average selling price of its whole product basket in AUD, not an NdPr price",
    "120-122": "outside 2024-2026, secondary, or Nd oxide rather than NdPr",
}


def number(text):
    """A price as printed ('1.74', '82.50', '6.15 million', '90850', '215.75万') as a plain decimal string."""
    text = text.strip()
    mult = 1_000_000 if text.endswith("million") else 10_000 if text.endswith("万") else 1
    value = float(text.replace("million", "").replace("万", "").replace(",", "").strip()) * mult
    return f"{value:.10g}"


def low_high(value):
    """('low', 'high') of a printed price or range ('700-1000', '1.74-1.75 million', '63')."""
    value = value.split(" (")[0].replace("$", "")
    million = value.endswith("million")
    parts = re.split(r"\s*-\s*", value.replace(" million", ""))
    parts = [p + (" million" if million else "") for p in parts]
    return number(parts[0]), number(parts[-1])


def product(lead):
    """oxide / metal / alloy / unspecified, from the lead's product and basis."""
    if "alloy" in lead["basis"]:
        return "alloy"
    return {"unknown": "unspecified"}.get(lead["product"], lead["product"])


ARTICLE_DATE = "2025-09-10"
SINCE_FIELDS = ["date", "date_precision", "element", "product", "market", "assessment", "low", "high", "unit"]


def since_rows(src: Sources) -> list[dict]:
    """Rows of leads/price_reports_since.csv (quotes dated after the article; each lead row states its own
    date, market, product and range, so it needs no PICKS entry): one price row each."""
    return described_rows(src, "price_reports_since.csv", after=ARTICLE_DATE)


def added_rows(src: Sources) -> list[dict]:
    """Rows of leads/price_reports_added.csv: quotes of any date read after the first curation, each with its
    date read, in the self-describing columns of price_reports_since.csv."""
    return described_rows(src, "price_reports_added.csv")


def described_rows(src: Sources, name: str, after: str = "") -> list[dict]:
    """One price row per row of a self-describing leads file (a date on or before `after` is refused)."""
    out = []
    for n, r in enumerate(read_leads(name), start=2):
        if after and r["date"] <= after:
            raise ValueError(f"research/leads/{name} line {n}: date {r['date']} is not after {after}")
        row = {k: r[k] for k in SINCE_FIELDS}
        row["low"], row["high"] = number(r["low"]), number(r["high"] or r["low"])
        shown = r["date_published"]
        dated = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown))
        row["source_id"] = src.add(
            r["url"],
            publisher=r["publisher"],
            title=r["title"],
            date_published=shown if dated else "",
            notes="" if dated else f"date shown: {shown}" if shown else "no publication date shown on the page",
            date_read=r["date_read"],
        )
        out.append(dict(row, quote=r["quote"], note=r["note"]))
    return out


def build(src: Sources) -> int:
    """Write data/prices.csv and data/exchange_rates.csv; return their total row count."""
    leads = read_leads("price_reports.csv")
    picks = dict(PICKS)
    for rows, (date, precision, note) in SMM_DATES.items():
        for i in rows:
            picks[i] = (date, precision, "china_domestic", None, note or "SMM quote")
    out = []
    for i, (date, precision, market, prod, note) in sorted(picks.items()):
        r = leads[i]
        value = r["value"].split(" (floor)")[0] if market == "us_floor" else r["value"]
        if market == "china_reference" and "(floor)" in r["value"]:
            value = r["value"].split("; ")[1].split(" ")[0]
        low, high = low_high(value)
        unit = r["unit"].split(" ")[0]
        out.append(
            dict(
                date=date,
                date_precision=precision,
                element=ELEMENT[r["element"]],
                product=prod or product(r),
                market=market,
                assessment=r["basis"],
                low=low,
                high=high,
                unit=unit,
                source_id=src.add(
                    r["url"],
                    publisher=r["publisher"],
                    title=r["title"],
                    date_published=r["date_published"],
                    notes=""
                    if re.match(r"\d{4}-\d{2}-\d{2}", r["date_published"])
                    else f"date shown: {r['date_published']}",
                ),
                quote=r["quote"],
                note=note,
            )
        )
    out += since_rows(src) + added_rows(src)
    out.sort(key=lambda x: (x["element"], x["market"], x["date"], x["product"], x["source_id"]))
    write_csv(DATA / "prices.csv", list(out[0]), out)
    rates = []
    for r in (x for x in leads if x["element"] == "CNY/USD exchange rate"):
        rates.append(
            dict(
                date=r["date"][:10],
                base="USD",
                quote_currency="CNY",
                rate=r["value"],
                kind="central parity (CFETS)",
                source_id=src.add(
                    r["url"],
                    publisher=r["publisher"],
                    title=r["title"],
                    date_published=r["date_published"],
                    notes=""
                    if re.match(r"\d{4}-\d{2}-\d{2}", r["date_published"])
                    else f"date shown: {r['date_published']}",
                ),
                quote=r["quote"],
            )
        )
    rates.sort(key=lambda x: x["date"])
    write_csv(DATA / "exchange_rates.csv", list(rates[0]), rates)
    return len(out) + len(rates)
