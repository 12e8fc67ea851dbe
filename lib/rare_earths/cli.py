"""Command line: `python -m rare_earths build|validate|params`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build


def _parser() -> argparse.ArgumentParser:
    """The argument parser of the command line."""
    parser = argparse.ArgumentParser(prog="python -m rare_earths", description="Build and check the rare-earth notebook collection.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute notebooks and export HTML, figures, tables, claims and the index")
    b.add_argument("notebooks", nargs="*", help="numbers or names (e.g. 01 or 01_exports); default: all")
    b.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"), help="set a notebook parameter, as papermill -p")
    b.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: number of cores)")
    b.add_argument("--fail-fast", action="store_true", help="stop at the first failing notebook")
    b.add_argument(
        "--force", nargs="?", action="append", const="*", default=None, metavar="NOTEBOOK",
        help="re-run even when nothing changed: all selected notebooks, or the one named (repeatable)",
    )
    b.add_argument("--output-dir", type=Path, default=None, help="outputs folder (default: outputs/)")
    sub.add_parser("validate", help="validate data/ against data/datapackage.json")
    p = sub.add_parser("params", help="list each notebook's parameters and their types")
    p.add_argument("notebooks", nargs="*")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            from . import data

            problems = data.validate_all()
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"data: {len(problems)} problem(s) in {len(data.resource_names())} files")
            return 1 if problems else 0
        if args.command == "params":
            for nb in build.select(build.discover(), args.notebooks):
                declared = build.declared_parameters(nb)
                print(f"{nb.stem}: " + ", ".join(f"{k} ({t})" for k, t in declared.items()))
            return 0
        force = True if args.force and "*" in args.force else (args.force or False)
        results = build.build(args.notebooks, dict(args.parameter), args.output_dir, args.jobs, args.fail_fast, force=force)
        return 1 if any(r.status == "failed" for r in results) else 0
    except Exception as exc:
        if not isinstance(exc, _expected_errors()):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _expected_errors() -> tuple[type[Exception], ...]:
    """Errors shown as one 'error:' line with exit status 2 (data errors only once data/ was loaded: it imports pandas)."""
    data = sys.modules.get(f"{__package__}.data")
    return (build.BuildError,) + ((data.DataValidationError,) if data else ())
