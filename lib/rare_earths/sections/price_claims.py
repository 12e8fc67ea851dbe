"""Section 03's claims: the lead's and section 03's price figures checked against the quotes as printed.

Oxide, metal and alloy stay apart: China's dysprosium and terbium figures are read as oxide prices (the product
Europe's prices are for: the main reading) and as metal prices (what the figures resemble: another reading). The
article names no day for them, so each is set against the range of China's quotes within two weeks of the
comparison (`price_windows`). Ranges are read at their midpoints (the main reading) and at their ends; yuan
conversions use the sourced central parity nearest the quote, and the one nearest the article's date as another
reading.
"""

from __future__ import annotations

import pandas as pd

from .. import units
from ..robustness import Reading
from . import price_windows, prices

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
    win = {(e, p): price_windows.span(usd, e, p, end) for e in ("Dy", "Tb") for p in ("oxide", "metal", "alloy")}
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
        _level(claims, "C03-04", win, "Dy", "dysprosium metal", notebook, dy_cn, end, c("C03-04")),
        _ratio(
            claims, "C03-05", win, "Dy", "dysprosium metal", notebook, dy, dy_new, dy_cn, end, (rate, at, rate_sid), c
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
        _level(claims, "C03-07", win, "Tb", "terbium metal", notebook, tb_cn, end, c("C03-07")),
        _ratio(claims, "C03-08", win, "Tb", "terbium metal", notebook, tb, tb_new, tb_cn, end, (rate, at, rate_sid), c),
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


def _level(
    claims, cid: str, win: dict, element: str, metal: str, notebook: str, day_quote: pd.Series, end: str, said: float
):
    """C03-04 / C03-07: the article's undated China figure against the oxide quotes of the two weeks around `end`
    (main reading), the metal quotes (another reading) and, for dysprosium, the Dy-Fe alloy quotes."""
    oxide, other = win[element, "oxide"], win[element, "metal"]
    tolerance = float(claims.inventory().loc[cid, "tolerance"])
    readings = [
        Reading("lowest quote of the two weeks", oxide.low, True),
        Reading("highest quote of the two weeks", oxide.high, True),
        Reading(f"the quote nearest {end} ({day_quote['date'].date()}), midpoint", day_quote["mid"], True),
    ]
    if element == "Dy":
        alloy = win["Dy", "alloy"]
        readings.append(
            Reading("dysprosium-iron alloy within the two weeks", None if alloy is None else alloy.nearest(said))
        )
    readings.append(
        Reading(f"{metal} instead of oxide, within the two weeks", None if other is None else other.nearest(said))
    )
    return claims.check(
        cid,
        oxide.nearest(said),
        f"China domestic {element} oxide quotes within {price_windows.WINDOW_DAYS} days of {end}: "
        f"{oxide.low:,.0f}-{oxide.high:,.0f} CNY/t ({oxide.count} quotes, {oxide.period}; {', '.join(oxide.sources)}); "
        f"the point of that range nearest the article's figure; {metal}: "
        + (
            f"{other.low:,.0f}-{other.high:,.0f} CNY/t ({other.period}; {', '.join(other.sources)})"
            if other
            else "no quote"
        ),
        notebook,
        readings=readings,
        data_date=oxide.period,
        sources=list(oxide.sources),
        note=price_windows.level_note(said, oxide, other, metal, tolerance),
    )


def _ratio(claims, cid, win, element, metal, notebook, change, eu_row, day_quote, end, fx, c):
    """C03-05 / C03-08: Europe's oxide midpoint (Argus, `end`) over China's quotes of the two weeks around it, judged
    at the claim's tolerance: oxide (main reading) and metal (another reading)."""
    rate, at, rate_sid = fx
    eu = _to_cny_t(change.new_mid, rate)
    oxide, other = win[element, "oxide"], win[element, "metal"]
    said = c(cid)
    clip = lambda s: None if s is None else min(max(said, eu / s.high), eu / s.low)  # noqa: E731
    levels = {"C03-05": ("C03-03", "C03-04"), "C03-08": ("C03-06", "C03-07")}[cid]
    return claims.check(
        cid,
        clip(oxide),
        f"Argus Europe {element} oxide midpoint {change.new_mid:,.0f} USD/kg {at}, over China domestic {element} oxide "
        f"quotes within {price_windows.WINDOW_DAYS} days ({oxide.low:,.0f}-{oxide.high:,.0f} CNY/t, {oxide.period}; "
        f"{', '.join(oxide.sources)}): the ratio of that range nearest the article's",
        notebook,
        arithmetic=(c(levels[0]) / c(levels[1]), f"{c(levels[0]):,.0f} / {c(levels[1]):,.0f}"),
        readings=[
            Reading(
                "Europe range low end, over the day's quote", _to_cny_t(eu_row["low"], rate) / day_quote["mid"], True
            ),
            Reading(
                "Europe range high end, over the day's quote", _to_cny_t(eu_row["high"], rate) / day_quote["mid"], True
            ),
            Reading(f"over the quote nearest {end} ({day_quote['date'].date()})", eu / day_quote["mid"], True),
            Reading(f"against China's {metal} price within the two weeks", clip(other)),
        ],
        data_date=f"{end}; {oxide.period}",
        sources=[str(eu_row["source_id"]), *oxide.sources, rate_sid],
        note=price_windows.ratio_note(eu, oxide, other, metal, said, float(claims.inventory().loc[cid, "tolerance"])),
    )
