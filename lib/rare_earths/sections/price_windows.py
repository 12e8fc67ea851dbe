"""Section 03's undated Chinese prices, judged against the range of China's quotes around the comparison date.

The article names no day for its China prices ("2.03 million", "8.79 million"); Europe's are Argus's of 6 May 2025.
One day's quote would be false precision when the price moves by several percent within those weeks, so a figure is
consistent with a series when, at its own rounding (the claim's tolerance), it lies within the range of that series'
China domestic quotes within WINDOW_DAYS of the comparison date (lowest low to highest high). The value checked is
the point of that range nearest the article's figure; a ratio is judged the same way over the same quotes. A series
with no quote in the window decides nothing. Oxide (Europe's product: the main reading) and metal (what the figures
resemble: another reading) stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

WINDOW_DAYS = 14
"""Quotes within two weeks either side of the comparison date count (as `claims.NEAR_DAYS` and `prices.premiums`)."""

PRODUCT_WORDS = {"oxide": "oxide", "metal": "metal", "alloy": "Dy-Fe alloy"}
ELEMENT_WORDS = {"Dy": "dysprosium", "Tb": "terbium"}


@dataclass(frozen=True)
class Span:
    """The China domestic quotes of one element and product within the window: their range, dates and sources."""

    element: str
    product: str
    low: float
    high: float
    first: pd.Timestamp
    last: pd.Timestamp
    count: int
    sources: tuple[str, ...]
    dates: tuple[pd.Timestamp, ...]

    @property
    def period(self) -> str:
        """The dates of the first and last quote, as an ISO interval (one date when they coincide)."""
        a, b = self.first.date().isoformat(), self.last.date().isoformat()
        return a if a == b else f"{a}/{b}"

    def nearest(self, figure: float) -> float:
        """The point of the range nearest a figure: the figure itself when the range includes it."""
        return min(max(float(figure), self.low), self.high)

    @property
    def what(self) -> str:
        """'terbium metal', 'dysprosium Dy-Fe alloy'."""
        return f"{ELEMENT_WORDS.get(self.element, self.element)} {PRODUCT_WORDS.get(self.product, self.product)}"


def span(usd: pd.DataFrame, element: str, product: str, date: str, days: int = WINDOW_DAYS) -> Span | None:
    """The China domestic quotes of an element and product within `days` of a date, or None when there are none."""
    day = pd.Timestamp(date)
    rows = usd[
        (usd["element"] == element)
        & (usd["market"] == "china_domestic")
        & (usd["product"] == product)
        & ((usd["date"] - day).abs() <= pd.Timedelta(days=days))
    ].sort_values("date")
    if rows.empty:
        return None
    return Span(
        element=element,
        product=product,
        low=float(rows["low"].min()),
        high=float(rows["high"].max()),
        first=rows["date"].min(),
        last=rows["date"].max(),
        count=len(rows),
        sources=tuple(dict.fromkeys(str(s) for s in rows["source_id"])),
        dates=tuple(dict.fromkeys(rows["date"])),
    )


def ratio_range(europe_cny: float, s: Span) -> tuple[float, float]:
    """A European price (CNY/t) over the window's Chinese quotes: from over the highest high to over the lowest low."""
    return europe_cny / s.high, europe_cny / s.low


def who() -> dict[str, str]:
    """source_id -> the publisher's short name ('SMM', 'CCMN'), from data/sources.csv."""
    from .. import data, reasons

    table = data.sources()
    return {s: reasons.short(p) for s, p in zip(table["source_id"], table["publisher"])}


def _day(t: pd.Timestamp) -> str:
    """'13 May 2025'."""
    return f"{t:%-d %B %Y}"


def _names(s: Span, names: dict[str, str]) -> str:
    """The publishers of a span's quotes: 'SMM', 'SMM and CCMN'."""
    found = list(dict.fromkeys(names.get(i, "") for i in s.sources if names.get(i)))
    return " and ".join(found) or "the sourced data"


def describe(s: Span, names: dict[str, str]) -> str:
    """A span in words: "SMM's 14 terbium metal quotes from 22 April 2025 to 19 May 2025 run from 8.35 to 8.98 million …"."""
    who_ = _names(s, names)
    if s.low == s.high:
        days = " and ".join(_day(d) for d in s.dates)
        each = "all " if s.count > 2 else "both " if s.count == 2 else ""
        verb = "are" if s.count > 1 else "is"
        return f"{who_}'s {s.what} {'quotes' if s.count > 1 else 'quote'} of {days} {verb} {each}{s.low / 1e6:.2f} million yuan a tonne"
    return (
        f"{who_}'s {s.count} {s.what} quotes from {_day(s.first)} to {_day(s.last)} run from "
        f"{s.low / 1e6:.2f} to {s.high / 1e6:.2f} million yuan a tonne"
    )


def _times(low: float, high: float) -> str:
    """'2.41 to 2.59 times', or '2.94 times' when the two round alike."""
    return f"{low:.2f} times" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f} to {high:.2f} times"


def against(figure: float, s: Span, tolerance: float) -> str:
    """Where an article's figure lies against a span, in words ('the article's figure is 2.5% below the lowest')."""
    if s.low - tolerance <= figure <= s.high + tolerance:
        return "the article's figure lies within that range at its rounding"
    if figure < s.low:
        return f"the article's figure is {abs(figure / s.low - 1) * 100:.1f}% below the lowest"
    return f"the article's figure is {abs(figure / s.high - 1) * 100:.1f}% above the highest"


def level_note(figure: float, main: Span, other: Span | None, other_name: str, tolerance: float) -> str:
    """The reason's clause for a level: the main series' range, then the other reading checked or not, with why."""
    names = who()
    text = f"{describe(main, names)}: {against(figure, main, tolerance)}."
    if other is None:
        return (
            f"{text} Read as {other_name}, the other reading, it is not checked: no {other_name} quote within two "
            f"weeks of the comparison was found."
        )
    return (
        f"{text} Read as {other.what}, the other reading, it is checked: {describe(other, names)}: "
        f"{against(figure, other, tolerance)}; Europe's price is for the oxide."
    )


def ratio_note(
    europe_cny: float, main: Span, other: Span | None, other_name: str, said: float, tolerance: float
) -> str:
    """The reason's clause for a ratio: how it ranges over the window against each series, judged at the tolerance."""
    lo, hi = ratio_range(europe_cny, main)
    text = f"Over China's quotes of {_day(main.first)} to {_day(main.last)} it comes to {_times(lo, hi)} against {main.what}"
    if other is None:
        return f"{text}; against {other_name}, the other reading, it is not checked (no quote within two weeks)."
    olo, ohi = ratio_range(europe_cny, other)
    holds = olo - tolerance <= said <= ohi + tolerance
    return (
        f"{text}, and {_times(olo, ohi)} against {other.what} ({_day(other.first)} to {_day(other.last)}), the other "
        + (
            "reading, which agrees with the article's: the article sets Europe's oxide against China's metal."
            if holds
            else "reading, which does not agree with the article's either."
        )
    )
