"""The output tables as reusable data: a schema beside every table, outputs/datapackage.json, statements.json.

`outputs.save_table` writes, beside each `tables/<name>.csv`, a sidecar `tables/<name>.schema.json`: the table's
description and a Frictionless Table Schema (each field's type from the frame's dtype, its unit and a one-line
description). The build then collects every CSV under outputs/tables/ into one Frictionless Data Package,
`outputs/datapackage.json`, taking each table's schema from its sidecar (or, for the tables the build itself
writes, from the CSV), the notebook that made it and the data/ resources it derives from from its provenance
sidecar (the notebook's declared `rare_earths.inputs`). Nothing lists the tables by hand.

Units: the unit in brackets of the column's readable label (`labels.label`: the labels table where it knows the
column, else the name's suffix, `value_t` -> t, `mom_pct` -> %); a value column beside a `unit` column has the
unit of its row; else "no unit".

This lives in the core, beside `outputs`, because `save_table` (core, called in notebooks) writes the schemas, and
the build only collects them; the site needs none of it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import labels, paths
from .outputs import sidecar_path, write_text

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_SUFFIX = ".schema.json"
PACKAGE = "datapackage.json"
NO_UNIT = "no unit"
ROW_UNIT = "the unit of its row (column unit)"
VALUE_COLUMNS = ("value", "claimed_value", "computed_value", "value_high", "low", "high")
BUILD = "(build)"
LEDGER_FIELDS = {  # the columns of the tables the build writes (the contract of claims.csv and statements.csv)
    "claim_id": "id of the checked part of a statement (claim), e.g. C03-04",
    "statement_id": "id of the article's statement, e.g. S03-01",
    "claim_ids": "the statement's parts (claim ids), separated by semicolons",
    "section": "section of the article (notebook number)",
    "notebook": "the notebook that checks it",
    "quote": "the article's words, verbatim",
    "main_reading": "how the claim was read, in words",
    "claimed_value": "the value the article states",
    "computed_value": "the value computed from sourced data",
    "unit": "unit of the claimed and computed values",
    "verdict": "the verdict, a word of the scale (see the methodology page)",
    "reason": "why, in one plain sentence naming the numbers and the source",
    "explanation": "why, in one sentence",
    "data_date": "date or period of the data the verdict rests on",
    "robustness": "whether the verdict holds under the other reasonable readings",
    "readings": "the readings tried, with the verdict under each",
    "article_arithmetic": "whether the article's own arithmetic holds",
}


def field_unit(name: str, columns: list[str]) -> str:
    """A column's unit: from its readable label's brackets, from a `unit` column beside a value column, or none."""
    if name in VALUE_COLUMNS and "unit" in columns:
        return ROW_UNIT
    if name in labels.UNITS:  # a column named by its unit ('lb', 'kg', 't')
        return labels.UNITS[name]
    if name.startswith("% "):  # '% of world mine production 2025'
        return "%"
    found = re.search(r"\(([^()]+)\)$", labels.label(name))
    return found.group(1) if found else NO_UNIT


def field_type(series: pd.Series) -> str:
    """The Table Schema type of a column, from its dtype (ISO dates and months written as text are dates)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date" if (series.dropna() == series.dropna().dt.normalize()).all() else "string"
    values = series.dropna()
    if len(values) and all(isinstance(v, str) for v in values):
        for kind, pattern in (("date", r"\d{4}-\d{2}-\d{2}"), ("yearmonth", r"\d{4}-\d{2}")):
            if values.str.fullmatch(pattern).all():
                return kind
    return "string"


def table_schema(frame: pd.DataFrame, descriptions: dict[str, str] | None = None) -> dict[str, Any]:
    """A Frictionless Table Schema for a frame as saved: each field's name, type, unit and one-line description."""
    descriptions = descriptions or {}
    unknown = sorted(set(descriptions) - set(map(str, frame.columns)))
    if unknown:
        raise ValueError(f"descriptions given for columns the table does not have: {unknown}")
    columns = [str(c) for c in frame.columns]
    return {
        "fields": [
            {
                "name": name,
                "type": field_type(frame[col]),
                "unit": field_unit(name, columns),
                "description": descriptions.get(name) or LEDGER_FIELDS.get(name) or labels.label(name),
            }
            for name, col in zip(columns, frame.columns, strict=True)
        ]
    }


def schema_path(table: Path) -> Path:
    """The schema sidecar of a table: same folder, same stem, `.schema.json`."""
    return table.with_name(table.stem + SCHEMA_SUFFIX)


def default_description(name: str) -> str:
    """A table's description when its notebook gives none: its name in words ('01_exports_annual_totals' -> ...)."""
    section, _, rest = name.partition("_")
    if section.isdigit() and rest:
        return f"Section {section}: {rest.replace('_', ' ')}."
    return name.replace("_", " ") + "."


def write_schema(
    frame: pd.DataFrame,
    table: Path,
    description: str | None = None,
    fields: dict[str, str] | None = None,
    schema: dict[str, Any] | None = None,
) -> Path:
    """Write a table's schema sidecar (description and Table Schema of the frame as saved)."""
    body = {
        "description": description or default_description(table.stem),
        "schema": schema or table_schema(frame, fields),
    }
    return write_text(json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n", schema_path(table))


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
