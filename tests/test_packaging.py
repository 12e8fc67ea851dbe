"""A normal (non-editable) install works: the wheel carries every file of the package, and the installed package
writes the site. Offline: the wheel is built without build isolation, and the fresh venv borrows the project venv's
dependencies through a path file (not its editable install, whose .pth a path entry does not process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from rare_earths import paths

ROOT = paths.PROJECT_ROOT
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git lists the files of the working tree")


def _tracked_package_files() -> list[str]:
    """Files of lib/rare_earths under git, as paths inside the package (rare_earths/...)."""
    out = subprocess.run(
        ["git", "ls-files", "lib/rare_earths"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return sorted(line.removeprefix("lib/") for line in out.splitlines() if line)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the working tree (tracked and untracked files, git-ignored ones left out): never the checkout."""
    src = tmp_path_factory.mktemp("src") / "project"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for rel in files:
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    return src


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built offline (no build isolation: the project venv's setuptools)."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("rare_earths-*.whl")
    return built


def test_the_wheel_carries_every_file_of_the_package(wheel: Path) -> None:
    """Templates, the report stylesheet and every other non-Python file are installed, not only the .py modules."""
    inside = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in _tracked_package_files() if f not in inside]
    assert missing == [], f"package-data leaves out: {', '.join(missing)}"


def test_the_wheel_declares_its_licence_and_its_test_extra(wheel: Path) -> None:
    """Core metadata 2.4: License-Expression MIT with the LICENSE file; pytest, ruff and playwright only as the extra."""
    archive = zipfile.ZipFile(wheel)
    (meta,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    text = archive.read(meta).decode("utf-8")
    assert "License-Expression: MIT" in text.splitlines()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist())
    requires = [line for line in text.splitlines() if line.startswith("Requires-Dist:")]
    for tool in ("pytest", "ruff", "playwright"):
        assert f'Requires-Dist: {tool}; extra == "test"' in requires, requires


def test_an_installed_wheel_builds_a_notebook_and_writes_the_site(wheel: Path, source: Path, tmp_path: Path) -> None:
    """`pip install` of the wheel into a fresh venv, then a build of one notebook with its report and the index."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site_dir = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site_dir / "project-venv-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", wheel],
        check=True,
        capture_output=True,
    )
    where = subprocess.run(
        [python, "-c", "import rare_earths; print(rare_earths.__file__)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert Path(where).is_relative_to(site_dir), f"imported the editable install, not the wheel: {where}"
    out = tmp_path / "outputs"
    # nbconvert's own templates are data files of the project venv (share/jupyter), which the path file does not lend
    env = {
        **os.environ,
        "RARE_EARTHS_ROOT": str(source),
        "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}",
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
    }
    run = subprocess.run(
        [python, "-m", "rare_earths", "build", "05", "--output-dir", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "index.html").is_file() and (out / "sources.html").is_file()
    (report,) = [p for p in (out / "html").glob("05_*.html") if not p.name.endswith(".full.html")]
    assert "<style" in report.read_text(encoding="utf-8")
