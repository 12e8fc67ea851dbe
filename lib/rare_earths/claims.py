"""Check the article's quantitative claims (data/claims.csv) against values computed from data.

A verdict is always computed here, from the claimed value in data/claims.csv, the value a
notebook computed from sourced data, and the tolerance declared for the claim:
``confirmed`` (within tolerance, or same direction), ``contradicted`` (outside it), or
``unverifiable`` (no sourced value can decide it; the reason is recorded).

Every record also says how robust its verdict is (`rare_earths.robustness`): the readings the notebook tried
(range midpoints or ends, USGS editions, rounding), the verdict under each, and "depends on reading" where
they disagree; and, for figures the article derives itself (conversions, ratios, percentages), whether its own
arithmetic holds, apart from whether its inputs match the sources.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from . import data, labels, outputs, paths
from .robustness import Reading, describe, fmt, judged, robustness

VERDICTS = ("confirmed", "contradicted", "unverifiable")


@dataclass(frozen=True)
class ClaimRecord:
    """The outcome of checking one claim."""

    claim_id: str
    section: str
    notebook: str
    quote: str
    claimed_value: float
    computed_value: float | None
    unit: str
    verdict: str
    explanation: str
    robustness: str = ""
    readings: str = ""
    article_arithmetic: str = ""


LEDGER_COLUMNS = [
    "claim_id",
    "section",
    "notebook",
    "quote",
    "claimed_value",
    "computed_value",
    "unit",
    "verdict",
    "robustness",
    "explanation",
    "readings",
    "article_arithmetic",
]


def inventory(data_dir: Path | None = None) -> pd.DataFrame:
    """The claims inventory, validated, indexed by claim_id."""
    return data.load("claims", data_dir).set_index("claim_id", drop=False)


def for_section(section: str, data_dir: Path | None = None) -> pd.DataFrame:
    """The inventoried claims one section (notebook number, e.g. '01') must check."""
    claims = inventory(data_dir)
    return claims[claims["section"] == section]


def claimed(claim_id: str, claims: pd.DataFrame | None = None) -> float:
    """The value a claim states, as inventoried."""
    claims = inventory() if claims is None else claims
    return float(_row(claim_id, claims)["claimed_value"])


def _row(claim_id: str, claims: pd.DataFrame) -> pd.Series:
    """One inventory row, or a KeyError naming the unknown id."""
    if claim_id not in claims.index:
        raise KeyError(f"claim {claim_id!r} is not in data/claims.csv")
    return claims.loc[claim_id]


def _missing(value: float | None) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def verdict(claimed_value: float, computed: float | None, kind: str, tolerance: float, tolerance_kind: str) -> str:
    """Compare a claimed and a computed value under the claim's declared tolerance."""
    if _missing(computed):
        return "unverifiable"
    if tolerance_kind == "lower_bound":  # 'over', 'more than', 'exceeding': at least the claimed figure
        return "confirmed" if computed >= claimed_value - tolerance - 1e-12 else "contradicted"  # type: ignore[operator]
    if kind == "direction":
        if claimed_value == 0:  # a claim that something stayed flat
            return "confirmed" if computed == 0 else "contradicted"
        return (
            "confirmed"
            if math.copysign(1, computed) == math.copysign(1, claimed_value) and computed != 0
            else "contradicted"
        )
    allowed = tolerance if tolerance_kind == "absolute" else tolerance * abs(claimed_value)
    return "confirmed" if abs(computed - claimed_value) <= allowed + 1e-12 else "contradicted"


def check(
    claim_id: str,
    computed: float | None,
    basis: str,
    notebook: str,
    claims: pd.DataFrame | None = None,
    *,
    absent: bool = False,
    readings: list[Reading] | None = None,
    arithmetic: tuple[float, str] | None = None,
) -> ClaimRecord:
    """Check one claim against a computed value; `basis` says what was computed, from which data.

    `absent=True` says the data show that what the claim quantifies does not exist (a quota that was
    abolished, say); the claim is then contradicted, with `basis` as the evidence, whatever its number.
    `readings` are other reasonable readings of the claim (the computed value is the main one and comes
    first): each is judged with the claim's tolerance, and the record says whether the verdict holds under
    all of them. `arithmetic` is (value the article's own figures imply, how): whether the article's own
    arithmetic holds, judged apart from the data.
    """
    if not basis.strip():
        raise ValueError(f"claim {claim_id}: say what the computed value is (or why none exists)")
    claims = inventory() if claims is None else claims
    row = _row(claim_id, claims)
    value = None if _missing(computed) else float(computed)  # type: ignore[arg-type]
    judge = _judge(row)
    result = judge(value)
    if absent:
        result = "contradicted"
    pairs = judged([Reading("main reading", value), *(readings or [])], judge)
    if absent:
        pairs[0] = (pairs[0][0], "contradicted")
    return ClaimRecord(
        claim_id=claim_id,
        section=str(row["section"]),
        notebook=notebook,
        quote=str(row["quote"]),
        claimed_value=float(row["claimed_value"]),
        computed_value=value,
        unit=str(row["unit"]),
        verdict=result,
        explanation=f"The data show no such thing: {basis}" if absent else _explain(row, value, result, basis),
        robustness=robustness([v for _, v in pairs]),
        readings=describe(pairs[1:], str(row["unit"])) if len(pairs) > 1 else "",
        article_arithmetic=_arithmetic(row, arithmetic),
    )


def _judge(row: pd.Series):
    """The verdict function of one inventoried claim (its claimed value, kind and tolerance)."""
    return lambda value: verdict(
        float(row["claimed_value"]), value, str(row["claim_kind"]), float(row["tolerance"]), str(row["tolerance_kind"])
    )


def _arithmetic(row: pd.Series, arithmetic: tuple[float, str] | None) -> str:
    """Whether the figure the article's own inputs imply agrees with what it states ('' when not applicable)."""
    if arithmetic is None:
        return ""
    implied, how = arithmetic
    holds = _judge(row)(float(implied)) == "confirmed"
    return f"{'holds' if holds else 'does not hold'}: {how} = {fmt(float(implied))} against the stated {fmt(float(row['claimed_value']))}"


def forecast(claim_id: str, reason: str, notebook: str, claims: pd.DataFrame | None = None) -> ClaimRecord:
    """A forecast or 'expected to' statement: unverifiable, with the reason no source can decide it."""
    return check(claim_id, None, f"a forecast; {reason}", notebook, claims)


def states(text: str, *phrases: str | tuple[str, ...]) -> bool:
    """Whether a source's sentence says every phrase (a tuple: any one of its wordings), case-insensitive."""
    low = text.lower()
    return all(any(p.lower() in low for p in ((phrase,) if isinstance(phrase, str) else phrase)) for phrase in phrases)


def attribution(
    claim_id: str,
    found: bool | None,
    basis: str,
    notebook: str,
    claims: pd.DataFrame | None = None,
    readings: list[Reading] | None = None,
) -> ClaimRecord:
    """An attribution or event claim: True = a source shows it, False = a source contradicts it, None = no source read decides it."""
    return check(claim_id, None if found is None else float(found), basis, notebook, claims, readings=readings)


def _explain(row: pd.Series, computed: float | None, result: str, basis: str) -> str:
    """One line saying what was compared and why the verdict follows."""
    if result == "unverifiable":
        return f"No sourced value decides it: {basis}"
    unit = row["unit"]
    if row["claim_kind"] == "attribution":
        return f"{basis} ({'the sources show it' if computed == 1 else 'the sources contradict it'})."
    if row["tolerance_kind"] == "lower_bound":
        return (
            f"{basis}: computed {fmt(computed)} {unit} against a claimed minimum of {fmt(row['claimed_value'])} {unit}."  # type: ignore[arg-type]
        )
    if row["claim_kind"] == "direction":
        said = "up" if row["claimed_value"] > 0 else "down"
        said = "flat" if row["claimed_value"] == 0 else said
        found = "up" if computed > 0 else "down" if computed < 0 else "flat"  # type: ignore[operator]
        return f"{basis}: claimed {said}, data show {found} ({'+' if computed > 0 else ''}{labels.number(computed)})."
    tol = row["tolerance"] if row["tolerance_kind"] == "absolute" else row["tolerance"] * abs(row["claimed_value"])
    if (
        unit == "yyyymm"
    ):  # months: say them as months, and their difference in months (not integer arithmetic on yyyymm)
        gap = labels.months_between(row["claimed_value"], computed)  # type: ignore[arg-type]
        return (
            f"{basis}: computed {labels.month_name(computed)} vs claimed {labels.month_name(row['claimed_value'])} "  # type: ignore[arg-type]
            f"({abs(gap)} month{'s' if abs(gap) != 1 else ''} {'later' if gap > 0 else 'earlier' if gap < 0 else 'apart: the same month'}; tolerance ±{tol:,.0f} months)."
        )
    return (
        f"{basis}: computed {labels.number(computed)} {unit} vs claimed {labels.number(row['claimed_value'])} {unit} "  # type: ignore[arg-type]
        f"(difference {'+' if computed > row['claimed_value'] else ''}{labels.number(computed - row['claimed_value'])}; "  # type: ignore[operator]
        f"tolerance ±{labels.number(tol)})."
    )


def internal_consistency(old_id: str, new_id: str, pct_id: str, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Whether a claimed % change agrees with the two levels the article itself states (article vs article)."""
    claims = inventory() if claims is None else claims
    old, new = claimed(old_id, claims), claimed(new_id, claims)
    implied = (new / old - 1.0) * 100.0
    row = _row(pct_id, claims)
    agrees = (
        verdict(
            float(row["claimed_value"]),
            implied,
            str(row["claim_kind"]),
            float(row["tolerance"]),
            str(row["tolerance_kind"]),
        )
        == "confirmed"
    )
    return pd.DataFrame(
        [
            {
                "from": f"{old_id}: {old:,.0f}",
                "to": f"{new_id}: {new:,.0f}",
                "implied_pct": implied,
                "claimed_pct": float(row["claimed_value"]),
                "consistent": agrees,
            }
        ]
    )


def lookalikes(value: float, frame: pd.DataFrame, columns: list[str], rel_tol: float = 0.02) -> pd.DataFrame:
    """Rows of a sourced table whose `value` lies within rel_tol of a claimed figure: where a number may come from."""
    near = frame[(frame["value"] - value).abs() <= rel_tol * abs(value)]
    return near.assign(difference_pct=(near["value"] / value - 1) * 100)[
        [*columns, "value", "difference_pct", "source_id"]
    ]


def summary_markdown(records: list[ClaimRecord]) -> str:
    """A short Markdown paragraph of a notebook's verdicts, written from the records (never by hand)."""
    if not records:
        return "No claim of the article is inventoried for this section, so none is checked here."
    parts = []
    for name in VERDICTS:
        ids = [r.claim_id for r in records if r.verdict == name]
        if ids:
            parts.append(f"**{len(ids)} {name}** ({', '.join(ids)})")
    text = f"Of {len(records)} claims checked here: " + "; ".join(parts) + "."
    depends = [r.claim_id for r in records if r.robustness == "depends on reading"]
    return text + (f" The verdict depends on the reading for {', '.join(depends)}." if depends else "")


def to_frame(records: list[ClaimRecord]) -> pd.DataFrame:
    """Claim records as a table (one row per claim)."""
    return pd.DataFrame([asdict(r) for r in records], columns=[f.name for f in fields(ClaimRecord)])[LEDGER_COLUMNS]


def save(records: list[ClaimRecord], notebook: str, output_root: Path) -> Path:
    """Write one notebook's claim records to outputs/tables/claims/<notebook>.csv."""
    ids = [r.claim_id for r in records]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"{notebook}: claims checked more than once: {repeated}")
    return outputs.save_csv(to_frame(records), paths.claims_dir(output_root) / f"{notebook}.csv")


def collect(output_root: Path, data_dir: Path | None = None) -> pd.DataFrame:
    """Merge every notebook's claim records into one ledger, in inventory order, with the unchecked marked."""
    parts = sorted(paths.claims_dir(output_root).glob("*.csv"))
    records = (
        pd.concat([pd.read_csv(p, dtype={"section": str}) for p in parts], ignore_index=True) if parts else to_frame([])
    )
    dupes = records["claim_id"][records["claim_id"].duplicated()].tolist()
    if dupes:
        raise ValueError(f"claims checked by more than one notebook: {sorted(set(dupes))}")
    order = list(inventory(data_dir)["claim_id"])
    unknown = sorted(set(records["claim_id"]) - set(order))
    if unknown:
        raise ValueError(f"claim records for ids not in data/claims.csv: {unknown}")
    records["_order"] = records["claim_id"].map(order.index)
    return records.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def unchecked(ledger: pd.DataFrame, sections: list[str] | None = None, data_dir: Path | None = None) -> list[str]:
    """Inventoried claims (of the given sections, or all) that no record in the ledger checks."""
    claims = inventory(data_dir)
    if sections is not None:
        claims = claims[claims["section"].isin(sections)]
    return sorted(set(claims["claim_id"]) - set(ledger["claim_id"]))


def summary(ledger: pd.DataFrame) -> pd.Series:
    """Counts per verdict, in a fixed order."""
    return ledger["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
