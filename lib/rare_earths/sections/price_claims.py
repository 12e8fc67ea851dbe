"""Section 03's claims: the lead's and section 03's price figures checked against the quotes as printed.

Oxide, metal and alloy stay apart: China's dysprosium and terbium figures are read as oxide prices (the product
Europe's prices are for: the main reading) and as metal prices (what the figures resemble: another reading, decided
only by a metal quote within two weeks of the comparison). Ranges are read at their midpoints (the main reading)
and at their ends; yuan conversions use the sourced central parity nearest the quote, and the one nearest the
article's date as another reading.
"""

from __future__ import annotations

import pandas as pd

from .. import units
from ..robustness import Reading
from . import metal_readings, prices

ARTICLE_DATE = "2025-09-10"


def _china(usd: pd.DataFrame, element: str, product: str, date: str) -> pd.Series:
    """The China domestic quote of an element and product nearest a date."""
    row, _ = prices._nearest_china(usd, element, product, pd.Timestamp(date))
    return row


def _to_cny_t(usd_kg: float, rate: float) -> float:
    """A USD/kg price in CNY/t at a CNY-per-USD rate."""
    return units.price(usd_kg, "USD/kg", "CNY/t", rate)


def _month(usd: pd.DataFrame, element: str, product: str, months: list[str]) -> pd.DataFrame:
    """China domestic quotes of an element and product in the given months (YYYY-MM)."""
    rows = usd[(usd["element"] == element) & (usd["market"] == "china_domestic") & (usd["product"] == product)]
    return rows[rows["date"].dt.strftime("%Y-%m").isin(months)]


def check_claims(
    quotes: pd.DataFrame, rates: pd.DataFrame, usd: pd.DataFrame, start: str, end: str, notebook: str
) -> list:
    """Every claim of the lead's price sentence and of section 03, checked."""
    from .. import claims

    c = claims.claimed
    dy = prices.change(quotes, "Dy", "europe", start, end, product="oxide")
    tb = prices.change(quotes, "Tb", "europe", start, end, product="oxide")
    dy_old, dy_new = (prices.one(quotes, "Dy", "europe", d, "oxide") for d in (start, end))
    tb_old, tb_new = (prices.one(quotes, "Tb", "europe", d, "oxide") for d in (start, end))
    rate, rate_date, _ = prices.nearest_rate(rates, end)
    rate_sid = str(rates.loc[(rates["date"] - pd.Timestamp(end)).abs().idxmin(), "source_id"])
    late_rate, late_date, _ = prices.nearest_rate(rates, ARTICLE_DATE)
    nikkei = prices.select(quotes, "Dy", "europe", "unspecified")
    nikkei = nikkei[nikkei["date"] < pd.Timestamp(end)].sort_values("date").tail(1)
    at = f"at {rate:.4f} CNY/USD ({rate_date.date()})"
    dy_cn, tb_cn = _china(usd, "Dy", "oxide", end), _china(usd, "Tb", "oxide", end)
    dy_metal, tb_metal = metal_readings.near(usd, "Dy", "metal", end), metal_readings.near(usd, "Tb", "metal", end)
    mid = lambda r: None if r is None else r["mid"]  # noqa: E731
    dy_alloy = _china(usd, "Dy", "alloy", end)
    who = metal_readings.who()
    cn = lambda r: (  # noqa: E731
        f"{who.get(r['source_id'], 'SMM')} China {r['element']} {r['product']} {r['date'].date()} "
        f"{r['low']:,.0f}-{r['high']:,.0f} CNY/t ({r['source_id']})"
    )
    ratio = lambda eu_usd, cn_cny: _to_cny_t(eu_usd, rate) / cn_cny  # noqa: E731
    july = _month(usd, "NdPr", "oxide", ["2025-07"])
    summer = _month(usd, "NdPr", "oxide", ["2025-07", "2025-08"])
    gaps = pd.concat([prices.premiums(usd, e) for e in ("Dy", "Tb")], ignore_index=True)
    gaps = gaps[(pd.to_datetime(gaps["europe_date"]) >= pd.Timestamp(start)) & gaps["ratio"].notna()]
    premium = lambda rows: float(rows["ratio"].median() - 1) if len(rows) else None  # noqa: E731
    return [
        claims.check(
            "C00-07",
            dy.pct_mid,
            dy.basis + "; % change of range midpoints",
            notebook,
            readings=[
                Reading("narrowest reading of the ranges", dy.pct_low, True),
                Reading("widest reading of the ranges", dy.pct_high, True),
            ],
            data_date=f"{start}; {end}",
            note=f"That is roughly {dy.new_mid / dy.old_mid:.0f} times the start-of-April price; a 300% rise would be a quadrupling.",
        ),
        claims.check(
            "C00-08",
            dy.weeks,
            f"weeks between the two Argus quotes ({dy.start} to {dy.end})",
            notebook,
            data_date=f"{start}; {end}",
            sources=[str(dy_old["source_id"]), str(dy_new["source_id"])],
            readings=[
                Reading(
                    f"to the {r['date'].date()} quote ({r['source_id']})", (r["date"] - pd.Timestamp(start)).days / 7
                )
                for _, r in nikkei.iterrows()
            ],
        ),
        claims.check(
            "C00-09",
            tb.old_mid,
            tb.basis + "; midpoint of the start-of-April range",
            notebook,
            readings=[Reading("range low end", tb_old["low"], True), Reading("range high end", tb_old["high"], True)],
            data_date=start,
        ),
        claims.check(
            "C00-10",
            tb.new_mid,
            tb.basis + "; midpoint of the early-May range",
            notebook,
            readings=[Reading("range low end", tb_new["low"], True), Reading("range high end", tb_new["high"], True)],
            data_date=end,
        ),
        claims.check(
            "C03-01",
            dy.direction,
            dy.basis,
            notebook,
            readings=[Reading("terbium oxide instead", tb.direction)],
            data_date=f"{start}; {end}",
        ),
        claims.check(
            "C03-02", None, "no source we could read measures global rare-earth demand over April-May 2025", notebook
        ),
        claims.check(
            "C03-03",
            _to_cny_t(c("C02-09"), rate),
            f"the article's {c('C02-09'):,.0f} USD/kg {at}",
            notebook,
            data_date=str(rate_date.date()),
            sources=[rate_sid],
            readings=[
                Reading(
                    f"at the rate nearest the article's date ({late_date.date()})", _to_cny_t(c("C02-09"), late_rate)
                )
            ],
        ),
        claims.check(
            "C03-04",
            dy_cn["mid"],
            f"{cn(dy_cn)}, midpoint (oxide, the product of Europe's price); dysprosium metal: "
            + (
                f"{cn(dy_metal)}"
                if dy_metal is not None
                else f"no quote within {metal_readings.NEAR_DAYS} days of {end} (nearest: {metal_readings.metal_around(usd, 'Dy', end)})"
            )
            + f"; SMM's Dy-Fe alloy on {dy_alloy['date'].date()} was {dy_alloy['mid']:,.0f} CNY/t",
            notebook,
            readings=[
                Reading("range low end", dy_cn["low"], True),
                Reading("range high end", dy_cn["high"], True),
                Reading("dysprosium-iron alloy", dy_alloy["mid"]),
                Reading("dysprosium metal instead of oxide, nearest early May 2025", mid(dy_metal)),
            ],
            data_date=str(dy_cn["date"].date()),
            note=metal_readings.metal_note("Dy", dy_metal, usd, end, c("C03-04")),
        ),
        claims.check(
            "C03-05",
            ratio(dy.new_mid, dy_cn["mid"]),
            f"Argus Europe Dy oxide midpoint {dy.new_mid:,.0f} USD/kg {at}, over {cn(dy_cn)}",
            notebook,
            arithmetic=(c("C03-03") / c("C03-04"), f"{c('C03-03'):,.0f} / {c('C03-04'):,.0f}"),
            readings=[
                Reading("Europe range low end", ratio(dy_new["low"], dy_cn["mid"]), True),
                Reading("Europe range high end", ratio(dy_new["high"], dy_cn["mid"]), True),
                Reading(
                    "against China's dysprosium metal price",
                    None if dy_metal is None else ratio(dy.new_mid, dy_metal["mid"]),
                ),
            ],
            data_date=f"{end}; {dy_cn['date'].date()}",
            sources=[str(dy_new["source_id"]), str(dy_cn["source_id"]), rate_sid],
        ),
        claims.check(
            "C03-06",
            _to_cny_t(c("C00-10"), rate),
            f"the article's {c('C00-10'):,.0f} USD/kg {at}",
            notebook,
            data_date=str(rate_date.date()),
            sources=[rate_sid],
            readings=[
                Reading(
                    f"at the rate nearest the article's date ({late_date.date()})", _to_cny_t(c("C00-10"), late_rate)
                )
            ],
        ),
        claims.check(
            "C03-07",
            tb_cn["mid"],
            f"{cn(tb_cn)}, midpoint (oxide, the product of Europe's price); terbium metal: "
            + (
                f"{cn(tb_metal)}"
                if tb_metal is not None
                else f"no quote within {metal_readings.NEAR_DAYS} days of {end}"
            ),
            notebook,
            readings=[
                Reading("range low end", tb_cn["low"], True),
                Reading("range high end", tb_cn["high"], True),
                Reading("terbium metal instead of oxide, nearest early May 2025", mid(tb_metal)),
            ],
            data_date=str(tb_cn["date"].date()),
            note=metal_readings.metal_note("Tb", tb_metal, usd, end, c("C03-07")),
        ),
        claims.check(
            "C03-08",
            ratio(tb.new_mid, tb_cn["mid"]),
            f"Argus Europe Tb oxide midpoint {tb.new_mid:,.0f} USD/kg {at}, over {cn(tb_cn)} (oxide against oxide)",
            notebook,
            arithmetic=(
                c("C03-06") / c("C03-07"),
                f"{c('C03-06'):,.0f} / {c('C03-07'):,.0f} (a European oxide price over what matches a Chinese metal price)",
            ),
            readings=[
                Reading("Europe range low end", ratio(tb_new["low"], tb_cn["mid"]), True),
                Reading("Europe range high end", ratio(tb_new["high"], tb_cn["mid"]), True),
                Reading(
                    "against China's terbium metal price (the article's comparison)",
                    None if tb_metal is None else ratio(tb.new_mid, tb_metal["mid"]),
                ),
            ],
            data_date=f"{end}; {tb_cn['date'].date()}",
            sources=[str(tb_new["source_id"]), str(tb_cn["source_id"]), rate_sid],
            note="Against China's terbium metal price, the other reading, "
            + (
                f"it comes to {ratio(tb.new_mid, tb_metal['mid']):.2f} times: the article compares oxide with metal."
                if tb_metal is not None
                else f"it is not checked: no metal quote within {metal_readings.NEAR_DAYS} days of the comparison was found."
            ),
        ),
        claims.check(
            "C03-09",
            float(july["high_usd_kg"].max()),
            f"highest SMM China NdPr oxide quote of July 2025 in USD/kg ({len(july)} quotes; {july['low'].min():,.0f}-{july['high'].max():,.0f} CNY/t)",
            notebook,
            readings=[Reading("lowest July quote", float(july["low_usd_kg"].min()), True)],
            data_date="2025-07",
            sources=july["source_id"].tolist(),
            note="The printed $680 is ten times any NdPr oxide price on record; read as $68.0, it is near July's highest quote.",
        ),
        claims.check(
            "C03-10", None, "no source we could read reports the purchase, its buyer or a 16.7% premium", notebook
        ),
        claims.check(
            "C03-11",
            float(july["high"].max()),
            "highest SMM China NdPr oxide quote of July 2025, CNY/t (high end of the range)",
            notebook,
            readings=[Reading("highest quote of July and August 2025", float(summer["high"].max()))],
            data_date="2025-07",
            sources=july["source_id"].tolist(),
        ),
        claims.check(
            "C03-12",
            premium(gaps),
            f"median ratio of European to Chinese domestic oxide prices (Dy, Tb) from {start}, minus 1, over {len(gaps)} pairs at most 14 days apart",
            notebook,
            readings=[Reading(f"{e} only", premium(gaps[gaps["element"] == e])) for e in ("Dy", "Tb")],
            data_date=f"{min(gaps['europe_date'])}/{max(gaps['china_date'])}" if len(gaps) else "",
            sources=sorted(
                set(gaps.get("europe_source", pd.Series(dtype=str)))
                | set(gaps.get("china_source", pd.Series(dtype=str)))
            ),
            note=f"European oxide prices were about {premium(gaps) * 100:.0f}% above China's on the median pair."
            if len(gaps)
            else "",
        ),
    ]
