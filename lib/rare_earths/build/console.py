"""The build's progress lines: each written whole, in one call, so lines of parallel processes never run together."""

from __future__ import annotations

import sys

recorded: list[str] | None = None  # when a list, every stdout line is kept in it too (build/noop.py's stamp)


def say(line: str, err: bool = False) -> None:
    """Print one line on stdout (or stderr) with a single write and a flush.

    `print` writes the text and its newline separately; with PYTHONUNBUFFERED each is a system call of its own,
    and another process's line can land between them (`...ran in 3.7 s[07_outlook] started`).
    """
    stream = sys.stderr if err else sys.stdout
    if recorded is not None and not err:
        recorded.append(line)
    stream.write(line + "\n")
    stream.flush()
