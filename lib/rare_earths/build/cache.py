"""Content hashes and cache keys for the incremental build, with the standard library only.

A notebook has two keys. Its execution key is a sha256 over everything its executed notebook, figures,
tables and claim records can depend on: the notebook itself (cell sources and tags and its rare_earths
metadata, nothing a kernel writes), its parameters, the bytes of each data file it declares, the
rare_earths modules it imports, transitively, with the package data they read (deps.py), the code that
runs it (build/execute.py and what it imports), the pinned environment (requirements.lock), the
interpreter version, and the execution keys of the notebooks it runs after. Its render key covers what
its HTML is made from: the sha256 of every file the execution made and the render inputs (render.py:
site code, templates, CSS, environment, section titles). A render-only change re-renders, no kernel.
Timestamps play no part, so a fresh clone or a checkout rebuilds nothing that has not changed.
This module imports nothing outside the standard library: a no-op build must stay fast.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

KEY_VERSION = 3  # bump when the key's recipe changes, invalidating every cached result
PROJECT_METADATA = "rare_earths"  # the notebook metadata block the build reads (inputs, after): part of the key
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the whole rare_earths package, every wing
RENDERED_DIR = "html/"  # what rendering makes (outputs/html/NAME.html, NAME.full.html); everything else, executing


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, remembered while the file's inode, size and modification time stay the same."""
    import os

    st = os.stat(path)
    stamp = f"{os.fspath(path)}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}"
    if stamp not in _HASHES:
        _HASHES[stamp] = sha256_bytes(Path(path).read_bytes())
    return _HASHES[stamp]


_HASHES: dict[str, str] = {}  # path, inode, size, mtime -> sha256 (see load_hashes)
RACY_SECONDS = (
    2.0  # a file modified this recently may change again within one mtime tick: never remembered across builds
)


def load_hashes(cache_file: Path) -> None:
    """Remember the file hashes of earlier builds (as git's index does: a file whose stat changed is read again)."""
    try:
        _HASHES.update(json.loads(cache_file.read_text(encoding="utf-8")).get("sha256", {}))
    except (OSError, ValueError, AttributeError):
        pass


def save_hashes(cache_file: Path) -> None:
    """Keep this build's file hashes for the next one, except files modified in the last RACY_SECONDS."""
    import os
    import time

    limit = (time.time() - RACY_SECONDS) * 1e9
    kept = {}
    for stamp, digest in _HASHES.copy().items():  # a copy: a sweep's other builds add hashes from their threads
        path, ino, size, mtime = stamp.split("\0")
        try:
            st = os.stat(path)
        except OSError:
            continue  # gone: forgotten
        if (str(st.st_ino), str(st.st_size), str(st.st_mtime_ns)) == (ino, size, mtime) and int(mtime) < limit:
            kept[stamp] = digest
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"sha256": kept}, sort_keys=True), encoding="utf-8")
        os.replace(tmp, cache_file)
    except OSError:
        pass


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys and no whitespace: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def notebook_fingerprint(nb: dict[str, Any]) -> str:
    """Hash of what a notebook asks to run: each cell's type, source and tags, and the project's metadata block.

    Nothing a kernel or JupyterLab writes counts (outputs, execution counts and timings, kernelspec,
    language_info, widget state, cell ids): opening and running a notebook does not change its key.
    """
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        tags = cell.get("metadata", {}).get("tags", [])
        cells.append(
            {
                "type": cell.get("cell_type"),
                "source": source if isinstance(source, str) else "".join(source),
                "tags": sorted(tags),
            }
        )
    return sha256_bytes(
        canonical_json({"cells": cells, PROJECT_METADATA: nb.get("metadata", {}).get(PROJECT_METADATA, {})})
    )


def tree_digest(folder: Path) -> str:
    """Hash of every file under a folder (names and bytes), skipping bytecode caches."""
    h = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in files:
        h.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        h.update(sha256_file(path).encode("ascii") + b"\n")
    return h.hexdigest()


def environment_digest(lock_file: Path) -> str:
    """Hash of the pinned environment (requirements.lock, if present) and the interpreter version."""
    pins = lock_file.read_bytes() if lock_file.exists() else b""
    return sha256_bytes(pins + b"\0" + sys.version.encode("utf-8"))


def cache_key(parts: dict[str, Any]) -> str:
    """The key of one notebook run, from the parts it depends on (see the module docstring)."""
    return sha256_bytes(canonical_json({"key_version": KEY_VERSION, **parts}))


def is_rendered(rel: str) -> bool:
    """Whether an output file (outputs-relative) is made by rendering rather than by executing."""
    return rel.startswith(RENDERED_DIR)


def render_key(files_sha256: dict[str, str], render_inputs: str) -> str:
    """The key of one notebook's HTML: the sha256 of the files its execution made, and the render inputs."""
    executed = {rel: h for rel, h in files_sha256.items() if not is_rendered(rel)}
    return sha256_bytes(canonical_json({"key_version": KEY_VERSION, "executed": executed, "render": render_inputs}))
