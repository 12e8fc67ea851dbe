"""Write outputs atomically (temporary file, fsync, then rename), so a crash or power loss never leaves half a file.

pandas is imported inside the functions that need it: the build driver writes its records with
`write_text`, and a no-op build must not pay for importing pandas.

The temporary file sits beside its target, except while the build driver names a folder of its own
for them (`temporary_files_in`, its staging folder): then a build killed mid-write leaves its
leftovers only there, where the next build can remove them without touching anyone else's files.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import labels

if TYPE_CHECKING:
    import pandas as pd

FILE_MODE = 0o644  # mkstemp creates 0600; outputs are meant to be read (and served)
PROVENANCE_SUFFIX = ".provenance.json"  # beside every figure and table: see build/provenance.py

# Table schemas: beside every table save_table writes <name>.schema.json; rare_earths.package collects them.
SCHEMA_SUFFIX = ".schema.json"
NO_UNIT = "no unit"
ROW_UNIT = "the unit of its row (column unit)"
VALUE_COLUMNS = ("value", "claimed_value", "computed_value", "value_high", "low", "high")
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


TEMP_SUFFIX = ".tmp"
_TEMP_FOLDER: contextvars.ContextVar[Path | None] = contextvars.ContextVar("temporary_folder", default=None)


@contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """While the block runs, atomic writes in this thread keep their temporary files in `folder` (same filesystem)."""
    token = _TEMP_FOLDER.set(Path(folder))
    try:
        yield
    finally:
        _TEMP_FOLDER.reset(token)


def _temporary_folder(target: Path) -> Path:
    """Where the temporary file of `target` goes: the named folder when it is on the target's filesystem, else beside it."""
    folder = _TEMP_FOLDER.get()
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.stat(folder).st_dev == os.stat(target.parent).st_dev:
                return folder
        except OSError:
            pass  # e.g. a read-only outputs folder: an error, if any, is then the target's, named as such
    return target.parent


def fsync_path(path: Path, directory: bool = False) -> None:
    """Flush a file's bytes (or a folder's entries) to the disk; a folder that cannot be opened is skipped."""
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        if not directory:
            raise
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path; fsync it and move it onto `target` only if the block succeeds.

    An OSError on the way (a full disk, a read-only folder) names `target` when it named no file or the temporary one.
    """
    target = Path(target)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=_temporary_folder(target))
        os.close(fd)
        os.chmod(tmp, FILE_MODE)
        yield Path(tmp)
        fsync_path(Path(tmp))
        os.replace(tmp, target)
        fsync_path(target.parent, directory=True)
    except OSError as exc:
        if exc.filename is None or tmp is None or str(exc.filename) == tmp:  # not the temporary name: the target's
            exc.filename, exc.filename2 = str(target), None
        raise
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def configure_display() -> None:
    """Show tables in notebooks and reports in full: no truncated URLs or quotes, no scientific notation."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.float_format", "{:,.6g}".format)


def write_text(text: str, target: Path) -> Path:
    """Write text (UTF-8, '\\n' line endings) atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return target


def save_csv(frame: pd.DataFrame, target: Path) -> Path:
    """Write a table as CSV atomically, without the index, with stable float formatting."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")
    return target


def save_table(
    frame: pd.DataFrame,
    name: str,
    output_root: Path,
    description: str | None = None,
    fields: dict[str, str] | None = None,
) -> Path:
    """Save a notebook table as outputs/tables/<name>.csv (a named index becomes a column), with its schema beside it.

    `description` (one line about the table) and `fields` (column -> one-line description) are optional: the
    schema sidecar `<name>.schema.json` (types, units and descriptions: see `table_schema`) gives each column's type and unit either way,
    and the build collects the sidecars into outputs/datapackage.json.
    """
    import pandas as pd

    from . import paths

    if frame.index.name is not None:
        frame = frame.reset_index()
    frame = frame.assign(
        **{c: frame[c].astype(str) for c in frame.columns if isinstance(frame[c].dtype, pd.PeriodDtype)}
    )
    target = paths.tables_dir(output_root) / f"{name}.csv"
    schema = table_schema(frame, fields)  # before writing: a description of a missing column writes nothing
    save_csv(frame, target)
    write_schema(frame, target, description, fields, schema)
    return target


def sidecar_path(path: Path) -> Path:
    """The provenance file of an output: same folder, same stem, `.provenance.json` (written by the build)."""
    return path.with_name(path.stem + PROVENANCE_SUFFIX)


def lossless_png(path: Path) -> Path:
    """Rewrite a PNG in its smallest lossless form, the same pixels: RGB when every pixel is opaque, an exact palette
    when it has at most 256 colours (most charts: flat colours and few antialiasing shades), Pillow's optimize=True.
    Deterministic: the palette is the sorted colours. About a quarter lighter over the collection's charts."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        dpi, pixels = image.info.get("dpi"), np.asarray(image.convert("RGBA"))
    if not (pixels[..., 3] == 255).all():
        return path  # transparency kept as drawn
    rgb = pixels[..., :3].astype(np.uint32)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]  # one number per colour, in the order of (r, g, b)
    values, index = np.unique(packed.reshape(-1), return_inverse=True)  # 1-D: ~30x faster than unique(axis=0)
    if len(values) <= 256:
        colours = np.stack([values >> 16, (values >> 8) & 255, values & 255], axis=1).astype(np.uint8)
        smaller = Image.fromarray(index.reshape(pixels.shape[:2]).astype(np.uint8), "P")
        smaller.putpalette(colours.tobytes())
    else:
        smaller = Image.fromarray(np.ascontiguousarray(pixels[..., :3]), "RGB")
    smaller.save(path, format="PNG", optimize=True, **({"dpi": dpi} if dpi else {}))
    return path
