"""Reading notebook files as plain JSON (no nbformat: it is slow to import), and their titles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook as plain JSON; a file that is not (truncated, not UTF-8) is a ValueError naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookFileError(
            f"{Path(path).name}: not a readable notebook ({exc}); restore it, e.g. `git checkout -- notebooks/{Path(path).name}`"
        ) from None


class NotebookFileError(ValueError):
    """A notebook file that is not valid JSON."""


def notebook_title(nb: Any) -> str:
    """The first level-1 heading of a notebook (nbformat node or plain JSON), or ''."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""
