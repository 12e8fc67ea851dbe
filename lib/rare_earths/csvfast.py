"""The fast path of csvtable for big files: pandas' C tokenizer, after a byte scan that proves it reads the same rows.

`pandas.read_csv` and the csv module agree on a file whose quotes are canonical (a quoted field opens at a field
start and closes before a delimiter or line end, quotes inside doubled) and whose rows all have the header's
width. The scan checks exactly that with numpy on the bytes (the quotes' parity tells which commas and line
breaks are structural) and computes each row's physical line as the csv reader counts lines (every line break,
quoted or not; a row's line is the one where it ends). Anything else (a byte that is not UTF-8, a NUL, a stray
quote, a ragged or blank-looking row, a blank first line, a bare CR ending a row) returns None, and csvtable reads the file with the csv
module, which gives the exact message. pandas is imported here only.

Number columns are parsed by pandas' float parser when nothing in the file can be a number with whitespace around
it (`padded`): boxing a million distinct texts as Python strings costs more than the rest of the read. pandas'
parser accepts a subset of what float() accepts and gives the same doubles; it also skips whitespace around a
number, which validation must flag, hence the byte check, and csvtable reads the cells as text again when a parsed
column holds a non-finite value or a row spans more than one line.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import warnings
from collections.abc import Callable, Collection
from pathlib import Path
from typing import NamedTuple

import numpy as np

BLOCK = 1 << 22  # bytes scanned at a time (bounds the temporary masks)
QUOTE, COMMA, LF, CR = 34, 44, 10, 13
PAD = (32, 9, 11, 12)  # space, tab, vertical tab, form feed: what pandas' float parser skips around a number


def _positions(data: np.ndarray, byte: int) -> np.ndarray:
    """Sorted positions of one byte value, found block by block."""
    parts = [np.flatnonzero(data[a : a + BLOCK] == byte) + a for a in range(0, len(data), BLOCK)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _count(data: np.ndarray, byte: int) -> int:
    """How many times one byte value occurs."""
    return sum(int(np.count_nonzero(data[a : a + BLOCK] == byte)) for a in range(0, len(data), BLOCK))


def _utf8(data: np.ndarray, view: memoryview) -> bool:
    """Whether the bytes decode as UTF-8 with no NUL (block by block; ASCII blocks between characters skipped)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for a in range(0, len(data), BLOCK):
            block = data[a : a + BLOCK]
            if block.min() == 0:
                return False
            if decoder.getstate()[0] or block.max() >= 128:
                decoder.decode(view[a : a + BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _canonical_quotes(data: np.ndarray, quotes: np.ndarray) -> bool:
    """Every quote opens a field, closes one, or is half of a doubled quote inside one."""
    if len(quotes) % 2:
        return False
    if not len(quotes):
        return True
    n = len(data)
    before = np.where(quotes > 0, data[np.maximum(quotes - 1, 0)], LF)
    after = np.where(quotes < n - 1, data[np.minimum(quotes + 1, n - 1)], LF)
    glued = quotes[1:] == quotes[:-1] + 1
    glued_before, glued_after = np.concatenate(([False], glued)), np.concatenate((glued, [False]))
    opening = np.arange(len(quotes)) % 2 == 0
    opens = opening & (np.isin(before, (COMMA, LF, CR)) | glued_before)
    closes = ~opening & (np.isin(after, (COMMA, LF, CR)) | glued_after)
    return bool((opens | closes).all())


def scan(data: np.ndarray, raw: mmap.mmap | bytes) -> tuple[tuple[int, int], np.ndarray] | None:
    """The header's byte range and each data row's line, or None if the csv module might read the file otherwise.

    Rows end at the line breaks outside quotes (an even number of quotes before them); a row's line is the count of
    line breaks up to its end, quoted ones included, as the csv reader counts lines."""
    n = len(data)
    if not n or data[0] in (LF, CR):
        return None
    quotes = _positions(data, QUOTE) if raw.find(b'"') >= 0 else np.zeros(0, np.int64)
    if not _canonical_quotes(data, quotes):
        return None
    lf = _positions(data, LF)
    breaks = lf
    if raw.find(b"\r") >= 0:
        cr = _positions(data, CR)
        lone = cr[(cr == n - 1) | (data[np.minimum(cr + 1, n - 1)] != LF)]
        if (np.searchsorted(quotes, lone) % 2 == 0).any():
            return None  # a bare CR ending a row: pandas and the csv module differ around it (old Mac files)
        breaks = np.sort(np.concatenate((lf, lone))) if len(lone) else lf
    if _line_of_spaces(data, breaks):
        return None
    outside = np.searchsorted(quotes, breaks) % 2 == 0
    ending = breaks[outside]
    ends = ending - ((ending > 0) & (data[np.maximum(ending - 1, 0)] == CR))  # a CRLF row ends at its CR
    lines = np.flatnonzero(outside) + 1
    begins = np.concatenate(([0], ending + 1))
    if begins[-1] < n:  # a last row without a line break
        ends, lines = np.append(ends, n), np.append(lines, len(breaks) + 1)
    else:
        begins = begins[:-1]
    blank = begins == ends
    if blank[0]:
        return None
    return (int(begins[0]), int(ends[0])), lines[~blank][1:]


def _line_of_spaces(data: np.ndarray, breaks: np.ndarray) -> bool:
    """Whether some line holds only spaces and tabs (pandas skips it; the csv module reads a row of one cell)."""
    n = len(data)
    after = breaks[breaks < n - 1] + 1
    starts = after[np.isin(data[after], (32, 9))]
    if len(starts) > 1000:
        return True  # too many to look at one by one: let the csv module read the file
    ends = np.append(breaks, n)[np.searchsorted(breaks, starts)]
    return any(np.isin(data[a:b], (32, 9, CR)).all() for a, b in zip(starts.tolist(), ends.tolist()))


def cell_commas(columns: dict, header: list[str]) -> int:
    """Commas inside the cells (all from quoted fields: an unquoted field cannot hold one), header included."""
    total = sum(h.count(",") for h in header)
    for column in columns.values():
        if column.numbers is not None:
            total += sum(text.count(",") for text in column.odd.values())
        else:
            per_value = np.fromiter((u.count(",") for u in column.uniques), dtype=np.int64, count=len(column.uniques))
            if per_value.any():
                total += int(np.bincount(column.codes, minlength=len(per_value)) @ per_value)
    return total


class Layout(NamedTuple):
    """What the byte scan of a big file found."""

    header: list[str]
    lines: Callable[[int], np.ndarray | None]  # each data row's line, once pandas has counted the rows
    commas: int  # commas in the file, structural or quoted
    padded: bool  # whether some cell may be a number with whitespace around it


def layout(path: Path) -> Layout | None:
    """A big file's header, a function giving each data row's line once pandas has counted the rows, its count
    of commas and whether a number may be padded; None to let the csv module read it.

    A file without CR whose header holds no quote needs no search for line breaks: when it has exactly one line
    per row (pandas' row count says so), row i is on line i + 2. Otherwise the full scan gives each row's line."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        view = memoryview(mm)
        data = np.frombuffer(view, dtype=np.uint8)
        try:
            if not len(data) or data[0] in (LF, CR) or not _utf8(data, view):
                return None
            commas, breaks, last = _count(data, COMMA), _count(data, LF), int(data[-1])
            first = mm.find(b"\n")
            first = len(data) if first < 0 else first
            simple = mm.find(b"\r") < 0 and mm.find(b'"', 0, first) < 0
            if simple:
                quotes = _positions(data, QUOTE) if mm.find(b'"') >= 0 else np.zeros(0, np.int64)
                found = ((0, first), None) if _canonical_quotes(data, quotes) else None
            else:
                found = scan(data, mm)
            header = None if found is None else bytes(view[found[0][0] : found[0][1]]).decode("utf-8")
            pads = found is not None and padded(data, mm)
        finally:
            del data
            view.release()
    if found is None:
        return None
    header = next(csv.reader(io.StringIO(header, newline="")))
    if len(header) < 2:
        return None  # one column: pandas would skip a line of spaces that the csv module reads as a row

    def lines(rows: int) -> np.ndarray | None:
        """Each data row's line, or None if the rows pandas read cannot be the csv module's."""
        if found[1] is None and breaks == rows + (1 if last == LF else 0):
            return np.arange(2, rows + 2, dtype=np.int64)  # one line per row
        every = found[1] if found[1] is not None else _scan_file(path)
        return every if every is not None and len(every) == rows else None

    return Layout(header, lines, commas, pads)


def padded(data: np.ndarray, raw: mmap.mmap | bytes) -> bool:
    """Whether a space, tab, VT or FF stands between a delimiter (comma, quote, line break, the file's edge) and
    something other than a letter: where a number cell could carry whitespace that pandas' float parser would skip.
    (Text such as 'China, Hong Kong SAR' does not count: a letter follows the space.)"""
    n = len(data)
    edges = np.array([COMMA, QUOTE, LF, CR], dtype=np.uint8)
    for byte in PAD:
        if raw.find(bytes([byte])) < 0:
            continue
        at = _positions(data, byte)
        before = np.where(at > 0, data[np.maximum(at - 1, 0)], LF)
        after = np.where(at < n - 1, data[np.minimum(at + 1, n - 1)], LF)
        letter_before, letter_after = _letter(before), _letter(after)
        if ((np.isin(before, edges) & ~letter_after) | (np.isin(after, edges) & ~letter_before)).any():
            return True
    return False


def _letter(codes: np.ndarray) -> np.ndarray:
    """Which bytes are ASCII letters."""
    upper = codes & 0xDF  # folds a-z onto A-Z
    return (upper >= 65) & (upper <= 90)


def _scan_file(path: Path) -> np.ndarray | None:
    """Each data row's line by the full scan (a file with blank lines, quoted line breaks or lines of spaces)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        view = memoryview(mm)
        data = np.frombuffer(view, dtype=np.uint8)
        try:
            found = scan(data, mm)
        finally:
            del data
            view.release()
    return None if found is None else found[1]


def factorize(cells: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes (int32, in order of first appearance) and the distinct texts of a column of Python strings."""
    import pandas as pd

    codes, uniques = pd.factorize(cells)
    return codes.astype(np.int32), uniques.tolist()


def cells(path: Path, width: int, floats: Collection[int] = ()) -> dict[int, np.ndarray] | None:
    """Every cell as text, exactly as in the file (no NA guessing, blank lines skipped), or None if pandas refuses;
    the columns at `floats` as float64 instead, unless some cell there does not parse (then all as text)."""
    if floats:
        try:
            return _cells(path, width, {j: np.float64 for j in floats})
        except ValueError:  # a cell pandas' float parser refuses: the csv checks need its text
            pass
    try:
        return _cells(path, width, {})
    except ValueError:
        return None


def _cells(path: Path, width: int, floats: dict[int, type]) -> dict[int, np.ndarray] | None:
    """One pandas read: the columns in `floats` parsed as numbers (ValueError if one does not parse), the rest as
    text; None if pandas refuses the file (a row longer than the header, an undecodable byte)."""
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header, cut short
            frame = pd.read_csv(
                path,
                sep=",",
                header=0,
                names=list(range(width)),
                index_col=False,
                dtype={j: floats.get(j, object) for j in range(width)},
                na_filter=False,
                keep_default_na=False,
                skip_blank_lines=True,
                encoding="utf-8",
                engine="c",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, UnicodeDecodeError):
        return None
    except ValueError:
        if floats:
            raise  # perhaps a number that does not parse: the caller reads the file as text
        return None
    return {j: frame.pop(j).to_numpy(dtype=floats.get(j, object)) for j in range(width)}
