"""Check one CSV of data/ against its Table Schema entry in data/datapackage.json, column by column.

Every problem is located by file, line (1 = header; the physical line where the row ends, as the csv module
counts lines) and column. The file is read by csvtable (one pass, text stored once per distinct value), cells are
typed and checked by columns (each distinct text once, numbers in bulk), and the checks across rows (keys, units,
foreign keys) run here on whole columns, so the cost grows with the rows in C and with the distinct values in
Python. See data.py for the subset of Table Schema implemented here and why it is not the `frictionless` library
at run time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import paths
from .columns import Typed, combined, repeats, representatives, type_columns
from .csvtable import ReadError, read_table

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


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]]:
    """Read a CSV strictly: header, (line number, cells) per non-empty row, and parse problems (BOM, bad byte, ...).

    Row by row, for small files; validation itself reads column-wise (csvtable.read_table)."""
    f = rel_path(path)
    try:
        table, _ = read_table(path)
    except ReadError as exc:
        return [], [], [Problem(f, exc.line, None, exc.message)]
    columns = [table.columns[name] for name in table.header]
    full = [(int(line), [column.uniques[column.codes[i]] for column in columns]) for i, line in enumerate(table.lines)]
    return table.header, sorted(full + table.ragged), []


def validate_resource(
    res: dict[str, Any], descriptor: dict[str, Any], data_dir: Path
) -> tuple[dict[str, Typed], list[Problem]]:
    """Validate one resource: header, types, constraints, keys, units. Return its typed columns (empty on failure)."""
    path = data_dir / res["path"]
    f = rel_path(path)
    fields = res["schema"]["fields"]
    names = [fd["name"] for fd in fields]
    numbers = [fd["name"] for fd in fields if fd.get("type") == "number"]
    try:
        table, problems = read_table(path, numbers, lambda header: _header_problems(header, names, f))
    except ReadError as exc:
        return {}, [Problem(f, exc.line, None, exc.message)]
    if problems:
        return {}, problems
    if not table.records:
        return {}, [Problem(f, None, None, "no rows: the dataset is empty (only a header)")]
    columns, faults = type_columns(table, fields)
    problems = [Problem(f, line, column, message) for line, _, column, message in faults]
    lines = table.lines
    problems += _check_unique(columns, lines, res, f)
    problems += _check_units(columns, lines, res, f)
    problems += _check_foreign_keys(columns, lines, res, descriptor, data_dir, f)
    return columns, problems


def _header_problems(header: list[str], names: list[str], f: str) -> list[Problem]:
    """Columns the descriptor declares but the header lacks, columns it does not declare, and repeated ones."""
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems = [Problem(f, 1, n, "missing column (declared in datapackage.json)") for n in missing]
    problems += [Problem(f, 1, h, "unexpected column (not declared in datapackage.json)") for h in extra]
    return problems + [Problem(f, 1, h, "duplicate column") for h in dupes]


def _check_unique(columns: dict[str, Typed], lines: np.ndarray, res: dict[str, Any], f: str) -> list[Problem]:
    """Unique fields and the primary key hold no duplicates (the first occurrence named)."""
    schema = res["schema"]
    keys = [[fd["name"]] for fd in schema["fields"] if fd.get("constraints", {}).get("unique")]
    pk = schema.get("primaryKey")
    if pk:
        keys.append([pk] if isinstance(pk, str) else list(pk))
    problems = []
    for key in keys:
        rows, firsts = repeats(combined([columns[k].ids() for k in key]))
        for row, first in zip(rows.tolist(), firsts.tolist()):
            value = tuple(columns[k].value(row) for k in key)
            message = f"duplicate key {value} (first at line {lines[first]})"
            problems.append(Problem(f, int(lines[row]), ",".join(key), message))
    return problems


def _check_units(columns: dict[str, Typed], lines: np.ndarray, res: dict[str, Any], f: str) -> list[Problem]:
    """Project rule `unitsBy`: the unit must fit the row's measure, agree with the unit as printed beside it
    (`printed`: a pattern per unit), and values in that unit must be within its bounds (`bounds`, e.g. percent 0-100).

    Each distinct (unit, measure, printed unit) is judged once; the bounds are checked in bulk per unit."""
    rule = res.get("unitsBy")
    if not rule or "unit" not in columns:
        return []
    by, allowed = rule["field"], rule["units"]
    printed, bounds = rule.get("printed"), rule.get("bounds", {})
    unit = columns["unit"]
    judged = [c for c in (unit, columns.get(by), columns.get(printed["field"]) if printed else None) if c]
    key = combined([c.ids() for c in judged])
    said = {}
    for value, row in representatives(key):
        messages = _unit_messages(unit.value(row), columns, row, by, allowed, printed)
        if messages:
            said[value] = messages
    faults: list[tuple[int, int, str, str]] = []
    if said:
        rows = np.flatnonzero(np.isin(key, list(said)))
        faults += [(int(r), k, "unit", m) for r in rows.tolist() for k, m in said[int(key[r])]]
    for k, name in enumerate(("value", "value_high"), start=2):
        if name not in columns:
            continue
        for unit_name, limits in bounds.items():
            rows = unit.rows_where(lambda u, unit_name=unit_name: u == unit_name)
            values = [(int(r), columns[name].value(r)) for r in rows]
            low, high = limits.get("minimum"), limits.get("maximum")
            faults += [
                (r, k, name, f"{v!r} {unit_name} is outside {low}..{high}")
                for r, v in values
                if v is not None and (v < limits.get("minimum", v) or v > limits.get("maximum", v))
            ]
    faults.sort(key=lambda fault: (fault[0], fault[1]))
    return [Problem(f, int(lines[r]), column, message) for r, _, column, message in faults]


def _unit_messages(
    unit: Any, columns: dict[str, Typed], row: int, by: str, allowed: dict, printed: dict | None
) -> list[tuple[int, str]]:
    """The unit rule's messages for one row (0: unit vs measure, 1: unit vs the printed unit)."""
    if unit is None:
        return []
    measure = columns[by].value(row) if by in columns else None
    ok = allowed.get(measure, [])
    messages = []
    if measure is not None and unit not in ok:
        messages.append((0, f"unit {unit!r} does not match {by} {measure!r} (expected one of {ok})"))
    pattern = printed["patterns"].get(unit) if printed else None
    shown = columns[printed["field"]].value(row) if printed and printed["field"] in columns else None
    if pattern and shown is not None and not re.fullmatch(pattern, shown):
        messages.append((1, f"unit {unit!r} disagrees with {printed['field']} {shown!r}"))
    return messages


def _check_foreign_keys(
    columns: dict[str, Typed],
    lines: np.ndarray,
    res: dict[str, Any],
    descriptor: dict[str, Any],
    data_dir: Path,
    f: str,
) -> list[Problem]:
    """Every foreign key value resolves to a row of the referenced resource."""
    problems = []
    for fk in res["schema"].get("foreignKeys", []):
        field, ref = fk["fields"], fk["reference"]
        target = next(r for r in descriptor["resources"] if r["name"] == ref["resource"]) if ref["resource"] else res
        if target is res:
            known = columns[ref["fields"]].present()
        else:
            known, why = _known_values(data_dir / target["path"], ref["fields"])
            if why:
                problems.append(
                    Problem(
                        f, None, field, f"cannot check {field} against {target['path']}: {why} (fix that file first)"
                    )
                )
                continue
        for row in columns[field].rows_where(lambda v: v is not None and v not in known):
            problems.append(
                Problem(
                    f,
                    int(lines[row]),
                    field,
                    f"{columns[field].value(row)!r} is not a {ref['fields']} in {target['path']}",
                )
            )
    return problems


def _known_values(path: Path, name: str) -> tuple[set[str], str | None]:
    """The texts of one column of a referenced file (every non-empty row), or why it cannot be read."""
    try:
        table, _ = read_table(path, only=[name])
    except ReadError as exc:
        return set(), exc.message
    if name not in table.header:
        return set(), f"it has no column {name!r}"
    i = table.header.index(name)
    return set(table.columns[name].uniques) | {cells[i] for _, cells in table.ragged if len(cells) > i}, None


def validate_package(data_dir: Path) -> list[Problem]:
    """Validate the descriptor and every resource of a data package.

    The build calls it before any kernel starts: it imports numpy, and pandas only for a file of 4 MB or more."""
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
