"""Curate the USGS Mineral Commodity Summaries figures (run via research/curate.py).

Writes data/usgs_world_production.csv (mine production and reserves by country) and
data/usgs_annual_prices.csv (annual average oxide prices) from leads/usgs_mcs_rare_earths.csv.
Values are copied as printed; table cells printed "NA" are left out, and a ">" before a world
total is kept in `qualifier`. See leads/usgs_mcs_rare_earths.md for how each edition was read.
"""

import re

from curation import DATA, Sources, read_leads, write_csv

TITLES = {
    "mcs2025-rare-earths.pdf": (
        "U.S. Geological Survey, Mineral Commodity Summaries 2025: Rare Earths",
        "usgs-mcs2025-rare-earths",
    ),
    "mcs2026-rare-earths.pdf": (
        "U.S. Geological Survey, Mineral Commodity Summaries 2026: Rare Earths",
        "usgs-mcs2026-rare-earths",
    ),
    "mcs2026-rare-earths-heavy.pdf": (
        "U.S. Geological Survey, Mineral Commodity Summaries 2026: Rare Earths (Heavy)",
        "usgs-mcs2026-rare-earths-heavy",
    ),
}
COPY_NOTE = "Read from extracted copies of the USGS publication in public repositories, not from the PDF itself: "


def edition(r):
    """'MCS 2025', 'MCS 2026' or 'MCS 2026 v1.3' (the May 2026 repost that revised Brazil's reserves)."""
    e = "MCS " + re.search(r"MCS (\d{4})", r["edition"]).group(1)
    return e + " v1.3" if "v1.3" in r["edition"] else e


def source(src, r):
    """Register the USGS sheet a lead row was read from."""
    pdf = r["url"].split(" [")[0]
    title, sid = TITLES[pdf.rsplit("/", 1)[1]]
    same = [x for x in read_leads("usgs_mcs_rare_earths.csv") if x["url"].split(" [")[0] == pdf]
    page = "; ".join(sorted({re.sub(r"^USGS MCS \d{4}, ", "", x["edition"]) for x in same}))
    copies = sorted({c.strip(" []") for x in same for c in x["url"].split(" [")[1:]})
    notes = COPY_NOTE + "; ".join(copies)
    return src.add(
        pdf,
        source_id=sid,
        kind="statistics",
        publisher="U.S. Geological Survey",
        title=title,
        table_or_page=page,
        licence="public domain (U.S. Government work)",
        notes=notes,
    )


def estimated(flag):
    """True when the table marks the value as an estimate."""
    return "true" if (flag or "").startswith("e") else "false"


PRODUCT = re.compile(r"dollars per kilogram: ([^,']+), ([^']+)'")


def build(src: Sources) -> int:
    """Write the two USGS files; return their total row count."""
    leads = read_leads("usgs_mcs_rare_earths.csv")
    world, prices = [], []
    for r in leads:
        if r["measure"] in ("mine_production", "reserves"):
            if r["value"] in ("", "NA") or r["table"].startswith("Events"):
                continue  # printed NA; or a repeat of the table's figure in the sheet's text
            value = r["value"].lstrip(">")
            year = int(r["year"][:4])
            country = "World" if r["country"].startswith("World total") else r["country"]
            world.append(
                dict(
                    edition=edition(r),
                    country=country,
                    year=year,
                    measure=r["measure"],
                    value=value,
                    qualifier=">" if r["value"].startswith(">") else "",
                    unit="t REO",
                    estimated=estimated(r["estimated"]) if r["measure"] == "mine_production" else "false",
                    source_id=source(src, r),
                    quote=r["quote"],
                )
            )
        elif r["measure"] == "price":
            m = PRODUCT.search(r["quote"])
            product, grade = m.group(1).strip(), m.group(2).replace("%,", "%").strip()
            basis = "free on board" if "ree on board" in r["unit"] or "ree on board" in r["quote"] else "not stated"
            prices.append(
                dict(
                    edition=edition(r),
                    product=product,
                    grade=grade,
                    year=int(r["year"]),
                    value=r["value"],
                    unit="USD/kg",
                    estimated=estimated(r["estimated"]),
                    basis=basis,
                    assessment=re.search(r"\(([^)]*)\)", r["unit"]).group(1) if "(" in r["unit"] else "",
                    source_id=source(src, r),
                    quote=r["quote"],
                )
            )
    world.sort(key=lambda x: (x["edition"], x["measure"], x["country"], x["year"]))
    prices.sort(key=lambda x: (x["edition"], x["product"], x["year"]))
    write_csv(DATA / "usgs_world_production.csv", list(world[0]), world)
    write_csv(DATA / "usgs_annual_prices.csv", list(prices[0]), prices)
    return len(world) + len(prices)
