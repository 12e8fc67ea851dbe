"""The sweep on a real dask.distributed cluster (a LocalCluster: 2 worker processes on 127.0.0.1).

- the same 6 scenarios give the same files, byte for byte, on the local pool and on the cluster;
- the local pool never imports dask;
- a task whose cell raises is retried once, then reported with its scenario and cell;
- a worker killed mid-task: the task is submitted again and the sweep completes, with no process left behind;
- Ctrl-C cancels the remaining tasks and keeps what was promoted.
"""

from __future__ import annotations

import csv
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dask
import distributed
import psutil
import pytest
from rare_earths import cli
from rare_earths.build import dask_task, sweep
from rare_earths.build import distributed as on_dask
from rare_earths.build import sweep_folders as folders

BAD_YEAR = "2000"  # no supply figures for it: notebook 07's 'inputs' cell raises (KeyError)


@pytest.fixture(scope="module")
def cluster() -> Any:
    """Two worker processes, one thread each, on 127.0.0.1 only; closed (workers and scheduler) after the module.

    allowed-failures 0: a worker's death fails its task at once (KilledWorker), so the retry a test sees is the sweep's.
    """
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as local:
            with distributed.Client(local) as client:
                yield local, client


def write_grid(path: Path, rows: list[dict[str, str]]) -> Path:
    """A scenario grid CSV with the committed grid's columns."""
    columns = ["scenario", "description", "article_date", "myanmar_feed"]
    columns += [c for r in rows for c in r if c not in columns]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def six(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed grid's first 6 scenarios."""
    notebook = sweep.plan.select(sweep.plan.discover(), ["07"])[0]
    with open(sweep.grid_path(notebook), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))[:6]
    assert len(rows) == 6
    path = tmp_path_factory.mktemp("grid") / "six.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def without_scheduler() -> dict[str, str]:
    """This environment without RARE_EARTHS_SCHEDULER (the local pool is the default)."""
    return {k: v for k, v in os.environ.items() if k != "RARE_EARTHS_SCHEDULER"}


@pytest.fixture(scope="module")
def local_six(six: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The 6 scenarios swept on the local pool, in a fresh interpreter; the dask modules it imported."""
    root = tmp_path_factory.mktemp("local") / "outputs"
    code = (
        "import json, sys\nfrom rare_earths import cli\n"
        f"status = cli.main(['sweep', '--grid', {str(six)!r}, '--output-dir', {str(root)!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "print('LOADED ' + json.dumps(loaded)); sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=without_scheduler(), timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED "))
    return root, json.loads(line.removeprefix("LOADED "))


def tree(root: Path) -> dict[str, bytes]:
    """Every file under outputs/sweep/ but the build's run records (.build/: durations, log, lock)."""
    sweep_dir = root / "sweep"
    return {
        p.relative_to(sweep_dir).as_posix(): p.read_bytes()
        for p in sorted(sweep_dir.rglob("*"))
        if p.is_file() and ".build" not in p.relative_to(sweep_dir).parts
    }


def no_staging(root: Path) -> list[Path]:
    """Staging folders left under an outputs folder."""
    return sorted(root.rglob(".staging"))


def test_a_local_sweep_never_imports_dask(local_six: tuple[Path, list[str]]) -> None:
    root, loaded = local_six
    assert loaded == []
    assert (root / "sweep" / "comparison.csv").is_file()


def test_six_scenarios_on_the_cluster_match_the_local_pool_byte_for_byte(
    cluster: Any, six: Path, local_six: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, client = cluster
    submitted: list[tuple[Any, ...]] = []
    outcomes: list[dict[str, Any]] = []
    submit, attempt = distributed.Client.submit, on_dask.Cluster._attempt

    def recording_submit(self: Any, func: Any, *args: Any, **kwargs: Any) -> Any:
        submitted.append((func, *args))
        return submit(self, func, *args, **kwargs)

    def recording_attempt(self: Any, *args: Any) -> dict[str, Any]:
        outcomes.append(attempt(self, *args))
        return outcomes[-1]

    monkeypatch.setattr(distributed.Client, "submit", recording_submit)
    monkeypatch.setattr(on_dask.Cluster, "_attempt", recording_attempt)
    root = tmp_path / "outputs"
    table, results = sweep.run(grid=six, output_root=root, scheduler=local.scheduler_address)

    assert [r.status for r in results] == ["ran"] * 6
    local_files, dask_files = tree(local_six[0]), tree(root)
    assert len(dask_files) > 6 * 20 and "comparison.csv" in dask_files and "figures/comparison.png" in dask_files
    assert sorted(dask_files) == sorted(local_files)
    differing = [rel for rel in local_files if local_files[rel] != dask_files[rel]]
    assert differing == []
    # the workers were never told where the driver's outputs are, and each task worked in a folder of its own
    assert len(submitted) == 6 and all(args[0] is on_dask.run_task for args in submitted)
    assert all(str(root).encode() not in pickle.dumps(args[1:]) for args in submitted)
    folders = [Path(o["folder"]) for o in outcomes]
    assert len(set(folders)) == 6 and not any(f.exists() for f in folders)
    assert not any(root in f.parents for f in folders)
    assert {o["worker"] for o in outcomes} <= set(client.scheduler_info()["workers"])
    assert no_staging(root) == []


def test_a_failing_task_is_retried_once_then_reported_with_its_scenario_and_cell(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local, _ = cluster
    grid = write_grid(
        tmp_path / "grid.csv",
        [
            {"scenario": "baseline", "description": "defaults"},
            {"scenario": "bad-year", "description": "no supply figures for it", "base_year": BAD_YEAR},
        ],
    )
    root = tmp_path / "outputs"
    status = cli.main(["sweep", "--grid", str(grid), "--output-dir", str(root), "--scheduler", local.scheduler_address])
    out, err = capsys.readouterr()

    assert status == 1
    assert out.count("retrying once") == 1 and "[bad-year] 07_outlook failed (" in out
    reported = "bad-year (07_outlook.ipynb: code cell 3 (id 'inputs') raised KeyError"
    assert reported in err, err
    assert "  baseline: ran" in out
    kept = root / "sweep" / "bad-year" / "report" / "failed" / "07_outlook" / "executed" / "07_outlook.ipynb"
    assert kept.is_file()  # the partial run, kept as the local pool keeps it
    with open(root / "sweep" / "comparison.csv", encoding="utf-8", newline="") as f:
        assert {r["scenario"]: r["status"] for r in csv.DictReader(f)} == {"baseline": "ran", "bad-year": "failed"}
    assert no_staging(root) == []


def task_processes(client: distributed.Client) -> dict[str, list[psutil.Process]]:
    """Each worker's task child processes (python -m rare_earths.build.dask_task) and their kernels."""
    found: dict[str, list[psutil.Process]] = {}
    for address, pid in client.run(os.getpid).items():
        found[address] = []
        try:
            for child in psutil.Process(pid).children(recursive=True):
                if "rare_earths.build.dask_task" in " ".join(child.cmdline()) or kernel(child) or zygote(child):
                    found[address].append(child)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def kernel(process: psutil.Process) -> bool:
    """Whether a process is a Jupyter kernel: started as one, or forked warm by a build worker's zygote."""
    try:
        return "ipykernel_launcher" in " ".join(process.cmdline()) or (zygote(process) and zygote(process.parent()))
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def zygote(process: psutil.Process | None) -> bool:
    """Whether a process runs build/zygote.py (a worker's zygote, or a kernel forked from one: the same command)."""
    try:
        return process is not None and "rare_earths.build.zygote" in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def test_a_worker_killed_mid_task_is_retried_and_the_sweep_completes(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local, client = cluster
    grid = write_grid(tmp_path / "grid.csv", [{"scenario": "no-myanmar", "description": "x", "myanmar_feed": "False"}])
    root = tmp_path / "outputs"
    outcome: dict[str, Any] = {}

    def sweep_in_a_thread() -> None:
        try:
            outcome["results"] = sweep.run(grid=grid, output_root=root, scheduler=local.scheduler_address)[1]
        except BaseException as exc:  # pragma: no cover - reported below
            outcome["error"] = exc

    driver = threading.Thread(target=sweep_in_a_thread)
    driver.start()
    deadline, victim, children = time.monotonic() + 120, None, []
    while time.monotonic() < deadline and victim is None:
        for address, procs in task_processes(client).items():
            if any(kernel(p) for p in procs):  # its kernel runs: mid-task
                victim, children = address, procs
        time.sleep(0.2)
    assert victim is not None, "no task started"
    task = next(p for p in children if "rare_earths.build.dask_task" in " ".join(p.cmdline()))
    folder = Path(task.cmdline()[task.cmdline().index("rare_earths.build.dask_task") + 1])
    assert folder.name.startswith("rare-earths-task-") and folder.is_dir()
    os.kill(client.run(os.getpid)[victim], signal.SIGKILL)
    driver.join(180)
    out = capsys.readouterr().out

    assert "error" not in outcome, outcome.get("error")
    assert [r.status for r in outcome["results"]] == ["ran"]
    assert "retrying once" in out and "KilledWorker" in out
    assert (root / "sweep" / "no-myanmar" / "report" / "html" / "07_outlook.html").is_file()
    gone = time.monotonic() + 15
    while time.monotonic() < gone and any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in children):
        time.sleep(0.2)
    assert [p.pid for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
    assert not folder.exists()  # the orphaned task removed its temporary folder
    assert no_staging(root) == []


def test_ctrl_c_cancels_the_remaining_tasks_and_keeps_what_was_promoted(cluster: Any, tmp_path: Path) -> None:
    local, client = cluster
    rows = [{"scenario": f"s{i}", "description": "x", "myanmar_feed": str(i % 2 == 0)} for i in range(4)]
    grid = write_grid(tmp_path / "grid.csv", rows)
    root = tmp_path / "outputs"
    command = [sys.executable, "-m", "rare_earths", "sweep", "--grid", str(grid), "--output-dir", str(root)]
    driver = subprocess.Popen(
        [*command, "--scheduler", local.scheduler_address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=without_scheduler(),
    )
    manifests = [root / "sweep" / r["scenario"] / "report" / ".manifests" / "07_outlook.json" for r in rows]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not any(m.exists() for m in manifests) and driver.poll() is None:
        time.sleep(0.2)
    driver.send_signal(signal.SIGINT)
    out, err = driver.communicate(timeout=120)

    assert driver.returncode == 130, out + err
    assert "sweep interrupted" in err
    built = [m for m in manifests if m.exists() and json.loads(m.read_text())["status"] == "built"]
    assert 1 <= len(built) < 4  # promoted before Ctrl-C: kept; the rest never ran
    for manifest in built:
        for rel in json.loads(manifest.read_text())["files"]:
            assert (manifest.parent.parent / rel).is_file()
    settled = time.monotonic() + 20
    while time.monotonic() < settled and (client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))):
        time.sleep(0.2)
    assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0  # nothing left queued
    assert not json.loads((root / "sweep" / ".manifests" / "sweep.json").read_text())["complete"]
    assert no_staging(root) == []


def test_a_worker_with_another_project_refuses_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """The task plans (and so parses modules with ast) in its child process, never in the worker's threads, where
    CPython 3.11 met "AST constructor recursion depth mismatch" (a fresh-clone run of the killed-worker test)."""
    from rare_earths import pyast

    def parsed_here(source: str) -> None:
        raise AssertionError("the task parsed Python in the worker's own process")

    monkeypatch.setattr(pyast, "parse", parsed_here)
    result = dask_task.run_task("07_outlook", {}, "0" * 64, {}, "unused")
    assert result["result"].status == "failed" and result["files"] == {}
    assert "another project or environment than the driver" in result["result"].message


def test_the_scheduler_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RARE_EARTHS_SCHEDULER", "tcp://127.0.0.1:8786")
    assert cli._parser().parse_args(["sweep"]).scheduler == "tcp://127.0.0.1:8786"
    monkeypatch.setenv("RARE_EARTHS_SCHEDULER", "")
    assert cli._parser().parse_args(["sweep"]).scheduler is None


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = folders.write_record(tmp_path / "out" / "sweep", {"scenarios": ["baseline"], "made": [], "complete": True})
    status = cli.main(["sweep", "--output-dir", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"])
    assert status == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert (
        json.loads(folders.record_path(tmp_path / "out" / "sweep").read_text()) == record
    )  # the last sweep stays linked
