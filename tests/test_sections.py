"""Sections 02-07: the lib/ functions behind each notebook, on small frames and on the curated data."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rare_earths import claims, data, paths, units
from rare_earths.sections import defense, outlook, policy, price_windows, prices, shares


def _quotes(rows: list[tuple]) -> pd.DataFrame:
    """A small prices frame: (date, element, product, market, low, high, unit)."""
    frame = pd.DataFrame(rows, columns=["date", "element", "product", "market", "low", "high", "unit"])
    return frame.assign(date=pd.to_datetime(frame["date"]), assessment="a", source_id="s")


RATES = pd.DataFrame({"date": pd.to_datetime(["2025-04-30", "2025-08-21"]), "rate": [7.2, 7.1]})


# ------------------------------------------------------------------ prices (03)


def test_price_change_uses_midpoints_and_reports_the_range_readings() -> None:
    q = _quotes(
        [
            ("2025-04-01", "Dy", "oxide", "europe", 250, 310, "USD/kg"),
            ("2025-05-06", "Dy", "oxide", "europe", 700, 1000, "USD/kg"),
        ]
    )
    c = prices.change(q, "Dy", "europe", "2025-04-01", "2025-05-06")
    assert (c.old_mid, c.new_mid) == (280, 850)
    assert c.pct_mid == pytest.approx(203.571, abs=1e-3)
    assert c.pct_low == pytest.approx(700 / 310 * 100 - 100) and c.pct_high == pytest.approx(300.0)
    assert c.weeks == 5 and c.direction == 1


def test_an_ambiguous_or_missing_quote_is_an_error_naming_it() -> None:
    q = _quotes(
        [
            ("2025-04-01", "Tb", "oxide", "europe", 930, 1000, "USD/kg"),
            ("2025-04-01", "Tb", "unspecified", "europe", 965, 965, "USD/kg"),
        ]
    )
    with pytest.raises(prices.QuoteError, match="2 quotes match Tb"):
        prices.one(q, "Tb", "europe", "2025-04-01")
    with pytest.raises(prices.QuoteError, match="0 quotes"):
        prices.one(q, "Dy", "europe", "2025-04-01")
    # a date with no quote (e.g. window_end of notebook 03) lists the dates that have one
    with pytest.raises(
        prices.QuoteError, match="0 quotes match Tb oxide in europe on 2025-05-07; dates with a quote: 2025-04-01"
    ):
        prices.one(q, "Tb", "europe", "2025-05-07", product="oxide")


def test_yuan_prices_are_converted_at_the_nearest_sourced_rate_or_a_fixed_one() -> None:
    q = _quotes(
        [
            ("2025-05-09", "Dy", "oxide", "china_domestic", 1_610_000, 1_620_000, "CNY/t"),
            ("2025-05-06", "Dy", "oxide", "europe", 700, 1000, "USD/kg"),
        ]
    )
    usd = prices.in_usd_per_kg(q, RATES)
    china = usd.iloc[0]
    assert china["cny_per_usd"] == 7.2 and china["rate_days_apart"] == 9
    assert china["mid_usd_kg"] == pytest.approx(units.price(1_615_000, "CNY/t", "USD/kg", 1 / 7.2))
    assert usd.iloc[1]["mid_usd_kg"] == 850  # USD quotes untouched
    fixed = prices.in_usd_per_kg(q, RATES, rate=8.0)
    assert fixed.iloc[0]["mid_usd_kg"] == pytest.approx(1_615_000 / 8.0 / 1000)


def test_premiums_pair_nearby_quotes_only() -> None:
    q = _quotes(
        [
            ("2025-05-06", "Dy", "oxide", "europe", 700, 1000, "USD/kg"),
            ("2025-07-01", "Dy", "oxide", "europe", 800, 800, "USD/kg"),
            ("2025-05-09", "Dy", "oxide", "china_domestic", 1_610_000, 1_620_000, "CNY/t"),
        ]
    )
    table = prices.premiums(prices.in_usd_per_kg(q, RATES), "Dy", max_days=14)
    assert table["days_apart"].tolist() == [3, 53]
    assert table["ratio"].iloc[0] == pytest.approx(850 / (1_615_000 / 7.2 / 1000)) and math.isnan(
        table["ratio"].iloc[1]
    )


def _terbium_metal(days_and_ranges: list[tuple[int, float, float]]) -> pd.DataFrame:
    """China terbium metal quotes at days from 6 May 2025: (days, low, high) in CNY/t."""
    day = pd.Timestamp("2025-05-06")
    rows = [
        ((day + pd.Timedelta(days=d)).date().isoformat(), "Tb", "metal", "china_domestic", lo, hi, "CNY/t")
        for d, lo, hi in days_and_ranges
    ]
    return _quotes(rows).assign(mid=lambda f: (f["low"] + f["high"]) / 2)


def test_an_undated_figure_is_set_against_the_range_of_quotes_within_two_weeks() -> None:
    """Quotes 20 days away are outside; the range runs from the lowest low to the highest high of those inside."""
    usd = _terbium_metal(
        [(-20, 8.0e6, 8.1e6), (-10, 8.35e6, 8.40e6), (3, 8.70e6, 8.74e6), (13, 8.90e6, 8.98e6), (20, 9.5e6, 9.6e6)]
    )
    s = price_windows.span(usd, "Tb", "metal", "2025-05-06")
    assert (s.low, s.high, s.count) == (8.35e6, 8.98e6, 3)
    assert (s.first, s.last) == (pd.Timestamp("2025-04-26"), pd.Timestamp("2025-05-19"))
    assert s.period == "2025-04-26/2025-05-19"
    assert s.nearest(8.79e6) == 8.79e6 and s.nearest(9.2e6) == 8.98e6 and s.nearest(2.03e6) == 8.35e6
    assert price_windows.span(usd, "Tb", "oxide", "2025-05-06") is None
    assert price_windows.span(usd, "Tb", "metal", "2025-06-30") is None  # nothing within two weeks


def test_a_figure_inside_the_range_holds_at_its_rounding_though_no_days_quote_matches_it() -> None:
    """8.79 million (±5,000) is off every day's midpoint here (8.375, 8.72, 8.94 million) but inside the range."""
    usd = _terbium_metal([(-10, 8.35e6, 8.40e6), (3, 8.70e6, 8.74e6), (13, 8.90e6, 8.98e6)])
    s = price_windows.span(usd, "Tb", "metal", "2025-05-06")
    assert all(abs(m - 8.79e6) > 5000 for m in usd["mid"])
    assert claims.outcome(8.79e6, s.nearest(8.79e6), "level", 5000, "absolute") == "holds"
    assert claims.outcome(8.34e6, s.nearest(8.34e6), "level", 5000, "absolute") == "fails"
    assert (
        claims.outcome(8.346e6, s.nearest(8.346e6), "level", 5000, "absolute") == "holds"
    )  # its rounding touches the range


def test_a_ratio_over_the_window_runs_from_the_highest_to_the_lowest_chinese_quote() -> None:
    usd = _terbium_metal([(-10, 8.0e6, 8.4e6), (3, 8.6e6, 9.0e6)])
    s = price_windows.span(usd, "Tb", "metal", "2025-05-06")
    low, high = price_windows.ratio_range(21.6e6, s)
    assert low == pytest.approx(21.6 / 9.0) and high == pytest.approx(21.6 / 8.0)


# ------------------------------------------------------------------ policy (02)


def test_policy_timeline_says_which_dates_were_announced_in_advance() -> None:
    record = policy.timeline(data.load("policy_events")).set_index("event_id")
    assert record.loc["E30", "date_kind"] == "scheduled"  # the suspension's scheduled end, 10 November 2026
    assert record.loc["E27", "date_kind"] == "happened"  # the announcement of 7 November 2025


def test_policy_record_dates_the_claims_from_the_data() -> None:
    events = data.load("policy_events")
    controls = policy.first(events, "export_control", element="Dy")
    assert policy.yyyymm(controls["date"]) == 202504
    assert set(policy.covered_elements(events)) >= {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"}
    ore = policy.first(events, "total_volume_control", words="imported ore", drafts=False)
    assert "draft" not in (ore["instrument"] + ore["measure"]).lower()
    with pytest.raises(policy.EventError, match="no 'export_control' event covering Xx"):
        policy.first(events, "export_control", element="Xx")


def test_export_quota_existence_follows_the_quota_table_and_its_end() -> None:
    events, quotas = data.load("policy_events"), data.load("china_quotas")
    exists, why = policy.export_quota_in_force(quotas, events, 2025)
    assert not exists and "ended" in why and "2014" in why
    assert policy.export_quota_in_force(quotas, events, 2014)[0]


def test_quota_growth_is_computed_only_between_consecutive_years() -> None:
    quotas = pd.DataFrame(
        {"year": [2014, 2017, 2018], "quota": "mining", "batch": "total", "value": [105000.0, 105000.0, 120000.0]}
    )
    growth = policy.quota_growth(quotas)
    assert math.isnan(growth.loc[2017, "yoy_pct"]) and growth.loc[2018, "yoy_pct"] == pytest.approx(14.2857, abs=1e-3)


# ------------------------------------------------------------------ shares (04, 06)


def _production(world: float) -> pd.DataFrame:
    return pd.DataFrame({2024: [270000.0, 45500.0, 64500.0, world]}, index=["China", "United States", "Other", "World"])


def test_shares_refuse_a_world_total_off_by_more_than_its_rounding() -> None:
    assert shares.shares(_production(380000.0)).loc["China", 2024] == pytest.approx(71.05, abs=0.01)
    with pytest.raises(shares.ShareError, match="more than its rounding"):
        shares.shares(_production(350000.0))
    assert shares.shares(_production(380000.0), "sum").sum()[2024] == pytest.approx(100.0)


def test_hhi_is_the_sum_of_squared_country_shares() -> None:
    table = pd.DataFrame({2024: [60.0, 30.0, 10.0]}, index=["China", "United States", "Other"])
    assert shares.hhi(table)[2024] == 60**2 + 30**2  # 'Other' is not a country


def test_the_newest_edition_or_revision_wins_per_country_and_year() -> None:
    usgs = data.load("usgs_world_production")
    reserves = shares.by_country(usgs, "reserves")
    assert reserves.loc["Brazil", 2025] == 11_000_000  # MCS 2026 v1.3 revision
    assert reserves.loc["China", 2025] == 44_000_000  # MCS 2026 original, not dropped by the revision
    production = shares.by_country(usgs)
    assert production.loc["Australia", 2024] == 29000  # MCS 2026 revised MCS 2025's 13,000


# ------------------------------------------------------------------ defense (05)


def test_fleet_totals_convert_pounds_to_tonnes() -> None:
    totals = defense.fleet_totals(
        {"f35": 2204.62262, "ddg51": 0.0, "ssn774": 0.0}, {"f35": 10, "ddg51": 0, "ssn774": 0}
    )
    assert totals.loc["F-35 Lightning II", "fleet_t"] == pytest.approx(10.0, rel=1e-6)
    assert totals.loc["All three fleets", "fleet_t"] == pytest.approx(10.0, rel=1e-6)


def test_defense_defaults_are_sourced_and_a_user_value_is_flagged() -> None:
    sourced = data.load("defense_content")
    table = defense.provenance(
        sourced, {"f35": 920, "ddg51": 5200, "ssn774": 9200}, {"f35": 1300, "ddg51": 73, "ssn774": 24}
    )
    assert not table["sources"].str.startswith("NOT SOURCED").any()
    table = defense.provenance(
        sourced, {"f35": 1000, "ddg51": 5200, "ssn774": 9200}, {"f35": 1300, "ddg51": 73, "ssn774": 24}
    )
    assert table.loc[0, "sources"].startswith("NOT SOURCED")


# ------------------------------------------------------------------ outlook (07)


def _scenario(**changes) -> outlook.Scenario:
    base = dict(
        base_year=2024,
        target_year=2030,
        ev_sales=10e6,
        ndpr_kg_per_ev=1.0,
        wind_gw=100.0,
        ndpr_t_per_gw=100.0,
        humanoids=0.0,
        ndpr_kg_per_humanoid=1.0,
        ev_share_of_demand_pct=25.0,
        china_mined_t=50000.0,
        quota_growth_pct=0.0,
        imported_ore_t=20000.0,
        myanmar_share_pct=50.0,
        myanmar_feed=True,
        recycled_t=10000.0,
        recycling_growth_pct=0.0,
        outside_china_t=5000.0,
    )
    return outlook.Scenario(**{**base, **changes})


def test_outlook_balance_arithmetic() -> None:
    s = _scenario()
    d = outlook.demand(s)
    assert d["electric cars"] == 10000 and d.sum() == pytest.approx(40000)  # EVs are 25% of the total
    assert d["other uses"] == pytest.approx(40000 - 10000 - 10000)
    assert outlook.net(s) == pytest.approx(85000 - 40000)
    assert outlook.supply(_scenario(myanmar_feed=False))["China, imported ore"] == 10000
    assert outlook.supply(_scenario(quota_growth_pct=10.0))["China, mined (quota)"] == pytest.approx(50000 * 1.1**6)
    with pytest.raises(ValueError, match="ev_share_of_demand_pct"):
        outlook.demand(_scenario(ev_share_of_demand_pct=0.0))


def test_sensitivity_puts_the_largest_swing_first() -> None:
    table = outlook.sensitivity(_scenario(), ["outside_china_t", "china_mined_t"], 20.0)
    assert table["input"].tolist() == ["china_mined_t", "outside_china_t"]
    assert table.loc[0, "swing"] == pytest.approx(20000)


def test_outlook_defaults_are_published_figures() -> None:
    notebook_defaults = {
        "ev_sales": 45e6,
        "ndpr_kg_per_ev": 0.7,
        "wind_gw": 150.0,
        "ndpr_t_per_gw": 300.0,
        "humanoids": 900000.0,
        "ndpr_kg_per_humanoid": 0.9,
        "ev_share_of_demand_pct": 27.5,
        "china_mined_t": 45000.0,
        "imported_ore_t": 20500.0,
        "myanmar_share_pct": 74.9,
        "recycled_t": 26504.0,
    }
    table = outlook.provenance(data.load("outlook_assumptions"), notebook_defaults)
    assert (table["matches"] != "NOT SOURCED (user value)").all(), table
    assert (
        outlook.provenance(data.load("outlook_assumptions"), {"ev_sales": 44e6})["matches"]
        .iloc[0]
        .startswith("NOT SOURCED")
    )


# ------------------------------------------------------------------ claims extensions


def test_absent_and_flat_claims() -> None:
    record = claims.check(
        "C02-06", None, "quotas ended in 2015", "02_policy", absent=True, data_date="2015", sources=["kitco-2025-09-08"]
    )
    assert record.verdict == "wrong" and "no such thing" in record.basis
    assert claims.outcome(0, 0.0, "direction", 0, "absolute") == "holds"
    assert claims.outcome(0, 1.0, "direction", 0, "absolute") == "fails"


def test_every_claim_belongs_to_an_existing_notebook() -> None:
    sections = {p.stem.split("_", 1)[0] for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
    assert set(claims.inventory()["section"]) <= sections


# ------------------------------------------------------------------ curation


def test_curation_regenerates_the_data_byte_for_byte(tmp_path: Path) -> None:
    shutil.copytree(paths.PROJECT_ROOT / "research", tmp_path / "research")
    shutil.copytree(paths.DATA_DIR, tmp_path / "data")
    for f in (tmp_path / "data").glob("*.csv"):
        # the article's claims and forecasts are read, not curated; sources.csv is read back so that earlier sources
        # keep their place (new ones are appended)
        if f.name not in ("claims.csv", "forecasts.csv", "sources.csv"):
            f.write_text("stale\n")
    subprocess.run([sys.executable, str(tmp_path / "research" / "curate.py")], check=True, capture_output=True)
    for f in sorted(paths.DATA_DIR.glob("*.csv")):
        assert (tmp_path / "data" / f.name).read_bytes() == f.read_bytes(), f.name


def test_lib_helpers_behind_the_notebook_tables() -> None:
    q = _quotes(
        [
            ("2025-04-01", "Dy", "oxide", "europe", 250, 310, "USD/kg"),
            ("2025-05-06", "Dy", "oxide", "europe", 700, 1000, "USD/kg"),
        ]
    )
    table = prices.changes_table({"Dy oxide": prices.change(q, "Dy", "europe", "2025-04-01", "2025-05-06")})
    assert table.loc["Dy oxide", "new_mid"] == 850 and table.loc["Dy oxide", "pct_high"] == pytest.approx(300.0)
    with pytest.raises(prices.QuoteError, match="no China domestic Dy oxide"):
        prices.premiums(prices.in_usd_per_kg(q, RATES), "Dy")
    both = outlook.with_and_without_myanmar(_scenario())
    assert both.loc["China, imported ore"].tolist() == [20000, 10000]
    assert both.loc["balance (supply - demand)", "without Myanmar feed"] == pytest.approx(
        both.loc["balance (supply - demand)", "with Myanmar feed"] - 10000
    )
    assert shares.hhi_lower_bound(70.0) == 4900.0
