"""Scenario sweeps: run one notebook over a grid of parameter sets, in parallel, and compare the results.

The grid is a CSV beside the notebook (`notebooks/07_outlook.scenarios.csv`): one row per scenario, a
`scenario` name, a `description`, and one column per parameter to change (an empty cell keeps the
notebook's default). Every scenario is checked before any kernel starts (unknown column, ill-typed
value, duplicate name: an error naming the file, row and column). Each scenario is built into
`outputs/sweep/<scenario>/` like a section of the collection (report, figures, tables); a comparison
table and chart of the chosen result table go to `outputs/sweep/`.

The scenarios run in worker processes on this machine (the build's pool), or, given a scheduler address, as
tasks on a dask.distributed cluster (distributed.py; dask is imported only then). Either way each scenario is
one `engine.build` in a thread of this process, so caching, records and promotion are the build's own. Ctrl-C
stops the running scenarios, starts no other, and keeps what was promoted. Its folders: sweep_folders.py.
"""

from __future__ import annotations

import csv
import multiprocessing
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from .. import outputs, paths, plots
from . import engine, plan
from .model import OUTPUT_PARAMETER, BuildError, BuildInterrupted, Result
from .pool import interruptible
from .sweep_folders import RESERVED, begin, remove_dropped, scenario_root, tidy, write_record

NOTEBOOK = "07_outlook"
RESULT_TABLE = "07_balance"  # the table each scenario's comparison reads (tables/<name>.csv)
FIXED_COLUMNS = ("scenario", "description")


class SweepError(BuildError):
    """A grid that cannot run: names the file, row and column."""


def grid_path(notebook: Path) -> Path:
    """The scenario grid of a notebook: notebooks/<stem>.scenarios.csv."""
    return notebook.with_name(f"{notebook.stem}.scenarios.csv")


def read_grid(path: Path, notebook: Path) -> list[dict[str, Any]]:
    """Scenarios of a grid file, with typed parameters; SweepError on any problem, before anything runs."""
    if not path.exists():
        raise SweepError(f"{path}: no scenario grid (expected a CSV with columns scenario, description, <parameters>)")
    declared = plan.declared_parameters(notebook)
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        for col in FIXED_COLUMNS:
            if col not in columns:
                raise SweepError(f"{path.name}: missing column {col!r}")
        unknown = [c for c in columns if c not in FIXED_COLUMNS and c not in declared]
        if unknown:
            raise SweepError(
                f"{path.name}: column(s) {unknown} are not parameters of {notebook.name} (declared: {', '.join(declared)})"
            )
        if OUTPUT_PARAMETER in columns:
            raise SweepError(f"{path.name}: {OUTPUT_PARAMETER!r} is set by the sweep itself")
        scenarios, seen = [], set()
        for line, row in enumerate(reader, start=2):
            name = (row["scenario"] or "").strip()
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
                raise SweepError(
                    f"{path.name}, line {line}: scenario name {name!r} must be lower-case letters, digits, '-' or '_'"
                )
            if name in RESERVED:
                raise SweepError(f"{path.name}, line {line}: scenario name {name!r} is taken by the comparison chart")
            if name in seen:
                raise SweepError(f"{path.name}, line {line}: scenario {name!r} appears twice")
            seen.add(name)
            params = {}
            for col in columns:
                if col in FIXED_COLUMNS or row[col] in ("", None):
                    continue
                try:
                    params[col] = plan.coerce(notebook.stem, col, row[col].strip(), declared[col])
                except BuildError as exc:
                    raise SweepError(f"{path.name}, line {line}, column {col!r}: {exc}") from None
            scenarios.append({"scenario": name, "description": row["description"], "parameters": params})
    if not scenarios:
        raise SweepError(f"{path.name}: no scenarios")
    return scenarios


def _run(notebook: Path, parameters: dict[str, Any], root: Path, runner: Any) -> Result:
    """Build one scenario into its own outputs folder, with the build's caching, provenance and atomic promotion.

    Each scenario is a whole `engine.build` of one notebook, in a thread of the driver; its kernel runs in a process
    of its own (local pool) or on a worker of the cluster (`runner`).
    """
    results = engine.build([notebook.stem], parameters, root, jobs=1, notebooks_dir=notebook.parent, runner=runner)
    return results[0]


class LocalPool:
    """Runs each scenario's notebook in a worker process on this machine (pool.run_all); Ctrl-C stops them all."""

    def __init__(self, stop: threading.Event):
        self.stop, self.events, self.lock = stop, [], threading.Lock()

    def runner(self, scenario: str) -> Any:
        """An engine runner for one scenario: pool.run_all with a stop flag the whole sweep sets."""

        def run(todo: list[Any], done: dict[str, Result], output_root: Path, *args: Any) -> dict[str, Result]:
            from .pool import run_all

            event = threading.Event()
            with self.lock:
                self.events.append(event)
                if self.stop.is_set():
                    raise BuildInterrupted([])
            return run_all(todo, done, output_root, *args[:3], event)

        return run

    def interrupt(self) -> None:
        """Stop every scenario's pool (its workers stop their kernels and promote nothing)."""
        with self.lock:
            for event in self.events:
                event.set()

    def close(self) -> None:
        """Nothing to release."""


def run(
    notebook_name: str = NOTEBOOK,
    grid: Path | None = None,
    output_root: Path | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
) -> tuple[pd.DataFrame, list[Result]]:
    """Run every scenario of the grid in parallel (on this machine, or on the Dask cluster at `scheduler`);
    remove the folders of scenarios no longer in the grid; write the comparison table and chart; return them."""
    notebook = plan.select(plan.discover(), [notebook_name])[0]
    scenarios = read_grid(grid or grid_path(notebook), notebook)
    root = (output_root or paths.OUTPUTS_DIR) / "sweep"
    with interruptible() as stop:
        if scheduler:
            from .distributed import Cluster  # dask: imported only for a sweep on a cluster

            backend: Any = Cluster(scheduler, stop)
            threads = max(1, min(jobs or 2 * backend.threads, len(scenarios)))
            where = f"the Dask cluster at {scheduler} ({backend.threads} worker thread(s))"
        else:
            backend = LocalPool(stop)
            threads = max(1, min(jobs or multiprocessing.cpu_count(), len(scenarios)))
            where = f"{threads} worker(s)"
        record = begin(
            root, notebook.stem, scenarios
        )  # only now: a bad grid or an unreachable scheduler changes nothing
        print(f"sweep: {len(scenarios)} scenarios of {notebook.stem} on {where}", flush=True)
        try:
            results = _run_scenarios(notebook, scenarios, root, backend, threads, stop)
        except BuildInterrupted as stopped:
            print(
                f"sweep interrupted: scenarios with new outputs kept: {', '.join(stopped.kept) or 'none'}; "
                "the index links the sweep again once a sweep completes",
                file=sys.stderr,
                flush=True,
            )
            _refresh_index(output_root)
            raise
        finally:
            backend.close()
            tidy(root, scenarios)
    remove_dropped(root, record)
    for s, r in zip(scenarios, results):
        print(
            f"  {s['scenario']}: {r.status} in {r.seconds:.1f} s" + (f" ({r.message})" if r.message else ""), flush=True
        )
    failed = [f"{s['scenario']} ({r.message})" for s, r in zip(scenarios, results) if r.status == "failed"]
    if failed:
        print(f"sweep: {len(failed)} of {len(scenarios)} scenario(s) failed: {'; '.join(failed)}", file=sys.stderr)
    table = comparison(scenarios, results, root, notebook.stem)
    write_comparison(table, root)
    write_record(root, {**record, "complete": True})
    engine.refresh_index(output_root)  # the collection's index links the comparison
    return table, results


def _run_scenarios(
    notebook: Path, scenarios: list[dict[str, Any]], root: Path, backend: Any, threads: int, stop: threading.Event
) -> list[Result]:
    """Build the scenarios in `threads` driver threads; on Ctrl-C (stop) cancel the rest, raise BuildInterrupted."""
    from concurrent.futures import wait

    pool = ThreadPoolExecutor(threads)
    futures = [
        pool.submit(_run, notebook, s["parameters"], scenario_root(root, s["scenario"]), backend.runner(s["scenario"]))
        for s in scenarios
    ]
    pending = set(futures)
    stop.polling = True  # type: ignore[attr-defined]
    try:
        while pending and not stop.is_set():
            _, pending = wait(pending, timeout=0.2)
    finally:
        stop.polling = False  # type: ignore[attr-defined]
    if stop.is_set():
        backend.interrupt()
        pool.shutdown(wait=True, cancel_futures=True)
        kept = []
        for s, f in zip(scenarios, futures):
            error = None if f.cancelled() else f.exception()
            if (not f.cancelled() and error is None and f.result().status == "ran") or getattr(error, "kept", None):
                kept.append(s["scenario"])
        raise BuildInterrupted(kept)
    pool.shutdown()
    return [f.result() for f in futures]


def _refresh_index(output_root: Path | None) -> None:
    """Refresh the index after an interrupted sweep (it stops linking the sweep); a failure is one line, not a crash."""
    try:
        engine.refresh_index(output_root)
    except Exception as exc:
        print(f"index not refreshed ({type(exc).__name__}: {exc}); the next build refreshes it", file=sys.stderr)


def comparison(scenarios: list[dict[str, Any]], results: list[Result], root: Path, stem: str) -> pd.DataFrame:
    """One row per scenario: what it changed, its status, and the totals of its result table."""
    rows = []
    for s, r in zip(scenarios, results):
        row: dict[str, Any] = {
            "scenario": s["scenario"],
            "description": s["description"],
            "changed": "; ".join(f"{k}={v}" for k, v in s["parameters"].items()) or "(defaults)",
            "status": r.status,
            "report": f"{s['scenario']}/report/html/{stem}.html" if r.status != "failed" else "",
        }
        table_path = paths.tables_dir(scenario_root(root, s["scenario"])) / f"{RESULT_TABLE}.csv"
        if r.status != "failed" and table_path.exists():
            totals = pd.read_csv(table_path).query("side == 'total'").set_index("component")["t"]
            row.update({f"{k} (t)": v for k, v in totals.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def write_comparison(table: pd.DataFrame, root: Path) -> list[Path]:
    """outputs/sweep/comparison.csv and a bar chart of each scenario's balance."""
    written = [outputs.save_csv(table, root / "comparison.csv")]
    column = next((c for c in table.columns if c.startswith("balance")), None)
    if column is not None and table[column].notna().any():
        plots.apply_theme()
        data = table.set_index("scenario")[column].dropna()
        fig = plots.share_bars(
            data,
            title="NdPr oxide balance by scenario",
            xlabel="supply - demand in the target year, t (positive = surplus)",
            source="Scenarios: notebooks/07_outlook.scenarios.csv; model and inputs: notebook 07.",
            highlight="baseline",
            label="{:+,.0f} t",
        )
        written += plots.save_figure(fig, "comparison", root)
    return written
