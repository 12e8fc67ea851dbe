"""What runs on a Dask worker for a sweep (see distributed.py, the driver's side): one scenario's notebook.

`run_task` re-plans the notebook in the worker's own project and refuses to run when its cache key differs
from the driver's; the planning (which parses modules with `ast`, not thread-safe in CPython 3.11, while a worker
runs tasks in threads) happens in the task's child process, with the run. It runs the notebook with the build's own `execute.run_one` in a temporary folder, in a child
process (`python -m rare_earths.build.dask_task`: a kernel's environment and working folder are per process, and
a worker runs tasks in threads), and returns the files made there as bytes. When the sweep is cancelled the task
stops the child (SIGTERM: it kills its kernel); when the worker dies the child gets a signal of its own, kills its
kernel and removes the folder.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .model import Plan, Result


def read_files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by its relative POSIX path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


OTHER_PROJECT = (
    "has another project or environment than the driver "
    "(its cache key differs: other lib/, data/, notebook or requirements.lock); workers need the same"
)


def worker_plan(stem: str, parameters: dict[str, Any]) -> Plan:
    """Plan a notebook in this process's own project (a worker's), as the driver planned it."""
    from .. import paths
    from . import plan as planning

    available = planning.discover()
    notebook = planning.select(available, [stem])[0]
    return planning.make_plans([notebook], available, {notebook: parameters}, paths.PROJECT_ROOT)[0]


def run_task(stem: str, parameters: dict[str, Any], key: str, context: dict[str, Any], stop: str) -> dict[str, Any]:
    """On a worker: run one notebook in a temporary folder (in a child process) and return its result and files.

    The returned files are those the build would promote (a successful run), or the partial run it would keep
    under failed/ (a failed one), relative to that folder. `folder` says where the task worked (then removed).
    """
    worker = _worker_address()
    with tempfile.TemporaryDirectory(prefix="rare-earths-task-") as tmp:
        folder = Path(tmp)
        root = folder / "outputs"
        task = (stem, parameters, key, worker, root, context)  # planned in the child: a worker runs tasks in threads
        (folder / "task.pickle").write_bytes(pickle.dumps(task))
        result = _run_child(folder, stem, stop)
        if result.message.endswith(OTHER_PROJECT):
            return {"result": result, "files": {}, "worker": worker}
        made = root if result.status == "ran" else root / "failed" / stem
        files = read_files(made) if made.is_dir() else {}
        return {"result": result, "files": files, "worker": worker, "folder": str(folder)}


def _worker_address() -> str:
    """The address of the Dask worker running this task ('' outside one)."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return ""


def _run_child(folder: Path, stem: str, stop: str) -> Result:
    """Run the notebook in a child process; stop it (SIGTERM: it kills its kernel) when the sweep is cancelled."""
    started = time.perf_counter()
    with open(folder / "child.log", "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "rare_earths.build.dask_task", str(folder), str(os.getpid())],
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            while child.poll() is None:
                try:
                    child.wait(1.0)
                except subprocess.TimeoutExpired:
                    if _stopped(stop):
                        child.terminate()
                        child.wait(30)
                        return Result(stem, "failed", time.perf_counter() - started, "cancelled by the sweep")
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    outcome = folder / "result.pickle"
    if outcome.exists():
        return pickle.loads(outcome.read_bytes())
    tail = (folder / "child.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
    detail = f": {tail[0]}" if tail else ""
    return Result(
        stem,
        "failed",
        time.perf_counter() - started,
        f"{stem}.ipynb: the task's process ended ({child.returncode}){detail}",
    )


def _stopped(name: str) -> bool:
    """Whether the sweep set its stop flag on the scheduler (False when it cannot be asked)."""
    try:
        from distributed import Event

        return Event(name).is_set()
    except Exception:
        return False


ORPHANED = signal.SIGHUP  # what a task's child gets when its worker dies (SIGTERM is the task's own "stop")


def _die_with_parent(folder: Path, parent: int) -> None:
    """Linux: when the worker that started this process dies, kill the kernel, remove the task's folder and end.

    The signal is its own (not SIGTERM): a dying worker's threads end one by one, so the parent id alone cannot tell.
    """
    from .worker import kill_kernels

    def orphaned(signum: int, frame: Any) -> None:
        kill_kernels()
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(1)

    signal.signal(ORPHANED, orphaned)
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, ORPHANED)
    if os.getppid() != parent:  # it died before the line above
        orphaned(ORPHANED, None)


def _child(folder: Path, parent: int) -> None:
    """The child process of a task: run the notebook with the build's own run_one into folder/outputs."""
    from .execute import run_one
    from .worker import start_worker

    start_worker()  # the build worker's set-up: SIGTERM kills the kernel and promotes nothing
    _die_with_parent(folder, parent)
    stem, parameters, key, worker, root, context = pickle.loads((folder / "task.pickle").read_bytes())
    plan = worker_plan(stem, parameters)  # here, in a process of one thread: CPython 3.11's ast is not thread-safe
    if plan.key != key:
        message = f"{plan.path.name}: worker {worker or '?'} {OTHER_PROJECT}"
        result = Result(stem, "failed", 0.0, message)
    else:
        result = run_one(plan, root, context)
    partial = folder / ".result.pickle.tmp"
    partial.write_bytes(pickle.dumps(result))
    os.replace(partial, folder / "result.pickle")


if __name__ == "__main__":
    _child(Path(sys.argv[1]), int(sys.argv[2]))
