"""Section 06: responses outside China: production, company output, the US price floor, EU benchmarks."""

from __future__ import annotations

import pandas as pd


class ItemError(LookupError):
    """No row, or several, match the item asked for."""


def topic(responses: pd.DataFrame, words: str) -> pd.DataFrame:
    """The rows of the topics whose name contains `words`, for display."""
    rows = responses[responses["topic"].str.contains(words, case=False, regex=False)]
    return rows[["topic", "item", "value_as_printed", "unit_as_printed", "as_of", "verification", "source_id"]].reset_index(drop=True)


def item(responses: pd.DataFrame, words: str) -> pd.Series:
    """The one row whose item starts with `words` (case-insensitive)."""
    rows = responses[responses["item"].str.lower().str.startswith(words.lower())]
    if len(rows) != 1:
        raise ItemError(f"{len(rows)} rows of country_responses.csv have an item starting with {words!r}")
    return rows.iloc[0]


def revisions(usgs: pd.DataFrame, year: int, old: str = "MCS 2025", new: str = "MCS 2026") -> pd.DataFrame:
    """Mine production of one data year as two USGS editions print it, and the change between them."""
    rows = usgs[(usgs["measure"] == "mine_production") & (usgs["year"] == year) & usgs["edition"].isin([old, new])]
    table = rows.pivot(index="country", columns="edition", values="value")[[old, new]]
    table["change_t"] = table[new] - table[old]
    return table[table["change_t"] != 0].sort_values("change_t")


def benchmark_gap(benchmark_pct: float, dependence_pct: float) -> pd.DataFrame:
    """How far a stated import dependence is above a maximum-dependence benchmark (percentage points)."""
    return pd.DataFrame([{"benchmark_max_pct": benchmark_pct, "stated_dependence_pct": dependence_pct,
                          "excess_points": dependence_pct - benchmark_pct}])
