"""The no-op `make report`, answered from a stamp without loading the build (standard library only, no pathlib).

A plain `python -m rare_earths build` (no argument: what `make report` runs) that found every notebook cached and
rewrote nothing leaves a stamp, `.build/noop.json`: what it printed, and the state of everything a build reads or
writes, taken with os.stat alone (the way make and git's index decide what changed):

- every file under the package, data/, notebooks/ and outputs/ (scratch/ and the sweep's scenario folders
  aside; the sweep's comparison and record are kept), requirements.lock and pyproject.toml: inode, size and
  modification time in nanoseconds; every folder there: the names it holds (a file added or removed shows);
- the git HEAD (the commit is on every page): the text of HEAD and the state of the branch it names;
- the interpreter, its prefix, the current folder and the environment variables the build reads.

The next plain build compares; if all is the same it prints the stamp's lines (with its own time) and stops, in
a few milliseconds. Anything else (another argument, a changed or added file, an unreadable stamp, a file
modified within RACY_SECONDS of the stamp, which a second edit in the same clock tick could hide) goes to the
build, which decides with content hashes as always; any build removes the stamp before it writes anything.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

STAMP = "noop.json"
VERSION = 1
RACY_SECONDS = 2.0  # as build/cache.py: a file this recent may change again within one modification-time tick
ENVIRONMENT = (
    "RARE_EARTHS_ROOT",
    "RARE_EARTHS_OUTPUTS",
    "RARE_EARTHS_SITE_URL",
    "PYTHONPATH",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
)
TREES = ("data", "notebooks", "outputs")  # project-relative, besides the package itself
FILES = ("requirements.lock", "pyproject.toml")
SKIPPED = {
    "__pycache__",
    ".ipynb_checkpoints",
    "outputs/scratch",
    "outputs/sweep",
    "outputs/.staging",
}  # (a folder name anywhere, or a project-relative folder)
KEPT = ("outputs/sweep/comparison.csv", "outputs/sweep/.manifests/sweep.json")  # what the index reads of a sweep
SUMMARY = re.compile(r"^(build: .*) in [0-9.]+ s(; index: .*)$")
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def project_root() -> str:
    """The project folder, as rare_earths.paths finds it (RARE_EARTHS_ROOT, else the folder holding lib/)."""
    return os.environ.get("RARE_EARTHS_ROOT") or os.path.dirname(os.path.dirname(PACKAGE_DIR))


def stamp_path(root: str) -> str:
    """Where the stamp of the project's own outputs/ lives: in its records folder, .build/."""
    return os.path.join(root, ".build", STAMP)


def plain(argv: list[str]) -> bool:
    """Whether a command line is the plain build a stamp stands for (no notebooks, parameters or options)."""
    return argv == ["build"] and not os.environ.get("RARE_EARTHS_OUTPUTS")


def answer(argv: list[str]) -> int | None:
    """Exit status 0 after printing the stamp's lines when nothing changed since it was taken; else None (build)."""
    started = time.perf_counter()
    if not plain(argv):
        return None
    root = project_root()
    try:
        with open(stamp_path(root), encoding="utf-8") as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("state") != state(root) or stamp.get("version") != VERSION:
        return None
    lines, summary = stamp.get("lines", []), stamp.get("summary", [])
    _log(root)
    seconds = time.perf_counter() - started
    sys.stdout.write("".join(f"{line}\n" for line in lines) + f"{summary[0]} in {seconds:.1f} s{summary[1]}\n")
    sys.stdout.flush()
    return 0


def record(root: str, printed: list[str]) -> bool:
    """Leave the stamp of a plain build that printed `printed` (each notebook cached, then the summary line) and
    rewrote nothing; False, and no stamp, when the lines say it did something or a file is too recent to trust."""
    forget(root)
    match = SUMMARY.match(printed[-1]) if printed else None
    if not match or any(not re.match(r"^\[\S+\] cached( \(its run took [0-9.]+ s\))?$", line) for line in printed[:-1]):
        return False
    now = time.time_ns()
    taken = state(root)
    if taken is None or any(v and now - v[2] < RACY_SECONDS * 1e9 for v in taken["files"].values()):
        return False
    stamp = {"version": VERSION, "state": taken, "lines": printed[:-1], "summary": list(match.groups())}
    target = stamp_path(root)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(stamp, f)
        os.replace(tmp, target)
    except OSError:
        return False
    return True


def _log(root: str) -> None:
    """One line in .build/build.log for a no-op answered here (the build writes one line per notebook)."""
    line = f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} (every notebook) cached: nothing changed since the last build ({STAMP})\n"
    try:
        with open(os.path.join(root, ".build", "build.log"), "a", encoding="utf-8") as log:
            log.write(line)
    except OSError:
        pass  # the log is a convenience, as in the build


def forget(root: str) -> None:
    """Remove the stamp (every build does, before it writes anything)."""
    try:
        os.remove(stamp_path(root))
    except OSError:
        pass


def state(root: str) -> dict | None:
    """What the stamp compares: the files and folders, the git HEAD, the interpreter and environment (see above);
    None when the git HEAD cannot be read without git itself."""
    head = git_head(root)
    if head is None:
        return None
    files: dict[str, list[int] | None] = {}
    folders: dict[str, list[str] | None] = {}
    _scan(PACKAGE_DIR, "lib:", files, folders)
    for tree in TREES:
        _scan(os.path.join(root, tree), tree, files, folders, tree)
    for rel in (*FILES, *KEPT):
        files[rel] = _stat(os.path.join(root, rel))
    return {
        "root": root,
        "package": PACKAGE_DIR,
        "python": [sys.executable, sys.version, sys.prefix],
        "cwd": os.getcwd(),
        "environment": {name: os.environ.get(name) for name in ENVIRONMENT},
        "git": head,
        "files": files,
        "folders": folders,
    }


def _stat(path: str) -> list[int] | None:
    """[inode, size, modification time in ns] of a file, or None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _scan(
    folder: str, key: str, files: dict[str, list[int] | None], folders: dict[str, list[str] | None], rel: str = ""
) -> None:
    """Record the names in a folder and the stat of each file under it, skipping the SKIPPED folders."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        folders[key] = None
        return
    names = []
    for entry in entries:
        sub = f"{rel}/{entry.name}" if rel else entry.name
        if entry.name in SKIPPED or sub in SKIPPED:
            continue
        names.append(entry.name)
        if entry.is_dir(follow_symlinks=False):
            _scan(entry.path, f"{key}/{entry.name}", files, folders, sub)
        else:
            st = entry.stat()
            files[f"{key}/{entry.name}"] = [st.st_ino, st.st_size, st.st_mtime_ns]
    folders[key] = names


def git_head(root: str) -> dict[str, object] | None:
    """The text of the git HEAD that `git rev-parse HEAD` in `root` reads, and the state of the branch it names
    (loose ref file and packed-refs); {} outside git; None when it is laid out in a way not read here."""
    if any(os.environ.get(name) for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")):
        return None
    folder = os.path.abspath(root)
    while True:
        dotgit = os.path.join(folder, ".git")
        if os.path.isdir(dotgit):
            git_dir = common = dotgit
            break
        if os.path.isfile(dotgit):  # a worktree: "gitdir: <path>", its refs in the main repository's folder
            try:
                with open(dotgit, encoding="utf-8") as f:
                    text = f.read().strip()
                git_dir = os.path.join(folder, text.removeprefix("gitdir:").strip())
                with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as f:
                    common = os.path.join(git_dir, f.read().strip())
            except OSError:
                return None
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return {}
        folder = parent
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as f:
            head = f.read()
    except OSError:
        return None
    ref = head[len("ref: ") :].strip() if head.startswith("ref: ") else ""
    return {
        "head": head,
        "ref": _stat(os.path.join(common, ref)) if ref else None,
        "packed": _stat(os.path.join(common, "packed-refs")),
        "dir": os.path.realpath(git_dir),
    }
