"""Section 01 computations: changes never bridge gaps, totals never fill in months."""

import math

import pandas as pd
import pytest
from rare_earths import data
from rare_earths.sections import exports


def frame(rows: list[tuple[str, str, float]], series: str = "rare_earths") -> pd.DataFrame:
    """A minimal exports frame from (month, measure, value) rows."""
    return pd.DataFrame(
        [
            {
                "series": series,
                "partner": "World",
                "month": m,
                "measure": k,
                "value": v,
                "unit": "t" if k.startswith("volume") else "USD",
                "source_id": "s",
            }
            for m, k, v in rows
        ]
    )


def test_month_on_month_is_not_computed_across_a_gap() -> None:
    s = exports.monthly(frame([("2025-01", "volume", 100), ("2025-02", "volume", 110), ("2025-04", "volume", 121)]))
    table = exports.with_changes(s)
    assert table.loc[pd.Period("2025-02", "M"), "mom_pct"] == pytest.approx(10.0)
    assert math.isnan(table.loc[pd.Period("2025-04", "M"), "mom_pct"])


def test_year_on_year_uses_the_same_month_a_year_earlier() -> None:
    s = exports.monthly(
        frame([("2024-08", "volume", 4723), ("2025-07", "volume", 5994.3), ("2025-08", "volume", 5792)])
    )
    assert exports.with_changes(s).loc[pd.Period("2025-08", "M"), "yoy_pct"] == pytest.approx(22.63, abs=0.01)


def test_change_reports_missing_months_instead_of_guessing() -> None:
    s = exports.monthly(frame([("2025-08", "value", 55e6)]))
    result = exports.change(s, "2025-07", "2025-08", "value")
    assert math.isnan(result.pct) and "no sourced figure for 2025-07" in result.basis


def test_annual_total_needs_all_twelve_months() -> None:
    rows = (
        [("2025-02", "volume_ytd", 20)]
        + [(f"2025-{m:02d}", "volume", 10) for m in range(3, 13)]
        + [("2025-12", "volume_ytd", 121)]
    )
    totals = exports.annual_totals(frame(rows)).set_index("year")
    assert totals.loc[2025, "months_covered"] == 12
    assert totals.loc[2025, "sum_of_reported_months_t"] == 120
    assert totals.loc[2025, "difference_t"] == -1
    gappy = exports.annual_totals(frame(rows[:-3])).set_index("year")
    assert math.isnan(gappy.loc[2025, "sum_of_reported_months_t"])


def test_unit_value_only_where_value_and_volume_cover_the_same_period() -> None:
    rows = [("2024-12", "value_ytd", 488.8e6), ("2024-12", "volume_ytd", 55431), ("2025-09", "value_ytd", 1.0)]
    table = exports.unit_values(frame(rows))
    assert table["period"].tolist() == ["2024-01..2024-12"]
    assert table["unit_value_per_t"].iloc[0] == pytest.approx(8818.17, abs=0.01)


def test_mixed_units_must_be_chosen_explicitly() -> None:
    rows = frame([("2025-06", "value", 1.0), ("2025-07", "value", 2.0)])
    rows.loc[0, "unit"] = "CNY"
    with pytest.raises(ValueError, match="mixes units"):
        exports.monthly(rows, measure="value")
    assert len(exports.monthly(rows, measure="value", unit="USD")) == 1


def test_window_rejects_reversed_months() -> None:
    s = exports.monthly(frame([("2025-01", "volume", 1)]))
    with pytest.raises(ValueError, match="after end month"):
        exports.window(s, "2025-06", "2025-01")


def test_august_2025_volume_change_from_the_curated_data() -> None:
    volume = exports.monthly(data.load("china_exports_monthly"))
    result = exports.change(volume, "2025-07", "2025-08", "volume")
    assert (result.old, result.new) == (5994.3, 5792.0)
    assert result.pct == pytest.approx(-3.375, abs=0.001) and result.direction == -1


def test_2025_reported_months_add_up_to_the_reported_annual_total() -> None:
    totals = exports.annual_totals(data.load("china_exports_monthly")).set_index("year")
    assert abs(totals.loc[2025, "difference_t"]) < 1.0
