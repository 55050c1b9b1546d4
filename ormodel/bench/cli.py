"""``ormodel bench run``, ``ormodel bench report`` and ``ormodel bench compare``.

:func:`add_commands` adds the ``bench`` command group to the main argparse parser; each
subcommand sets ``func`` to a handler ``handler(args) -> int`` (the exit code); ``bench nl`` comes
from :mod:`ormodel.bench.nl`. Declared as the ``bench`` entry point of ``ormodel.commands``.

Examples::

    ormodel bench run gen:setcover:easy:0-4 -m highs -m nopresolve=highs:presolve=off \\
        --time-limit 30 --table runs.jsonl
    ormodel bench run mps:../shared/data/mip -m highs:threads=1 -m scip --executor dask --jobs 2
    ormodel bench report runs.jsonl --output report/
    ormodel bench compare local.jsonl dask.jsonl
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_commands", "compare_command", "report_command", "run_command"]


def add_commands(subparsers: Any) -> Any:
    """Add ``bench`` with ``run``, ``report`` and ``compare``; returns the ``bench`` subparsers object."""
    bench = subparsers.add_parser("bench", help="run benchmark suites and report on them",
                                  description="Benchmark suites × methods × seeds; see docs/benchmark-runner.md.")
    commands = bench.add_subparsers(dest="bench_command")
    commands.required = True

    run = commands.add_parser("run", help="run a suite with some methods (resumes a table that already has rows)",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              description=(
                                  "Run every (instance, method, seed) of a suite, each in its own process with a wall-clock\n"
                                  "limit and a memory guard, appending one JSON line per run to --table. Runs already in the\n"
                                  "table are skipped, so an interrupted run resumes by running the same command again.\n\n"
                                  "SUITE: gen:FAMILY[:LEVEL[:SEEDS[:KEY=VALUE,...]]] | mps:FOLDER | models:FOLDER[:GLOB] | files:FOLDER[:GLOB]\n"
                                  "       | jssp:taillard[:ta01-ta10,...] | jssp:random:JOBSxMACHINES[:SEEDS] | nl:SUITE[:IDS]\n"
                                  "METHOD: [LABEL=]NAME[:KEY=VALUE,...], e.g. highs, nopre=highs:presolve=off, scip:threads=1"))
    run.add_argument("suite", help="suite spec, e.g. gen:setcover:easy:0-4 or mps:path/to/folder")
    run.add_argument("-m", "--method", action="append", required=True, dest="methods", metavar="METHOD",
                     help="method spec (repeat for several methods)")
    run.add_argument("--table", required=True, help="result table (JSONL) to append to / resume from")
    run.add_argument("--seeds", default="0", help="solver seeds, e.g. 0 or 0-2 or 1,5 (default: 0)")
    run.add_argument("--time-limit", type=float, default=60.0, help="seconds per run given to the method (default: 60)")
    run.add_argument("--grace", type=float, default=10.0,
                     help="extra wall-clock seconds before a run is killed and recorded as timeout (default: 10)")
    run.add_argument("--memory-limit", type=float, default=4096.0,
                     help="memory guard per run in MB (address space, RLIMIT_AS; 0 disables; default: 4096)")
    run.add_argument("--best-known", help="best-known values file (.solu, .json, .csv) overriding the suite's own")
    run.add_argument("--executor", choices=("local", "dask"), default="local", help="local process pool (default) or Dask")
    run.add_argument("--jobs", type=int, default=None, help="runs at a time (local) / workers of a local Dask cluster (default: CPU count)")
    run.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786); without it a local cluster starts")
    run.add_argument("--dask-threads", action="store_true",
                     help="local Dask cluster with thread workers in this process (processes=False) instead of worker processes")
    run.add_argument("--plugin", action="append", default=[], dest="plugins", metavar="MODULE_OR_FILE",
                     help="module or .py file imported in every run process first (registers extra methods/loaders)")
    run.add_argument("--max-runs", type=int, default=None, help="stop after this many new runs (rerun to continue)")
    run.add_argument("--keep-values", action="store_true", help="store solution values in the table")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.set_defaults(func=run_command)

    report = commands.add_parser("report", help="summary tables and plots of one or more result tables")
    report.add_argument("tables", nargs="+", help="result tables (JSONL); later ones win on duplicate runs")
    report.add_argument("--output", "-o", required=True, help="folder for report.md and the plots")
    report.add_argument("--title", default=None, help="report title")
    report.add_argument("--shift", type=float, default=1.0, help="shift of the geometric mean of time in seconds (default: 1)")
    report.add_argument("--no-plots", action="store_true", help="Markdown only")
    report.add_argument("--parquet", action="store_true", help="also write the merged table as runs.parquet")
    report.set_defaults(func=report_command)

    compare = commands.add_parser("compare", help="check that two result tables hold the same runs and outcomes")
    compare.add_argument("first")
    compare.add_argument("second")
    compare.add_argument("--fields", default="status,objective,nodes", help="fields to compare (default: status,objective,nodes)")
    compare.set_defaults(func=compare_command)
    from ormodel.bench.nl import add_bench_commands

    add_bench_commands(commands)
    return commands


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run_command(args: argparse.Namespace) -> int:
    """Handler of ``bench run``."""
    from rich.console import Console
    from rich.markup import escape

    from ormodel.bench.executors import make_executor
    from ormodel.bench.method_spec import MethodSpec
    from ormodel.bench.runner import check_methods, run_benchmark
    from ormodel.bench.suites import parse_seeds, parse_suite

    try:
        suite = parse_suite(args.suite, args.best_known)
        methods = [MethodSpec.parse(text) for text in args.methods]
        seeds = parse_seeds(args.seeds)
        check_methods(methods, args.plugins)
        if args.time_limit is not None and args.time_limit <= 0:
            raise ValueError(f"--time-limit must be positive, got {args.time_limit}")
    except (ValueError, FileNotFoundError, ImportError) as error:
        return _error(str(error))
    console = Console(stderr=True)
    try:
        executor = make_executor(args.executor, args.jobs, args.scheduler, processes=not args.dask_threads)
    except (OSError, RuntimeError, TimeoutError) as error:
        where = f" at {args.scheduler}" if args.scheduler else ""
        return _error(f"cannot start the {args.executor} executor{where}: {error}")
    where = getattr(executor, "address", None) or f"{getattr(executor, 'jobs', '')} jobs"
    console.print(f"[bold]{escape(suite.name)}[/]: {len(suite)} instances × {len(methods)} methods × {len(seeds)} seeds on "
                  + escape(f"{executor.name} ({where}); table {args.table}"))
    summary = run_benchmark(
        suite, methods, seeds, args.table, time_limit=args.time_limit, grace=args.grace,
        memory_limit_mb=args.memory_limit or None, executor=executor, plugins=args.plugins,
        keep_values=args.keep_values, progress=not args.no_progress, max_runs=args.max_runs,
    )
    console.print(summary.describe(), markup=False)
    return 130 if summary.interrupted else 0


def report_command(args: argparse.Namespace) -> int:
    """Handler of ``bench report``."""
    from ormodel.bench.report import load_rows, summarize, summary_markdown, write_report

    try:
        written = write_report(args.tables, args.output, args.title, args.shift, plots=not args.no_plots, parquet=args.parquet)
    except (ValueError, FileNotFoundError) as error:
        return _error(str(error))
    print(summary_markdown(summarize(load_rows(args.tables), args.shift)))
    for kind, path in written.items():
        print(f"wrote {kind}: {path}")
    return 0


def compare_command(args: argparse.Namespace) -> int:
    """Handler of ``bench compare``: exit code 0 when the tables agree, 1 when they differ."""
    from ormodel.bench.report import compare_tables, load_rows

    try:
        first, second = load_rows([args.first]), load_rows([args.second])
    except FileNotFoundError as error:
        return _error(str(error))
    fields = [name.strip() for name in args.fields.split(",") if name.strip()]
    differences = compare_tables(first, second, fields)
    if differences:
        print(f"{len(differences)} differences:")
        for line in differences[:50]:
            print("  " + line)
        return 1
    print(f"same table: {len(first)} runs agree on keys and {', '.join(fields)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m ormodel.bench.cli ...``) until the main CLI wires ``bench`` in."""
    parser = argparse.ArgumentParser(prog="ormodel")
    subparsers = parser.add_subparsers(dest="command")
    subparsers.required = True
    add_commands(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
