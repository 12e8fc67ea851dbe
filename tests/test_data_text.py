"""Text as people paste it, and dates as people type them: rows are what the csv module calls rows, and a bad date
says which format is expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from rare_earths import data
from test_data_messages import EXPORTS, edit, problems, rows_of


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_a_line_or_paragraph_separator_inside_a_field_does_not_split_the_row(data_copy: Path, separator: str) -> None:
    """U+2028/U+2029 (common in text pasted from web pages) are characters of the field, quoted or not; the rows
    after them keep their line numbers."""
    quoted = f"pasted from a page,{separator}with a comma"  # the comma makes csv quote the field
    unquoted = f"pasted{separator}again"
    edit(data_copy / EXPORTS, 3, "note", quoted)
    edit(data_copy / EXPORTS, 4, "note", unquoted)
    assert f'"{quoted}"' in (data_copy / EXPORTS).read_text(encoding="utf-8")
    assert problems(data_copy) == []
    frame = data.load("china_exports_monthly", data_copy)
    assert frame["note"].iloc[1] == quoted and frame["note"].iloc[2] == unquoted
    assert len(frame) == len(rows_of(data_copy / EXPORTS)) - 1
    edit(data_copy / EXPORTS, 9, "value", "-1")
    assert problems(data_copy) == ["{d}/china_exports_monthly.csv, line 9, column 'value': -1.0 is below the minimum 0"]


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("2025/02/20", ""),
        ("20 Feb 2025", ""),
        ("2025-02", ""),
        ("2025-02-30", ": day is out of range for month"),
        ("2025-13-01", ": month must be in 1..12"),
    ],
)
def test_a_bad_date_says_which_format_is_expected(data_copy: Path, typed: str, why: str) -> None:
    edit(data_copy / "prices.csv", 4, "date", typed)
    assert problems(data_copy) == [
        f"{{d}}/prices.csv, line 4, column 'date': {typed!r} is not a valid date{why} (expected YYYY-MM-DD, "
        "e.g. 2025-09-10)"
    ]


def test_a_bad_month_says_which_format_is_expected(data_copy: Path) -> None:
    edit(data_copy / EXPORTS, 5, "month", "Aug 2025")
    assert problems(data_copy) == [
        "{d}/china_exports_monthly.csv, line 5, column 'month': 'Aug 2025' does not match the pattern "
        "\\d{4}-(0[1-9]|1[0-2]) (expected a month as YYYY-MM, e.g. 2025-09)"
    ]


def test_read_rows_gives_each_row_with_its_line_as_the_csv_module_counts(tmp_path: Path) -> None:
    from rare_earths.schema import read_rows

    path = tmp_path / "t.csv"
    path.write_text('a,b\n"x\u2028y",1\n\n"two\nlines",2\nshort\n', encoding="utf-8", newline="")
    header, rows, found = read_rows(path)
    assert (header, found) == (["a", "b"], [])
    assert rows == [(2, ["x\u2028y", "1"]), (5, ["two\nlines", "2"]), (6, ["short"])]
