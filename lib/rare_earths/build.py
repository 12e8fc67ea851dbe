"""Build the collection: execute notebooks with papermill, export HTML, collect claims, write the index.

The build is incremental: a notebook runs only when its cache key (see cache.py: its cells,
parameters, declared data files, lib/ source, pinned environment, and the keys of the notebooks
it runs after) differs from the key recorded with its current outputs, or when forced. Notebooks
that read what others made declare it in their metadata (`rare_earths.after`) and run after them.

Each notebook runs in a worker process on a kernel started from this very interpreter (the
project environment), never from a user-registered kernelspec, with its working directory in a
private staging folder. Its executed notebook is stripped of run-dependent metadata (times,
durations, paths, random cell ids), so two builds of the same commit give the same bytes. Only a
successful run is moved into outputs/ (file by file, with os.replace), and its record is written
after that, so a build killed at any moment leaves the previous outputs and records consistent;
the next build removes stale staging folders and re-runs what was not recorded. A failed run is
kept under outputs/failed/<notebook>/.

Run-dependent facts (durations, which notebooks ran or were cached, the build log) are kept in
`.build/` beside outputs/, never inside it: every file under outputs/ is a function of the commit.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache, paths

KERNEL_NAME = "python3"
OUTPUT_PARAMETER = "output_dir"
TYPES = {"int": int, "float": float, "str": str, "bool": bool}
METADATA_KEY = "rare_earths"  # notebook metadata: {"inputs": [data files], "after": [notebooks]}
IMPLICIT_INPUTS = ("data/datapackage.json",)  # the schema every data/ file is loaded against
STRIPPED_RUN_METADATA = ("start_time", "end_time", "duration", "input_path", "output_path")
INJECTED_CELL_ID = "injected-parameters"
# Optional imports that cost seconds and that the build never needs: jsonschema (under nbformat) loads
# rfc3987_syntax, which compiles a grammar at import (3-5 s on a small machine), only to check the
# "iri" string format, which no notebook schema uses. Build processes skip it (see skip_slow_imports).
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


class BuildError(Exception):
    """A problem found before any kernel starts: unknown notebook, unknown or ill-typed parameter."""


@dataclass
class Result:
    """What happened to one notebook in one build."""

    notebook: str
    status: str  # "ran", "cached" or "failed"
    seconds: float
    message: str = ""
    files: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """One notebook's part in a build: what it reads, what it runs after, its parameters and cache key."""

    path: Path
    parameters: dict[str, Any]
    inputs: dict[str, str]  # project-relative path -> sha256
    after: list[str]  # stems of the notebooks it runs after
    key: str

    @property
    def name(self) -> str:
        """The notebook's stem, e.g. 01_exports."""
        return self.path.stem


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


def skip_slow_imports() -> None:
    """Make the optional imports in SLOW_OPTIONAL_IMPORTS fail fast (ImportError) in this process, unless already loaded."""
    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def declared_parameters(notebook: Path) -> dict[str, str]:
    """Parameter names of a notebook's `parameters` cell and their types (annotation, else the default's type)."""
    skip_slow_imports()
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


# ---------------------------------------------------------------- dependencies and cache keys


def declared_dependencies(notebook: Path, available: list[Path]) -> tuple[list[str], list[Path]]:
    """The data files a notebook declares it reads (project-relative) and the notebooks it runs after."""
    meta = cache.read_notebook(notebook).get("metadata", {}).get(METADATA_KEY, {})
    inputs, after = meta.get("inputs", []), meta.get("after", [])
    if not (isinstance(inputs, list) and isinstance(after, list) and all(isinstance(x, str) for x in inputs + after)):
        raise BuildError(f"{notebook.name}: metadata {METADATA_KEY}.inputs and .after must be lists of strings")
    for rel in inputs:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise BuildError(f"{notebook.name}: input {rel!r} must be a path inside the project (e.g. data/x.csv)")
    try:
        upstream = select(available, after) if after else []
    except BuildError as exc:
        raise BuildError(f"{notebook.name}: metadata {METADATA_KEY}.after: {exc}") from None
    if notebook in upstream:
        raise BuildError(f"{notebook.name}: a notebook cannot run after itself")
    return inputs, upstream


def in_order(chosen: list[Path], upstream: dict[Path, list[Path]]) -> list[Path]:
    """The chosen notebooks and all they run after, each after its upstream notebooks (a cycle is an error)."""
    ordered: list[Path] = []
    for notebook in chosen:
        _visit(notebook, upstream, ordered, [])
    return ordered


def _visit(notebook: Path, upstream: dict[Path, list[Path]], ordered: list[Path], chain: list[Path]) -> None:
    """Depth-first step of in_order: place a notebook's upstream notebooks, then the notebook."""
    if notebook in ordered:
        return
    if notebook in chain:
        raise BuildError("notebooks run after each other in a cycle: " + " -> ".join(p.stem for p in chain + [notebook]))
    for up in upstream[notebook]:
        _visit(up, upstream, ordered, chain + [notebook])
    ordered.append(notebook)


def hash_inputs(notebook: Path, inputs: list[str], project_root: Path) -> dict[str, str]:
    """sha256 of each declared input (plus the data package descriptor when it reads data/); missing is an error."""
    implicit = [rel for rel in IMPLICIT_INPUTS if any(i.startswith("data/") for i in inputs) and (project_root / rel).exists()]
    hashes = {}
    for rel in sorted(set(inputs) | set(implicit)):
        path = project_root / rel
        if not path.is_file():
            raise BuildError(f"{notebook.name}: declared input {rel} does not exist")
        hashes[rel] = cache.sha256_file(path)
    return hashes


def make_plans(ordered: list[Path], available: list[Path], parameters: dict[Path, dict[str, Any]], project_root: Path) -> list[Plan]:
    """Plan each notebook (in dependency order): its input hashes and its cache key."""
    lib = cache.tree_digest(cache.PACKAGE_DIR)
    environment = cache.environment_digest(paths.LOCK_FILE)
    keys: dict[str, str] = {}
    plans = []
    for notebook in ordered:
        inputs, upstream = declared_dependencies(notebook, available)
        hashes = hash_inputs(notebook, inputs, project_root)
        after = [p.stem for p in upstream]
        key = cache.cache_key(
            {
                "notebook": cache.notebook_fingerprint(cache.read_notebook(notebook)),
                "parameters": parameters[notebook],
                "inputs": hashes,
                "lib": lib,
                "environment": environment,
                "after": {name: keys[name] for name in after},
            }
        )
        keys[notebook.stem] = key
        plans.append(Plan(notebook, parameters[notebook], hashes, after, key))
    return plans


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

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:  # jupyter_client interrupts before every shutdown: only noise in the build log
                await super()._async_interrupt_kernel()

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


@functools.lru_cache(maxsize=1)
def _html_exporter() -> Any:
    """One HTML exporter per worker process: compiling the template costs ~0.4 s, rendering with it ~0.15 s.

    The template is the project's offline variant of JupyterLab's (reports.TEMPLATE): no CDN scripts.
    """
    from . import reports

    return reports.html_exporter(reader=False)


def export_html(executed: Path, html_dir: Path) -> list[Path]:
    """Export a reader version (no code, no prompts) and a full version of an executed notebook."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    title = notebook_title(nb) or executed.stem
    exporter = _html_exporter()
    written = []
    for suffix, hide in (("", True), (".full", False)):
        exporter.exclude_input = exporter.exclude_input_prompt = exporter.exclude_output_prompt = hide
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        target = html_dir / f"{executed.stem}{suffix}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def notebook_title(nb: Any) -> str:
    """The first level-1 heading of a notebook (nbformat node or plain JSON), or ''."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


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

    name = plan.name
    print(f"[{name}] started", flush=True)
    start = time.perf_counter()
    staging = output_root / ".staging" / name
    shutil.rmtree(staging, ignore_errors=True)
    executed = staging / "executed" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True)
    os.environ["RARE_EARTHS_OUTPUTS"] = str(output_root)  # inherited by the kernel: see paths.OUTPUTS_DIR
    message = ""
    try:
        params = dict(plan.parameters)
        if OUTPUT_PARAMETER in declared_parameters(plan.path):
            params[OUTPUT_PARAMETER] = "."  # the kernel works in the staging folder: no machine path in the report
        papermill.execute_notebook(
            str(plan.path), str(executed), parameters=params, kernel_name=KERNEL_NAME, progress_bar=False,
            cwd=str(staging), request_save_on_cell_execute=False, kernel_manager_class=_kernel_manager_class(),
        )
    except PapermillExecutionError as exc:
        message = f"{plan.path.name}: {_failed_cell(executed)} raised {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook: still a failed notebook, not a crashed build
        message = f"{plan.path.name}: {type(exc).__name__}: {exc}"
    if executed.exists():
        try:
            normalise_executed(executed)
            export_html(executed, staging / "html")
        except Exception as exc:
            message = message or f"{plan.path.name}: HTML export failed: {type(exc).__name__}: {exc}"
    if not message:
        record = {**context, "parameters": plan.parameters, "inputs": plan.inputs, "cache_key": plan.key}
        provenance.write_sidecars(name, staging, record)
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


def is_current(record: dict[str, Any], key: str, output_root: Path) -> bool:
    """Whether a notebook's recorded outputs were built with this cache key and are all still there."""
    return record.get("status") == "built" and record.get("key") == key and all((output_root / f).is_file() for f in record.get("files", []))


def _record(output_root: Path, plan: Plan, result: Result) -> None:
    """Update a notebook's manifest after it ran or failed (a failure keeps the last good files)."""
    record = read_manifest(output_root, plan.name)
    if result.status == "ran":
        record = {"key": plan.key, "files": result.files, "parameters": plan.parameters, "inputs": plan.inputs, "after": plan.after}
    record.update(status="built" if result.status == "ran" else "failed", message=result.message)
    _write_manifest(output_root, plan.name, record)


# ---------------------------------------------------------------- the whole build


@contextmanager
def _locked(state: Path) -> Iterator[None]:
    """Hold the build lock of an outputs folder (one build at a time writes to it)."""
    import fcntl

    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build is writing to {state.parent}; wait for it to end") from None
        yield


def recover(output_root: Path) -> None:
    """Clean up after a build that was killed: stale staging folders and half-written temporary files."""
    shutil.rmtree(output_root / ".staging", ignore_errors=True)
    if output_root.exists():
        for tmp in output_root.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def forced_notebooks(available: list[Path], force: bool | list[str]) -> list[Path]:
    """The notebooks to re-run even when cached: all (True), none (False), or the named ones."""
    if force is True:
        return list(available)
    return select(available, force) if force else []


def build(
    wanted: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    output_root: Path | None = None,
    jobs: int | None = None,
    fail_fast: bool = False,
    notebooks_dir: Path | None = None,
    force: bool | list[str] = False,
) -> list[Result]:
    """Build the selected notebooks (all by default) whose cache keys changed, then refresh the claims ledger and index."""
    started = time.perf_counter()
    output_root = Path(output_root or paths.OUTPUTS_DIR).resolve()
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS_DIR)
    available = discover(notebooks_dir)
    if not available:
        raise BuildError(f"no notebooks found in {notebooks_dir}")
    forced = forced_notebooks(available, force)
    chosen = select(available, wanted or []) + ([] if force is True else forced)
    upstream = {nb: declared_dependencies(nb, available)[1] for nb in available}
    ordered = in_order(sorted(set(chosen)), upstream)
    typed = resolve_parameters(ordered, parameters) if parameters else {nb: {} for nb in ordered}
    plans = make_plans(ordered, available, typed, notebooks_dir.parent)
    state = paths.state_dir(output_root)
    with _locked(state):
        recover(output_root)
        timings = _read_json(state / "timings.json")
        results = _cached(plans, output_root, {p.stem for p in forced}, timings)
        todo = [p for p in plans if p.name not in results]
        if todo:
            from . import provenance

            context = {"commit": provenance.git_commit(notebooks_dir.parent), "versions": provenance.versions()}
            results.update(_run_all(todo, results, output_root, jobs, fail_fast, context))
        shutil.rmtree(output_root / ".staging", ignore_errors=True)  # empty by now: each run promoted or quarantined
        _write_timings(state, plans, results, timings)
        built = sorted(r.notebook for r in results.values() if r.status != "failed")
        _finish_if_changed(output_root, available, built)
    return _summary([results[p.name] for p in plans if p.name in results], len(plans), output_root, time.perf_counter() - started)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file, or {} when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _cached(plans: list[Plan], output_root: Path, forced: set[str], timings: dict[str, Any]) -> dict[str, Result]:
    """The notebooks whose recorded outputs are current (and not forced), each reported on one line."""
    results = {}
    for plan in plans:
        record = read_manifest(output_root, plan.name)
        if plan.name in forced or not is_current(record, plan.key, output_root):
            continue
        timing = timings.get(plan.name, {})
        seconds = timing.get("seconds", 0.0) if timing.get("key") == plan.key else 0.0
        results[plan.name] = Result(plan.name, "cached", seconds, "", record.get("files", []))
        print(f"[{plan.name}] cached" + (f" (its run took {seconds:.1f} s)" if seconds else ""), flush=True)
    return results


def _run_all(todo: list[Plan], done: dict[str, Result], output_root: Path, jobs: int | None, fail_fast: bool, context: dict[str, Any]) -> dict[str, Result]:
    """Run notebooks in a pool of worker processes, each once the notebooks it runs after have succeeded; record each as it ends."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    results = dict(done)
    waiting = list(todo)  # in dependency order
    running: dict[Any, Plan] = {}
    stop = False
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn, initializer=skip_slow_imports) as pool:
        while waiting or running:
            for plan in [] if stop else list(waiting):
                if any(up not in results for up in plan.after):
                    continue
                waiting.remove(plan)
                failed = [up for up in plan.after if results[up].status == "failed"]
                if failed:
                    results[plan.name] = _report(Result(plan.name, "failed", 0.0, f"{plan.path.name}: not run: it runs after {', '.join(failed)}, which failed"))
                    _record(output_root, plan, results[plan.name])
                else:
                    running[pool.submit(run_one, plan, output_root, context)] = plan
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                plan = running.pop(future)
                if future.cancelled():
                    continue
                result = results[plan.name] = _report(future.result())
                _record(output_root, plan, result)  # at once: a build killed later keeps this notebook's work
                if fail_fast and result.status == "failed" and not stop:
                    stop = True
                    for other in running:
                        other.cancel()
    return {p.name: results[p.name] for p in todo if p.name in results}


def _report(result: Result) -> Result:
    """Print the line that says how a notebook's run ended."""
    word = {"ran": "ran", "failed": "FAILED"}[result.status]
    print(f"[{result.notebook}] {word} in {result.seconds:.1f} s" + (f": {result.message}" if result.message else ""), flush=True)
    return result


def _summary(results: list[Result], planned: int, output_root: Path, seconds: float) -> list[Result]:
    """Print the build's summary line (and each failure on stderr); return the results in notebook order."""
    counts = {s: sum(r.status == s for r in results) for s in ("ran", "cached", "failed")}
    skipped = planned - len(results)
    print(
        f"build: {counts['ran']} ran, {counts['cached']} cached, {counts['failed']} failed"
        + (f", {skipped} not run (--fail-fast)" if skipped else "")
        + f" in {seconds:.1f} s; index: {output_root / 'index.html'}",
        flush=True,
    )
    for r in results:
        if r.status == "failed":
            kept = output_root / "failed" / r.notebook
            print(f"FAILED {r.message}" + (f"\n  partial run kept in {kept}" if kept.exists() else ""), file=sys.stderr, flush=True)
    return sorted(results, key=lambda r: r.notebook)


def _write_timings(state: Path, plans: list[Plan], results: dict[str, Result], previous: dict[str, Any]) -> None:
    """Record durations outside outputs/: .build/timings.json, .build/timings.js (read by the index page), .build/build.log."""
    from .outputs import write_text

    timings = dict(previous)
    for plan in plans:
        result = results.get(plan.name)
        if result is None:
            continue
        if result.status == "cached":
            timings[plan.name] = {**timings.get(plan.name, {}), "last": "cached"}
        else:
            timings[plan.name] = {"key": plan.key, "seconds": round(result.seconds, 1), "last": result.status}
    text = json.dumps(timings, indent=1, sort_keys=True)
    write_text(text + "\n", state / "timings.json")
    write_text(f"window.RARE_EARTHS_TIMINGS = {text};\n", state / "timings.js")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    with open(state / "build.log", "a", encoding="utf-8") as log:
        for plan in plans:
            if plan.name in results:
                r = results[plan.name]
                log.write(f"{stamp} {plan.name} {r.status} {r.seconds:.1f}s key={plan.key[:12]} {r.message}\n")


def _collection_digest(output_root: Path, notebooks: list[Path]) -> str:
    """Hash of everything the index page and claims ledger are made from (notebooks, records, lib, claims inventory)."""
    parts: dict[str, Any] = {"lib": cache.tree_digest(cache.PACKAGE_DIR)}
    for nb in notebooks:
        parts[nb.stem] = [cache.sha256_file(nb), read_manifest(output_root, nb.stem)]
    for path in (paths.DATAPACKAGE, *sorted(paths.DATA_DIR.glob("*.csv")), output_root / "sweep" / "comparison.csv"):
        parts[path.name] = cache.sha256_file(path) if path.exists() else None  # the sources page reads every data file
    return cache.sha256_bytes(cache.canonical_json(parts))


def _finish_if_changed(output_root: Path, notebooks: list[Path], built: list[str]) -> None:
    """Rewrite the claims ledger and index only when something they are made from changed (a no-op build imports no pandas)."""
    digest = _collection_digest(output_root, notebooks)
    marker = output_root / ".manifests" / "index.json"
    current = (output_root / "index.html").exists() and (paths.tables_dir(output_root) / "claims.csv").exists()
    if current and _read_json(marker).get("key") == digest:
        return
    finish(output_root, built, notebooks)
    from .outputs import write_text

    write_text(json.dumps({"key": digest}, indent=1) + "\n", marker)


def refresh_index(output_root: Path | None = None) -> None:
    """Rewrite the index, ledger and sources pages of an existing build if anything they show changed (e.g. after a sweep)."""
    output_root = Path(output_root or paths.OUTPUTS_DIR).resolve()
    if not (output_root / "index.html").exists():
        return
    notebooks = discover()
    built = [nb.stem for nb in notebooks if read_manifest(output_root, nb.stem).get("status") not in (None, "failed")]
    with _locked(paths.state_dir(output_root)):
        _finish_if_changed(output_root, notebooks, built)


def finish(output_root: Path, built: list[str], notebooks: list[Path]) -> None:
    """Collect the claims ledger, check each built section checked all its claims, write the index and sources pages."""
    from . import catalogue, claims, index, provenance
    from .outputs import save_csv, write_text

    ledger = claims.collect(output_root)
    target = save_csv(ledger, paths.tables_dir(output_root) / "claims.csv")
    merged = sorted(paths.claims_dir(output_root).glob("*.csv"))
    context = {
        "collected_from": {p.relative_to(output_root).as_posix(): cache.sha256_file(p) for p in merged},
        "commit": provenance.git_commit(paths.PROJECT_ROOT),
        "versions": provenance.versions(),
    }
    record = provenance.record("(build) the notebooks' claim records, merged", [target], output_root, context)
    write_text(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n", provenance.sidecar_path(target))
    sections = sorted({name[:2] for name in built})
    missing = claims.unchecked(ledger, sections)
    if missing:
        raise BuildError(f"sections {', '.join(sections)} left inventoried claims unchecked: {', '.join(missing)}")
    catalogue.write(output_root, notebooks)
    index.write(output_root, notebooks, ledger)
