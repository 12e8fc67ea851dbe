"""Curate data/company_output.csv and data/price_floor_payments.csv (run via research/curate.py).

Leads: leads/company_output_reports.csv (Lynas and MP Materials production and sales) and
leads/price_floor_reports.csv (what the US Department of Defense paid MP Materials under the NdPr
price floor); notes in leads/company_reports.md. Each lead row is self-describing: it states the
period (as the company names it, with its first and last day), the product, the measure and the
figure as printed with its sentence. Figures printed in thousands or millions are written out (the printed
figure stays in the quote); nothing is summed, annualised or converted.
"""

import re

from curation import DATA, Sources, read_leads, write_csv

PERIOD_FIELDS = ["period", "period_start", "period_end", "period_kind"]
OUTPUT_FIELDS = ["company", *PERIOD_FIELDS, "product", "measure", "value", "unit", "source_id", "quote", "note"]
FLOOR_FIELDS = ["company", "counterparty", *PERIOD_FIELDS, "measure", "value", "unit", "source_id", "quote", "note"]
UNITS = {
    "t": ("t", 1),
    "t REO": ("t REO", 1),
    "USD": ("USD", 1),
    "thousand USD": ("USD", 1e3),
    "million USD": ("USD", 1e6),
    "USD/kg": ("USD/kg", 1),
}


def source(src: Sources, r: dict) -> str:
    """Register the page a lead row was read from; return its source_id."""
    shown = r["date_published"] or ""
    dated = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown))
    return src.add(
        r["url"],
        kind="company_report" if r.get("kind") == "company_report" else "news_report",
        publisher=r["publisher"],
        title=r["title"],
        date_published=shown if dated else "",
        notes="" if dated else (f"date shown: {shown}" if shown else "no publication date shown on the page"),
        date_read=r.get("date_read") or "",
    )


def value_unit(r: dict) -> tuple[str, str]:
    """The figure in the dataset's unit (millions written out) and that unit."""
    unit, mult = UNITS[r["unit"]]
    return f"{float(r['value'].replace(',', '')) * mult:.10g}", unit


def curated(src: Sources, leads: list[dict], fields: list[str]) -> list[dict]:
    """One data row per lead row, in the dataset's columns."""
    rows = []
    for r in leads:
        value, unit = value_unit(r)
        row = {k: r[k] for k in fields if k in r}
        row.update(value=value, unit=unit, source_id=source(src, r), quote=r["quote"], note=r.get("note") or "")
        rows.append({k: row[k] for k in fields})
    return rows


def build(src: Sources) -> int:
    """Write data/company_output.csv and data/price_floor_payments.csv; return their total row count."""
    out = curated(src, read_leads("company_output_reports.csv"), OUTPUT_FIELDS)
    out.sort(
        key=lambda x: (x["company"], x["period_start"], x["period_end"], x["product"], x["measure"], x["source_id"])
    )
    write_csv(DATA / "company_output.csv", OUTPUT_FIELDS, out)
    floor = curated(src, read_leads("price_floor_reports.csv"), FLOOR_FIELDS)
    floor.sort(key=lambda x: (x["company"], x["period_start"], x["period_end"], x["measure"], x["source_id"]))
    write_csv(DATA / "price_floor_payments.csv", FLOOR_FIELDS, floor)
    return len(out) + len(floor)
