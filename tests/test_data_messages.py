"""Every validation message, pinned word for word on the real descriptor: file, line, column, text and order.

The messages are what a user reads to find a fault; a faster validator must say exactly the same thing. Each case
breaks a copy of data/ in one way and compares the full list of problems (not a substring).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rare_earths import data
from rare_earths.schema import DataValidationError, Problem, validate_package

EXPORTS = "china_exports_monthly.csv"
DATA = Path(__file__).resolve().parents[1] / "data"
AFTER_EXPORTS = len((DATA / EXPORTS).read_text(encoding="utf-8").splitlines()) + 1  # the line a row appended lands on
AFTER_PRICES = len((DATA / "prices.csv").read_text(encoding="utf-8").splitlines()) + 1
AFTER_SOURCES = len((DATA / "sources.csv").read_text(encoding="utf-8").splitlines()) + 1
COMTRADE_HEADER = "hs_code,partner,partner_code,month,measure,value,unit,estimated,source_id\n"


def problems(data_dir: Path) -> list[str]:
    """Every problem of the package, as the user reads them, with the copy's folder written as {d}."""
    return [str(p).replace(str(data_dir), "{d}") for p in validate_package(data_dir)]


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def edit(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell (line 1 = header; every curated file has one line per record)."""
    rows = rows_of(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write(text)


def comtrade(d: Path, body: str) -> None:
    """A small UN Comtrade snapshot (the optional dataset), with its retrieval's row in sources.csv."""
    (d / "comtrade").mkdir(exist_ok=True)
    (d / "comtrade" / "china_exports_comtrade.csv").write_text(COMTRADE_HEADER + body, encoding="utf-8")
    append(
        d / "sources.csv",
        "un-comtrade-2026-11-28,statistics,United Nations Statistics Division (UN Comtrade),UN Comtrade database,"
        "API,https://comtradeapi.un.org/public/v1/preview/C/M/HS,,2026-11-28,UN Comtrade terms of use,\n",
    )


def _malformed(d: Path) -> None:
    append(d / EXPORTS, 'rare_earths,World,2026-04,volume,"5,t,src\n')


def _quote_then_text(d: Path) -> None:
    rewrite_line(d / EXPORTS, 7, lambda text: text.replace(",mirror-2025-09-20,", ',"mirror"x,', 1))


def rewrite_line(path: Path, line: int, change: Callable[[str], str]) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = change(lines[line - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def _ragged(d: Path) -> None:
    append(d / EXPORTS, "rare_earths,World,2026-04,volume,5,t,kitco-2025-09-08,q,n,extra\n")
    append(d / EXPORTS, "rare_earths,World,2026-05,volume\n")


def _header(d: Path) -> None:
    rewrite_line(d / EXPORTS, 1, lambda text: text.replace(",note", ",remark,quote", 1))


def _cells(d: Path) -> None:
    """Several faults in two rows: reported by line, then in the schema's column order."""
    edit(d / EXPORTS, 5, "value", "5.792 t")
    edit(d / EXPORTS, 5, "month", "2025-8")
    edit(d / EXPORTS, 3, "source_id", "")
    edit(d / EXPORTS, 3, "unit", "kg")
    edit(d / EXPORTS, 4, "value", "-12")
    edit(d / EXPORTS, 6, "partner", " World")
    edit(d / EXPORTS, 7, "value", "nan")
    edit(d / EXPORTS, 8, "series", "magnets")


def _unknown_source(d: Path) -> None:
    edit(d / EXPORTS, 9, "source_id", "no-such-source")


def _units(d: Path) -> None:
    edit(d / EXPORTS, 7, "unit", "USD")  # a volume in USD
    edit(d / "defense_content.csv", 2, "unit", "kg")  # still 'pounds per aircraft'
    edit(d / "defense_content.csv", 16, "value", "150")  # a percent above 100
    edit(d / "defense_content.csv", 16, "value_high", "101.5")


def _share_above_100(d: Path) -> None:
    edit(d / "stage_shares.csv", 2, "value", "192")


def _empty(d: Path) -> None:
    path = d / "china_quotas.csv"
    path.write_text(path.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")


def _duplicates(d: Path) -> None:
    lines = (d / EXPORTS).read_text(encoding="utf-8").splitlines(keepends=True)
    append(d / EXPORTS, lines[6] + lines[30])
    lines = (d / "prices.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    append(d / "prices.csv", lines[1])
    lines = (d / "sources.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    append(d / "sources.csv", lines[3])


def _types(d: Path) -> None:
    edit(d / "usgs_world_production.csv", 2, "year", "2O23")
    edit(d / "usgs_world_production.csv", 3, "estimated", "yes")
    edit(d / "usgs_world_production.csv", 4, "year", "1999")


def _bom(d: Path) -> None:
    (d / "prices.csv").write_bytes(b"\xef\xbb\xbf" + (d / "prices.csv").read_bytes())


def _bad_byte(d: Path) -> None:
    lines = (d / "sources.csv").read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b"e", b"\xe9", 1)
    (d / "sources.csv").write_bytes(b"\n".join(lines))


def _unreadable(d: Path) -> None:
    (d / "exchange_rates.csv").unlink()
    (d / "exchange_rates.csv").mkdir()


def _blank_and_multiline(d: Path) -> None:
    """A blank line and a quoted field over three lines still count as lines, as the csv module counts them."""
    edit(d / EXPORTS, 10, "measure", "weight")
    edit(d / EXPORTS, 3, "note", "first line\nsecond\r\nthird")  # the record now spans lines 3 to 5
    rewrite_line(d / EXPORTS, 7, lambda text: "\n" + text)  # a blank line 7; record 10 is now on line 13


def _comtrade(d: Path) -> None:
    comtrade(
        d,
        "850511,World,0,2025-01,value,123.5,USD,,un-comtrade-2026-11-28\n"
        "850511,World,0,2025-01,net_weight,10,kg,false,un-comtrade-2026-11-28\n"
        "850511,World,0,2025-01,value,124,USD,,un-comtrade-2026-11-28\n"
        "85051,USA,842,2025-01,quantity,7,t,maybe,un-comtrade-2026-11-28\n"
        "850511,USA,-842,2025-02,value,1e400,u,,un-comtrade-2026-11-29\n"
        '850511,"China, Hong Kong SAR",344,2025-02,quantity,3,u,true,un-comtrade-2026-11-28\n',
    )


CASES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "malformed": (
        _malformed,
        [f"{{d}}/china_exports_monthly.csv, line {AFTER_EXPORTS}: malformed CSV: unexpected end of data"],
    ),
    "quote then text": (
        _quote_then_text,
        ["{d}/china_exports_monthly.csv, line 7: malformed CSV: ',' expected after '\"'"],
    ),
    "ragged rows": (
        _ragged,
        [
            f"{{d}}/china_exports_monthly.csv, line {AFTER_EXPORTS}: row has 10 cells, header has 9",
            f"{{d}}/china_exports_monthly.csv, line {AFTER_EXPORTS + 1}: row has 4 cells, header has 9",
        ],
    ),
    "header": (
        _header,
        [
            "{d}/china_exports_monthly.csv, line 1, column 'note': missing column (declared in datapackage.json)",
            "{d}/china_exports_monthly.csv, line 1, column 'remark': unexpected column (not declared in datapackage.json)",
            "{d}/china_exports_monthly.csv, line 1, column 'quote': duplicate column",
        ],
    ),
    "cells": (
        _cells,
        [
            "{d}/china_exports_monthly.csv, line 3, column 'unit': 'kg' is not one of the allowed values "
            "['t', 'USD', 'CNY', 'USD/t']",
            "{d}/china_exports_monthly.csv, line 3, column 'source_id': required value is empty",
            "{d}/china_exports_monthly.csv, line 4, column 'value': -12.0 is below the minimum 0",
            "{d}/china_exports_monthly.csv, line 5, column 'month': '2025-8' does not match the pattern "
            "\\d{4}-(0[1-9]|1[0-2]) (expected a month as YYYY-MM, e.g. 2025-09)",
            "{d}/china_exports_monthly.csv, line 5, column 'value': '5.792 t' is not a valid number",
            "{d}/china_exports_monthly.csv, line 6, column 'partner': ' World' has surrounding spaces; remove them",
            "{d}/china_exports_monthly.csv, line 7, column 'value': 'nan' is not a valid number",
            "{d}/china_exports_monthly.csv, line 8, column 'series': 'magnets' is not one of the allowed values "
            "['rare_earths', 'rare_earth_products_bloomberg', 'rare_earth_magnets']",
            "{d}/china_exports_monthly.csv, line 3, column 'unit': unit 'kg' does not match measure 'volume' "
            "(expected one of ['t'])",
        ],
    ),
    "unknown source": (
        _unknown_source,
        [
            "{d}/china_exports_monthly.csv, line 9, column 'source_id': 'no-such-source' is not a source_id in "
            "sources.csv"
        ],
    ),
    "units": (
        _units,
        [
            "{d}/china_exports_monthly.csv, line 7, column 'unit': unit 'USD' does not match measure 'volume' "
            "(expected one of ['t'])",
            "{d}/defense_content.csv, line 2, column 'unit': unit 'kg' disagrees with unit_as_printed "
            "'pounds per aircraft'",
            "{d}/defense_content.csv, line 16, column 'value': 150.0 percent is outside 0..100",
            "{d}/defense_content.csv, line 16, column 'value_high': 101.5 percent is outside 0..100",
        ],
    ),
    "share above 100": (
        _share_above_100,
        ["{d}/stage_shares.csv, line 2, column 'value': 192.0 is above the maximum 100"],
    ),
    "empty": (_empty, ["{d}/china_quotas.csv: no rows: the dataset is empty (only a header)"]),
    "duplicates": (
        _duplicates,
        [
            f"{{d}}/sources.csv, line {AFTER_SOURCES}, column 'source_id': duplicate key ('mining-undated',) (first at line 4)",
            f"{{d}}/sources.csv, line {AFTER_SOURCES}, column 'source_id': duplicate key ('mining-undated',) (first at line 4)",
            f"{{d}}/china_exports_monthly.csv, line {AFTER_EXPORTS}, column 'series,partner,month,measure': duplicate key "
            "('rare_earth_magnets', 'United States', '2025-08', 'volume') (first at line 7)",
            f"{{d}}/china_exports_monthly.csv, line {AFTER_EXPORTS + 1}, column 'series,partner,month,measure': duplicate key "
            "('rare_earth_magnets', 'World', '2025-08', 'volume') (first at line 31)",
            f"{{d}}/prices.csv, line {AFTER_PRICES}, column 'date,element,product,market,source_id,assessment': duplicate key "
            "(datetime.date(2025, 2, 20), 'Dy', 'alloy', 'china_domestic', 'metal-2025-02-20', "
            "'SMM quote for dysprosium-iron alloy (Dy-Fe), not pure Dy metal') (first at line 2)",
        ],
    ),
    "types": (
        _types,
        [
            "{d}/usgs_world_production.csv, line 2, column 'year': '2O23' is not a valid integer",
            "{d}/usgs_world_production.csv, line 3, column 'estimated': 'yes' is not a valid boolean",
            "{d}/usgs_world_production.csv, line 4, column 'year': 1999 is below the minimum 2000",
        ],
    ),
    "bom": (
        _bom,
        [
            "{d}/prices.csv, line 1: the file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without "
            "BOM (e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)"
        ],
    ),
    "unreadable": (_unreadable, ["{d}/exchange_rates.csv: cannot read file: Is a directory"]),
    "blank line and multi-line field": (
        _blank_and_multiline,
        [
            "{d}/china_exports_monthly.csv, line 13, column 'measure': 'weight' is not one of the allowed values "
            "['volume', 'volume_ytd', 'value', 'value_ytd', 'unit_value']",
            "{d}/china_exports_monthly.csv, line 13, column 'unit': unit 'USD' does not match measure 'weight' "
            "(expected one of [])",
        ],
    ),
    "comtrade": (
        _comtrade,
        [
            "{d}/comtrade/china_exports_comtrade.csv, line 5, column 'hs_code': '85051' does not match the pattern "
            "\\d{6}",
            "{d}/comtrade/china_exports_comtrade.csv, line 5, column 'unit': 't' is not one of the allowed values "
            "['USD', 'kg', 'u']",
            "{d}/comtrade/china_exports_comtrade.csv, line 5, column 'estimated': 'maybe' is not a valid boolean",
            "{d}/comtrade/china_exports_comtrade.csv, line 6, column 'partner_code': -842 is below the minimum 0",
            "{d}/comtrade/china_exports_comtrade.csv, line 6, column 'value': '1e400' is not a valid number",
            "{d}/comtrade/china_exports_comtrade.csv, line 4, column 'hs_code,partner_code,month,measure': "
            "duplicate key ('850511', 0, '2025-01', 'value') (first at line 2)",
            "{d}/comtrade/china_exports_comtrade.csv, line 5, column 'unit': unit 't' does not match measure "
            "'quantity' (expected one of ['kg', 'u'])",
            "{d}/comtrade/china_exports_comtrade.csv, line 6, column 'unit': unit 'u' does not match measure "
            "'value' (expected one of ['USD'])",
            "{d}/comtrade/china_exports_comtrade.csv, line 6, column 'source_id': 'un-comtrade-2026-11-29' is not "
            "a source_id in sources.csv",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_fault_has_its_exact_messages(data_copy: Path, case: str) -> None:
    break_it, expected = CASES[case]
    break_it(data_copy)
    assert problems(data_copy) == expected


def test_a_non_utf8_byte_in_sources_names_its_line_and_every_check_that_needs_the_file(data_copy: Path) -> None:
    _bad_byte(data_copy)
    found = problems(data_copy)
    assert found[0] == "{d}/sources.csv, line 5: byte 0xe9 is not UTF-8; save the file as UTF-8"
    dependants = [r["path"] for r in data.read_descriptor()["resources"] if r["schema"].get("foreignKeys")]
    dependants = [p for p in dependants if (data_copy / p).exists()]
    assert found[1:] == [
        f"{{d}}/{p}, column 'source_id': cannot check source_id against sources.csv: byte 0xe9 is not UTF-8; "
        "save the file as UTF-8 (fix that file first)"
        for p in dependants
    ]


def test_more_than_twenty_problems_are_counted_and_the_first_twenty_shown(data_copy: Path) -> None:
    rows = rows_of(data_copy / EXPORTS)
    for row in rows[1:26]:
        row[rows[0].index("value")] = "x"
    write_rows(data_copy / EXPORTS, rows)
    with pytest.raises(DataValidationError) as info:
        data.load("china_exports_monthly", data_copy)
    message = str(info.value).replace(str(data_copy), "{d}")
    shown = [f"{{d}}/{EXPORTS}, line {n}, column 'value': 'x' is not a valid number" for n in range(2, 22)]
    assert message == "25 data problem(s):\n  " + "\n  ".join(shown) + "\n  ... and 5 more"
    assert all(isinstance(p, Problem) for p in info.value.problems) and len(info.value.problems) == 25


def test_a_missing_optional_dataset_is_named_by_load(data_copy: Path) -> None:
    with pytest.raises(DataValidationError) as info:
        data.load("china_exports_comtrade", data_copy)
    assert str(info.value).replace(str(data_copy), "{d}") == (
        "1 data problem(s):\n  {d}/comtrade/china_exports_comtrade.csv: optional dataset not present "
        "(see its description in datapackage.json)"
    )
