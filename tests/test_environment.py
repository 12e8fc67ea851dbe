"""The pinned environment files agree: requirements.lock, environment.yml and pyproject.toml."""

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


def env_pins() -> tuple[list[str], dict[str, str]]:
    """Conda dependencies and pip pins from environment.yml."""
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pins = {}
    for item in pip:
        if item.startswith("-e"):
            continue
        name, _, version = item.partition("==")
        pins[re.sub(r"[-_.]+", "-", name.lower())] = version
    return [d for d in env["dependencies"] if isinstance(d, str)], pins


def direct_dependencies() -> list[str]:
    """Direct dependency names declared in pyproject.toml."""
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return [re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ;\[]", d)[0].lower()) for d in project["dependencies"]]


def test_environment_yml_pins_match_the_lock() -> None:
    lock = lock_pins()
    _, pins = env_pins()
    assert pins, "environment.yml has no pip pins"
    assert {k: v for k, v in pins.items() if lock.get(k) != v} == {}


def test_every_direct_dependency_is_pinned_in_both_files() -> None:
    lock = lock_pins()
    _, pins = env_pins()
    for name in direct_dependencies():
        assert name in lock, f"{name} not in requirements.lock"
        assert name in pins, f"{name} not in environment.yml"


def test_python_version_agrees() -> None:
    conda, _ = env_pins()
    python = next(d for d in conda if d.startswith("python"))
    required = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == ">=3.11" and python in ("python=3.11", "python>=3.11")


def test_installed_versions_are_the_pinned_ones() -> None:
    from importlib.metadata import version

    for name, pinned in lock_pins().items():
        if name in ("setuptools",):
            continue
        assert version(name) == pinned, name
