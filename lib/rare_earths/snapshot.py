"""The UN Comtrade snapshot as notebooks read it (data/comtrade/): where it lives, and loading it checked.

The refresh client (clients/comtrade/) writes it; section 01 reads it. Both import this module.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import data, paths

DATASET = "china_exports_comtrade"
SNAPSHOT_DIR = "comtrade"
KEY_ENV = "COMTRADE_API_KEY"  # the refresh reads its optional API key from this variable


@dataclass(frozen=True)
class Snapshot:
    """The current snapshot: validated rows and the metadata written beside them."""

    frame: pd.DataFrame
    metadata: dict[str, Any]
    path: Path


def snapshot_paths(data_dir: Path, day: str | None = None) -> tuple[Path, Path]:
    """CSV and JSON of the current snapshot, or of the dated copy of one day."""
    stem = DATASET if day is None else f"{DATASET}_{day}"
    folder = data_dir / SNAPSHOT_DIR
    return folder / f"{stem}.csv", folder / f"{stem}.json"


def load_snapshot(data_dir: Path | None = None) -> Snapshot | None:
    """The current snapshot, validated and checked against its sha256; None if there is none."""
    data_dir = data_dir or paths.DATA_DIR
    csv_path, json_path = snapshot_paths(data_dir)
    if not csv_path.exists():
        return None
    try:
        metadata = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise data.DataValidationError(
            [data.Problem(str(json_path.name), None, None, f"snapshot metadata unreadable: {exc}")]
        ) from None
    digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    if digest != metadata.get("sha256"):
        raise data.DataValidationError(
            [
                data.Problem(
                    csv_path.name,
                    None,
                    None,
                    f"sha256 {digest} differs from the metadata's {metadata.get('sha256')}: run `make data` again",
                )
            ]
        )
    return Snapshot(data.load(DATASET, data_dir), metadata, csv_path)
