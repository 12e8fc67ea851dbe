"""What a build keeps: each notebook's manifest, promotion of a successful run, quarantine of a failed one, the lock, recovery, timings."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..outputs import write_text
from . import cache
from .model import BuildError, Plan, Result


def manifest_path(output_root: Path, name: str) -> Path:
    """Where a notebook's record of its outputs and last status is kept."""
    return output_root / ".manifests" / f"{name}.json"


def read_manifest(output_root: Path, name: str) -> dict[str, Any]:
    """A notebook's last good files and last status ({} if it never built)."""
    path = manifest_path(output_root, name)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_manifest(output_root: Path, name: str, record: dict[str, Any]) -> None:
    """Write a manifest atomically."""
    write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", manifest_path(output_root, name))


def promote(staging: Path, output_root: Path, name: str) -> list[str]:
    """Move a successful run's files into outputs/, removing this notebook's files that it no longer makes."""
    new = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    old = read_manifest(output_root, name).get("files", [])
    for rel in new:
        target = output_root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, target)
    for rel in set(old) - set(new):
        (output_root / rel).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(output_root / "failed" / name, ignore_errors=True)
    return new


def quarantine(staging: Path, output_root: Path, name: str) -> None:
    """Keep a failed run (partly executed notebook, its HTML, anything it wrote) under outputs/failed/."""
    target = output_root / "failed" / name
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)


def is_current(record: dict[str, Any], key: str, output_root: Path) -> bool:
    """Whether a notebook's recorded outputs were built with this cache key and are all still there, unchanged."""
    return record.get("status") == "built" and record.get("key") == key and not changed_outputs(record, output_root)


def changed_outputs(record: dict[str, Any], output_root: Path) -> list[str]:
    """The recorded files that are missing or whose bytes differ from the sha256 recorded when they were promoted."""
    hashes = record.get("sha256", {})
    changed = []
    for rel in record.get("files", []):
        path = output_root / rel
        if not path.is_file() or rel not in hashes or cache.sha256_file(path) != hashes[rel]:
            changed.append(rel)
    return changed


def shown_records(output_root: Path, notebooks: list[Path], project_root: Path) -> dict[str, dict[str, Any]]:
    """Each notebook's manifest as the index shows it: "out of date" when a file it read changed since it was built."""
    shown = {}
    for notebook in notebooks:
        rec = read_manifest(output_root, notebook.stem)
        inputs = rec.get("inputs", {})
        changed = [
            rel
            for rel in sorted(inputs)
            if not (project_root / rel).is_file() or cache.sha256_file(project_root / rel) != inputs[rel]
        ]
        if rec.get("status") == "built" and changed:
            rec = {
                **rec,
                "status": "out of date",
                "message": f"{', '.join(changed)} changed since it was built: run the build again",
            }
        shown[notebook.stem] = rec
    return shown


def record(output_root: Path, plan: Plan, result: Result) -> None:
    """Update a notebook's manifest after it ran or failed (a failure keeps the last good files, and says it failed)."""
    record = read_manifest(output_root, plan.name)
    if result.status == "ran":
        hashes = {rel: cache.sha256_file(output_root / rel) for rel in result.files}
        record = {
            "key": plan.key,
            "files": result.files,
            "sha256": hashes,
            "parameters": plan.parameters,
            "inputs": plan.inputs,
            "after": plan.after,
            "render_key": cache.render_key(hashes, plan.render),
        }
    record.update(status="built" if result.status == "ran" else "failed", message=result.message)
    write_manifest(output_root, plan.name, record)


@contextmanager
def locked(state: Path) -> Iterator[None]:
    """Hold the build lock of an outputs folder (one build at a time writes to it)."""
    import fcntl

    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build is writing to {state.parent}; wait for it to end") from None
        yield


def recover(output_root: Path) -> None:
    """Clean up after a build that was killed: stale staging folders and half-written temporary files."""
    shutil.rmtree(output_root / ".staging", ignore_errors=True)
    if output_root.exists():
        for tmp in output_root.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file, or {} when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_timings(state: Path, plans: list[Plan], results: dict[str, Result], previous: dict[str, Any]) -> None:
    """Record durations outside outputs/: .build/timings.json, .build/timings.js (read by the index page), .build/build.log."""
    timings = dict(previous)
    for plan in plans:
        result = results.get(plan.name)
        if result is None:
            continue
        if result.status in ("cached", "rendered"):  # a re-render keeps the duration of the notebook's last run
            timings[plan.name] = {**timings.get(plan.name, {}), "last": result.status}
        else:
            timings[plan.name] = {"key": plan.key, "seconds": round(result.seconds, 1), "last": result.status}
    text = json.dumps(timings, indent=1, sort_keys=True)
    write_text(text + "\n", state / "timings.json")
    write_text(f"window.RARE_EARTHS_TIMINGS = {text};\n", state / "timings.js")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    with open(state / "build.log", "a", encoding="utf-8") as log:
        for plan in plans:
            if plan.name in results:
                r = results[plan.name]
                log.write(f"{stamp} {plan.name} {r.status} {r.seconds:.1f}s key={plan.key[:12]} {r.message}\n")
