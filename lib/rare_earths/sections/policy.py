"""Section 02: China's rare-earth policy record (dated measures) and its production and export quotas."""

from __future__ import annotations

import re

import pandas as pd

CATEGORY_LABELS = {
    "export_quota": "export quota",
    "export_quota_end": "end of export quotas",
    "technology_export_ban": "technology export ban",
    "export_control": "export control",
    "export_control_expansion": "export control expanded",
    "export_control_suspension": "export control suspended",
    "production_quota_system": "production quota system",
    "total_volume_control": "total volume control",
    "traceability": "traceability",
    "consolidation": "industry consolidation",
    "other": "other",
}
QUOTA_LABELS = {
    "mining": "Mining quota",
    "smelting_separation": "Smelting and separation quota",
    "export": "Export quota",
}


class EventError(LookupError):
    """No policy event matches what was asked for."""


ARTICLE_DATE = "2025-09-10"
"""The analysed article's date: a measure in force by then is one the article could describe."""


def timeline(events: pd.DataFrame, since: str | None = None) -> pd.DataFrame:
    """The dated measures, oldest first, from `since` on, with readable category labels and whether each date had
    happened by its source's publication or was scheduled."""
    rows = events if since is None else events[events["date"] >= pd.Timestamp(since)]
    out = rows.sort_values(["date", "event_id"]).assign(what=lambda f: f["category"].map(CATEGORY_LABELS))
    return out[
        [
            "event_id",
            "date",
            "date_precision",
            "date_kind",
            "what",
            "authority",
            "instrument",
            "measure",
            "elements",
            "verification",
            "source_id",
        ]
    ]


def first(
    events: pd.DataFrame, category: str, element: str | None = None, words: str | None = None, drafts: bool = True
) -> pd.Series:
    """The earliest event of a category (covering an element, or whose measure mentions `words`; drafts=False skips drafts)."""
    rows = events[events["category"] == category]
    if not drafts:
        rows = rows[
            ~rows["instrument"].str.contains("draft", case=False) & ~rows["measure"].str.contains("draft", case=False)
        ]
    if element is not None:
        rows = rows[rows["elements"].fillna("").str.split(";").apply(lambda e: element in e)]
    if words is not None:
        rows = rows[rows["measure"].str.contains(words, case=False, regex=False)]
    if rows.empty:
        raise EventError(
            f"no {category!r} event"
            + (f" covering {element}" if element else "")
            + (f" mentioning {words!r}" if words else "")
        )
    return rows.sort_values("date").iloc[0]


def data_day(event: pd.Series, sources: pd.DataFrame) -> str:
    """The day the record observed an event: its date if it had happened by its source's publication, else (a date
    announced in advance) the source's publication date ('' when that source is undated)."""
    if event.get("date_kind", "happened") != "scheduled":
        return str(event["date"].date())
    published = sources.set_index("source_id")["date_published"].get(event["source_id"])
    return "" if published is None or pd.isna(published) else str(pd.Timestamp(published).date())


def scheduled_note(event: pd.Series, sources: pd.DataFrame) -> str:
    """'Its source, of <day>, gives <date> as a date announced in advance.' for a scheduled event ('' otherwise)."""
    if event.get("date_kind", "happened") != "scheduled":
        return ""
    seen = data_day(event, sources)
    said = f"{pd.Timestamp(seen):%-d %B %Y}" if seen else "an undated page"
    return f"That report, of {said}, gave {event['date']:%-d %B %Y} in advance, as a scheduled date."


def yyyymm(date: pd.Timestamp) -> int:
    """A date as the number YYYYMM (how month claims are inventoried)."""
    return date.year * 100 + date.month


def event_basis(event: pd.Series) -> str:
    """A sentence naming an event, its date and its source."""
    return f"{event['instrument']} ({event['authority']}), {event['date'].date()} [{event['date_precision']}]: {event['measure']} ({event['source_id']})"


def covered_elements(events: pd.DataFrame, category: str = "export_control") -> list[str]:
    """Element symbols the events of one category cover, in first-listed order."""
    seen: list[str] = []
    for cell in events.loc[events["category"] == category, "elements"].dropna():
        seen += [e for e in cell.split(";") if e not in seen]
    return seen


def element_coverage(events: pd.DataFrame) -> pd.DataFrame:
    """One row per element and export-control event that names it: when, which instrument, what it did."""
    rows = events[events["category"].str.startswith("export_control") & events["elements"].notna()]
    out = rows.assign(element=rows["elements"].str.split(";")).explode("element")
    out = out.assign(what=out["category"].map(CATEGORY_LABELS)).sort_values(["date", "event_id"])
    return out[["element", "date", "event_id", "what", "instrument", "source_id"]].reset_index(drop=True)


def quota_table(quotas: pd.DataFrame, batch: str = "total") -> pd.DataFrame:
    """Annual quotas (tonnes) as one column per quota type, one row per year; absent = not sourced."""
    rows = quotas[(quotas["batch"] == batch) & quotas["quota"].isin(list(QUOTA_LABELS))]
    wide = rows.pivot(index="year", columns="quota", values="value").reindex(columns=list(QUOTA_LABELS))
    return wide.sort_index()


def quota_growth(quotas: pd.DataFrame, quota: str = "mining") -> pd.DataFrame:
    """Year-on-year % change of one annual quota, only between consecutive sourced years."""
    series = quota_table(quotas)[quota].dropna()
    out = series.to_frame("tonnes")
    consecutive = series.index.to_series().diff() == 1
    out["yoy_pct"] = (series.pct_change() * 100).where(consecutive)
    return out


def last_export_quota(quotas: pd.DataFrame) -> pd.Series:
    """The most recent annual export quota in the data (year, tonnes, source)."""
    rows = quotas[(quotas["quota"] == "export") & (quotas["batch"] == "total")].sort_values("year")
    if rows.empty:
        raise EventError("no annual export quota in the data")
    return rows.iloc[-1]


def export_quota_in_force(quotas: pd.DataFrame, events: pd.DataFrame, year: int) -> tuple[bool, str]:
    """Whether an export quota exists for `year` in the data, and the evidence either way."""
    rows = quotas[(quotas["quota"] == "export") & (quotas["year"] == year)]
    if not rows.empty:
        return True, f"export quota for {year} in data/china_quotas.csv ({rows['source_id'].iloc[0]})"
    ends = events[(events["category"] == "export_quota_end") & (events["date"].dt.year < year)]
    if ends.empty:
        return False, f"no export quota for {year} in the data, and no recorded end of export quotas"
    end = ends.sort_values("date").iloc[-1]
    last = last_export_quota(quotas)
    return False, (
        f"China's export quotas ended with effect from {end['date'].date()} ({end['source_id']}); the last annual "
        f"export quota in the data is {last['value']:,.0f} t for {last['year']} ({last['source_id']})"
    )


def in_force(events: pd.DataFrame, event: pd.Series) -> pd.Series:
    """The event that put `event`'s instrument in force: the row of the same Order No. that says promulgated or in force, else the event itself."""
    order = re.search(r"Order No\. \d+", f"{event['instrument']} {event['authority']}")
    if not order:
        return event
    same = events[(events["instrument"] + " " + events["authority"]).str.contains(order.group(0), regex=False)]
    said = same[same["measure"].str.contains("promulgated|in force|effective", case=False, regex=True)]
    return said.sort_values("date").iloc[0] if len(said) else event
