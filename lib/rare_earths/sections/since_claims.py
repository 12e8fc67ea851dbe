"""Section 08's claims: the forecasts' outcomes, their conditions, and the thesis re-tested after the article.

The thesis "decreasing volume and increasing prices" is re-tested on the customs aggregate: the volume of the months
after the article against the same months a year earlier, its unit value (value over volume of the same months)
against 2024, and the full year 2025 against 2024. Months without a sourced figure are left out and named.

A forecast's outcome (`rare_earths.forecasts`) is its verdict in the ledger (came true / did not come true / not
yet decidable). The thesis re-tests are judged the same way: the article describes a trend as of its date, so
whether the trend lasted is the outcome of an implied forecast, never a verdict on the sentence as of its date.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from .. import claims, scale, units
from ..forecasts import Check, Outcome
from ..robustness import Reading, robustness
from ..scale import CAME_TRUE, DID_NOT_COME_TRUE, NOT_YET_DECIDABLE
from . import export_claims, exports
from .exports import Change

GACC = "GACC rare-earth export volume"


def _change(old: float, new: float, basis: str) -> Change:
    """A change between two totals, with its sentence."""
    if math.isnan(old) or math.isnan(new):
        return Change(old, new, math.nan, math.nan, basis)
    pct = units.pct_change(new, old)
    return Change(old, new, pct, math.copysign(1.0, pct) if pct else 0.0, f"{basis} ({pct:+.1f}%)")


def volume_after(frame: pd.DataFrame, first: str) -> tuple[Change, list[Reading]]:
    """Volume of the months from `first` on that have a sourced figure a year earlier, against those months then."""
    volume = exports.monthly(frame, "rare_earths", "volume")
    months = [m for m in volume.index if m >= pd.Period(first, "M")]
    paired = [m for m in months if m - 12 in volume.index]
    left = [str(m) for m in pd.period_range(first, volume.index.max(), freq="M") if m not in paired]
    if not paired:
        return _change(math.nan, math.nan, f"{GACC}: no month from {first} on has a sourced figure a year earlier"), []
    new, old = float(volume[paired].sum()), float(volume[[m - 12 for m in paired]].sum())
    basis = f"{GACC}, {', '.join(str(m) for m in paired)}: {new:,.0f} t against {old:,.0f} t a year earlier" + (
        f"; left out (no sourced month or none a year earlier): {', '.join(left)}" if left else ""
    )
    down = int(sum(bool(volume[m] < volume[m - 12]) for m in paired))
    up = len(paired) - down
    return _change(old, new, basis), [
        Reading(f"months down year on year ({down} of {len(paired)})", float(int(up > down) - int(down > up)))
    ]


def _disjoint(values: pd.DataFrame, first: str) -> pd.DataFrame:
    """Value rows (reported or derived, with a volume) from `first` on whose periods do not overlap, earliest first."""
    rows = values[values["value_usd"].notna() & values["volume_t"].notna()].copy()
    rows["start"] = [pd.Period(p.split("..")[0], "M") for p in rows["period"]]
    rows["end"] = [pd.Period(p.split("..")[-1], "M") for p in rows["period"]]
    rows = rows[rows["start"] >= pd.Period(first, "M")].assign(
        span=lambda r: (r["end"] - r["start"]).map(lambda d: d.n)
    )
    taken: list[pd.Series] = []
    for _, r in rows.sort_values(["start", "span"], kind="stable").iterrows():
        if all(r["start"] > t["end"] or r["end"] < t["start"] for t in taken):
            taken.append(r)
    return pd.DataFrame(taken)


def _unit_value(values: pd.DataFrame, period: str) -> float:
    """The unit value of one period of the value series (NaN when it is not there)."""
    rows = values[(values["period"] == period) & values["value_usd"].notna()]
    return float(rows["unit_value_usd_per_t"].iloc[0]) if len(rows) else math.nan


def unit_value_after(frame: pd.DataFrame, first: str, base_year: int = 2024) -> tuple[Change, list[Reading]]:
    """Unit value of the months after the article (their value over their volume) against the full year `base_year`."""
    values = export_claims.value_series(frame)
    used = _disjoint(values, first)
    base = _unit_value(values, f"{base_year}-01..{base_year}-12")
    if used.empty:
        return _change(math.nan, math.nan, f"no export value from {first} on is sourced"), []
    new = units.unit_value(float(used["value_usd"].sum()), float(used["volume_t"].sum()))
    basis = (
        f"export unit value, {', '.join(used['period'])}: USD {used['value_usd'].sum() / 1e6:,.1f} million over "
        f"{used['volume_t'].sum():,.0f} t = {new:,.0f} USD/t, against {base:,.0f} USD/t in {base_year}"
    )
    before = _unit_value(values, f"{first[:4]}-01..{pd.Period(first, 'M') - 1}")
    averages = values[values["kind"] == "reported average price"].set_index("period")["unit_value_usd_per_t"]
    pairs = [
        (m, averages[m], averages.get(str(pd.Period(m, "M") - 12), math.nan)) for m in averages.index if m >= first
    ]
    pairs = [p for p in pairs if not math.isnan(p[2])]
    readings = [Reading(f"against {first[:4]}-01..{pd.Period(first, 'M') - 1}", _sign(new - before))]
    readings += [
        Reading(f"reported average export price, {m} against a year earlier", _sign(n - o)) for m, n, o in pairs
    ]
    return _change(base, new, basis), readings


def _sign(x: float) -> float:
    """+1, -1, 0, or NaN."""
    return math.nan if math.isnan(x) else float(int(x > 0) - int(x < 0))


def volume_year(frame: pd.DataFrame, year: int) -> tuple[Change, list[Reading]]:
    """A year's export volume against the year before: reported annual totals, and the sum of months as a reading."""
    totals = exports.annual_totals(frame).set_index("year")
    get = lambda y, c: float(totals[c].get(y, math.nan)) if y in totals.index else math.nan  # noqa: E731
    new, old = get(year, "reported_annual_total_t"), get(year - 1, "reported_annual_total_t")
    summed = get(year, "sum_of_reported_months_t") - get(year - 1, "sum_of_reported_months_t")
    basis = (
        f"{GACC}, full year {year}: {new:,.0f} t against {old:,.0f} t in {year - 1} (reported January-December totals)"
    )
    return _change(old, new, basis), [Reading("sum of the reported months", _sign(summed))]


def unit_value_year(frame: pd.DataFrame, year: int) -> tuple[Change, list[Reading]]:
    """A year's export unit value against the year before; the longest January-to-month total when December is not sourced."""
    values = export_claims.value_series(frame)
    spans = values[values["period"].str.match(rf"{year}-01\.\.{year}-\d\d$") & values["value_usd"].notna()]
    base = _unit_value(values, f"{year - 1}-01..{year - 1}-12")
    if spans.empty:
        return _change(math.nan, base, f"no January-to-month export value of {year} is sourced"), []
    row = spans.sort_values("period").iloc[-1]
    full = row["period"].endswith("-12")
    basis = (
        f"export unit value, {row['period']}{'' if full else f' (the full year {year} is not sourced)'}: "
        f"{row['unit_value_usd_per_t']:,.0f} USD/t against {base:,.0f} USD/t in {year - 1}"
    )
    averages = values[values["kind"] == "reported average price"].set_index("period")["unit_value_usd_per_t"]
    pairs = [
        (m, averages[m], averages.get(str(pd.Period(m, "M") - 12), math.nan))
        for m in averages.index
        if m.startswith(str(year))
    ]
    readings = [
        Reading(f"reported average export price, {m} against a year earlier", _sign(n - o))
        for m, n, o in pairs
        if not math.isnan(o)
    ]
    return _change(base, float(row["unit_value_usd_per_t"]), basis), readings


OUTCOME_OF = {CAME_TRUE: "holds", DID_NOT_COME_TRUE: "fails", NOT_YET_DECIDABLE: "no data"}
LASTED = {
    scale.ACCURATE: CAME_TRUE,
    scale.ROUGHLY_RIGHT: CAME_TRUE,
    scale.MISLEADING: DID_NOT_COME_TRUE,
    scale.WRONG: DID_NOT_COME_TRUE,
    scale.UNCHECKABLE: NOT_YET_DECIDABLE,
}
"""A thesis re-test's verdict as the outcome of the implied forecast that the pattern would last."""


def ledger_record(o: Outcome, notebook: str, readings: str = "") -> claims.ClaimRecord:
    """A forecast's outcome as a ledger record: the outcome word is the verdict, its sentence the reason."""
    other = [part.rsplit(": ", 1) for part in readings.split("; ") if ": " in part]
    word = o.outcome[0].upper() + o.outcome[1:]
    reached = "none" if o.value_reached is None else f"{o.value_reached:,.0f} on {o.date_reached}"
    tried = [f"main reading: {reached} ({OUTCOME_OF[o.outcome]})"]
    tried += [f"{name}: {w} ({OUTCOME_OF.get(w, 'no data')})" for name, w in other]
    return replace(
        claims.forecast(o.claim_id, o.reason, notebook),
        verdict=o.outcome,
        computed_value=o.value_reached,
        reason=f"{word}: {o.reason}" if o.reason else word + ".",
        data_date=o.data_date,
        robustness=robustness([OUTCOME_OF[o.outcome], *(OUTCOME_OF.get(w, "no data") for _, w in other)]),
        readings="; ".join(tried),
        sources=o.source_id or "",
    )


def condition_record(claim_id: str, check: Check, notebook: str) -> claims.ClaimRecord:
    """A condition claim's record: decided only when a source shows whether it held."""
    value = None if check.held is None else float(claims.claimed(claim_id)) * (1 if check.held else -1)
    return claims.check(claim_id, value, check.basis, notebook, finding=check.basis)


def lasted(record: claims.ClaimRecord) -> claims.ClaimRecord:
    """A thesis re-test judged as the implied forecast that the pattern would last: came true or did not."""
    word = LASTED[record.verdict]
    rest = record.reason.split(": ", 1)[1] if ": " in record.reason else record.reason
    return replace(record, verdict=word, reason=f"{word[0].upper() + word[1:]}: {rest}")


def check_claims(
    frame: pd.DataFrame, outcomes: list[Outcome], readings: dict[str, str], conds: dict[str, Check], notebook: str
) -> list[claims.ClaimRecord]:
    """Every section-08 claim: the forecasts' outcomes, their conditions, and whether the thesis lasted."""
    theses = {
        "C01-10": volume_after(frame, "2025-09"),
        "C01-11": unit_value_after(frame, "2025-09"),
        "C01-12": volume_year(frame, 2025),
        "C01-13": unit_value_year(frame, 2025),
    }
    last_month = str(exports.monthly(frame, "rare_earths", "volume").index.max())
    return (
        [ledger_record(o, notebook, readings.get(o.claim_id, "")) for o in outcomes]
        + [condition_record(cid, check, notebook) for cid, check in conds.items()]
        + [
            lasted(
                claims.check(
                    cid,
                    c.direction,
                    c.basis,
                    notebook,
                    readings=r,
                    data_date=last_month if cid in ("C01-10", "C01-11") else "2025",
                    sources=_customs_sources(frame, "2024-09" if cid in ("C01-10", "C01-11") else "2024-01"),
                )
            )
            for cid, (c, r) in theses.items()
        ]
    )


def _customs_sources(frame: pd.DataFrame, first: str) -> list[str]:
    """The source ids of the world rare-earth export figures (volume and value) from `first` on."""
    rows = frame[(frame["series"] == "rare_earths") & (frame["partner"] == "World") & (frame["month"] >= first)]
    return sorted(set(rows["source_id"]))


def key_finding(outcomes: list[Outcome], records: list[claims.ClaimRecord], as_of: str, year: int = 2025) -> str:
    """The section's key finding, written from the outcomes and the thesis records (never typed in)."""
    from .. import forecasts

    counts = ", ".join(f"{n} {word}" for word, n in forecasts.summary(outcomes).items())
    v = {r.claim_id: r.verdict for r in records}
    said = lambda cid, yes, no: yes if v.get(cid) == CAME_TRUE else no  # noqa: E731
    return (
        f"**Key finding.** Of the article's {len(outcomes)} forecasts, on data as of {as_of}: {counts}. "
        f"Its thesis after the article: export volume {said('C01-10', 'fell', 'did not fall')} in the months that "
        f"followed and {said('C01-12', 'fell', 'did not fall')} over {year}; the unit value "
        f"{said('C01-11', 'rose', 'did not rise')} after the article and {said('C01-13', 'rose', 'did not rise')} over "
        f"{year}. " + claims.summary_markdown(records)
    )
