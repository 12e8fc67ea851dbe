"""Where the project's files live; notebooks never build paths themselves."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("RARE_EARTHS_ROOT") or Path(__file__).resolve().parents[2])
DATA_DIR = PROJECT_ROOT / "data"
DATAPACKAGE = DATA_DIR / "datapackage.json"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# The build sets RARE_EARTHS_OUTPUTS for its kernels, so a notebook that reads what an earlier one
# made (metadata `rare_earths.after`) finds it even when the build writes to --output-dir.
OUTPUTS_DIR = Path(os.environ.get("RARE_EARTHS_OUTPUTS") or PROJECT_ROOT / "outputs")
LOCK_FILE = PROJECT_ROOT / "requirements.lock"


def output_dir(override: str | os.PathLike[str] | None = None, notebook: str = "") -> Path:
    """The folder a notebook writes to: `override` if given (the `output_dir` parameter; the build sets it),
    else the notebook's scratch folder: a run outside the build never writes into the build's outputs."""
    return Path(override) if override else scratch_dir(notebook or "notebook")


def scratch_dir(notebook: str) -> Path:
    """Where a run outside the build (papermill, nbconvert, JupyterLab) writes: outputs/scratch/<notebook>/ (git-ignored)."""
    return OUTPUTS_DIR / "scratch" / notebook


def display(path: Path) -> str:
    """A path for messages: project-relative when inside the project (no machine path), else as given."""
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def figures_dir(root: Path) -> Path:
    """Folder for PNG/SVG figures under an outputs root."""
    return root / "figures"


def tables_dir(root: Path) -> Path:
    """Folder for CSV tables under an outputs root."""
    return root / "tables"


def claims_dir(root: Path) -> Path:
    """Folder for the per-notebook claim records under an outputs root."""
    return root / "tables" / "claims"


def state_dir(root: Path, project: Path | None = None) -> Path:
    """The build's own records of one outputs root (durations, log, lock): `.build/` beside it when it sits in the
    project (outputs/ and .build/ side by side), else inside it (never in a folder of someone else's)."""
    root = Path(root).absolute()
    if root.parent.resolve() == Path(project or PROJECT_ROOT).resolve():
        return root.parent / ".build"
    return root / ".build"
