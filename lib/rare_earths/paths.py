"""Where the project's files live; notebooks never build paths themselves."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("RARE_EARTHS_ROOT") or Path(__file__).resolve().parents[2])
DATA_DIR = PROJECT_ROOT / "data"
DATAPACKAGE = DATA_DIR / "datapackage.json"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# The build sets RARE_EARTHS_OUTPUTS for its kernels, so a notebook that reads what an earlier one
# made (metadata `rare_earths.after`) finds it even when the build writes to --output-dir.
OUTPUTS_DIR = Path(os.environ.get("RARE_EARTHS_OUTPUTS") or PROJECT_ROOT / "outputs")
LOCK_FILE = PROJECT_ROOT / "requirements.lock"


def project_of(folder: Path) -> Path | None:
    """The project that holds `folder`: the nearest folder with lib/rare_earths/ and notebooks/, or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / "lib" / "rare_earths" / "__init__.py").is_file() and (candidate / "notebooks").is_dir():
            return candidate
    return None


def foreign_project(cwd: Path | None = None, prefix: Path | None = None) -> str:
    """'' when this package belongs to the project the user works in (the current folder's, else this Python's
    .venv's); else a message saying which folders differ and what to run (a copied or moved project)."""
    mine = PROJECT_ROOT.resolve()
    for what, folder in (
        ("the current folder", cwd or Path.cwd()),
        ("this Python's .venv", prefix or Path(sys.prefix)),
    ):
        asked = project_of(Path(folder).absolute())  # not resolved: a .venv linked from another project is shared
        if asked is not None and asked.resolve() != mine:
            return (
                f"{what} is in the project {asked}, but this rare_earths package is the one of {mine} "
                f"(its .venv/ was made there; was the project copied or moved?): nothing was built or changed; "
                f"run `make venv` in {asked} to re-create its .venv/ for it"
            )
    return ""


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
    """The build's own records of one outputs root (durations, log, lock): `.build/` beside it when it is the
    project's `outputs/` (outputs/ and .build/ side by side), else inside it: another output folder, in the project
    or not, keeps records of its own (never in a folder of someone else's, never shared by two output folders)."""
    root = Path(root).absolute()
    if root.name == "outputs" and root.parent.resolve() == Path(project or PROJECT_ROOT).resolve():
        return root.parent / ".build"
    return root / ".build"


SITE_URL_ENV = "RARE_EARTHS_SITE_URL"


def site_url() -> str:
    """The collection's public address, without a trailing slash ('' when unset).

    One setting for every page ('Cite this', the ClaimReview markup): the environment variable
    RARE_EARTHS_SITE_URL, else `url` in the `[tool.rare_earths]` table of pyproject.toml.
    """
    import tomllib

    value = os.environ.get(SITE_URL_ENV, "").strip()
    project = PROJECT_ROOT / "pyproject.toml"
    if not value and project.is_file():
        table = tomllib.loads(project.read_text(encoding="utf-8")).get("tool", {}).get("rare_earths", {})
        value = str(table.get("url") or "").strip()
    return value.rstrip("/")
