"""Which rare_earths modules (and package data) a notebook or a module depends on, read with ast, standard library only.

A notebook's code cells are parsed for their import lines; each rare_earths module it reaches is parsed for its own
imports, anywhere in the file (inside functions too, as tests/test_layout.py reads them), transitively. Importing
`rare_earths.sections.defense` also runs the `__init__.py` of `rare_earths` and `rare_earths.sections`, so those
count too. A module that reads files beside itself (`Path(__file__).parent`, e.g. site/reports.py and its
templates) depends on the non-Python files of its folder (subpackages excluded), unless it declares which of them
it reads: a module-level `PACKAGE_DATA = ("templates/report.css", "templates/nbconvert")`, paths relative to its
folder (a folder stands for every file under it). So a stylesheet edit reaches only the module that reads it
(site/assets.py), not every page's renderer; tests/test_build_deps.py checks, by watching which package files a
render and an index refresh open, that the declarations miss nothing. A notebook whose code cannot be parsed
depends on the whole package: a dependency is never missed, at worst a notebook runs when it need not.

Parsing is the slow part of a no-op build (a few ms per module), so the imports found in each file are cached by
the sha256 of its text (`.build/imports.json`); hashing every module of the package costs about a millisecond.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .. import pyast

PACKAGE = "rare_earths"
CACHE_VERSION = 2
DECLARED = "PACKAGE_DATA"  # the module-level name of a module's declared package data (see the docstring)


class ModuleGraph:
    """The rare_earths package as files and imports: closures of modules, their digests."""

    def __init__(self, package_dir: Path, cache_file: Path | None = None):
        self.package_dir = Path(package_dir)
        self.cache_file = cache_file
        self.modules = _discover(self.package_dir)  # module name -> its file
        self._bytes: dict[Path, bytes] = {}
        self._sha: dict[Path, str] = {}
        self._cached = _read_cache(cache_file)
        self._dirty = False
        self._memo: dict[str, list[str]] = {}
        self._beside: dict[Path, list[Path]] = {}

    def read(self, path: Path) -> bytes:
        """The bytes of a file of the package (each file read once per build)."""
        if path not in self._bytes:
            self._bytes[path] = path.read_bytes()
        return self._bytes[path]

    def sha256(self, path: Path) -> str:
        """sha256 of a file of the package."""
        if path not in self._sha:
            try:
                self._sha[path] = hashlib.sha256(self.read(path)).hexdigest()
            except FileNotFoundError:  # a declared data file that is not there
                self._sha[path] = "missing"
        return self._sha[path]

    def imports_of_source(self, source: str, module: str | None, is_package: bool = False) -> list[str] | None:
        """The rare_earths modules some Python source imports (None if it cannot be parsed), cached by its hash."""
        digest = hashlib.sha256(f"{module}\0{is_package}\0{source}".encode()).hexdigest()
        # (the module's name is part of the key: relative imports resolve against it)
        if digest not in self._cached:
            found = _imports(source, module, is_package, self.modules)
            self._cached[digest] = found
            self._dirty = True
        return self._cached[digest]

    def imports_of_module(self, name: str) -> list[str]:
        """The rare_earths modules one module of the package imports (all of them if its file cannot be parsed)."""
        path = self.modules[name]
        found = self.imports_of_source(self.read(path).decode("utf-8"), name, path.name == "__init__.py")
        return sorted(self.modules) if found is None else found

    def closure(self, roots: list[str], prune: tuple[str, ...] = ()) -> list[str]:
        """The modules the roots reach, transitively, with their parent packages; modules in `prune` are not entered."""
        seen: set[str] = set()
        todo = [m for root in roots for m in _with_parents(root, self.modules)]
        while todo:
            name = todo.pop()
            if name in seen or name in prune:
                continue
            seen.add(name)
            todo += [m for imp in self._imported(name) for m in _with_parents(imp, self.modules)]
        return sorted(seen)

    def _imported(self, name: str) -> list[str]:
        """imports_of_module, remembered for this build (closures of several notebooks share most modules)."""
        if name not in self._memo:
            self._memo[name] = self.imports_of_module(name)
        return self._memo[name]

    def data_files(self, name: str) -> list[Path]:
        """The package data a module reads: the non-Python files of its folder when it refers to Path(__file__).parent."""
        path = self.modules[name]
        if b"__file__" not in self.read(path):
            return []
        flag = f"beside:{self.sha256(path)}"
        if flag not in self._cached:
            text = self.read(path).decode("utf-8")
            self._cached[flag] = _reads_beside(text) and (_declared_data(text) or True)
            self._dirty = True
        reads = self._cached[flag]  # False, True (undeclared: the whole folder) or the declared relative paths
        if not reads:
            return []
        if reads is not True:
            return [f for rel in reads for f in _declared_files(path.parent, rel)]
        if path.parent not in self._beside:
            self._beside[path.parent] = _data_beside(path.parent)
        return self._beside[path.parent]

    def digest(self, modules: list[str], without_data_of: tuple[str, ...] = ()) -> str:
        """Hash of the given modules' files and of the package data they read (names relative to the package),
        leaving out the package data of the modules `without_data_of` (what another step makes from it)."""
        left_out = {f for m in without_data_of if m in self.modules for f in self.data_files(m)}
        h = hashlib.sha256()
        for rel, path in self._files(modules):
            if path in left_out:
                continue
            h.update(rel.encode("utf-8") + b"\0" + self.sha256(path).encode("ascii") + b"\n")
        return h.hexdigest()

    def files_of(self, modules: list[str]) -> list[str]:
        """Package-relative paths of the files behind some modules (code and data): what a key covers."""
        return [rel for rel, _ in self._files(modules)]

    def _files(self, modules: list[str]) -> list[tuple[str, Path]]:
        """(package-relative name, path) of the modules' files and their package data, sorted by name."""
        files = {self.modules[m] for m in modules}
        for m in modules:
            files.update(self.data_files(m))
        root = len(str(self.package_dir)) + 1
        return sorted((str(p)[root:].replace(os.sep, "/"), p) for p in files)

    def save(self) -> None:
        """Write the import cache if this build parsed anything new (atomically; a failure only costs a re-parse)."""
        if not (self._dirty and self.cache_file) or not self.cache_file.parent.is_dir():
            return  # the records folder is made by a build that claimed its output folder, never here
        try:
            tmp = self.cache_file.with_name(f".{self.cache_file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": CACHE_VERSION, "imports": self._cached}), encoding="utf-8")
            os.replace(tmp, self.cache_file)
        except OSError:
            pass


def notebook_imports(graph: ModuleGraph, nb: dict) -> list[str]:
    """The rare_earths modules a notebook's code cells import (IPython magics and shell lines are skipped)."""
    lines = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        for line in (source if isinstance(source, str) else "".join(source)).splitlines():
            lines.append("" if line.lstrip().startswith(("%", "!")) else line)
        lines.append("")
    found = graph.imports_of_source("\n".join(lines), None)
    return sorted(graph.modules) if found is None else found


def _discover(package_dir: Path) -> dict[str, Path]:
    """Every module of the package: dotted name -> file (packages by their __init__.py)."""
    modules = {}
    for path in package_dir.rglob("*.py"):
        rel = path.relative_to(package_dir)
        if "__pycache__" in rel.parts:
            continue
        parts = [PACKAGE, *rel.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _with_parents(name: str, modules: dict[str, Path]) -> list[str]:
    """A module and the packages above it that importing it runs (only those that exist in the package)."""
    found = [name] if name in modules else []
    while "." in name:
        name = name.rsplit(".", 1)[0]
        if name in modules:
            found.append(name)
    return found


def _imports(source: str, module: str | None, is_package: bool, modules: dict[str, Path]) -> list[str] | None:
    """The rare_earths modules named by every import statement of some source (None when it is not valid Python)."""
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            if base is None or base.split(".")[0] != PACKAGE:
                continue
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules)
    return sorted(found)


def _absolute(node: ast.ImportFrom, module: str | None, is_package: bool) -> str | None:
    """The absolute module a `from ... import` statement reads from (relative imports resolved against `module`)."""
    if not node.level:
        return node.module
    if module is None:
        return None
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _reads_beside(text: str) -> bool:
    """Whether a module's source takes the folder of its own file (`….parent` of an expression using __file__)."""
    for node in ast.walk(pyast.parse(text)):
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            if any(isinstance(n, ast.Name) and n.id == "__file__" for n in ast.walk(node.value)):
                return True
    return False


def _declared_data(text: str) -> list[str]:
    """The relative paths of a module-level `PACKAGE_DATA = (...)` of string constants ([] when there is none)."""
    for node in pyast.parse(text).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == DECLARED for t in node.targets):
            value = node.value
            if isinstance(value, (ast.Tuple, ast.List)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
            ):
                return [e.value for e in value.elts]
            raise ValueError(f"{DECLARED} must be a tuple of string constants (paths relative to the module's folder)")
    return []


def _declared_files(folder: Path, rel: str) -> list[Path]:
    """The files one declared path stands for: itself, or every non-Python file under it (a folder)."""
    target = folder / rel
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc"))
    return [target]  # a declared file that is missing hashes as missing: a dependency is never dropped silently


def _data_beside(folder: Path) -> list[Path]:
    """The non-Python files under a module's folder, not counting subpackages (folders with an __init__.py)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(
            d for d in dirnames if d != "__pycache__" and not (Path(dirpath) / d / "__init__.py").exists()
        )
        found += [Path(dirpath) / f for f in filenames if not f.endswith((".py", ".pyc"))]
    return sorted(found)


def _read_cache(cache_file: Path | None) -> dict[str, Any]:
    """The import cache of earlier builds ({} when missing, unreadable or of another version)."""
    if cache_file is None:
        return {}
    try:
        stored = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored.get("imports", {}) if stored.get("version") == CACHE_VERSION else {}
