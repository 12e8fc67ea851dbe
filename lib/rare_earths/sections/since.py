"""Section 08: what happened after the article: exports, prices and policy since, and the forecasts scored.

The forecasts' targets, windows, conditions and premises are read from data/forecasts.csv; their outcomes are
computed by `rare_earths.forecasts` from whatever dated rows data/ holds, so they change when new months are
curated. The article's thesis ("decreasing volume and increasing prices") is re-tested on the months after it and
on the full year 2025 (since_claims.py holds those checks and this section's claim records).
"""

from __future__ import annotations

import pandas as pd

from .. import data, forecasts
from ..forecasts import Check, Forecast, Outcome
from . import export_claims, exports

FIRST_MONTH_AFTER = "2025-09"  # the article (10 September 2025) reported August: the months that followed start here
SHORT_TERM_READINGS = {"three months": 3, "twelve months": 12}  # other readings of 'in the short term'
PRICE_COLUMNS = ["date", "value", "low", "high", "source_id", "publisher"]


def forecast_list(table: pd.DataFrame) -> list[Forecast]:
    """The rows of data/forecasts.csv as forecasts (the window opens on the article's date)."""
    return [
        Forecast(
            claim_id=str(r["claim_id"]),
            series=str(r["series"]),
            target=None if pd.isna(r["target"]) else float(r["target"]),
            unit="" if pd.isna(r["unit"]) else str(r["unit"]),
            comparison=str(r["comparison"]),
            window_end=None if pd.isna(r["window_end"]) else pd.Timestamp(r["window_end"]),
            window_reading=str(r["window_reading"]),
            condition_claim_id="" if pd.isna(r["condition_claim_id"]) else str(r["condition_claim_id"]),
            condition="" if pd.isna(r["condition"]) else str(r["condition"]),
            premise="" if pd.isna(r["premise"]) else str(r["premise"]),
        )
        for _, r in table.iterrows()
    ]


def observations(
    quotes: pd.DataFrame, sources: pd.DataFrame, element: str, product: str, market: str, unit: str
) -> pd.DataFrame:
    """One price series as dated observations: the range midpoint as `value`, its ends, source and publisher."""
    rows = quotes[
        (quotes["element"] == element)
        & (quotes["product"] == product)
        & (quotes["market"] == market)
        & (quotes["unit"] == unit)
    ]
    publisher = sources.set_index("source_id")["publisher"]
    out = rows.assign(value=(rows["low"] + rows["high"]) / 2, publisher=rows["source_id"].map(publisher))
    return out[PRICE_COLUMNS].sort_values("date", kind="stable").reset_index(drop=True)


def series_of(row: pd.Series, quotes: pd.DataFrame, sources: pd.DataFrame, proxy: bool = False) -> pd.DataFrame:
    """The observations a forecasts.csv row is about (or of its context series), empty when no series measures it."""
    if pd.isna(row["dataset"]) or (proxy and pd.isna(row["proxy_element"])):
        return pd.DataFrame(columns=PRICE_COLUMNS)
    element = row["proxy_element"] if proxy else row["element"]
    product = row["proxy_product"] if proxy else row["product"]
    return observations(quotes, sources, str(element), str(product), str(row["market"]), str(row["unit"]))


def myanmar_condition(responses: pd.DataFrame) -> Check:
    """Whether Myanmar's shipments stayed stopped after the article: only a dated series of them could say."""
    rows = responses[responses["topic"].str.contains("Myanmar", case=False, regex=False)]
    dated = rows[rows["as_of"].str.fullmatch(r"\d{4}-\d{2}(-\d{2})?", na=False)]
    later = dated[dated["as_of"] >= FIRST_MONTH_AFTER]
    seen = "; ".join(f"{r.item} ({r.value_as_printed} {r.unit_as_printed}, {r.as_of})" for r in later.itertuples())
    return Check(
        None,
        "no monthly series of Myanmar's rare-earth shipments to China after the article is in the data"
        + (f"; figures read: {seen}" if seen else f"; the latest Myanmar figure is of {dated['as_of'].max()}"),
    )


NO_SOURCE = {
    "C07-14": "no source we could read says whether an additional 3,000 t of reserves were secured after the article",
    "C07-15": "no source we could read reports Sumitomo's iron-based magnets in mass production in 2026",
}


def conditions(responses: pd.DataFrame) -> dict[str, Check]:
    """Each condition claim's check, by claim id."""
    return {"C07-13": myanmar_condition(responses), **{k: Check(None, v) for k, v in NO_SOURCE.items()}}


def premise_check(f: Forecast, obs: pd.DataFrame, premise_claim_id: str = "") -> Check | None:
    """The premise on the article's date: the forecast's own series then, or the claim of section 07 that checks it."""
    if not f.premise:
        return None
    if (obs.empty or f.target is None or f.comparison == "none") and premise_claim_id:
        return Check(None, f"no series here decides it; section 07 checks it as {premise_claim_id}")
    return forecasts.premise_at_issue(obs, f)


def window_readings(f: Forecast) -> dict[str, pd.Timestamp | None]:
    """Other readings of a short-term window (three and twelve months), for forecasts that have one."""
    if f.window_end is None or "short term" not in f.window_reading:
        return {}
    return {name: f.issued + pd.DateOffset(months=n) for name, n in SHORT_TERM_READINGS.items()}


def score_all(
    table: pd.DataFrame,
    quotes: pd.DataFrame,
    sources: pd.DataFrame,
    responses: pd.DataFrame,
    as_of: str,
) -> tuple[list[Outcome], dict[str, str]]:
    """Every forecast's outcome on today's data, and the outcome under the other window readings (by claim id).

    `as_of` is the latest date of the data read: the data date of a forecast no series measures; a forecast whose
    series has no observation at all takes the latest date of its dataset.
    """
    conds = conditions(responses)
    outcomes, readings = [], {}
    for f, (_, row) in zip(forecast_list(table), table.iterrows()):
        obs = series_of(row, quotes, sources)
        cond = conds.get(f.condition_claim_id) if f.condition_claim_id else None
        if f.condition and cond is None:
            cond = Check(None, "no source we could read decides it")
        premise = premise_check(f, obs, "" if pd.isna(row["premise_claim_id"]) else str(row["premise_claim_id"]))
        dated = as_of if pd.isna(row["dataset"]) else data.as_of([f"data/{row['dataset']}.csv"]) or as_of
        outcomes.append(forecasts.score(f, obs, cond, premise, as_of=dated))
        readings[f.claim_id] = forecasts.readings(f, obs, window_readings(f))
    return outcomes, readings


def scorecard(outcomes: list[Outcome]) -> pd.DataFrame:
    """The forecast scorecard: target, window, condition, outcome, date and value reached, reason."""
    frame = forecasts.to_frame(outcomes)
    held = {True: "held", False: "did not hold", None: "could not be checked"}
    frame["condition_held"] = [held[h] if c else "" for h, c in zip(frame["condition_held"], frame["condition"])]
    frame["premise_held"] = [
        "" if pd.isna(h) else "true" if h else "false" for h in frame["premise_held"].astype(object)
    ]
    return frame[
        [
            "claim_id",
            "target",
            "window",
            "condition",
            "condition_held",
            "premise_held",
            "outcome",
            "date_reached",
            "value_reached",
            "data_date",
            "reason",
            "source_id",
        ]
    ]


def exports_since(frame: pd.DataFrame, start: str = "2024-01") -> pd.DataFrame:
    """Monthly export volume from `start` to the latest month, with the value and unit value where sourced."""
    volume = exports.monthly(frame, "rare_earths", "volume")
    volume = volume[volume.index >= pd.Period(start, "M")]
    values = export_claims.value_series(frame)
    single = values[~values["period"].str.contains(r"\.\.") & values["kind"].eq("reported")].set_index("period")
    average = values[values["kind"] == "reported average price"].set_index("period")
    months = [str(m) for m in volume.index]
    return pd.DataFrame(
        {
            "month": months,
            "volume_t": volume.to_numpy(),
            "value_usd": [single["value_usd"].get(m) for m in months],
            "unit_value_usd_per_t": [
                single["unit_value_usd_per_t"].get(m, average["unit_value_usd_per_t"].get(m)) for m in months
            ],
            "unit_value_kind": [
                "value / volume" if m in single.index else "reported average price" if m in average.index else ""
                for m in months
            ],
        }
    )


def latest_quotes(quotes: pd.DataFrame, since: str = "2025-01-01") -> pd.DataFrame:
    """Per element, product, market and unit: the first and the latest quote since `since`, and how many."""
    rows = quotes[quotes["date"] >= pd.Timestamp(since)].assign(mid=lambda q: (q["low"] + q["high"]) / 2)
    keys = ["element", "product", "market", "unit"]
    ordered = rows.sort_values("date", kind="stable").groupby(keys)
    first, last = ordered.first(), ordered.last()
    return pd.DataFrame(
        {
            "quotes": ordered.size(),
            "first_date": first["date"],
            "first_mid": first["mid"],
            "latest_date": last["date"],
            "latest_mid": last["mid"],
            "latest_source_id": last["source_id"],
        }
    ).reset_index()


def missing_months(frame: pd.DataFrame, start: str = "2024-01") -> str:
    """A sentence naming the months from `start` to the latest with no sourced monthly export volume."""
    volume = exports.monthly(frame, "rare_earths", "volume")
    months = pd.period_range(start, volume.index.max(), freq="M")
    gaps = [str(m) for m in months if m not in volume.index]
    latest = volume.index.max()
    if not gaps:
        return f"Every month from {start} to {latest} has a sourced export volume."
    return (
        f"The customs volumes run to {latest}. No source we read gives the month alone for {', '.join(gaps)}: "
        "those months stay empty (January and February are often published together)."
    )


def charted(table: pd.DataFrame) -> pd.DataFrame:
    """The forecasts that a price series in the data measures, for their charts."""
    return table[table["dataset"].notna()]


def thesis_table(records: list, ids: tuple[str, ...] = ("C01-10", "C01-11", "C01-12", "C01-13")) -> pd.DataFrame:
    """The thesis re-tested: one row per half and period, with the verdict and what it rests on."""
    by_id = {r.claim_id: r for r in records}
    return pd.DataFrame(
        [
            {
                "claim_id": cid,
                "verdict": by_id[cid].verdict,
                "robustness": by_id[cid].robustness,
                "reason": by_id[cid].reason,
                "readings": by_id[cid].readings,
            }
            for cid in ids
            if cid in by_id
        ]
    )


def chart_inputs(row: pd.Series, quotes: pd.DataFrame, sources: pd.DataFrame) -> dict:
    """What plots.target_chart needs for one forecasts.csv row: its series, target, window and context series."""
    proxy = not pd.isna(row["proxy_element"])
    return {
        "obs": series_of(row, quotes, sources),
        "target": None if pd.isna(row["target"]) else float(row["target"]),
        "window_end": None if pd.isna(row["window_end"]) else pd.Timestamp(row["window_end"]),
        "ylabel": str(row["unit"]),
        "context": series_of(row, quotes, sources, proxy=True) if proxy else None,
        "context_label": f"{row['proxy_element']} {row['proxy_product']}, for context only" if proxy else "",
    }


def producers_since(output: pd.DataFrame, payments: pd.DataFrame, start: str = "2025-01-01") -> pd.DataFrame:
    """MP Materials' and Lynas's reported output, and MP's price-floor income, for periods ending from `start` on."""
    columns = ["company", "period", "period_end", "measure", "value", "unit", "source_id"]
    both = pd.concat(
        [
            output.assign(measure=output["product"].str.replace("_", " ") + ", " + output["measure"]),
            payments.assign(measure=payments["measure"].str.replace("_", " ")),
        ],
        ignore_index=True,
    )
    both = both[pd.to_datetime(both["period_end"]) >= pd.Timestamp(start)]
    return both.sort_values(["company", "period_end", "measure"], kind="stable")[columns].reset_index(drop=True)
