"""Type the columns of a CSV table by their Table Schema fields and check each cell's constraints, column-wise.

Each distinct text of a column is typed and checked once, and the verdict is spread to its rows by code; number
columns are checked in bulk with numpy. The rules per cell (`typed_cell`) are the one definition, so a message
is the same whether it comes from a distinct value, a number column or a single cell. The helpers at the end
group rows by equal values across columns (for keys and units) with one sort at most.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from .csvtable import Column, Table

# Patterns of the descriptor that are dates in disguise, and how to say what they expect.
FORMATS = {r"\d{4}-(0[1-9]|1[0-2])": "a month as YYYY-MM, e.g. 2025-09"}
DATE_FORMAT = "YYYY-MM-DD, e.g. 2025-09-10"

Fault = tuple[int, int, str | None, str]  # line, field position (-1: the row), column, message


def parse(value: str, field: dict[str, Any]) -> Any:
    """Convert one non-empty cell to the field's type; ValueError (with the reason, or empty) if it does not parse."""
    kind = field.get("type", "string")
    if kind == "number":
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            raise ValueError("")
        return number
    if kind == "integer":
        return int(value)
    if kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("")
        return date.fromisoformat(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError("")
        return value == "true"
    return value


def check_cell(value: Any, field: dict[str, Any]) -> str | None:
    """Return a message if a typed cell breaks one of the field's constraints."""
    c = field.get("constraints", {})
    if "enum" in c and value not in c["enum"]:
        return f"{value!r} is not one of the allowed values {c['enum']}"
    if "minimum" in c and value < c["minimum"]:
        return f"{value!r} is below the minimum {c['minimum']}"
    if "maximum" in c and value > c["maximum"]:
        return f"{value!r} is above the maximum {c['maximum']}"
    if "pattern" in c and not re.fullmatch(c["pattern"], str(value)):
        hint = f" (expected {FORMATS[c['pattern']]})" if c["pattern"] in FORMATS else ""
        return f"{value!r} does not match the pattern {c['pattern']}{hint}"
    return None


def typed_cell(cell: str, field: dict[str, Any]) -> tuple[Any, str | None]:
    """One cell's typed value (None when empty or invalid) and its problem, if any."""
    if cell != cell.strip():
        return None, f"{cell!r} has surrounding spaces; remove them"
    if cell.strip() == "":
        return None, "required value is empty" if field.get("constraints", {}).get("required") else None
    kind = field.get("type", "string")
    try:
        value = parse(cell, field)
    except ValueError as exc:
        if kind == "date":
            why = f": {exc}" if str(exc) else ""
            return None, f"{cell!r} is not a valid date{why} (expected {DATE_FORMAT})"
        return None, f"{cell!r} is not a valid {kind}"
    return value, check_cell(value, field)


@dataclass
class Typed:
    """One typed column: per row a value of the field's type, or None (empty or invalid)."""

    name: str
    codes: np.ndarray | None = None  # text-stored types: per row, into `values`
    values: list[Any] | None = None  # the typed value of each distinct text
    numbers: np.ndarray | None = None  # number fields: float64, NaN = None

    def value(self, row: int) -> Any:
        """The typed value of one row (a Python object, as the messages print it)."""
        if self.numbers is not None:
            number = float(self.numbers[row])
            return None if math.isnan(number) else number
        return self.values[self.codes[row]]

    def ids(self) -> np.ndarray:
        """Per row, an id shared by exactly the rows whose typed values are equal (None equal to None)."""
        if self.numbers is not None:
            return np.unique(self.numbers, return_inverse=True)[1].astype(np.int64).reshape(-1)
        canon: dict[Any, int] = {}
        return np.asarray([canon.setdefault(v, len(canon)) for v in self.values], dtype=np.int64)[self.codes]

    def rows_where(self, test: Callable[[Any], bool]) -> np.ndarray:
        """Rows whose typed value passes `test`, each distinct value tested once."""
        if self.numbers is not None:
            distinct, inverse = np.unique(self.numbers, return_inverse=True)
            values = [None if math.isnan(v) else v for v in distinct.tolist()]
            codes = inverse
        else:
            values, codes = self.values, self.codes
        hits = np.fromiter((bool(test(v)) for v in values), dtype=bool, count=len(values))
        return np.flatnonzero(hits[codes]) if hits.any() else np.zeros(0, np.int64)

    def present(self) -> set[Any]:
        """The typed values that occur in some row (None included when a row has none)."""
        if self.numbers is not None:
            return {None if math.isnan(v) else v for v in np.unique(self.numbers).tolist()}
        return {self.values[code] for code in np.unique(self.codes).tolist()}

    def objects(self) -> np.ndarray:
        """Per row, the typed value as a Python object (None where missing), for a DataFrame column."""
        if self.numbers is not None:
            return self.numbers
        table = np.empty(len(self.values), dtype=object)
        table[:] = self.values
        return table[self.codes]


def type_columns(table: Table, fields: list[dict[str, Any]]) -> tuple[dict[str, Typed], list[Fault]]:
    """Every field of the table typed, with each cell's fault and each ragged row's, in file order."""
    faults: list[Fault] = [
        (line, -1, None, f"row has {len(cells)} cells, header has {len(table.header)}") for line, cells in table.ragged
    ]
    typed = {}
    for position, fd in enumerate(fields):
        column = table.columns[fd["name"]]
        check = _numbers if column.numbers is not None else _texts
        typed[fd["name"]], found = check(column, fd)
        faults += [(int(table.lines[row]), position, fd["name"], message) for row, message in found]
    faults.sort(key=lambda fault: (fault[0], fault[1]))
    return typed, faults


def _texts(column: Column, fd: dict[str, Any]) -> tuple[Typed, list[tuple[int, str]]]:
    """A text-stored column: each distinct text typed and checked once."""
    results = [typed_cell(text, fd) for text in column.uniques]
    typed = Typed(fd["name"], codes=column.codes, values=[value for value, _ in results])
    messages = [message for _, message in results]
    bad = np.fromiter((m is not None for m in messages), dtype=bool, count=len(messages))
    if not bad.any():
        return typed, []
    rows = np.flatnonzero(bad[column.codes])
    return typed, [(int(row), messages[column.codes[row]]) for row in rows]


def _numbers(column: Column, fd: dict[str, Any]) -> tuple[Typed, list[tuple[int, str]]]:
    """A number column: the odd cells one by one, the constraints on the rest in bulk."""
    values = column.numbers
    found = [(row, message) for row, text in column.odd.items() if (message := typed_cell(text, fd)[1])]
    c = fd.get("constraints", {})
    typed = Typed(fd["name"], numbers=values)
    if set(c) & {"enum", "pattern"}:  # rare for numbers: each distinct value through the one rule
        found += [
            (int(r), check_cell(typed.value(r), fd))
            for r in typed.rows_where(lambda v: v is not None and check_cell(v, fd) is not None)
        ]
    else:
        below = values < c["minimum"] if "minimum" in c else np.zeros(len(values), bool)
        above = (values > c["maximum"]) & ~below if "maximum" in c else np.zeros(len(values), bool)
        found += [(int(r), f"{float(values[r])!r} is below the minimum {c['minimum']}") for r in np.flatnonzero(below)]
        found += [(int(r), f"{float(values[r])!r} is above the maximum {c['maximum']}") for r in np.flatnonzero(above)]
    return typed, found


def combined(ids: list[np.ndarray]) -> np.ndarray:
    """One int64 per row, equal for two rows exactly when each array's ids are (mixed radix, compacted if large)."""
    key, span = np.zeros(len(ids[0]) if ids else 0, dtype=np.int64), 1
    for part in ids:
        size = int(part.max(initial=-1)) + 1
        if span * size >= 2**62:
            key = np.unique(key, return_inverse=True)[1].astype(np.int64).reshape(-1)
            span = int(key.max(initial=-1)) + 1
        key, span = key * size + part, span * size
    return key


def representatives(key: np.ndarray) -> list[tuple[int, int]]:
    """Each distinct key with one row that has it (the rows sharing a key have equal typed values)."""
    span = int(key.max(initial=-1)) + 1
    if span > 4 * len(key) + 1024:
        distinct, first = np.unique(key, return_index=True)
        return list(zip(distinct.tolist(), first.tolist()))
    row = np.full(span, -1, dtype=np.int64)
    row[key] = np.arange(len(key))  # any of the rows with that key: no sort
    distinct = np.flatnonzero(row >= 0)
    return list(zip(distinct.tolist(), row[distinct].tolist()))


def repeats(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose key appeared on an earlier row, in row order, and for each the row of its first occurrence."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    run_start = np.maximum.accumulate(np.where(new, np.arange(len(key)), 0))
    later = np.flatnonzero(~new)
    rows, firsts = order[later], order[run_start[later]]
    by_row = np.argsort(rows, kind="stable")
    return rows[by_row], firsts[by_row]
