"""Plan a build before any kernel starts: discover and select notebooks, check parameters, order by dependencies, compute cache keys."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .. import notebook as nbfile
from .. import paths
from . import cache
from .model import IMPLICIT_INPUTS, METADATA_KEY, OUTPUT_PARAMETER, SLOW_OPTIONAL_IMPORTS, TYPES, BuildError, Plan


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


def declared_dependencies(notebook: Path, available: list[Path]) -> tuple[list[str], list[Path]]:
    """The data files a notebook declares it reads (project-relative) and the notebooks it runs after."""
    meta = nbfile.read_notebook(notebook).get("metadata", {}).get(METADATA_KEY, {})
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
                "notebook": cache.notebook_fingerprint(nbfile.read_notebook(notebook)),
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
