"""Render executed notebooks to HTML (reader and full versions): a step apart from executing them, with its own key.

Executing a notebook makes its executed notebook, figures, tables and claim records; its cache key (plan.py) covers
the notebook, its parameters, its data files, the rare_earths modules it imports, the code that runs it, the
environment and the notebooks it runs after. Rendering makes html/NAME.html and html/NAME.full.html from those
files; its key (`cache.render_key`) covers the sha256 of every file the execution made and the render inputs: the
modules this one reaches (site/reports.py and what it imports), the templates and CSS they read, the environment
(nbconvert's version), the title of every section (each report's navigation names its neighbours), and what
every page shows beside its notebook (`site_context`: the site's address, the maintainers, the commit and the data
end of "Cite this", the source titles of the cards, the article of the ClaimReview markup).

So an edit to site/ code, templates or CSS re-renders every report from the stored executed notebooks and starts
no kernel; a notebook that runs is rendered in its worker, right after it ran, by the same function.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .. import paths
from ..notebook import notebook_title, read_notebook
from . import cache
from .deps import ModuleGraph
from .model import SLOW_OPTIONAL_IMPORTS, Plan, Result
from .store import changed_outputs, read_manifest, write_manifest

MODULE = "rare_earths.build.render"
RUNNER = "rare_earths.build.execute"  # the code that runs a notebook in its worker (part of the execution key)
BUILD_PACKAGE = (
    "rare_earths.build"  # its __init__ re-exports the engine: not followed, or everything reaches everything
)


def runner_modules(graph: ModuleGraph) -> list[str]:
    """The modules that shape what executing a notebook writes (papermill run, normalisation, provenance), not rendering."""
    return graph.closure([RUNNER], prune=(BUILD_PACKAGE, MODULE))


def render_modules(graph: ModuleGraph) -> list[str]:
    """The modules rendering runs: this one and what it imports (the site's report code), with their package data."""
    return graph.closure([MODULE], prune=(BUILD_PACKAGE,))


def render_inputs(graph: ModuleGraph, environment: str) -> str:
    """Digest of what rendering reads besides one notebook's executed files (see the module docstring)."""
    titles = [
        (p.stem, notebook_title(read_notebook(p))) for p in sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    ]  # reports.sections(): the navigation of every report
    parts = {
        "code": graph.digest(render_modules(graph)),
        "environment": environment,
        "sections": titles,
        "site": site_context(),
    }
    return cache.sha256_bytes(cache.canonical_json(parts))


SITE_DATA = ("sources.csv", "claims.csv", "datapackage.json")  # data files site_context covers, besides cite.SERIES_END


def site_context() -> dict[str, Any]:
    """What every page shows that is neither code nor its notebook's outputs: the site address (its environment
    variable, else pyproject.toml's [tool.rare_earths], which also names the maintainers), the commit ('Cite this':
    version and date), when the data end, the rows of data/sources.csv (the cards' source links) and the article."""
    from ..site import cite, claimreview
    from . import provenance

    for remembered in (cite.data_end, cite._settings, cite.version, claimreview.article, claimreview.commit_date):
        remembered.cache_clear()  # read again: data/, the settings or HEAD may have changed since this process asked
    sources, descriptor = paths.DATA_DIR / "sources.csv", paths.DATAPACKAGE  # the descriptor types what is read
    try:
        article = claimreview.article()
    except (OSError, ValueError, KeyError):  # a broken data/ is reported by the build, not here
        article = {}
    pyproject = paths.PROJECT_ROOT / "pyproject.toml"
    return {
        "url": os.environ.get(paths.SITE_URL_ENV, ""),
        "pyproject": cache.sha256_file(pyproject) if pyproject.is_file() else "",
        "commit": provenance.git_commit(paths.PROJECT_ROOT),
        "data_end": _data_end(cite),
        "sources": [cache.sha256_file(p) if p.is_file() else "" for p in (sources, descriptor)],
        "article": article,
    }


def _data_end(cite: Any) -> str:
    """cite.data_end(), or '' while data/ cannot be read (the build reports why)."""
    try:
        return cite.data_end()
    except (OSError, ValueError, KeyError, IndexError):
        return ""


def freshness(record: dict[str, Any], plan: Plan, output_root: Path) -> tuple[str, list[str]]:
    """'cached', 'render' (only the HTML is stale) or 'run', with the recorded files changed outside the build."""
    if record.get("status") != "built" or record.get("key") != plan.key:
        return "run", []
    changed = changed_outputs(record, output_root)
    if any(not cache.is_rendered(rel) for rel in changed):
        return "run", changed
    if changed or record.get("render_key") != cache.render_key(record.get("sha256", {}), plan.render):
        return "render", changed
    return "cached", []


@functools.lru_cache(maxsize=1)
def _html_exporter() -> Any:
    """One HTML exporter per process: compiling the template costs ~0.4 s, rendering with it ~0.15 s.

    The template is the project's offline variant of JupyterLab's (reports.TEMPLATE): no CDN scripts.
    """
    from ..site import reports

    return reports.html_exporter(reader=False)


def render_html(executed: Path, html_dir: Path) -> list[Path]:
    """Export a reader version (no code, no prompts) and a full version of an executed notebook.

    The executed notebook's folder's parent is the output folder it wrote to (its tables and claim records).
    """
    import nbformat

    from ..site import reports

    nb = nbformat.read(executed, as_version=4)
    title = notebook_title(nb) or executed.stem
    exporter = _html_exporter()
    written = []
    for suffix, hide in (("", True), (".full", False)):
        exporter.exclude_input = exporter.exclude_input_prompt = exporter.exclude_output_prompt = hide
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        body = reports.finish(body, nb, executed.stem, executed.parent.parent, reader=hide)
        target = html_dir / f"{executed.stem}{suffix}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def rerender(plans: list[Plan], output_root: Path, jobs: int | None = None) -> dict[str, Result]:
    """Render the HTML of notebooks whose execution is current, from their stored executed notebooks (no kernel).

    The exporter is made once here (importing nbconvert and compiling its template is most of the fixed cost),
    then, with more than one notebook and core, forked workers share the notebooks: rendering is CPU-bound.
    """
    if not plans:
        return {}
    for name in SLOW_OPTIONAL_IMPORTS:  # as in a build worker (plan.skip_slow_imports): nbformat's jsonschema would
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # compile a grammar it never uses (seconds)
    import nbformat  # noqa: F401  (imported before the fork, with the exporter: each worker starts warm)

    _html_exporter()
    workers = max(1, min(jobs or os.cpu_count() or 1, len(plans)))
    if workers == 1:
        return {plan.name: report(rerender_one(plan, output_root)) for plan in plans}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        done = pool.map(rerender_one, plans, [output_root] * len(plans))
        return {result.notebook: report(result) for result in done}


def rerender_one(plan: Plan, output_root: Path) -> Result:
    """Render one notebook into a staging folder, move the pages into outputs/html/, and update its record."""
    start = time.perf_counter()
    staging = output_root / ".staging" / f"{plan.name}.render"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        written = render_html(output_root / "executed" / f"{plan.name}.ipynb", staging / "html")
    except Exception as exc:  # a site bug: the previous pages and the record stay; the next build tries again
        shutil.rmtree(staging, ignore_errors=True)
        message = f"{plan.path.name}: HTML export failed: {type(exc).__name__}: {exc}"
        return Result(plan.name, "failed", time.perf_counter() - start, message)
    new = sorted(p.relative_to(staging).as_posix() for p in written)
    for rel in new:
        os.replace(staging / rel, output_root / rel)
    shutil.rmtree(staging, ignore_errors=True)
    record = read_manifest(output_root, plan.name)
    old = [rel for rel in record.get("files", []) if cache.is_rendered(rel)]
    for rel in set(old) - set(new):
        (output_root / rel).unlink(missing_ok=True)
    kept = [rel for rel in record.get("files", []) if not cache.is_rendered(rel)]
    hashes = {rel: h for rel, h in record.get("sha256", {}).items() if rel in kept}
    hashes.update({rel: cache.sha256_file(output_root / rel) for rel in new})
    files = sorted(kept + new)
    record.update(files=files, sha256=hashes, render_key=cache.render_key(hashes, plan.render))
    write_manifest(output_root, plan.name, record)
    return Result(plan.name, "rendered", time.perf_counter() - start, "", files)


def report(result: Result) -> Result:
    """Print the line that says how a notebook's rendering ended."""
    word = "re-rendered" if result.status == "rendered" else "FAILED"
    print(
        f"[{result.notebook}] {word} in {result.seconds:.1f} s (no kernel)"
        + (f": {result.message}" if result.message else ""),
        flush=True,
    )
    return result
