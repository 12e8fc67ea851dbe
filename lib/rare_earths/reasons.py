"""The one plain sentence that comes with every verdict: templates per kind of claim, filled with computed values.

A reason names the verdict, what the data show (the computed number, rounded to at most four significant digits),
who published the data and their date, and what the article says. Internal names (modules, columns, source ids)
never appear: `rare_earths.claims` passes publisher names and plain phrases only.
"""

from __future__ import annotations

import calendar
import math
import re

from . import scale

UNIT_WORDS = {
    "percent": "%",
    "share": "%",
    "USD": "$",
    "USD/kg": "$ a kilogram",
    "USD/t": "$ a tonne",
    "CNY/t": "yuan a tonne",
    "CNY/kg": "yuan a kilogram",
    "CNY": "yuan",
    "EUR": "euros",
    "t": "tonnes",
    "kg": "kilograms",
    "lb": "pounds",
    "mm": "mm",
    "weeks": "weeks",
    "ratio": "times",
    "count": "",
}

TEMPLATES = {
    "level": "{Verdict}: {by} gives {found} for {what} ({when}); the article says {said}.{note}",
    "pct_change": "{Verdict}: {by}'s figures give a change of {found} in {what} ({when}); the article says {said}.{note}",
    "share": "{Verdict}: {by} puts {what} at {found} ({when}); the article says {said}.{note}",
    "ratio": "{Verdict}: on {by}'s figures, {what} comes to {found} ({when}); the article says {said}.{note}",
    "count": "{Verdict}: {by} gives {found} for {what} ({when}); the article says {said}.{note}",
    "direction": "{Verdict}: {by}'s figures show {what} {found} ({when}); the article says {said}.{note}",
    "month": "{Verdict}: {by} dates {what} to {found} ({when}); the article says {said}.{note}",
    "attribution": "{Verdict}: {finding} ({by}, {when}).{note}",
    "absent": "{Verdict}: {finding} ({by}, {when}).{note}",
    "uncheckable": "{Verdict}: {finding}.{note}",
    "forecast": "{Verdict}: this is a forecast, and {finding}.{note}",
}
"""One template per kind of claim (and for the verdicts that rest on no figure)."""


def amount(value: float) -> str:
    """A number for a sentence, at most four significant digits: 1,234; 45,500; 6.12 million; 0.0769."""
    if value != value:
        return "no figure"
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:,.3g} billion"
    if size >= 1e6:
        return f"{value / 1e6:,.3g} million"
    if size >= 10_000:
        return f"{float(f'{value:.3g}'):,.0f}"
    if size >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def value(number: float | None, unit: str, signed: bool = False) -> str:
    """A claimed or computed value with its unit in words ($55 million, 3.4%, 6.12 million yuan a tonne)."""
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return "no figure"
    if unit == "yyyymm":
        year, month = divmod(int(number), 100)
        return f"{calendar.month_name[month]} {year}"
    if unit == "direction":
        return "up" if number > 0 else "down" if number < 0 else "flat"
    text = amount(float(number))
    words = UNIT_WORDS.get(unit, unit)
    if words == "%":
        return f"{'+' if number > 0 and signed else ''}{text}%"
    if words.startswith("$"):
        return f"${text}{words[1:]}"
    return f"{text} {words}".strip()


def when(period: str) -> str:
    """An ISO date or period as words: '2025-05-06' -> '6 May 2025', '2025-01/2025-08' -> 'January to August 2025'."""
    parts = [p.strip() for p in str(period).split(";") if p.strip()]
    return " and ".join(_when_one(p) for p in parts) or "undated"


def _when_one(text: str) -> str:
    """One ISO date, month, year or interval as words."""
    if "/" in text:
        a, b = text.split("/", 1)
        left, right = _when_one(a), _when_one(b)
        if a[:4] == b[:4] and len(a) == 7 and len(b) == 7:
            left = calendar.month_name[int(a[5:7])]
        return f"{left} to {right}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        year, month, day = (int(x) for x in text.split("-"))
        return f"{day} {calendar.month_name[month]} {year}"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{calendar.month_name[int(text[5:7])]} {text[:4]}"
    return text


def short(publisher: str) -> str:
    """The name a reader knows a publisher by: 'Reuters (Amy Lv) via Kitco' -> 'Reuters', 'GMTEight (citing Argus)' -> 'Argus'."""
    cited = re.search(r"\(citing ([^)]+)\)", publisher)
    if cited and cited.group(1)[:1].isupper():
        return cited.group(1).strip()
    return re.split(r" \(| via | - |, | relaying ", publisher)[0].strip()


def publishers(names: list[str]) -> str:
    """Publisher names, shortened and joined for a sentence ('A', 'A and B', 'A, B and C')."""
    names = list(dict.fromkeys(short(n) for n in names if n))
    if not names:
        return "the sourced data"
    if len(names) > 3:
        return f"{', '.join(names[:2])} and {len(names) - 2} other publishers"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def sentence(kind: str, verdict: str, **fields: str) -> str:
    """Fill the template of a kind of claim; the verdict word opens the sentence."""
    note = fields.pop("note", "")
    text = TEMPLATES[kind].format(
        Verdict=verdict[0].upper() + verdict[1:], note=f" {note.strip()}" if note.strip() else "", **fields
    )
    text = re.sub(r"(\w)s's\b", r"\1s'", text)  # "other publishers' figures", "Reuters' figures"
    if " and " in fields.get("by", ""):  # "SMM and CCMN give", not "gives"
        text = text.replace(f"{fields['by']} gives ", f"{fields['by']} give ", 1)
    return re.sub(r"\.\.", ".", text)


def template_kind(claim_kind: str, unit: str, verdict: str, absent: bool, forecast: bool) -> str:
    """Which template a claim's reason uses."""
    if forecast:
        return "forecast"
    if verdict == scale.UNCHECKABLE:
        return "uncheckable"
    if absent:
        return "absent"
    if unit == "yyyymm":
        return "month"
    return claim_kind if claim_kind in TEMPLATES else "level"
