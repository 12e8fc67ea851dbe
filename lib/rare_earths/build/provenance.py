"""Provenance sidecars: beside every figure and table, a JSON record of what made it.

`figures/<stem>.provenance.json` covers the PNG and SVG of a figure, `tables/<stem>.provenance.json`
a CSV table. Each names the notebook, the git commit of the build, the parameters, the sha256 of
every input file and of the files it describes, the cache key, and the versions of the main
packages. Nothing in it depends on the run (no times, no paths of the machine), so rebuilding
the same commit gives the same bytes.
"""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path
from typing import Any

from ..outputs import PROVENANCE_SUFFIX, sidecar_path
from .cache import sha256_file

PACKAGES = ("pandas", "matplotlib", "seaborn", "papermill", "nbconvert")
DESCRIBED = {"figures": (".png", ".svg"), "tables": (".csv",)}
SUFFIX = PROVENANCE_SUFFIX


def git_commit(root: Path) -> str:
    """The git HEAD commit of a project folder, or 'unknown' outside git."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def git_commit_date(root: Path) -> str:
    """The date (YYYY-MM-DD, committer's) of the git HEAD commit, or '' outside git: a build date that is the same for every build of a commit."""
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def versions() -> dict[str, str]:
    """Versions of Python and the main packages (read from their metadata, without importing them)."""
    from importlib import metadata  # here: it costs ~30 ms to import, and a no-op build never asks for versions

    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def described_files(root: Path) -> dict[Path, list[Path]]:
    """Figures and tables under an outputs root, grouped by the sidecar that describes them."""
    groups: dict[Path, list[Path]] = {}
    for folder, suffixes in DESCRIBED.items():
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in suffixes:
                groups.setdefault(sidecar_path(path), []).append(path)
    return groups


def record(notebook: str, files: list[Path], root: Path, context: dict[str, Any]) -> dict[str, Any]:
    """The provenance record of some files one notebook made; `context` holds commit, parameters, inputs, key, versions."""
    return {
        "notebook": notebook,
        "files": {p.relative_to(root).as_posix(): sha256_file(p) for p in files},
        **context,
    }


def write_sidecars(notebook: str, root: Path, context: dict[str, Any]) -> list[Path]:
    """Write a sidecar beside every figure and table under `root` (a notebook's staging folder)."""
    written = []
    for sidecar, files in described_files(root).items():
        text = json.dumps(record(notebook, files, root, context), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        sidecar.write_text(text, encoding="utf-8")
        written.append(sidecar)
    return written
