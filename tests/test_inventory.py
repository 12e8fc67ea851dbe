"""The claims inventory is validated where the data are: `validate` and the build (before any kernel) check every
quote against the article's text, name a claim no notebook checks, and report a repeated claim id once."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import lend_environment, rewrite
from rare_earths import build, inventory, paths

HEADLINE = "China's rare earth value surged 51% month-over-month in August"
ALTERED = "China's rare earth value surged 61% month-over-month in August"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the inventory checks read: data/, notebooks/ and the article's text."""
    root = tmp_path / "project"
    shutil.copytree(paths.DATA_DIR, root / "data")
    shutil.copytree(paths.NOTEBOOKS_DIR, root / "notebooks")
    (root / inventory.ARTICLE_TEXT).parent.mkdir(parents=True)
    shutil.copy2(paths.PROJECT_ROOT / inventory.ARTICLE_TEXT, root / inventory.ARTICLE_TEXT)
    return root


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    """`python -m rare_earths validate` on another project folder (what `make validate` runs there)."""
    if not (root / ".venv").exists():
        lend_environment(root)  # run from that folder with its own .venv/, as `make validate` there would
    env = {**os.environ, "RARE_EARTHS_ROOT": str(root)}
    return subprocess.run(
        [str(root / ".venv" / "bin" / "python"), "-m", "rare_earths", "validate"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=300,
    )


def add_claim(root: Path, row: str) -> None:
    """Append one row to data/claims.csv."""
    with (root / "data" / "claims.csv").open("a", encoding="utf-8", newline="") as f:
        f.write(row + "\n")


def test_the_shipped_inventory_is_sound() -> None:
    assert inventory.problems() == []


def test_validate_names_a_quote_changed_from_the_article(project: Path) -> None:
    rewrite(project / "data" / "claims.csv", HEADLINE, ALTERED)
    done = validate(project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "data/claims.csv, line 2, column 'quote': claim C00-01's quote is not in the article's text" in done.stderr
    assert f"the article says: {HEADLINE!r}"[:-1] in done.stderr  # the passage it should have quoted


def test_the_build_refuses_an_altered_quote_before_any_kernel_starts(project: Path, tmp_path: Path) -> None:
    rewrite(project / "data" / "claims.csv", HEADLINE, ALTERED)
    started = time.perf_counter()
    with pytest.raises(build.BuildError, match="C00-01's quote is not in the article's text"):
        build.build(["01"], output_root=tmp_path / "out", notebooks_dir=project / "notebooks")
    assert not (tmp_path / "out" / "executed").exists() and not (tmp_path / "out" / ".staging").exists()
    assert time.perf_counter() - started < 60  # no kernel: a kernel start alone is seconds, the whole run far more


def test_a_claim_no_notebook_checks_is_named_with_its_notebook_before_any_kernel(project: Path, tmp_path: Path) -> None:
    add_claim(
        project,
        "C03-99,S03-99,03,section 03,China Rare Earth Group,a reading,its reason,,1,direction,direction,x,0,absolute,"
        "article-frecine-2025-09-10,",
    )
    with pytest.raises(build.BuildError) as caught:
        build.build(["03"], output_root=tmp_path / "out", notebooks_dir=project / "notebooks")
    message = str(caught.value)
    assert "claim C03-99 ('China Rare Earth Group') is checked by no notebook: 03_prices should check it" in message
    assert "01_exports" not in message and not (tmp_path / "out" / "executed").exists()
    done = validate(project)
    assert done.returncode == 1 and "C03-99" in done.stderr


def test_an_unchecked_claim_blocks_only_the_builds_of_its_section(project: Path) -> None:
    add_claim(
        project,
        "C03-99,S03-99,03,section 03,China Rare Earth Group,a reading,its reason,,1,direction,direction,x,0,absolute,"
        "article-frecine-2025-09-10,",
    )
    assert any("C03-99" in p for p in inventory.problems(project, {"03"}))
    assert inventory.problems(project, {"01", "02"}) == []


def test_a_repeated_claim_id_is_reported_once(project: Path) -> None:
    lines = (project / "data" / "claims.csv").read_text(encoding="utf-8").splitlines()
    add_claim(project, lines[1])  # C00-01 again
    done = validate(project)
    assert done.returncode == 1
    about = [line for line in done.stderr.splitlines() if "C00-01" in line]
    assert about == [
        f"data/claims.csv, line {len(lines) + 1}, column 'claim_id': claim id C00-01 is used 2 times (lines 2, {len(lines) + 1})"
    ], done.stderr


def test_checked_by_follows_the_section_modules_a_notebook_imports(tmp_path: Path) -> None:
    sections = tmp_path / "sections"
    sections.mkdir()
    (sections / "a.py").write_text('from . import b\nIDS = ["C01-01"]\n')
    (sections / "b.py").write_text('from .c import f\nX = "C01-02"\n')
    (sections / "c.py").write_text('def f():\n    return "C01-03", "not-an-id"\n')
    (sections / "d.py").write_text('Y = "C01-04"\n')  # imported by nothing
    nb = tmp_path / "01_x.ipynb"
    nb.write_text(
        '{"cells": [{"cell_type": "code", "source": ["%matplotlib inline\\n", "from rare_earths.sections import a\\n", '
        '"claims.check(\\"C01-05\\", 1.0)"]}, {"cell_type": "markdown", "source": ["C01-06"]}]}'
    )
    assert inventory.checked_by(nb, sections) == {"C01-01", "C01-02", "C01-03", "C01-05"}


def test_the_docs_give_the_inventorys_counts() -> None:
    """docs/data.md states the number of claims and the count per section: they are the inventory's."""
    claims = inventory.read(paths.DATA_DIR / "claims.csv")
    text = " ".join((paths.PROJECT_ROOT / "docs" / "data.md").read_text(encoding="utf-8").split())
    assert f"({len(claims)} claims)" in text
    sections = sorted({c.section for c in claims})
    counts = [str(sum(c.section == s for c in claims)) for s in sections]
    assert f"({', '.join(counts[:-1])} and {counts[-1]} claims for sections {sections[0]}–{sections[-1]}" in text


def test_an_unreadable_notebook_is_named_once_not_each_of_its_claims(project: Path) -> None:
    path = project / "notebooks" / "03_prices.ipynb"
    path.write_text(path.read_text(encoding="utf-8")[:500], encoding="utf-8")
    found = inventory.problems(project)
    assert len(found) == 1 and "03_prices.ipynb: not a readable notebook (JSONDecodeError)" in found[0]


def test_claims_a_notebook_scores_from_a_table_it_reads_count_as_checked(tmp_path) -> None:
    """Notebook 08 scores the forecasts listed in data/forecasts.csv without naming them in code."""
    import json

    from rare_earths import inventory

    (tmp_path / "data").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data" / "forecasts.csv").write_text("claim_id,target\nC07-01,700000\n", encoding="utf-8")
    nb = {
        "cells": [{"cell_type": "code", "source": "x = 1\n", "metadata": {}, "outputs": []}],
        "metadata": {"rare_earths": {"inputs": ["data/forecasts.csv"]}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    reader = tmp_path / "notebooks" / "08_x.ipynb"
    reader.write_text(json.dumps(nb), encoding="utf-8")
    assert inventory.checked_by(reader) == {"C07-01"}
    nb["metadata"]["rare_earths"]["inputs"] = []
    reader.write_text(json.dumps(nb), encoding="utf-8")
    assert inventory.checked_by(reader) == set()  # a table it does not read checks nothing
