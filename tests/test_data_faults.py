"""Data faults that used to pass silently, each reported with file, line and column; the build stops before any kernel."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import rewrite
from rare_earths import build, data, paths
from rare_earths.schema import validate_package


def problems(data_dir: Path) -> list[str]:
    return [str(p) for p in validate_package(data_dir)]


def test_the_shipped_package_is_valid_and_every_file_has_a_primary_key() -> None:
    assert problems(paths.DATA_DIR) == []
    assert all(r["schema"].get("primaryKey") for r in data.read_descriptor()["resources"])


def test_a_share_above_100_percent_is_refused_by_the_real_descriptor(data_copy: Path) -> None:
    """The README's promise ('share above 1', i.e. above the whole): a 192% stage share."""
    rewrite(data_copy / "stage_shares.csv", ",92,", ",192,")
    assert any(
        "stage_shares.csv, line" in p and "column 'value': 192.0 is above the maximum 100" in p
        for p in problems(data_copy)
    )


@pytest.mark.parametrize("name", ["defense_content", "country_responses", "outlook_assumptions", "stage_shares"])
def test_a_negative_quantity_is_refused(data_copy: Path, name: str) -> None:
    lines = (data_copy / f"{name}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    i = header.index("value")
    import csv
    import io

    rows = list(csv.reader(io.StringIO("".join(lines))))
    row = next(n for n, r in enumerate(rows) if n and r[i])
    rows[row][i] = "-" + rows[row][i]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (data_copy / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8")
    assert any(
        f"{name}.csv, line {row + 1}, column 'value'" in p and "below the minimum 0" in p for p in problems(data_copy)
    )


def test_a_unit_that_disagrees_with_the_printed_unit_or_the_measure_is_refused(data_copy: Path) -> None:
    rewrite(data_copy / "defense_content.csv", ",lb,", ",kg,")  # the row still says 'pounds per aircraft'
    found = problems(data_copy)
    assert any(
        "defense_content.csv, line 2, column 'unit': unit 'kg' disagrees with unit_as_printed 'pounds per aircraft'"
        in p
        for p in found
    )
    rewrite(data_copy / "defense_content.csv", ",kg,", ",percent,")
    assert any("unit 'percent' does not match measure 'rare_earth_content'" in p for p in problems(data_copy))


def test_an_empty_dataset_is_an_error_naming_the_file(data_copy: Path) -> None:
    path = data_copy / "china_quotas.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    assert any(
        p.startswith("china_quotas.csv") or "data/china_quotas.csv" in p for p in problems(data_copy) if "no rows" in p
    )


def test_duplicate_rows_and_keys_with_surrounding_spaces_are_refused(data_copy: Path) -> None:
    path = data_copy / "defense_content.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]), encoding="utf-8")
    assert any("duplicate key" in p and f"line {len(lines) + 1}" in p for p in problems(data_copy))
    path.write_text(
        "".join(lines + [lines[1].replace("F-35 Lightning II,", "F-35 Lightning II ,", 1)]), encoding="utf-8"
    )
    assert any("'F-35 Lightning II ' has surrounding spaces; remove them" in p for p in problems(data_copy))


def test_a_bom_is_named_with_how_to_remove_it(data_copy: Path) -> None:
    path = data_copy / "prices.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (p,) = [p for p in problems(data_copy) if "prices.csv" in p and "sources" not in p.split(":")[0]]
    assert "line 1: the file starts with a UTF-8 byte-order mark (BOM)" in p and "sed -i" in p


def test_a_non_utf8_byte_is_reported_with_its_line_and_sources_gives_the_root_cause(data_copy: Path) -> None:
    path = data_copy / "sources.csv"
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b"e", b"\xe9", 1)
    path.write_bytes(b"\n".join(lines))
    found = problems(data_copy)
    assert any(
        p.startswith("data/sources.csv, line 5: byte 0xe9 is not UTF-8")
        or "sources.csv, line 5: byte 0xe9 is not UTF-8" in p
        for p in found
    )
    assert not [p for p in found if "is not a source_id" in p]  # no flood of consequences
    assert any("cannot check source_id against sources.csv: byte 0xe9" in p for p in found)


def _project(tmp_path: Path) -> Path:
    """A copy of the project's notebooks and data (lib stays the installed one)."""
    root = tmp_path / "project"
    shutil.copytree(paths.DATA_DIR, root / "data")
    shutil.copytree(paths.NOTEBOOKS_DIR, root / "notebooks")
    return root


def test_a_deleted_descriptor_stops_the_build_before_any_kernel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    monkeypatch.setattr(paths, "PROJECT_ROOT", root)  # this copy is the project: its data/ must have a descriptor
    (root / "data" / "datapackage.json").unlink()
    with pytest.raises(
        build.BuildError,
        match=r"data/ is not valid; no notebook was run \(1 problem\(s\)\):\n  .*datapackage.json: cannot read descriptor",
    ):
        build.build(output_root=tmp_path / "out", notebooks_dir=root / "notebooks")
    assert "started" not in capsys.readouterr().out
    assert not (tmp_path / "out" / ".staging").exists()


def test_a_data_fault_marks_built_notebooks_as_not_current(tmp_path: Path) -> None:
    root = _project(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".manifests").mkdir()
    (out / ".manifests" / "04_refining_share.json").write_text(
        json.dumps({"status": "built", "key": "old", "files": []})
    )
    rewrite(root / "data" / "stage_shares.csv", ",92,", ",192,")
    with pytest.raises(build.BuildError, match="stage_shares.csv, line .*above the maximum 100"):
        build.build(["04"], output_root=out, notebooks_dir=root / "notebooks")
    assert json.loads((out / ".manifests" / "04_refining_share.json").read_text())["status"] == "failed"


def test_a_truncated_notebook_is_an_error_naming_it(tmp_path: Path) -> None:
    root = _project(tmp_path)
    path = root / "notebooks" / "03_prices.ipynb"
    path.write_text(path.read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(build.BuildError, match="03_prices.ipynb: not a readable notebook"):
        build.build(output_root=tmp_path / "out", notebooks_dir=root / "notebooks")


@pytest.mark.parametrize("inside", ["data", "notebooks", "lib", "lib/rare_earths", "."])
def test_an_output_dir_among_the_sources_is_refused(inside: str) -> None:
    with pytest.raises(build.BuildError, match="--output-dir"):
        build.build(["01"], output_root=paths.PROJECT_ROOT / inside)


def test_after_a_data_fault_the_index_shows_no_notebook_as_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad byte in sources.csv (which the ledger and sources pages read) after a good build: every section reads it,
    none ran, so the index, rewritten from the build's records, shows each as failed, none as built."""
    root = _project(tmp_path)
    monkeypatch.setenv("RARE_EARTHS_ROOT", str(root))  # the kernels read this copy's data/ too
    for name, value in (
        ("PROJECT_ROOT", root),
        ("DATA_DIR", root / "data"),
        ("DATAPACKAGE", root / "data" / "datapackage.json"),
    ):
        monkeypatch.setattr(paths, name, value)
    out = tmp_path / "out"
    assert all(r.status == "ran" for r in build.build(["01", "02"], output_root=out, notebooks_dir=root / "notebooks"))
    assert '<span class="status-built">built</span>' in (out / "index.html").read_text(encoding="utf-8")
    sources = root / "data" / "sources.csv"
    sources.write_bytes(sources.read_bytes().replace(b"Reuters", b"Reut\xe9rs", 1))
    with pytest.raises(build.BuildError, match=r"sources.csv, line \d+"):
        build.build(["01", "02"], output_root=out, notebooks_dir=root / "notebooks")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<span class="status-built">built</span>' not in index
    assert index.count('<span class="status-failed">failed</span>') == 2 and "data/ is not valid" in index
    assert "index refreshed from the build's records only" in capsys.readouterr().err
