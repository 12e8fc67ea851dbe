"""Regenerate data/china_exports_monthly.csv and data/sources.csv from the report leads.

The leads (research/leads/*_reports.csv) hold every figure found in news reports of China's customs
data, with the sentence that states it. This script picks one report per figure (the agency's own
report of the month, see rank()), keeps the others' differing values in `note`, and writes the
curated files. Run from the project root: python research/curate_exports.py
"""

import collections
import csv
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
S = str(ROOT / "research" / "leads") + "/"
OUT = str(ROOT / "data") + "/"
DATE_READ = "2026-11-28"
ARTICLE = dict(
    source_id="article-frecine-2025-09-10", kind="analysed_article", publisher="frecine.com",
    title="Rare earth exports decrease in volume, but prices increase! China's rare earth value surged 51% month-over-month in August, establishing global pricing power.",
    table_or_page="whole article (headline, lead, section 01; policy section from the copy at junmaterial.com/blog/61.html)",
    url="https://www.frecine.com/content/2521-rare-earth-exports-decrease-in-volume-but-prices-increase-chinas-rare-earth-value-surged-51-month-over-month-in-august",
    date_published="2025-09-10", date_read=DATE_READ, licence="copyright of the publisher; quoted for fact-checking",
    notes="The analysed article: its figures are claims to check, never data. A near-identical copy is at https://junmaterial.com/blog/61.html")
ex = list(csv.DictReader(open(S + "customs_exports_reports.csv", encoding="utf-8")))
mg = list(csv.DictReader(open(S + "magnet_exports_reports.csv", encoding="utf-8")))

def host(url):
    h = urlparse(url).netloc.lower()
    h = re.sub(r"^(www\.|m\.|wap\.|test\.|business\.|investors\.|international\.|news\.)", "", h)
    return h.split(".")[0] if not re.match(r"\d", h) else "mirror"

def rank(r):
    p = r["publisher"].lower()
    if any(k in p for k in ("binance", "ground news", "wownews")):
        return (3, r["date_published"] or "9999")
    if r["period"] == "2025-10" and "devdiscourse" in p:
        return (-1, "")  # 4,343.5 t: equals the same release's Jan-Oct minus Jan-Sep totals (52,699.2 - 48,355.7)
    score = 0 if p.startswith("reuters") or "(reuters" in p or "reuters wire" in p else 1 if any(k in p for k in ("global times","south china","smm","bloomberg","tass","s&p")) else 2
    date = r["date_published"] or "9999"
    return (score, date)

sources = {}
def source_id(r):
    key = r["url"]
    if key not in sources:
        d = r["date_published"] or ""
        d = d if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) else ""
        base = f"{host(r['url'])}-{d or 'undated'}"
        n = 1; sid = base
        while sid in {v['source_id'] for v in sources.values()}:
            n += 1; sid = f"{base}-{n}"
        pub = r["publisher"]
        sources[key] = dict(source_id=sid, kind="news_report", publisher=pub, title=r["title"],
            table_or_page="report text (page as read)", url=r["url"], date_published=d,
            date_read=DATE_READ, licence="copyright of the publisher; figures quoted for verification",
            notes=("" if d else ("date shown on page: " + r["date_published"] + "; " if r["date_published"] else "no publication date shown on the page; ")) + "figures in the wire text are attributed to China's General Administration of Customs")
        sources[key]["notes"] = sources[key]["notes"].strip("; ")
    return sources[key]["source_id"]

def fmt(v):
    return v

rows = []
def add(groups, series, month, measure, unit, partner="World"):
    cands = sorted(groups, key=rank)
    best = cands[0]
    alts = sorted({(c["value"], c["publisher"]) for c in cands[1:] if float(c["value"]) != float(best["value"])})
    note = "; ".join(f"{c[1]} reports {c[0]}" for c in alts)
    rows.append(dict(series=series, partner=partner, month=month, measure=measure, value=best["value"], unit=unit,
        source_id=source_id(best), quote=best["quote"], note=note))

# --- rare earths aggregate (GACC preliminary), volume ---
g = collections.defaultdict(list)
for r in ex:
    if r["series"].startswith("S2") and r["publisher"].startswith("frecine"):
        continue  # the analysed article's own figures live in claims.csv, never in data
    if r["measure"] in ("volume", "ytd_volume", "value"):
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
        month, m = period, ("volume" if measure != "value" else "value")
    u = {"tonnes": "t", "million USD": "USD", "million CNY": "CNY"}[unit]
    mult = 1e6 if unit.startswith("million") else 1
    for x in grp:
        x["value"] = f"{float(x['value'])*mult:.10g}"
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
        print("skip unit", unit, r["period"], file=sys.stderr); continue
    r = dict(r); r["value"] = f"{float(r['value'])*mult:.10g}"
    if month.endswith("-06") and m == "value" and "Rare Earth Exchanges" in r["publisher"]:
        m = "value_ytd"  # H1 2025 figure
    g[(r["partner"], month, m, u)].append(r)
for (partner, month, m, u), grp in sorted(g.items()):
    add(grp, "rare_earth_magnets", month, m, u, partner)

for r in rows:
    if r["series"] == "rare_earths" and r["month"] == "2025-10" and r["measure"] == "volume":
        r["note"] += "; 4,343.5 chosen: it equals the Jan-Oct total minus the Jan-Sep total (52,699.2 - 48,355.7)"
fields = ["series","partner","month","measure","value","unit","source_id","quote","note"]
rows.sort(key=lambda r: (r["series"], r["partner"], r["month"], r["measure"]))
with open(OUT + "china_exports_monthly.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fields, lineterminator="\n"); w.writeheader(); w.writerows(rows)
source_fields = ["source_id", "kind", "publisher", "title", "table_or_page", "url", "date_published", "date_read", "licence", "notes"]
with open(OUT + "sources.csv", encoding="utf-8") as f:  # rows of UN Comtrade retrievals (python -m rare_earths refresh) are not from the leads: keep them
    comtrade_rows = [r for r in csv.DictReader(f) if r["source_id"].startswith("un-comtrade-")]
with open(OUT + "sources.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, source_fields, lineterminator="\n"); w.writeheader(); w.writerows([ARTICLE] + list(sources.values()) + comtrade_rows)
print(len(rows), "rows;", len(sources) + 1, "sources")
