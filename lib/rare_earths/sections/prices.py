"""Rare-earth price quotes: ranges, changes between two quotes, currency conversion, premiums.

A quote in data/prices.csv is a printed range (low, high; equal for a single price). Where one
number is needed, this module uses the midpoint of the range and says so (`mid`), and it also
carries the widest and narrowest readings of the range, so a reader sees how much hangs on it.
Currency conversions go through units.price with a sourced CNY/USD rate (data/exchange_rates.csv)
unless a rate is given explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import units

MARKET_LABELS = {
    "europe": "Europe",
    "china_domestic": "China, domestic (SMM)",
    "china_fob": "China, FOB export",
    "china_reference": "China price as cited",
    "us_floor": "US floor (MP-DoD)",
    "mp_realized": "MP Materials realized",
    "global_weighted": "Global, volume-weighted",
}
ELEMENT_NAMES = {"Dy": "dysprosium", "Tb": "terbium", "NdPr": "NdPr"}
# The two Argus assessments of European Dy and Tb oxide that bracket the April-May 2025 move (data/prices.csv).
EUROPE_WINDOW = ("2025-04-01", "2025-05-06")


class QuoteError(LookupError):
    """No quote, or more than one, matches what was asked for."""


@dataclass(frozen=True)
class PriceChange:
    """A change between two dated price quotes, on the midpoints and on the range's extremes."""

    start: str
    end: str
    old_mid: float
    new_mid: float
    pct_mid: float
    pct_low: float  # narrowest reading: old high -> new low
    pct_high: float  # widest reading: old low -> new high
    weeks: float
    unit: str
    basis: str

    @property
    def direction(self) -> int:
        """+1 up, -1 down, 0 flat (on the midpoints)."""
        return int(self.pct_mid > 0) - int(self.pct_mid < 0)


def with_midpoints(quotes: pd.DataFrame) -> pd.DataFrame:
    """Add `mid` (midpoint of the printed range) and `is_range` columns."""
    out = quotes.copy()
    out["mid"] = (out["low"] + out["high"]) / 2.0
    out["is_range"] = out["low"] != out["high"]
    return out


def select(
    quotes: pd.DataFrame,
    element: str,
    market: str,
    product: str | None = None,
    date: str | None = None,
    assessment: str | None = None,
) -> pd.DataFrame:
    """Quotes of one element and market, optionally one product, date, and assessment (substring)."""
    rows = quotes[(quotes["element"] == element) & (quotes["market"] == market)]
    if product is not None:
        rows = rows[rows["product"] == product]
    if date is not None:
        rows = rows[rows["date"] == pd.Timestamp(date)]
    if assessment is not None:
        rows = rows[rows["assessment"].str.contains(assessment, regex=False)]
    return rows


def one(
    quotes: pd.DataFrame,
    element: str,
    market: str,
    date: str,
    product: str | None = None,
    assessment: str | None = None,
) -> pd.Series:
    """Exactly one quote, or a QuoteError saying what matched."""
    rows = select(quotes, element, market, product, date, assessment)
    if len(rows) != 1:
        what = f"{element} {product or 'any product'} in {market} on {date}" + (
            f" ({assessment})" if assessment else ""
        )
        if rows.empty:
            dates = sorted(
                select(quotes, element, market, product, None, assessment)["date"].dt.strftime("%Y-%m-%d").unique()
            )
            raise QuoteError(f"0 quotes match {what}; dates with a quote: {', '.join(dates) or 'none'}")
        raise QuoteError(f"{len(rows)} quotes match {what}; narrow it with product= or assessment=")
    return rows.iloc[0]


def change(
    quotes: pd.DataFrame,
    element: str,
    market: str,
    start: str,
    end: str,
    product: str | None = None,
    assessment: str | None = None,
) -> PriceChange:
    """Price change between two quotes of the same element, market and unit."""
    old = one(quotes, element, market, start, product, assessment)
    new = one(quotes, element, market, end, product, assessment)
    if old["unit"] != new["unit"]:
        raise units.UnitError(f"quotes of {start} and {end} are in different units ({old['unit']}, {new['unit']})")
    old_mid, new_mid = (old["low"] + old["high"]) / 2, (new["low"] + new["high"]) / 2
    basis = (
        f"{ELEMENT_NAMES[element]} {new['product']}, {MARKET_LABELS[market]}: {start} "
        f"{_range(old)} -> {end} {_range(new)} {new['unit']} ({new['source_id']})"
    )
    return PriceChange(
        start=start,
        end=end,
        old_mid=old_mid,
        new_mid=new_mid,
        pct_mid=units.pct_change(new_mid, old_mid),
        pct_low=units.pct_change(new["low"], old["high"]),
        pct_high=units.pct_change(new["high"], old["low"]),
        weeks=(pd.Timestamp(end) - pd.Timestamp(start)).days / 7.0,
        unit=str(new["unit"]),
        basis=basis,
    )


def _range(row: pd.Series) -> str:
    """A quote's printed range as text ('700-1,000' or '850')."""
    return f"{row['low']:,.6g}" if row["low"] == row["high"] else f"{row['low']:,.6g}-{row['high']:,.6g}"


def nearest_rate(rates: pd.DataFrame, date: str | pd.Timestamp) -> tuple[float, pd.Timestamp, int]:
    """The sourced CNY-per-USD rate closest in time to `date`: (rate, its date, days apart)."""
    if rates.empty:
        raise QuoteError("no exchange rates to choose from")
    gaps = (rates["date"] - pd.Timestamp(date)).abs()
    row = rates.loc[gaps.idxmin()]
    return float(row["rate"]), row["date"], int(gaps.min().days)


def in_usd_per_kg(quotes: pd.DataFrame, rates: pd.DataFrame, rate: float = 0.0) -> pd.DataFrame:
    """Quotes converted to USD/kg (low, high, mid), with the CNY/USD rate used and how far its date is.

    `rate` > 0 fixes one CNY-per-USD rate for every conversion; 0 picks, for each quote, the
    sourced central parity nearest its date.
    """
    out = with_midpoints(quotes)
    used, used_date, gap = [], [], []
    for _, row in out.iterrows():
        if not row["unit"].startswith("CNY"):
            used.append(float("nan")), used_date.append(pd.NaT), gap.append(pd.NA)
        elif rate > 0:
            used.append(rate), used_date.append(pd.NaT), gap.append(pd.NA)
        else:
            r, d, g = nearest_rate(rates, row["date"])
            used.append(r), used_date.append(d), gap.append(g)
    out["cny_per_usd"], out["rate_date"], out["rate_days_apart"] = used, used_date, gap
    for col in ("low", "high", "mid"):
        out[f"{col}_usd_kg"] = [
            units.price(v, u, "USD/kg", None if u.startswith("USD") else 1.0 / r)
            for v, u, r in zip(out[col], out["unit"], out["cny_per_usd"])
        ]
    return out


def changes_table(changes: dict[str, PriceChange]) -> pd.DataFrame:
    """Several price changes as a table, one row per label."""
    return pd.DataFrame([c.__dict__ for c in changes.values()], index=list(changes))


def _nearest_china(usd: pd.DataFrame, element: str, product: str, date: pd.Timestamp) -> tuple[pd.Series, int]:
    """The China domestic quote of an element and product nearest a date, and the days between them."""
    china = usd[(usd["element"] == element) & (usd["market"] == "china_domestic") & (usd["product"] == product)]
    if china.empty:
        raise QuoteError(f"no China domestic {element} {product} quote to compare with")
    gaps = (china["date"] - date).abs()
    return china.loc[gaps.idxmin()], int(gaps.min().days)


def premiums(usd: pd.DataFrame, element: str, product: str = "oxide", max_days: int = 14) -> pd.DataFrame:
    """Each European quote of an element over the China domestic quote nearest in date (same product)."""
    europe = usd[
        (usd["element"] == element) & (usd["market"] == "europe") & (usd["product"].isin([product, "unspecified"]))
    ]
    rows = []
    for _, eu in europe.iterrows():
        cn, days = _nearest_china(usd, element, product, eu["date"])
        rows.append(
            {  # the date, the element and the ratio first: what a reader scrolling the table sideways keeps
                "europe_date": eu["date"].date(),
                "element": element,
                "ratio": eu["mid_usd_kg"] / cn["mid_usd_kg"] if days <= max_days else float("nan"),
                "europe_usd_kg": eu["mid_usd_kg"],
                "china_usd_kg": cn["mid_usd_kg"],
                "china_date": cn["date"].date(),
                "days_apart": days,
                "europe_product": eu["product"],
                "cny_per_usd": cn["cny_per_usd"],
                "europe_source": eu["source_id"],
                "china_source": cn["source_id"],
            }
        )
    return pd.DataFrame(rows)


def annual_history(usgs_prices: pd.DataFrame, products: list[str], edition: str = "MCS 2026") -> pd.DataFrame:
    """Annual average prices (USD/kg) from one USGS edition: one column per product, one row per year."""
    rows = usgs_prices[(usgs_prices["edition"] == edition) & (usgs_prices["product"].isin(products))]
    return rows.pivot(index="year", columns="product", values="value")[products]


def against_china(
    usd: pd.DataFrame, element: str, market: str, date: str, china_product: str = "oxide"
) -> pd.DataFrame:
    """One quote of a market (e.g. the US floor) next to the China domestic quote nearest its date."""
    quote = one(usd, element, market, date)
    cn, _ = _nearest_china(usd, element, china_product, quote["date"])
    return pd.DataFrame(
        [
            {
                "element": element,
                "market": MARKET_LABELS[market],
                "date": quote["date"].date(),
                "usd_kg": quote["mid_usd_kg"],
                "china_date": cn["date"].date(),
                "china_cny_t": f"{cn['low']:,.0f}-{cn['high']:,.0f}",
                "cny_per_usd": cn["cny_per_usd"],
                "rate_date": cn["rate_date"].date() if pd.notna(cn["rate_date"]) else None,
                "china_usd_kg": cn["mid_usd_kg"],
                "ratio": quote["mid_usd_kg"] / cn["mid_usd_kg"],
                "source": quote["source_id"],
                "china_source": cn["source_id"],
            }
        ]
    )
