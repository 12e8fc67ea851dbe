"""The build's own files under damage: unreadable records, leftovers, folders it did not make, the lock, failed/."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rare_earths import build, cli, outputs, paths
from rare_earths.build import store
from test_build import small_collection  # noqa: F401  (a fixture)


def run(folder: Path, out: Path, *wanted: str, **kwargs) -> dict[str, str]:
    """Build some notebooks of a collection into `out`; each notebook's status."""
    return {r.notebook: r.status for r in build.build(list(wanted), output_root=out, notebooks_dir=folder, **kwargs)}


def test_a_truncated_or_empty_manifest_is_named_treated_as_missing_and_its_notebook_reruns(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert run(small_collection, out) == {"91_ok": "ran", "92_bad": "ran"}
    first, second = out / ".manifests" / "91_ok.json", out / ".manifests" / "92_bad.json"
    first.write_bytes(first.read_bytes()[:40])  # a power loss mid-write
    second.write_bytes(b"")
    capsys.readouterr()
    assert run(small_collection, out, "92", force=True) == {"92_bad": "ran"}  # other notebooks and --force still build
    printed = capsys.readouterr()
    lines = [line for line in (printed.out + printed.err).splitlines() if "91_ok.json" in line]
    assert len(lines) == 1 and "damaged" in lines[0] and "re-run" in lines[0], printed
    assert run(small_collection, out) == {"91_ok": "ran", "92_bad": "cached"}
    assert json.loads(first.read_text())["status"] == "built"


def test_timings_of_the_wrong_shape_are_named_and_start_afresh(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    run(small_collection, out, "91")
    timings = paths.state_dir(out, small_collection.parent) / "timings.json"
    for damage in ("[1, 2, 3]", '{"91_ok": 5}', "{"):
        timings.write_text(damage)
        capsys.readouterr()
        assert run(small_collection, out, "91") == {"91_ok": "cached"}
        printed = capsys.readouterr()
        assert "timings.json" in printed.err and "damaged" in printed.err, (damage, printed)
        assert json.loads(timings.read_text())["91_ok"]["last"] == "cached"


def test_records_are_flushed_to_the_disk_before_they_replace_the_old_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(f"replace {Path(b).name}"), real_replace(a, b))[1])
    outputs.write_text("{}\n", tmp_path / "91.json")
    assert events[:2] == ["fsync", "replace 91.json"], events
    assert (tmp_path / "91.json").read_text() == "{}\n"


def test_a_folder_with_files_the_build_did_not_make_is_refused_as_an_output_folder_unless_named_new(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "sub" / ".draft.tmp").write_text("my draft")
    (mine / "index.html").write_text("my page")
    with pytest.raises(build.BuildError, match=f"{mine}.*not a build output folder.*--new-output-dir"):
        run(small_collection, mine, "91")
    assert (mine / "index.html").read_text() == "my page" and (mine / "sub" / ".draft.tmp").exists()
    assert sorted(p.name for p in mine.iterdir()) == ["index.html", "sub"]
    assert run(small_collection, mine, "91", new_output_dir=True) == {"91_ok": "ran"}
    assert (mine / "sub" / ".draft.tmp").read_text() == "my draft"  # recovery never touches it
    assert run(small_collection, mine, "91") == {"91_ok": "cached"}  # now it is one: it has the marker
    assert (mine / "sub" / ".draft.tmp").read_text() == "my draft"


def test_cli_refuses_a_folder_the_build_did_not_make_in_one_line(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", small_collection)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert cli.main(["build", "91", "--output-dir", str(mine)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a build output folder" in err
    assert cli.main(["build", "91", "--output-dir", str(mine), "--new-output-dir"]) == 0
    assert (mine / "notes.txt").read_text() == "mine" and (mine / "index.html").exists()


def test_recovery_removes_only_the_builds_own_leftovers_inside_its_staging_folder(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    run(small_collection, out, "91")
    theirs = [out / "tables" / ".notes.tmp", out / ".user.tmp"]
    for path in theirs:
        path.write_text("not the build's")
    ours = [out / ".staging" / "91_ok" / "tables" / "half.csv", out / ".staging" / ".manifests.91_ok.json.x1.tmp"]
    for path in ours:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half")
    assert run(small_collection, out, "91") == {"91_ok": "cached"}
    assert not (out / ".staging").exists()
    assert all(p.read_text() == "not the build's" for p in theirs)


def test_the_builds_temporary_files_live_in_its_staging_folder(tmp_path: Path) -> None:
    seen: list[str] = []
    target = tmp_path / "out" / "tables" / "claims.csv"
    with outputs.temporary_files_in(tmp_path / "out" / ".staging"):
        with outputs.atomic_path(target) as tmp:
            seen.append(str(tmp))
            tmp.write_text("x")
    assert Path(seen[0]).parent == tmp_path / "out" / ".staging" and target.read_text() == "x"


def test_build_records_sit_beside_outputs_only_in_the_project(small_collection: Path, tmp_path: Path) -> None:  # noqa: F811
    """The collection's project here is tmp_path: outputs in it keep .build/ beside; elsewhere .build/ goes inside."""
    assert paths.state_dir(paths.PROJECT_ROOT / "outputs") == paths.PROJECT_ROOT / ".build"
    other = paths.PROJECT_ROOT / "outputs-draft"  # a second output folder in the project: records of its own
    assert paths.state_dir(other) == other / ".build" != paths.state_dir(paths.PROJECT_ROOT / "outputs")
    away = tmp_path / "away" / "out"
    assert paths.state_dir(away, tmp_path) == away / ".build"
    run(small_collection, away, "91")
    assert not (tmp_path / "away" / ".build").exists()
    assert (away / ".build" / "timings.json").exists()
    run(small_collection, tmp_path / "outputs", "91")
    assert (tmp_path / ".build" / "timings.json").exists() and not (tmp_path / "outputs" / ".build").exists()


def test_the_lock_message_names_the_output_folder(small_collection: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "out"
    out.mkdir()
    with store.locked(paths.state_dir(out, small_collection.parent), out):
        with pytest.raises(build.BuildError, match=f"another build is writing to {out}"):
            run(small_collection, out, "91")


def test_a_stale_failed_copy_is_removed_once_its_notebook_is_built(small_collection: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "out"
    run(small_collection, out, "91")
    (out / "failed" / "91_ok").mkdir(parents=True)  # a failure whose record a killed build never wrote
    (out / "failed" / "91_ok" / "x.txt").write_text("old")
    assert run(small_collection, out, "91") == {"91_ok": "cached"}
    assert not (out / "failed").exists()


class Writes(io.StringIO):
    """A stdout that remembers each write call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return super().write(text)


def test_each_progress_line_is_written_whole(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One write per line: with PYTHONUNBUFFERED each write is a system call, and two processes' lines must not mix."""
    from rare_earths.build import execute, plan

    out = tmp_path / "out"
    (ok,) = plan.make_plans(
        [small_collection / "91_ok.ipynb"],
        [small_collection / "91_ok.ipynb"],
        {small_collection / "91_ok.ipynb": {}},
        tmp_path,
    )
    stdout = Writes()
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setenv("RARE_EARTHS_OUTPUTS", str(out))
    execute.run_one(ok, out, {})  # the worker's line, in this process
    run(small_collection, tmp_path / "built", "91")  # the driver's lines
    lines = [c for c in stdout.calls if c.strip()]
    assert lines and all(c.endswith("\n") and c.count("\n") == 1 for c in lines), stdout.calls
    assert any(c.startswith("[91_ok] started") for c in lines)


def test_a_folder_holding_only_what_an_interrupted_build_left_is_the_builds(tmp_path: Path) -> None:
    """A staging folder and records folder (a sweep's scenario cut short) are the build's own: not someone's files."""

    out = tmp_path / "out"
    (out / ".staging" / "07_outlook").mkdir(parents=True)
    store.claim_output_root(out, tmp_path)
    assert (out / store.MARKER).is_file()
    other = tmp_path / "other"
    (other / ".staging").mkdir(parents=True)
    (other / "notes.txt").write_text("mine")
    with pytest.raises(build.BuildError, match="notes.txt"):
        store.claim_output_root(other, tmp_path)
