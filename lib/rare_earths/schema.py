"""Check one CSV of data/ against its Table Schema entry in data/datapackage.json, cell by cell.

Every problem is located by file, line (1 = header) and column. See data.py for the subset of Table
Schema implemented here and why it is not the `frictionless` library at run time.
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


def rel_path(path: Path) -> str:
    """Path relative to the project root when inside it (for messages)."""
    try:
        return str(path.resolve().relative_to(paths.PROJECT_ROOT.resolve()))
    except ValueError:
        return str(path)


BOM = "\ufeff"


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]]:
    """Read a CSV strictly: header, (line number, cells) per row, and parse problems (BOM, bad byte, malformed, empty)."""
    f = rel_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [], [Problem(f, None, None, f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        return [], [], [Problem(f, line, None, f"byte 0x{byte} is not UTF-8; save the file as UTF-8")]
    if text.startswith(BOM):
        return (
            [],
            [],
            [
                Problem(
                    f,
                    1,
                    None,
                    "the file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM "
                    "(e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)",
                )
            ],
        )
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


def validate_resource(
    res: dict[str, Any], descriptor: dict[str, Any], data_dir: Path
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Validate one resource: header, types, constraints, keys, units. Return typed rows."""
    path = data_dir / res["path"]
    f = rel_path(path)
    fields = res["schema"]["fields"]
    header, raw, problems = read_rows(path)
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
    if not raw:
        return [], [Problem(f, None, None, "no rows: the dataset is empty (only a header)")]
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
    if cell != cell.strip():
        problems.append(Problem(f, line, name, f"{cell!r} has surrounding spaces; remove them"))
        return None
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
                problems.append(
                    Problem(f, row["_line"], ",".join(key), f"duplicate key {value} (first at line {seen[value]})")
                )
            else:
                seen[value] = row["_line"]
    return problems


def _check_units(rows: list[dict[str, Any]], res: dict[str, Any], f: str) -> list[Problem]:
    """Project rule `unitsBy`: the unit must fit the row's measure, agree with the unit as printed beside it
    (`printed`: a pattern per unit), and values in that unit must be within its bounds (`bounds`, e.g. percent 0-100)."""
    rule = res.get("unitsBy")
    if not rule:
        return []
    by, allowed = rule["field"], rule["units"]
    printed, bounds = rule.get("printed"), rule.get("bounds", {})
    problems = []
    for row in rows:
        unit, line = row.get("unit"), row["_line"]
        if unit is None:
            continue
        ok = allowed.get(row.get(by), [])
        if row.get(by) is not None and unit not in ok:
            problems.append(
                Problem(f, line, "unit", f"unit {unit!r} does not match {by} {row[by]!r} (expected one of {ok})")
            )
        pattern = printed["patterns"].get(unit) if printed else None
        shown = row.get(printed["field"]) if printed else None
        if pattern and shown is not None and not re.fullmatch(pattern, shown):
            problems.append(Problem(f, line, "unit", f"unit {unit!r} disagrees with {printed['field']} {shown!r}"))
        for column in ("value", "value_high"):
            value, limits = row.get(column), bounds.get(unit, {})
            if value is not None and (value < limits.get("minimum", value) or value > limits.get("maximum", value)):
                problems.append(
                    Problem(
                        f, line, column, f"{value!r} {unit} is outside {limits.get('minimum')}..{limits.get('maximum')}"
                    )
                )
    return problems


def _check_foreign_keys(
    rows: list[dict[str, Any]], res: dict[str, Any], descriptor: dict[str, Any], data_dir: Path, f: str
) -> list[Problem]:
    """Every foreign key value resolves to a row of the referenced resource."""
    problems = []
    for fk in res["schema"].get("foreignKeys", []):
        field, ref = fk["fields"], fk["reference"]
        target = next(r for r in descriptor["resources"] if r["name"] == ref["resource"]) if ref["resource"] else res
        if target is res:
            known = {row[ref["fields"]] for row in rows}
        else:
            header, raw, unreadable = read_rows(data_dir / target["path"])
            if unreadable or ref["fields"] not in header:
                why = unreadable[0].message if unreadable else f"it has no column {ref['fields']!r}"
                problems.append(
                    Problem(
                        f, None, field, f"cannot check {field} against {target['path']}: {why} (fix that file first)"
                    )
                )
                continue
            i = header.index(ref["fields"])
            known = {cells[i] for _, cells in raw if len(cells) > i}
        for row in rows:
            if row.get(field) is not None and row[field] not in known:
                problems.append(
                    Problem(f, row["_line"], field, f"{row[field]!r} is not a {ref['fields']} in {target['path']}")
                )
    return problems


def validate_package(data_dir: Path) -> list[Problem]:
    """Validate the descriptor and every resource of a data package (no pandas: the build calls it before any kernel starts)."""
    path = data_dir / "datapackage.json"
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [
            Problem(
                rel_path(path),
                getattr(exc, "lineno", None),
                None,
                f"cannot read descriptor: {getattr(exc, 'strerror', None) or exc}",
            )
        ]
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources:
        return [Problem(rel_path(path), None, None, "descriptor declares no resources")]
    problems: list[Problem] = []
    for res in resources:
        if not (isinstance(res, dict) and {"name", "path", "schema"} <= set(res)):
            problems.append(
                Problem(
                    rel_path(path),
                    None,
                    None,
                    f"resource {res.get('name') if isinstance(res, dict) else res!r} lacks name, path or schema",
                )
            )
            continue
        if res.get("optional") and not (data_dir / res["path"]).exists():
            continue
        problems += validate_resource(res, descriptor, data_dir)[1]
    return problems
