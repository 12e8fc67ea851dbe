"""Section 02's claims: the dates of the April 2025 measures, the supply they tightened, the export quota and the European prices."""

from __future__ import annotations

import pandas as pd

from .. import units
from ..robustness import Reading
from .policy import (
    ARTICLE_DATE,
    data_day,
    event_basis,
    export_quota_in_force,
    first,
    in_force,
    last_export_quota,
    scheduled_note,
    yyyymm,
)


def check_claims(
    events: pd.DataFrame,
    quotas: pd.DataFrame,
    exports_frame: pd.DataFrame,
    quotes: pd.DataFrame,
    claim_year: int,
    supply_start: str,
    supply_end: str,
    notebook: str,
    sources: pd.DataFrame | None = None,
) -> list:
    """Every section-02 claim (and the lead's date of the controls) checked against the dated record, the exports and the prices.

    `sources` is the sources catalogue (data/sources.csv when None): an event dated in advance takes its source's
    publication date as its data date.
    """
    from .. import claims, data, reasons
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
    sources = data.sources() if sources is None else sources
    day = lambda e: data_day(e, sources)  # noqa: E731
    article = pd.Timestamp(ARTICLE_DATE)
    by_article = lambda e: yyyymm(controls["date"]) if e["date"] <= article else yyyymm(e["date"])  # noqa: E731
    july_aug = exports.span_change(magnets, "2025-07", "2025-08", "magnet exports, July-August against a year earlier")
    ended = events[(events["category"] == "export_quota_end") & (events["date"].dt.year < claim_year)]
    last = last_export_quota(quotas)
    quota_finding = (
        f"China's export quotas ended in {ended['date'].max().year}; the last annual export quota on record is "
        f"{reasons.amount(float(last['value']))} tonnes, for {last['year']}"
        if len(ended)
        else f"no export quota for {claim_year} is on record"
    )
    quota_ids = [*ended["source_id"], last["source_id"]] if len(ended) else []
    quota_date = f"{day(ended.sort_values('date').iloc[-1])}; {last['year']}" if len(ended) else ""
    span = f"{prices.EUROPE_WINDOW[0]}; {prices.EUROPE_WINDOW[1]}"
    return [
        claims.check("C00-06", yyyymm(controls["date"]), event_basis(controls), notebook, data_date=day(controls)),
        claims.check("C02-01", yyyymm(controls["date"]), event_basis(controls), notebook, data_date=day(controls)),
        claims.check(
            "C02-02",
            yyyymm(ore["date"]),
            f"the imported-ore rule ({ore_rule['instrument']}) is in force from {ore['date'].date()}: {event_basis(ore)}",
            notebook,
            readings=[
                Reading(f"date the rule was published ({ore_rule['date'].date()})", yyyymm(ore_rule["date"])),
                Reading(
                    "in force by the article's date, in any month (a measure of 2025, not of April)", by_article(ore)
                ),
            ],
            data_date=day(ore),
            sources=[ore["source_id"], ore_rule["source_id"]],
            implied=(False, "the measure came months after April, not with the export controls"),
        ),
        claims.check(
            "C02-03",
            yyyymm(trace["date"]),
            event_basis(trace),
            notebook,
            readings=[
                *[
                    Reading(f"the {r['date'].year} flow-record rule ({r['date'].date()})", yyyymm(r["date"]))
                    for _, r in trace_2025.head(1).iterrows()
                ],
                Reading("in force by the article's date, in any month", by_article(trace)),
            ],
            data_date=day(trace),
            note=f"The system dates from before the export controls, not from them. {scheduled_note(trace, sources)}".strip(),
        ),
        claims.check(
            "C02-04",
            right_after.direction,
            f"{right_after.basis}; beside it, not used for the verdict, the {light.basis}",
            notebook,
            readings=[
                Reading(f"magnets, {controlled.basis}", controlled.direction),
                Reading(f"magnets, {july_aug.basis}", july_aug.direction),
            ],
            data_date="2025-01; 2025-05",
            sources=exports_frame.loc[
                (exports_frame["series"] == "rare_earth_magnets")
                & (exports_frame["measure"] == "volume")
                & exports_frame["month"].isin(["2025-01", "2025-05"]),
                "source_id",
            ].tolist(),
            note=f"By July and August magnet exports were {abs(july_aug.pct):.0f}% {'above' if july_aug.pct > 0 else 'below'} a year earlier.",
        ),
        claims.check(
            "C02-05",
            None,
            "no source gives the share of China's rare-earth oxide that carries a traceability code; the regulations require firms to record product flows ("
            + trace["source_id"]
            + "), which says nothing about coverage",
            notebook,
            finding="no source gives the share of China's rare-earth oxide that carries a traceability code; the rules require firms to record product flows, which says nothing about coverage",
        ),
        claims.check(
            "C02-06",
            None,
            quota_basis,
            notebook,
            absent=not quota_exists,
            finding=quota_finding,
            data_date=quota_date,
            sources=quota_ids,
        ),
        claims.check(
            "C02-07",
            None,
            quota_basis,
            notebook,
            absent=not quota_exists,
            finding=quota_finding,
            data_date=quota_date,
            sources=quota_ids,
        ),
        claims.check(
            "C02-08",
            (dy_old["low"] + dy_old["high"]) / 2,
            dy.basis + "; midpoint of the start-of-April range",
            notebook,
            readings=[Reading("range low end", dy_old["low"], True), Reading("range high end", dy_old["high"], True)],
            data_date=prices.EUROPE_WINDOW[0],
        ),
        claims.check(
            "C02-09",
            dy.new_mid,
            dy.basis + "; midpoint of the early-May range",
            notebook,
            readings=[
                Reading("range low end", dy_new["low"], True),
                Reading("range high end", dy_new["high"], True),
                *[
                    Reading(f"{r['source_id']} ({r['date'].date()}, oxide or metal not stated)", r["low"])
                    for _, r in may_first.iterrows()
                ],
            ],
            data_date=prices.EUROPE_WINDOW[1],
        ),
        claims.check(
            "C02-10",
            dy.new_mid / dy.old_mid,
            dy.basis + "; ratio of range midpoints",
            notebook,
            arithmetic=(c("C02-09") / c("C02-08"), f"{c('C02-09'):,.0f} / {c('C02-08'):,.0f}"),
            readings=[
                Reading("narrowest reading (April high to May low)", dy_new["low"] / dy_old["high"], True),
                Reading("widest reading (April low to May high)", dy_new["high"] / dy_old["low"], True),
            ],
            data_date=span,
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
            readings=[Reading("narrowest reading", tb.pct_low, True), Reading("widest reading", tb.pct_high, True)],
            data_date=span,
        ),
    ]
