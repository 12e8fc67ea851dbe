"""Command line: `python -m rare_earths build|validate|params|refresh|sweep`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import build  # data, comtrade and sweep import pandas: loaded only by the commands that need them
from .build import console, noop


def _parser() -> argparse.ArgumentParser:
    """The argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m rare_earths", description="Build and check the rare-earth notebook collection."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute notebooks and export HTML, figures, tables, claims and the index")
    b.add_argument("notebooks", nargs="*", help="numbers or names (e.g. 01 or 01_exports); default: all")
    b.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter, as papermill -p",
    )
    b.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: number of cores)")
    b.add_argument("--fail-fast", action="store_true", help="stop at the first failing notebook")
    b.add_argument(
        "--force",
        nargs="?",
        action="append",
        const="*",
        default=None,
        metavar="NOTEBOOK",
        help="re-run even when nothing changed: all selected notebooks, or the one named (repeatable)",
    )
    b.add_argument("--output-dir", type=Path, default=None, help="outputs folder (default: outputs/)")
    b.add_argument(
        "--new-output-dir",
        action="store_true",
        help="make --output-dir a build output folder even though it holds other files (they are left alone)",
    )
    b.add_argument(
        "--timeout",
        type=int,
        default=None,
        metavar="SECONDS",
        help=f"seconds each cell may run (default: the notebook's metadata rare_earths.timeout, else {build.CELL_TIMEOUT}); "
        "a plain papermill run takes the same value as --execution-timeout",
    )
    sub.add_parser(
        "validate",
        help="validate data/ against data/datapackage.json, and the claims inventory: quotes, ids, a notebook for each claim",
    )
    p = sub.add_parser("params", help="list each notebook's parameters: type, default, meaning and allowed values")
    p.add_argument("notebooks", nargs="*")
    r = sub.add_parser(
        "refresh",
        help="fetch China's monthly rare-earth exports from the UN Comtrade API into data/comtrade/ (key: $COMTRADE_API_KEY, optional)",
    )
    r.add_argument(
        "--start", default=None, help="first month, YYYY-MM (default: rare_earths.clients.comtrade.DEFAULT_START)"
    )
    r.add_argument("--end", default=None, help="last month, YYYY-MM (default: the previous month)")
    r.add_argument(
        "--hs", default=None, help="HS 6-digit codes, comma separated (default: rare_earths.clients.comtrade.HS_CODES)"
    )
    r.add_argument(
        "--partners",
        default=None,
        help="partner codes, comma separated, 0 = World (default: rare_earths.clients.comtrade.PARTNERS)",
    )
    r.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer (default: %(default)s)")
    w = sub.add_parser(
        "sweep", help="run a notebook over its scenario grid (notebooks/<name>.scenarios.csv) and compare the results"
    )
    w.add_argument("notebook", nargs="?", default="07_outlook", help="notebook number or name (default: %(default)s)")
    w.add_argument(
        "--grid", type=Path, default=None, help="scenario grid CSV (default: notebooks/<name>.scenarios.csv)"
    )
    w.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="scenarios run at once (default: number of cores; with --scheduler, twice the cluster's worker threads)",
    )
    w.add_argument(
        "--output-dir", type=Path, default=None, help="outputs folder (default: outputs/); scenarios go to <it>/sweep/"
    )
    w.add_argument(
        "--scheduler",
        default=os.environ.get("RARE_EARTHS_SCHEDULER") or None,
        metavar="ADDRESS",
        help="run the scenarios on the dask.distributed cluster at ADDRESS (e.g. tcp://127.0.0.1:8786; "
        "default: $RARE_EARTHS_SCHEDULER, else worker processes on this machine)",
    )
    return parser


def _refresh(args: argparse.Namespace) -> int:
    """`refresh`: replace the UN Comtrade snapshot, or change nothing and say why."""
    from . import data
    from .clients import comtrade

    try:
        partners = tuple(int(p) for p in (args.partners or ",".join(map(str, comtrade.PARTNERS))).split(","))
    except ValueError:
        print(f"error: --partners takes numeric codes, got {args.partners!r}", file=sys.stderr)
        return 2
    hs = tuple((args.hs or ",".join(comtrade.HS_CODES)).split(","))
    query = comtrade.Query(args.start or comtrade.DEFAULT_START, args.end or comtrade.default_end(), hs, partners)
    try:
        result = comtrade.refresh(query, comtrade.Client.from_env(timeout=args.timeout))
    except (comtrade.RefreshError, data.DataValidationError) as exc:
        print(f"refresh failed: {exc}\nNothing in data/ was changed.", file=sys.stderr)
        return 1
    months = result.metadata["months_with_data"]
    print(
        f"wrote {data.rel_path(result.path)}: {result.rows} rows from {result.records} API records, {months[0]} to {months[-1]}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    try:
        return _run(args, stamp=noop.plain(argv))
    except (
        KeyboardInterrupt
    ):  # the build printed what it kept (BuildInterrupted); 130 = 128 + SIGINT, as shells report Ctrl-C
        if not isinstance(sys.exc_info()[1], build.BuildInterrupted):
            print("interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, stamp: bool = False) -> int:
    """Carry out one command; return the exit status. `stamp`: a plain build whose no-op may be answered from a
    stamp next time (build/noop.py)."""
    from . import paths

    foreign = paths.foreign_project()  # a copied or moved project must not build (or read) the original's files
    if foreign:
        print(f"error: {foreign}", file=sys.stderr)
        return 2
    try:
        if args.command == "validate":
            from . import data, inventory

            problems = inventory.merged([str(p) for p in data.validate_all()])  # schema, then quotes, ids, checkers
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"data: {len(problems)} problem(s)")
            return 1 if problems else 0
        if args.command == "refresh":
            return _refresh(args)
        if args.command == "sweep":
            from .build import sweep  # pandas and matplotlib: imported only when sweeping

            table, results = sweep.run(args.notebook, args.grid, args.output_dir, args.jobs, args.scheduler)
            print(table.to_string(index=False))
            return 1 if any(r.status == "failed" for r in results) else 0
        if args.command == "params":
            from . import params

            for nb in build.select(build.discover(), args.notebooks):
                print(f"{nb.stem}:")
                for parameter in params.declared(nb).values():
                    print(f"  {parameter.describe()}")
                limit = build.cell_timeout(nb)
                print(f"  (each cell may run {limit} s; a papermill run takes it as --execution-timeout {limit})")
            return 0
        force = True if args.force and "*" in args.force else (args.force or False)
        printed = console.recorded = [] if stamp else None
        results = build.build(
            args.notebooks,
            dict(args.parameter),
            args.output_dir,
            args.jobs,
            args.fail_fast,
            force=force,
            timeout=args.timeout,
            new_output_dir=args.new_output_dir,
        )
        if printed is not None and all(r.status == "cached" for r in results):
            noop.record(str(paths.PROJECT_ROOT), printed)
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
