"""Build the collection: execute notebooks with papermill, export HTML, collect claims, write the index.

Each notebook runs in a worker process on a kernel started from this very interpreter (the
project environment), never from a user-registered kernelspec. It writes into a private staging
folder; only when it succeeds are its outputs moved into outputs/, so a failing notebook never
destroys the last good outputs. A failed run is kept under outputs/failed/<notebook>/.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths

KERNEL_NAME = "python3"
OUTPUT_PARAMETER = "output_dir"
TYPES = {"int": int, "float": float, "str": str, "bool": bool}


class BuildError(Exception):
    """A problem found before any kernel starts: unknown notebook, unknown or ill-typed parameter."""


@dataclass
class Result:
    """What happened to one notebook in one build."""

    notebook: str
    status: str  # "ran" or "failed"
    seconds: float
    message: str = ""
    files: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- selection and parameters


def discover(notebooks_dir: Path | None = None) -> list[Path]:
    """The collection's notebooks: notebooks/NN_*.ipynb, in number order."""
    folder = notebooks_dir or paths.NOTEBOOKS_DIR
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def select(available: list[Path], wanted: list[str]) -> list[Path]:
    """Pick notebooks by number ('01'), stem ('01_exports') or file name; all when none is named."""
    if not wanted:
        return available
    chosen = []
    for word in wanted:
        key = Path(word).name.removesuffix(".ipynb")
        hits = [p for p in available if p.stem == key or p.stem.split("_", 1)[0] == key]
        if not hits:
            names = ", ".join(p.stem for p in available)
            raise BuildError(f"unknown notebook {word!r}; available: {names}")
        chosen += [h for h in hits if h not in chosen]
    return sorted(chosen)


def declared_parameters(notebook: Path) -> dict[str, str]:
    """Parameter names of a notebook's `parameters` cell and their types (annotation, else the default's type)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise BuildError(f"{notebook.name}: no cell tagged 'parameters'")
    from papermill import inspect_notebook

    return {name: p["inferred_type_name"] if p["inferred_type_name"] != "None" else _default_type(p["default"]) for name, p in inspect_notebook(str(notebook)).items()}


def _default_type(default: str) -> str:
    """The type name of a parameter's default value as written in the parameters cell."""
    import ast

    try:
        return type(ast.literal_eval(default)).__name__
    except (ValueError, SyntaxError):
        return "unknown"


def coerce(notebook: str, name: str, raw: Any, type_name: str) -> Any:
    """Convert a command-line value to the declared type of a parameter, or raise BuildError."""
    kind = TYPES.get(type_name.replace("None", "").strip(" |") or "str")
    if kind is None:
        raise BuildError(f"{notebook}: parameter {name!r} has a type ({type_name}) that cannot be set from the command line")
    if not isinstance(raw, str):
        if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
            return raw
        raw = str(raw)
    try:
        if kind is bool:
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
        return kind(raw)
    except ValueError:
        raise BuildError(f"{notebook}: parameter {name!r} expects {type_name}, got {raw!r}") from None


def resolve_parameters(notebooks: list[Path], given: dict[str, Any]) -> dict[Path, dict[str, Any]]:
    """Typed parameters per notebook; every given name must be declared by a selected notebook."""
    declared = {nb: declared_parameters(nb) for nb in notebooks}
    for name in given:
        if name == OUTPUT_PARAMETER:
            raise BuildError(f"parameter {name!r} is set by the build itself (use --output-dir)")
        if not any(name in d for d in declared.values()):
            listing = "; ".join(f"{nb.stem}: {', '.join(d) or '(none)'}" for nb, d in declared.items())
            raise BuildError(f"unknown parameter {name!r} for {', '.join(nb.stem for nb in notebooks)} (declared: {listing})")
    return {nb: {k: coerce(nb.stem, k, v, d[k]) for k, v in given.items() if k in d} for nb, d in declared.items()}


# ---------------------------------------------------------------- running one notebook


def _kernel_manager_class() -> type:
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

        @default("ip")
        def _default_ip(self) -> str:
            return os.path.join(tempfile.mkdtemp(prefix="rare-earths-kernel-"), "kernel")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    return ProjectKernelManager


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


def export_html(executed: Path, html_dir: Path) -> list[Path]:
    """Export a reader version (no code, no prompts) and a full version of an executed notebook."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    title = notebook_title(nb) or executed.stem
    written = []
    for suffix, hide in (("", True), (".full", False)):
        exporter = HTMLExporter(template_name="lab", exclude_input=hide, exclude_input_prompt=hide, exclude_output_prompt=hide)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        target = html_dir / f"{executed.stem}{suffix}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def notebook_title(nb: Any) -> str:
    """The first level-1 heading of a notebook, or ''."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def run_one(notebook: Path, parameters: dict[str, Any], output_root: Path) -> Result:
    """Execute one notebook into a staging folder, export its HTML, and promote or quarantine the result."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    name = notebook.stem
    print(f"[{name}] started", flush=True)
    start = time.perf_counter()
    staging = output_root / ".staging" / name
    shutil.rmtree(staging, ignore_errors=True)
    executed = staging / "executed" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True)
    declared = declared_parameters(notebook)
    params = dict(parameters)
    if OUTPUT_PARAMETER in declared:
        params[OUTPUT_PARAMETER] = str(staging)
    message = ""
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters=params, kernel_name=KERNEL_NAME, progress_bar=False,
            cwd=str(notebook.parent), request_save_on_cell_execute=False, kernel_manager_class=_kernel_manager_class(),
        )
    except PapermillExecutionError as exc:
        message = f"{notebook.name}: {_failed_cell(executed)} raised {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook: still a failed notebook, not a crashed build
        message = f"{notebook.name}: {type(exc).__name__}: {exc}"
    if executed.exists():
        try:
            export_html(executed, staging / "html")
        except Exception as exc:
            message = message or f"{notebook.name}: HTML export failed: {type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    if message:
        _quarantine(staging, output_root, name)
        return Result(name, "failed", seconds, message)
    files = _promote(staging, output_root, name)
    return Result(name, "ran", seconds, "", files)


def _manifest_path(output_root: Path, name: str) -> Path:
    """Where a notebook's record of its outputs and last status is kept."""
    return output_root / ".manifests" / f"{name}.json"


def read_manifest(output_root: Path, name: str) -> dict[str, Any]:
    """A notebook's last good files and last status ({} if it never built)."""
    path = _manifest_path(output_root, name)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write_manifest(output_root: Path, name: str, record: dict[str, Any]) -> None:
    """Write a manifest atomically."""
    from .outputs import write_text

    write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", _manifest_path(output_root, name))


def _promote(staging: Path, output_root: Path, name: str) -> list[str]:
    """Move a successful run's files into outputs/, removing this notebook's files that it no longer makes."""
    new = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    old = read_manifest(output_root, name).get("files", [])
    for rel in new:
        target = output_root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, target)
    for rel in set(old) - set(new):
        (output_root / rel).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(output_root / "failed" / name, ignore_errors=True)
    return new


def _quarantine(staging: Path, output_root: Path, name: str) -> None:
    """Keep a failed run (partly executed notebook, its HTML, anything it wrote) under outputs/failed/."""
    target = output_root / "failed" / name
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)


# ---------------------------------------------------------------- the whole build


def build(
    wanted: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    output_root: Path | None = None,
    jobs: int | None = None,
    fail_fast: bool = False,
    notebooks_dir: Path | None = None,
) -> list[Result]:
    """Build the selected notebooks (all by default) and refresh the claims ledger and index page."""
    output_root = Path(output_root or paths.OUTPUTS_DIR).resolve()
    notebooks = select(discover(notebooks_dir), wanted or [])
    if not notebooks:
        raise BuildError(f"no notebooks found in {notebooks_dir or paths.NOTEBOOKS_DIR}")
    per_notebook = resolve_parameters(notebooks, parameters or {})
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(notebooks)))
    started = time.perf_counter()
    results = _run_all(notebooks, per_notebook, output_root, jobs, fail_fast)
    for result in results:
        record = read_manifest(output_root, result.notebook)
        record.update(status=result.status, seconds=round(result.seconds, 1), message=result.message)
        if result.status == "ran":
            record["files"] = result.files
        _write_manifest(output_root, result.notebook, record)
    finish(output_root, [r for r in results if r.status == "ran"], discover(notebooks_dir))
    ran = sum(r.status == "ran" for r in results)
    failed = [r for r in results if r.status == "failed"]
    print(f"build: {ran} ran, {len(failed)} failed in {time.perf_counter() - started:.1f} s; index: {output_root / 'index.html'}", flush=True)
    for r in failed:
        print(f"FAILED {r.message}\n  partial run kept in {output_root / 'failed' / r.notebook}", file=sys.stderr, flush=True)
    return results


def _run_all(notebooks: list[Path], params: dict[Path, dict[str, Any]], output_root: Path, jobs: int, fail_fast: bool) -> list[Result]:
    """Run notebooks in a pool of worker processes, reporting each as it ends."""
    results: list[Result] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(run_one, nb, params[nb], output_root): nb for nb in notebooks}
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            word = "ran" if result.status == "ran" else "FAILED"
            print(f"[{result.notebook}] {word} in {result.seconds:.1f} s" + (f": {result.message}" if result.message else ""), flush=True)
            if fail_fast and result.status == "failed":
                for other in futures:
                    other.cancel()
                break
    return sorted(results, key=lambda r: r.notebook)


def finish(output_root: Path, succeeded: list[Result], notebooks: list[Path]) -> None:
    """Collect the claims ledger, check each built section checked all its claims, write the index."""
    from . import claims, index
    from .outputs import save_csv

    ledger = claims.collect(output_root)
    save_csv(ledger, paths.tables_dir(output_root) / "claims.csv")
    sections = sorted({r.notebook[:2] for r in succeeded})
    missing = claims.unchecked(ledger, sections)
    if missing:
        raise BuildError(f"sections {', '.join(sections)} left inventoried claims unchecked: {', '.join(missing)}")
    index.write(output_root, notebooks, ledger)

