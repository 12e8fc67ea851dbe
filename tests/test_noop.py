"""The no-op `make report` answered from its stamp (build/noop.py): the same lines without the engine, and never
when anything the build reads or writes changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from rare_earths.build import noop
from test_build_deps import build_copy, copy_project, edited

HOUR = 3600


def age(repo: Path) -> None:
    """Date every file of the copy an hour back (same bytes): nothing is too recent for a stamp."""
    when = time.time() - HOUR
    for folder in ("data", "notebooks", "lib", "outputs"):
        for path in (repo / folder).rglob("*"):
            if path.is_file() and not path.is_symlink():
                os.utime(path, (when, when))
    for name in ("requirements.lock", "pyproject.toml"):
        os.utime(repo / name, (when, when))


def make_report(repo: Path, *args: str, **env: str) -> tuple[str, bool]:
    """`python -m rare_earths build ARGS` in the copy: (stdout, whether the command line and build were loaded)."""
    environ = {**os.environ, "RARE_EARTHS_ROOT": str(repo), "PYTHONPATH": str(repo / "lib"), **env}
    done = subprocess.run(
        [str(repo / ".venv" / "bin" / "python"), "-X", "importtime", "-m", "rare_earths", "build", *args],
        cwd=repo,
        env=environ,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done.stdout, "rare_earths.cli" in done.stderr  # the command line (and with it the engine) was loaded


def without_time(printed: str) -> str:
    """The printed lines with the summary's duration taken out."""
    return re.sub(r" in [0-9.]+ s;", " in … s;", printed)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the collection, built once, then dated an hour back."""
    repo = copy_project(tmp_path_factory.mktemp("noop") / "repo")
    build_copy(repo)
    age(repo)
    return repo


def stamped(repo: Path) -> str:
    """Settle the copy: date it back, run a no-op through the build (which leaves the stamp); what it printed."""
    age(repo)
    printed, engine = make_report(repo)
    assert engine and (repo / ".build" / noop.STAMP).is_file()
    return printed


def test_a_no_op_is_answered_from_the_stamp_with_the_builds_own_lines(repo: Path) -> None:
    (repo / ".build" / noop.STAMP).unlink(missing_ok=True)
    through_the_build = stamped(repo)
    assert "build: re-rendered 0, ran 0, cached 8, failed 0" in through_the_build
    log = (repo / ".build" / "build.log").read_text(encoding="utf-8")
    printed, engine = make_report(repo)
    assert not engine  # answered before the command line and the engine load
    assert without_time(printed) == without_time(through_the_build)
    assert (repo / ".build" / "build.log").read_text(encoding="utf-8").startswith(log)  # and one line more
    assert "(every notebook) cached" in (repo / ".build" / "build.log").read_text(encoding="utf-8")[len(log) :]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("touch data/prices.csv", "cached 8"),  # same bytes, new time: the build's content hashes decide
        ("add notebooks/notes.txt", "cached 8"),
        ("remove outputs/html/05_defense_demand.full.html", "re-rendered 1, ran 0, cached 7"),
        ("edit lib/rare_earths/sections/defense.py", "re-rendered 0, ran 1, cached 7"),
        ("edit the stamp's interpreter", "cached 8"),
        ("ask for notebook 05", "re-rendered 0, ran 0, cached 1"),
        ("set RARE_EARTHS_SITE_URL", "re-rendered 8, ran 0, cached 0"),
    ],
)
def test_any_change_goes_to_the_build(repo: Path, change: str, expected: str) -> None:
    stamped(repo)
    args, env = [], {}
    verb, _, what = change.partition(" ")
    if verb == "touch":
        os.utime(repo / what)
    elif verb == "add":
        (repo / what).write_text("a note\n")
    elif verb == "remove":
        (repo / what).unlink()
    elif change == "edit the stamp's interpreter":
        stamp = json.loads((repo / ".build" / noop.STAMP).read_text())
        stamp["state"]["python"][1] = "3.99.0"
        (repo / ".build" / noop.STAMP).write_text(json.dumps(stamp))
    elif verb == "edit":
        edited(repo / what)
    elif verb == "ask":
        args = ["05"]
    elif verb == "set":
        env = {"RARE_EARTHS_SITE_URL": "https://example.org/rare-earths"}
    printed, engine = make_report(repo, *args, **env)
    assert engine, change
    assert f"build: {expected}" in printed if expected.startswith("re-") else f", {expected}, failed 0" in printed
    if verb == "set":
        assert "https://example.org/rare-earths" in (repo / "outputs" / "index.html").read_text(encoding="utf-8")
        make_report(repo)  # and back without it
    if verb == "add":
        (repo / what).unlink()


def test_no_stamp_is_left_by_a_build_that_did_something_or_with_a_file_too_recent(tmp_path: Path) -> None:
    root = tmp_path / "project"
    for folder in noop.TREES:
        (root / folder).mkdir(parents=True)
    (root / ".build").mkdir()
    (root / "data" / "a.csv").write_text("x\n1\n")
    old = time.time() - HOUR
    os.utime(root / "data" / "a.csv", (old, old))
    cached = [
        "[01_a] cached (its run took 2.0 s)",
        "build: re-rendered 0, ran 0, cached 1, failed 0 in 0.1 s; index: i",
    ]
    assert noop.record(str(root), ["[01_a] ran in 2.0 s", cached[-1]]) is False
    assert noop.record(str(root), ["[site] assets/site.css and site.js rewritten", *cached]) is False
    assert noop.record(str(root), cached) is True
    (root / "data" / "a.csv").write_text("x\n2\n")  # just now: a second edit in the same tick could hide
    assert noop.record(str(root), cached) is False
    assert not (root / ".build" / noop.STAMP).exists()


def git(repo: Path, *args: str) -> None:
    """Run git in a folder, quietly, with a fixed identity."""
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def test_the_git_head_is_read_without_git_and_every_move_of_it_shows(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    assert noop.git_head(str(repo / "sub")) == {}  # outside git
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "one")
    seen = [noop.git_head(str(repo / "sub"))]  # from a folder inside, as `git rev-parse HEAD` finds it
    time.sleep(0.01)
    for move in (
        ["commit", "-q", "--allow-empty", "-m", "two"],
        ["checkout", "-q", "-b", "other"],
        ["checkout", "-q", "--detach"],
    ):
        git(repo, *move)
        seen.append(noop.git_head(str(repo)))
        assert seen[-1] not in seen[:-1], move
    git(repo, "checkout", "-q", "other")
    assert noop.git_head(str(repo)) == seen[2]  # back where it was: the same state
    for move in (
        ["pack-refs", "--all"],  # the branch's loose ref goes into packed-refs (same commit: asked again anyway)
        ["commit", "-q", "--allow-empty", "-m", "three"],
    ):
        git(repo, *move)
        seen.append(noop.git_head(str(repo)))
        assert seen[-1] not in seen[:-1], move
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    in_worktree = noop.git_head(str(tmp_path / "wt"))
    git(tmp_path / "wt", "commit", "-q", "--allow-empty", "-m", "in the worktree")
    assert in_worktree and noop.git_head(str(tmp_path / "wt")) != in_worktree
    assert noop.git_head(str(repo)) == seen[-1]  # the main work tree's HEAD did not move
