"""Run the planned notebooks in a pool of worker processes, in dependency order, and stop them cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .console import say
from .model import BuildInterrupted, Plan, Result
from .store import record
from .worker import remove_kernel_folders, start_worker


@contextmanager
def interruptible() -> Iterator[threading.Event]:
    """SIGINT (Ctrl-C) and SIGTERM stop the build. While notebooks run, the handler only sets the event that the
    pool's loop polls: an exception raised at an arbitrary point inside concurrent.futures (say, between the lock
    acquisitions of `wait`) can leave a future's lock held and hang the pool's shutdown. Elsewhere it raises
    KeyboardInterrupt at once. The event's `polling` attribute says which of the two applies."""
    import signal

    stop = threading.Event()
    stop.polling = False  # type: ignore[attr-defined]

    def interrupt(signum: int, frame: Any) -> None:
        stop.set()
        if not stop.polling:  # type: ignore[attr-defined]
            raise KeyboardInterrupt

    try:
        previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield stop
        return
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run_all(
    todo: list[Plan],
    done: dict[str, Result],
    output_root: Path,
    jobs: int | None,
    fail_fast: bool,
    context: dict[str, Any],
    stop_event: threading.Event | None = None,
) -> dict[str, Result]:
    """Run notebooks in a pool of worker processes, each once the notebooks it runs after have succeeded; record each as it ends."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    spawn = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=spawn, initializer=start_worker, initargs=(os.getpid(),)
    )  # workers end with this process, however it ends (see worker.die_with)
    try:
        return _run_in(pool, workers, todo, done, output_root, fail_fast, context, stop_event)
    finally:
        remove_kernel_folders(os.getpid())  # what a worker killed outright left in the temporary folder


def _run_in(
    pool: Any,
    workers: int,
    todo: list[Plan],
    done: dict[str, Result],
    output_root: Path,
    fail_fast: bool,
    context: dict[str, Any],
    stop_event: threading.Event | None,
) -> dict[str, Result]:
    """The scheduling loop of run_all, on a started pool."""
    from concurrent.futures import FIRST_COMPLETED, wait

    from .execute import run_one  # here: papermill's side of the build, which a no-op build never needs

    results = dict(done)
    waiting = list(todo)  # in dependency order
    running: dict[Any, Plan] = {}
    stop = False
    stop_event = stop_event or threading.Event()
    try:
        stop_event.polling = True  # type: ignore[attr-defined]
        while waiting or running:
            for plan in [] if stop else list(waiting):
                if len(running) >= workers:
                    break  # one notebook per free worker: what waits here can still be held back by a stop
                if any(up not in results for up in plan.after):
                    continue
                waiting.remove(plan)
                failed = [up for up in plan.after if results[up].status == "failed"]
                if failed:
                    results[plan.name] = report(
                        Result(
                            plan.name,
                            "failed",
                            0.0,
                            f"{plan.path.name}: not run: it runs after {', '.join(failed)}, which failed",
                        )
                    )
                    record(output_root, plan, results[plan.name])
                else:
                    running[pool.submit(run_one, plan, output_root, context)] = plan
            if not running:
                break
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            if stop_event.is_set():
                raise KeyboardInterrupt
            for future in finished:
                plan = running.pop(future)
                if future.cancelled():
                    continue
                result = results[plan.name] = report(_outcome(future, plan))
                try:
                    record(output_root, plan, result)  # at once: a build killed later keeps this notebook's work
                except OSError:
                    if not result.storage:
                        raise
                    # the folder that could not take the run cannot take its record either: the run's line says why
                broken = result.message.endswith(WORKER_LOST)  # the pool cannot run anything more
                if ((fail_fast and result.status == "failed") or result.storage or broken) and not stop:
                    stop = True  # no new notebook starts: on a full disk or read-only folder, it would only fail too
                    for other in running:
                        other.cancel()
    except OSError:  # a record could not be written (a full disk, a read-only folder): stop every worker first
        stop_event.polling = False  # type: ignore[attr-defined]
        stop_workers(pool)
        raise
    except KeyboardInterrupt:
        stop_event.polling = False  # type: ignore[attr-defined]
        stop_workers(pool)
        for future, plan in running.items():  # finished (and so promoted) before the stop: record it now
            if future.done() and not future.cancelled() and future.exception() is None and plan.name not in results:
                results[plan.name] = report(future.result())
                record(output_root, plan, results[plan.name])
        raise BuildInterrupted(
            sorted(name for name, r in results.items() if name not in done and r.status == "ran")
        ) from None
    pool.shutdown()
    return {p.name: results[p.name] for p in todo if p.name in results}


WORKER_LOST = "the worker process running it ended abruptly (killed, or out of memory); nothing of this run was kept"


def _outcome(future: Any, plan: Plan) -> Result:
    """A finished run's result; a failed one when its worker process died under it (the pool is then broken)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return Result(plan.name, "failed", 0.0, f"{plan.path.name}: {WORKER_LOST}")


def stop_workers(pool: Any, grace: float = 10.0) -> None:
    """Stop every worker: SIGTERM makes a running one shut its kernel down and promote nothing; then wait, then kill."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def report(result: Result) -> Result:
    """Print the line that says how a notebook's run ended."""
    word = {"ran": "ran", "failed": "FAILED"}[result.status]
    say(f"[{result.notebook}] {word} in {result.seconds:.1f} s" + (f": {result.message}" if result.message else ""))
    return result
