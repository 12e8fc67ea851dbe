"""Run one notebook: a kernel of this interpreter in a staging folder, papermill, normalised output, HTML export, provenance."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .. import params
from .model import INJECTED_CELL_ID, KERNEL_NAME, OUTPUT_PARAMETER, STRIPPED_RUN_METADATA, Plan, Result
from .plan import declared_parameters
from .store import promote, quarantine


def kernel_manager_class() -> type:
    """A kernel manager that launches this interpreter's ipykernel over private IPC sockets.

    No kernelspec lookup (a user-registered 'python3' cannot hijack the build) and no TCP ports
    (parallel kernels cannot race for the same port): each kernel's sockets live in its own
    temporary folder.
    """
    import tempfile

    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ProjectKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python (rare-earths)",
                language="python",
            )

        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:  # jupyter_client interrupts before every shutdown: only noise in the build log
                await super()._async_interrupt_kernel()

        @default("ip")
        def _default_ip(self) -> str:
            folder = tempfile.mkdtemp(prefix="rare-earths-kernel-")
            _KERNELS.append(self)
            return os.path.join(folder, "kernel")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    return ProjectKernelManager


_KERNELS: list[Any] = []  # kernel managers started in this worker (see kill_kernels)


def kill_kernels() -> None:
    """Kill this worker's kernels (each leads its own process group) and remove their socket folders: the way out of
    an interrupted run, when the event loop that would shut them down politely is gone."""
    import signal

    while _KERNELS:
        manager = _KERNELS.pop()
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()
            process.wait(5)
        shutil.rmtree(os.path.dirname(manager.ip), ignore_errors=True)


def _failed_cell(executed: Path) -> str:
    """Describe the failing cell as 'code cell N (id X)', N counting the notebook's own code cells from 1."""
    import nbformat

    if not executed.exists():
        return "a cell"
    nb = nbformat.read(executed, as_version=4)
    own = [c for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            where = f"code cell {own.index(cell) + 1}" if cell in own else "the injected parameters cell"
            return f"{where} (id '{cell.get('id', '?')}')"
    return "a cell"


def _running_cell(exc: BaseException) -> str:
    """The cell papermill was running when an exception (a dead kernel) went through it: 'code cell N (id X)'."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "papermill_execute_cells" and "cell" in frame.f_locals:
            cells = frame.f_locals["self"].nb.cells
            cell = frame.f_locals["cell"]
            own = [
                c for c in cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
            ]
            where = f"code cell {own.index(cell) + 1}" if cell in own else "the injected parameters cell"
            return f"{where} (id '{cell.get('id', '?')}')"
        tb = tb.tb_next
    return "an unknown cell"


def stop_on_sigterm() -> None:
    """In a build worker: Ctrl-C is the main process's to handle; SIGTERM (sent by it) interrupts the run, so the
    kernel is shut down and its temporary folder removed on the way out."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        if "stopping" in _RUNNING:
            return  # already on its way out (the pool may signal again while shutting down)
        if _RUNNING:
            _RUNNING.append("stopping")
            kill_kernels()  # at once, before the client's shutdown messages can make the kernel print tracebacks
            raise KeyboardInterrupt
        os._exit(0)  # idle: nothing to clean up, and no traceback from the pool's queue

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, interrupt)


def start_worker() -> None:
    """Initializer of a build worker process."""
    from .plan import skip_slow_imports

    skip_slow_imports()
    stop_on_sigterm()


_RUNNING: list[str] = []  # the notebook this worker is running, if any (read by the SIGTERM handler)


def normalise_executed(executed: Path) -> None:
    """Strip run-dependent facts from an executed notebook: times, durations, paths, the random id of the injected cell."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for key in STRIPPED_RUN_METADATA:
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in STRIPPED_RUN_METADATA:
            cell.metadata.get("papermill", {}).pop(key, None)
        if INJECTED_CELL_ID in cell.metadata.get("tags", []):
            cell.id = INJECTED_CELL_ID
    nbformat.write(nb, executed)


def run_one(plan: Plan, output_root: Path, context: dict[str, Any]) -> Result:
    """Execute one notebook in a staging folder, export its HTML, write provenance, and promote or quarantine the result."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from . import provenance
    from .render import render_html

    name = plan.name
    print(f"[{name}] started", flush=True)
    start = time.perf_counter()
    staging = output_root / ".staging" / name
    shutil.rmtree(staging, ignore_errors=True)
    executed = staging / "executed" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True)
    os.environ["RARE_EARTHS_OUTPUTS"] = str(output_root)  # inherited by the kernel: see paths.OUTPUTS_DIR
    os.environ[params.BUILD_ENV] = "1"  # the kernel's params.check: outputs go to the staging folder (output_dir='.')
    message = ""
    _RUNNING[:] = [name]
    try:
        values = dict(plan.parameters)
        if OUTPUT_PARAMETER in declared_parameters(plan.path):
            values[OUTPUT_PARAMETER] = "."  # the kernel works in the staging folder: no machine path in the report
        papermill.execute_notebook(
            str(plan.path),
            str(executed),
            parameters=values,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            cwd=str(staging),
            request_save_on_cell_execute=False,
            kernel_manager_class=kernel_manager_class(),
        )
    except KeyboardInterrupt:  # SIGTERM from the build: stop the kernel, promote nothing, and end this worker
        kill_kernels()
        shutil.rmtree(staging, ignore_errors=True)
        os._exit(130)
    except PapermillExecutionError as exc:
        message = f"{plan.path.name}: {_failed_cell(executed)} raised {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook: still a failed notebook, not a crashed build
        if type(exc).__name__ == "DeadKernelError":
            message = f"{plan.path.name}: the kernel died while running {_running_cell(exc)} ({exc})"
        else:
            message = f"{plan.path.name}: {type(exc).__name__}: {exc}"
    finally:
        _RUNNING.clear()
    if executed.exists():
        try:
            normalise_executed(executed)
            render_html(executed, staging / "html")  # the render step (render.py), here while the worker is warm
        except Exception as exc:
            message = message or f"{plan.path.name}: HTML export failed: {type(exc).__name__}: {exc}"
    if not message:
        record = {**context, "parameters": plan.parameters, "inputs": plan.inputs, "cache_key": plan.key}
        provenance.write_sidecars(name, staging, record)
    seconds = time.perf_counter() - start
    if message:
        quarantine(staging, output_root, name)
        return Result(name, "failed", seconds, message)
    files = promote(staging, output_root, name)
    return Result(name, "ran", seconds, "", files)
