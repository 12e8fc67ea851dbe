"""A copied or moved project builds itself: make re-creates a .venv/ made for another folder, and the package refuses
to work on a project other than its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from rare_earths import cli, paths

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _project_with_venv(folder: Path, made_for: str | None, pyvenv_home: str | None = None) -> Path:
    """A project folder (its Makefile and pins) with a .venv/ that says which folder it was made for."""
    folder.mkdir(parents=True)
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy(paths.PROJECT_ROOT / name, folder / name)
    venv = folder / ".venv"
    venv.mkdir()
    if made_for is not None:
        (venv / ".project").write_text(made_for + "\n")
    if pyvenv_home is not None:
        (venv / "pyvenv.cfg").write_text(f"home = /usr/bin\ncommand = /usr/bin/python3 -m venv {pyvenv_home}/.venv\n")
    (venv / ".installed").touch()
    for name in ("requirements.lock", "pyproject.toml"):  # older than the stamp: the venv is up to date with them
        os.utime(folder / name, (1, 1))
    return folder


def _dry_run(folder: Path, target: str = "venv") -> str:
    """What `make -n TARGET` would run in a folder."""
    done = subprocess.run(["make", "-n", target], cwd=folder, capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


@pytest.mark.parametrize("how", ["recorded", "pyvenv.cfg"])
def test_make_recreates_a_venv_that_was_made_for_another_folder(tmp_path: Path, how: str) -> None:
    other = str(tmp_path / "original")
    copy = _project_with_venv(
        tmp_path / "copy", other if how == "recorded" else None, other if how == "pyvenv.cfg" else None
    )
    for target in ("venv", "report"):
        shown = _dry_run(copy, target)
        assert f".venv/ was made for {other}, not for this folder (copied or moved?): re-creating it here" in shown
        assert "-m venv --clear .venv" in shown and "pip install" in shown


def test_make_leaves_a_venv_made_here_alone(tmp_path: Path) -> None:
    here = _project_with_venv(tmp_path / "project", str(tmp_path / "project"))
    assert "Nothing to be done" in _dry_run(here) or _dry_run(here).strip() == ""


def test_the_package_refuses_to_work_on_another_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy of the project"
    (copy / "lib" / "rare_earths").mkdir(parents=True)
    (copy / "lib" / "rare_earths" / "__init__.py").write_text("")
    (copy / "notebooks").mkdir()
    monkeypatch.chdir(copy / "notebooks")
    for command in (["validate"], ["params", "01"], ["build", "01"]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith(
            f"error: the current folder is in the project {copy}, but this rare_earths package is the one of {paths.PROJECT_ROOT.resolve()}"
        )
        assert f"run `make venv` in {copy}" in err and err.count("\n") == 1
    assert paths.foreign_project(cwd=tmp_path, prefix=copy / ".venv").startswith(
        "this Python's .venv is in the project"
    )
    assert paths.foreign_project(cwd=paths.PROJECT_ROOT, prefix=paths.PROJECT_ROOT / ".venv") == ""


def test_a_venv_shared_through_a_symbolic_link_is_never_re_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """benchmarks/ links a copy's .venv to the project's own: re-creating it would wipe the project's environment."""
    source = _project_with_venv(tmp_path / "source", str(tmp_path / "source"))
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy(source / name, copy / name)
        os.utime(copy / name, (1, 1))
    (copy / ".venv").symlink_to(source / ".venv", target_is_directory=True)
    assert "--clear" not in _dry_run(copy) and "re-creating" not in _dry_run(copy)
    for project in (source, copy):  # both are projects, as in benchmarks/ (the copy runs its own lib/)
        (project / "lib" / "rare_earths").mkdir(parents=True, exist_ok=True)
        (project / "lib" / "rare_earths" / "__init__.py").write_text("")
        (project / "notebooks").mkdir(exist_ok=True)
    monkeypatch.setattr(paths, "PROJECT_ROOT", copy)
    assert paths.foreign_project(cwd=copy, prefix=copy / ".venv") == ""
