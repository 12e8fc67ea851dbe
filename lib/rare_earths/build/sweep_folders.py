"""The sweep's own folders under outputs/sweep/: its record, the removal of scenarios dropped from the grid, tidying.

The record (`.manifests/sweep.json`) names the grid's scenarios, every scenario folder a sweep made, and whether
the last sweep completed; the index links the sweep only when it did (site/index.py reads `complete`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from .. import outputs, paths
from .store import read_json

RESERVED = {"figures"}  # outputs/sweep/figures/ holds the comparison chart: no scenario may be called so


def scenario_root(root: Path, scenario: str) -> Path:
    """Where one scenario's report, figures and tables go (its build records sit beside, in .build/)."""
    return root / scenario / "report"


def record_path(root: Path) -> Path:
    """The sweep's own record: its notebook, its grid's scenarios, the scenario folders it made, whether it completed."""
    return root / ".manifests" / "sweep.json"


def begin(root: Path, stem: str, scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """Record a sweep as started (not complete: the index stops linking it until it completes); return the record."""
    names = [s["scenario"] for s in scenarios]
    made = sorted(set(read_json(record_path(root)).get("made", [])) | set(names))
    record = {"notebook": stem, "scenarios": names, "made": made, "complete": False}
    return write_record(root, record)


def write_record(root: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Write the sweep's record atomically; return it."""
    outputs.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", record_path(root))
    return record


def made_by_sweep(folder: Path, record: dict[str, Any]) -> bool:
    """Whether a folder under outputs/sweep/ is a scenario folder a sweep made: named in its record, or (a sweep from
    before the record) holding nothing but a scenario's report/ and its build records (.build/)."""
    if folder.name in record.get("made", []):
        return True
    entries = {p.name for p in folder.iterdir()}
    return bool(entries) and entries <= {"report", ".build"} and (folder / ".build" / "lock").exists()


def remove_dropped(root: Path, record: dict[str, Any]) -> None:
    """Remove the scenario folders of scenarios no longer in the grid (only folders a sweep made; say which)."""
    keep = set(record["scenarios"]) | RESERVED
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in keep and not p.name.startswith(".")):
        if made_by_sweep(folder, record):
            shutil.rmtree(folder)
            print(f"sweep: removed {paths.display(folder)}/ (scenario no longer in the grid)", flush=True)
        else:
            print(f"sweep: left {paths.display(folder)}/ alone: not a scenario folder of a sweep", flush=True)
    record["made"] = [name for name in record["made"] if name in record["scenarios"]]


def tidy(root: Path, scenarios: list[dict[str, Any]]) -> None:
    """Remove any staging folder a scenario's build left (a build ends without one; this covers one that raised)."""
    for s in scenarios:
        shutil.rmtree(scenario_root(root, s["scenario"]) / ".staging", ignore_errors=True)
