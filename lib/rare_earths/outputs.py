"""Write outputs atomically (temporary file, fsync, then rename), so a crash or power loss never leaves half a file.

pandas is imported inside the functions that need it: the build driver writes its records with
`write_text`, and a no-op build must not pay for importing pandas.

The temporary file sits beside its target, except while the build driver names a folder of its own
for them (`temporary_files_in`, its staging folder): then a build killed mid-write leaves its
leftovers only there, where the next build can remove them without touching anyone else's files.
"""

from __future__ import annotations

import contextvars
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


def save_table(frame: pd.DataFrame, name: str, output_root: Path) -> Path:
    """Save a notebook table as outputs/tables/<name>.csv (a named index becomes a column)."""
    import pandas as pd

    from . import paths

    if frame.index.name is not None:
        frame = frame.reset_index()
    frame = frame.assign(
        **{c: frame[c].astype(str) for c in frame.columns if isinstance(frame[c].dtype, pd.PeriodDtype)}
    )
    return save_csv(frame, paths.tables_dir(output_root) / f"{name}.csv")


def sidecar_path(path: Path) -> Path:
    """The provenance file of an output: same folder, same stem, `.provenance.json` (written by the build)."""
    return path.with_name(path.stem + PROVENANCE_SUFFIX)
