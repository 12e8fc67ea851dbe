"""The build engine: plan (selection, parameters, dependencies, cache keys), execute (kernels, papermill, HTML),
store (manifests, promotion, lock, recovery, timings), engine (the whole build), pages (ledger, index, assets),
cache, provenance, noop (the no-op answered from a stamp) and sweep.

The names below are the engine's public interface, used by the command line and the tests. They are imported on
first use (PEP 562), so that `python -m rare_earths build` with nothing to do can answer from build/noop.py without
loading the engine; the sweep is never imported here (it loads pandas and matplotlib).
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "build": "engine",
    "refresh_index": "engine",
    "finish": "pages",
    "CELL_TIMEOUT": "model",
    "KERNEL_NAME": "model",
    "OUTPUT_PARAMETER": "model",
    "BuildError": "model",
    "BuildInterrupted": "model",
    "Plan": "model",
    "Result": "model",
    "StorageError": "model",
    "cell_timeout": "plan",
    "coerce": "plan",
    "declared_parameters": "plan",
    "discover": "plan",
    "resolve_parameters": "plan",
    "select": "plan",
    "read_manifest": "store",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    """One of the engine's public names, imported from its module on first use."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
