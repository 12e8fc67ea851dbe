"""The package layout is the architecture: imports point one way, no circles, no oversized files.

The imports are read with `ast` from the source (every `import`, top-level or inside a function), not
with import-linter: the rules are five lines of policy, the check is small and has no dependency, and it
sees imports inside functions, which this package uses to keep a no-op build fast and which a run-time
check would miss.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from rare_earths import paths

PACKAGE = "rare_earths"
LIB = paths.PROJECT_ROOT / "lib" / PACKAGE
WINGS = ("sections", "build", "site", "clients")
ENTRY = ("cli", "__main__")
# Which wing may import which (besides itself); the core imports only the core.
ALLOWED = {
    "entry": {"core", "build", "site", "clients", "sections", "entry"},
    "build": {"core", "site"},
    "site": {"core"},
    "sections": {"core"},
    "clients": {"core"},
    "core": set(),
}
MAX_LINES = 300
LENGTH_REASON = "Why one file"


def module_name(path: Path, root: Path = LIB) -> str:
    """Dotted module name of a file under a package folder (a package's __init__ is the package)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = LIB) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def wing(name: str) -> str:
    """The wing a module belongs to: core, entry, or one of WINGS."""
    parts = name.split(".")
    if len(parts) == 1 or parts[1] == "__init__":
        return "core"
    if parts[1] in WINGS:
        return parts[1]
    return "entry" if parts[1] in ENTRY else "core"


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that one module imports (relative imports resolved; `from . import x` -> module x)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
    return {m for m in found if m in known and m != name}


def graph(root: Path = LIB) -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    mods = modules(root)
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), i.e. import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def violations(edges: dict[str, set[str]]) -> list[str]:
    """Imports that point the wrong way between wings."""
    bad = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            a, b = wing(source), wing(target)
            if a != b and b not in ALLOWED[a]:
                bad.append(f"{source} ({a}) imports {target} ({b})")
    return bad


def test_no_import_circles() -> None:
    assert cycles(graph()) == []


def test_imports_point_one_way() -> None:
    assert violations(graph()) == []


def test_the_checks_catch_a_circle_and_a_core_module_importing_a_wing(tmp_path: Path) -> None:
    """The two checks above fail on a package that breaks the rules (so they cannot pass vacuously)."""
    pkg = tmp_path / PACKAGE
    (pkg / "site").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "site" / "__init__.py").write_text("")
    (pkg / "data.py").write_text("from .site import index\n")
    (pkg / "site" / "index.py").write_text("def f():\n    from ..data import load\n")
    edges = {name: imports_of(name, path, set(modules(pkg))) for name, path in modules(pkg).items()}
    assert edges["rare_earths.data"] == {"rare_earths.site.index"}
    assert cycles(edges) == [["rare_earths.data", "rare_earths.site.index"]]
    assert violations(edges) == ["rare_earths.data (core) imports rare_earths.site.index (site)"]


def test_every_wing_exists_and_the_core_is_small() -> None:
    names = set(modules())
    for w in WINGS:
        assert f"{PACKAGE}.{w}" in names, f"wing {w} missing"
    core = sorted(n for n in names if wing(n) == "core" and n != PACKAGE)
    assert core == [
        f"{PACKAGE}.{m}"
        for m in (
            "claims",
            "columns",
            "csvfast",
            "csvtable",
            "data",
            "forecasts",
            "inventory",
            "labels",
            "notebook",
            "outputs",
            "package",
            "params",
            "paths",
            "plots",
            "plots_points",
            "pyast",
            "reasons",
            "robustness",
            "scale",
            "schema",
            "snapshot",
            "tables",
            "units",
        )
    ]


@pytest.mark.parametrize("path", sorted(LIB.rglob("*.py")), ids=lambda p: p.relative_to(LIB).as_posix())
def test_no_file_over_300_lines_without_a_reason(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert lines <= MAX_LINES or LENGTH_REASON in docstring, (
        f"{path.name}: {lines} lines and no '{LENGTH_REASON}' reason in its docstring"
    )


@pytest.mark.parametrize("notebook", sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_import_only_the_core_and_sections(notebook: Path) -> None:
    allowed = {
        f"{PACKAGE}.{m}"
        for m in (
            "claims",
            "data",
            "labels",
            "notebook",
            "outputs",
            "params",
            "paths",
            "plots",
            "snapshot",
            "tables",
            "units",
        )
    }
    bad = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        for node in ast.walk(ast.parse(source)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                names = [f"{node.module}.{a.name}" if node.module == PACKAGE else node.module for a in node.names]
            for name in names:
                if name.startswith(PACKAGE) and name not in allowed and not name.startswith(f"{PACKAGE}.sections"):
                    bad.append(name)
    assert bad == [], f"{notebook.name} imports {bad}: notebooks use rare_earths.sections and the core only"


def test_a_moved_module_names_its_new_place() -> None:
    with pytest.raises(ImportError, match=r"rare_earths\.sections\.prices"):
        from rare_earths import prices  # noqa: F401
