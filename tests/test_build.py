"""The build: parameters checked before any kernel starts; failures named, quarantined, and harmless."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from rare_earths import build, cli, paths
from rare_earths.build import worker


def make_notebook(path: Path, body: str, params: str) -> None:
    """Write a small notebook: a parameters cell, then one code cell per blank-line-separated block."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {path.stem}", id="title"))
    cell = nbformat.v4.new_code_cell(params, id="parameters")
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    for i, block in enumerate(body.strip().split("\n\n")):
        nb.cells.append(nbformat.v4.new_code_cell(block, id=f"c{i}"))
    nbformat.write(nb, path)


@pytest.fixture
def small_collection(tmp_path: Path) -> Path:
    """Two notebooks numbered outside the article's sections: one always fine, one that fails on demand."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    save = "import pandas as pd\nfrom rare_earths import outputs, paths\nout = paths.output_dir(output_dir)"
    make_notebook(
        folder / "91_ok.ipynb",
        save + "\n\noutputs.save_table(pd.DataFrame({'x': [1]}), '91_table', out)",
        'output_dir = ""',
    )
    make_notebook(
        folder / "92_bad.ipynb",
        save + "\n\noutputs.save_table(pd.DataFrame({'x': [scale]}), '92_table', out)\n\nif fail:\n    1 / 0",
        'output_dir = ""\nfail = False\nscale = 1',
    )
    return folder


def test_select_by_number_name_or_file() -> None:
    available = build.discover()
    assert (
        build.select(available, ["01"])
        == build.select(available, ["01_exports.ipynb"])
        == [paths.NOTEBOOKS_DIR / "01_exports.ipynb"]
    )
    with pytest.raises(build.BuildError, match="unknown notebook '99'"):
        build.select(available, ["99"])


def test_parameters_take_their_type_from_the_defaults(small_collection: Path) -> None:
    assert build.declared_parameters(small_collection / "92_bad.ipynb") == {
        "output_dir": "str",
        "fail": "bool",
        "scale": "int",
    }
    typed = build.resolve_parameters([small_collection / "92_bad.ipynb"], {"fail": "true", "scale": "3"})
    assert typed[small_collection / "92_bad.ipynb"] == {"fail": True, "scale": 3}


def test_unknown_parameter_is_an_error_before_any_kernel_starts(tmp_path: Path) -> None:
    with pytest.raises(build.BuildError, match="unknown parameter 'sede'.*01_exports"):
        build.build(["01"], {"sede": "3"}, output_root=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_wrong_type_is_an_error_naming_notebook_and_parameter(small_collection: Path, tmp_path: Path) -> None:
    with pytest.raises(build.BuildError, match="92_bad: parameter 'scale' expects int, got 'three'"):
        build.build(["92"], {"scale": "three"}, output_root=tmp_path / "out", notebooks_dir=small_collection)


def test_cli_reports_parameter_errors_with_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["build", "01", "-p", "sede", "3"]) == 2
    assert "unknown parameter 'sede'" in capsys.readouterr().err


def test_failing_cell_keeps_good_outputs_and_the_partial_run(
    small_collection: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    first = build.build(output_root=out, notebooks_dir=small_collection)
    assert [r.status for r in first] == ["ran", "ran"]
    good = (out / "tables" / "92_table.csv").read_text()
    assert good == "x\n1\n"

    second = build.build(["92"], {"fail": "true", "scale": "5"}, output_root=out, notebooks_dir=small_collection)
    (result,) = second
    assert result.status == "failed"
    assert result.message == "92_bad.ipynb: code cell 4 (id 'c2') raised ZeroDivisionError: division by zero"
    assert "FAILED 92_bad.ipynb: code cell 4" in capsys.readouterr().err
    # the last good outputs are untouched; the failed run is kept for inspection
    assert (out / "tables" / "92_table.csv").read_text() == good
    assert (out / "html" / "92_bad.html").exists()
    failed = out / "failed" / "92_bad"
    assert (failed / "executed" / "92_bad.ipynb").exists() and (failed / "html" / "92_bad.full.html").exists()
    assert "ZeroDivisionError" in (failed / "html" / "92_bad.full.html").read_text()
    assert (failed / "tables" / "92_table.csv").read_text() == "x\n5\n"
    index = (out / "index.html").read_text()
    assert '<span class="status-failed">failed</span>' in index and 'href="failed/92_bad/"' in index

    third = build.build(["92"], output_root=out, notebooks_dir=small_collection)
    assert third[0].status == "ran" and not failed.exists()
    assert not (out / "failed").exists()  # an empty failed/ is removed too


def test_cli_exit_status_is_non_zero_when_a_notebook_fails(
    small_collection: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", small_collection)
    assert cli.main(["build", "92", "-p", "fail", "true", "--output-dir", str(tmp_path / "out")]) == 1


def test_kernels_are_this_interpreter_over_private_ipc_sockets() -> None:
    import sys

    manager = worker.kernel_manager_class()(kernel_name=build.KERNEL_NAME)
    assert manager.kernel_spec.argv[0] == sys.executable
    assert manager.transport == "ipc"
    other = worker.kernel_manager_class()(kernel_name=build.KERNEL_NAME)
    assert Path(manager.ip).parent != Path(other.ip).parent  # no shared socket folder between parallel kernels
    for m in (manager, other):
        Path(m.ip).parent.rmdir()


def _set_metadata(path: Path, **values: object) -> None:
    """Set keys of a notebook's rare_earths metadata."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.setdefault("rare_earths", {}).update(values)
    nbformat.write(nb, path)


def test_a_hung_cell_fails_after_the_time_limit_naming_notebook_cell_and_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    make_notebook(
        folder / "91_hangs.ipynb", "x = 1\nprint('before')\n\nimport time\ntime.sleep(600)\n\ny = 2", 'output_dir = ""'
    )
    out = tmp_path / "out"
    (result,) = build.build(output_root=out, notebooks_dir=folder, timeout=2)
    assert result.status == "failed"
    assert result.message == (
        "91_hangs.ipynb: code cell 3 (id 'c1') was stopped after the per-cell time limit of 2 s "
        "(raise it with --timeout or the notebook's metadata rare_earths.timeout)"
    )
    partial = nbformat.read(out / "failed" / "91_hangs" / "executed" / "91_hangs.ipynb", as_version=4)
    ran = {c.id: c for c in partial.cells if c.cell_type == "code"}
    assert "before" in ran["c0"].outputs[0]["text"] and ran["c2"].execution_count is None  # the partial run is kept
    assert (out / "failed" / "91_hangs" / "html" / "91_hangs.full.html").exists()

    _set_metadata(folder / "91_hangs.ipynb", timeout=1)  # the notebook's own limit, when --timeout is not given
    (result,) = build.build(output_root=out, notebooks_dir=folder)
    assert "per-cell time limit of 1 s" in result.message


def test_the_cell_time_limit_comes_from_timeout_then_metadata_then_the_default(
    small_collection: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notebook = small_collection / "91_ok.ipynb"
    assert build.cell_timeout(notebook) == build.CELL_TIMEOUT == 300
    _set_metadata(notebook, timeout=45)
    assert build.cell_timeout(notebook) == 45 and build.cell_timeout(notebook, 7) == 7
    _set_metadata(notebook, timeout="soon")
    with pytest.raises(build.BuildError, match="91_ok.ipynb: metadata rare_earths.timeout must be a whole number"):
        build.cell_timeout(notebook)
    with pytest.raises(build.BuildError, match="--timeout must be a whole number of seconds > 0"):
        build.cell_timeout(notebook, 0)
    # a plain papermill run is told the same number by the params command
    assert cli.main(["params", "01"]) == 0
    assert (
        f"each cell may run {build.CELL_TIMEOUT} s; a papermill run takes it as --execution-timeout {build.CELL_TIMEOUT}"
        in capsys.readouterr().out
    )
