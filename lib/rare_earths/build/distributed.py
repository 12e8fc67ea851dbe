"""The driver's side of a sweep on a dask.distributed cluster (`python -m rare_earths sweep --scheduler ADDRESS`).

Only a sweep given a scheduler imports this module, and only its functions import dask. The driver plans,
caches and records each scenario exactly as with the local pool (one `engine.build` per scenario); where the
local pool would start a worker process, `Cluster.runner` submits the notebook's plan to the cluster instead,
as a task of dask_task.py (the worker's side), which is never told where the driver's outputs are.

- **The driver** writes the bytes a task returns into the scenario's staging folder and promotes them (or keeps a
  failed run under failed/) with the build's own functions: workers need no shared filesystem.
- **Failures:** a task that fails (a cell raised, the kernel died) or is lost (its worker died) is submitted
  once more; the second failure is the scenario's result, naming its cell. Ctrl-C cancels every task not yet
  finished and stops the running ones' kernels; scenarios already promoted keep their new outputs.
"""

from __future__ import annotations

import shutil
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from .dask_task import run_task
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
                '(docs/build.md, "Sweeps on a Dask cluster") or leave out --scheduler / RARE_EARTHS_SCHEDULER to use this machine'
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
            say(f"[{scenario}] {plan.name} failed ({result.message}); retrying once")
        staging = output_root / ".staging" / plan.name
        shutil.rmtree(staging, ignore_errors=True)
        write_files(staging, outcome["files"])
        where = f" on {outcome['worker']}" if outcome.get("worker") else ""
        say(f"[{scenario}] {plan.name} {result.status} in {result.seconds:.1f} s{where}")
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


def say(line: str) -> None:
    """Print one progress line in a single write: the sweep's threads print side by side."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write a task's files under a folder; a name that would leave it (absolute, '..') is refused."""
    for rel, data in sorted(files.items()):
        path = Path(rel)
        if path.is_absolute() or ".." in path.parts:
            raise BuildError(f"a sweep task returned a file outside its folder: {rel!r}")
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
