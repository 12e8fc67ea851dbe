"""Curate data/policy_events.csv and data/china_quotas.csv (run via research/curate.py).

Leads: leads/policy_events.csv, leads/policy_events_since.csv (events after the article, each row with
the date it was read) and leads/china_quotas.csv (see leads/policy_events.md). Quota
figures printed in thousand tonnes are written in tonnes (the printed figure stays in the quote);
where sources disagree on one quota, one figure is kept (a source read first-hand before a report
about it, then the first found) and the others go to `note`. Rows without a figure (2025: no
quota volume published; no export quota since 2015) stay out of the data; the notebook says so.

Each event says whether its date had `happened` by its source's publication or was `scheduled` (announced in
advance: an entry into force, the end of a suspension); a scheduled date is not an observation, so "data as of"
counts such a row as of its source's publication. A lead whose source is dated (YYYY-MM-DD) must agree: a date
after the publication cannot have happened, one on or before it is no longer only scheduled.
"""

import re

from curation import DATA, Sources, read_leads, write_csv

RANK = {"sourced": 0, "secondary": 1, "unverified_recall": 2}
DATE_KINDS = ("happened", "scheduled")


def iso(date, precision):
    """A lead date ('1998', '2014-12', '2025-04-04') as a full ISO date (first day of the period)."""
    return {"year": date + "-01-01", "month": date + "-01"}.get(precision, date)


def source(src, r):
    """Register the page a lead row was read from."""
    shown = r["date_published"] or ""
    return src.add(
        r["url"],
        kind="government_document" if "translation" in r["source_publisher"].lower() else "news_report",
        publisher=r["source_publisher"],
        title=r["source_title"],
        date_published=shown,
        notes="" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown) else f"date shown: {shown}" if shown else "",
        date_read=r.get("date_read") or "",
    )


def date_kind(r, where):
    """The lead's `date_kind`, refused (naming file and line) when it is neither word or contradicts the source's date."""
    kind, published = r.get("date_kind", ""), (r["date_published"] or "")[:10]
    if kind not in DATE_KINDS:
        raise ValueError(f"{where}: date_kind {kind!r} is not {' or '.join(DATE_KINDS)}")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
        date = iso(r["date"], r["date_precision"])
        if kind == "happened" and date > published:
            raise ValueError(
                f"{where}: {r['event_id']} is dated {date}; its source, published {published}, "
                "cannot report it as happened: say scheduled"
            )
        if kind == "scheduled" and date <= published:
            raise ValueError(
                f"{where}: {r['event_id']} is dated {date}; its source, published {published}, is later: say happened"
            )
    return kind


def tonnes(value, unit):
    """A printed quota ('135,000', '30, 610', '10.14' kt) in tonnes, as a plain decimal string."""
    number = float(value.replace(",", "").replace(" ", ""))
    if unit.startswith(("kt", "thousand")):
        number *= 1000
    return f"{number:.10g}"


def build(src: Sources) -> int:
    """Write the two policy files; return their total row count."""
    events = []
    leads = [
        (f"research/leads/{name} line {n}", r)
        for name in ("policy_events.csv", "policy_events_since.csv")
        for n, r in enumerate(read_leads(name), start=2)
    ]
    for where, r in leads:
        events.append(
            dict(
                event_id=r["event_id"],
                date=iso(r["date"], r["date_precision"]),
                date_precision=r["date_precision"],
                date_kind=date_kind(r, where),
                authority=r["authority"],
                instrument=r["instrument"],
                category=r["category"],
                measure=r["measure"],
                elements=r["elements"],
                verification=r["verification"],
                source_id=source(src, r),
                quote=r["quote"],
                note=r["note"],
            )
        )
    write_csv(DATA / "policy_events.csv", list(events[0]), events)
    groups = {}
    for i, r in enumerate(read_leads("china_quotas.csv")):
        if not r["value"].strip():
            continue
        groups.setdefault((int(r["year"]), r["quota"], r["batch"]), []).append((RANK[r["verification"]], i, r))
    quotas = []
    for (year, quota, batch), cands in sorted(groups.items(), reverse=True):
        cands.sort(key=lambda c: c[:2])
        best = cands[0][2]
        value = tonnes(best["value"], best["unit"])
        others = [
            f"{c[2]['source_publisher']} prints {c[2]['value']} {c[2]['unit']}"
            for c in cands[1:]
            if tonnes(c[2]["value"], c[2]["unit"]) != value
        ]
        note = "; ".join(x for x in [best["note"], *others] if x)
        if best["unit"].startswith(("kt", "thousand")):
            note = f"printed as {best['value']} {best['unit']}; " + note
        quotas.append(
            dict(
                year=year,
                quota=quota,
                batch=batch,
                value=value,
                unit="t",
                verification=best["verification"],
                source_id=source(src, best),
                quote=best["quote"],
                note=note.strip("; "),
            )
        )
    write_csv(DATA / "china_quotas.csv", list(quotas[0]), quotas)
    return len(events) + len(quotas)
