"""Build the collection: execute notebooks with papermill, export HTML, collect claims, write the index.

The build is incremental: a notebook runs only when its execution key (see cache.py: its cells,
parameters, declared data files, the rare_earths modules it imports, pinned environment, and the keys
of the notebooks it runs after) differs from the key recorded with its current outputs, or when forced;
when only its render key differs (site code, templates, CSS), its HTML is re-rendered from the stored
executed notebook without a kernel (render.py). Notebooks
that read what others made declare it in their metadata (`rare_earths.after`) and run after them.

Each notebook runs in a worker process on a kernel started from this very interpreter (the
project environment), never from a user-registered kernelspec, with its working directory in a
private staging folder. Its executed notebook is stripped of run-dependent metadata (times,
durations, paths, random cell ids), so two builds of the same commit give the same bytes. Only a
successful run is moved into outputs/ (file by file, with os.replace), and its record is written
after that, so a build killed at any moment leaves the previous outputs and records consistent;
the next build removes its staging folder and re-runs what was not recorded. A failed run is
kept under outputs/failed/<notebook>/ (not when the disk is full). A full disk or a read-only folder
stops the build with one line (StorageError); promotion of a notebook's files is all or nothing.

The build writes only into a folder that is a build's output folder (see store.claim_output_root),
and removes only what it made: its staging folder (where its temporary files live too) and its records.

Run-dependent facts (durations, which notebooks ran or were cached, the build log) are kept in
`.build/` beside outputs/ when outputs/ is the project's, never inside it: every file under outputs/ is a
function of the commit. For any other output folder, `.build/` goes inside it (see paths.state_dir).

Why one file: this is the build's one sequence (plan, claim the folder, lock, recover, run, record, finish) and
the index refresh that ends it; each step's work lives in plan, pool, execute, store and the site wing.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import paths
from ..outputs import temporary_files_in
from . import cache, noop, provenance
from .console import say
from .model import STAGING, BuildError, BuildInterrupted, Plan, Result, StorageError, is_storage_error
from .pages import finish_if_changed, index_from_records
from .plan import (
    checked_output_root,
    data_problems,
    declared_dependencies,
    discover,
    in_order,
    make_plans,
    resolve_parameters,
    select,
)
from .pool import interruptible, run_all
from .render import freshness, rerender
from .store import (
    claim_output_root,
    locked,
    read_durations_hint,
    read_manifest,
    read_timings,
    record,
    recover,
    remove_failed,
    write_timings,
)

# How the notebooks to run are run: pool.run_all's signature (todo, done, output_root, jobs, fail_fast, context, stop).
Runner = Callable[..., dict[str, Result]]


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
    runner: Runner | None = None,
    timeout: int | None = None,
    new_output_dir: bool = False,
) -> list[Result]:
    """Build the selected notebooks (all by default) whose cache keys changed, then refresh the claims ledger and index.

    `runner` runs the notebooks to run (default: pool.run_all, worker processes on this machine); the sweep passes its
    own to run them on a Dask cluster, or to stop them with the whole sweep.
    `timeout`: seconds each cell may run (default: the notebook's metadata rare_earths.timeout, else CELL_TIMEOUT).
    `new_output_dir`: build into `output_root` even though it holds files and is not yet a build's output folder.
    """
    started = time.perf_counter()
    noop.forget(str(paths.PROJECT_ROOT))  # whatever this build changes, the next no-op asks the build again
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS_DIR)
    output_root = checked_output_root(Path(output_root or paths.OUTPUTS_DIR), notebooks_dir.parent)
    available = discover(notebooks_dir)
    if not available:
        raise BuildError(f"no notebooks found in {notebooks_dir}")
    forced = forced_notebooks(available, force)
    chosen = select(available, wanted or []) + ([] if force is True else forced)
    upstream = {nb: declared_dependencies(nb, available)[1] for nb in available}
    ordered = in_order(sorted(set(chosen)), upstream)
    typed = resolve_parameters(ordered, parameters) if parameters else {nb: {} for nb in ordered}
    state = paths.state_dir(output_root, notebooks_dir.parent)
    cache.load_hashes(state / "hashes.json")  # a no-op build reads only what changed since the last one
    plans = make_plans(ordered, available, typed, notebooks_dir.parent, timeout, state)  # writes nothing new
    try:
        claim_output_root(output_root, notebooks_dir.parent, new_output_dir)
        with _writing(output_root, state), interruptible() as stop:
            results = _build_locked(plans, available, output_root, state, forced, fail_fast, jobs, stop, runner)
    except OSError as exc:
        if not is_storage_error(exc):
            raise
        raise StorageError.from_os_error(exc) from None
    return _summary(
        [results[p.name] for p in plans if p.name in results], len(plans), output_root, time.perf_counter() - started
    )


@contextmanager
def _writing(output_root: Path, state: Path) -> Iterator[None]:
    """Hold the output folder's lock, keep the build's temporary files in its staging folder, and remove that at the end."""
    with locked(state, output_root), temporary_files_in(output_root / STAGING):
        try:
            yield
        finally:
            shutil.rmtree(output_root / STAGING, ignore_errors=True)  # each run promoted, quarantined or dropped


def _build_locked(
    plans: list[Plan],
    available: list[Path],
    output_root: Path,
    state: Path,
    forced: list[Path],
    fail_fast: bool,
    jobs: int | None,
    stop: Any,
    runner: Runner | None = None,
) -> dict[str, Result]:
    """The part of a build that holds the lock: recover, find what is cached, run the rest, record, refresh the index."""
    project_root = available[0].parent.parent
    recover(output_root)
    timings = read_timings(state / "timings.json")
    results, to_render = _cached(plans, output_root, {p.stem for p in forced}, timings)
    todo = [p for p in plans if p.name not in results and p not in to_render]
    if (jobs or os.cpu_count() or 1) > 1:
        hint = read_durations_hint(available[0].parent) if available else {}
        todo = longest_first(todo, timings, hint)  # one worker runs them in the planned order, as a reader expects
    problems = data_problems(todo, project_root)
    if problems:
        _refuse_on_data_fault(todo, output_root, available, problems)
    if todo:
        context = {"commit": provenance.git_commit(project_root), "versions": provenance.versions()}
        try:
            results.update((runner or run_all)(todo, results, output_root, jobs, fail_fast, context, stop))
        except BuildInterrupted as stopped:
            ran = {n: r for n, r in results.items() if n in stopped.kept}
            write_timings(state, plans, {**results, **ran}, timings)
            kept = ", ".join(stopped.kept) or "none"
            say(
                f"build interrupted: new outputs kept and recorded for {kept}; every other notebook keeps its previous outputs",
                err=True,
            )
            raise
    results.update(rerender(to_render, output_root, jobs))  # no kernel: from the stored executed notebooks
    stopped_by = next((r.storage for r in results.values() if r.storage), "")
    if stopped_by:
        raise StorageError(stopped_by)
    write_timings(state, plans, results, timings)
    for r in results.values():
        if r.status == "cached":
            remove_failed(output_root, r.notebook)  # a failed copy older than the outputs it failed to replace
    built = sorted(r.notebook for r in results.values() if r.status != "failed")
    finish_if_changed(output_root, available, built, state)
    cache.save_hashes(state / "hashes.json")
    return results


def longest_first(todo: list[Plan], timings: dict[str, Any], hint: dict[str, float] | None = None) -> list[Plan]:
    """The notebooks to run, the longest first: by its last recorded run, else by the notebooks folder's durations
    hint (a first build), else ahead of the others in its planned place. The pool starts them in this order as their
    upstream notebooks finish, so the longest does not run alone at the end. Stable."""

    def last_run(plan: Plan) -> float:
        seconds = timings.get(plan.name, {}).get("seconds")
        if not isinstance(seconds, (int, float)):
            seconds = (hint or {}).get(plan.name)
        return float("inf") if not isinstance(seconds, (int, float)) else float(seconds)

    return sorted(todo, key=lambda plan: -last_run(plan))


def _refuse_on_data_fault(todo: list[Plan], output_root: Path, available: list[Path], problems: list[str]) -> None:
    """Stop before any kernel starts: the notebooks that would have run are recorded as not built (the index says so)."""
    message = (
        f"not run: data/ is not valid ({problems[0]}{f' and {len(problems) - 1} more' if len(problems) > 1 else ''})"
    )
    for plan in todo:
        if read_manifest(output_root, plan.name):
            record(output_root, plan, Result(plan.name, "failed", 0.0, f"{plan.path.name}: {message}"))
    try:
        built = [
            nb.stem for nb in available if read_manifest(output_root, nb.stem).get("status") not in (None, "failed")
        ]
        if (output_root / "index.html").exists():
            finish_if_changed(output_root, available, built, paths.state_dir(output_root))
    except (
        Exception
    ) as exc:  # the ledger and sources pages read data/, which is what is broken: the index alone still can be
        try:
            index_from_records(output_root, available)
            say(
                f"index refreshed from the build's records only ({type(exc).__name__} reading data/): the ledger and sources pages are the last good build's",
                err=True,
            )
        except Exception as again:
            say(f"index not refreshed ({type(again).__name__}); it will be on the next good build", err=True)
    shown = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
    raise BuildError(f"data/ is not valid; no notebook was run ({len(problems)} problem(s)):\n  {shown}")


def _cached(
    plans: list[Plan], output_root: Path, forced: set[str], timings: dict[str, Any]
) -> tuple[dict[str, Result], list[Plan]]:
    """The notebooks whose recorded outputs are current (and not forced), each reported on one line, and those
    whose execution is current but whose HTML is not (to re-render, without a kernel)."""
    results, to_render = {}, []
    for plan in plans:
        record = read_manifest(output_root, plan.name)
        how, changed = ("run", []) if plan.name in forced else freshness(record, plan, output_root)
        if changed:
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
            again = "re-running" if how == "run" else "re-rendering"
            say(f"[{plan.name}] outputs changed or removed outside the build ({shown}): {again}")
        if how == "render":
            to_render.append(plan)
        if how != "cached":
            continue
        timing = timings.get(plan.name, {})
        seconds = timing.get("seconds", 0.0) if timing.get("key") == plan.key else 0.0
        results[plan.name] = Result(plan.name, "cached", seconds, "", record.get("files", []))
        say(f"[{plan.name}] cached" + (f" (its run took {seconds:.1f} s)" if seconds else ""))
    return results, to_render


def _summary(results: list[Result], planned: int, output_root: Path, seconds: float) -> list[Result]:
    """Print the build's summary line (and each failure on stderr); return the results in notebook order."""
    counts = {s: sum(r.status == s for r in results) for s in ("rendered", "ran", "cached", "failed")}
    skipped = planned - len(results)
    say(
        f"build: re-rendered {counts['rendered']}, ran {counts['ran']}, cached {counts['cached']}, failed {counts['failed']}"
        + (f", {skipped} not run (the build stopped at a failure)" if skipped else "")
        + f" in {seconds:.1f} s; index: {output_root / 'index.html'}"
    )
    for r in results:
        if r.status == "failed":
            kept = output_root / "failed" / r.notebook
            say(f"FAILED {r.message}" + (f"\n  partial run kept in {kept}" if kept.exists() else ""), err=True)
    return sorted(results, key=lambda r: r.notebook)


def refresh_index(output_root: Path | None = None) -> None:
    """Rewrite the index, ledger and sources pages of an existing build if anything they show changed (e.g. after a sweep)."""
    output_root = Path(output_root or paths.OUTPUTS_DIR).resolve()
    if not (output_root / "index.html").exists():
        return
    notebooks = discover()
    built = [nb.stem for nb in notebooks if read_manifest(output_root, nb.stem).get("status") not in (None, "failed")]
    state = paths.state_dir(output_root)
    with _writing(output_root, state):
        finish_if_changed(output_root, notebooks, built, state)
