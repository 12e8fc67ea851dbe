"""The notebooks: committed clean, parameterised, thin; built, they write what they should."""

from __future__ import annotations

import ast
import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from rare_earths import build, claims, params, paths

NOTEBOOKS = build.discover()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_and_thin(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "stored outputs"
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for cell in code:
        defined = [
            n for n in ast.walk(ast.parse(cell.source)) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))
        ]
        assert not defined, f"logic belongs in lib/: {cell.id}"
        assert "sys.path" not in cell.source and "../" not in cell.source, cell.id
    assert nb.metadata["kernelspec"]["name"] == build.KERNEL_NAME


def test_build_writes_reports_figures_tables_and_index(built) -> None:
    root, results = built
    assert {r.notebook: r.status for r in results} == {p.stem: "ran" for p in NOTEBOOKS}
    for p in NOTEBOOKS:
        assert (root / "executed" / f"{p.stem}.ipynb").exists()
        reader = (root / "html" / f"{p.stem}.html").read_text(encoding="utf-8")
        full = (root / "html" / f"{p.stem}.full.html").read_text(encoding="utf-8")
        assert full.count('class="highlight hl-ipython3"') >= 5 and 'class="highlight hl-ipython3"' not in reader
        assert (
            'class="re-table"' in reader and 'class="re-references"' in reader
        )  # outputs kept (formatted tables, references), only code hidden
        assert 'id="key-finding"' in reader and re.search(r'rel="[^"]*\bprev\b', reader) and 'rel="next"' in reader
        assert "<img" in reader, f"{p.stem}: no figure in the reader report"
    report = (root / "html" / "01_exports.html").read_text(encoding="utf-8")
    assert "be checked: no source other than the article" in report and 'href="../methodology.html"' in report
    index = (root / "index.html").read_text(encoding="utf-8")
    assert 'href="html/01_exports.html"' in index and 'href="tables/claims.csv"' in index
    for name in ("01_exports_volume", "01_magnet_exports"):
        assert (root / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (root / "figures" / f"{name}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_section_01_tables_hold_the_sourced_figures(built) -> None:
    root, _ = built
    volume = {r["month"]: r for r in csv.DictReader(open(root / "tables" / "01_exports_monthly_volume.csv"))}
    assert float(volume["2025-08"]["value"]) == 5792 and float(volume["2025-08"]["mom_pct"]) == pytest.approx(
        -3.375, abs=1e-3
    )
    assert volume["2025-03"]["mom_pct"] == ""  # Jan and Feb are only reported together: no m/m for March
    annual = {r["year"]: r for r in csv.DictReader(open(root / "tables" / "01_exports_annual_totals.csv"))}
    assert (
        float(annual["2025"]["reported_annual_total_t"]) == 62585 and annual["2024"]["sum_of_reported_months_t"] == ""
    )
    unit_values = list(csv.DictReader(open(root / "tables" / "01_exports_unit_values.csv")))
    assert {r["period"] for r in unit_values} >= {"2024-01..2024-12", "2025-01..2025-09"}


def test_claims_ledger_covers_every_inventoried_claim_with_a_computed_verdict(built) -> None:
    root, _ = built
    ledger = list(csv.DictReader(open(root / "tables" / "claims.csv")))
    assert sorted(r["claim_id"] for r in ledger) == sorted(claims.inventory()["claim_id"])
    verdicts = {r["claim_id"]: r["verdict"] for r in ledger}
    assert verdicts["C01-01"] == "accurate"  # -3.4% m/m matches customs volume
    assert verdicts["C01-03"] == "can't be checked"  # no sourced monthly value
    assert verdicts["C00-07"] == "wrong"  # Europe Dy 'tripled' (about +204% on Argus midpoints), not +300%
    assert verdicts["C00-09"] == verdicts["C00-10"] == "accurate"  # Tb $965 -> $3,000: Argus range midpoints
    assert verdicts["C02-01"] == "accurate"  # MOFCOM/GAC No. 18, 4 April 2025
    assert verdicts["C02-06"] == "wrong"  # export quotas ended in 2015
    notebooks = {r["claim_id"]: r["notebook"] for r in ledger}
    sections = claims.inventory()["section"].to_dict()
    assert all(notebooks[c].startswith(sections[c] + "_") for c in notebooks)  # each checked by its own section
    assert all(r["reason"] and r["main_reading"] for r in ledger)
    statements = list(csv.DictReader(open(root / "tables" / "statements.csv")))
    assert sorted(i for r in statements for i in r["claim_ids"].split(";")) == sorted(verdicts)
    assert (root / "methodology.html").exists()


def test_a_notebook_runs_with_the_plain_papermill_command(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "papermill",
        "--no-progress-bar",
        str(paths.NOTEBOOKS_DIR / "01_exports.ipynb"),
        str(tmp_path / "run.ipynb"),
        "-p",
        "output_dir",
        str(out),
        "-p",
        "start_month",
        "2025-06",
        "-p",
        "end_month",
        "2025-09",
    ]
    subprocess.run(cmd, check=True, cwd=paths.NOTEBOOKS_DIR, capture_output=True)
    months = [r["month"] for r in csv.DictReader(open(out / "tables" / "01_exports_monthly_volume.csv"))]
    assert months == ["2025-06", "2025-07", "2025-08", "2025-09"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_runs_top_to_bottom_as_in_jupyterlab(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Run All' in JupyterLab: the default python3 kernel, the notebook's own folder as working directory, defaults only.

    RARE_EARTHS_OUTPUTS points the outputs folder at a temporary one; the run writes into its scratch folder, not the build's.
    """
    from nbclient import NotebookClient

    monkeypatch.setenv("RARE_EARTHS_OUTPUTS", str(tmp_path))
    monkeypatch.delenv(params.BUILD_ENV, raising=False)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]
    assert any((tmp_path / "scratch" / path.stem / "tables").glob(f"{path.stem[:2]}_*.csv")), (
        "nothing written to the scratch folder"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scratch"], (
        "a run outside the build wrote into the build's outputs"
    )
    first = next(o for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert first["text"].startswith(f"{path.stem}: run outside the build; figures and tables go to ")


def _outside(tmp_path: Path) -> dict[str, str]:
    """The environment of a user's shell: outputs folder pointed at a temporary one, not inside a build."""
    env = {k: v for k, v in os.environ.items() if k != params.BUILD_ENV}
    return {**env, "RARE_EARTHS_OUTPUTS": str(tmp_path / "outputs")}


def test_papermill_without_output_dir_leaves_the_builds_outputs_alone(tmp_path: Path) -> None:
    """`papermill 03_prices.ipynb out.ipynb -p max_days_apart 7` used to rewrite outputs/tables/03_europe_china_ratios.csv."""
    cmd = [
        sys.executable,
        "-m",
        "papermill",
        "--no-progress-bar",
        "03_prices.ipynb",
        str(tmp_path / "run.ipynb"),
        "-p",
        "max_days_apart",
        "7",
    ]
    subprocess.run(cmd, check=True, cwd=paths.NOTEBOOKS_DIR, capture_output=True, env=_outside(tmp_path))
    outputs = tmp_path / "outputs"
    assert sorted(p.name for p in outputs.iterdir()) == ["scratch"]
    assert (outputs / "scratch" / "03_prices" / "tables" / "03_europe_china_ratios.csv").exists()
    nb = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    first = next(o for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert first["text"].startswith("03_prices: run outside the build; figures and tables go to ")


def test_nbconvert_execute_leaves_the_builds_outputs_alone(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "04_refining_share.ipynb",
        "--output-dir",
        str(tmp_path),
    ]
    subprocess.run(cmd, check=True, cwd=paths.NOTEBOOKS_DIR, capture_output=True, env=_outside(tmp_path))
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["scratch"]
    assert list((tmp_path / "outputs" / "scratch" / "04_refining_share" / "tables").glob("04_*.csv"))


@pytest.mark.parametrize(
    "given, message",
    [
        (["-p", "max_day_apart", "7"], "unknown parameter 'max_day_apart'; did you mean 'max_days_apart'?"),
        (["-p", "max_days_apart", "seven"], "parameter 'max_days_apart' expects int, got 'seven'"),
        (["-p", "window_end", "2025-03-01"], "parameter 'window_end' = '2025-03-01' must be not before window_start"),
    ],
)
def test_papermill_refuses_a_misspelled_ill_typed_or_meaningless_parameter(
    given: list[str], message: str, tmp_path: Path
) -> None:
    """papermill only warns about an unknown name and would run on defaults; the notebook's first code cell refuses it."""
    cmd = [
        sys.executable,
        "-m",
        "papermill",
        "--no-progress-bar",
        "03_prices.ipynb",
        str(tmp_path / "run.ipynb"),
        *given,
    ]
    run = subprocess.run(cmd, cwd=paths.NOTEBOOKS_DIR, capture_output=True, text=True, env=_outside(tmp_path))
    assert run.returncode != 0
    assert f"ParameterError: 03_prices: {message}" in run.stderr
    assert not (tmp_path / "outputs" / "scratch" / "03_prices" / "tables").exists()


def test_building_one_notebook_keeps_the_shared_pages_whole(tmp_path: Path) -> None:
    """`build 01` alone: sources.html still lists every dataset and the sections that read it, not only 01's."""
    build.build(["01"], output_root=tmp_path)
    page = (tmp_path / "sources.html").read_text(encoding="utf-8")
    for dataset in ("country_responses", "defense_content", "outlook_assumptions", "stage_shares"):
        assert dataset in page, dataset
    spans = re.findall(r'<span class="re-sections">(.*?)</span>', page, flags=re.S)
    named = {n for span in spans for n in re.findall(r"\b(\d\d)\b", re.sub(r"<[^>]+>", " ", span))}
    assert {"05", "06", "07"} <= named, named  # sections not built are named, not linked
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(p.stem in index for p in NOTEBOOKS)
