"""Load the curated CSV files of data/, validated against data/datapackage.json.

The descriptor is a Frictionless Data Package (Table Schema). Validation here implements the
subset of Table Schema the descriptor uses (types string/number/integer/date, the constraints
required/unique/minimum/maximum/enum/pattern, primary and foreign keys) plus one project rule,
``unitsBy`` (the allowed units for each value of a measure column) and another, ``optional``
(a resource whose file may be absent, such as the UN Comtrade snapshot that only
`python -m rare_earths refresh` writes; when present it is validated like any other). It is done in-process
because importing the `frictionless` library costs about 2.5 s (its jsonschema format
checkers), paid by every notebook kernel; tests/test_data.py checks that `frictionless`
itself accepts the descriptor and the data, so the two cannot drift apart.

Validation works column-wise (schema, columns, csvtable, csvfast): a million-row file validates within about
2.5x the time of `pandas.read_csv` of it (benchmarks/validate_benchmark.py), and every message names the file, the
line (as the csv module counts lines) and the column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import paths
from .columns import Typed
from .schema import DataValidationError, Problem, rel_path, validate_package, validate_resource  # noqa: F401 (DataValidationError, Problem: part of this module's interface)


def read_descriptor(path: Path | None = None) -> dict[str, Any]:
    """Read the data package descriptor (data/datapackage.json by default)."""
    path = path or paths.DATAPACKAGE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataValidationError([Problem(rel_path(path), None, None, f"cannot read descriptor: {exc}")]) from exc


def resource_names(descriptor: dict[str, Any] | None = None) -> list[str]:
    """Names of the resources (data files) the descriptor declares."""
    return [r["name"] for r in (descriptor or read_descriptor())["resources"]]


def resource(name: str, descriptor: dict[str, Any] | None = None) -> dict[str, Any]:
    """The descriptor entry of one resource, or a KeyError listing the known names."""
    descriptor = descriptor or read_descriptor()
    for res in descriptor["resources"]:
        if res["name"] == name:
            return res
    raise KeyError(f"unknown dataset {name!r}; data/datapackage.json declares: {', '.join(resource_names(descriptor))}")


def load(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Load one dataset by resource name, validated; raise DataValidationError on any problem."""
    data_dir = data_dir or paths.DATA_DIR
    descriptor = read_descriptor(data_dir / "datapackage.json")
    res = resource(name, descriptor)
    if _absent_optional(res, data_dir):
        raise DataValidationError(
            [
                Problem(
                    rel_path(data_dir / res["path"]),
                    None,
                    None,
                    "optional dataset not present (see its description in datapackage.json)",
                )
            ]
        )
    columns, problems = validate_resource(res, descriptor, data_dir)
    if problems:
        raise DataValidationError(problems)
    return _to_frame(columns, res["schema"]["fields"])


def validate_all(data_dir: Path | None = None) -> list[Problem]:
    """Validate every resource of the package; return all problems found (empty when valid)."""
    return validate_package(data_dir or paths.DATA_DIR)


def is_present(name: str, data_dir: Path | None = None) -> bool:
    """Whether a dataset's file exists (always true for a non-optional dataset that is in place)."""
    data_dir = data_dir or paths.DATA_DIR
    return (data_dir / resource(name, read_descriptor(data_dir / "datapackage.json"))["path"]).exists()


def _absent_optional(res: dict[str, Any], data_dir: Path) -> bool:
    """An `optional` resource whose file does not exist: nothing to validate."""
    return bool(res.get("optional")) and not (data_dir / res["path"]).exists()


def _to_frame(columns: dict[str, Typed], fields: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed columns to a DataFrame with one dtype per Table Schema type (each distinct value converted once)."""
    return pd.DataFrame({fd["name"]: _series(columns[fd["name"]], fd.get("type", "string")) for fd in fields})


def _series(typed: Typed, kind: str) -> pd.Series:
    """One column: float64, Int64, datetime64, boolean or string, converted on the distinct values then spread."""
    if typed.numbers is not None:
        return pd.Series(typed.numbers, dtype="float64")
    values = np.empty(len(typed.values), dtype=object)
    values[:] = typed.values
    distinct = pd.Series(values, dtype=object)
    if kind == "number":
        distinct = distinct.astype("float64")
    elif kind == "integer":
        distinct = distinct.astype("Int64")
    elif kind == "date":
        distinct = pd.to_datetime(distinct)
    elif kind == "boolean":
        distinct = distinct.astype("boolean")
    else:
        distinct = distinct.astype("string")
    return distinct.take(typed.codes).reset_index(drop=True)


def sources(data_dir: Path | None = None) -> pd.DataFrame:
    """The sources table (data/sources.csv), validated."""
    return load("sources", data_dir)


def citations(*frames: pd.DataFrame, data_dir: Path | None = None) -> pd.DataFrame:
    """The sources rows cited by the frames' `source_id` columns, for a notebook's source list."""
    used = {sid for frame in frames for sid in frame["source_id"].dropna()}
    table = sources(data_dir)
    cols = ["source_id", "publisher", "title", "table_or_page", "url", "date_published", "date_read"]
    return table.loc[table["source_id"].isin(used), cols].reset_index(drop=True)


NOT_DATED = ("sources", "claims", "forecasts")  # catalogues and the article's claims: their dates are not data shown


def as_of(inputs: list[str], data_dir: Path | None = None) -> str:
    """The latest date in the data files a notebook reads ('data as of ...'): a day, a month or a year, as stated.

    `inputs` are project-relative paths (a notebook's `rare_earths.inputs`); dates come from each dataset's date
    fields, its `month` (YYYY-MM) and its integer `year`; the sources catalogue, the claims and projected rows are not
    data shown. A row whose `date_kind` is `scheduled` (a date announced in advance, such as the end of a suspension)
    is no observation: it counts as of its source's publication date, or not at all when the source is undated.
    Returns '' when none of the files holds a date.
    """
    import csv

    data_dir = data_dir or paths.DATA_DIR
    descriptor = read_descriptor(data_dir / "datapackage.json")
    by_path = {f"data/{r['path']}": r for r in descriptor["resources"]}
    best: tuple[pd.Timestamp, str] | None = None
    published: dict[str, str] | None = None
    for name in inputs:
        res = by_path.get(name)
        if res is None or res["name"] in NOT_DATED or not (data_dir / res["path"]).exists():
            continue
        kinds = {f["name"]: f.get("type", "string") for f in res["schema"]["fields"]}
        dated = [n for n, k in kinds.items() if k == "date" or (n == "month") or (n == "year" and k == "integer")]
        with open(data_dir / res["path"], encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row.get("projection") == "true":  # a projected year (stage_shares: 'by 2035') is not data
                    continue
                if row.get("date_kind") == "scheduled":  # announced in advance: observed when its source was published
                    published = _published(data_dir) if published is None else published
                    row = {col: published.get(row.get("source_id", ""), "") for col in dated}
                for col in dated:
                    text = (row.get(col) or "").strip()
                    end = _period_end(text)
                    if end is not None and (best is None or end > best[0]):
                        best = (end, text)
    return "" if best is None else best[1]


def _published(data_dir: Path) -> dict[str, str]:
    """Each source's publication date (YYYY-MM-DD) by source id, from the sources catalogue ('' when undated)."""
    import csv
    import re

    with open(data_dir / "sources.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    day = re.compile(r"\d{4}-\d{2}-\d{2}")
    return {r["source_id"]: r["date_published"] if day.fullmatch(r.get("date_published") or "") else "" for r in rows}


def _period_end(text: str) -> pd.Timestamp | None:
    """The last day a date, month or year stands for (None when the text is none of them)."""
    import re

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return pd.Timestamp(text)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return pd.Period(text, "M").end_time.normalize()
    if re.fullmatch(r"\d{4}", text):
        return pd.Timestamp(f"{text}-12-31")
    return None
