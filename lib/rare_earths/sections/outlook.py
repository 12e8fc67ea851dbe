"""Section 07: a small, transparent NdPr oxide supply/demand scenario for a target year.

Every quantity is tonnes of NdPr oxide per year. Demand is built bottom-up for the end uses with a
published intensity (electric cars, wind, humanoid robots); the rest ("other uses") follows from
the published share of EVs in total demand in the target year. Supply is Chinese mined output
growing at the mining-quota rate, imported ore (optionally without Myanmar's part), recycling in
China and output outside China. Each input is a notebook parameter; `provenance` shows which
sourced row of data/outlook_assumptions.csv (or other data) states its default.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# notebook parameter -> (data parameter name, factor from the printed value to the model unit, what the factor does)
SOURCES: dict[str, tuple[str, float, str]] = {
    "ev_sales": ("ev_sales_global", 1.0, ""),
    "ndpr_kg_per_ev": ("ndpr_oxide_per_ev", 1000 / 10_000_000, "printed t per 10 million EVs -> kg per EV"),
    "wind_gw": ("wind_additions_global", 1.0, ""),
    "ndpr_t_per_gw": ("ndpr_oxide_per_gw_wind", 1 / 10, "printed t per 10 GW -> t per GW"),
    "humanoids": ("humanoid_units", 1.0, ""),
    "ndpr_kg_per_humanoid": ("ndpr_per_humanoid", 1.0, ""),
    "ev_share_of_demand_pct": ("ev_share_ndpr_demand", 1.0, ""),
    "china_mined_t": ("ndpr_oxide_production_china_quota", 1.0, ""),
    "imported_ore_t": ("ndpr_oxide_production_china_imported_ore", 1.0, ""),
    "myanmar_share_pct": ("myanmar_share_china_oxide_imports", 1.0, ""),
    "recycled_t": ("china_recycled_ndpr_oxide", 1.0, ""),
}


@dataclass(frozen=True)
class Scenario:
    """The inputs of one scenario (see the notebook's parameters cell for units and sources)."""

    base_year: int
    target_year: int
    ev_sales: float
    ndpr_kg_per_ev: float
    wind_gw: float
    ndpr_t_per_gw: float
    humanoids: float
    ndpr_kg_per_humanoid: float
    ev_share_of_demand_pct: float
    china_mined_t: float
    quota_growth_pct: float
    imported_ore_t: float
    myanmar_share_pct: float
    myanmar_feed: bool
    recycled_t: float
    recycling_growth_pct: float
    outside_china_t: float


def demand(s: Scenario) -> pd.Series:
    """Demand in the target year by end use (t NdPr oxide)."""
    ev = s.ev_sales * s.ndpr_kg_per_ev / 1000
    wind = s.wind_gw * s.ndpr_t_per_gw
    robots = s.humanoids * s.ndpr_kg_per_humanoid / 1000
    if not 0 < s.ev_share_of_demand_pct <= 100:
        raise ValueError(f"ev_share_of_demand_pct must be in (0, 100], got {s.ev_share_of_demand_pct}")
    total = ev / (s.ev_share_of_demand_pct / 100)
    other = total - ev - wind - robots
    return pd.Series(
        {"electric cars": ev, "wind turbines": wind, "humanoid robots": robots, "other uses": other}, name="demand_t"
    )


def supply(s: Scenario) -> pd.Series:
    """Supply in the target year by source (t NdPr oxide)."""
    years = s.target_year - s.base_year
    mined = s.china_mined_t * (1 + s.quota_growth_pct / 100) ** years
    imported = s.imported_ore_t * (1 - (0 if s.myanmar_feed else s.myanmar_share_pct / 100))
    recycled = s.recycled_t * (1 + s.recycling_growth_pct / 100) ** years
    return pd.Series(
        {
            "China, mined (quota)": mined,
            "China, imported ore": imported,
            "China, recycled": recycled,
            "outside China": s.outside_china_t,
        },
        name="supply_t",
    )


def balance(s: Scenario) -> pd.DataFrame:
    """Supply, demand and their difference (surplus > 0, deficit < 0) in the target year."""
    d, sup = demand(s), supply(s)
    rows = [("demand", k, v) for k, v in d.items()] + [("supply", k, v) for k, v in sup.items()]
    table = pd.DataFrame(rows, columns=["side", "component", "t"])
    total = pd.DataFrame(
        [
            ("total", "demand", d.sum()),
            ("total", "supply", sup.sum()),
            ("total", "balance (supply - demand)", sup.sum() - d.sum()),
        ],
        columns=["side", "component", "t"],
    )
    return pd.concat([table, total], ignore_index=True)


def with_and_without_myanmar(s: Scenario) -> pd.DataFrame:
    """The balance table (t by component) with Myanmar feed and without it, side by side."""
    return pd.DataFrame(
        {
            label: balance(with_input(s, "myanmar_feed", feed)).set_index("component")["t"]
            for label, feed in (("with Myanmar feed", True), ("without Myanmar feed", False))
        }
    )


def net(s: Scenario) -> float:
    """Supply minus demand in the target year (t NdPr oxide)."""
    return float(supply(s).sum() - demand(s).sum())


def sensitivity(s: Scenario, fields: list[str], swing_pct: float = 20.0) -> pd.DataFrame:
    """Balance when each input moves down and up by swing_pct, one at a time, largest effect first."""
    base = net(s)
    rows = []
    for name in fields:
        value = getattr(s, name)
        low = net(with_input(s, name, value * (1 - swing_pct / 100)))
        high = net(with_input(s, name, value * (1 + swing_pct / 100)))
        rows.append(
            {
                "input": name,
                "value": value,
                "balance_low_input": low,
                "balance_high_input": high,
                "swing": abs(high - low),
                "base_balance": base,
            }
        )
    return pd.DataFrame(rows).sort_values("swing", ascending=False).reset_index(drop=True)


def with_input(s: Scenario, name: str, value: float | bool) -> Scenario:
    """A copy of a scenario with one input changed."""
    return Scenario(**{**s.__dict__, name: value})


def provenance(assumptions: pd.DataFrame, values: dict[str, float]) -> pd.DataFrame:
    """For each input with a published default: the sourced rows whose figure equals the value in use."""
    rows = []
    for param, value in values.items():
        name, factor, how = SOURCES[param]
        cands = assumptions[assumptions["parameter"] == name]
        lows, highs = cands["value"] * factor, cands["value_high"] * factor
        exact = cands[
            ((lows - value).abs() < 1e-9 * max(abs(value), 1)) | ((highs - value).abs() < 1e-9 * max(abs(value), 1))
        ]
        mid = cands[(((lows + highs) / 2 - value).abs() < 1e-9 * max(abs(value), 1))]
        hit, kind = (
            (exact, "as printed")
            if not exact.empty
            else (mid, "midpoint of printed range")
            if not mid.empty
            else (exact, "")
        )
        rows.append(
            {
                "input": param,
                "value": value,
                "data parameter": name,
                "conversion": how or "none",
                "matches": kind or "NOT SOURCED (user value)",
                "sources": ", ".join(hit["source_id"].unique()),
                "as printed": "; ".join(hit["value_as_printed"].unique()),
            }
        )
    return pd.DataFrame(rows)


def derived(rows: list[tuple[str, float, float, str, str]]) -> pd.DataFrame:
    """Inputs whose default is computed from other sourced data: (input, value in use, sourced value, how, sources)."""
    return pd.DataFrame(
        [
            {
                "input": i,
                "value": v,
                "computed from data": c,
                "matches": "assumption, not sourced"
                if src == "none"
                else "yes"
                if abs(v - c) < 0.05 * max(abs(c), 1e-9)
                else "NO (user value)",
                "how": how,
                "sources": src,
            }
            for i, v, c, how, src in rows
        ]
    )


# "Tesla's ramp-up of one million units": the article's own figure, the premise of claim C07-10.
ARTICLE_TESLA_UNITS = 1_000_000
