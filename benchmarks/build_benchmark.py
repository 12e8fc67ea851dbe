"""Benchmark of the build (not a test): cold build vs. two baselines, no-op rebuild, and three kinds of edit.

Run it from the project's environment, after `make venv`:

    .venv/bin/python benchmarks/build_benchmark.py [--runs 3] [--repo PATH]

It works in a temporary copy of the repository (never on your data or outputs/), pointed at by
RARE_EARTHS_ROOT and sharing the project's already installed .venv, and measures, as medians of
--runs runs on this machine, interleaved (cold, naive, make -j2, cold, naive, ...) so that a change
in the machine's load hits all three alike:

1. cold: `make report` with no outputs/ and no .build/ (environment installed);
2. naive: one `jupyter nbconvert --execute --to html` command per notebook, one after the other;
3. make -j2: a two-line Makefile in the copy, one papermill run then one `jupyter nbconvert --to html`
   per notebook, two notebooks at a time (the usual "just use make" alternative);
4. no-op: `make report` again with nothing changed (the whole command, make included), measured twice: the first
   no-op after a change goes through the build (which then leaves its stamp, build/noop.py), the next ones are
   answered from the stamp; the benchmark waits out the stamp's 2 s racy window first, as a person would;
5. data edit: `make report` after re-writing one data file (same rows, CRLF line endings: new
   bytes, same meaning), which must run exactly the notebooks that declare the file;
6. CSS edit: `make report` after a comment is added to site/templates/report.css, which must run and
   re-render no notebook and rewrite the shared stylesheet (assets/site.css) that every page links;
6b. template edit: `make report` after a comment is added to the reports' nbconvert template, which must
   re-render every notebook and run none (no target: the measure of a render-only change);
7. section-module edit: `make report` after a comment is added to sections/defense.py, which must
   run exactly the notebooks that import it (05).

and prints the figures and the ratios against the targets (cold <= 0.35 x naive, no-op <= 0.10 s,
CSS edit < 3 s). Python's bytecode cache is left on (PYTHONDONTWRITEBYTECODE is removed from the
environment), as on a reader's machine.
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
TARGET_NOOP_SECONDS = 0.10
TARGET_CSS_SECONDS = 3.0
CSS = "lib/rare_earths/site/templates/report.css"
TEMPLATE = "lib/rare_earths/site/templates/nbconvert/offline/index.html.j2"
RACY_SECONDS = 2.0  # build/noop.py: a stamp is not left while a file is this recent
SECTION_MODULE = "lib/rare_earths/sections/defense.py"
# The "make -j2" baseline: papermill executes, nbconvert exports, one rule per notebook.
BASELINE_MAKEFILE = """NOTEBOOKS := $(wildcard notebooks/[0-9][0-9]_*.ipynb)
all: $(patsubst notebooks/%.ipynb,mk/%.html,$(NOTEBOOKS))
mk/%.html: notebooks/%.ipynb
\t@mkdir -p mk
\t.venv/bin/papermill --log-level ERROR --cwd mk $< mk/$*.ipynb
\t.venv/bin/jupyter nbconvert --log-level ERROR --to html --output-dir mk mk/$*.ipynb
"""


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
    for name in ("outputs", ".build", "naive", "mk"):
        shutil.rmtree(repo / name, ignore_errors=True)


def ran(output: str) -> list[str]:
    """The notebooks a build's output says it ran."""
    return sorted(re.findall(r"^\[(\S+)\] ran in", output, flags=re.M))


def rerendered(output: str) -> list[str]:
    """The notebooks a build's output says it re-rendered (no kernel)."""
    return sorted(re.findall(r"^\[(\S+)\] re-rendered in", output, flags=re.M))


def importers(repo: Path, module: str) -> list[str]:
    """The notebooks whose code cells import a section module by name (`from rare_earths.sections import ... name`)."""
    name = Path(module).stem
    found = []
    for nb in sorted((repo / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if re.search(rf"^from rare_earths\.sections import .*\b{name}\b", code, flags=re.M):
            found.append(nb.stem)
    return found


def append_comment(path: Path) -> bytes:
    """Add a comment at the end of a CSS, Jinja or Python file (new bytes, same behaviour); return the original."""
    original = path.read_bytes()
    comment = {".css": b"\n/* benchmark edit */\n", ".j2": b"{# benchmark edit #}\n"}.get(
        path.suffix, b"\n# benchmark edit\n"
    )
    path.write_bytes(original + comment)
    return original


def assets_rewritten(output: str) -> bool:
    """Whether a build's output says it rewrote the shared stylesheet and script."""
    return bool(re.search(r"^\[site\] assets/site\.css and site\.js rewritten", output, flags=re.M))


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
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "RARE_EARTHS_ROOT": str(repo),
            "PYTHONPATH": str(repo / "lib"),
        }  # the copy's own lib/ first
        make = ["make", "--no-print-directory", "report"]
        jupyter = str(repo / ".venv" / "bin" / "jupyter")

        (repo / "Makefile.baseline").write_text(BASELINE_MAKEFILE)
        baseline = ["make", "--no-print-directory", "-s", "-j2", "-f", "Makefile.baseline"]
        kinds = ("cold", "naive", "make -j2", "noop", "noop (build)", "data", "css", "template", "section")
        times: dict[str, list[float]] = {k: [] for k in kinds}
        for _ in range(args.runs):  # interleaved: a change of load hits the three alike
            clean(repo)
            times["cold"].append(timed(make, repo, env)[0])
            clean(repo)
            start = time.perf_counter()
            for nb in notebooks:
                naive_cmd = [jupyter, "nbconvert", "--execute", "--to", "html", "--output-dir", str(repo / "naive")]
                timed([*naive_cmd, f"notebooks/{nb}"], repo, env)
            times["naive"].append(time.perf_counter() - start)
            clean(repo)
            times["make -j2"].append(timed(baseline, repo, env)[0])
        clean(repo)
        timed(make, repo, env)
        timed(make, repo, env)  # the first no-op writes the import cache and bytecode: not measured
        for _ in range(max(5, args.runs)):
            (repo / ".build" / "noop.json").unlink(missing_ok=True)  # through the build
            seconds, out = timed(make, repo, env)
            assert not ran(out) and not rerendered(out), f"no-op build ran or re-rendered notebooks: {out}"
            times["noop (build)"].append(seconds)
        time.sleep(RACY_SECONDS)
        timed(make, repo, env)  # through the build, which leaves the stamp (not measured)
        for _ in range(max(5, args.runs)):
            seconds, out = timed(make, repo, env)
            assert not ran(out) and not rerendered(out), f"no-op build ran or re-rendered notebooks: {out}"
            times["noop"].append(seconds)
        checks = []
        everything = [Path(n).stem for n in notebooks]
        for kind, path, expect_ran, expect_rendered, edit in (
            ("data", args.data_file, readers(repo, args.data_file), [], edit_file),
            ("css", CSS, [], [], append_comment),
            ("template", TEMPLATE, [], everything, append_comment),
            ("section", SECTION_MODULE, importers(repo, SECTION_MODULE), [], append_comment),
        ):
            seen = []
            for _ in range(args.runs):
                original = edit(repo / path)
                seconds, out = timed(make, repo, env)
                times[kind].append(seconds)
                seen.append((ran(out), rerendered(out), assets_rewritten(out)))
                (repo / path).write_bytes(original)
                timed(make, repo, env)  # back to the committed files (not measured)
            expected = (expect_ran, expect_rendered, kind == "css")
            checks.append((kind, path, seen[0], expected, all(x == seen[0] for x in seen)))

    med = {k: statistics.median(v) for k, v in times.items()}
    load = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(load_before, os.getloadavg()))
    print(
        f"machine: {os.cpu_count()} cores, load average (1/5/15 min, before/after) {load}; {len(notebooks)} notebooks; "
        f"medians of {args.runs} runs ({max(5, args.runs)} for no-op)"
    )
    rows = [
        (
            "cold build (make report)",
            "cold",
            f"{med['cold'] / med['naive']:.2f} x naive (target <= {TARGET_COLD_RATIO})",
        ),
        ("naive (nbconvert --execute, each)", "naive", "1.00 x naive"),
        ("make -j2 (papermill + nbconvert)", "make -j2", f"{med['make -j2'] / med['naive']:.2f} x naive"),
        ("no-op make report (answered from the stamp)", "noop", f"target <= {TARGET_NOOP_SECONDS:.2f} s"),
        ("no-op make report (through the build: the first after a change)", "noop (build)", ""),
        (f"after editing {args.data_file}", "data", f"{med['data'] / med['cold']:.2f} x cold"),
        (
            "after editing report.css",
            "css",
            f"{med['css'] / med['cold']:.2f} x cold (target < {TARGET_CSS_SECONDS:.0f} s)",
        ),
        ("after editing the reports' nbconvert template", "template", f"{med['template'] / med['cold']:.2f} x cold"),
        ("after editing sections/defense.py", "section", f"{med['section'] / med['cold']:.2f} x cold"),
    ]
    print("| measurement | median | runs | ratio |\n|---|---|---|---|")
    for label, key, ratio in rows:
        print(f"| {label} | {med[key]:.2f} s | {', '.join(f'{x:.2f}' for x in times[key])} | {ratio} |")
    met = {
        "cold / naive": med["cold"] / med["naive"] <= TARGET_COLD_RATIO,
        "no-op": med["noop"] <= TARGET_NOOP_SECONDS,
        "CSS edit": med["css"] < TARGET_CSS_SECONDS,
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in met.items()))
    exact = True
    for kind, path, did, want, stable in checks:
        ok = stable and did == want
        exact &= ok
        print(
            f"{kind} edit ({path}): ran {did[0]}, re-rendered {len(did[1])}, assets rewritten {did[2]}; "
            f"expected ran {want[0]}, re-rendered {len(want[1])}, assets rewritten {want[2]}: "
            f"{'exactly' if ok else 'MISMATCH'}"
        )
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
