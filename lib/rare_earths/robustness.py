"""Robustness of a claim's verdict: the same check under every reasonable reading.

A numeric claim can often be read more than one way: a price range read at its midpoint or at its ends, the
USGS edition current when the article was written or the latest one, a figure rounded as printed or taken
exactly. A notebook passes the readings it tried as `Reading`s; `rare_earths.claims.check` judges each one
with the claim's own tolerance and records whether the verdict holds under all of them or depends on the
reading. The verdict itself always rests on the first (main) reading, which data/claims.csv states in words.

A reading marked `spread` shows how wide the data's own range is (the ends of a published price range, say): it
is listed in the ledger but is not a reading of the claim, so it never moves the verdict or the label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HOLDS = "holds under every reading"
PARTIAL = "holds under every reading the data decide"
DEPENDS = "depends on reading"
MAIN_OPEN = "only other readings decide"
SINGLE = "one reading"
NONE = "no reading decides it"
OUTCOMES = ("holds", "fails", "no data")


@dataclass(frozen=True)
class Reading:
    """One way of reading a claim against the data: a short name and the value computed under it."""

    name: str
    value: float | None
    spread: bool = False

    @property
    def missing(self) -> bool:
        """True when this reading has no value (nothing sourced decides it)."""
        return self.value is None or (isinstance(self.value, float) and math.isnan(self.value))


def judged(readings: Sequence[Reading], judge: Callable[[float | None], str]) -> list[tuple[Reading, str]]:
    """Each reading with the verdict `judge` gives it."""
    return [(r, judge(None if r.missing else float(r.value))) for r in readings]  # type: ignore[arg-type]


def robustness(outcomes: Sequence[str]) -> str:
    """The label of a check from its readings' outcomes (main first): every reading agrees, some decide nothing, or they differ."""
    open_ = OUTCOMES[2]
    if all(o == open_ for o in outcomes):
        return NONE
    if len(outcomes) == 1:
        return SINGLE
    if outcomes[0] == open_:
        return MAIN_OPEN
    deciding = [o for o in outcomes[1:] if o != open_]
    if any(o != outcomes[0] for o in deciding):
        return DEPENDS
    return PARTIAL if len(deciding) < len(outcomes) - 1 else HOLDS


def fmt(value: float) -> str:
    """A number for a sentence: whole numbers with thousands separators from 10,000 up, else 4 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:,.4g}"


def _shown(reading: Reading, unit: str) -> str:
    """A reading's value as text: up/down/flat for directions, yes/no for attributions, else the number and unit."""
    if reading.missing:
        return "none"
    value = float(reading.value)  # type: ignore[arg-type]
    if unit == "direction":
        return "up" if value > 0 else "down" if value < 0 else "flat"
    if unit == "attribution":
        return "yes" if value == 1 else "no"
    if unit == "yyyymm":
        return f"{int(value)}"
    return f"{fmt(value)} {unit}"


def describe(pairs: Sequence[tuple[Reading, str]], unit: str) -> str:
    """The readings tried, for the ledger: 'name: value (outcome); ...', the data's spread marked as such."""
    return "; ".join(
        f"{r.name}: {_shown(r, unit)} ({'spread of the data, not counted' if r.spread else v})" for r, v in pairs
    )


def parse(text: str) -> list[tuple[str, str]]:
    """The (name, outcome) pairs of a ledger's readings column, spread entries left out (the inverse of `describe`)."""
    found = re.findall(
        r"(?:^|; )([^;]*?): [^;]*? \((holds|fails|no data|spread of the data, not counted)\)", text or ""
    )
    return [(name, o) for name, o in found if not o.startswith("spread")]


def rounded_interval(printed: float, decimals: int) -> tuple[float, float]:
    """The interval of exact values that round to `printed` at `decimals` decimal places."""
    half = 0.5 * 10 ** (-decimals)
    return printed - half, printed + half


def nearest_in_interval(target: float, interval: tuple[float, float]) -> float:
    """The value of a rounding interval nearest a claimed figure (the most favourable exact reading)."""
    low, high = interval
    return min(max(target, low), high)
