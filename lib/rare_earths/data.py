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
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths

MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    """One validation failure, located by file, line (1 = header) and column."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataValidationError(ValueError):
    """A data file does not match its schema in data/datapackage.json."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:MAX_PROBLEMS])
        more = f"\n  ... and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        super().__init__(f"{len(problems)} data problem(s):\n  {shown}{more}")


def read_descriptor(path: Path | None = None) -> dict[str, Any]:
    """Read the data package descriptor (data/datapackage.json by default)."""
    path = path or paths.DATAPACKAGE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataValidationError([Problem(_rel(path), None, None, f"cannot read descriptor: {exc}")]) from exc


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
        raise DataValidationError([Problem(_rel(data_dir / res["path"]), None, None, "optional dataset not present (see its description in datapackage.json)")])
    rows, problems = _validate_resource(res, descriptor, data_dir)
    if problems:
        raise DataValidationError(problems)
    return _to_frame(rows, res["schema"]["fields"])


def validate_all(data_dir: Path | None = None) -> list[Problem]:
    """Validate every resource of the package; return all problems found (empty when valid)."""
    data_dir = data_dir or paths.DATA_DIR
    descriptor = read_descriptor(data_dir / "datapackage.json")
    problems: list[Problem] = []
    for res in descriptor["resources"]:
        if not _absent_optional(res, data_dir):
            problems += _validate_resource(res, descriptor, data_dir)[1]
    return problems


def is_present(name: str, data_dir: Path | None = None) -> bool:
    """Whether a dataset's file exists (always true for a non-optional dataset that is in place)."""
    data_dir = data_dir or paths.DATA_DIR
    return (data_dir / resource(name, read_descriptor(data_dir / "datapackage.json"))["path"]).exists()


def _absent_optional(res: dict[str, Any], data_dir: Path) -> bool:
    """An `optional` resource whose file does not exist: nothing to validate."""
    return bool(res.get("optional")) and not (data_dir / res["path"]).exists()


def _rel(path: Path) -> str:
    """Path relative to the project root when inside it (for messages)."""
    try:
        return str(path.resolve().relative_to(paths.PROJECT_ROOT.resolve()))
    except ValueError:
        return str(path)


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]]:
    """Read a CSV strictly: header, (line number, cells) per row, and parse problems."""
    f = _rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [], [Problem(f, None, None, f"cannot read file: {exc}")]
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, [])
        for cells in reader:
            if cells:
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        return [], [], [Problem(f, reader.line_num, None, f"malformed CSV: {exc}")]
    if not header:
        return [], [], [Problem(f, 1, None, "empty file: no header row")]
    return header, rows, []


def _parse(value: str, field: dict[str, Any]) -> Any:
    """Convert one non-empty cell to the field's type; ValueError if it does not parse."""
    kind = field.get("type", "string")
    if kind == "number":
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            raise ValueError("not a finite number")
        return number
    if kind == "integer":
        return int(value)
    if kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("not an ISO date YYYY-MM-DD")
        return date.fromisoformat(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError("not true/false")
        return value == "true"
    return value


def _check_cell(value: Any, field: dict[str, Any]) -> str | None:
    """Return a message if a typed cell breaks one of the field's constraints."""
    c = field.get("constraints", {})
    if "enum" in c and value not in c["enum"]:
        return f"{value!r} is not one of the allowed values {c['enum']}"
    if "minimum" in c and value < c["minimum"]:
        return f"{value!r} is below the minimum {c['minimum']}"
    if "maximum" in c and value > c["maximum"]:
        return f"{value!r} is above the maximum {c['maximum']}"
    if "pattern" in c and not re.fullmatch(c["pattern"], str(value)):
        return f"{value!r} does not match the pattern {c['pattern']}"
    return None


def _validate_resource(
    res: dict[str, Any], descriptor: dict[str, Any], data_dir: Path
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Validate one resource: header, types, constraints, keys, units. Return typed rows."""
    path = data_dir / res["path"]
    f = _rel(path)
    fields = res["schema"]["fields"]
    header, raw, problems = _read_rows(path)
    if problems:
        return [], problems
    names = [fd["name"] for fd in fields]
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems += [Problem(f, 1, n, "missing column (declared in datapackage.json)") for n in missing]
    problems += [Problem(f, 1, h, "unexpected column (not declared in datapackage.json)") for h in extra]
    problems += [Problem(f, 1, h, "duplicate column") for h in dupes]
    if problems:
        return [], problems
    rows: list[dict[str, Any]] = []
    for line, cells in raw:
        if len(cells) != len(header):
            problems.append(Problem(f, line, None, f"row has {len(cells)} cells, header has {len(header)}"))
            continue
        row: dict[str, Any] = {"_line": line}
        for fd, cell in zip(fields, (cells[header.index(n)] for n in names)):
            row[fd["name"]] = _typed_cell(cell, fd, f, line, problems)
        rows.append(row)
    problems += _check_unique(rows, res, f)
    problems += _check_units(rows, res, f)
    problems += _check_foreign_keys(rows, res, descriptor, data_dir, f)
    return rows, problems


def _typed_cell(cell: str, fd: dict[str, Any], f: str, line: int, problems: list[Problem]) -> Any:
    """Parse and check one cell, appending any problem; return the typed value or None."""
    name = fd["name"]
    if cell.strip() == "":
        if fd.get("constraints", {}).get("required"):
            problems.append(Problem(f, line, name, "required value is empty"))
        return None
    try:
        value = _parse(cell, fd)
    except ValueError:
        problems.append(Problem(f, line, name, f"{cell!r} is not a valid {fd.get('type', 'string')}"))
        return None
    message = _check_cell(value, fd)
    if message:
        problems.append(Problem(f, line, name, message))
    return value


def _check_unique(rows: list[dict[str, Any]], res: dict[str, Any], f: str) -> list[Problem]:
    """Unique fields and the primary key hold no duplicates."""
    schema = res["schema"]
    keys = [[fd["name"]] for fd in schema["fields"] if fd.get("constraints", {}).get("unique")]
    pk = schema.get("primaryKey")
    if pk:
        keys.append([pk] if isinstance(pk, str) else list(pk))
    problems = []
    for key in keys:
        seen: dict[tuple[Any, ...], int] = {}
        for row in rows:
            value = tuple(row[k] for k in key)
            if value in seen:
                problems.append(Problem(f, row["_line"], ",".join(key), f"duplicate key {value} (first at line {seen[value]})"))
            else:
                seen[value] = row["_line"]
    return problems


def _check_units(rows: list[dict[str, Any]], res: dict[str, Any], f: str) -> list[Problem]:
    """Project rule `unitsBy`: the unit column must fit the row's measure."""
    rule = res.get("unitsBy")
    if not rule:
        return []
    by, allowed = rule["field"], rule["units"]
    problems = []
    for row in rows:
        ok = allowed.get(row.get(by), [])
        if row.get("unit") is not None and row.get(by) is not None and row["unit"] not in ok:
            problems.append(Problem(f, row["_line"], "unit", f"unit {row['unit']!r} does not match {by} {row[by]!r} (expected one of {ok})"))
    return problems


def _check_foreign_keys(
    rows: list[dict[str, Any]], res: dict[str, Any], descriptor: dict[str, Any], data_dir: Path, f: str
) -> list[Problem]:
    """Every foreign key value resolves to a row of the referenced resource."""
    problems = []
    for fk in res["schema"].get("foreignKeys", []):
        field, ref = fk["fields"], fk["reference"]
        target = resource(ref["resource"], descriptor) if ref["resource"] else res
        if target is res:
            known = {row[ref["fields"]] for row in rows}
        else:
            known = set(_read_key_column(data_dir / target["path"], ref["fields"]))
        for row in rows:
            if row.get(field) is not None and row[field] not in known:
                problems.append(Problem(f, row["_line"], field, f"{row[field]!r} is not a {ref['fields']} in {target['path']}"))
    return problems


def _read_key_column(path: Path, column: str) -> list[str]:
    """Values of one column of a referenced CSV (for foreign keys)."""
    header, raw, problems = _read_rows(path)
    if problems or column not in header:
        return []
    i = header.index(column)
    return [cells[i] for _, cells in raw if len(cells) > i]


def _to_frame(rows: list[dict[str, Any]], fields: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed rows to a DataFrame with one dtype per Table Schema type."""
    names = [fd["name"] for fd in fields]
    frame = pd.DataFrame([{n: r[n] for n in names} for r in rows], columns=names)
    for fd in fields:
        col, kind = fd["name"], fd.get("type", "string")
        if kind == "number":
            frame[col] = frame[col].astype("float64")
        elif kind == "integer":
            frame[col] = frame[col].astype("Int64")
        elif kind == "date":
            frame[col] = pd.to_datetime(frame[col])
        elif kind == "boolean":
            frame[col] = frame[col].astype("boolean")
        else:
            frame[col] = frame[col].astype("string")
    return frame


def sources(data_dir: Path | None = None) -> pd.DataFrame:
    """The sources table (data/sources.csv), validated."""
    return load("sources", data_dir)


def citations(*frames: pd.DataFrame, data_dir: Path | None = None) -> pd.DataFrame:
    """The sources rows cited by the frames' `source_id` columns, for a notebook's source list."""
    used = {sid for frame in frames for sid in frame["source_id"].dropna()}
    table = sources(data_dir)
    cols = ["source_id", "publisher", "title", "table_or_page", "url", "date_published", "date_read"]
    return table.loc[table["source_id"].isin(used), cols].reset_index(drop=True)
