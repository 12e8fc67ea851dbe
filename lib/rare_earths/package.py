"""The output tables as reusable data: a schema beside every table, outputs/datapackage.json, statements.json.

`outputs.save_table` writes, beside each `tables/<name>.csv`, a sidecar `tables/<name>.schema.json`: the table's
description and a Frictionless Table Schema (each field's type from the frame's dtype, its unit and a one-line
description). The build then collects every CSV under outputs/tables/ into one Frictionless Data Package,
`outputs/datapackage.json`, taking each table's schema from its sidecar (or, for the tables the build itself
writes, from the CSV), the notebook that made it and the data/ resources it derives from from its provenance
sidecar (the notebook's declared `rare_earths.inputs`). Nothing lists the tables by hand.

The schemas themselves (types, units, descriptions) are made in `outputs`, where `save_table` writes them; this
module only collects. It is in the core, not in build/, because it reads nothing of the build but its files and
the tests and notebooks may call it on any outputs folder; the site needs none of it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from . import paths
from .outputs import default_description, schema_path, sidecar_path, table_schema, write_text

PACKAGE = "datapackage.json"
BUILD = "(build)"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def data_resources(data_dir: Path | None = None) -> dict[str, str]:
    """Project-relative path -> resource name of every resource of data/datapackage.json."""
    folder = Path(data_dir or paths.DATA_DIR)
    descriptor = _read_json(folder / "datapackage.json")
    rel = folder.relative_to(paths.PROJECT_ROOT).as_posix() if folder.is_relative_to(paths.PROJECT_ROOT) else "data"
    return {f"{rel}/{r['path']}": r["name"] for r in descriptor.get("resources", [])}


def resource(table: Path, root: Path, known: dict[str, str], every_source: list[dict[str, str]]) -> dict[str, Any]:
    """One table as a Data Package resource: path, description, schema, the notebook that made it, its data sources."""
    import pandas as pd

    rel = table.relative_to(root).as_posix()
    sidecar = _read_json(schema_path(table))
    provenance = _read_json(sidecar_path(table))
    notebook = provenance.get("notebook") or BUILD
    inputs = provenance.get("inputs") or {}
    sources = [{"title": known[p], "path": p} for p in sorted(inputs) if p in known]
    if not sidecar:
        frame = pd.read_csv(table, dtype={"section": str}) if table.stat().st_size else pd.DataFrame()
        sidecar = {"description": default_description(table.stem), "schema": table_schema(frame)}
    return {
        "name": re.sub(r"[^a-z0-9._-]+", "-", rel.removesuffix(".csv").lower()),
        "path": rel,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": sidecar["description"],
        "notebook": notebook,
        "sources": every_source if notebook.startswith(BUILD) else sources,
        "schema": sidecar["schema"],
    }


def collect(output_root: Path, data_dir: Path | None = None) -> dict[str, Any]:
    """The Data Package of every CSV under outputs/tables/ (sorted by path; nothing run-dependent)."""
    root = Path(output_root)
    tables = sorted(p for p in paths.tables_dir(root).rglob("*.csv") if p.is_file() and not p.name.startswith("."))
    known = data_resources(data_dir)
    used = {p for t in tables for p in _read_json(sidecar_path(t)).get("inputs", {}) if p in known}
    every_source = [{"title": known[p], "path": p} for p in sorted(used)]
    return {
        "name": "rare-earths-outputs",
        "title": "China's rare earth pricing power (2024–2026): the collection's output tables",
        "description": "Every table the notebooks and the build wrote under tables/, with its fields (type, unit, "
        "description), the notebook that made it (`notebook`) and the curated data it derives from (`sources`, "
        "paths relative to the project). The curated data themselves are described by data/datapackage.json.",
        "licenses": [{"name": "MIT", "title": "code and tables: MIT; quoted text remains its publishers'"}],
        "resources": [resource(t, root, known, every_source) for t in tables],
    }


def write_package(output_root: Path, data_dir: Path | None = None) -> Path:
    """Write outputs/datapackage.json from the tables under outputs/tables/."""
    package = collect(output_root, data_dir)
    return write_text(
        json.dumps(package, indent=1, sort_keys=True, ensure_ascii=False) + "\n", Path(output_root) / PACKAGE
    )


def _value(column: str, text: str) -> Any:
    """A cell of the ledger for JSON: empty is null, the claimed and computed values are numbers."""
    if text == "":
        return None
    if column in ("claimed_value", "computed_value"):
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def statements_json(output_root: Path) -> dict[str, Any] | None:
    """statements.csv's rows, each with its parts from claims.csv (readings, data dates ...); None before statements.csv."""
    tables = paths.tables_dir(Path(output_root))
    if not (tables / "statements.csv").exists():
        return None
    parts = {r["claim_id"]: r for r in _rows(tables / "claims.csv")} if (tables / "claims.csv").exists() else {}
    out = []
    for row in sorted(_rows(tables / "statements.csv"), key=lambda r: r["statement_id"]):
        ids = [i for i in row["claim_ids"].split(";") if i]
        missing = [i for i in ids if i not in parts]
        if missing:
            raise ValueError(f"statements.csv: {row['statement_id']} names parts not in claims.csv: {missing}")
        item: dict[str, Any] = {k: _value(k, v) for k, v in row.items()}
        item["claim_ids"] = ids
        item["parts"] = [{k: _value(k, v) for k, v in parts[i].items()} for i in ids]
        out.append(item)
    return {"statements": out}


def write_statements_json(output_root: Path) -> Path | None:
    """Write outputs/tables/statements.json beside statements.csv (nothing before statements.csv exists)."""
    body = statements_json(output_root)
    if body is None:
        return None
    text = json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return write_text(text, paths.tables_dir(Path(output_root)) / "statements.json")


def write_all(output_root: Path) -> list[Path]:
    """What the build writes after the ledger: statements.json (once statements.csv exists), then datapackage.json."""
    written = [write_statements_json(output_root)]
    return [p for p in (*written, write_package(output_root)) if p is not None]
