"""Read a CSV file strictly, as the csv module defines rows, into columns: one pass, memory that scales with the data.

Rows are what `csv.reader(strict=True)` yields from the file opened with ``newline=""`` (the csv module's own
rule): a U+2028 or U+2029 inside a field is a character of the field, and a quoted field may span lines. Each
row keeps its physical line (the csv reader's ``line_num`` after the row: the line where the row ends; line 1 is
the header). A text column is stored once per distinct value (``uniques``) plus a code per row; a number column
is parsed in bulk to float64, and only the cells that do not parse cleanly (empty, spaces, not a finite number)
keep their text, for the messages. The schema module types and checks these columns.
"""

from __future__ import annotations

import csv
import gc
import itertools
import math
import operator
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BOM = b"\xef\xbb\xbf"
CHUNK = 65_536  # rows transposed into columns at a time: bounds the memory held as Python strings
SPACE = re.compile(r"\s")  # what str.strip removes; a clean number holds none (float() accepts it around one)
FAST_BYTES = 4_000_000  # files this big go to csvfast (pandas' tokenizer, after a scan proving it reads the same)


@dataclass
class Column:
    """One column's cells: text as codes into distinct values, or numbers as float64 with the odd cells' text."""

    codes: np.ndarray | None = None  # int64 per row, into `uniques` (text columns)
    uniques: list[str] | None = None
    numbers: np.ndarray | None = None  # float64 per row, NaN where the cell is in `odd` (number columns)
    odd: dict[int, str] = field(default_factory=dict)  # row -> text of a number cell that did not parse cleanly


@dataclass
class Table:
    """The rows of a CSV file that have as many cells as the header, column by column, and the others aside."""

    header: list[str]
    lines: np.ndarray  # int64: physical line of each full row
    columns: dict[str, Column]
    ragged: list[tuple[int, list[str]]]  # (line, cells) of non-empty rows whose cell count differs from the header

    @property
    def records(self) -> int:
        """Non-empty rows after the header, ragged ones included."""
        return len(self.lines) + len(self.ragged)


class ReadError(Exception):
    """The file cannot be read as UTF-8 CSV; `line` (or None) and `message` say where and why."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def undecodable(raw: bytes) -> ReadError | None:
    """The first byte that is not UTF-8, with its line (lines counted by b'\\n'), or None."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return ReadError(line, f"byte 0x{raw[exc.start : exc.start + 1].hex()} is not UTF-8; save the file as UTF-8")
    return None


class _TextCodes:
    """Codes of a text column across chunks: each distinct value numbered by the row where it first appears."""

    def __init__(self) -> None:
        self.first: dict[str, int] = {}
        self.parts: list[np.ndarray] = []

    def add(self, cells: Iterable[str], offset: int, count: int) -> None:
        """Append one chunk's cells (C-level maps: no Python loop per cell)."""
        codes = map(self.first.setdefault, cells, itertools.count(offset))
        self.parts.append(np.fromiter(codes, dtype=np.int64, count=count))

    def column(self, rows: int) -> Column:
        """Dense codes 0..k-1 in order of first appearance."""
        firsts = np.fromiter(self.first.values(), dtype=np.int64, count=len(self.first))
        dense = np.zeros(rows, dtype=np.int32)
        dense[firsts] = np.arange(len(firsts), dtype=np.int32)
        codes = np.concatenate(self.parts) if self.parts else np.zeros(0, np.int64)
        return Column(codes=dense[codes], uniques=list(self.first))


class _Numbers:
    """A number column across chunks: float64 in bulk, falling back cell by cell only in a chunk with odd cells."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.odd: dict[int, str] = {}

    def add(self, cells: Iterable[str], offset: int, count: int) -> None:
        """Append one chunk's cells as numbers (NaN, text kept in `odd`, where a cell is not a clean number)."""
        if not isinstance(cells, np.ndarray):
            cells = np.fromiter(cells, dtype=object, count=count)
        try:
            values = cells.astype(np.float64)  # float() of each text, in C
            clean = bool(np.isfinite(values).all()) and SPACE.search(",".join(cells)) is None
        except (ValueError, TypeError):
            clean = False
        if not clean:
            values = np.array([self._one(cell, offset + i) for i, cell in enumerate(cells)], dtype=np.float64)
        self.parts.append(values)

    def _one(self, cell: str, row: int) -> float:
        """One cell of a chunk that has odd cells."""
        try:
            value = float(cell) if cell == cell.strip() else float("nan")
        except ValueError:
            value = float("nan")
        if not math.isfinite(value):
            self.odd[row] = cell
            return float("nan")
        return value

    def column(self, rows: int) -> Column:
        return Column(numbers=np.concatenate(self.parts) if self.parts else np.zeros(0), odd=self.odd)


def breaks(cells: list[str]) -> int:
    """Line breaks inside a row's cells (quoted newlines), counted as the csv reader counts lines."""
    return sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells if "\n" in c or "\r" in c)


def read_table(
    path: Path,
    numbers: Iterable[str] = (),
    check_header: Callable[[list[str]], list[object]] | None = None,
    only: Iterable[str] | None = None,
) -> tuple[Table | None, list[object]]:
    """Read `path`; `numbers` are parsed as floats, `only` limits the columns kept. Raise ReadError if unreadable.

    `check_header` may return problems for the header: reading then stops, and they are returned with no table.
    """
    try:
        with open(path, "rb") as probe:
            start, size = probe.read(3), os.fstat(probe.fileno()).st_size
        with open(path, encoding="utf-8", newline="") as f:
            if start == BOM:
                raise ReadError(
                    1,
                    "the file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM "
                    "(e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)",
                )
            if size >= FAST_BYTES and only is None:
                fast = _read_fast(path, set(numbers), check_header)
                if fast is not None:
                    return fast
            reader = csv.reader(f, strict=True)
            return _read(reader, set(numbers), check_header, None if only is None else set(only))
    except OSError as exc:
        raise ReadError(None, f"cannot read file: {exc.strerror or exc}") from exc
    except (ReadError, csv.Error, UnicodeDecodeError) as exc:
        bad = undecodable(path.read_bytes())  # a byte that is not UTF-8 is the root cause wherever it stands
        if bad:
            raise bad from exc
        if isinstance(exc, csv.Error):
            raise ReadError(reader.line_num, f"malformed CSV: {exc}") from exc
        raise


def _read_fast(path: Path, numbers: set[str], check_header: Callable | None) -> tuple[Table | None, list] | None:
    """A big file through csvfast (pandas' tokenizer, once a byte scan shows it reads what the csv module would)."""
    from . import csvfast

    found = csvfast.layout(path)
    if found is None:
        return None
    header, lines_of, commas = found.header, found.lines, found.commas
    problems = check_header(header) if check_header else []
    if problems:
        return None, problems
    floats = [] if found.padded else [j for j, name in enumerate(header) if name in numbers]
    cells = csvfast.cells(path, len(header), floats)
    lines = None if cells is None else lines_of(len(cells[0]))
    if lines is None:
        return None
    if any(cells[j].dtype == np.float64 for j in floats) and not _plain_numbers(cells, floats, lines):
        cells = csvfast.cells(path, len(header))  # the checks need the text of a number column
        if cells is None:
            return None
    columns = {}
    for j, name in enumerate(header):
        if name in numbers and cells[j].dtype == np.float64:
            columns[name] = Column(numbers=cells.pop(j), odd={})
        elif name in numbers:
            builder = _Numbers()
            builder.add(cells.pop(j), 0, len(lines))
            columns[name] = builder.column(len(lines))
        else:
            codes, uniques = csvfast.factorize(cells.pop(j))
            columns[name] = Column(codes=codes, uniques=uniques)
    if commas != (len(header) - 1) * (len(lines) + 1) + csvfast.cell_commas(columns, header):
        return None  # some row has fewer cells than the header (pandas pads it; one with more, it refuses)
    return Table(header, lines, columns, []), []


def _plain_numbers(cells: dict[int, np.ndarray], floats: list[int], lines: np.ndarray) -> bool:
    """Whether number columns parsed by pandas hold only what the text path would read alike: finite values, and no
    row over two lines (a quoted line break beside a number is whitespace that pandas' parser skips)."""
    one_line_each = not len(lines) or (lines[0] == 2 and lines[-1] == len(lines) + 1)
    return one_line_each and all(bool(np.isfinite(cells[j]).all()) for j in floats if cells[j].dtype == np.float64)


def _read(
    reader: Any, numbers: set[str], check_header: Callable | None, only: set[str] | None
) -> tuple[Table | None, list[object]]:
    """The reading loop: rows taken in chunks, each chunk's columns passed to their builders."""
    header = next(reader, [])
    if not header:
        for _ in reader:  # a malformed row further on still says so first
            pass
        raise ReadError(1, "empty file: no header row")
    problems = check_header(header) if check_header else []
    if problems:
        return None, problems
    width = len(header)
    kept = [(j, name) for j, name in enumerate(header) if only is None or name in only]
    builders = {name: _Numbers() if name in numbers else _TextCodes() for _, name in kept}
    lines, ragged, rows, start = [], [], 0, reader.line_num
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived lists: the cyclic collector would rescan them over and over
    try:
        while chunk := list(itertools.islice(reader, CHUNK)):
            end = reader.line_num
            if end - start == len(chunk) and all(map(width.__eq__, map(len, chunk))):
                lines.append(np.arange(start + 1, end + 1, dtype=np.int64))  # one line per row: the common case
            else:
                chunk = _sorted_out(chunk, start, end, width, lines, ragged)
            start = end
            for j, name in kept:
                builders[name].add(map(operator.itemgetter(j), chunk), rows, len(chunk))
            rows += len(chunk)
    finally:
        if collecting:
            gc.enable()
    columns = {name: builders[name].column(rows) for _, name in kept}
    return Table(header, np.concatenate(lines) if lines else np.zeros(0, np.int64), columns, ragged), []


def _sorted_out(
    chunk: list[list[str]],
    start: int,
    end: int,
    width: int,
    lines: list[np.ndarray],
    ragged: list[tuple[int, list[str]]],
) -> list[list[str]]:
    """A chunk with blank lines, quoted newlines or ragged rows: each row's line computed, the full rows returned."""
    full, at = [], []
    line = start
    for cells in chunk:
        line += 1 + breaks(cells)
        if len(cells) == width:
            full.append(cells)
            at.append(line)
        elif cells:
            ragged.append((line, cells))
    if line != end:  # the count of quoted line breaks must give the reader's own line number
        raise RuntimeError(f"line count out of step with the csv reader: {line} != {end}")
    lines.append(np.asarray(at, dtype=np.int64))
    return full
