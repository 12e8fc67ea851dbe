"""The two ways of reading a CSV (the csv module; pandas after a byte scan, for big files) give the same table."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import numpy as np
import pytest
from rare_earths import csvfast, csvtable
from test_data_messages import CASES, problems

ALPHABET = ["a", "b", "7", ".", " ", ",", '"', "\n", "\r\n", "é", "\u2028", "\u2029", "\x0c", "-", "1e3"]


def slow(path: Path, numbers: list[str]) -> csvtable.Table:
    table, _ = csvtable._read(
        csv.reader(open(path, encoding="utf-8", newline=""), strict=True), set(numbers), None, None
    )
    return table


def same(a: csvtable.Table, b: csvtable.Table) -> None:
    assert a.header == b.header and a.ragged == b.ragged
    assert a.lines.tolist() == b.lines.tolist()
    for name in a.columns:
        x, y = a.columns[name], b.columns[name]
        if x.numbers is not None:
            np.testing.assert_array_equal(x.numbers, y.numbers)
            assert x.odd == y.odd
        else:
            assert x.uniques == y.uniques and x.codes.tolist() == y.codes.tolist()


def random_file(rng: random.Random) -> str:
    """A CSV as csv.writer writes it (quoted newlines, doubled quotes, any line ending), sometimes with blank lines."""
    width = rng.randint(2, 4)
    rows = [[f"c{j}" for j in range(width)]]
    for _ in range(rng.randint(1, 30)):
        rows.append(["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 5))) for _ in range(width)])
        if rng.random() < 0.3:
            rows[-1][0] = str(rng.choice([1, 2.5, -3, "nan", " 4", "", "x"]))
    out = io.StringIO()
    csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"])).writerows(rows)
    text = out.getvalue()
    if rng.random() < 0.3:
        text = text.replace("\nc", "\n\nc").rstrip("\r\n") + rng.choice(["", "\n\n"])
    return text


def test_the_fast_path_reads_random_canonical_files_exactly_as_the_csv_module(tmp_path: Path) -> None:
    rng, fast_reads = random.Random(20), 0
    for i in range(400):
        path = tmp_path / f"{i}.csv"
        path.write_text(random_file(rng), encoding="utf-8", newline="")
        expected = slow(path, ["c0"])
        found = csvtable._read_fast(path, {"c0"}, None)
        if found is not None:
            fast_reads += 1
            same(found[0], expected)
    assert fast_reads > 300  # the scan accepts what csv.writer writes, blank lines and quoted newlines included


# Number cells that pandas' float parser would read as a clean number (padded, split over lines) or refuse
ODD_NUMBERS = [" 4", "4 ", "\t4", "4\x0c", "\x0b4", "  4", "4\n", "\r\n4", "inf", "-inf", "1e999", "nan", "1_0", ""]


def numbers_file(rng: random.Random) -> str:
    """A table of a number column and a text column, sometimes with one odd number cell."""
    rows = [["n", "t"]]
    for _ in range(rng.randint(1, 40)):
        rows.append(
            [rng.choice(["4", "-2.5", "1e3", ".5", "7.", "+0"]), rng.choice(["a", "China, Hong Kong SAR", "x y"])]
        )
    if rng.random() < 0.6:
        rows[rng.randint(1, len(rows) - 1)][0] = rng.choice(ODD_NUMBERS)
    out = io.StringIO()
    csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"])).writerows(rows)
    return out.getvalue()


def test_number_columns_parsed_by_pandas_read_as_the_csv_module_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = []
    cells = csvfast.cells
    monkeypatch.setattr(
        csvfast, "cells", lambda *a: (found := cells(*a)) and parsed.append(found[0].dtype == np.float64) or found
    )
    rng = random.Random(7)
    for i in range(400):
        path = tmp_path / f"{i}.csv"
        path.write_text(numbers_file(rng), encoding="utf-8", newline="")
        found = csvtable._read_fast(path, {"n"}, None)
        assert found is not None, path.read_text()
        same(found[0], slow(path, ["n"]))
    assert sum(parsed) > 150 and not all(parsed)  # pandas parsed most number columns; some went back to text


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"x"y,z\n',  # text after a closing quote: the csv module refuses it
        'a,b\nx"y,z\n',  # a quote inside an unquoted field
        'a,b\n"x,z\n',  # unterminated
        "a,b\n1,2,3\n",  # ragged
        "a,b,c\n1,2,3,4\n" + "1,2,3\n" * 5000 + "1,2\n",  # one cell too many, one too few: as many commas
        "a,b\n   \n1,2\n",  # a line of spaces is a row of one cell
        "\na,b\n1,2\n",  # a blank first line: no header
        "a,b\n1,\x002\n",  # NUL
        "a\n1\n",  # one column: pandas would skip a line of spaces
        "a,b\r1,2\r",  # rows ended by a bare CR
        "a,b\n1,2\n\r3,4\n",  # a blank line of a bare CR
    ],
)
def test_the_fast_path_declines_what_only_the_csv_module_can_judge(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert csvtable._read_fast(path, set(), None) is None


def test_a_non_utf8_file_is_left_to_the_csv_module(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,\xe92\n")
    assert csvtable._read_fast(path, set(), None) is None


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_message_is_the_same_when_every_file_takes_the_fast_path(
    data_copy: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvtable, "FAST_BYTES", 0)
    used = []
    layout = csvfast.layout
    monkeypatch.setattr(csvfast, "layout", lambda path: used.append(path) or layout(path))
    break_it, expected = CASES[case]
    break_it(data_copy)
    assert problems(data_copy) == expected
    assert used


def test_load_gives_the_same_typed_frame_whichever_way_the_snapshot_is_read(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import pandas as pd
    from rare_earths import data

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import validate_benchmark

    package = validate_benchmark.make_package(data_copy.parent, 3000)
    assert csvfast.layout(package / "comtrade" / "china_exports_comtrade.csv") is not None  # the fast path takes it
    frames = []
    for threshold in (10**12, 0):
        monkeypatch.setattr(csvtable, "FAST_BYTES", threshold)
        frames.append(data.load("china_exports_comtrade", package))
    pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)
    frame = frames[1]
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        "hs_code": "string",
        "partner": "string",
        "partner_code": "Int64",
        "month": "string",
        "measure": "string",
        "value": "float64",
        "unit": "string",
        "estimated": "boolean",
        "source_id": "string",
    }
    rows = list(csv.DictReader(open(package / "comtrade" / "china_exports_comtrade.csv", encoding="utf-8")))
    assert len(frame) == len(rows) == 3000
    for i in (0, 1, 1234, 2999):
        row, got = rows[i], frame.iloc[i]
        assert (got["partner"], int(got["partner_code"]), got["value"]) == (
            row["partner"],
            int(row["partner_code"]),
            float(row["value"]),
        )
        assert (pd.isna(got["estimated"]) and row["estimated"] == "") or got["estimated"] == (
            row["estimated"] == "true"
        )
    assert frame["partner"].str.contains(",").any()  # some names are quoted in the file
