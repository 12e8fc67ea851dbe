"""Section 03's other reading of China's dysprosium and terbium figures: as metal prices, not the oxide Europe's are.

A metal reading is decided only by a China domestic metal quote within NEAR_DAYS of the comparison; otherwise the
reason says it was not checked and names the nearest quotes on either side.
"""

from __future__ import annotations

import pandas as pd

from . import prices

NEAR_DAYS = 14
"""A Chinese quote more than two weeks from the date of the comparison decides no reading (as in `prices.premiums`)."""


def near(usd: pd.DataFrame, element: str, product: str, date: str) -> pd.Series | None:
    """The China domestic quote of an element and product nearest a date, if within NEAR_DAYS (else None)."""
    try:
        row, days = prices._nearest_china(usd, element, product, pd.Timestamp(date))
    except prices.QuoteError:
        return None
    return row if days <= NEAR_DAYS else None


def who() -> dict[str, str]:
    """source_id -> the publisher's short name ('SMM', 'CCMN'), from data/sources.csv."""
    from .. import data, reasons

    table = data.sources()
    return {s: reasons.short(p) for s, p in zip(table["source_id"], table["publisher"])}


def metal_note(element: str, metal: pd.Series | None, usd: pd.DataFrame, date: str, said: float) -> str:
    """What the metal reading of a Chinese figure rests on, in words: the quote checked, or the nearest ones not used."""
    names = who()
    name = {"Dy": "dysprosium", "Tb": "terbium"}[element]
    at = lambda r: f"{r['mid'] / 1e6:.2f} million on {r['date']:%-d %B %Y} ({names.get(r['source_id'], '')})"  # noqa: E731
    if metal is not None:
        gap = (said / metal["mid"] - 1) * 100
        return (
            f"Read as {name} metal, the other reading, it is checked against China's {name} metal price: "
            f"{at(metal)}, which the article's figure is {abs(gap):.1f}% {'above' if gap > 0 else 'below'}; "
            f"Europe's price is for the oxide, so the sentence sets metal against oxide."
        )
    rows = usd[(usd["element"] == element) & (usd["market"] == "china_domestic") & (usd["product"] == "metal")]
    day = pd.Timestamp(date)
    sides = [rows[rows["date"] < day].sort_values("date").tail(1), rows[rows["date"] > day].sort_values("date").head(1)]
    seen = " and ".join(
        f"{names.get(r['source_id'], '')}'s {r['mid'] / 1e6:.2f} million on {r['date']:%-d %B %Y}"
        for s in sides
        for _, r in s.iterrows()
    )
    return (
        f"Read as {name} metal, the other reading, it is not checked: no {name} metal quote within two weeks of "
        f"the comparison was found{f'; the nearest are {seen}' if seen else ''}."
    )


def metal_around(usd: pd.DataFrame, element: str, date: str) -> str:
    """The metal quotes nearest a date on either side, for the ledger ('' when there are none)."""
    rows = usd[(usd["element"] == element) & (usd["market"] == "china_domestic") & (usd["product"] == "metal")]
    day, names = pd.Timestamp(date), who()
    close = pd.concat([rows[rows["date"] < day].nlargest(1, "date"), rows[rows["date"] > day].nsmallest(1, "date")])
    return "; ".join(
        f"{names.get(r['source_id'], '')} {r['date'].date()} {r['mid']:,.0f} CNY/t" for _, r in close.iterrows()
    )
