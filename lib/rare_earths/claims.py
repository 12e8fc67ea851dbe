"""Check the article's claims (data/claims.csv) against values computed from data, and say so on the verdict scale.

Why one file: the record of a check, the rules that turn its readings into a word of `rare_earths.scale`, the
reason sentence and the ledger (claims and statements) are one contract, read together by notebooks and site.

A check judges the claim under its main reading (written, with its justification, in data/claims.csv) and under
every other reasonable reading a notebook tries (`rare_earths.robustness.Reading`). Each reading's outcome is
"holds" (within the claim's declared tolerance), "fails" or "no data"; `scale.decide` turns the outcomes into a
verdict; `rare_earths.reasons` writes the one sentence that comes with it, naming the publisher and the date of
the data. Verdicts are never typed in: they follow from the inventory, the computed values and these rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import data, outputs, paths, reasons, scale
from .robustness import Reading, describe, fmt, judged, robustness

VERDICTS = scale.ALL
NEAR_DAYS = 14
"""A check 'at a date' uses the quote nearest that date; one more than NEAR_DAYS away decides nothing."""


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
    reason: str
    statement_id: str = ""
    main_reading: str = ""
    data_date: str = ""
    robustness: str = ""
    readings: str = ""
    article_arithmetic: str = ""
    basis: str = ""
    sources: str = ""


LEDGER_COLUMNS = [
    "claim_id",
    "statement_id",
    "section",
    "notebook",
    "quote",
    "main_reading",
    "claimed_value",
    "computed_value",
    "unit",
    "verdict",
    "reason",
    "data_date",
    "robustness",
    "readings",
    "article_arithmetic",
    "basis",
    "sources",
]

STATEMENT_COLUMNS = ["statement_id", "section", "notebook", "quote", "claim_ids", "verdict", "reason", "data_date"]


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


def outcome(claimed_value: float, computed: float | None, kind: str, tolerance: float, tolerance_kind: str) -> str:
    """One reading's outcome: holds, fails, or no data, under the claim's declared tolerance."""
    if _missing(computed):
        return scale.OPEN
    ok = {True: scale.HOLDS, False: scale.FAILS}
    if tolerance_kind == "lower_bound":  # 'over', 'more than', 'exceeding': at least the claimed figure
        return ok[computed >= claimed_value - tolerance - 1e-12]  # type: ignore[operator]
    if kind == "direction":
        if claimed_value == 0:  # a claim that something stayed flat
            return ok[computed == 0]
        return ok[math.copysign(1, computed) == math.copysign(1, claimed_value) and computed != 0]  # type: ignore[arg-type]
    allowed = tolerance if tolerance_kind == "absolute" else tolerance * abs(claimed_value)
    return ok[abs(computed - claimed_value) <= allowed + 1e-12]  # type: ignore[operator]


@lru_cache(maxsize=4)
def _publishers(data_dir: str | None) -> dict[str, str]:
    """source_id -> publisher, from data/sources.csv."""
    frame = data.load("sources", Path(data_dir) if data_dir else None)
    return dict(zip(frame["source_id"], frame["publisher"]))


def _sources_in(text: str, known: dict[str, str]) -> list[str]:
    """The source ids a basis text names, in order."""
    tokens = re.findall(r"[a-z0-9][a-z0-9.-]*-(?:\d{4}-\d{2}-\d{2}|undated)(?:-\d+)?", text)
    return list(dict.fromkeys(t for t in tokens if t in known))


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
    data_date: str = "",
    sources: Sequence[str] = (),
    finding: str = "",
    note: str = "",
    implied: tuple[bool, str] | None = None,
    rounding: bool = False,
    forecast: bool = False,
) -> ClaimRecord:
    """Check one claim against a computed value; `basis` says what was computed, from which data (for the ledger).

    `data_date` is the ISO date or period of the data the main reading rests on; `sources` their source ids (the
    ids named in `basis` are added). `finding` is what the data show, in plain words, for claims without a figure
    (events, attributions, the reason nothing decides it); `note` a plain clause added to the reason.
    `absent=True` says the data show that what the claim quantifies does not exist. `readings` are the other
    reasonable readings; a reading with `spread=True` shows the data's range and does not count. `implied` is
    (holds, what the sentence implies beyond its figure); `rounding=True` says the main reading holds only at the
    source's rounding; `arithmetic` is (value the article's own figures imply, how), judged apart from the data.
    """
    if not basis.strip():
        raise ValueError(f"claim {claim_id}: say what the computed value is (or why none exists)")
    claims = inventory() if claims is None else claims
    row = _row(claim_id, claims)
    value = None if _missing(computed) else float(computed)  # type: ignore[arg-type]
    judge = _judge(row)
    pairs = judged([Reading("main reading", value), *(readings or [])], judge)
    if absent:
        pairs[0] = (pairs[0][0], scale.FAILS)
    read_as = row.get("read_value")
    if not _missing(read_as) and value is not None:  # the printed figure, when the main reading reads it otherwise
        printed = outcome(float(row["claimed_value"]), value, str(row["claim_kind"]), *_tolerance(row))
        pairs.append((Reading(f"as printed ({fmt(float(row['claimed_value']))} {row['unit']})", value), printed))
    counted = [(r, o) for r, o in pairs if not r.spread]
    arith = _arithmetic(row, arithmetic)
    verdict = scale.decide(
        counted[0][1],
        [o for _, o in counted[1:]],
        forecast=forecast,
        absent=absent,
        implied=None if implied is None else implied[0],
        rounding=rounding or arith.startswith("does not hold"),
    )
    known = _publishers(None)
    ids = list(dict.fromkeys([*sources, *_sources_in(basis, known)]))
    if verdict not in (scale.UNCHECKABLE, scale.NOT_YET_DECIDABLE):
        if not data_date:
            raise ValueError(f"claim {claim_id}: say the date of the data the verdict rests on (data_date)")
        if not ids:
            raise ValueError(f"claim {claim_id}: name the sources the verdict rests on (sources)")
    extra = [note]
    if implied is not None and not implied[0] and verdict == scale.MISLEADING:
        extra.append(f"But {implied[1]}.")
    if rounding:
        extra.append("It holds at the source's rounding, not at the article's precision.")
    if arith.startswith("does not hold"):
        extra.append("The article's own figures do not give it.")
    undecided = [r.name for r, o in counted[1:] if o == scale.OPEN]
    if undecided and verdict in (scale.WRONG, scale.ACCURATE):
        extra.append(
            f"No data decide the reading '{undecided[0]}'." if len(undecided) == 1 else "Other readings have no data."
        )
    text = reasons.sentence(
        reasons.template_kind(str(row["claim_kind"]), str(row["unit"]), verdict, absent, forecast),
        verdict,
        by=reasons.publishers([known[i] for i in ids]),
        found=reasons.value(value, str(row["unit"]), signed=row["claim_kind"] == "pct_change"),
        said=reasons.value(float(row["claimed_value"]), str(row["unit"]), signed=row["claim_kind"] == "pct_change"),
        what=str(row.get("main_reading") or row["subject"]),
        when=reasons.when(data_date),
        finding=(finding or basis).rstrip("."),
        note=" ".join(e for e in extra if e),
    )
    return ClaimRecord(
        claim_id=claim_id,
        section=str(row["section"]),
        notebook=notebook,
        quote=str(row["quote"]),
        claimed_value=float(row["claimed_value"]),
        computed_value=value,
        unit=str(row["unit"]),
        verdict=verdict,
        reason=text,
        statement_id=str(row.get("statement_id", "")),
        main_reading=str(row.get("main_reading", "")),
        data_date=data_date,
        robustness=robustness([o for _, o in counted]),
        readings=describe(pairs, str(row["unit"])),
        article_arithmetic=arith,
        basis=f"The data show no such thing: {basis}" if absent else basis,
        sources="; ".join(ids),
    )


def _tolerance(row: pd.Series) -> tuple[float, str]:
    """A claim's tolerance and its kind."""
    return float(row["tolerance"]), str(row["tolerance_kind"])


def _judge(row: pd.Series):
    """The outcome function of one inventoried claim (the value as read, its kind and tolerance)."""
    target = row.get("read_value")
    target = float(row["claimed_value"]) if _missing(target) else float(target)
    return lambda value: outcome(target, value, str(row["claim_kind"]), *_tolerance(row))


def _arithmetic(row: pd.Series, arithmetic: tuple[float, str] | None) -> str:
    """Whether the figure the article's own inputs imply agrees with what it states ('' when not applicable)."""
    if arithmetic is None:
        return ""
    implied, how = arithmetic
    holds = _judge(row)(float(implied)) == scale.HOLDS
    return f"{'holds' if holds else 'does not hold'}: {how} = {fmt(float(implied))} against the stated {fmt(float(row['claimed_value']))}"


def forecast(claim_id: str, reason: str, notebook: str, claims: pd.DataFrame | None = None) -> ClaimRecord:
    """A forecast or 'expected to' statement: not yet decidable here, with the plain reason (notebook 08 scores them)."""
    return check(claim_id, None, f"a forecast; {reason}", notebook, claims, finding=reason, forecast=True)


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
    **kwargs,
) -> ClaimRecord:
    """An attribution or event claim: True = a source shows it, False = a source contradicts it, None = no source read decides it."""
    return check(
        claim_id, None if found is None else float(found), basis, notebook, claims, readings=readings, **kwargs
    )


def nearest(frame: pd.DataFrame, date: str | pd.Timestamp, days: int = NEAR_DAYS) -> pd.Series | None:
    """The row of a dated table nearest a date, or None when the nearest lies more than `days` away."""
    if not len(frame):
        return None
    gap = (frame["date"] - pd.Timestamp(date)).abs()
    best = gap.idxmin()
    return frame.loc[best] if gap[best] <= pd.Timedelta(days=days) else None


def internal_consistency(old_id: str, new_id: str, pct_id: str, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Whether a claimed % change agrees with the two levels the article itself states (article vs article)."""
    claims = inventory() if claims is None else claims
    old, new = claimed(old_id, claims), claimed(new_id, claims)
    implied = (new / old - 1.0) * 100.0
    row = _row(pct_id, claims)
    agrees = outcome(float(row["claimed_value"]), implied, str(row["claim_kind"]), *_tolerance(row)) == scale.HOLDS
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


def shown(records: list[ClaimRecord]) -> pd.DataFrame:
    """The columns a reader of a notebook needs: claim, quote, how it was read, verdict, reason, date of the data."""
    return to_frame(records)[["claim_id", "quote", "main_reading", "verdict", "reason", "data_date", "robustness"]]


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
    """Counts per verdict, in the scale's order (forecast outcomes last)."""
    return ledger["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)


def statements(ledger: pd.DataFrame) -> pd.DataFrame:
    """One row per statement of the article: its parts' verdicts combined by `scale.combine`, with a plain reason."""
    rows = []
    for sid, parts in ledger.groupby("statement_id", sort=False):
        verdicts = [str(v) for v in parts["verdict"]]
        verdict = scale.combine(verdicts)
        quotes = list(dict.fromkeys(parts["quote"]))
        dates = list(dict.fromkeys(str(d) for d in parts["data_date"] if isinstance(d, str) and d))
        rows.append(
            {
                "statement_id": sid,
                "section": str(parts["section"].iloc[0]),
                "notebook": ";".join(dict.fromkeys(parts["notebook"])),
                "quote": " … ".join(quotes),
                "claim_ids": ";".join(parts["claim_id"]),
                "verdict": verdict,
                "reason": _statement_reason(verdict, parts),
                "data_date": "; ".join(dates),
            }
        )
    return pd.DataFrame(rows, columns=STATEMENT_COLUMNS)


def _statement_reason(verdict: str, parts: pd.DataFrame) -> str:
    """A statement's reason: its own part's reason when it has one part, else the verdict and each part's word."""
    if len(parts) == 1:
        return str(parts["reason"].iloc[0])
    said = "; ".join(f"{r.claim_id} {r.verdict}" for r in parts.itertuples())
    lead = {
        scale.ACCURATE: "every part holds",
        scale.ROUGHLY_RIGHT: "its parts hold, some only roughly or not all can be checked",
        scale.MISLEADING: "some parts hold and others do not",
        scale.WRONG: "every part that can be checked is wrong",
        scale.UNCHECKABLE: "no part can be checked",
    }.get(verdict, "its forecasts are judged as they come due")
    worst = next((r for r in parts.itertuples() if r.verdict == verdict), next(parts.itertuples()))
    detail = str(getattr(worst, "reason", "")).split(": ", 1)[-1]
    return f"{verdict[0].upper() + verdict[1:]}: {lead} ({said}). {worst.claim_id}: {detail}".strip()
