"""HTML reports of executed notebooks: self-contained (no network), reader and full versions, key findings.

The reader version is the notebook without code, finished here for readers (The Markup's "findings first"):
a navigation bar (index, previous and next section, the version with code), a summary on the first screen
(the key finding, the section's claim verdicts each linking to its row of the ledger, the main figure),
figure captions linking to each figure's files, data and provenance, and the collection's reader styles.
Everything is built from the executed notebook and the claim records it wrote: nothing is typed in.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

from .. import labels, paths
from ..notebook import notebook_title, read_notebook
from . import claimreview

TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"
TEMPLATE = "offline"
KEY_FINDING_TAG = "key-finding"
STYLE = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
VERDICT_MARK = {"confirmed": "✓", "contradicted": "✗", "unverifiable": "?"}


def html_exporter(reader: bool) -> Any:
    """An nbconvert HTML exporter on the offline template; reader=True hides code and prompts."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=reader,
        exclude_input_prompt=reader,
        exclude_output_prompt=reader,
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


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def reason(record: dict[str, str]) -> str:
    """One line saying why a claim got its verdict: the two values compared, or why nothing decides it."""
    claimed, computed, unit = (
        _float(record.get("claimed_value", "")),
        _float(record.get("computed_value", "")),
        record.get("unit", ""),
    )
    if computed is not None and computed == computed:
        return f"claimed {labels.claim_value(claimed, unit)}; the data give {labels.claim_value(computed, unit)}."
    text = record.get("explanation", "")
    text = (
        text.split(": ", 1)[1]
        if text.startswith(("No sourced value decides it: ", "The data show no such thing: "))
        else text
    )
    return text if len(text) <= 150 else text[:150].rsplit(" ", 1)[0] + "…"


def _nav(name: str, all_sections: list[tuple[str, str]], where: str) -> str:
    names = [n for n, _ in all_sections]
    i = names.index(name) if name in names else -1
    prev = ("../index.html", "Index") if i <= 0 else (f"{names[i - 1]}.html", all_sections[i - 1][1])
    nxt = (
        ("../sources.html", "Sources and caveats")
        if i < 0 or i + 1 >= len(names)
        else (f"{names[i + 1]}.html", all_sections[i + 1][1])
    )
    return (
        f'<nav class="re-nav re-nav-{where}" aria-label="sections"><a href="../index.html" rel="index">Index</a>'
        f'<a href="{html.escape(prev[0])}" rel="prev">← {html.escape(prev[1])}</a>'
        f'<a href="{html.escape(nxt[0])}" rel="next">{html.escape(nxt[1])} →</a>'
        f'<a href="{html.escape(name)}.full.html">Version with code</a></nav>'
    )


def summary(nb: Any, records: list[dict[str, str]]) -> str:
    """The first screen of a reader report: key finding, claim verdicts (linked to the ledger), main figure."""
    finding = key_finding(nb)
    finding = re.sub(r"^Key finding\.\s*", "", finding)
    items = "".join(
        f'<li class="{html.escape(r["verdict"])}"><a href="../index.html#{html.escape(r["claim_id"])}">{html.escape(r["claim_id"])}</a> '
        f"<q>{html.escape(r['quote'])}</q> <strong>{VERDICT_MARK.get(r['verdict'], '')} {html.escape(r['verdict'])}</strong>: "
        f"{html.escape(reason(r))}</li>"
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
        figure = (
            f'<figure class="re-main-figure"><a href="../{html.escape(first["figure"])}"><img src="../{html.escape(first["figure"])}" '
            f'alt="{html.escape(first["alt"])}"></a></figure>'
        )
    return (
        f'<section class="re-summary" aria-label="summary"><div class="re-summary-text">'
        f'<p id="key-finding" class="re-finding"><strong>Key finding.</strong> {html.escape(finding)}</p>'
        f'<h2 class="re-summary-h">The article\'s claims in this section</h2>{verdicts}</div>{figure}</section>'
    )


def _captions(body: str, folder: Path) -> str:
    """Number every figure and link it to its PNG, SVG, data (a table of the same name, when there is one) and provenance."""
    count = 0

    def caption(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        figure = html.unescape(match.group(1))
        stem = Path(figure).stem
        links = [f'<a href="../{html.escape(figure)}">PNG</a>', f'<a href="../figures/{html.escape(stem)}.svg">SVG</a>']
        if (folder / "tables" / f"{stem}.csv").exists():
            links.append(f'<a href="../tables/{html.escape(stem)}.csv">data (CSV)</a>')
        links.append(f'<a href="../figures/{html.escape(stem)}.provenance.json">provenance</a>')
        return f"{match.group(0)}<figcaption>Figure {count} · {' · '.join(links)}</figcaption>"

    return re.sub(r'<figure class="re-figure" data-figure="([^"]+)">\s*<img[^>]*>', caption, body)


def finish(body: str, nb: Any, name: str, folder: Path, reader: bool) -> str:
    """Add the reader styles, navigation, figure captions and (reader version) the summary to an exported report.

    `folder` is the output folder the notebook wrote to (its tables/ and tables/claims/); `name` its stem.
    """
    all_sections = sections()
    body = body.replace("</head>", f"<style>{STYLE}</style>\n</head>", 1)
    if reader:  # the ClaimReview markup of the statements this report checks (site/claimreview.py)
        body = body.replace("</head>", claimreview.for_report(folder, name) + "</head>", 1)
    body = _captions(body, folder)
    top = _nav(name, all_sections, "top")
    if reader:
        body = re.sub(r"(<body[^>]*>\s*<main>)", lambda m: m.group(1) + top, body, count=1)
        body = re.sub(
            r"(</h1>)",
            lambda m: m.group(1).replace("</h1>", "") + "</h1>" + summary(nb, claim_records(folder, name)),
            body,
            count=1,
        )
        body = body.replace('<a class="anchor-link"', '<a class="anchor-link" aria-hidden="true"')
    else:
        body = re.sub(r"(<body[^>]*>\s*<main>)", lambda m: m.group(1) + top, body, count=1)
    return body.replace("</main>", _nav(name, all_sections, "bottom") + "</main>", 1)
