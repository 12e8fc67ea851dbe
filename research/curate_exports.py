"""Curate data/china_exports_monthly.csv from the report leads (run via research/curate.py).

The leads (research/leads/*_reports.csv, and *_reports_since.csv for the months added since, each row with the
date it was read) hold every figure found in news reports of China's customs
data, with the sentence that states it. This picks one report per figure (the agency's own report of
the month, see rank()) and keeps the others' differing values in `note`.
"""

import collections
import re
import sys

from curation import DATA, Sources, read_leads, write_csv

CUSTOMS_NOTE = "figures in the wire text are attributed to China's General Administration of Customs"


def rank(r):
    p = r["publisher"].lower()
    if any(k in p for k in ("binance", "ground news", "wownews")):
        return (3, r["date_published"] or "9999")
    if r["period"] == "2025-10" and "devdiscourse" in p:
        return (-1, "")  # 4,343.5 t: equals the same release's Jan-Oct minus Jan-Sep totals (52,699.2 - 48,355.7)
    score = (
        0
        if p.startswith("reuters") or "(reuters" in p or "reuters wire" in p
        else 1
        if any(k in p for k in ("global times", "south china", "smm", "bloomberg", "tass", "s&p"))
        else 2
    )
    date = r["date_published"] or "9999"
    return (score, date)


def source_id(src, r):
    """The source id of the report a lead row was read from."""
    d = r["date_published"] or ""
    dated = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d))
    shown = "" if dated else ("date shown on page: " + d + "; " if d else "no publication date shown on the page; ")
    return src.add(
        r["url"],
        publisher=r["publisher"],
        title=r["title"],
        date_published=d if dated else "",
        notes=(shown + CUSTOMS_NOTE).strip("; "),
        date_read=r.get("date_read") or "",
    )


def build(src: Sources) -> int:
    """Write data/china_exports_monthly.csv; register its sources; return the row count."""
    ex = read_leads("customs_exports_reports.csv") + read_leads("customs_value_reports.csv")
    ex += read_leads("customs_reports_since.csv")  # each new month's reports (with date_read): see research/README.md
    mg = read_leads("magnet_exports_reports.csv") + read_leads("magnet_reports_since.csv")
    rows = []

    def add(groups, series, month, measure, unit, partner="World"):
        cands = sorted(groups, key=rank)
        best = cands[0]
        alts = sorted({(c["value"], c["publisher"]) for c in cands[1:] if float(c["value"]) != float(best["value"])})
        note = "; ".join([best.get("note") or ""] * bool(best.get("note")) + [f"{c[1]} reports {c[0]}" for c in alts])
        rows.append(
            dict(
                series=series,
                partner=partner,
                month=month,
                measure=measure,
                value=best["value"],
                unit=unit,
                source_id=source_id(src, best),
                quote=best["quote"],
                note=note,
            )
        )

    # --- rare earths aggregate (GACC preliminary), volume ---
    g = collections.defaultdict(list)
    for r in ex:
        if r["series"].startswith("S2") and r["publisher"].startswith("frecine"):
            continue  # the analysed article's own figures live in claims.csv, never in data
        if r["measure"] in ("volume", "ytd_volume", "value", "unit_value"):
            if "unit not stated" in r["unit"]:
                continue
            g[(r["series"], r["period"], r["measure"], r["unit"])].append(r)
    for (series, period, measure, unit), grp in sorted(g.items()):
        s = {"S1": "rare_earths", "S2": "rare_earths", "S3": "rare_earth_products_bloomberg"}[series[:2]]
        if ".." in period:
            a, b = period.split("..")
            assert a.endswith("-01"), period
            month, m = b, ("volume_ytd" if measure != "value" else "value_ytd")
        else:
            month, m = period, (measure if measure in ("value", "unit_value") else "volume")
        u = {"tonnes": "t", "million USD": "USD", "million CNY": "CNY", "USD per tonne": "USD/t"}[unit]
        mult = 1e6 if unit.startswith("million") else 1
        for x in grp:
            x["value"] = f"{float(x['value']) * mult:.10g}"
        add(grp, s, month, m, u)

    # --- magnets HS 8505.11 ---
    g = collections.defaultdict(list)
    for r in mg:
        if r["partner"] not in ("World", "United States"):
            continue
        if r["measure"] not in ("volume", "annual_volume", "value"):
            continue
        if "Adamas" in r["publisher"]:
            continue  # covers magnets and magnet alloys: broader than HS 8505.11
        per = r["period"]
        if r["series"].endswith("_annual"):
            month, m = per + "-12", ("volume_ytd" if r["measure"] != "value" else "value_ytd")
        elif r["series"].endswith("_ytd"):
            month, m = per, ("volume_ytd" if r["measure"] != "value" else "value_ytd")
        else:
            month, m = per, r["measure"]
        if month == "2024-02" and "Metalnomist" in r["publisher"]:
            continue  # 3,326 t is also Reuters' Dec 2024 rare-earth total: likely a mix-up, left out
        if month < "2023-01":
            continue
        unit = r["unit"]
        if unit in ("metric tons", "tonnes"):
            u, mult = "t", 1
        elif unit == "million USD":
            u, mult = "USD", 1e6
        else:
            print("skip unit", unit, r["period"], file=sys.stderr)
            continue
        r = dict(r)
        r["value"] = f"{float(r['value']) * mult:.10g}"
        if month.endswith("-06") and m == "value" and "Rare Earth Exchanges" in r["publisher"]:
            m = "value_ytd"  # H1 2025 figure
        g[(r["partner"], month, m, u)].append(r)
    for (partner, month, m, u), grp in sorted(g.items()):
        add(grp, "rare_earth_magnets", month, m, u, partner)

    for r in rows:
        if r["series"] == "rare_earths" and r["month"] == "2025-10" and r["measure"] == "volume":
            r["note"] += "; 4,343.5 chosen: it equals the Jan-Oct total minus the Jan-Sep total (52,699.2 - 48,355.7)"
    fields = ["series", "partner", "month", "measure", "value", "unit", "source_id", "quote", "note"]
    rows.sort(key=lambda r: (r["series"], r["partner"], r["month"], r["measure"]))
    write_csv(DATA / "china_exports_monthly.csv", fields, rows)
    return len(rows)
