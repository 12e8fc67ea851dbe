"""Sections 04 and 06: who produces rare earths, China's share of each stage, and concentration.

Production and reserves come from USGS Mineral Commodity Summaries. Each data year is taken from
the newest edition that prints it (editions revise earlier years), and the edition is kept.
Shares are of the printed world total; the rows "World" and "Other" are not countries.
"""

from __future__ import annotations

import math

import pandas as pd

NOT_COUNTRIES = ("World", "Other")


class ShareError(ValueError):
    """Shares that cannot be right (e.g. summing to more than 100% of the world)."""


def latest_editions(usgs: pd.DataFrame, measure: str = "mine_production") -> pd.DataFrame:
    """For each country and data year, the figure of the newest edition (or revision) that prints it."""
    rows = usgs[usgs["measure"] == measure].sort_values("edition")
    return rows.drop_duplicates(["country", "year"], keep="last")


def by_country(usgs: pd.DataFrame, measure: str = "mine_production") -> pd.DataFrame:
    """Country x year table of one measure (tonnes REO), world total last; newest edition per year."""
    rows = latest_editions(usgs, measure)
    table = rows.pivot(index="country", columns="year", values="value")
    order = [c for c in table.index if c not in NOT_COUNTRIES] + [c for c in NOT_COUNTRIES if c in table.index]
    return table.loc[order]


def rounding_unit(total: float) -> float:
    """The unit USGS rounds a world total to (two significant figures: 380,000 -> 10,000)."""
    return 10 ** (math.floor(math.log10(total)) - 1) if total > 0 else 0.0


def check_total(table: pd.DataFrame) -> pd.DataFrame:
    """Printed world total against the sum of the listed rows, per year; ShareError beyond rounding."""
    listed = table.drop(index="World").sum()
    world = table.loc["World"]
    out = pd.DataFrame(
        {
            "printed_world": world,
            "sum_of_rows": listed,
            "difference": listed - world,
            "rounding_unit": world.map(rounding_unit),
        }
    )
    bad = out[out["difference"].abs() > out["rounding_unit"]]
    if not bad.empty:
        raise ShareError(
            f"listed production differs from the printed world total by more than its rounding in {list(bad.index)}: {bad['difference'].to_dict()}"
        )
    return out


def shares(table: pd.DataFrame, denominator: str = "printed") -> pd.DataFrame:
    """Each row's % of world production per year: of the printed world total, or of the sum of rows.

    The printed total is rounded, so shares of it may add up to slightly more than 100%;
    check_total() guards that the gap stays within the rounding.
    """
    check_total(table)
    rows = table.drop(index="World")
    world = table.loc["World"] if denominator == "printed" else rows.sum()
    if denominator not in ("printed", "sum"):
        raise ValueError(f"denominator must be 'printed' or 'sum', not {denominator!r}")
    return rows.div(world, axis=1) * 100


def hhi(share_table: pd.DataFrame) -> pd.Series:
    """Herfindahl-Hirschman index per year (sum of squared % shares, 0-10,000), countries only.

    'Other countries' is left out (its split is unknown), so the index is a lower bound.
    """
    countries = share_table.drop(index=[c for c in NOT_COUNTRIES if c in share_table.index])
    return (countries**2).sum().rename("hhi")


def top_share(share_table: pd.DataFrame, country: str = "China") -> pd.Series:
    """One country's % share per year."""
    return share_table.loc[country].rename(f"{country} share, %")


def global_statements(stages: pd.DataFrame, projections: bool = False) -> pd.DataFrame:
    """Statements of China's share of a world total (not, e.g., of EU imports); projections optional."""
    rows = stages[~stages["scope"].str.contains("import dependence", case=False)]
    return rows if projections else rows[~rows["projection"]]


def stage_summary(stages: pd.DataFrame) -> pd.DataFrame:
    """China's stated share per stage: each publisher's figure, newest data year first, projections apart."""
    cols = ["stage", "year", "projection", "value", "qualifier", "scope", "verification", "source_id"]
    return stages.sort_values(["stage", "projection", "year"], ascending=[True, True, False], na_position="last")[
        cols
    ].reset_index(drop=True)


def stage_range(stages: pd.DataFrame) -> pd.DataFrame:
    """Per stage: lowest and highest stated share (non-projection figures), and how many statements."""
    return global_statements(stages).groupby("stage")["value"].agg(low="min", high="max", statements="count")


def hhi_lower_bound(share_pct: float) -> float:
    """Lowest possible HHI when one producer holds share_pct % (the rest spread over many small producers): share squared."""
    return share_pct**2


def outside_china(table: pd.DataFrame) -> pd.DataFrame:
    """Production of every country except China, largest in the last year first."""
    rest = table.drop(index=[c for c in ("China", "World") if c in table.index])
    return rest.sort_values(rest.columns[-1], ascending=False)


def company_cross_check(usgs: pd.DataFrame, company: float, country: str, year: int, what: str) -> pd.DataFrame:
    """A company's reported output beside the USGS figure for its country and year (every edition)."""
    rows = usgs[(usgs["country"] == country) & (usgs["year"] == year) & (usgs["measure"] == "mine_production")]
    return pd.DataFrame(
        {
            "edition": rows["edition"],
            "usgs_t": rows["value"],
            "estimated": rows["estimated"],
            "company": what,
            "company_t": company,
            "company_share_of_country_pct": company / rows["value"] * 100,
        }
    ).reset_index(drop=True)


def edition_current_at(usgs: pd.DataFrame, date: str) -> str:
    """The USGS Mineral Commodity Summaries edition current on a date ('MCS YYYY' appears early in year YYYY)."""
    editions = sorted(
        {e for e in usgs["edition"] if e.split()[-1].isdigit() and int(e.split()[-1]) <= pd.Timestamp(date).year}
    )
    if not editions:
        raise ShareError(f"no USGS edition in the data was out by {date}")
    return editions[-1]


def latest_edition(usgs: pd.DataFrame, measure: str = "mine_production") -> str:
    """The newest USGS edition that prints a measure."""
    return sorted(set(usgs.loc[usgs["measure"] == measure, "edition"]))[-1]


def country_figure(usgs: pd.DataFrame, country: str, year: int, edition: str, share: bool = False) -> float:
    """A country's mine production in one year as one edition prints it (tonnes), or its % of that edition's world total."""
    rows = usgs[
        (usgs["measure"] == "mine_production") & (usgs["year"] == year) & (usgs["edition"] == edition)
    ].set_index("country")["value"]
    if country not in rows.index:
        return math.nan
    return float(rows[country] / rows["World"] * 100) if share else float(rows[country])
