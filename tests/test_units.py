"""Unit and currency conversions."""

import math

import pytest
from rare_earths import units


def test_mass_conversions() -> None:
    assert units.mass(1, "t", "kg") == 1000
    assert units.mass(2204.62262, "lb", "t") == pytest.approx(1.0, rel=1e-8)
    assert units.mass(1, "lb", "kg") == pytest.approx(0.45359237)


def test_unknown_mass_unit_is_an_error() -> None:
    with pytest.raises(units.UnitError, match="'oz'"):
        units.mass(1, "oz", "kg")


def test_price_conversion_with_exchange_rate() -> None:
    # 100 USD/kg at 7.1 CNY per USD is 710,000 CNY/t
    assert units.price(100, "USD/kg", "CNY/t", rate=7.1) == pytest.approx(710_000)
    assert units.price(710_000, "CNY/t", "USD/kg", rate=1 / 7.1) == pytest.approx(100)
    assert units.price(5, "USD/kg", "USD/t") == pytest.approx(5000)


def test_price_conversion_needs_a_rate_across_currencies() -> None:
    with pytest.raises(units.UnitError, match="exchange rate"):
        units.price(1, "USD/kg", "CNY/kg")
    with pytest.raises(units.UnitError, match="not a price unit"):
        units.price(1, "USD", "CNY/kg", rate=7)


def test_pct_change_and_unit_value() -> None:
    assert units.pct_change(5792, 5994.3) == pytest.approx(-3.3749, abs=1e-4)
    assert math.isnan(units.pct_change(1, 0))
    assert math.isnan(units.pct_change(float("nan"), 1))
    assert units.unit_value(488.8e6, 55431) == pytest.approx(8818.17, abs=0.01)
    assert math.isnan(units.unit_value(1, 0))
