"""HTML reports of executed notebooks: self-contained (no network), reader and full versions, key findings.

The reader version is the notebook without code, finished here for readers (The Markup's "findings first"):
a navigation bar (index, previous and next section, the version with code), a contents menu, a summary on the
first screen (the key finding, the section's verdicts each linking to its claim card, the main figure), the
claims as cards (site/cards.py), every chart as inline SVG whose points show their values on hover or tap, with
links to its PNG, SVG, the CSV of exactly what it plots and its provenance, abbreviations spelled out, and a
"Cite this" block. Everything is built from the executed notebook and the files it wrote: nothing is typed in.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

from .. import data, paths
from ..notebook import notebook_title, read_notebook
from . import cards, cite, claimreview, source_links, words

PACKAGE_DATA = ("templates/nbconvert",)  # what it reads beside itself (build/deps.py)
TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"
TEMPLATE = "offline"
KEY_FINDING_TAG = "key-finding"
CLAIMS_BLOCK = re.compile(r'<div class="re-claims" data-claims="([^"]+)">.*?</div><!--/re-claims-->', re.S)
FIGURE = re.compile(r'<figure class="re-figure"([^>]*)></figure>')  # the placeholder of the offline template
BUILD_NOTE = re.compile(
    r'<div class="[^"]*jp-OutputArea-output[^"]*"[^>]*>\s*<pre>[^<]*: run by the build;[^<]*</pre>\s*</div>'
)


def html_exporter(reader: bool) -> Any:
    """An nbconvert HTML exporter on the offline template (site/exporter.py); reader=True hides code and prompts.

    Its CSSHTMLHeaderPreprocessor is off: it inlines the code highlighting (and any custom.css of the machine's
    Jupyter config) into every page; the site's one stylesheet carries the highlighting instead (site/assets.py)."""
    from traitlets.config import Config

    from .exporter import ReportExporter

    return ReportExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=reader,
        exclude_input_prompt=reader,
        exclude_output_prompt=reader,
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
    )


def key_finding(nb: Any) -> str:
    """The text the cell tagged 'key-finding' displayed when the notebook ran ('' if none), as plain text."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and KEY_FINDING_TAG in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                text = data.get("text/markdown") or data.get("text/plain") or output.get("text", "")
                if text:
                    return re.sub(r"\*\*|`", "", "".join(text)).strip()
    return ""


def figures(nb: Any) -> list[dict[str, str]]:
    """The figures a notebook showed, in order: their file (figures/NAME.png) and alt text (plots.save_figure)."""
    out = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            meta = output.get("metadata", {}).get("rare_earths", {})
            if meta.get("figure"):
                out.append({"figure": meta["figure"], "alt": meta.get("alt", "")})
    return out


def sections(notebooks_dir: Path | None = None) -> list[tuple[str, str]]:
    """(name, title) of every section of the collection, in number order."""
    folder = notebooks_dir or paths.NOTEBOOKS_DIR
    return [(p.stem, notebook_title(read_notebook(p)) or p.stem) for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]


def claim_records(folder: Path, name: str) -> list[dict[str, str]]:
    """The claim records a notebook wrote (tables/claims/NAME.csv in its output folder), or none."""
    path = folder / "tables" / "claims" / f"{name}.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def known_sources() -> dict[str, dict[str, str]]:
    """Rows of data/sources.csv by id (titles and publishers for the cards' source links); none while data/ is
    broken (the build reports the fault; the index written from its records then shows cards without source links)."""
    from ..schema import DataValidationError

    try:
        table = data.sources().astype(object)
    except DataValidationError:
        return {}
    return {
        r["source_id"]: {k: "" if v is None or v != v else str(v) for k, v in r.items()}
        for r in table.to_dict("records")
    }


def reason(record: dict[str, str]) -> str:
    """One line saying why a claim got its verdict (site/cards.py reads the ledger's columns)."""
    return cards.reason(record)


def _nav(name: str, all_sections: list[tuple[str, str]], where: str) -> str:
    names = [n for n, _ in all_sections]
    i = names.index(name) if name in names else -1
    nxt = (
        ("../sources.html", "Sources and caveats")
        if i < 0 or i + 1 >= len(names)
        else (f"{names[i + 1]}.html", all_sections[i + 1][1])
    )
    links = (
        ['<a href="../index.html" rel="index prev">← Index</a>']
        if i <= 0
        else [
            '<a href="../index.html" rel="index">Index</a>',
            f'<a href="{html.escape(names[i - 1])}.html" rel="prev">← {html.escape(all_sections[i - 1][1])}</a>',
        ]
    )
    links.append(f'<a href="{html.escape(nxt[0])}" rel="next">{html.escape(nxt[1])} →</a>')
    links.append(f'<a href="{html.escape(name)}.full.html">Version with code</a>')
    links.append('<a href="../methodology.html">How we checked</a>')
    return f'<nav class="re-nav re-nav-{where}" aria-label="sections">{"".join(links)}</nav>'


def data_as_of(nb: Any) -> str:
    """The latest date in the data files the notebook declares it reads ('' when none holds a date)."""
    inputs = nb.get("metadata", {}).get("rare_earths", {}).get("inputs", [])
    try:
        return data.as_of(inputs)
    except (OSError, ValueError, KeyError):  # a broken data/ is reported by the build, not here
        return ""


def summary(nb: Any, records: list[dict[str, str]]) -> str:
    """The first screen of a reader report: key finding, claim verdicts (linked to their cards), main figure."""
    finding = re.sub(r"^Key finding\.\s*", "", key_finding(nb))
    e = html.escape
    items = "".join(
        f'<li><a href="#{e(r["claim_id"])}">{e(r["claim_id"])}</a> '
        f'<span class="re-badge {cards.scale.slug(cards.verdict(r))}">{e(cards.verdict(r))}</span> '
        f"<q>{e(r['quote'])}</q></li>"
        for r in records
    )
    verdicts = (
        f'<ul class="re-verdicts">{items}</ul>'
        if items
        else '<p class="re-verdicts-none">No claim of the article is checked in this section.</p>'
    )
    shown = figures(nb)
    figure = ""
    if shown:
        first = shown[0]
        svg = Path(first["figure"]).with_suffix(".svg").as_posix()
        figure = (
            f'<figure class="re-main-figure"><div class="re-chart-box"><a href="#fig-1"><img src="../{e(svg)}" '
            f'alt="{e(first["alt"])}"></a></div><p class="re-scroll-hint">Scroll sideways for the whole chart →</p>'
            "<figcaption>Figure 1 (below, with the value of each point)</figcaption></figure>"
        )
    as_of = data_as_of(nb)
    return (
        '<section class="re-summary" aria-label="summary"><div class="re-summary-text">'
        f'<p id="key-finding" class="re-finding"><strong>Key finding.</strong> {e(finding)}</p>'
        + (f'<p class="re-as-of re-data-end">Data as of {e(as_of)}.</p>' if as_of else cite.data_end_line())
        + f'<h2 class="re-summary-h">The article\'s claims in this section</h2>{verdicts}</div>{figure}</section>'
    )


def inline_svg(svg: str, prefix: str, alt: str) -> str:
    """A chart's SVG for inlining: no XML prolog, no whitespace between tags or in path data, only the ids that
    something refers to (clip paths, glyph uses), prefixed so two charts on a page never share one; labelled."""
    svg = re.sub(r"^.*?(<svg\b)", r"\1", svg, count=1, flags=re.S)
    svg = re.sub(r">\s+<", "><", svg)
    svg = re.sub(r'\bd="([^"]*)"', lambda m: 'd="' + " ".join(m.group(1).split()) + '"', svg)
    used = set(re.findall(r'(?:url\(#|href="#)([^"\)]+)', svg))
    svg = re.sub(r'\sid="([^"]+)"', lambda m: f' id="{prefix}-{m.group(1)}"' if m.group(1) in used else "", svg)
    svg = re.sub(r'(url\(#|href="#)([^"\)]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    return svg.replace("<svg ", f'<svg class="re-chart" role="img" aria-label="{html.escape(alt)}" ', 1)


def _figures(body: str, folder: Path, inline: bool = True) -> str:
    """Each figure placeholder becomes its chart (inline SVG, points titled; `inline=False`: the SVG file, linked) and
    a caption linking its files and data."""
    count = 0

    def figure(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        attrs = dict(re.findall(r'(data-figure|data-alt)="([^"]*)"', match.group(1)))
        png, alt = html.unescape(attrs.get("data-figure", "")), html.unescape(attrs.get("data-alt", ""))
        stem = Path(png).stem
        e = html.escape
        svg_path = folder / "figures" / f"{stem}.svg"
        chart = (
            inline_svg(svg_path.read_text(encoding="utf-8"), f"f{count}", alt)
            if svg_path.exists() and inline
            else f'<img src="../figures/{e(stem)}.svg" alt="{e(alt)}">'
            if svg_path.exists()
            else f'<img src="../{e(png)}" alt="{e(alt)}">'
        )
        links = [f'<a href="../{e(png)}">PNG</a>', f'<a href="../figures/{e(stem)}.svg">SVG</a>']
        if (folder / "figures" / f"{stem}.csv").exists():
            links.append(f'<a class="re-figure-data" href="../figures/{e(stem)}.csv">data of this chart (CSV)</a>')
        links.append(f'<a href="../figures/{e(stem)}.provenance.json">provenance</a>')
        hover = " Hover over or tap a point for its value." if "re-pt" in chart else ""
        return (
            f'<figure class="re-figure" id="fig-{count}" data-figure="{e(png)}"><div class="re-chart-box">{chart}</div>'
            '<p class="re-scroll-hint">Scroll sideways for the whole chart →</p>'
            f"<figcaption>Figure {count}.{hover} {' · '.join(links)}</figcaption></figure>"
        )

    return FIGURE.sub(figure, body)


def _cards(body: str, folder: Path, name: str) -> str:
    """The claims table a notebook showed becomes the section's claim cards (every claim, none cut)."""
    records = claim_records(folder, name)
    if not records:
        return body
    known = known_sources()
    block = cards.render_all(records, known, "../sources.html", {}, here=True)
    return CLAIMS_BLOCK.sub(lambda m: block, body, count=1)


def contents(body: str) -> str:
    """A contents menu of the report's headings (h2), linking their anchors."""
    heads = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)
    items = "".join(
        f'<li><a href="#{h}">{html.escape(re.sub(r"<[^>]+>", "", html.unescape(text)).replace("¶", "").strip())}</a></li>'
        for h, text in heads
    )
    items += '<li><a href="#cite">Cite this</a></li>'
    return f'<nav aria-label="contents"><details class="re-toc"><summary>Contents</summary><ol>{items}</ol></details></nav>'


def finish(body: str, nb: Any, name: str, folder: Path, reader: bool) -> str:
    """Add the navigation, contents, summary, claim cards, charts, citation and words a reader knows to a report.

    `folder` is the output folder the notebook wrote to (its tables/, figures/ and tables/claims/); `name` its stem.
    """
    all_sections = sections()
    body = _figures(body, folder, inline=reader)  # the version with code links the charts: no figure embedded twice
    top = _nav(name, all_sections, "top")
    title = notebook_title(nb) or name
    if reader:
        body = BUILD_NOTE.sub("", _cards(body, folder, name))  # the kernel's note on where its files went
        body = re.sub(
            r"(</h1>)",
            lambda m: m.group(1) + summary(nb, claim_records(folder, name)),
            body,
            count=1,
        )
        body = body.replace('<a class="anchor-link"', '<a class="anchor-link" aria-hidden="true"')
        top += contents(body)
    body = re.sub(r"(<body[^>]*>\s*<main>)", lambda m: m.group(1) + top, body, count=1)
    body = body.replace("</main>", cite.block(title) + _nav(name, all_sections, "bottom") + "</main>", 1)
    body = source_links.link(body, known_sources(), "../sources.html")
    if not reader:
        return body
    # the ClaimReview markup of the statements this report checks (site/claimreview.py) goes in after the reader's
    # words are spelled out: it carries the quotes verbatim
    return words.spell_out(body).replace("</head>", claimreview.for_report(folder, name) + "</head>", 1)
