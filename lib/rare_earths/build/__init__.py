"""The build engine: plan (selection, parameters, dependencies, cache keys), execute (kernels, papermill, HTML),
store (manifests, promotion, lock, recovery, timings), engine (the whole build), cache, provenance and sweep.

The names below are the engine's public interface, used by the command line and the tests. The sweep is not
imported here: it loads pandas and matplotlib, and a no-op build must stay fast.
"""

from .engine import build, refresh_index
from .model import CELL_TIMEOUT, KERNEL_NAME, OUTPUT_PARAMETER, BuildError, BuildInterrupted, Plan, Result, StorageError
from .pages import finish
from .plan import cell_timeout, coerce, declared_parameters, discover, resolve_parameters, select
from .store import read_manifest

__all__ = [
    "CELL_TIMEOUT",
    "KERNEL_NAME",
    "OUTPUT_PARAMETER",
    "BuildError",
    "BuildInterrupted",
    "Plan",
    "Result",
    "StorageError",
    "build",
    "cell_timeout",
    "coerce",
    "declared_parameters",
    "discover",
    "finish",
    "read_manifest",
    "refresh_index",
    "resolve_parameters",
    "select",
]
