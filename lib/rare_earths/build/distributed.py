"""Run a sweep's scenarios as tasks on a dask.distributed cluster (`python -m rare_earths sweep --scheduler ADDRESS`).

Only a sweep given a scheduler imports this module, and only its functions import dask. The driver plans,
caches and records each scenario exactly as with the local pool (one `engine.build` per scenario); where the
local pool would start a worker process, `Cluster.runner` submits the notebook's plan to the cluster instead.

- **A task** (`run_task`, on a worker) re-plans the notebook in the worker's own project and refuses to run
  when its cache key differs from the driver's (other code, data, notebook or pinned environment): outputs
  must match the record the driver writes. It runs the notebook in a temporary folder of its own, in a child
  process (a kernel's environment and working folder are per process, and a worker runs tasks in threads),
  and returns the files it made as bytes. It is never told where the driver's outputs are.
- **The driver** writes those bytes into the scenario's staging folder and promotes them (or keeps a failed
  run under failed/) with the build's own functions: workers need no shared filesystem.
- **Failures:** a task that fails (a cell raised, the kernel died) or is lost (its worker died) is submitted
  once more; the second failure is the scenario's result, naming its cell. Ctrl-C cancels every task not yet
  finished and stops the running ones' kernels; scenarios already promoted keep their new outputs.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from .model import BuildError, BuildInterrupted, Plan, Result

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
WORKER_TIMEOUT = 30.0  # seconds to wait for a first worker
ATTEMPTS = 2  # a failed or lost task is submitted once more


class Cluster:
    """A connection to a running scheduler, shared by the sweep's scenario threads."""

    def __init__(self, address: str, stop: threading.Event):
        try:
            import distributed
        except ImportError as exc:
            raise BuildError(
                f"--scheduler needs dask and distributed ({exc}); they are pinned in requirements.lock: run `make venv`"
            ) from None
        try:
            self.client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BuildError(
                f"cannot reach the Dask scheduler at {address} ({exc}); start one with `dask scheduler` "
                "(docs/notes/i20-dask.md) or leave out --scheduler / RARE_EARTHS_SCHEDULER to use this machine"
            ) from None
        try:
            self.client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except (TimeoutError, OSError):
            self.client.close()
            raise BuildError(
                f"no worker joined the Dask scheduler at {address} within {WORKER_TIMEOUT:.0f} s; "
                f"start one with `dask worker {address}` in the project's environment"
            ) from None
        self.address = address
        self.stop = stop
        self.cancel = distributed.Event(f"rare-earths-sweep-stop-{uuid.uuid4().hex}", client=self.client)
        self.threads = sum(self.client.nthreads().values())

    def runner(self, scenario: str) -> Any:
        """An engine runner (pool.run_all's signature) that runs this scenario's notebooks on the cluster."""

        def run(
            todo: list[Plan],
            done: dict[str, Result],
            output_root: Path,
            jobs: int | None,
            fail_fast: bool,
            context: dict[str, Any],
            stop_event: threading.Event | None = None,
        ) -> dict[str, Result]:
            from .store import record

            results: dict[str, Result] = {}
            for plan in todo:
                if plan.after:
                    raise BuildError(f"{plan.path.name} runs after {', '.join(plan.after)}: it cannot be swept on Dask")
                results[plan.name] = self.run(scenario, plan, output_root, context)
                record(output_root, plan, results[plan.name])
            return results

        return run

    def run(self, scenario: str, plan: Plan, output_root: Path, context: dict[str, Any]) -> Result:
        """Run one notebook of a scenario on the cluster (twice at most), then promote or quarantine what it made."""
        from .store import promote, quarantine

        for attempt in range(1, ATTEMPTS + 1):
            outcome = self._attempt(scenario, plan, context, attempt)
            result = outcome["result"]
            if result.status == "ran" or attempt == ATTEMPTS:
                break
            print(f"[{scenario}] {plan.name} failed ({result.message}); retrying once", flush=True)
        staging = output_root / ".staging" / plan.name
        shutil.rmtree(staging, ignore_errors=True)
        write_files(staging, outcome["files"])
        where = f" on {outcome['worker']}" if outcome.get("worker") else ""
        print(f"[{scenario}] {plan.name} {result.status} in {result.seconds:.1f} s{where}", flush=True)
        if result.status != "ran":
            if outcome["files"]:  # the partial run, kept under failed/ as the local pool keeps it
                quarantine(staging, output_root, plan.name)
            return result
        return Result(plan.name, "ran", result.seconds, "", promote(staging, output_root, plan.name))

    def _attempt(self, scenario: str, plan: Plan, context: dict[str, Any], attempt: int) -> dict[str, Any]:
        """Submit one task and wait for it, polling the sweep's stop; a lost or crashed task is a failed result."""
        if self.stop.is_set():
            raise BuildInterrupted([])
        key = f"rare-earths-{scenario}-{plan.name}-{attempt}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(
            run_task, plan.name, plan.parameters, plan.key, context, self.cancel.name, key=key, pure=False, retries=0
        )
        ended = threading.Event()
        future.add_done_callback(lambda _: ended.set())
        try:
            while not ended.wait(0.5):
                if self.stop.is_set():
                    raise BuildInterrupted([])
            if future.cancelled():
                raise BuildInterrupted([])
            try:
                return future.result()
            except BuildInterrupted:
                raise
            except Exception as exc:  # the worker died (KilledWorker), the connection dropped, the task raised
                message = f"{plan.path.name}: task lost or failed on the cluster: {type(exc).__name__}: {exc}"
                return {"result": Result(plan.name, "failed", 0.0, message), "files": {}}
        finally:
            if not future.done() or self.stop.is_set():
                future.cancel()

    def interrupt(self) -> None:
        """Ctrl-C: tell running tasks to stop their kernels; each scenario thread cancels its own pending task."""
        try:
            self.cancel.set()
        except Exception:  # the scheduler is gone: nothing is left to cancel
            pass

    def close(self) -> None:
        """Release the stop flag on the scheduler and close the connection."""
        try:
            self.cancel.clear()
        except Exception:
            pass
        self.client.close()


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write a task's files under a folder; a name that would leave it (absolute, '..') is refused."""
    for rel, data in sorted(files.items()):
        path = Path(rel)
        if path.is_absolute() or ".." in path.parts:
            raise BuildError(f"a sweep task returned a file outside its folder: {rel!r}")
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def read_files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by its relative POSIX path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


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
    plan = worker_plan(stem, parameters)
    if plan.key != key:
        message = (
            f"{plan.path.name}: worker {worker or '?'} has another project or environment than the driver "
            "(its cache key differs: other lib/, data/, notebook or requirements.lock); workers need the same"
        )
        return {"result": Result(stem, "failed", 0.0, message), "files": {}, "worker": worker}
    with tempfile.TemporaryDirectory(prefix="rare-earths-task-") as tmp:
        folder = Path(tmp)
        root = folder / "outputs"
        (folder / "task.pickle").write_bytes(pickle.dumps((plan, root, context)))
        result = _run_child(folder, stem, stop)
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
            [sys.executable, "-m", "rare_earths.build.distributed", str(folder), str(os.getpid())],
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
    from .execute import kill_kernels

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
    from .execute import run_one, start_worker

    start_worker()  # the build worker's set-up: SIGTERM kills the kernel and promotes nothing
    _die_with_parent(folder, parent)
    plan, root, context = pickle.loads((folder / "task.pickle").read_bytes())
    result = run_one(plan, root, context)
    partial = folder / ".result.pickle.tmp"
    partial.write_bytes(pickle.dumps(result))
    os.replace(partial, folder / "result.pickle")


if __name__ == "__main__":
    _child(Path(sys.argv[1]), int(sys.argv[2]))
