"""Section 06: responses outside China: production, company output, the US price floor, EU benchmarks."""

from __future__ import annotations

import pandas as pd

from .. import data, units
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
    usgs: pd.DataFrame,
    moves: pd.DataFrame,
    usd: pd.DataFrame,
    rates: pd.DataFrame,
    article_date: str,
    notebook: str,
    quotas: pd.DataFrame | None = None,
) -> list:
    """Every section-06 claim checked: US and Vietnamese output and shares (USGS editions as readings), the MP floor and China's price, Lynas, the EU and Japan."""
    from .. import claims, reasons
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
    # "first outside China": only a source sentence that says both decides it (Lynas's own first is not enough)
    lynas_first = True if claims.states(str(lynas["quote"]), "first", ("outside china", "outside of china")) else None
    dod_mp = (
        True
        if claims.states(str(floor["quote"]), ("DoD", "Department of Defense"), "MP Materials", "agreement")
        else None
    )
    quotas = data.load("china_quotas") if quotas is None else quotas
    mined = quotas[(quotas["quota"] == "mining") & (quotas["batch"] == "total")]
    mined = mined[mined["year"] <= pd.Timestamp(article_date).year - 1]  # the last full year before the article
    year_q = mined.sort_values("year").iloc[-1] if len(mined) else None
    groups = 2  # the quotas are issued to two groups only (policy record E11)
    biggest = None if year_q is None else float(year_q["value"]) / groups  # the larger group holds at least half
    usgs_ids = lambda ed: sorted(set(usgs.loc[usgs["edition"] == ed, "source_id"]))  # noqa: E731
    floor_ids = [str(floor["source_id"])]
    return [
        claims.attribution(
            "C06-01",
            True if mp["value"] > 0 else None,
            f"Mountain Pass was producing before China's 2025 measures: {mp['item']} {mp['value']:,.0f} t ({mp['source_id']})",
            notebook,
            data_date="2024",
            sources=[str(mp["source_id"])],
            finding=f"MP Materials reports that Mountain Pass produced about {reasons.amount(float(mp['value']))} tonnes in 2024, so the mine had been restarted and was running before China's 2025 measures",
            implied=(
                False,
                "there was no urgent restart in response to those measures: the mine was already producing",
            ),
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
            data_date="2024",
            sources=usgs_ids(now),
        ),
        claims.check(
            "C06-03",
            fig("United States", 2024, now, True),
            f"US share of the world total, 2024, in {now}",
            notebook,
            readings=[Reading(f"in {latest}", fig("United States", 2024, latest, True))],
            data_date="2024",
            sources=usgs_ids(now),
            note=f"The later USGS edition gives {fig('United States', 2024, latest, True):.1f}%.",
        ),
        claims.attribution(
            "C06-04",
            None if biggest is None else float(biggest < mp["value"]),
            f"China's {int(year_q['year']) if year_q is not None else ''} mining quota, {year_q['value'] if year_q is not None else 0:,.0f} t, was issued to two groups only, so the larger holds at least {biggest or 0:,.0f} t; MP Materials produced {mp['value']:,.0f} t ({mp['source_id']})",
            notebook,
            data_date=f"{int(year_q['year'])}" if year_q is not None else "",
            sources=[str(year_q["source_id"]), str(mp["source_id"])] if year_q is not None else [],
            finding=f"China issued its {int(year_q['year'])} mining quota of {year_q['value']:,.0f} tonnes to two state groups only, so the larger of them was allowed at least {biggest:,.0f} tonnes, about {biggest / mp['value']:.0f} times the {reasons.amount(float(mp['value']))} tonnes MP Materials produced"
            if year_q is not None
            else "",
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
            data_date=str(floor["as_of"])[:10],
            sources=floor_ids,
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
            data_date=str(rate_date.date()),
            sources=[str(rates.loc[(rates["date"] - floor_date).abs().idxmin(), "source_id"])],
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
            data_date=str(at_floor["date"].date()),
            note=f"The latest quote before the article, of {at_article['date']:%-d %B %Y}, was {per_kg(at_article):.0f} yuan a kilogram.",
        ),
        claims.attribution(
            "C06-08",
            lynas_first,
            f'{"" if lynas_first else "the source reports Lynas’s first commercial heavy rare-earth oxides, not that it was the first outside China: "}{lynas["item"]} ({lynas["as_of"]}; {lynas["source_id"]}): "{lynas["quote"]}"',
            notebook,
            finding="the source we hold reports Lynas's first commercial dysprosium and terbium oxides in 2025, but not that no company outside China had produced them before"
            if not lynas_first
            else "Lynas's 2025 production of separated dysprosium and terbium oxides is reported as the first outside China",
            data_date=str(lynas["as_of"])[:10],
            sources=[str(lynas["source_id"])],
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
            data_date="2024",
            sources=usgs_ids(now),
            note="Lynas's own share cannot be larger than its country's.",
        ),
        claims.check(
            "C06-10",
            fig("Vietnam", 2024, now),
            f"Vietnam's mine production 2024 in {now}; the USGS 2024 figures within 2% of the claim: {lookalike}",
            notebook,
            readings=[Reading(f"in {latest}", fig("Vietnam", 2024, latest))],
            data_date="2024",
            sources=usgs_ids(now),
            note="31,000 tonnes is USGS's figure for Burma (Myanmar), not Vietnam." if "Burma" in lookalike else "",
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
            data_date="2024",
            sources=usgs_ids(now),
            note="About 7.9% is Burma's share, not Vietnam's." if "Burma" in lookalike else "",
        ),
        claims.check(
            "C06-12", None, none, notebook, finding=none + " comparing Sumitomo Metal's separation costs with China's"
        ),
        claims.check(
            "C06-13",
            None,
            none + " (no 'European Rare Earth Alliance' plan with an output figure was found)",
            notebook,
            finding="no plan of a 'European Rare Earth Alliance' with an output figure was found",
        ),
        claims.check("C06-14", None, none, notebook, finding="no cost of such a plan was found"),
        claims.attribution(
            "C06-15",
            dod_mp,
            f"{floor['topic']}: {floor['quote']} ({floor['source_id']})",
            notebook,
            data_date=str(floor["as_of"])[:10],
            sources=floor_ids,
            finding="the Defense Department and MP Materials announced a 10-year agreement in July 2025, with a price floor of $110 a kilogram for NdPr",
        ),
    ]
