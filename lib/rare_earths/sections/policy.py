"""Section 02: China's rare-earth policy record (dated measures) and its production and export quotas."""

from __future__ import annotations

import re

import pandas as pd

from .. import units
from ..robustness import Reading

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


def timeline(events: pd.DataFrame, since: str | None = None) -> pd.DataFrame:
    """The dated measures, oldest first, from `since` on, with readable category labels."""
    rows = events if since is None else events[events["date"] >= pd.Timestamp(since)]
    out = rows.sort_values(["date", "event_id"]).assign(what=lambda f: f["category"].map(CATEGORY_LABELS))
    return out[
        [
            "event_id",
            "date",
            "date_precision",
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


def check_claims(
    events: pd.DataFrame,
    quotas: pd.DataFrame,
    exports_frame: pd.DataFrame,
    quotes: pd.DataFrame,
    claim_year: int,
    supply_start: str,
    supply_end: str,
    notebook: str,
) -> list:
    """Every section-02 claim (and the lead's date of the controls) checked against the dated record, the exports and the prices."""
    from .. import claims
    from . import exports, prices

    controls = first(events, "export_control", element="Dy")
    ore_rule = first(events, "total_volume_control", words="imported ore", drafts=False)
    ore = in_force(events, ore_rule)
    trace = first(events, "traceability")
    trace_2025 = events[(events["category"] == "traceability") & (events["date"] > controls["date"])].sort_values(
        "date"
    )
    magnets_ytd = exports.monthly(exports_frame, "rare_earth_magnets", "volume_ytd")
    magnets = exports.monthly(exports_frame, "rare_earth_magnets", "volume")
    end = pd.Period(supply_end, "M")
    reported_end = max(m for m in magnets_ytd.index if m <= end and (m - 12) in magnets_ytd.index)
    controlled = exports.change(
        magnets_ytd,
        str(reported_end - 12),
        str(reported_end),
        "permanent-magnet exports (HS 8505.11), January to month",
    )
    light = exports.span_change(
        exports.monthly(exports_frame, "rare_earths", "volume"),
        supply_start,
        supply_end,
        "customs rare-earth aggregate (light-dominated, not the controlled products)",
    )
    before = max(m for m in magnets.index if m < controls["date"].to_period("M"))
    right_after = exports.change(
        magnets,
        str(before),
        str(controls["date"].to_period("M") + 1),
        "magnet exports, the month after the controls against the last month reported before them",
    )
    quota_exists, quota_basis = export_quota_in_force(quotas, events, claim_year)
    dy = prices.change(quotes, "Dy", "europe", *prices.EUROPE_WINDOW, product="oxide")
    tb = prices.change(quotes, "Tb", "europe", *prices.EUROPE_WINDOW, product="oxide")
    dy_old, dy_new = (prices.one(quotes, "Dy", "europe", d, "oxide") for d in prices.EUROPE_WINDOW)
    tb_old, tb_new = (prices.one(quotes, "Tb", "europe", d, "oxide") for d in prices.EUROPE_WINDOW)
    may_first = prices.select(quotes, "Dy", "europe", "unspecified")
    may_first = may_first[may_first["date"] < pd.Timestamp(prices.EUROPE_WINDOW[1])].sort_values("date").tail(1)
    c = lambda cid: claims.claimed(cid)  # noqa: E731
    return [
        claims.check("C00-06", yyyymm(controls["date"]), event_basis(controls), notebook),
        claims.check("C02-01", yyyymm(controls["date"]), event_basis(controls), notebook),
        claims.check(
            "C02-02",
            yyyymm(ore["date"]),
            f"the imported-ore rule ({ore_rule['instrument']}) is in force from {ore['date'].date()}: {event_basis(ore)}",
            notebook,
            readings=[Reading(f"date the rule was published ({ore_rule['date'].date()})", yyyymm(ore_rule["date"]))],
        ),
        claims.check(
            "C02-03",
            yyyymm(trace["date"]),
            event_basis(trace),
            notebook,
            readings=[
                Reading(f"the {r['date'].year} flow-record rule ({r['date'].date()})", yyyymm(r["date"]))
                for _, r in trace_2025.head(1).iterrows()
            ],
        ),
        claims.check(
            "C02-04",
            controlled.direction,
            f"{controlled.basis}; beside it, not used for the verdict, the {light.basis}",
            notebook,
            readings=[Reading(f"magnets, {right_after.basis}", right_after.direction)],
        ),
        claims.check(
            "C02-05",
            None,
            "no source gives the share of China's rare-earth oxide that carries a traceability code; the regulations require firms to record product flows ("
            + trace["source_id"]
            + "), which says nothing about coverage",
            notebook,
        ),
        claims.check("C02-06", None, quota_basis, notebook, absent=not quota_exists),
        claims.check("C02-07", None, quota_basis, notebook, absent=not quota_exists),
        claims.check(
            "C02-08",
            (dy_old["low"] + dy_old["high"]) / 2,
            dy.basis + "; midpoint of the start-of-April range",
            notebook,
            readings=[Reading("range low end", dy_old["low"]), Reading("range high end", dy_old["high"])],
        ),
        claims.check(
            "C02-09",
            dy.new_mid,
            dy.basis + "; midpoint of the early-May range",
            notebook,
            readings=[
                Reading("range low end", dy_new["low"]),
                Reading("range high end", dy_new["high"]),
                *[
                    Reading(f"{r['source_id']} ({r['date'].date()}, oxide or metal not stated)", r["low"])
                    for _, r in may_first.iterrows()
                ],
            ],
        ),
        claims.check(
            "C02-10",
            dy.new_mid / dy.old_mid,
            dy.basis + "; ratio of range midpoints",
            notebook,
            arithmetic=(c("C02-09") / c("C02-08"), f"{c('C02-09'):,.0f} / {c('C02-08'):,.0f}"),
            readings=[
                Reading("narrowest reading (April high to May low)", dy_new["low"] / dy_old["high"]),
                Reading("widest reading (April low to May high)", dy_new["high"] / dy_old["low"]),
            ],
        ),
        claims.check(
            "C02-11",
            tb.pct_mid,
            tb.basis + "; % change of range midpoints",
            notebook,
            arithmetic=(
                units.pct_change(c("C00-10"), c("C00-09")),
                f"({c('C00-10'):,.0f} / {c('C00-09'):,.0f} - 1) x 100",
            ),
            readings=[Reading("narrowest reading", tb.pct_low), Reading("widest reading", tb.pct_high)],
        ),
    ]
