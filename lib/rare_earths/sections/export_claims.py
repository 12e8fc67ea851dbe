"""Section 01's claims: the export value series behind the headline, and every check of the headline, lead and section 01.

Why one file: the value series (what two reported figures determine) and the checks that rest on it change together.

Values are built only from what reports state (data/china_exports_monthly.csv) and what two reported figures
determine by subtraction; the article's own July and August values appear only as claims, labelled as such.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import units
from ..robustness import Reading
from .exports import Change, _value_at, change, level, monthly, previous_month

ARTICLE_DATE = "2025-09-10"


def _ytd(frame: pd.DataFrame, measure: str, unit: str | None = None) -> pd.Series:
    """One measure of the customs rare-earth aggregate (all destinations) by month."""
    return monthly(frame, "rare_earths", measure, unit=unit)


def value_series(frame: pd.DataFrame) -> pd.DataFrame:
    """Export values (USD) with the volume of the same period and the unit value: as reported, and what two reported figures determine.

    Derived rows are differences of two reported figures of the same release year (a later January-to-month total
    minus an earlier one, or minus the month itself); nothing is interpolated. Reported average prices are listed too.
    """
    value_m, value_y = _ytd(frame, "value", "USD"), _ytd(frame, "value_ytd", "USD")
    vol_m, vol_y = _ytd(frame, "volume"), _ytd(frame, "volume_ytd")
    src = frame.set_index(["series", "partner", "month", "measure"])["source_id"]
    sid = lambda month, measure: src.get(("rare_earths", "World", str(month), measure), "")  # noqa: E731
    rows = []

    def add(period, value, volume, kind, sources):
        rows.append(
            {
                "period": period,
                "value_usd": value,
                "volume_t": volume,
                "unit_value_usd_per_t": units.unit_value(value, volume) if not math.isnan(volume) else math.nan,
                "kind": kind,
                "source_id": "; ".join(s for s in sources if s),
            }
        )

    for m, v in value_m.items():
        add(str(m), v, _value_at(vol_m, str(m)), "reported", [sid(m, "value"), sid(m, "volume")])
    for m, v in value_y.items():
        add(f"{m.year}-01..{m}", v, _value_at(vol_y, str(m)), "reported", [sid(m, "value_ytd"), sid(m, "volume_ytd")])
    for m, v in value_y.items():  # a January-to-month total minus the month: January to the month before
        if m in value_m.index and m.month > 2:
            prev = m - 1
            add(
                f"{m.year}-01..{prev}",
                v - value_m[m],
                _value_at(vol_y, str(m)) - _value_at(vol_m, str(m)),
                f"derived: {m.year}-01..{m} minus {m}",
                [sid(m, "value_ytd"), sid(m, "value")],
            )
        elif m in value_m.index and m.month == 2:
            add(
                f"{m.year}-01",
                v - value_m[m],
                _value_at(vol_y, str(m)) - _value_at(vol_m, str(m)),
                f"derived: {m.year}-01..{m} minus {m}",
                [sid(m, "value_ytd"), sid(m, "value")],
            )
    ytd = sorted(value_y.index)
    for a, b in zip(ytd, ytd[1:]):  # two January-to-month totals of one year: the months between
        if a.year == b.year:
            add(
                f"{a + 1}..{b}",
                value_y[b] - value_y[a],
                _value_at(vol_y, str(b)) - _value_at(vol_y, str(a)),
                f"derived: {b.year}-01..{b} minus {a.year}-01..{a}",
                [sid(b, "value_ytd"), sid(a, "value_ytd")],
            )
    for m, v in _ytd(frame, "unit_value", "USD/t").items():
        rows.append(
            {
                "period": str(m),
                "value_usd": math.nan,
                "volume_t": _value_at(vol_m, str(m)),
                "unit_value_usd_per_t": v,
                "kind": "reported average price",
                "source_id": sid(m, "unit_value"),
            }
        )
    out = pd.DataFrame(rows, columns=["period", "value_usd", "volume_t", "unit_value_usd_per_t", "kind", "source_id"])
    return out.sort_values(["period", "kind"]).reset_index(drop=True)


def implied_unit_values(frame: pd.DataFrame, claimed: dict[str, float]) -> pd.DataFrame:
    """Unit values the article's own value figures imply with the sourced volume of the same month (labelled as the article's)."""
    vol = _ytd(frame, "volume")
    rows = [
        {
            "period": m,
            "value_usd": v,
            "volume_t": _value_at(vol, m),
            "unit_value_usd_per_t": units.unit_value(v, _value_at(vol, m)),
            "kind": "implied by the article's value and the sourced volume",
            "source_id": "article-frecine-2025-09-10 (claim); volume: "
            + str(
                frame.set_index(["series", "measure", "month", "partner"])["source_id"].get(
                    ("rare_earths", "volume", m, "World"), ""
                )
            ),
        }
        for m, v in claimed.items()
    ]
    return pd.DataFrame(rows)


def unit_value_evidence(series: pd.DataFrame, implied: float, year: int) -> dict[str, float | str]:
    """Where an implied unit value sits among the sourced unit values of one year (evidence, not a verdict)."""
    same_year = series[series["period"].str.startswith(str(year)) & series["unit_value_usd_per_t"].notna()]
    low, high = same_year["unit_value_usd_per_t"].min(), same_year["unit_value_usd_per_t"].max()
    inside = bool(low <= implied <= high)
    return {
        "implied": implied,
        "low": low,
        "high": high,
        "n": len(same_year),
        "inside": inside,
        "sentence": (
            f"{implied:,.0f} USD/t lies {'within' if inside else 'outside'} the range of the {len(same_year)} sourced or derived "
            f"{year} unit values ({low:,.0f}-{high:,.0f} USD/t): {'consistent with them, which does not confirm it' if inside else 'at odds with them'}."
        ),
    }


def _months(period: str) -> int:
    """Number of months a period label ('2025-09' or '2025-01..2025-08') covers."""
    a, _, b = period.partition("..")
    return 1 if not b else (pd.Period(b, "M") - pd.Period(a, "M")).n + 1


def average_against_year(series: pd.DataFrame, period: str, base_year: int, column: str = "value_usd") -> Change:
    """A 2025 period's monthly average (value or unit value) against the full year `base_year`: the change, with its basis."""
    rows = series.set_index("period")
    base = f"{base_year}-01..{base_year}-12"
    if period not in rows.index or base not in rows.index:
        return Change(
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            f"no sourced or derived figure for {period if period not in rows.index else base}",
        )
    new, old = float(rows.loc[period, column]), float(rows.loc[base, column])
    if column == "value_usd":
        new, old = new / _months(period), old / 12
    pct = units.pct_change(new, old)
    what = "monthly average export value, USD" if column == "value_usd" else "export unit value, USD/t"
    return Change(
        old,
        new,
        pct,
        math.copysign(1.0, pct) if pct else 0.0,
        f"{what}: {period} {new:,.0f} vs {base} {old:,.0f} ({pct:+.1f}%; {rows.loc[period, 'kind']})",
    )


def _trend_readings(volume: pd.Series, month: str) -> tuple[Change, list[Reading]]:
    """A trend word judged over more than one month-on-month step: year on year (main), and the readings around it."""
    m = pd.Period(month, "M")
    yoy = change(volume, str(m - 12), month, "GACC rare-earth export volume, same month a year earlier")
    mom = change(volume, str(m - 1), month, "volume m/m")
    run = [change(volume, str(m - k - 1), str(m - k), "step") for k in (1, 0)]
    two_steps = run[0].direction if all(c.direction == run[0].direction for c in run) else 0.0
    return yoy, [
        Reading(f"one month-on-month step ({m - 1} to {m})", mom.direction),
        Reading(f"two month-on-month steps ({m - 2} to {m})", two_steps),
    ]


def _month_words(month: str) -> str:
    """'2025-08' as 'August 2025'."""
    return pd.Period(month, "M").strftime("%B %Y")


def check_claims(frame: pd.DataFrame, claim_month: str, notebook: str) -> tuple[list, pd.DataFrame]:
    """Every section-01 claim (headline, lead and section 01) checked; also the export value series the checks use."""
    from .. import claims

    prior = previous_month(claim_month)
    volume = monthly(frame, "rare_earths", "volume")
    vol_ytd = monthly(frame, "rare_earths", "volume_ytd")
    values = value_series(frame)
    value_usd = monthly(frame, "rare_earths", "value", unit="USD")
    vol_change = change(volume, prior, claim_month, "GACC rare-earth export volume, tonnes")
    value_change = change(value_usd, prior, claim_month, "GACC rare-earth export value, USD")
    unit_value_change = change(value_usd / volume, prior, claim_month, "GACC rare-earth export unit value, USD/t")
    value_prior, prior_basis = level(value_usd, prior, "GACC rare-earth export value, USD")
    value_claim, claim_basis = level(value_usd, claim_month, "GACC rare-earth export value, USD")
    article = claims.claimed("C01-02"), claims.claimed("C01-03")
    own_pct = (units.pct_change(article[1], article[0]), f"({article[1]:,.0f} / {article[0]:,.0f} - 1) x 100")
    implied = implied_unit_values(frame, {prior: article[0], claim_month: article[1]})
    evidence = unit_value_evidence(values, float(implied["unit_value_usd_per_t"].iloc[-1]), int(claim_month[:4]))
    only_article = "the only copies of these values are the article and its re-translation, never evidence for them"
    weighed = f"Evidence, not a verdict: the implied {claim_month} unit value of {evidence['sentence']}"
    no_value_basis = f"{value_change.basis}; {only_article}. {weighed}"
    trend, trend_readings = _trend_readings(volume, claim_month)
    by_totals = vol_ytd.diff().where(
        [(m - 1) in vol_ytd.index for m in vol_ytd.index]
    )  # a month as two consecutive totals' difference
    from_totals = change(by_totals.dropna(), prior, claim_month, "volume from consecutive January-to-month totals")
    year_ago = str(pd.Period(claim_month, "M") - 12)
    ytd_vol = change(vol_ytd, year_ago, claim_month, "GACC rare-earth export volume, January to month")
    at_date = f"{claim_month[:4]}-01..{claim_month}"
    base = int(claim_month[:4]) - 1
    value_main = average_against_year(values, at_date, base)
    uv_main = average_against_year(values, at_date, base, "unit_value_usd_per_t")
    gacc_row = frame[
        (frame["series"] == "rare_earths") & (frame["measure"] == "volume") & (frame["month"] == claim_month)
    ]
    gacc_said = bool(len(gacc_row)) and "customs" in str(gacc_row["quote"].iloc[0]).lower()
    rows = frame.set_index(["series", "measure", "month"])["source_id"]
    sid = lambda measure, *months: [  # noqa: E731  the source of each month's figure
        str(rows.get(("rare_earths", measure, m), "")) for m in months if ("rare_earths", measure, m) in rows.index
    ]
    span = f"{claim_month[:4]}-01/{claim_month}"
    value_ids = [
        i
        for s in values.loc[values["period"].isin([at_date, f"{base}-01..{base}-12"]), "source_id"]
        for i in str(s).split("; ")
    ]
    no_value = f"no source other than the article gives China's customs export value for {_month_words(prior)} or {_month_words(claim_month)}"
    mm = f"{prior}/{claim_month}"

    def dated(value: float | None, when: str, *months: str) -> dict:
        """The data date and sources of a value check, when a sourced value decides it (another claim month can)."""
        decided = value is not None and value == value
        return {"data_date": when, "sources": sid("value", *months)} if decided else {}

    value_up = {  # C01-07 and C01-09 both say the export value rose: one computation, read the same ways
        "computed": value_main.direction,
        "basis": f"at the article's date, {value_main.basis}",
        "notebook": notebook,
        "readings": [
            Reading(f"unit value {at_date} against {base}", uv_main.direction),
            Reading(f"the value of {_month_words(claim_month)} against {_month_words(prior)}", value_change.direction),
        ],
        "data_date": span,
        "sources": value_ids,
    }
    # the headline's, the lead's and section 01's +51% month on month: one value change, checked three times
    the_51 = (value_change.pct, no_value_basis, notebook)
    the_51_kwargs = dict(arithmetic=own_pct, finding=no_value, **dated(value_change.pct, mm, prior, claim_month))
    records = [
        claims.check("C00-01", *the_51, **the_51_kwargs),
        claims.check(
            "C00-02",
            trend.direction,
            f"a trend is judged over more than one m/m step; main reading {trend.basis}",
            notebook,
            readings=trend_readings,
            data_date=f"{year_ago}; {claim_month}",
            sources=sid("volume", year_ago, claim_month),
            note=f"Volume rose {abs(trend.pct):.0f}% on {_month_words(year_ago)}, though it fell {abs(vol_change.pct):.1f}% on {_month_words(prior)}.",
        ),
        claims.check(
            "C00-03",
            unit_value_change.direction,
            unit_value_change.basis + "; no sourced value for either month",
            notebook,
            finding=no_value + ", so no unit value for either month",
            note=f"From January to {_month_words(claim_month)} the unit value was {abs(uv_main.pct):.0f}% {'below' if uv_main.pct < 0 else 'above'} {base}'s.",
            readings=[Reading(f"unit value {at_date} against {base} ({uv_main.pct:+.1f}%)", uv_main.direction)],
        ),
        claims.check("C00-04", *the_51, **the_51_kwargs),
        claims.check(
            "C00-05",
            value_claim,
            f"{claim_basis}; {only_article}. {weighed}",
            notebook,
            finding=no_value,
            **dated(value_claim, claim_month, claim_month),
        ),
        claims.check(
            "C01-01",
            vol_change.pct,
            vol_change.basis,
            notebook,
            readings=[Reading("months derived from the January-to-month totals", from_totals.pct)],
            data_date=mm,
            sources=sid("volume", prior, claim_month),
        ),
        claims.check(
            "C01-02", value_prior, prior_basis, notebook, finding=no_value, **dated(value_prior, prior, prior)
        ),
        claims.check(
            "C01-03",
            value_claim,
            claim_basis,
            notebook,
            finding=no_value,
            **dated(value_claim, claim_month, claim_month),
        ),
        claims.check("C01-04", *the_51, **the_51_kwargs),
        claims.attribution(
            "C01-05",
            True if gacc_said else None,
            f"the {claim_month} volume ({vol_change.pct:+.2f}% m/m) is reported as General Administration of Customs data ({gacc_row['source_id'].iloc[0] if len(gacc_row) else 'no row'}: the sentence read names customs)",
            notebook,
            data_date=claim_month,
            sources=sid("volume", claim_month),
            finding=f"the report of the {_month_words(claim_month)} volume attributes it to China's customs",
        ),
        claims.attribution(
            "C01-06",
            None if math.isnan(value_claim) else True,
            f"no report of a customs value for {prior} or {claim_month} was found; the sourced customs values cover other periods (see the value table)",
            notebook,
            finding=no_value,
            **dated(value_claim, claim_month, claim_month),
        ),
        claims.check(
            "C01-07",
            **value_up,
            note=f"The monthly average was {abs(value_main.pct):.0f}% {'below' if value_main.pct < 0 else 'above'} {base}'s, and the unit value {abs(uv_main.pct):.0f}% {'below' if uv_main.pct < 0 else 'above'}.",
        ),
        claims.check(
            "C01-08",
            ytd_vol.direction,
            ytd_vol.basis,
            notebook,
            readings=[Reading(f"one month-on-month step ({prior} to {claim_month})", vol_change.direction)],
            data_date=f"{year_ago[:4]}-01/{year_ago}; {span}",
            sources=sid("volume_ytd", year_ago, claim_month),
            note=f"Volume was {abs(ytd_vol.pct):.0f}% {'above' if ytd_vol.pct > 0 else 'below'} the same months of {base}, though {_month_words(claim_month)} alone fell on {_month_words(prior)}.",
        ),
        claims.check(
            "C01-09",
            **value_up,
            note=f"The monthly average was {abs(value_main.pct):.0f}% {'below' if value_main.pct < 0 else 'above'} {base}'s.",
        ),
    ]
    return records, pd.concat([values, implied], ignore_index=True)
