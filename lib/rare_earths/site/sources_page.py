"""The sources-and-caveats page (outputs/sources.html): every source, the datasets and sections using it,
and each dataset's description, units and caveats, all generated from data/datapackage.json and sources.csv."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from .. import data, labels, paths
from ..notebook import read_notebook
from ..outputs import write_text

PACKAGE_DATA = ("templates/sources.html.j2",)  # what it reads beside itself (build/deps.py)
TEMPLATE = "sources.html.j2"


def dataset_sources(data_dir: Path | None = None) -> dict[str, set[str]]:
    """source_id -> names of the datasets with at least one row citing it."""
    folder = data_dir or paths.DATA_DIR
    used: dict[str, set[str]] = {}
    for res in data.read_descriptor(folder / "datapackage.json")["resources"]:
        path = folder / res["path"]
        if res["name"] == "sources" or not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row.get("source_id"):
                    used.setdefault(row["source_id"], set()).add(res["name"])
    return used


def dataset_sections(notebooks: list[Path]) -> dict[str, list[str]]:
    """Dataset name -> notebooks (stems) that declare its file among their inputs (read as JSON: nbformat's
    import costs seconds, for a grammar of jsonschema's that this never uses)."""
    out: dict[str, list[str]] = {}
    for nb_path in notebooks:
        inputs = read_notebook(nb_path).get("metadata", {}).get("rare_earths", {}).get("inputs", [])
        for item in inputs:
            out.setdefault(Path(item).stem, []).append(nb_path.stem)
    return out


def entries(notebooks: list[Path], data_dir: Path | None = None) -> list[dict[str, Any]]:
    """One entry per source: its row of sources.csv, the datasets citing it, the sections reading those."""
    folder = data_dir or paths.DATA_DIR
    by_source, by_dataset = dataset_sources(folder), dataset_sections(notebooks)
    with open(folder / "sources.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        datasets = sorted(
            by_source.get(row["source_id"], set()) | ({"claims"} if row["kind"] == "analysed_article" else set())
        )
        sections = sorted({s for d in datasets for s in by_dataset.get(d, [])})
        out.append({**row, "datasets": datasets, "sections": sections})
    return out


def datasets(data_dir: Path | None = None) -> list[dict[str, Any]]:
    """Each dataset's title, description (its caveats), file, allowed units and field notes."""
    folder = data_dir or paths.DATA_DIR
    out = []
    for res in data.read_descriptor(folder / "datapackage.json")["resources"]:
        fields = [
            {"name": f["name"], "type": f.get("type", "string"), "description": f.get("description", "")}
            for f in res["schema"]["fields"]
        ]
        units = res.get("unitsBy", {}).get("units", {})
        out.append(
            {
                "name": res["name"],
                "title": res.get("title", res["name"]),
                "description": res.get("description", ""),
                "path": res["path"],
                "optional": bool(res.get("optional")),
                "units": units,
                "fields": fields,
            }
        )
    return out


def render(notebooks: list[Path], data_dir: Path | None = None, reports: dict[str, str] | None = None) -> str:
    """The sources page as HTML (every data-derived string is escaped by the template engine); `reports` maps a
    notebook to its reader report's link, so a source's sections link the reports that read it."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, keep_trailing_newline=True
    )
    env.filters["code"] = inline_code
    env.filters["day"] = labels.source_date
    env.filters["unread"] = labels.unread_title
    from markupsafe import Markup

    from . import cite, words

    sources = entries(notebooks, data_dir)
    return words.spell_out(
        env.get_template(TEMPLATE).render(
            cite_block=Markup(cite.block("sources and caveats")),
            data_end_line=Markup(cite.data_end_line()),
            sources=sources,
            datasets=datasets(data_dir),
            groups=grouped(sources, datasets(data_dir)),
            unused=[s for s in sources if not s["datasets"]],
            reports=reports or {},
        )
    )


def inline_code(text: str) -> Any:
    """Escape text, then show Markdown's `code` spans as <code> (no raw backticks on the page)."""
    import re

    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text or ""))))


def grouped(sources: list[dict[str, Any]], described: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sources grouped by the first dataset citing them (each source listed once, so its anchor is unique)."""
    titles = {d["name"]: d["title"] for d in described}
    groups: dict[str, list[dict[str, Any]]] = {}
    for source in sources:
        groups.setdefault(source["datasets"][0] if source["datasets"] else "", []).append(source)
    order = [d["name"] for d in described if d["name"] in groups] + [k for k in groups if k not in titles]
    return [
        {"name": k, "title": titles.get(k, "Cited by no data row" if not k else k), "sources": groups[k]} for k in order
    ]


def write(output_root: Path, notebooks: list[Path], data_dir: Path | None = None) -> Path:
    """Write outputs/sources.html (after the reports: it links those written)."""
    reports = {
        nb.stem: f"html/{nb.stem}.html" for nb in notebooks if (output_root / "html" / f"{nb.stem}.html").exists()
    }
    return write_text(render(notebooks, data_dir, reports), output_root / "sources.html")
