"""Section 06: responses outside China: production, company output, the US price floor, EU benchmarks."""

from __future__ import annotations

import pandas as pd

from .. import units
from ..robustness import Reading


class ItemError(LookupError):
    """No row, or several, match the item asked for."""


def topic(responses: pd.DataFrame, words: str) -> pd.DataFrame:
    """The rows of the topics whose name contains `words`, for display."""
    rows = responses[responses["topic"].str.contains(words, case=False, regex=False)]
    return rows[
        ["topic", "item", "value_as_printed", "unit_as_printed", "as_of", "verification", "source_id"]
    ].reset_index(drop=True)


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
    return pd.DataFrame(
        [
            {
                "benchmark_max_pct": benchmark_pct,
                "stated_dependence_pct": dependence_pct,
                "excess_points": dependence_pct - benchmark_pct,
            }
        ]
    )


def check_claims(
    usgs: pd.DataFrame, moves: pd.DataFrame, usd: pd.DataFrame, rates: pd.DataFrame, article_date: str, notebook: str
) -> list:
    """Every section-06 claim checked: US and Vietnamese output and shares (USGS editions as readings), the MP floor and China's price, Lynas, the EU and Japan."""
    from .. import claims
    from . import prices, shares

    c = claims.claimed
    now, latest = shares.edition_current_at(usgs, article_date), shares.latest_edition(usgs)
    fig = lambda country, year, ed, share=False: shares.country_figure(usgs, country, year, ed, share)  # noqa: E731
    mp = item(moves, "MP Materials REO in concentrate, 2024")
    floor = item(moves, "NdPr price floor")
    floor_date = pd.Timestamp(str(floor["as_of"])[:10])
    rate, rate_date, _ = prices.nearest_rate(rates, floor_date)
    late_rate, late_date, _ = prices.nearest_rate(rates, article_date)
    ndpr = usd[(usd["element"] == "NdPr") & (usd["market"] == "china_domestic") & (usd["product"] == "oxide")]
    before = ndpr[ndpr["date"] <= pd.Timestamp(article_date)]
    near = lambda d: ndpr.loc[(ndpr["date"] - d).abs().idxmin()]  # noqa: E731
    at_floor, at_article = near(floor_date), before.sort_values("date").iloc[-1]
    per_kg = lambda r: units.price(r["mid"], r["unit"], "CNY/kg")  # noqa: E731
    lynas = item(moves, "Lynas first Dy and Tb oxide production")
    twin = lambda cid: claims.lookalikes(  # noqa: E731
        c(cid), usgs[(usgs["measure"] == "mine_production") & (usgs["year"] == 2024)], ["edition", "country", "year"]
    )
    same = twin("C06-10")
    lookalike = "; ".join(f"{r.country} {r.year} in {r.edition}: {r.value:,.0f} t" for r in same.itertuples()) or "none"
    none = "no source we could read reports it"
    # a "restart" in response to 2025's measures: contradicted if the mine was already producing in 2024
    restarted = False if mp["value"] > 0 else None
    # "first outside China": only a source sentence that says both decides it (Lynas's own first is not enough)
    lynas_first = True if claims.states(str(lynas["quote"]), "first", ("outside china", "outside of china")) else None
    dod_mp = (
        True
        if claims.states(str(floor["quote"]), ("DoD", "Department of Defense"), "MP Materials", "agreement")
        else None
    )
    return [
        claims.attribution(
            "C06-01",
            restarted,
            f"Mountain Pass was producing before China's 2025 measures: {mp['item']} {mp['value']:,.0f} t ({mp['source_id']})",
            notebook,
            readings=[Reading("a restart at some earlier time (no dated restart in the data)", None)],
        ),
        claims.check(
            "C06-02",
            fig("United States", 2024, now),
            f"US mine production 2024 in {now}, the edition current at the article's date (an estimate of output, not an aim)",
            notebook,
            readings=[
                Reading(f"US 2024 in {latest}", fig("United States", 2024, latest)),
                Reading(f"MP Materials' own 2024 figure ({mp['source_id']})", mp["value"]),
            ],
        ),
        claims.check(
            "C06-03",
            fig("United States", 2024, now, True),
            f"US share of the world total, 2024, in {now}",
            notebook,
            readings=[Reading(f"in {latest}", fig("United States", 2024, latest, True))],
        ),
        claims.attribution(
            "C06-04",
            None,
            "China's output is mined by state groups whose separate output no source we could read gives; MP's is in the data",
            notebook,
        ),
        claims.check(
            "C06-05",
            floor["value"],
            f"{floor['item']}: {floor['quote']} ({floor['source_id']})",
            notebook,
            readings=[
                Reading(f"the floor as {r['source_id']} reports it ({r['date'].date()})", r["mid_usd_kg"])
                for _, r in usd[usd["market"] == "us_floor"].iterrows()
            ],
        ),
        claims.check(
            "C06-06",
            units.price(c("C06-05"), "USD/kg", "CNY/kg", rate),
            f"the article's {c('C06-05'):,.0f} USD/kg at {rate:.4f} CNY/USD ({rate_date.date()}, the parity nearest the floor's announcement)",
            notebook,
            readings=[
                Reading(
                    f"at the parity nearest the article's date ({late_date.date()})",
                    units.price(c("C06-05"), "USD/kg", "CNY/kg", late_rate),
                )
            ],
        ),
        claims.check(
            "C06-07",
            per_kg(at_floor),
            f"SMM China NdPr oxide on {at_floor['date'].date()}, nearest the floor's announcement ({at_floor['low']:,.0f}-{at_floor['high']:,.0f} CNY/t; {at_floor['source_id']})",
            notebook,
            readings=[
                Reading(f"latest quote before the article ({at_article['date'].date()})", per_kg(at_article)),
                Reading("highest quote before the article", float(before["high"].max()) / 1000),
            ],
        ),
        claims.attribution(
            "C06-08",
            lynas_first,
            f'{"" if lynas_first else "the source reports Lynas’s first commercial heavy rare-earth oxides, not that it was the first outside China: "}{lynas["item"]} ({lynas["as_of"]}; {lynas["source_id"]}): "{lynas["quote"]}"',
            notebook,
        ),
        claims.check(
            "C06-09",
            fig("Australia", 2024, now, True),
            f"Australia's share of world mine production, 2024, in {now}: an upper bound for Lynas's share of mine supply",
            notebook,
            readings=[
                Reading(f"2024 in {latest}", fig("Australia", 2024, latest, True)),
                Reading(f"2025 in {latest}", fig("Australia", 2025, latest, True)),
            ],
        ),
        claims.check(
            "C06-10",
            fig("Vietnam", 2024, now),
            f"Vietnam's mine production 2024 in {now}; the USGS 2024 figures within 2% of the claim: {lookalike}",
            notebook,
            readings=[Reading(f"in {latest}", fig("Vietnam", 2024, latest))],
        ),
        claims.check(
            "C06-11",
            fig("Vietnam", 2024, now, True),
            f"Vietnam's share of the world total, 2024, in {now}",
            notebook,
            arithmetic=(
                c("C06-10") / fig("World", 2024, now) * 100,
                f"{c('C06-10'):,.0f} t / the {now} world total x 100",
            ),
            readings=[Reading(f"in {latest}", fig("Vietnam", 2024, latest, True))],
        ),
        claims.check("C06-12", None, none, notebook),
        claims.check(
            "C06-13", None, none + " (no 'European Rare Earth Alliance' plan with an output figure was found)", notebook
        ),
        claims.check("C06-14", None, none, notebook),
        claims.attribution("C06-15", dod_mp, f"{floor['topic']}: {floor['quote']} ({floor['source_id']})", notebook),
    ]
