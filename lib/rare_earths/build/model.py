"""The build's plain types and constants, imported by every other module of the build (so the split makes no circle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KERNEL_NAME = "python3"
OUTPUT_PARAMETER = "output_dir"
METADATA_KEY = "rare_earths"  # notebook metadata: {"inputs": [data files], "after": [notebooks]}
IMPLICIT_INPUTS = ("data/datapackage.json",)  # the schema every data/ file is loaded against
STRIPPED_RUN_METADATA = ("start_time", "end_time", "duration", "input_path", "output_path")
INJECTED_CELL_ID = "injected-parameters"
# Optional imports that cost seconds and that the build never needs: jsonschema (under nbformat) loads
# rfc3987_syntax, which compiles a grammar at import (3-5 s on a small machine), only to check the
# "iri" string format, which no notebook schema uses. Build processes skip it (see skip_slow_imports).
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


class BuildError(Exception):
    """A problem found before any kernel starts: unknown notebook, unknown or ill-typed parameter."""


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


@dataclass
class Plan:
    """One notebook's part in a build: what it reads, what it runs after, its parameters and cache key."""

    path: Path
    parameters: dict[str, Any]
    inputs: dict[str, str]  # project-relative path -> sha256
    after: list[str]  # stems of the notebooks it runs after
    key: str  # the execution key
    render: str = ""  # digest of the render inputs (render.render_inputs): with the executed files, the render key

    @property
    def name(self) -> str:
        """The notebook's stem, e.g. 01_exports."""
        return self.path.stem
