"""The index page of the built collection (outputs/index.html), rendered with an escaping template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .. import claims, data, labels, scale
from ..notebook import notebook_title, read_notebook
from ..outputs import sidecar_path, write_text
from . import cards, cite, claimreview, source_links, words
from .reports import figures, key_finding, known_sources

PACKAGE_DATA = ("templates/index.html.j2",)  # what it reads beside itself (build/deps.py)
TEMPLATE = "index.html.j2"


def section_entries(
    output_root: Path, notebooks: list[Path], records: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per notebook: title, status of its last build, and links to what it produced (with provenance).

    Nothing here depends on the run: durations are not in outputs/ (two builds of a commit give the
    same bytes); the page shows them from `.build/timings.js` beside outputs/ when it is there.
    `records` are the build's manifests by notebook name: the build passes them, the site never reads its store.
    """
    entries = []
    for nb_path in notebooks:
        name = nb_path.stem
        record = records.get(name, {})
        files = record.get("files", [])
        executed = output_root / "executed" / f"{name}.ipynb"
        run = read_notebook(executed) if f"executed/{name}.ipynb" in files and executed.exists() else None
        shown = figures(run) if run else []
        alts = {f["figure"]: f["alt"] for f in shown}
        main = next((f for f in shown if f["figure"] in files), None)
        entries.append(
            {
                "name": name,
                "title": notebook_title(read_notebook(nb_path)) or name,
                "as_of": data_as_of(nb_path),
                "status": record.get("status", "not built"),
                "finding": key_finding(run) if run else "",
                "message": record.get("message", ""),
                "reader": next((f for f in files if f == f"html/{name}.html"), None),
                "full": next((f for f in files if f == f"html/{name}.full.html"), None),
                "figures": [f for f in files if f.startswith("figures/") and f.endswith(".png")],
                "alt": {
                    f: alts.get(f) or f"Chart of section {name[:2]}"
                    for f in files
                    if f.startswith("figures/") and f.endswith(".png")
                },
                "main_figure": Path(main["figure"]).with_suffix(".svg").as_posix() if main else None,
                "main_alt": main["alt"] if main else "",
                "main_data": _figure_file(main["figure"], ".csv", files) if main else None,
                "main_png": _figure_file(main["figure"], ".png", files) if main else None,
                "tables": [f for f in files if f.startswith("tables/") and f.endswith(".csv")],
                "provenance": {f: _sidecar(f) for f in files if _sidecar(f) in files},
                "failed_dir": f"failed/{name}/" if (output_root / "failed" / name).exists() else None,
            }
        )
    return entries


def data_as_of(notebook: Path) -> str:
    """The latest date in the data files a notebook declares it reads ('' when none holds a date)."""
    inputs = read_notebook(notebook).get("metadata", {}).get("rare_earths", {}).get("inputs", [])
    try:
        return data.as_of(inputs)
    except (OSError, ValueError, KeyError):  # a broken data/ is reported by the build, not here
        return ""


SCORECARD = "tables/08_forecast_scorecard.csv"


def since_entry(output_root: Path) -> dict[str, Any] | None:
    """The "Since the article" card: the forecast scorecard notebook 08 wrote, counted by outcome (None before 08 ran)."""
    import csv

    table = output_root / SCORECARD
    if not table.exists():
        return None
    with open(table, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    counts = {word: sum(r["outcome"] == word for r in rows) for word in scale.FORECAST_OUTCOMES}
    dates = [r["data_date"] for r in rows if r.get("data_date")]
    return {"table": SCORECARD, "rows": rows, "counts": counts, "as_of": max(dates) if dates else ""}


def _figure_file(figure: str, suffix: str, files: list[str]) -> str | None:
    """The figure's file with another suffix (its data CSV, its PNG), when the build wrote it."""
    other = Path(figure).with_suffix(suffix).as_posix()
    return other if other in files else None


def _sidecar(file: str) -> str:
    """The provenance sidecar's path of an output file."""
    return sidecar_path(Path(file)).as_posix()


def sweep_entry(output_root: Path) -> dict[str, Any] | None:
    """The scenario sweep's comparison (outputs/sweep/), when a sweep has run to its end (its record says complete)."""
    import csv
    import json

    table = output_root / "sweep" / "comparison.csv"
    try:
        complete = json.loads((output_root / "sweep" / ".manifests" / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        complete = {}
    if not table.exists() or not (isinstance(complete, dict) and complete.get("complete") is True):
        return None  # never run, or interrupted: its scenario folders may be half old, half new
    with open(table, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    chart = output_root / "sweep" / "figures" / "comparison.png"
    return {
        "table": "sweep/comparison.csv",
        "chart": "sweep/figures/comparison.png" if chart.exists() else None,
        "rows": rows,
    }


def verdict_lists(statements: pd.DataFrame) -> dict[str, list[dict[str, str]]]:
    """The article's statements that are wrong, misleading and roughly right: each with its parts and reason, from the ledger."""
    rows = statements.astype(object).where(statements.notna(), "").to_dict("records") if len(statements) else []
    return {
        verdict: [
            {
                "statement_id": str(r["statement_id"]),
                "claim_id": str(r["claim_ids"]).split(";")[0],
                "claim_ids": str(r["claim_ids"]).replace(";", ", "),
                "quote": str(r["quote"]),
                "reason": str(r["reason"]),
            }
            for r in rows
            if r["verdict"] == verdict
        ]
        for verdict in (scale.WRONG, scale.MISLEADING, scale.ROUGHLY_RIGHT)
    }


def wrong(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What the article got wrong: the statements whose verdict is wrong (robustly: on every reading of every part)."""
    frame = pd.DataFrame(rows)
    if frame.empty or "statement_id" not in frame:
        return []
    return verdict_lists(claims.statements(frame))[scale.WRONG]


def render(
    sections: list[dict[str, Any]],
    ledger: pd.DataFrame,
    sweep: dict[str, Any] | None = None,
    built_from: dict[str, str] | None = None,
    since: dict[str, Any] | None = None,
) -> str:
    """Render the index page (all data-derived text is HTML-escaped by the template engine)."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = format_number
    env.filters["claim_value"] = lambda v, unit: labels.claim_value(v, str(unit or ""))
    env.filters["label"] = labels.label
    env.filters["slug"] = scale.slug
    current = len(ledger) and "statement_id" in ledger and ledger["verdict"].isin(claims.VERDICTS).all()
    counts = claims.summary(ledger).to_dict() if current else {v: 0 for v in claims.VERDICTS}
    statements = claims.statements(ledger) if current else pd.DataFrame(columns=claims.STATEMENT_COLUMNS)
    statement_counts = statements["verdict"].value_counts().reindex(list(claims.VERDICTS), fill_value=0).to_dict()
    rows = ledger.astype(object).where(ledger.notna(), None).to_dict("records")
    titles = {s["name"]: s["title"] for s in sections}
    reports = {s["name"]: s["reader"] for s in sections if s["reader"]}
    sections_seen = sorted({cards.card(r, {}, "", None, True)["section"] for r in rows})
    return env.get_template(TEMPLATE).render(
        sections=sections,
        claims=rows,
        counts=counts,
        statement_counts=statement_counts,
        statements_total=len(statements),
        sweep=sweep,
        lists=verdict_lists(statements),
        titles=titles,
        built=built_from or {},
        since=since,
        reports=reports,
        as_of=max((s["as_of"] for s in sections if s.get("as_of")), default=""),
        cards=Markup(cards.render_all(rows, known_sources(), "sources.html", reports)),
        filter_box=Markup(cards.filter_box(".re-cards > .re-card", sections_seen)),
        cite_block=Markup(cite.block()),
        data_end_line=Markup(cite.data_end_line()),
    )


def format_number(value: float | None) -> str:
    """Readable number: thousands separators, no scientific notation, '–' for missing."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


def write(
    output_root: Path,
    notebooks: list[Path],
    ledger: pd.DataFrame,
    records: dict[str, dict[str, Any]],
    built_from: dict[str, str] | None = None,
) -> Path:
    """Write outputs/index.html; `built_from` is the commit and its date (the same for every build of a commit).
    The assets it links (assets/site.css, site.js) are the build's to write (build/pages.py)."""
    page = render(
        section_entries(output_root, notebooks, records),
        ledger,
        sweep_entry(output_root),
        built_from,
        since_entry(output_root),
    )
    # the ClaimReview markup goes in after the reader's words are spelled out: it carries the quotes verbatim
    markup = claimreview.for_index(output_root, (built_from or {}).get("date", ""))
    page = source_links.link(page, known_sources(), "sources.html")
    page = words.spell_out(page).replace("</head>", markup + "</head>", 1)
    return write_text(page, output_root / "index.html")
