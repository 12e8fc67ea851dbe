"""Notebooks stay committed without outputs: nbstripout is the git filter the Makefile's set-up installs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from rare_earths import paths

ROOT = paths.PROJECT_ROOT


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def committed_notebooks() -> dict[str, str]:
    """Each notebook as git holds it (the index), or the file itself outside a git clone."""
    try:
        names = _git(ROOT, "ls-files", "notebooks/*.ipynb").split()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return {
            p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
        }
    return {name: _git(ROOT, "show", f":{name}") for name in names}


def test_no_committed_notebook_holds_outputs_or_kernel_metadata() -> None:
    held = committed_notebooks()
    assert len(held) >= 7
    for name, text in held.items():
        nb = json.loads(text)
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), f"{name} holds outputs"
        assert set(nb["metadata"].get("language_info", {})) <= {"name"}, f"{name} holds the kernel's language_info"
        assert not any("execution" in c["metadata"] for c in nb["cells"]), f"{name} holds execution timings"


def test_gitattributes_send_every_notebook_through_the_filter() -> None:
    assert "*.ipynb filter=nbstripout" in (ROOT / ".gitattributes").read_text()


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_the_filter_installed_by_make_strips_a_run_notebook(tmp_path: Path) -> None:
    """What Run All + autosave leaves in a notebook (outputs, counts, the Python version) never reaches the index."""
    repo = tmp_path / "clone"
    repo.mkdir()
    _git(repo, "init", "-q")
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    (repo / ".venv").symlink_to(ROOT / ".venv")
    run = subprocess.run(
        ["make", "-f", str(ROOT / "Makefile"), "git-filter"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert "notebooks are committed without outputs" in run.stdout
    clean = nbformat.read(ROOT / "notebooks" / "04_refining_share.ipynb", as_version=4)
    dirty = nbformat.read(ROOT / "notebooks" / "04_refining_share.ipynb", as_version=4)
    dirty.metadata["language_info"] = {
        "name": "python",
        "version": "3.11.7",
        "mimetype": "text/x-python",
        "file_extension": ".py",
    }
    for i, cell in enumerate(c for c in dirty.cells if c.cell_type == "code"):
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("stream", text="1,036 lines of output\n")]
        cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nbformat.write(dirty, repo / "04.ipynb")
    _git(repo, "add", "04.ipynb")
    staged = json.loads(_git(repo, "show", ":04.ipynb"))
    assert staged == json.loads(
        nbformat.writes(clean)
    )  # exactly the committed form: ids kept, outputs and kernel facts gone
