"""Plan a build before any kernel starts: discover and select notebooks, check parameters, order by dependencies, compute cache keys."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

from .. import notebook as nbfile
from .. import params, paths, pyast
from . import cache
from .model import (
    CELL_TIMEOUT,
    IMPLICIT_INPUTS,
    METADATA_KEY,
    OUTPUT_PARAMETER,
    SLOW_OPTIONAL_IMPORTS,
    BuildError,
    Plan,
)


def discover(notebooks_dir: Path | None = None) -> list[Path]:
    """The collection's notebooks: notebooks/NN_*.ipynb, in number order."""
    folder = notebooks_dir or paths.NOTEBOOKS_DIR
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def select(available: list[Path], wanted: list[str]) -> list[Path]:
    """Pick notebooks by number ('01' or '1'), stem ('01_exports'), unique prefix ('05_def') or file name; all when none is named."""
    if not wanted:
        return available
    chosen = []
    for word in wanted:
        key = Path(word).name.removesuffix(".ipynb")
        hits = _matches(available, key)
        if len(hits) != 1:
            names = [p.stem for p in available]
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
            what = (
                f"ambiguous notebook {word!r} (matches {', '.join(h.stem for h in hits)})"
                if hits
                else f"unknown notebook {word!r}"
            )
            hint = f"; did you mean {close[0]!r}?" if close and not hits else ""
            raise BuildError(f"{what}{hint}; available: {', '.join(names)}")
        chosen += [h for h in hits if h not in chosen]
    return sorted(chosen)


def _matches(available: list[Path], key: str) -> list[Path]:
    """Notebooks a word names: exact stem, its number (with or without the leading zero), else a unique prefix of the stem."""
    number = key.zfill(2) if key.isdigit() else None
    exact = [p for p in available if p.stem == key or p.stem.split("_", 1)[0] == number]
    if exact or not key:
        return exact
    return [p for p in available if p.stem.startswith(key)]


def skip_slow_imports() -> None:
    """Make the optional imports in SLOW_OPTIONAL_IMPORTS fail fast (ImportError) in this process, unless already loaded."""
    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def declared_parameters(notebook: Path) -> dict[str, str]:
    """Parameter names of a notebook's `parameters` cell and their types (annotation, else the default's type)."""
    return {name: p.type_name for name, p in _declared(notebook).items()}


def _declared(notebook: Path) -> dict[str, params.Parameter]:
    """A notebook's declared parameters (see rare_earths.params), or BuildError."""
    try:
        return params.declared(notebook)
    except params.ParameterError as exc:
        raise BuildError(str(exc)) from None


def coerce(notebook: str, name: str, raw: Any, type_name: str) -> Any:
    """Convert a command-line value to the declared type of a parameter, or raise BuildError (the kernel applies the same rule)."""
    try:
        return params.coerce(notebook, name, raw, type_name)
    except params.ParameterError as exc:
        raise BuildError(str(exc)) from None


def resolve_parameters(notebooks: list[Path], given: dict[str, Any]) -> dict[Path, dict[str, Any]]:
    """Typed parameters per notebook; every given name declared by a selected notebook, every value meaningful (params.check_values)."""
    declared = {nb: _declared(nb) for nb in notebooks}
    for name in given:
        if name == OUTPUT_PARAMETER:
            raise BuildError(f"parameter {name!r} is set by the build itself (use --output-dir)")
        if not any(name in d for d in declared.values()):
            names = sorted({n for d in declared.values() for n in d if n != OUTPUT_PARAMETER})
            close = difflib.get_close_matches(name, names, n=1)
            listing = "; ".join(f"{nb.stem}: {', '.join(d) or '(none)'}" for nb, d in declared.items())
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise BuildError(
                f"unknown parameter {name!r} for {', '.join(nb.stem for nb in notebooks)}{hint} (declared: {listing})"
            )
    typed = {
        nb: {k: coerce(nb.stem, k, v, d[k].type_name) for k, v in given.items() if k in d} for nb, d in declared.items()
    }
    for nb, d in declared.items():
        defaults = {n: _literal(p.default) for n, p in d.items()}
        merged = {n: v for n, v in {**defaults, **typed[nb]}.items() if v is not _UNREADABLE}
        try:
            params.check_values(nb.stem, merged, d)
        except params.ParameterError as exc:
            raise BuildError(str(exc)) from None
    return typed


_UNREADABLE = object()


def _literal(text: str) -> Any:
    """A default as written in the parameters cell, evaluated as a literal (or _UNREADABLE)."""

    try:
        return pyast.literal_eval(text)
    except (ValueError, SyntaxError):
        return _UNREADABLE


def declared_dependencies(notebook: Path, available: list[Path]) -> tuple[list[str], list[Path]]:
    """The data files a notebook declares it reads (project-relative) and the notebooks it runs after."""
    meta = _read(notebook).get("metadata", {}).get(METADATA_KEY, {})
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


def _read(notebook: Path) -> dict[str, Any]:
    """A notebook's JSON, or BuildError naming the notebook (e.g. a truncated file)."""
    try:
        return nbfile.read_notebook(notebook)
    except nbfile.NotebookFileError as exc:
        raise BuildError(str(exc)) from None


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
        raise BuildError(
            "notebooks run after each other in a cycle: " + " -> ".join(p.stem for p in chain + [notebook])
        )
    for up in upstream[notebook]:
        _visit(up, upstream, ordered, chain + [notebook])
    ordered.append(notebook)


def hash_inputs(notebook: Path, inputs: list[str], project_root: Path) -> dict[str, str]:
    """sha256 of each declared input (plus the data package descriptor when it reads data/); missing is an error."""
    implicit = [
        rel for rel in IMPLICIT_INPUTS if any(i.startswith("data/") for i in inputs) and (project_root / rel).exists()
    ]
    hashes = {}
    for rel in sorted(set(inputs) | set(implicit)):
        path = project_root / rel
        if not path.is_file():
            raise BuildError(f"{notebook.name}: declared input {rel} does not exist")
        hashes[rel] = cache.sha256_file(path)
    return hashes


def declared_timeout(notebook: Path) -> int | None:
    """The per-cell time limit a notebook declares in its metadata (rare_earths.timeout, seconds), or None."""
    value = _read(notebook).get("metadata", {}).get(METADATA_KEY, {}).get("timeout")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BuildError(
            f"{notebook.name}: metadata {METADATA_KEY}.timeout must be a whole number of seconds > 0, got {value!r}"
        )
    return value


def cell_timeout(notebook: Path, given: int | None = None) -> int:
    """Seconds each cell of a notebook may run: `given` (--timeout), else its metadata, else CELL_TIMEOUT."""
    if given is not None:
        if given <= 0:
            raise BuildError(f"--timeout must be a whole number of seconds > 0, got {given}")
        return given
    declared = declared_timeout(notebook)
    return CELL_TIMEOUT if declared is None else declared


def make_plans(
    ordered: list[Path],
    available: list[Path],
    parameters: dict[Path, dict[str, Any]],
    project_root: Path,
    timeout: int | None = None,
    state: Path | None = None,
) -> list[Plan]:
    """Plan each notebook (in dependency order): its input hashes, its execution key, its render inputs and its
    per-cell time limit.

    `state` is the build's records folder (.build/), where the import scan is cached (deps.py).
    """
    from .deps import ModuleGraph
    from .render import render_inputs, runner_modules

    graph = ModuleGraph(cache.PACKAGE_DIR, state / "imports.json" if state else None)
    environment = cache.environment_digest(paths.LOCK_FILE)
    runner = graph.digest(runner_modules(graph))
    render = render_inputs(graph, environment)
    keys: dict[str, str] = {}
    plans = []
    for notebook in ordered:
        inputs, upstream = declared_dependencies(notebook, available)
        hashes = hash_inputs(notebook, inputs, project_root)
        after = [p.stem for p in upstream]
        nb = _read(notebook)
        key = cache.cache_key(
            {
                "notebook": cache.notebook_fingerprint(nb),
                "parameters": parameters[notebook],
                "inputs": hashes,
                "modules": graph.digest(notebook_modules(graph, nb)),
                "runner": runner,
                "environment": environment,
                "after": {name: keys[name] for name in after},
            }
        )
        keys[notebook.stem] = key
        plans.append(
            Plan(
                notebook,
                parameters[notebook],
                hashes,
                after,
                key,
                timeout=cell_timeout(notebook, timeout),
                render=render,
            )
        )
    graph.save()
    return plans


def notebook_modules(graph: Any, nb: dict[str, Any]) -> list[str]:
    """The rare_earths modules a notebook reaches: its own import lines, then the package's imports, transitively."""
    from .deps import notebook_imports

    return graph.closure(notebook_imports(graph, nb))


def checked_output_root(output_root: Path, project_root: Path) -> Path:
    """The outputs folder, resolved; refused when it is the project itself or inside its sources (data/, notebooks/, lib/)."""
    resolved, project = output_root.resolve(), project_root.resolve()
    for forbidden in (project / "data", project / "notebooks", project / "lib", paths.PROJECT_ROOT.resolve() / "lib"):
        if resolved == forbidden or forbidden in resolved.parents:
            raise BuildError(
                f"--output-dir {output_root} is inside {forbidden.name}/: the build would write among the project's sources"
            )
    if resolved in (project, paths.PROJECT_ROOT.resolve()):
        raise BuildError(f"--output-dir {output_root} is the project folder itself; choose a folder such as outputs/")
    return resolved


def data_problems(todo: list[Plan], project_root: Path) -> list[str]:
    """Validate data/ once before any kernel starts (descriptor included) when a notebook to run reads it."""
    data_dir = project_root / "data"
    reads_data = any(rel.startswith("data/") for plan in todo for rel in plan.inputs)
    if not reads_data or not (
        (data_dir / "datapackage.json").exists() or project_root.resolve() == paths.PROJECT_ROOT.resolve()
    ):
        return []
    from ..inventory import merged
    from ..schema import validate_package

    return merged([str(p) for p in validate_package(data_dir)], project_root, {plan.name[:2] for plan in todo})
