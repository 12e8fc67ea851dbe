"""Shared fixtures: a writable copy of data/, and a built collection in a temporary folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from rare_earths import build, paths


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, target)
    return target


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[build.Result]]:
    """Every notebook built once (papermill + nbconvert) into a temporary outputs folder."""
    root = tmp_path_factory.mktemp("outputs")
    return root, build.build(output_root=root)


def rewrite(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a file, failing loudly if the text is absent."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def lend_environment(dest: Path) -> None:
    """dest/.venv: the project venv's interpreter, scripts and packages by symlink, with a fresh `make` stamp."""
    venv = Path(sys.prefix)
    (dest / ".venv" / "bin").mkdir(parents=True)
    for entry in (venv / "bin").iterdir():
        (dest / ".venv" / "bin" / entry.name).symlink_to(entry)
    shutil.copy2(venv / "pyvenv.cfg", dest / ".venv" / "pyvenv.cfg")
    for name in ("lib", "lib64", "include", "share"):
        if (venv / name).exists():
            (dest / ".venv" / name).symlink_to(venv / name)
    (dest / ".venv" / ".project").write_text(f"{dest.resolve()}\n")  # made for this folder: `make` keeps it
    (dest / ".venv" / ".installed").touch()  # newer than requirements.lock and pyproject.toml: `make` installs nothing
