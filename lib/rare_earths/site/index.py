"""The index page of the built collection (outputs/index.html), rendered with an escaping template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .. import claims, labels
from ..notebook import notebook_title, read_notebook
from ..outputs import sidecar_path, write_text
from . import claimreview
from .reports import figures, key_finding, reason

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
        alts = {f["figure"]: f["alt"] for f in figures(run)} if run else {}
        entries.append(
            {
                "name": name,
                "title": notebook_title(read_notebook(nb_path)) or name,
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
                "tables": [f for f in files if f.startswith("tables/") and f.endswith(".csv")],
                "provenance": {f: _sidecar(f) for f in files if _sidecar(f) in files},
                "failed_dir": f"failed/{name}/" if (output_root / "failed" / name).exists() else None,
            }
        )
    return entries


def _sidecar(file: str) -> str:
    """The provenance sidecar's path of an output file."""
    return sidecar_path(Path(file)).as_posix()


def sweep_entry(output_root: Path) -> dict[str, Any] | None:
    """The scenario sweep's comparison (outputs/sweep/), when a sweep has been run."""
    import csv

    table = output_root / "sweep" / "comparison.csv"
    if not table.exists():
        return None
    with open(table, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    chart = output_root / "sweep" / "figures" / "comparison.png"
    return {
        "table": "sweep/comparison.csv",
        "chart": "sweep/figures/comparison.png" if chart.exists() else None,
        "rows": rows,
    }


def wrong(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What the article got wrong: one sentence per contradicted claim, from the ledger."""
    return [
        {
            "claim_id": r["claim_id"],
            "quote": r["quote"],
            "reason": reason({k: "" if v is None else str(v) for k, v in r.items()}),
        }
        for r in rows
        if r["verdict"] == "contradicted"
    ]


def render(
    sections: list[dict[str, Any]],
    ledger: pd.DataFrame,
    sweep: dict[str, Any] | None = None,
    built_from: dict[str, str] | None = None,
    jsonld: str = "",
) -> str:
    """Render the index page (all data-derived text is HTML-escaped by the template engine)."""
    import jinja2
    import markupsafe

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = format_number
    env.filters["claim_value"] = lambda v, unit: labels.claim_value(v, str(unit or ""))
    env.filters["label"] = labels.label
    counts = claims.summary(ledger).to_dict() if len(ledger) else {v: 0 for v in claims.VERDICTS}
    rows = ledger.astype(object).where(ledger.notna(), None).to_dict("records")
    titles = {s["name"]: s["title"] for s in sections}
    reports = {s["name"]: s["reader"] for s in sections if s["reader"]}
    return env.get_template(TEMPLATE).render(
        sections=sections,
        claims=rows,
        counts=counts,
        sweep=sweep,
        wrong=wrong(rows),
        titles=titles,
        reports=reports,
        built=built_from or {},
        claimreview=markupsafe.Markup(jsonld),  # JSON-LD made by site/claimreview.py, already escaped for HTML
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
    """Write outputs/index.html; `built_from` is the commit and its date (the same for every build of a commit)."""
    markup = claimreview.for_index(output_root, (built_from or {}).get("date", ""))
    page = render(
        section_entries(output_root, notebooks, records), ledger, sweep_entry(output_root), built_from, markup
    )
    return write_text(page, output_root / "index.html")
