"""What a build keeps: each notebook's manifest, promotion of a successful run, quarantine of a failed one, the lock, recovery, timings.

Why one file: these are the build's records and the moves that keep them consistent with outputs/ (promotion and its
roll-back, quarantine, recovery read and write the same manifests); split, each half would need the other's rules.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import paths
from ..outputs import write_text
from . import cache
from .console import say
from .model import MARKER, STAGING, BuildError, Plan, Result, is_storage_error


def load_record(path: Path) -> tuple[dict[str, Any], str]:
    """A JSON object from one of the build's records and '' ; ({}, '') when it is missing; ({}, why) when it is damaged."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, ""
    if not data.strip():
        return {}, "it is empty"
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return {}, f"it is not valid JSON ({exc})"
    if not isinstance(value, dict):
        return {}, f"it holds a JSON {type(value).__name__}, not an object"
    return value, ""


def manifest_path(output_root: Path, name: str) -> Path:
    """Where a notebook's record of its outputs and last status is kept."""
    return output_root / ".manifests" / f"{name}.json"


def read_manifest(output_root: Path, name: str) -> dict[str, Any]:
    """A notebook's last good files and last status ({} if it never built, or if its record is damaged: see recover)."""
    record, problem = load_record(manifest_path(output_root, name))
    if problem or not all(isinstance(record.get(k, []), list) for k in ("files", "after")):
        return {}
    return record


def write_manifest(output_root: Path, name: str, record: dict[str, Any]) -> None:
    """Write a manifest atomically."""
    write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", manifest_path(output_root, name))


class PromotionStopped(Exception):
    """The build stopped (its driver is gone) while a notebook's files were being promoted: all were put back."""


def promote(staging: Path, output_root: Path, name: str, go_on: Any = None) -> list[str]:
    """Move a successful run's files into outputs/ all together or not at all, removing those it no longer makes.

    Each file replaced keeps its old version (a hard link, else a rename) under the staging folder until every new
    file is in place; if one cannot be moved (a full disk, a read-only or immutable file), or `go_on()` turns false
    (the build was stopped), those already moved are put back and the OSError (or PromotionStopped) is raised.
    """
    new = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    old = read_manifest(output_root, name).get("files", [])
    backup = staging.parent / f"{name}.previous"
    moved: list[tuple[Path, Path | None]] = []  # (target, its previous version kept in backup/, or None)
    try:
        for rel in new:
            if go_on is not None and not go_on():
                raise PromotionStopped(name)
            moved.append(_replace_keeping(staging / rel, output_root / rel, backup / rel))
    except BaseException:
        _put_back(moved)
        shutil.rmtree(backup, ignore_errors=True)  # reached only once every old file is back in place
        raise
    for rel in set(old) - set(new):
        (output_root / rel).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(backup, ignore_errors=True)
    remove_failed(output_root, name)
    return new


def _replace_keeping(source: Path, target: Path, kept: Path) -> tuple[Path, Path | None]:
    """Move `source` onto `target`, keeping the target's previous version at `kept`; (target, kept or None)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = None
    if target.is_file():
        kept.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(target, kept)  # the old version stays in place until the new one replaces it
        except OSError:
            os.replace(target, kept)
        previous = kept
    try:
        os.replace(source, target)
    except BaseException:
        if previous is not None and not target.exists():
            os.replace(previous, target)
        raise
    return target, previous


def _put_back(moved: list[tuple[Path, Path | None]]) -> None:
    """Undo a promotion cut short: each replaced file gets its previous version back; a file that is new goes."""
    for target, previous in reversed(moved):
        if previous is not None:
            os.replace(previous, target)
        else:
            target.unlink(missing_ok=True)


def quarantine(staging: Path, output_root: Path, name: str) -> None:
    """Keep a failed run (partly executed notebook, its HTML, anything it wrote) under outputs/failed/."""
    target = output_root / "failed" / name
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)


def remove_failed(output_root: Path, name: str) -> None:
    """Remove a notebook's failed/ copy (it built since), and failed/ itself once it is empty."""
    shutil.rmtree(output_root / "failed" / name, ignore_errors=True)
    try:
        (output_root / "failed").rmdir()
    except OSError:
        pass  # absent, or other notebooks' failed runs are still there


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
def locked(state: Path, output_root: Path) -> Iterator[None]:
    """Hold the build lock of an outputs folder (one build at a time writes to it)."""
    import fcntl

    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "a") as handle:  # "a": opening it never truncates (nor needs space on a full disk)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"another build is writing to {output_root} (lock: {state / 'lock'}); wait for it to end"
            ) from None
        yield


BUILD_LEFTOVERS = (STAGING, ".build")


def claim_output_root(output_root: Path, project_root: Path, new: bool = False) -> None:
    """Make sure `output_root` is a build's output folder: empty or absent, the project's outputs/, marked as one,
    or named new by the user; then mark it. A folder of someone else's files is refused (BuildError)."""
    marker = output_root / MARKER
    if marker.is_file():
        return
    own = output_root == (project_root / "outputs").resolve() or (output_root / ".manifests").is_dir()
    # what an interrupted build leaves (its staging folder, its records folder) is the build's own, not someone's files
    others = (
        sorted(p.name for p in output_root.iterdir() if p.name not in BUILD_LEFTOVERS) if output_root.is_dir() else []
    )
    if others and not (own or new):
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise BuildError(
            f"--output-dir {output_root} is not a build output folder (it holds {shown} and no {MARKER}); "
            "choose an empty or new folder, or add --new-output-dir to build among these files"
        )
    output_root.mkdir(parents=True, exist_ok=True)
    write_text(
        "This folder is written by `python -m rare_earths build`; its files are replaced by each build.\n", marker
    )


def recover(output_root: Path) -> None:
    """Clean up after a build that was killed: its own staging folder (runs in progress, its temporary files) and its
    unreadable records, each named on one line. Nothing outside the staging folder and the records is touched."""
    shutil.rmtree(output_root / STAGING, ignore_errors=True)
    manifests = output_root / ".manifests"
    for path in sorted(manifests.glob("*.json")) if manifests.is_dir() else []:
        problem = load_record(path)[1]
        if problem:
            path.unlink()
            who = f"{path.stem} will re-run" if path.stem != "index" else "the index will be rewritten"
            say(
                f"build record {paths.display(path)} is damaged ({problem}): removed and treated as missing; {who}",
                err=True,
            )


def read_timings(path: Path) -> dict[str, Any]:
    """The durations recorded by earlier builds; a damaged record is named on one line and durations start afresh."""
    timings, problem = load_record(path)
    if not problem and not all(isinstance(v, dict) for v in timings.values()):
        problem = "its entries are not objects"
    if problem:
        say(f"build record {paths.display(path)} is damaged ({problem}): durations start afresh", err=True)
        return {}
    return timings


DURATIONS_HINT = "durations.json"  # beside the notebooks: how long each takes, for the order of a first build


def read_durations_hint(notebooks_dir: Path) -> dict[str, float]:
    """The seconds the notebooks folder's durations.json gives each notebook ({} without one); a file that is not
    such a hint is named on one line and ignored (the order is then the planned one for notebooks never timed)."""
    path = notebooks_dir / DURATIONS_HINT
    if not path.exists():
        return {}
    seconds = read_json(path).get("seconds")
    if not isinstance(seconds, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in seconds.values()
    ):
        say(f"{paths.display(path)} is not a durations hint (an object 'seconds' of numbers): ignored", err=True)
        return {}
    return {name: float(v) for name, v in seconds.items()}


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file, or {} when it is missing, unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


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
    try:  # run facts: a build whose outputs are in place does not fail for want of space to note its durations
        _write_if_changed(text + "\n", state / "timings.json")
        _write_if_changed(f"window.RARE_EARTHS_TIMINGS = {text};\n", state / "timings.js")
    except OSError as exc:
        if not is_storage_error(exc):
            raise
        say(f"durations not recorded: cannot write {exc.filename}: {exc.strerror}", err=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    lines = [
        f"{stamp} {p.name} {results[p.name].status} {results[p.name].seconds:.1f}s key={p.key[:12]} {results[p.name].message}\n"
        for p in plans
        if p.name in results
    ]
    try:
        with open(state / "build.log", "a", encoding="utf-8") as log:
            log.write("".join(lines))
    except OSError as exc:  # the log is a convenience: a full disk must not fail a build that changed nothing
        say(f"build log {state / 'build.log'} not written: {exc.strerror}", err=True)


def _write_if_changed(text: str, target: Path) -> None:
    """Write a record atomically unless it already holds exactly this text."""
    try:
        if target.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_text(text, target)
