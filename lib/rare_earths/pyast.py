"""Python source parsed one thread at a time.

CPython 3.11 can fail with "SystemError: AST constructor recursion depth mismatch" when two threads build syntax
trees at once, and a sweep plans its scenarios' builds in threads (the build reads notebooks' imports and
parameters with `ast`). Every parse of the package goes through this one lock. The standard library only: the
no-op build imports it.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """ast.parse, under the package's one lock."""
    with _LOCK:
        return ast.parse(source)


def literal_eval(node_or_text: str | ast.AST) -> Any:
    """ast.literal_eval, under the same lock (given text, it parses)."""
    with _LOCK:
        return ast.literal_eval(node_or_text)
