"""The build's plain types and constants, imported by every other module of the build (so the split makes no circle)."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KERNEL_NAME = "python3"
OUTPUT_PARAMETER = "output_dir"
METADATA_KEY = "rare_earths"  # notebook metadata: {"inputs": [data files], "after": [notebooks]}
IMPLICIT_INPUTS = ("data/datapackage.json",)  # the schema every data/ file is loaded against
STRIPPED_RUN_METADATA = ("start_time", "end_time", "duration", "input_path", "output_path")
INJECTED_CELL_ID = "injected-parameters"
CELL_TIMEOUT = 300  # seconds a cell may run (--timeout, metadata rare_earths.timeout); the slowest cell takes ~5 s
STAGING = ".staging"  # inside an outputs folder: runs in progress and the build's temporary files, nothing else
MARKER = ".rare-earths-build"  # marks a folder as a build's output folder (see store.claim_output_root)
# OSError numbers that mean the outputs cannot be written at all: the build stops instead of going on to fail.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})
# Optional imports that cost seconds and that the build never needs: jsonschema (under nbformat) loads
# rfc3987_syntax, which compiles a grammar at import (3-5 s on a small machine), only to check the
# "iri" string format, which no notebook schema uses. Build processes skip it (see skip_slow_imports).
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


class BuildError(Exception):
    """A problem found before any kernel starts: unknown notebook, unknown or ill-typed parameter."""


class StorageError(BuildError):
    """The outputs or the build's records cannot be written (a full disk, a read-only folder): the build stopped."""

    @classmethod
    def from_os_error(cls, exc: OSError) -> StorageError:
        """One line naming the path and the cause, and what was kept."""
        where = exc.filename or "the outputs folder"
        return cls(f"cannot write {where}: {exc.strerror or exc}; build stopped, the last good outputs are kept")


def is_storage_error(exc: BaseException) -> bool:
    """Whether an exception says the disk is full or the folder is read-only (see STORAGE_ERRNOS)."""
    return isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS


class BuildInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped the build; `kept` names the notebooks whose new outputs were promoted and recorded."""

    def __init__(self, kept: list[str]):
        super().__init__(kept)
        self.kept = kept


@dataclass
class Result:
    """What happened to one notebook in one build."""

    notebook: str
    status: str  # "ran", "rendered" (HTML only, no kernel), "cached" or "failed"
    seconds: float
    message: str = ""
    files: list[str] = field(default_factory=list)
    storage: str = ""  # set when the outputs could not be written (the StorageError line): the build stops


@dataclass
class Plan:
    """One notebook's part in a build: what it reads, what it runs after, its parameters and cache key."""

    path: Path
    parameters: dict[str, Any]
    inputs: dict[str, str]  # project-relative path -> sha256
    after: list[str]  # stems of the notebooks it runs after
    key: str  # the execution key
    timeout: int = CELL_TIMEOUT  # seconds each cell may run (not part of the key: it changes no output)
    render: str = ""  # digest of the render inputs (render.render_inputs): with the executed files, the render key

    @property
    def name(self) -> str:
        """The notebook's stem, e.g. 01_exports."""
        return self.path.stem
