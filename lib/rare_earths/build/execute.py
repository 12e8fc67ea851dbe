"""Run one notebook: a kernel of this interpreter in a staging folder, papermill, normalised output, HTML export, provenance."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from .. import params
from . import worker
from .console import say
from .model import (
    INJECTED_CELL_ID,
    KERNEL_NAME,
    OUTPUT_PARAMETER,
    STAGING,
    STRIPPED_RUN_METADATA,
    Plan,
    Result,
    StorageError,
    is_storage_error,
)
from .plan import declared_parameters
from .store import PromotionStopped, promote, quarantine

SPACE_RESERVE = 64 * 2**20  # bytes: with less free than this, a failed run is dropped, not kept under failed/
# errno values a notebook's own OSError can carry that mean the disk cannot take its outputs: the build stops
KERNEL_STORAGE_ERRNOS = (28, 30, 122)  # ENOSPC, EROFS, EDQUOT (Linux numbers, as the kernel's message shows them)


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


def _papermill_frame(exc: BaseException) -> Any:
    """The frame of papermill's cell loop that an exception (a dead kernel, a timeout) went through, or None."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "papermill_execute_cells" and "cell" in tb.tb_frame.f_locals:
            return tb.tb_frame
        tb = tb.tb_next
    return None


def _running_cell(exc: BaseException) -> str:
    """The cell papermill was running when an exception (a dead kernel) went through it: 'code cell N (id X)'."""
    frame = _papermill_frame(exc)
    if frame is None:
        return "an unknown cell"
    cells = frame.f_locals["self"].nb.cells
    cell = frame.f_locals["cell"]
    own = [c for c in cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    where = f"code cell {own.index(cell) + 1}" if cell in own else "the injected parameters cell"
    return f"{where} (id '{cell.get('id', '?')}')"


def _keep_partial_run(exc: BaseException, executed: Path) -> None:
    """Write the notebook as far as it ran when papermill stopped on an exception that it does not save on."""
    import nbformat

    frame = _papermill_frame(exc)
    if frame is not None and not executed.exists():
        nbformat.write(frame.f_locals["self"].nb, executed)


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
    """Execute one notebook in a staging folder, export its HTML, write provenance, and promote or quarantine the result.

    A full disk or read-only folder gives a failed result whose `storage` line stops the build; a driver that is gone
    (or stops the build) while this promotes gets nothing promoted, and this worker ends.
    """
    name = plan.name
    say(f"[{name}] started")
    start = time.perf_counter()
    staging = output_root / STAGING / name
    try:
        message = _execute(plan, staging, output_root)
        message = _finish_run(plan, staging, context, message)
        if message:
            return _failed(plan, staging, output_root, message, time.perf_counter() - start)
        files = _promote(staging, output_root, name)
    except OSError as exc:
        if not is_storage_error(exc):
            raise
        shutil.rmtree(staging, ignore_errors=True)
        exc.filename = exc.filename or str(staging)
        line = f"{plan.path.name}: {StorageError.from_os_error(exc)}"
        return Result(name, "failed", time.perf_counter() - start, line, storage=line)
    return Result(name, "ran", time.perf_counter() - start, "", files)


def _execute(plan: Plan, staging: Path, output_root: Path) -> str:
    """Run a notebook with papermill into `staging`; '' when every cell ran, else what went wrong (the notebook,
    the cell, the error). SIGTERM from the build (or the driver's death) ends this worker here, promoting nothing."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    shutil.rmtree(staging, ignore_errors=True)
    executed = staging / "executed" / f"{plan.name}.ipynb"
    executed.parent.mkdir(parents=True)
    os.environ["RARE_EARTHS_OUTPUTS"] = str(output_root)  # inherited by the kernel: see paths.OUTPUTS_DIR
    os.environ[params.BUILD_ENV] = "1"  # the kernel's params.check: outputs go to the staging folder (output_dir='.')
    worker.RUNNING[:] = [plan.name]
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
            execution_timeout=plan.timeout,
            kernel_manager_class=worker.kernel_manager_class(),
        )
    except KeyboardInterrupt:  # SIGTERM from the build: stop the kernel, promote nothing, and end this worker
        worker.kill_kernels()
        shutil.rmtree(staging, ignore_errors=True)
        os._exit(130)
    except PapermillExecutionError as exc:
        return f"{plan.path.name}: {_failed_cell(executed)} raised {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook: still a failed notebook, not a crashed build
        if is_storage_error(exc):
            exc.filename = exc.filename or str(executed)  # papermill could not write the executed notebook
            raise  # the build stops (see run_one)
        _keep_partial_run(exc, executed)
        if type(exc).__name__ == "DeadKernelError":
            return f"{plan.path.name}: the kernel died while running {_running_cell(exc)} ({exc})"
        if type(exc).__name__ == "CellTimeoutError":
            return (
                f"{plan.path.name}: {_running_cell(exc)} was stopped after the per-cell time limit of {plan.timeout} s "
                "(raise it with --timeout or the notebook's metadata rare_earths.timeout)"
            )
        return f"{plan.path.name}: {type(exc).__name__}: {exc}"
    finally:
        worker.RUNNING.clear()
    return ""


def _finish_run(plan: Plan, staging: Path, context: dict[str, Any], message: str) -> str:
    """Normalise the executed notebook, export its HTML and (for a good run) write the provenance sidecars."""
    from . import provenance
    from .render import render_html

    executed = staging / "executed" / f"{plan.name}.ipynb"
    if executed.exists():
        try:
            normalise_executed(executed)
            render_html(executed, staging / "html")  # the render step (render.py), here while the worker is warm
        except Exception as exc:
            if is_storage_error(exc):
                raise
            message = message or f"{plan.path.name}: HTML export failed: {type(exc).__name__}: {exc}"
    if not message:
        record = {**context, "parameters": plan.parameters, "inputs": plan.inputs, "cache_key": plan.key}
        provenance.write_sidecars(plan.name, staging, record)
    return message


def _failed(plan: Plan, staging: Path, output_root: Path, message: str, seconds: float) -> Result:
    """A failed run: kept under failed/ for inspection, unless the disk is short of space (then dropped, and said)."""
    import re

    errno_shown = re.search(r"\[Errno (\d+)\]", message)
    storage = bool(errno_shown and int(errno_shown.group(1)) in KERNEL_STORAGE_ERRNOS)
    if storage or _space_is_short(output_root):
        shutil.rmtree(staging, ignore_errors=True)
        message += " (partial run not kept: the disk is short of space)"
    else:
        quarantine(staging, output_root, plan.name)
    line = f"cannot write {output_root}: {message}; build stopped, the last good outputs are kept" if storage else ""
    return Result(plan.name, "failed", seconds, message, storage=line)


def _space_is_short(folder: Path) -> bool:
    """Whether the filesystem of `folder` has less than SPACE_RESERVE bytes free."""
    try:
        return shutil.disk_usage(folder).free < SPACE_RESERVE
    except OSError:
        return False


def _promote(staging: Path, output_root: Path, name: str) -> list[str]:
    """Promote a run's files (all or none) while the driver still runs; if it is gone or stops the build, end here."""
    if not worker.driver_alive():
        shutil.rmtree(staging, ignore_errors=True)
        os._exit(0)
    worker.PROMOTING[:] = [name]
    try:
        files = promote(staging, output_root, name, go_on=lambda: not worker.STOPPED and worker.driver_alive())
    except PromotionStopped:
        shutil.rmtree(staging, ignore_errors=True)
        os._exit(130)
    finally:
        worker.PROMOTING.clear()
    if (
        not worker.driver_alive()
    ):  # it died during the last file: nobody will record these (the next build re-runs them)
        os._exit(0)
    return files
