"""Section 01: China's monthly rare-earth exports: series, changes, annual totals, unit values."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .. import units

DATASET = "china_exports_monthly"
SERIES_LABELS = {
    "rare_earths": "Rare earths (GACC preliminary aggregate)",
    "rare_earth_products_bloomberg": "Rare earth products (Bloomberg calculation)",
    "rare_earth_magnets": "Rare-earth permanent magnets (HS 8505.11)",
}


@dataclass(frozen=True)
class Change:
    """A change between two months of one series, with a sentence saying what it rests on."""

    old: float
    new: float
    pct: float
    direction: float
    basis: str


def monthly(
    frame: pd.DataFrame,
    series: str = "rare_earths",
    measure: str = "volume",
    partner: str = "World",
    unit: str | None = None,
) -> pd.Series:
    """One series as a Series indexed by month (PeriodIndex), without gaps filled."""
    rows = frame[(frame["series"] == series) & (frame["measure"] == measure) & (frame["partner"] == partner)]
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    if rows["unit"].nunique() > 1:
        raise ValueError(f"{series}/{measure}/{partner} mixes units {sorted(rows['unit'].unique())}: pass unit=")
    out = pd.Series(rows["value"].to_numpy(), index=pd.PeriodIndex(rows["month"], freq="M"), name=f"{series}:{measure}")
    return out.sort_index()


def window(series: pd.Series, start: str, end: str) -> pd.Series:
    """The part of a monthly series between two months (inclusive); error if the window is empty or reversed."""
    lo, hi = pd.Period(start, "M"), pd.Period(end, "M")
    if lo > hi:
        raise ValueError(f"start month {start} is after end month {end}")
    return series[(series.index >= lo) & (series.index <= hi)]


def with_changes(series: pd.Series) -> pd.DataFrame:
    """Month-on-month and year-on-year % changes, computed only where the earlier month is reported."""
    frame = series.to_frame("value")
    prev = series.reindex(series.index - 1).to_numpy()
    year_ago = series.reindex(series.index - 12).to_numpy()
    frame["mom_pct"] = [units.pct_change(n, o) for n, o in zip(series.to_numpy(), prev)]
    frame["yoy_pct"] = [units.pct_change(n, o) for n, o in zip(series.to_numpy(), year_ago)]
    frame.index.name = "month"
    return frame


def change(series: pd.Series, old_month: str, new_month: str, what: str) -> Change:
    """The change of a series between two months; NaN (with the reason) when either is not sourced."""
    old, new = (_value_at(series, m) for m in (old_month, new_month))
    missing = [m for m, v in ((old_month, old), (new_month, new)) if math.isnan(v)]
    if missing:
        basis = f"{what}: no sourced figure for {', '.join(missing)} in data/{DATASET}.csv"
        return Change(old, new, math.nan, math.nan, basis)
    pct = units.pct_change(new, old)
    basis = f"{what}: {new_month} {new:,.1f} vs {old_month} {old:,.1f} ({pct:+.2f}%)"
    return Change(old, new, pct, math.copysign(1.0, pct) if pct else 0.0, basis)


def span_change(series: pd.Series, start: str, end: str, what: str, years_back: int = 1) -> Change:
    """Total of the months start..end against the same months `years_back` earlier; NaN if any month is missing."""
    months = pd.period_range(start, end, freq="M")
    earlier = months - 12 * years_back
    missing = [str(m) for m in [*earlier, *months] if m not in series.index]
    label = f"{start}..{end} vs {earlier[0]}..{earlier[-1]}"
    if missing:
        return Change(
            math.nan, math.nan, math.nan, math.nan, f"{what}, {label}: no sourced figure for {', '.join(missing)}"
        )
    old, new = float(series[earlier].sum()), float(series[months].sum())
    pct = units.pct_change(new, old)
    return Change(
        old,
        new,
        pct,
        math.copysign(1.0, pct) if pct else 0.0,
        f"{what}, {label}: {new:,.1f} vs {old:,.1f} ({pct:+.2f}%)",
    )


def _value_at(series: pd.Series, month: str) -> float:
    """The value for one month, or NaN if it is not in the data."""
    period = pd.Period(month, "M")
    return float(series[period]) if period in series.index else math.nan


def level(series: pd.Series, month: str, what: str) -> tuple[float, str]:
    """The value of a series in one month and a sentence on what it rests on (NaN if not sourced)."""
    value = _value_at(series, month)
    if math.isnan(value):
        return value, f"{what}: no sourced figure for {month} in data/{DATASET}.csv"
    return value, f"{what}: {month} {value:,.0f}"


def annual_totals(frame: pd.DataFrame, series: str = "rare_earths", partner: str = "World") -> pd.DataFrame:
    """Per year: months covered, sum of reported months, and the reported full-year total, side by side."""
    months = monthly(frame, series, "volume", partner)
    ytd = monthly(frame, series, "volume_ytd", partner)
    years = sorted({p.year for p in months.index} | {p.year for p in ytd.index})
    rows = []
    for year in years:
        in_year = months[[p.year == year for p in months.index]]
        jan_feb = _value_at(ytd, f"{year}-02")
        covered = len(in_year) + (2 if not math.isnan(jan_feb) and not {1, 2} & {p.month for p in in_year.index} else 0)
        total = in_year.sum() + (0.0 if math.isnan(jan_feb) else jan_feb)
        reported = _value_at(ytd, f"{year}-12")
        rows.append(
            {
                "year": year,
                "months_covered": covered,
                "sum_of_reported_months_t": total if covered == 12 else math.nan,
                "reported_annual_total_t": reported,
                "difference_t": total - reported if covered == 12 and not math.isnan(reported) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def unit_values(frame: pd.DataFrame, series: str = "rare_earths", partner: str = "World") -> pd.DataFrame:
    """Export unit value (currency per tonne) wherever a value and a volume cover the same period."""
    rows = []
    for value_measure, volume_measure, period_kind in (
        ("value", "volume", "month"),
        ("value_ytd", "volume_ytd", "January to month"),
    ):
        values = frame[
            (frame["series"] == series) & (frame["partner"] == partner) & (frame["measure"] == value_measure)
        ]
        volumes = monthly(frame, series, volume_measure, partner)
        for _, v in values.iterrows():
            tonnes = _value_at(volumes, v["month"])
            if math.isnan(tonnes):
                continue
            rows.append(
                {
                    "period": v["month"] if period_kind == "month" else f"{v['month'][:4]}-01..{v['month']}",
                    "value": v["value"],
                    "currency": v["unit"],
                    "volume_t": tonnes,
                    "unit_value_per_t": units.unit_value(v["value"], tonnes),
                    "source_id": v["source_id"],
                }
            )
    return pd.DataFrame(rows, columns=["period", "value", "currency", "volume_t", "unit_value_per_t", "source_id"])


def long_for_plot(series_by_label: dict[str, pd.Series]) -> pd.DataFrame:
    """Tidy frame (month as timestamp, series label, value) for seaborn; unreported months stay absent."""
    parts = [
        pd.DataFrame({"month": s.index.to_timestamp(), "series": label, "value": s.to_numpy()})
        for label, s in series_by_label.items()
    ]
    return pd.concat(parts, ignore_index=True)


def previous_month(month: str) -> str:
    """The month before an ISO YYYY-MM month."""
    return str(pd.Period(month, "M") - 1)
