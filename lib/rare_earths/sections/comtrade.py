"""Section 01 beside UN Comtrade: the snapshot's months set against the customs aggregates (China's GACC figures)."""

from __future__ import annotations

import pandas as pd

from .. import units
from ..snapshot import DATASET, KEY_ENV, SNAPSHOT_DIR, Snapshot
from . import exports

CHAPTER_28 = ("280530", "284610", "284690")  # metals and compounds: set against GACC's "rare earths" line
MAGNETS = "850511"


def describe(snapshot: Snapshot | None) -> str:
    """One paragraph (Markdown) on the snapshot in use, or on its absence."""
    if snapshot is None:
        return (
            f"**No UN Comtrade snapshot.** `data/{SNAPSHOT_DIR}/{DATASET}.csv` does not exist, so there is nothing to show "
            f"beside the customs figures. Run `make data` (needs the network; the key in `{KEY_ENV}` is optional) to fetch one. "
            "The project ships none: no real API response could be fetched where this section was written, and no "
            "figure is made up in its place."
        )
    m = snapshot.metadata
    months = m.get("months_with_data") or ["?"]
    return (
        f"UN Comtrade snapshot `{m['source_id']}`: retrieved {m['retrieved_at']} from the {m['endpoint']} endpoint, "
        f"{m['record_count']} records, months {months[0]} to {months[-1]} (sha256 {m['sha256'][:12]}; details in "
        f"`data/{SNAPSHOT_DIR}/{DATASET}.json`)."
    )


def beside_customs(snapshot_frame: pd.DataFrame, exports_frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """Per month, in tonnes: the customs aggregates as reported and the Comtrade net weights (World)."""
    world = snapshot_frame[(snapshot_frame["partner_code"] == 0) & (snapshot_frame["measure"] == "net_weight")]
    tonnes = {
        code: pd.Series(
            [units.mass(v, "kg", "t") for v in rows["value"]], index=pd.PeriodIndex(rows["month"], freq="M")
        )
        for code, rows in world.groupby("hs_code")
    }
    columns = {"gacc_rare_earths_t": exports.monthly(exports_frame, "rare_earths", "volume")}
    none = pd.Series(dtype="float64", index=pd.PeriodIndex([], freq="M"))
    columns.update({f"comtrade_{code}_t": tonnes.get(code, none) for code in CHAPTER_28})
    columns["gacc_magnets_t"] = exports.monthly(exports_frame, "rare_earth_magnets", "volume", "World")
    columns[f"comtrade_{MAGNETS}_t"] = tonnes.get(MAGNETS, none)
    table = pd.DataFrame(columns)
    table.insert(
        4, "comtrade_28_sum_t", table[[f"comtrade_{c}_t" for c in CHAPTER_28]].sum(axis=1, min_count=len(CHAPTER_28))
    )
    table = table.sort_index()
    lo, hi = pd.Period(start, "M"), pd.Period(end, "M")
    table = table[(table.index >= lo) & (table.index <= hi)].dropna(how="all")
    table.index.name = "month"
    return table


def plot_series(beside: pd.DataFrame) -> dict[str, pd.Series]:
    """The lines of the comparison chart, by label; months without a figure left out (never joined)."""
    labels = {
        "gacc_rare_earths_t": "GACC rare earths (as reported)",
        "comtrade_28_sum_t": "Comtrade HS 2805.30 + 2846.10 + 2846.90",
        "gacc_magnets_t": "GACC magnets, HS 8505.11 (as reported)",
        f"comtrade_{MAGNETS}_t": "Comtrade magnets, HS 8505.11",
    }
    return {label: beside[col].dropna() for col, label in labels.items() if beside[col].notna().any()}
