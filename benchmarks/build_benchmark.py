"""Benchmark of the build (not a test): cold build vs. the naive baseline, no-op rebuild, one-file data edit.

Run it from the project's environment, after `make venv`:

    .venv/bin/python benchmarks/build_benchmark.py [--runs 3] [--repo PATH]

It works in a temporary copy of the repository (never on your data or outputs/), pointed at by
RARE_EARTHS_ROOT and sharing the project's already installed .venv, and measures, as medians of
--runs runs on this machine:

1. cold: `make report` with no outputs/ and no .build/ (environment installed);
2. naive: one `jupyter nbconvert --execute --to html` command per notebook, one after the other;
3. no-op: `make report` again with nothing changed (the whole command, make included);
4. data edit: `make report` after re-writing one data file (same rows, CRLF line endings: new
   bytes, same meaning), which must run exactly the notebooks that declare the file.

and prints the figures and the ratios against the targets (cold <= 0.35 x naive, no-op <= 0.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ["Makefile", "pyproject.toml", "requirements.lock", "data", "notebooks", "lib"]
TARGET_COLD_RATIO = 0.35
TARGET_NOOP_SECONDS = 0.5


def copy_repo(source: Path, target: Path) -> Path:
    """Copy what a build needs into `target` (mtimes kept), with .venv linked to the source's installed one."""
    target.mkdir(parents=True)
    for name in COPIED:
        src = source / name
        if src.is_dir():
            shutil.copytree(
                src, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
            )
        else:
            shutil.copy2(src, target / name)
    (target / ".venv").symlink_to(source / ".venv", target_is_directory=True)
    stamp = (
        (source / ".venv" / ".installed").stat().st_mtime
    )  # the environment is installed: make must see it as current
    for name in ("requirements.lock", "pyproject.toml"):
        os.utime(target / name, (stamp - 1, stamp - 1))
    return target


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Run a command; return its wall time and its output (fail loudly if it fails)."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"benchmark: {' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout + done.stderr


def clean(repo: Path) -> None:
    """Remove every output and build record of the copy (a cold start)."""
    for name in ("outputs", ".build", "naive"):
        shutil.rmtree(repo / name, ignore_errors=True)


def ran(output: str) -> list[str]:
    """The notebooks a build's output says it ran."""
    return sorted(re.findall(r"^\[(\S+)\] ran in", output, flags=re.M))


def readers(repo: Path, data_file: str) -> list[str]:
    """The notebooks that declare a data file among their inputs."""
    found = []
    for nb in sorted((repo / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        meta = json.loads(nb.read_text(encoding="utf-8")).get("metadata", {}).get("rare_earths", {})
        if data_file in meta.get("inputs", []):
            found.append(nb.stem)
    return found


def edit_file(path: Path) -> bytes:
    """Re-write a CSV with CRLF line endings (new bytes, same rows); return the original bytes."""
    original = path.read_bytes()
    path.write_bytes(original.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return original


def main() -> int:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (medians are reported)")
    parser.add_argument(
        "--repo", type=Path, default=ROOT, help="repository to copy (default: this one; needs its .venv)"
    )
    parser.add_argument("--data-file", default="data/china_exports_monthly.csv", help="data file to edit")
    args = parser.parse_args()
    source = args.repo.resolve()
    if not (source / ".venv" / "bin" / "python").exists():
        sys.exit("benchmark: run `make venv` first (the benchmark measures builds with the environment installed)")
    notebooks = sorted(p.name for p in (source / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="rare-earths-bench-") as tmp:
        repo = copy_repo(source, Path(tmp) / "repo")
        env = {
            **os.environ,
            "RARE_EARTHS_ROOT": str(repo),
            "PYTHONPATH": str(repo / "lib"),
        }  # the copy's own lib/ first
        make = ["make", "--no-print-directory", "report"]
        jupyter = str(repo / ".venv" / "bin" / "jupyter")

        cold, naive, noop, edit = [], [], [], []
        for _ in range(args.runs):
            clean(repo)
            cold.append(timed(make, repo, env)[0])
        for _ in range(args.runs):
            clean(repo)
            start = time.perf_counter()
            for nb in notebooks:
                timed(
                    [
                        jupyter,
                        "nbconvert",
                        "--execute",
                        "--to",
                        "html",
                        "--output-dir",
                        str(repo / "naive"),
                        f"notebooks/{nb}",
                    ],
                    repo,
                    env,
                )
            naive.append(time.perf_counter() - start)
        clean(repo)
        timed(make, repo, env)
        for _ in range(max(5, args.runs)):
            seconds, out = timed(make, repo, env)
            assert not ran(out), f"no-op build ran notebooks: {out}"
            noop.append(seconds)
        expected = readers(repo, args.data_file)
        ran_after_edit = []
        for _ in range(args.runs):
            original = edit_file(repo / args.data_file)
            seconds, out = timed(make, repo, env)
            edit.append(seconds)
            ran_after_edit.append(ran(out))
            (repo / args.data_file).write_bytes(original)
            timed(make, repo, env)  # back to the committed data (not measured)

    med = {k: statistics.median(v) for k, v in {"cold": cold, "naive": naive, "noop": noop, "edit": edit}.items()}
    ratio = med["cold"] / med["naive"]
    load = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(load_before, os.getloadavg()))
    print(
        f"machine: {os.cpu_count()} cores, load average (1/5/15 min, before/after) {load}; {len(notebooks)} notebooks; "
        f"medians of {args.runs} runs ({max(5, args.runs)} for no-op)"
    )
    print(f"cold build (make report):            {med['cold']:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in cold)}")
    print(f"naive (nbconvert --execute each):    {med['naive']:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in naive)}")
    print(
        f"cold / naive:                        {ratio:6.2f}     target <= {TARGET_COLD_RATIO}: {'met' if ratio <= TARGET_COLD_RATIO else 'NOT met'}"
    )
    print(
        f"no-op make report:                   {med['noop']:6.2f} s   target <= {TARGET_NOOP_SECONDS} s: {'met' if med['noop'] <= TARGET_NOOP_SECONDS else 'NOT met'}"
    )
    exact = all(r == expected for r in ran_after_edit)
    print(
        f"after editing {args.data_file}: {med['edit']:6.2f} s; ran {ran_after_edit[0]}, readers {expected}: {'exactly the readers' if exact else 'MISMATCH'}"
    )
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
