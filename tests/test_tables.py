"""The table helper every notebook uses (rare_earths.tables) and the labels table (rare_earths.labels)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from rare_earths import data, labels, tables

BAD = re.compile(r"\d(?:\.\d+)?e[+-]?\d+|\bNaN\b|<NA>|\bNaT\b|\bNone\b")


@pytest.fixture(autouse=True)
def fresh_citations():
    tables.reset_citations()
    yield
    tables.reset_citations()


def cells(table: tables.Table) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh](?:\s[^>]*)?>(.*?)</t[dh]>", table.html, re.S)]


def test_numbers_have_separators_no_scientific_notation_and_keep_small_values() -> None:
    frame = pd.DataFrame({"value": [1.7e6, 5.5e7], "ndpr_kg_per_ev": [0.7, 0.9], "mom_pct": [-3.37487, 36.2]})
    shown = cells(tables.show(frame))
    assert "1,700,000" in shown and "55,000,000" in shown
    assert "0.70" in shown and "1" not in shown  # 0.7 kg is never rounded to "1"
    assert "-3.4" in shown and "36.2" in shown
    assert not any(BAD.search(c) for c in shown)


def test_missing_values_are_dashes_whatever_their_kind() -> None:
    frame = pd.DataFrame(
        {
            "a": [1.0, float("nan")],
            "b": pd.array([1, None], dtype="Int64"),
            "c": [pd.Timestamp("2025-04-04"), pd.NaT],
            "d": pd.array(["x", None], dtype="string"),
        }
    )
    shown = cells(tables.show(frame))
    assert shown.count("—") == 4 and not any(BAD.search(c) for c in shown)


def test_dates_and_months_read_as_dates() -> None:
    frame = pd.DataFrame({"value": [1.0]}, index=pd.PeriodIndex(["2025-04"], freq="M", name="month"))
    frame["when"] = [pd.Timestamp("2025-04-04")]
    frame["as_text"] = ["2025-05-06"]
    shown = cells(tables.show(frame))
    assert "Apr\u00a02025" in shown and "4\u00a0Apr\u00a02025" in shown and "6\u00a0May\u00a02025" in shown  # no wrap


def test_no_index_column_unless_it_means_something() -> None:
    plain = tables.show(pd.DataFrame({"value": [5.0, 6.0]}, index=[3, 7]))
    assert cells(plain)[:1] == ["value"] and "3" not in cells(plain)
    named = tables.show(pd.DataFrame({"t": [5.0]}, index=pd.Index(["Australia"], name="country")))
    assert cells(named)[:2] == ["country", "t"] and "Australia" in cells(named)


def test_columns_get_readable_labels_with_units() -> None:
    shown = cells(
        tables.show(pd.DataFrame({"mom_pct": [1.0], "ev_share_of_demand_pct": [27.5], "rate_days_apart": [3]}))
    )
    assert shown[:3] == ["change on previous month (%)", "EV share of NdPr demand (%)", "days between quote and rate"]
    assert labels.label("some_new_value_t") == "some new value (t)" and labels.label("Plain text") == "Plain text"


def test_years_are_not_given_thousands_separators() -> None:
    assert "2,025" not in cells(tables.show(pd.DataFrame({"year": [2025], "t": [62584.8]})))


def test_long_tables_are_cut_with_a_link_to_the_full_csv() -> None:
    table = tables.show(pd.DataFrame({"value": range(40)}), "01_example", max_rows=10)
    assert len(cells(table)) == 11  # header + 10 rows
    assert "30 of 40 rows not shown here</span>: the first 10 are above; all 40 rows are in" in table.html
    assert (
        'href="../tables/01_example.csv"' in table.html and 'href="../tables/01_example.provenance.json"' in table.html
    )


def test_claim_values_read_as_months_and_units() -> None:
    frame = pd.DataFrame(
        {
            "claim_id": ["C02-03", "C00-04"],
            "claimed_value": [202504.0, 51.0],
            "computed_value": [202410.0, None],
            "unit": ["yyyymm", "percent"],
        }
    )
    shown = cells(tables.show(frame))
    assert {"April 2025", "October 2024", "51%", "—"} <= set(shown) and "202,504" not in shown and "unit" not in shown
    assert labels.months_between(202504, 202410) == -6


def test_sources_are_cited_by_number_and_listed_as_references() -> None:
    ids = list(data.sources()["source_id"][:2])
    shown = tables.show(pd.DataFrame({"value": [1.0, 2.0, 3.0], "source_id": [ids[1], ids[0], ids[1]]}))
    assert [c for c in cells(shown) if c.startswith("[")] == ["[1]", "[2]", "[1]"]
    listing = tables.references(pd.DataFrame({"source_id": ids})).html
    assert listing.index(f'id="ref-{ids[1]}" value="1"') < listing.index(f'id="ref-{ids[0]}" value="2"')
    assert '<a href="http' in listing and "../sources.html" in listing


def test_every_source_id_in_a_source_cell_is_cited_whatever_joins_them() -> None:
    """'a; b' and 'a (claim); volume: b' were shown as plain text: only ', ' split a cell into citations."""
    a, b = list(data.sources()["source_id"][:2])
    shown = tables.show(pd.DataFrame({"source_id": [f"{a}; {b}", f"{a} (claim); volume: <{b}>", "no source"]}))
    assert [c for c in cells(shown)[1:]] == ["[1]; [2]", "[1] (claim); volume: &lt;[2]&gt;", "no source"]
    assert shown.html.count(f'href="#ref-{b}"') == 2
    tables.reset_citations()  # a reference list made from a frame alone cites what its cells name, in order
    listing = tables.references(pd.DataFrame({"source_id": [f"{b}; {a}"]})).html
    assert f'id="ref-{b}" value="1"' in listing and f'id="ref-{a}" value="2"' in listing
    tables.reset_citations()
    # a table whose only source columns are named "<something>_source" (03's Europe-China ratios) was not cited
    paired = tables.show(pd.DataFrame({"europe_source": [a], "china_source": [b]}))
    assert cells(paired)[2:] == ["[1]", "[2]"]


def test_text_is_escaped() -> None:
    assert "<script>" not in tables.show(pd.DataFrame({"quote": ["<script>alert(1)</script>"]})).html


def test_the_plain_text_view_of_a_long_table_is_cut_as_pandas_cuts_it() -> None:
    """The text/plain fallback of a table (stored in every executed notebook) stays small; the CSV has every row."""
    frame = pd.DataFrame({"n": range(500), "text": ["x" * 300] * 500})
    plain = repr(tables.Table("<table></table>", frame))
    assert len(plain.splitlines()) <= tables.PLAIN_ROWS + 3 and max(map(len, plain.splitlines())) < 100


def test_numbers_are_right_aligned_by_one_rule_per_column_not_an_id_per_cell() -> None:
    frame = pd.DataFrame({"country": ["China", "Burma", "USA"], "tonnes": [270000.0, 31000.0, 45000.0]})
    markup = tables.show(frame, "t_shares").html
    assert re.findall(r"#T_t_shares td\.col(\d+) \{\s*text-align: right;", markup) == ["1"]  # tonnes only
    assert not re.search(r'<t[dh] id="', markup) and "_row0_col" not in markup
    assert cells(tables.show(frame, "t_shares"))[:4] == ["country", "tonnes", "China", "270,000"]
    assert not re.search(r">\n[ \t]+<", markup)  # pandas' indentation between tags is gone
