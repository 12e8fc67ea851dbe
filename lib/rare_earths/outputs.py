"""Write outputs atomically (temporary file, then rename), so a crash never leaves half a file.

pandas is imported inside the functions that need it: the build driver writes its records with
`write_text`, and a no-op build must not pay for importing pandas.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FILE_MODE = 0o644  # mkstemp creates 0600; outputs are meant to be read (and served)
PROVENANCE_SUFFIX = ".provenance.json"  # beside every figure and table: see build/provenance.py


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, FILE_MODE)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
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
    schema sidecar `<name>.schema.json` (see `rare_earths.package`) gives each column's type and unit either way,
    and the build collects the sidecars into outputs/datapackage.json.
    """
    import pandas as pd

    from . import package, paths

    if frame.index.name is not None:
        frame = frame.reset_index()
    frame = frame.assign(
        **{c: frame[c].astype(str) for c in frame.columns if isinstance(frame[c].dtype, pd.PeriodDtype)}
    )
    target = paths.tables_dir(output_root) / f"{name}.csv"
    schema = package.table_schema(frame, fields)  # before writing: a description of a missing column writes nothing
    save_csv(frame, target)
    package.write_schema(frame, target, description, fields, schema)
    return target


def sidecar_path(path: Path) -> Path:
    """The provenance file of an output: same folder, same stem, `.provenance.json` (written by the build)."""
    return path.with_name(path.stem + PROVENANCE_SUFFIX)
