"""Full disks, read-only folders and files that cannot be replaced: the build stops in one line and keeps the last good
outputs; a notebook's files are promoted all together or not at all."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rare_earths import build, cli, outputs, paths
from rare_earths.build import store
from test_build import make_notebook, small_collection  # noqa: F401  (a fixture)


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of an outputs folder but the build's run facts (.build/)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".build" not in p.relative_to(out).parts
    }


def full_disk(path: Path) -> OSError:
    """The error a write on a full disk raises."""
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_promotion_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, staging = tmp_path / "out", tmp_path / "out" / ".staging" / "91_a"
    old = {"executed/91_a.ipynb": b"old nb", "html/91_a.html": b"old html", "tables/91_a.csv": b"old csv"}
    for rel, data in old.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    store.write_manifest(out, "91_a", {"files": sorted(old), "status": "built"})
    for rel in [*old, "figures/91_a.png"]:
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_bytes(b"new")
    real = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        if Path(target).name == "91_a.csv" and ".staging" not in Path(target).parts:
            raise full_disk(Path(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        store.promote(staging, out, "91_a")
    monkeypatch.setattr(os, "replace", real)
    kept = {rel: data for rel, data in snapshot(out).items() if not rel.startswith(".staging/")}  # the caller's to drop
    assert kept == {**old, ".manifests/91_a.json": (out / ".manifests" / "91_a.json").read_bytes()}
    assert not (out / "figures" / "91_a.png").exists()  # a new file of the torn run is taken back too


def _chattr(flag: str, path: Path) -> bool:
    """Set or clear the immutable attribute; False where the filesystem or the user cannot."""
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True) if shutil.which("chattr") else None
    return done is not None and done.returncode == 0


def test_an_output_that_cannot_be_replaced_leaves_every_file_of_the_last_good_run(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert [r.status for r in build.build(["92"], output_root=out, notebooks_dir=small_collection)] == ["ran"]
    before = snapshot(out)
    stuck = out / "tables" / "92_table.csv"  # promoted after executed/ and html/
    if not _chattr("+i", stuck):
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(build.StorageError, match=f"cannot write {stuck}: Operation not permitted; build stopped"):
            build.build(["92"], {"scale": "5"}, output_root=out, notebooks_dir=small_collection)
    finally:
        _chattr("-i", stuck)
    after = snapshot(out)
    assert [rel for rel in before if before[rel] != after.get(rel) and not rel.startswith(".manifests/")] == []
    assert not (out / "failed").exists()
    capsys.readouterr()
    assert [r.status for r in build.build(["92"], {"scale": "5"}, output_root=out, notebooks_dir=small_collection)] == [
        "ran"
    ]
    assert "outside the build" not in capsys.readouterr().out
    assert stuck.read_text() == "x\n5\n"


def test_a_record_that_cannot_be_written_stops_the_build_in_one_line(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    build.build(output_root=out, notebooks_dir=small_collection)
    before = snapshot(out)
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", small_collection)
    real = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        if Path(target).parent.name == ".manifests":
            raise full_disk(Path(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    capsys.readouterr()
    assert cli.main(["build", "--force", "-j", "1", "--output-dir", str(out)]) != 0
    printed = capsys.readouterr()
    assert printed.err.splitlines() == [
        f"error: cannot write {out / '.manifests' / '91_ok.json'}: No space left on device; build stopped, "
        "the last good outputs are kept"
    ], printed.err
    assert "[92_bad] started" not in printed.out  # nothing more was scheduled
    monkeypatch.setattr(os, "replace", real)
    assert json.loads((out / ".manifests" / "92_bad.json").read_text())["status"] == "built"
    assert snapshot(out)["tables/92_table.csv"] == before["tables/92_table.csv"]
    assert not (out / ".staging").exists()


def test_a_build_with_nothing_to_do_writes_nothing_and_succeeds_on_a_full_disk(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    build.build(output_root=out, notebooks_dir=small_collection)
    real_open = open

    def no_space(*args: object, **kwargs: object) -> None:
        raise full_disk(Path(str(args[-1] if args else "?")))

    def open_(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if any(m in mode for m in "wax+") and Path(str(file)).name != "lock":
            raise full_disk(Path(str(file)))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(outputs.tempfile, "mkstemp", no_space)
    monkeypatch.setattr("builtins.open", open_)
    results = build.build(output_root=out, notebooks_dir=small_collection)
    assert [r.status for r in results] == ["cached", "cached"]


DISK_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, os, subprocess, sys
    from pathlib import Path
    folder, disk = sys.argv[1], Path(sys.argv[2])
    out = disk / "out"
    runner = ("import sys; from pathlib import Path; from rare_earths import cli, paths; "
              "paths.NOTEBOOKS_DIR = Path(sys.argv[1]); sys.exit(cli.main(sys.argv[2:]))")
    def build(*args):
        done = subprocess.run([sys.executable, "-c", runner, folder, "build", "--output-dir", str(out), "-j", "1", *args],
                              capture_output=True, text=True)
        return {"rc": done.returncode, "out": done.stdout, "err": done.stderr}
    def hashes():
        return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(out.rglob("*")) if p.is_file() and ".build" not in p.parts}
    report = {"first": build()}
    report["before"] = hashes()
    report["full"] = build("--force", "-p", "fill", "8")
    report["after"] = hashes()
    report["failed_dir"] = (out / "failed").exists()
    report["settle"] = build("92")  # the index now shows 91 failed: what is left is a build with nothing to do
    try:
        with open(disk / "filler", "wb") as f:
            while True:
                f.write(b"0" * 65536)
                f.flush()
    except OSError:
        pass
    report["noop"] = build("92")
    print(json.dumps(report))
    """
)


def test_a_full_disk_stops_scheduling_keeps_the_last_good_outputs_and_no_failed_copy(tmp_path: Path) -> None:
    """A real full disk: a 4 MB tmpfs mounted in a user namespace (no root needed where user namespaces are allowed)."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("user namespaces (unshare -rm) are not available here")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    save = "from pathlib import Path\nfrom rare_earths import paths\nout = paths.output_dir(output_dir)\n(out / 'tables').mkdir(parents=True, exist_ok=True)"
    make_notebook(
        folder / "91_fill.ipynb",
        save + "\n\n(out / 'tables' / '91_fill.csv').write_text('x\\n1\\n')\n\n"
        "with open(out / 'big.bin', 'wb') as f:\n    f.write(b'0' * fill * 2**20)",
        'output_dir = ""\nfill = 0',
    )
    make_notebook(
        folder / "92_ok.ipynb", save + "\n\n(out / 'tables' / '92_ok.csv').write_text('y\\n2\\n')", 'output_dir = ""'
    )
    disk = tmp_path / "disk"
    disk.mkdir()
    script = tmp_path / "disk_script.py"
    script.write_text(DISK_SCRIPT)
    command = f"mount -t tmpfs -o size=4m tmpfs '{disk}' && exec '{sys.executable}' '{script}' '{folder}' '{disk}'"
    done = subprocess.run(["unshare", "-rm", "sh", "-c", command], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["first"]["rc"] == 0, report["first"]
    full = report["full"]
    assert full["rc"] != 0, full
    errors = [line for line in full["err"].splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "91_fill" in errors[0], full["err"]
    assert "the last good outputs are kept" in errors[0] and "Traceback" not in full["err"], full["err"]
    assert "[92_ok] started" not in full["out"], full["out"]  # nothing more was scheduled
    changed = [rel for rel in report["before"] if report["before"][rel] != report["after"].get(rel)]
    assert [rel for rel in changed if not rel.startswith(".manifests/")] == [], changed
    assert not report["failed_dir"]  # no failed/ copy to take the last free space
    assert report["settle"]["rc"] == 0, report["settle"]
    assert report["noop"] == {"rc": 0, "out": report["noop"]["out"], "err": ""}, report["noop"]  # on the full disk


def test_a_read_only_output_folder_ends_the_build_in_one_line_and_a_build_with_nothing_to_do_succeeds(
    small_collection: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real read-only folder: a read-only bind mount in a user namespace (root ignores file modes)."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("user namespaces (unshare -rm) are not available here")
    out = tmp_path / "outputs"  # the project's own outputs/, its records in .build/ beside it, writable
    # the reports' navigation names the sections of paths.NOTEBOOKS_DIR: the same folder as the runs below
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", small_collection)
    build.build(["91"], output_root=out, notebooks_dir=small_collection)
    before = snapshot(out)
    runner = (
        "import sys; from pathlib import Path; from rare_earths import cli, paths; "
        f"paths.NOTEBOOKS_DIR = Path(r'{small_collection}'); sys.exit(cli.main(sys.argv[1:]))"
    )
    build_cmd = f"'{sys.executable}' -c \"{runner}\" build 91 --output-dir '{out}'"
    script = (
        f"mount --bind '{out}' '{out}' && mount -o remount,bind,ro '{out}' && "
        f"{build_cmd}; echo noop=$?; {build_cmd} --force; echo forced=$?"
    )
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    assert "noop=0" in done.stdout and "forced=2" in done.stdout, (done.stdout, done.stderr)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: 91_ok.ipynb: cannot write {out / '.staging'}: Read-only file system; build stopped, "
        "the last good outputs are kept"
    ], done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(out) == before
