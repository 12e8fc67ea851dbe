"""The collection's own pages, made after the notebooks: the claims ledger and statements, the methodology, sources
and index pages, and the site's shared assets; each rewritten only when what it is made from changed.

Two keys, kept in outputs/.manifests/: one for the assets (assets/site.css and site.js: site/assets.py, the files it
reads and the environment, whose JupyterLab stylesheet it trims) and one for the pages (the notebooks, their
records, the files they read, data/, the modules this step reaches, what every page shows besides its content:
render.site_context). Every page links the assets, none embeds them: a stylesheet edit rewrites assets/site.css
alone and no page (and imports no pandas).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import paths
from ..outputs import sidecar_path, write_text
from . import cache, provenance
from .console import say
from .deps import ModuleGraph
from .model import BuildError
from .render import BUILD_PACKAGE, site_context
from .store import read_json, read_manifest, shown_records

MODULE = "rare_earths.build.pages"
ASSETS = "rare_earths.site.assets"
PAGES_MARKER = ".manifests/index.json"
ASSETS_MARKER = ".manifests/assets.json"
PAGES = ("index.html", "tables/claims.csv")  # written by finish(): their absence means the pages must be written
ASSET_FILES = ("assets/site.css", "assets/site.js")


def pages_digest(output_root: Path, notebooks: list[Path], graph: ModuleGraph) -> str:
    """Hash of everything the index, ledger, methodology and sources pages are made from (see the module docstring)."""
    parts: dict[str, Any] = {
        "code": graph.digest(graph.closure([MODULE], prune=(BUILD_PACKAGE,)), without_data_of=(ASSETS,)),
        "site": site_context(),
    }
    for nb in notebooks:
        parts[nb.stem] = [cache.sha256_file(nb), read_manifest(output_root, nb.stem)]
    inputs = {rel for nb in notebooks for rel in read_manifest(output_root, nb.stem).get("inputs", {})}
    root = notebooks[0].parent.parent if notebooks else paths.PROJECT_ROOT
    parts["inputs"] = {
        rel: cache.sha256_file(root / rel) if (root / rel).is_file() else None for rel in sorted(inputs)
    }  # "out of date" on the index
    sweep = (output_root / "sweep" / "comparison.csv", output_root / "sweep" / ".manifests" / "sweep.json")  # its link
    for path in (paths.DATAPACKAGE, *sorted(paths.DATA_DIR.glob("*.csv")), *sweep):
        parts[path.name] = cache.sha256_file(path) if path.exists() else None  # the sources page reads every data file
    return cache.sha256_bytes(cache.canonical_json(parts))


def assets_digest(graph: ModuleGraph) -> str:
    """Hash of what the shared stylesheet and script are made from: their module, its files, the environment."""
    parts = {"code": graph.digest(graph.closure([ASSETS])), "environment": cache.environment_digest(paths.LOCK_FILE)}
    return cache.sha256_bytes(cache.canonical_json(parts))


def finish_if_changed(output_root: Path, notebooks: list[Path], built: list[str], state: Path | None = None) -> None:
    """Rewrite the assets, then the ledger and pages, each only when what it is made from changed."""
    graph = ModuleGraph(cache.PACKAGE_DIR, state / "imports.json" if state else None)
    assets_key = assets_digest(graph)
    if not _current(output_root, ASSET_FILES, ASSETS_MARKER, assets_key):
        again = (output_root / ASSETS_MARKER).exists()
        write_assets(output_root)
        _mark(output_root, ASSETS_MARKER, assets_key)
        if again:
            say("[site] assets/site.css and site.js rewritten (what they are made from changed); every page links them")
    pages_key = pages_digest(output_root, notebooks, graph)
    graph.save()
    if not _current(output_root, PAGES, PAGES_MARKER, pages_key):
        finish(output_root, built, notebooks)
        _mark(output_root, PAGES_MARKER, pages_key)


def _current(output_root: Path, files: tuple[str, ...], marker: str, key: str) -> bool:
    """Whether some files exist and were made from what has this key."""
    return all((output_root / rel).exists() for rel in files) and read_json(output_root / marker).get("key") == key


def _mark(output_root: Path, marker: str, key: str) -> None:
    """Record the key some files were made from."""
    write_text(json.dumps({"key": key}, indent=1) + "\n", output_root / marker)


def write_assets(output_root: Path) -> None:
    """Write outputs/assets/ (site.css, site.js)."""
    from ..site import assets

    assets.write(output_root)


def finish(output_root: Path, built: list[str], notebooks: list[Path]) -> None:
    """Collect the claims ledger, check each built section checked all its claims, write the index and sources pages."""
    from .. import claims, package
    from ..outputs import save_csv
    from ..site import index, methodology, sources_page

    ledger = claims.collect(output_root)
    target = save_csv(ledger, paths.tables_dir(output_root) / "claims.csv")
    merged = sorted(paths.claims_dir(output_root).glob("*.csv"))
    context = {
        "collected_from": {p.relative_to(output_root).as_posix(): cache.sha256_file(p) for p in merged},
        "commit": provenance.git_commit(paths.PROJECT_ROOT),
        "versions": provenance.versions(),
    }
    record = provenance.record("(build) the notebooks' claim records, merged", [target], output_root, context)
    write_text(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n", sidecar_path(target))
    sections = sorted({name[:2] for name in built})
    missing = claims.unchecked(ledger, sections)
    if missing:
        raise BuildError(f"sections {', '.join(sections)} left inventoried claims unchecked: {', '.join(missing)}")
    save_csv(claims.statements(ledger), paths.tables_dir(output_root) / "statements.csv")
    methodology.write(output_root)
    package.write_all(
        output_root
    )  # statements.json (once statements.csv is written above) and outputs/datapackage.json
    sources_page.write(output_root, notebooks)
    built_from = {"commit": context["commit"], "date": provenance.git_commit_date(paths.PROJECT_ROOT)}
    index.write(
        output_root, notebooks, ledger, shown_records(output_root, notebooks, notebooks[0].parent.parent), built_from
    )


def index_from_records(output_root: Path, notebooks: list[Path]) -> None:
    """Rewrite the index from the build's records and the last good ledger, without reading data/ (it is broken)."""
    import pandas as pd

    from ..site import index

    ledger_csv = paths.tables_dir(output_root) / "claims.csv"
    ledger = (
        pd.read_csv(ledger_csv, dtype={"section": str})
        if ledger_csv.exists()
        else pd.DataFrame(columns=["claim_id", "verdict"])
    )
    built_from = {
        "commit": provenance.git_commit(paths.PROJECT_ROOT),
        "date": provenance.git_commit_date(paths.PROJECT_ROOT),
    }
    write_assets(output_root)
    index.write(
        output_root, notebooks, ledger, shown_records(output_root, notebooks, notebooks[0].parent.parent), built_from
    )
