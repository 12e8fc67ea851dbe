"""Tables as readers see them: the one helper every notebook uses to show a table, and its reference list.

`show(frame, name)` renders a pandas Styler: readable column labels with units (`labels`), thousands separators and
the same decimals down a column, months and dates as dates, yes/no for booleans, "—" for a missing value, no
0, 1, 2… index (a named index such as month or country becomes the first column), the first rows of a long table
with a link to the CSV holding all of them, and links to the CSV and its provenance. Sources are cited by number
([1], [2]…), in order of first citation, and `references()` lists them at the end of the notebook. The CSV files
under outputs/tables keep full precision and machine names: this module only changes what is displayed.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

import pandas as pd

from . import data, labels

MAX_ROWS = 15
SOURCE_COLUMNS = ("source_id", "source", "sources", "dependence_source", "benchmark_source")
CLAIM_VALUE_COLUMNS = ("claimed_value", "computed_value")
TABLES_LINK = "../tables/{name}.csv"  # relative to a report in outputs/html/
PROVENANCE_LINK = "../tables/{name}.provenance.json"
_cited: dict[str, int] = {}  # source_id -> reference number, in order of first citation (one notebook per kernel)


PLAIN_ROWS, PLAIN_WIDTH = 30, 60  # the text/plain view: at most this many rows, cells cut to this many characters


class Table:
    """A rendered table: displayed as HTML in notebooks and reports."""

    def __init__(self, html_text: str, frame: pd.DataFrame) -> None:
        self.html, self.frame = html_text, frame

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        """A plain-text view for terminals (text/plain output), cut as pandas cuts a long frame; the CSV has it all."""
        return self.frame.to_string(index=False, max_rows=PLAIN_ROWS, max_colwidth=PLAIN_WIDTH)


def reset_citations() -> None:
    """Forget the numbers given so far (a notebook starts at [1])."""
    _cited.clear()


def cite(source_id: str) -> int:
    """The reference number of a source in this notebook (a new one gets the next number)."""
    return _cited.setdefault(source_id, len(_cited) + 1)


def _known_sources() -> set[str]:
    return set(data.sources()["source_id"])


def _citation_html(text: str, known: set[str]) -> str:
    """'a-2025; volume: b-2024' -> '[1]; volume: [2]', each number linked to the reference list; the rest of the
    text, which is no source id, is kept (escaped)."""
    text = str(text)
    if not known:
        return html.escape(text)
    out, at = [], 0
    for m in labels.source_ids_in(text, known):
        sid = m.group(0)
        out += [html.escape(text[at : m.start()]), f'<a class="cite" href="#ref-{html.escape(sid)}">[{cite(sid)}]</a>']
        at = m.end()
    return "".join(out) + html.escape(text[at:])


def _decimals(values: pd.Series, percent: bool) -> int | None:
    """Decimals shared by a numeric column (None: magnitudes too far apart, format each cell by its own size)."""
    sizes = values.dropna().abs()
    sizes = sizes[sizes > 0]
    if sizes.empty:
        return 0
    if (values.dropna() % 1 == 0).all():
        return 0
    if sizes.max() / sizes.min() > 1e4:
        return None
    smallest = sizes.min()
    if smallest >= 100:
        return 0
    if smallest >= 1 or (percent and smallest >= 0.1):
        return 1 if percent or smallest >= 10 else 2
    return min(4, 1 - math.floor(math.log10(smallest)))


def _number(value: Any, decimals: int | None, plain: bool = False) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, (bool,)):
        return "yes" if value else "no"
    if plain:
        return str(int(value))
    if decimals is None:
        return labels.number(float(value))
    return f"{float(value):,.{decimals}f}"


def _cell(value: Any) -> str:
    """Any other cell: dates as dates, months as months, machine names labelled, text escaped."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, pd.Period):  # no-break spaces: a date never wraps over two lines of a narrow column
        return value.strftime("%b\u00a0%Y") if value.freqstr.startswith("M") else str(value)
    if isinstance(value, pd.Timestamp):
        return f"{value.day}\u00a0{value:%b}\u00a0{value:%Y}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return labels.number(value)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text):  # ISO dates and months kept as text by a section module
        return _cell(pd.Timestamp(text) if len(text) == 10 else pd.Period(text, "M"))
    return html.escape(labels.label(text)) if text else "—"


def display_source(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame whose columns are shown: a meaningful index (named, or not 0, 1, 2…) becomes the first column."""
    if frame.index.name is not None or not pd.api.types.is_integer_dtype(frame.index.dtype):
        return frame.reset_index(names=frame.index.name or "")
    return frame


def _is_source_column(name: str) -> bool:
    """Does the column hold source ids (shown as numbered citations)?"""
    return name in SOURCE_COLUMNS or name.endswith(("_source", "_source_id"))


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as strings of HTML, as a reader sees it (labels, numbers, dates, citations)."""
    frame = display_source(frame)
    known = _known_sources() if any(_is_source_column(str(c)) for c in frame.columns) else set()
    out = {}
    for column in frame.columns:
        values, name = frame[column], str(column)
        if _is_source_column(name):
            out[name] = [_citation_html(v, known) if isinstance(v, str) and v else "—" for v in values]
        elif name in CLAIM_VALUE_COLUMNS and "unit" in frame.columns:
            out[name] = [html.escape(labels.claim_value(v, u)) for v, u in zip(values, frame["unit"])]
        elif pd.api.types.is_bool_dtype(values.dtype):
            out[name] = ["yes" if v else "no" for v in values]
        elif pd.api.types.is_numeric_dtype(values.dtype):
            plain = "year" in name.lower() or "edition" in name.lower()
            decimals = _decimals(values.astype(float), "pct" in name or "%" in name or "share" in name)
            out[name] = [_number(v, decimals, plain) for v in values]
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[name] = [_cell(v) for v in values]
        else:
            out[name] = [_cell(v) for v in values]
    shown = pd.DataFrame(out, columns=[str(c) for c in frame.columns])
    if "unit" in shown.columns and any(c in shown.columns for c in CLAIM_VALUE_COLUMNS):
        shown = shown.drop(columns="unit")  # the claimed and computed values carry their unit
    shown.columns = [html.escape(labels.label(c)) for c in shown.columns]
    return shown


def show(frame: pd.DataFrame, name: str | None = None, max_rows: int = MAX_ROWS, caption: str | None = None) -> Table:
    """A table for readers; `name` is the CSV it was saved as (outputs/tables/<name>.csv), for the links under it."""
    shown = display_frame(frame)
    total = len(shown)
    numeric = [
        label
        for label, column in zip(shown.columns, display_source(frame).columns)
        if pd.api.types.is_numeric_dtype(display_source(frame)[column].dtype) and str(column) not in CLAIM_VALUE_COLUMNS
    ]
    from pandas.io.formats.style import Styler  # jinja2 and the Styler: only once a table is shown

    # numbers right-aligned by one rule per column, and no id on every cell (cell_ids=False): pandas' per-cell ids
    # and per-cell rules were a third of each table's bytes, in the notebook and in both reports
    styler = (
        Styler(shown.head(max_rows), uuid=re.sub(r"\W", "_", name or "table"), cell_ids=False)
        .hide(axis="index")
        .set_table_attributes('class="re-table"')
        .set_table_styles(
            [
                {"selector": f"td.col{i}", "props": "text-align: right"}
                for i, c in enumerate(shown.columns)
                if c in numeric
            ]
        )
    )
    if caption:
        styler = styler.set_caption(html.escape(caption))
    notes = []
    if total > max_rows:
        where = f'<a href="{TABLES_LINK.format(name=name)}">tables/{name}.csv</a>' if name else "the full table"
        notes.append(
            f'<span class="re-rows-hidden">{total - max_rows} of {total} rows not shown here</span>: '
            f"the first {max_rows} are above; all {total} rows are in {where}."
        )
    if name:
        notes.append(
            f'Data: <a href="{TABLES_LINK.format(name=name)}">{name}.csv</a> · '
            f'<a href="{PROVENANCE_LINK.format(name=name)}">provenance</a>'
        )
    footer = f'<p class="re-table-note">{" ".join(notes)}</p>' if notes else ""
    markup = re.sub(r">\n[ \t]+<", ">\n<", styler.to_html())  # pandas' indentation between tags, not in cells
    table = f'<div class="re-table-wrap">{markup}</div><p class="re-scroll-hint">Scroll sideways for more columns →</p>{footer}'
    if name and name.startswith("claims/"):  # the reader report shows these claims as cards (site/cards.py)
        table = f'<div class="re-claims" data-claims="{html.escape(name)}">{table}</div><!--/re-claims-->'
    return Table(table, frame)


def references(*frames: pd.DataFrame) -> Table:
    """The numbered reference list of a notebook: every source cited so far, then any other the frames cite."""
    table = data.sources()
    known = set(table["source_id"])
    for frame in frames:
        for value in frame["source_id"].dropna():
            for m in labels.source_ids_in(str(value), known):  # "a, b", "a; b" or "a (claim); volume: b"
                cite(m.group(0))
    rows = table.set_index("source_id")
    items = []
    for source_id, number in sorted(_cited.items(), key=lambda kv: kv[1]):
        if source_id not in rows.index:
            continue
        row = rows.loc[source_id]
        date = _cell(row["date_published"]) if pd.notna(row["date_published"]) else labels.NO_DATE
        where = (
            f", {html.escape(str(row['table_or_page']))}"
            if isinstance(row["table_or_page"], str) and row["table_or_page"]
            else ""
        )
        title = row["title"] if isinstance(row["title"], str) and row["title"].strip() else "untitled page"
        unread = labels.unread_title(title)
        shown = f"<i>{html.escape(unread)}</i> (title not read)" if unread else html.escape(title)
        items.append(
            f'<li id="ref-{html.escape(source_id)}" value="{number}">{html.escape(str(row["publisher"]))}, '
            f'<a href="{html.escape(str(row["url"]))}" rel="noreferrer">{shown}</a>{where} ({html.escape(str(date))}) <a class="re-src" href="../sources.html#{html.escape(source_id)}">entry</a>.</li>'
        )
    listing = f'<ol class="re-references" id="references">{"".join(items)}</ol>'
    note = '<p class="re-table-note">Every source of the collection, with the datasets that cite it: <a href="../sources.html">sources and caveats</a>.</p>'
    return Table(listing + note, table[table["source_id"].isin(list(_cited))])
