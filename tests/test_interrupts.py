"""Interrupting a real build (SIGINT, SIGTERM) and a kernel that dies: what is kept, what is cleaned up, what is said."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rare_earths import build
from test_build import make_notebook
from test_incremental import declare

RUNNER = "import sys; from pathlib import Path; from rare_earths import cli, paths; paths.NOTEBOOKS_DIR = Path(sys.argv[1]); sys.exit(cli.main(['build', '--output-dir', sys.argv[2], '-j', '2']))"
SAVE = "from pathlib import Path\nfrom rare_earths import paths\ntables = paths.tables_dir(paths.output_dir(output_dir))\ntables.mkdir(parents=True, exist_ok=True)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_build_stops_promptly_keeps_what_was_recorded_and_leaves_nothing_behind(
    tmp_path: Path, signum: int
) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    marker = tmp_path / "kernel.pid"
    make_notebook(
        folder / "91_fast.ipynb", SAVE + "\n\n(tables / '91_fast.csv').write_text('x\\n1\\n')", 'output_dir = ""'
    )
    slow = f"import os, time\n(tables / '92_slow.csv').write_text('half')\nPath(r'{marker}').write_text(str(os.getpid()))\ntime.sleep(120)"
    make_notebook(folder / "92_slow.ipynb", SAVE + "\n\n" + slow, 'output_dir = ""')
    make_notebook(folder / "93_after.ipynb", SAVE + "\n\n(tables / '93_after.csv').write_text('x')", 'output_dir = ""')
    declare(folder / "93_after.ipynb", after=["92_slow"])
    out, scratch = tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(folder), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not (marker.exists() and marker.read_text() and (out / ".manifests" / "91_fast.json").exists()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        kernel = int(marker.read_text())
        proc.send_signal(signum)
        stopped = time.monotonic()
        stdout, stderr = proc.communicate(timeout=20)
        seconds = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (stdout, stderr)
    assert seconds < 15, seconds
    assert (
        "build interrupted: new outputs kept and recorded for 91_fast; every other notebook keeps its previous outputs"
        in stderr
    )
    assert "Traceback" not in stderr, stderr
    assert "[93_after] started" not in stdout  # no new notebook started
    assert json.loads((out / ".manifests" / "91_fast.json").read_text())["status"] == "built"
    assert (
        not (out / ".manifests" / "92_slow.json").exists() and not (out / "tables" / "92_slow.csv").exists()
    )  # nothing promoted without its record
    assert not (out / ".staging").exists()
    time.sleep(1)
    assert not _alive(kernel), ("the running kernel was left behind", stderr)
    assert [
        p.name for p in scratch.iterdir() if p.name.startswith("rare-earths-") or p.name.startswith("kernel-")
    ] == []


def test_a_dead_kernel_is_reported_with_the_notebook_and_the_cell_it_was_running(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    make_notebook(folder / "91_dies.ipynb", "x = 1\n\nimport os\nos._exit(3)\n\ny = 2", 'output_dir = ""')
    (result,) = build.build(output_root=tmp_path / "out", notebooks_dir=folder)
    assert result.status == "failed"
    assert result.message.startswith("91_dies.ipynb: the kernel died while running code cell 3 (id 'c1')"), (
        result.message
    )


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, state letter), from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, ppid = text.rsplit(")", 1)[1].split()[:2]
        found[int(stat.parent.name)] = (int(ppid), state)
    return found


def _worker_of(kernel: int) -> int:
    """The build worker running a kernel: its parent, or its parent's parent when the worker's zygote forked it."""
    parent = _processes()[kernel][0]
    command = Path(f"/proc/{parent}/cmdline").read_bytes().replace(b"\0", b" ")
    return _processes()[parent][0] if b"rare_earths.build.zygote" in command else parent


def _family(pid: int) -> set[int]:
    """A process's descendants (workers, their kernels, the resource tracker)."""
    table, family, todo = _processes(), set(), [pid]
    while todo:
        parent = todo.pop()
        children = [p for p, (ppid, _) in table.items() if ppid == parent and p not in family]
        family.update(children)
        todo += children
    return family


def _still_running(pids: set[int]) -> set[int]:
    """Those of `pids` that are alive (a zombie has ended: it only waits to be reaped)."""
    table = _processes()
    return {p for p in pids if p in table and table[p][1] != "Z"}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_kill_9_of_the_driver_leaves_nothing_running_promotes_nothing_and_a_rebuild_succeeds(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    hold, driver_file = tmp_path / "hold", tmp_path / "driver.pid"
    hold.write_text("1")
    started = [tmp_path / "91.started", tmp_path / "92.started"]
    wait = f"import os, time\nPath(r'{{}}').write_text('1')\nwhile Path(r'{hold}').exists():\n    time.sleep(0.05)"
    make_notebook(
        folder / "91_slow.ipynb",
        SAVE + "\n\n" + wait.format(started[0]) + "\n\n(tables / '91_slow.csv').write_text('x')",
        'output_dir = ""',
    )
    # 92 ends as soon as the driver is gone: a worker that outlived its driver would promote it
    gone = (
        f"import os, time\nPath(r'{started[1]}').write_text('1')\n"
        f"while Path(r'{hold}').exists() and os.path.exists('/proc/' + Path(r'{driver_file}').read_text().strip()):\n"
        "    time.sleep(0.05)"
    )
    make_notebook(
        folder / "92_late.ipynb",
        SAVE + "\n\n" + gone + "\n\n(tables / '92_late.csv').write_text('x')",
        'output_dir = ""',
    )
    make_notebook(folder / "93_after.ipynb", SAVE + "\n\n(tables / '93_after.csv').write_text('x')", 'output_dir = ""')
    declare(folder / "93_after.ipynb", after=["91_slow"])
    out, scratch = tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(folder), str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    driver_file.write_text(str(proc.pid))
    try:
        deadline = time.monotonic() + 120
        while not all(p.exists() for p in started):
            assert proc.poll() is None and time.monotonic() < deadline, "the build did not start both notebooks"
            time.sleep(0.2)
        family = _family(proc.pid)
        assert len(family) >= 4, family  # two workers, their kernels (and the resource tracker)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while _still_running(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _still_running(family)
    finally:
        if proc.poll() is None:
            proc.kill()
    for pid in left:  # do not leave them to the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert left == set(), "processes of the killed build are still running"
    assert not (out / "tables" / "92_late.csv").exists() and not (out / ".manifests" / "92_late.json").exists()
    hold.unlink()
    results = build.build(output_root=out, notebooks_dir=folder)
    assert [r.status for r in results] == ["ran", "ran", "ran"], [r.message for r in results]


def test_a_worker_killed_mid_run_fails_its_notebook_in_one_line_not_the_build_with_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    marker = tmp_path / "kernel.pid"
    make_notebook(
        folder / "91_slow.ipynb",
        f"import os, time\nPath(r'{marker}').write_text(str(os.getpid()))\ntime.sleep(120)",
        'output_dir = ""\nfrom pathlib import Path',
    )
    make_notebook(folder / "92_ok.ipynb", "x = 1", 'output_dir = ""')
    out, scratch = tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    runner = RUNNER.replace("'-j', '2'", "'-j', '1'")
    proc = subprocess.Popen(
        [sys.executable, "-c", runner, str(folder), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    try:
        deadline = time.monotonic() + 120
        while not (marker.exists() and marker.read_text()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        kernel = int(marker.read_text())
        worker = _worker_of(kernel)
        os.kill(worker, signal.SIGKILL)  # the out-of-memory killer, or a user's kill -9
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, (stdout, stderr)
    assert "Traceback" not in stderr, stderr
    assert "FAILED 91_slow.ipynb: the worker process running it ended abruptly" in stderr, stderr
    assert "1 not run" in stdout, stdout
    assert json.loads((out / ".manifests" / "91_slow.json").read_text())["status"] == "failed"
    assert not (out / ".staging").exists()
    assert list(scratch.iterdir()) == []  # the dead worker's kernel sockets were in the build's own temporary folder
