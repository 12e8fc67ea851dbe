"""Reports: offline HTML, key findings, the sources page, escaping of data text, the scenario grid."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from rare_earths import build
from rare_earths.build import sweep
from rare_earths.site import index, reports
from rare_earths.site import sources_page as catalogue

MARKUP = '<script>alert("x")</script><b>bold</b>'


def _executed_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# Title"), new_code_cell("x = 1")])
    finding = new_code_cell(
        "display(Markdown('...'))",
        outputs=[
            new_output(
                "display_data",
                data={"text/markdown": "**Key finding.** China: `69%` of mining.", "text/plain": "<Markdown>"},
            )
        ],
    )
    finding.metadata["tags"] = [reports.KEY_FINDING_TAG]
    nb.cells.append(finding)
    return nb


def test_reports_load_nothing_from_the_network() -> None:
    for reader in (True, False):
        body, _ = reports.html_exporter(reader).from_notebook_node(_executed_notebook())
        assert not re.findall(r'<script[^>]+src="(?:https?:)?//|<link[^>]+href="(?:https?:)?//', body), (
            "external script or stylesheet"
        )
        assert 'href="../assets/site.css"' in body and len(body) < 100_000  # the site's one stylesheet, not inlined
        assert "require.js" not in body and "mathjax" not in body.lower() and "mermaid.min" not in body
        assert ("highlight hl-ipython3" in body) is not reader  # the reader version hides code


def _nbconvert_exporter(reader: bool):
    """nbconvert's own HTMLExporter, configured as reports.html_exporter configures the project's."""
    from nbconvert import HTMLExporter

    ours = reports.html_exporter(reader)
    return HTMLExporter(
        template_name=ours.template_name,
        extra_template_basedirs=ours.extra_template_basedirs,
        exclude_input=reader,
        exclude_input_prompt=reader,
        exclude_output_prompt=reader,
        config=ours.config,
    )


def test_the_report_exporter_gives_nbconvert_s_document_without_its_soup_pass() -> None:
    from bs4 import BeautifulSoup

    nb = _executed_notebook()
    image = new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    described = new_output(
        "display_data",
        data={"text/html": '<img src="x.png"><img src="y.png" alt="a chart"><div class="jp-OutputArea-outputs"></div>'},
    )
    nb.cells.append(new_code_cell("show()", outputs=[image, described]))
    for reader in (True, False):
        ours, _ = reports.html_exporter(reader).from_notebook_node(nb)
        theirs, _ = _nbconvert_exporter(reader).from_notebook_node(nb)
        assert str(BeautifulSoup(ours, features="html.parser")) == theirs  # the same elements, attributes and text
        classes = re.compile(r'class="[^"]*"')
        assert classes.findall(ours) == classes.findall(theirs)  # written alike too: pages and tests match on them
        assert ('class="highlight hl-ipython3"' in ours) is not reader
        assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') >= 3
        assert 'alt="No description has been provided for this image"' in ours and 'alt="a chart"' in ours


def test_key_finding_is_read_from_the_executed_notebook() -> None:
    assert reports.key_finding(_executed_notebook()) == "Key finding. China: 69% of mining."
    assert reports.key_finding(new_notebook(cells=[new_code_cell("1")])) == ""


def test_data_text_is_escaped_on_the_sources_page(data_copy: Path) -> None:
    sources = data_copy / "sources.csv"
    text = sources.read_text(encoding="utf-8").splitlines()
    first = text[1].split(",", 1)
    text[1] = first[0] + "," + first[1].replace("frecine.com", f'"{MARKUP.replace(chr(34), chr(34) * 2)}"', 1)
    sources.write_text("\n".join(text) + "\n", encoding="utf-8")
    html = catalogue.render(build.discover(), data_copy)
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_data_text_is_escaped_in_the_index_ledger() -> None:
    ledger = pd.DataFrame(
        [
            {
                "claim_id": "C01-01",
                "section": "01",
                "notebook": "01_exports",
                "quote": MARKUP,
                "claimed_value": 1.0,
                "computed_value": None,
                "unit": "t",
                "verdict": "can't be checked",
                "reason": MARKUP,
                "statement_id": "S01-01",
                "data_date": "",
            }
        ]
    )
    html = index.render([], ledger)
    assert "<script>alert" not in html and html.count("&lt;script&gt;") >= 2  # the card and the list of what was wrong


def test_sources_page_lists_every_source_with_its_datasets_and_sections() -> None:
    entries = catalogue.entries(build.discover())
    assert (
        len(entries)
        == len(open(Path(catalogue.paths.DATA_DIR) / "sources.csv", encoding="utf-8").read().splitlines()) - 1
    )
    assert all(e["datasets"] and e["sections"] for e in entries), [
        e["source_id"] for e in entries if not e["datasets"]
    ][:5]
    usgs = next(e for e in entries if e["source_id"] == "usgs-mcs2026-rare-earths")
    assert "usgs_world_production" in usgs["datasets"] and "04_refining_share" in usgs["sections"]


def test_an_undated_source_says_so_and_an_unread_title_reads_as_a_description(data_copy: Path) -> None:
    sources = data_copy / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    text += (
        "test-undated,news_report,Test Wire,[Test Wire report on nothing; title not read],report text,"
        "https://example.org/x,,2026-11-28,copyright,\n"
    )
    sources.write_text(text, encoding="utf-8")
    html = catalogue.render(build.discover(), data_copy)
    entry = re.search(r'<li class="kind-news_report" id="test-undated">(.*?)</li>', html, re.DOTALL).group(1)
    assert "<i>Test Wire report on nothing</i> (title not read)" in entry and "[" not in entry
    assert "(date not given; read 2026-11-28)" in entry
    assert "undated" not in re.sub(r'id="[^"]*"|[a-z0-9.-]+-undated(?:-\d+)?', "", html)  # ids aside
    assert "title not read]" not in html and "[descriptive]" not in html


def test_a_card_shows_an_unread_title_as_a_description() -> None:
    from rare_earths.site import cards

    known = {
        "a-undated": {"publisher": "Wire", "title": "[Wire report on exports; title not read]"},
        "b-2025-01-01": {"publisher": "SMM", "title": "[SMM Rare Earth Morning Meeting Summary] Prices hold"},
    }
    row = {
        "claim_id": "C01-01",
        "section": "1",
        "verdict": "accurate",
        "reason": "r.",
        "sources": "a-undated;b-2025-01-01",
    }
    html = cards.render(cards.card(row, known, "sources.html", None, True))
    assert '<a href="sources.html#a-undated">Wire: <i>Wire report on exports</i> (title not read)</a>' in html
    assert "SMM: [SMM Rare Earth Morning Meeting Summary] Prices hold</a>" in html  # a real headline, as printed


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("scenario,description,ev_sale\nbase,x,1\n", "not parameters of 07_outlook"),
        ("scenario,description,myanmar_feed\nbase,x,maybe\n", "line 2, column 'myanmar_feed'"),
        ("scenario,description\nbase,x\nbase,y\n", "appears twice"),
        ("scenario,description\nBad Name,x\n", "must be lower-case"),
        ("scenario,description,output_dir\nbase,x,/tmp\n", "set by the sweep"),
    ],
)
def test_a_bad_scenario_grid_is_refused_before_anything_runs(tmp_path: Path, grid: str, message: str) -> None:
    path = tmp_path / "grid.csv"
    path.write_text(grid, encoding="utf-8")
    notebook = build.select(build.discover(), ["07"])[0]
    with pytest.raises(sweep.SweepError, match=re.escape(message)):
        sweep.read_grid(path, notebook)


def test_the_committed_grid_is_valid() -> None:
    notebook = build.select(build.discover(), ["07"])[0]
    scenarios = sweep.read_grid(sweep.grid_path(notebook), notebook)
    assert scenarios[0]["scenario"] == "baseline" and scenarios[0]["parameters"] == {}
    assert any(s["parameters"].get("myanmar_feed") is False for s in scenarios)


def test_abbreviations_are_spelled_out_at_their_first_use_outside_quotes_code_and_charts() -> None:
    from rare_earths.site import words

    page = (
        '<blockquote class="re-card-quote"><q>GACC data show Dy up</q></blockquote><code>Dy</code>'
        "<p>Customs (GACC) figures; Dy oxide and Dy metal</p><svg><text>Tb</text></svg><p>Tb prices</p>"
    )
    out = words.spell_out(page)
    assert "<q>GACC data show Dy up</q>" in out and "<code>Dy</code>" in out  # quotes and code as written
    assert '<abbr title="dysprosium">Dy</abbr> (dysprosium) oxide and Dy metal' in out  # the first use only
    assert "<text>Tb</text>" in out and '<abbr title="terbium">Tb</abbr> (terbium) prices' in out
    assert 'Customs (<abbr title="General Administration of Customs of China">GACC</abbr>, General' in out  # no (( ))


def test_source_ids_in_a_readers_text_link_their_entries_but_not_inside_links_charts_or_code() -> None:
    from rare_earths.site import source_links

    known = {
        "metal-undated": {"publisher": "SMM", "title": "A & B"},
        "metal-undated-2": {"publisher": "SMM", "title": "C"},
    }
    page = (
        '<head><title>metal-undated</title></head><body><p class="metal-undated">read in metal-undated-2; '
        "metal-undated.</p><a href=x>metal-undated</a><svg><title>metal-undated</title></svg>"
        "<code>metal-undated</code><!-- metal-undated --><p>xmetal-undated metal-undated-20</p></body>"
    )
    out = source_links.link(page, known, "../sources.html")
    linked = re.findall(r'<a class="re-src-id" href="\.\./sources\.html#([^"]+)">\1</a>', out)
    assert linked == ["metal-undated-2", "metal-undated"]
    rest = re.sub(r'<a class="re-src-id".*?</a>', "", out)
    assert rest == page.replace("metal-undated-2; metal-undated.", "; .")  # nothing else touched
    assert source_links.link(page, {}, "../sources.html") == page
