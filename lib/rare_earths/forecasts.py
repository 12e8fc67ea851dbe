"""The article's forecasts scored against what happened next: came true, did not come true, not yet decidable.

A forecast (a row of data/forecasts.csv) names a target (a level, its unit and the series it is about), a window
(the article's date to a last day, or none when the article states none), an optional condition (itself a claim,
checked on its own) and an optional premise. Its outcome is computed here from dated observations (a frame with
columns `date`, `value`, `source_id`, `publisher`), whatever rows data/ holds on the day of the build:

- **came true**: the first observation in the window that meets the target (its date and value);
- **did not come true**: the window has closed in the data (the series has an observation on or after its last
  day) and no observation in it met the target; the highest (or lowest) value reached and its date;
- **not yet decidable**: the window is still open in the data, no observation falls in it, no series measures the
  target, or the article gives no window and the target has not been met; the reason says which.

The outcome word is what the data show about the target; whether the condition held and whether the premise was
true are reported beside it, never folded into the word (a price that came true while the condition never applied
is a different finding from one that came true under it, and the reason says so). The words are those of
`rare_earths.scale`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import pandas as pd

from . import reasons
from .scale import CAME_TRUE, DID_NOT_COME_TRUE, NOT_YET_DECIDABLE

ARTICLE_DATE = pd.Timestamp("2025-09-10")
"""The day the analysed article was published: forecasts are judged on data after it, premises on data up to it."""

COMPARISONS = ("at least", "above", "at most", "none")
PREMISE_DAYS = 31
"""A premise about the article's date rests only on an observation of the month before it."""


@dataclass(frozen=True)
class Forecast:
    """One forecast: its target, the series it is about, its window, condition and premise."""

    claim_id: str
    series: str  # what the target is measured on, in words ("Dy oxide, China domestic spot")
    target: float | None  # None: nothing in the data measures the target
    unit: str
    comparison: str  # one of COMPARISONS
    window_end: pd.Timestamp | None  # None: the article states no window
    window_reading: str = ""
    condition_claim_id: str = ""
    condition: str = ""
    premise: str = ""
    issued: pd.Timestamp = ARTICLE_DATE


@dataclass(frozen=True)
class Check:
    """Whether a condition or premise held (None: no source decides it), and on what that rests."""

    held: bool | None
    basis: str


@dataclass(frozen=True)
class Outcome:
    """The outcome of one forecast, in the record the ledger's columns take."""

    claim_id: str
    outcome: str
    reason: str
    data_date: str  # ISO date of the latest observation the outcome rests on ('' when none)
    target: str
    window: str
    condition: str
    condition_held: bool | None
    premise_held: bool | None
    value_reached: float | None
    date_reached: str
    source_id: str


def meets(value: float, target: float, comparison: str) -> bool:
    """Whether one observed value meets a target ('at least', 'above', 'at most')."""
    if comparison == "at least":
        return value >= target
    if comparison == "above":
        return value > target
    if comparison == "at most":
        return value <= target
    raise ValueError(f"comparison {comparison!r} is not one of {COMPARISONS[:3]}")


def in_window(obs: pd.DataFrame, f: Forecast) -> pd.DataFrame:
    """The observations after the forecast was made and up to the last day of its window, by date."""
    after = obs[obs["date"] > f.issued]
    if f.window_end is not None:
        after = after[after["date"] <= f.window_end]
    return after.sort_values("date", kind="stable")


def first_meeting(obs: pd.DataFrame, f: Forecast) -> pd.Series | None:
    """The first observation in the window that meets the target, or None."""
    rows = in_window(obs, f)
    hits = rows[[meets(v, f.target, f.comparison) for v in rows["value"]]] if f.target is not None else rows.iloc[0:0]
    return None if hits.empty else hits.iloc[0]


def closest(obs: pd.DataFrame, f: Forecast) -> pd.Series | None:
    """The observation in the window nearest the target: the highest for 'at least'/'above', the lowest for 'at most'."""
    rows = in_window(obs, f)
    if rows.empty:
        return None
    return rows.loc[rows["value"].idxmin() if f.comparison == "at most" else rows["value"].idxmax()]


def window_closed(obs: pd.DataFrame, f: Forecast) -> bool:
    """Whether the data cover the whole window: the series has an observation on or after its last day."""
    return f.window_end is not None and not obs.empty and obs["date"].max() >= f.window_end


def premise_at_issue(obs: pd.DataFrame, f: Forecast) -> Check:
    """A 'could reach' presumes the target not yet met: the latest observation up to the article's date against it."""
    before = obs[obs["date"] <= f.issued].sort_values("date", kind="stable")
    if f.target is None or before.empty:
        return Check(None, f"no observation of {f.series} up to {day(f.issued)}")
    last = before.iloc[-1]
    if (f.issued - last["date"]).days > PREMISE_DAYS:
        return Check(
            None,
            f"no observation of {f.series} in the {PREMISE_DAYS} days up to {day(f.issued)} "
            f"(the latest before it is of {day(last['date'])})",
        )
    already = meets(float(last["value"]), f.target, f.comparison)
    said = f"{f.series} stood at {number(last['value'])} {f.unit} on {day(last['date'])} ({_by(last)})"
    return Check(not already, f"{said}, {'already' if already else 'not yet'} {f.comparison} the target")


def score(
    f: Forecast, obs: pd.DataFrame, condition: Check | None = None, premise: Check | None = None, as_of: str = ""
) -> Outcome:
    """The outcome of one forecast on the observations of its series, with its condition and premise reported.

    `as_of` is the date of the latest data the notebook read: the data date of a forecast no series measures.
    """
    hit = first_meeting(obs, f) if f.target is not None and f.comparison != "none" else None
    near = closest(obs, f)
    if hit is not None:
        word, row = CAME_TRUE, hit
        core = f"{f.series} reached {number(hit['value'])} {f.unit} on {day(hit['date'])} ({_by(hit)})"
    elif f.target is not None and f.comparison != "none" and window_closed(obs, f) and near is not None:
        word, row = DID_NOT_COME_TRUE, near
        core = (
            f"by the end of the window ({day(f.window_end)}) {f.series} came closest at {number(near['value'])} {f.unit} "
            f"on {day(near['date'])} ({_by(near)}), {_gap(near['value'], f)}"
        )
    else:
        word, row = NOT_YET_DECIDABLE, near
        core = _undecided(f, obs, near)
    reason = f"{core}{_clause('its condition', f.condition, condition)}{_clause('its premise', f.premise, premise)}."
    data_date = day(hit["date"]) if hit is not None else day(obs["date"].max()) if not obs.empty else as_of
    return Outcome(
        claim_id=f.claim_id,
        outcome=word,
        reason=reason[0].upper() + reason[1:],
        data_date=data_date,
        target=target_text(f),
        window=window_text(f),
        condition=f.condition,
        condition_held=None if condition is None else condition.held,
        premise_held=None if premise is None else premise.held,
        value_reached=None if row is None else float(row["value"]),
        date_reached="" if row is None else day(row["date"]),
        source_id="" if row is None else str(row["source_id"]),
    )


def _undecided(f: Forecast, obs: pd.DataFrame, near: pd.Series | None) -> str:
    """Why a forecast is not yet decidable: no series, no observation in the window, or the window still open."""
    if f.target is None or f.comparison == "none":
        return f"no series in the data measures {f.series}"
    if near is None:
        last = f"; the latest is of {day(obs['date'].max())}" if not obs.empty else "; there is none at all"
        return f"no observation of {f.series} falls after the article{' and within the window' if f.window_end is not None else ''}{last}"
    peak = f"the closest so far is {number(near['value'])} {f.unit} on {day(near['date'])} ({_by(near)}), {_gap(near['value'], f)}"
    if f.window_end is None:
        return f"the article gives no window and the target is not met yet: {peak}"
    return f"the window runs to {day(f.window_end)} but the data stop on {day(obs['date'].max())}: {peak}"


def _gap(value: float, f: Forecast) -> str:
    """How far a value is from the target, in words."""
    pct = (float(value) / f.target - 1) * 100 if f.target else math.nan
    return f"{abs(pct):.1f}% {'below' if pct < 0 else 'above'} the target of {number(f.target)} {f.unit}"


def _clause(what: str, text: str, check: Check | None) -> str:
    """'; its condition (…) held / did not hold / could not be checked: basis' ('' when there is none)."""
    if not text or check is None:
        return ""
    state = {True: "held", False: "did not hold", None: "could not be checked"}[check.held]
    if what == "its premise" and check.held is False:
        state = "was false"
    return f"; {what}, \u201c{text}\u201d, {state}: {check.basis}"


def readings(f: Forecast, obs: pd.DataFrame, windows: dict[str, pd.Timestamp | None]) -> str:
    """The outcome under other readings of the window: 'name: outcome; ...' (for the ledger's readings column)."""
    from dataclasses import replace

    return "; ".join(f"{name}: {score(replace(f, window_end=end), obs).outcome}" for name, end in windows.items())


def target_text(f: Forecast) -> str:
    """The target in words: 'Dy oxide, China domestic spot above 1,650,000 CNY/t'."""
    if f.target is None or f.comparison == "none":
        return f"{f.series} (no measurable level)"
    return f"{f.series} {f.comparison} {number(f.target)} {f.unit}"


def window_text(f: Forecast) -> str:
    """The window in words: '2025-09-10 to 2026-03-10 (reading)' or 'none stated'."""
    end = day(f.window_end) if f.window_end is not None else "no end stated"
    return f"{day(f.issued)} to {end}" + (f" ({f.window_reading})" if f.window_reading else "")


def day(value: pd.Timestamp | None) -> str:
    """An ISO date ('' for none)."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _by(row: pd.Series) -> str:
    """The publisher of an observation by the name a reader knows ('CCMN', not its full entry)."""
    return reasons.short(str(row["publisher"]))


def number(value: float) -> str:
    """A figure for a sentence: thousands separators, no needless decimals, at most four significant digits."""
    value = float(value)
    if abs(value) >= 100 and len(f"{abs(value):.0f}".rstrip("0")) > 4:  # a midpoint such as 1,627,500
        return reasons.amount(value)
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.3g}"


def to_frame(outcomes: list[Outcome]) -> pd.DataFrame:
    """Outcome records as a table, one row per forecast."""
    return pd.DataFrame([asdict(o) for o in outcomes], columns=[f.name for f in fields(Outcome)])


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    """How many forecasts have each outcome, in the scale's order."""
    return {w: sum(o.outcome == w for o in outcomes) for w in (CAME_TRUE, DID_NOT_COME_TRUE, NOT_YET_DECIDABLE)}
