"""Unit and currency conversions: mass, prices per mass, and changes between periods."""

from __future__ import annotations

KG_PER = {
    "t": 1000.0,
    "kg": 1.0,
    "lb": 0.45359237,
    "short_ton": 907.18474,
}  # lb: international avoirdupois pound; short ton: 2,000 lb (both exact)
CURRENCIES = ("USD", "CNY", "EUR")


class UnitError(ValueError):
    """A unit that is not known or not convertible to the one asked for."""


def mass(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a mass between t (metric tonnes), kg and lb."""
    try:
        return value * KG_PER[from_unit] / KG_PER[to_unit]
    except KeyError as exc:
        raise UnitError(f"unknown mass unit {exc.args[0]!r}; known: {sorted(KG_PER)}") from None


def split_price_unit(unit: str) -> tuple[str, str]:
    """Split a price unit such as 'USD/kg' into (currency, mass unit), checking both."""
    currency, _, per = unit.partition("/")
    if currency not in CURRENCIES or per not in KG_PER:
        raise UnitError(f"not a price unit: {unit!r} (expected CURRENCY/MASS, e.g. USD/kg, CNY/t)")
    return currency, per


def price(value: float, from_unit: str, to_unit: str, rate: float | None = None) -> float:
    """Convert a price per mass, e.g. USD/kg to CNY/t; `rate` is units of target currency per source currency."""
    cur_from, per_from = split_price_unit(from_unit)
    cur_to, per_to = split_price_unit(to_unit)
    if cur_from != cur_to and rate is None:
        raise UnitError(f"converting {from_unit} to {to_unit} needs an exchange rate ({cur_to} per {cur_from})")
    factor = 1.0 if cur_from == cur_to else float(rate)  # type: ignore[arg-type]
    return value * factor / mass(1.0, per_from, per_to)


def unit_value(value: float, quantity: float) -> float:
    """Value per unit of quantity (e.g. USD per tonne); NaN when the quantity is zero or missing."""
    if quantity is None or quantity != quantity or quantity == 0:
        return float("nan")
    return value / quantity


def pct_change(new: float, old: float) -> float:
    """Percentage change from `old` to `new`; NaN when `old` is zero or missing."""
    if old is None or old != old or old == 0 or new is None or new != new:
        return float("nan")
    return (new / old - 1.0) * 100.0
