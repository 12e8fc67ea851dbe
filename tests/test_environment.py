"""The pinned environment files agree: requirements.lock (the pins), environment.yml (installs exactly them) and pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml
from rare_earths import paths


def lock_pins() -> dict[str, str]:
    """Package -> version from requirements.lock."""
    pins = {}
    for line in (paths.PROJECT_ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"unpinned line in requirements.lock: {line!r}"
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version
    return pins


def env_file() -> tuple[list[str], list[str]]:
    """Conda dependencies and the pip section of environment.yml."""
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return [d for d in env["dependencies"] if isinstance(d, str)], pip


def project_table() -> dict:
    """The [project] table of pyproject.toml."""
    return tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]


def names(requirements: list[str]) -> list[str]:
    """Normalised package names of requirement strings."""
    return [re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ;\[]", d)[0].lower()) for d in requirements]


def direct_dependencies() -> list[str]:
    """Direct dependency names declared in pyproject.toml, the optional groups included."""
    project = project_table()
    return names(
        project["dependencies"] + [d for group in project.get("optional-dependencies", {}).values() for d in group]
    )


def test_environment_yml_installs_exactly_the_lock() -> None:
    """Conda users get the same transitive versions as `make`: the pip section reads requirements.lock, pins nothing of its own."""
    conda, pip = env_file()
    assert pip == ["-r requirements.lock", "-e ."]
    assert (paths.PROJECT_ROOT / "requirements.lock").is_file()
    assert [d for d in conda if not d.startswith(("python", "pip"))] == [], (
        "conda packages would shadow the lock's pins"
    )


def test_every_direct_dependency_is_pinned_in_the_lock() -> None:
    lock = lock_pins()
    for name in direct_dependencies():
        assert name in lock, f"{name} not in requirements.lock"


def test_the_docs_give_conda_users_their_commands() -> None:
    """The README links conda users to docs/notebooks.md, which gives the commands `make` would run."""
    assert "docs/notebooks.md#for-conda-users" in (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    readme = (paths.PROJECT_ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    for command in (
        "conda env create -f environment.yml",
        "python -m rare_earths build",
        "jupyter lab --notebook-dir=notebooks",
        "pytest",
    ):
        assert command in readme, command


def test_python_version_agrees() -> None:
    conda, _ = env_file()
    python = next(d for d in conda if d.startswith("python"))
    required = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == ">=3.11" and python in ("python=3.11", "python>=3.11")


def test_installed_versions_are_the_pinned_ones() -> None:
    from importlib.metadata import version

    for name, pinned in lock_pins().items():
        if name in ("setuptools",):
            continue
        assert version(name) == pinned, name


def test_test_only_tools_are_an_optional_group_and_still_pinned() -> None:
    """pytest, ruff and playwright are for the tests only: `pip install .` leaves them out, `.[test]` and the lock not."""
    project = project_table()
    test_tools = {"pytest", "ruff", "playwright"}
    assert test_tools.isdisjoint(names(project["dependencies"]))
    assert test_tools <= set(names(project["optional-dependencies"]["test"]))
    assert test_tools <= set(lock_pins())
    extras = re.search(r'pip install --quiet -e "\.\[([a-z,]+)\]"', (paths.PROJECT_ROOT / "Makefile").read_text())
    assert extras and "test" in extras.group(1).split(","), "make lock would drop the test tools' pins"


def test_the_licence_is_declared_once_in_spdx_form_and_agrees_with_the_site_and_the_data() -> None:
    """LICENSE holds the MIT text for the code and names CC-BY-4.0 for data/, as datapackage.json and the index say."""
    import json

    assert project_table()["license"] == "MIT"  # SPDX expression, not the deprecated {text = ...} table
    licence = (paths.PROJECT_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Permission is hereby granted, free of charge" in licence
    assert "CC-BY-4.0" in licence and "data/" in licence
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    assert [lic["name"] for lic in package["licenses"]] == ["CC-BY-4.0"]
    index = (paths.PROJECT_ROOT / "lib" / "rare_earths" / "site" / "templates" / "index.html.j2").read_text()
    assert "MIT licence" in index


def test_the_pinned_setuptools_accepts_the_spdx_licence() -> None:
    """PEP 639 `license = "MIT"` needs setuptools 77 or later; the build-system table asks for it."""
    build_system = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["build-system"]
    assert build_system["requires"] == ["setuptools>=77"]
    assert tuple(int(x) for x in lock_pins()["setuptools"].split(".")[:2]) >= (77, 0)
