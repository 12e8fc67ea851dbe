"""Section 07's claims: the forecasts' checkable premises, the Tesla share, the robot figure and the EU recycling benchmark.

The forecasts themselves are scored against what happened next in section 08 (`since_claims`).
"""

from __future__ import annotations

import pandas as pd

from ..robustness import Reading
from .outlook import ARTICLE_TESLA_UNITS, Scenario


def check_claims(
    s: Scenario,
    moves: pd.DataFrame,
    usd: pd.DataFrame,
    article_date: str,
    notebook: str,
    assumptions: pd.DataFrame | None = None,
) -> list:
    """Every section-07 claim checked: the forecasts' premises and the section's figures (the forecasts are section 08's)."""
    from .. import claims, data
    from . import responses

    c = claims.claimed
    dy = usd[
        (usd["element"] == "Dy")
        & (usd["market"] == "china_domestic")
        & (usd["product"] == "oxide")
        & (usd["date"] <= pd.Timestamp(article_date))
    ]
    last = claims.nearest(dy, article_date)
    assumptions = data.load("outlook_assumptions") if assumptions is None else assumptions
    magnet = assumptions[assumptions["parameter"] == "ndfeb_per_humanoid"].iloc[0]
    recycle = responses.item(moves, "2030 benchmark: EU recycling")
    proposal = responses.item(moves, "Recycling benchmark in the March 2023 proposal")
    tesla_t = ARTICLE_TESLA_UNITS * s.ndpr_kg_per_ev / 1000
    primary = s.china_mined_t + s.imported_ore_t + s.outside_china_t
    myanmar = responses.topic(moves, "Myanmar")
    premise = (
        claims.check(
            "C07-05",
            float(last["mid"] - c("C07-04")),
            f"SMM China Dy oxide quote nearest the article's date ({last['date'].date()}, {last['low']:,.0f}-{last['high']:,.0f} CNY/t; {last['source_id']}) minus the forecast mark",
            notebook,
            readings=[
                Reading("range low end", float(last["low"] - c("C07-04")), True),
                Reading("range high end", float(last["high"] - c("C07-04")), True),
            ],
            data_date=str(last["date"].date()),
            finding="",
            note=f"SMM quoted {last['low'] / 1e6:.2f} to {last['high'] / 1e6:.2f} million yuan a tonne, just under the 1.65 million mark.",
        )
        if last is not None
        else claims.check(
            "C07-05",
            None,
            f"no SMM Dy oxide quote within {claims.NEAR_DAYS} days before the article",
            notebook,
            finding=f"there are no data near the date: no dysprosium oxide quote within {claims.NEAR_DAYS} days before the article",
        )
    )
    return [
        claims.check(
            "C07-02",
            None,
            "no monthly series of Myanmar's shipments to China around the article's date is in the data, only scattered figures: "
            + "; ".join(
                f"{r.item} ({r.value_as_printed} {r.unit_as_printed})"
                for r in myanmar.itertuples()
                if "import" in r.item.lower()
            ),
            notebook,
            finding="no monthly series of Myanmar's rare-earth shipments to China around the article's date is in the data, only scattered figures from earlier in 2025",
        ),
        premise,
        claims.check(
            "C07-07",
            None,
            "no source we could read compares Sumitomo's iron-based magnets with NdFeB",
            notebook,
            finding="no source we could read compares Sumitomo's iron-based magnets with NdFeB magnets",
        ),
        claims.check(
            "C07-09",
            recycle["value"],
            f"EU Critical Raw Materials Act, {recycle['item']}: {recycle['unit_as_printed']} ({recycle['source_id']}); a benchmark for all strategic raw materials, not a mandated rate for rare earths",
            notebook,
            readings=[Reading("the Commission's 2023 proposal", proposal["value"])],
            data_date="2024-05-23",
            note="The Act sets a 25% benchmark for recycled content of all strategic raw materials, not a mandated rate for rare earths.",
        ),
        claims.check(
            "C07-10",
            tesla_t / primary * 100,
            f"{ARTICLE_TESLA_UNITS:,} cars x {s.ndpr_kg_per_ev} kg NdPr oxide each = {tesla_t:,.0f} t, over {primary:,.0f} t of primary NdPr oxide ({s.base_year}: China mined and imported ore, plus output outside China; the notebook's inputs)",
            notebook,
            readings=[Reading("with recycled NdPr oxide in world output", tesla_t / (primary + s.recycled_t) * 100)],
            data_date=str(s.base_year),
            sources=_input_sources(assumptions, ("ndpr_oxide_per_ev", "ndpr_oxide_production_china")),
            note=f"A million cars at {s.ndpr_kg_per_ev} kg each need about {tesla_t:,.0f} tonnes, under 1% of world output.",
        ),
        claims.check(
            "C07-12",
            float(magnet["value"]),
            f"NdFeB magnet per humanoid robot, low end of the stated range ({magnet['value_as_printed']} kg; {magnet['source_id']}); the literal 'robot weighing over 2kg' needs no figure",
            notebook,
            readings=[
                Reading("high end of the stated range", float(magnet["value_high"])),
                Reading("NdPr (not magnet) per humanoid robot, the notebook's input", s.ndpr_kg_per_humanoid),
            ],
            data_date=str(magnet["year"]) if str(magnet["year"])[:4].isdigit() else "undated",
            sources=[str(magnet["source_id"])],
            note="The sentence is garbled: a robot's own weight is trivially over 2 kg; its magnet content is what the data give.",
        ),
    ]


def _input_sources(assumptions: pd.DataFrame, prefixes: tuple[str, ...]) -> list[str]:
    """The source ids of the outlook inputs whose parameter starts with one of the prefixes."""
    rows = assumptions[assumptions["parameter"].str.startswith(prefixes)]
    return sorted(set(rows["source_id"]))[:4]
