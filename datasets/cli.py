"""``ormodel datasets ...`` commands: list what is available, write generated instances, export NL suites.

* ``datasets list`` — NL suites (present/missing, count, source, licence), job-shop and MIP files
  under the data root, and the generators that need no data.
* ``datasets generate FAMILY`` — seeded MILP instances as MPS/LP or five-element YAML/JSON.
* ``datasets jobshop`` — Taillard's instances (regenerated from his seeds) or random ones as text files.
* ``datasets export SUITE`` — one NL suite as normalized JSONL.

Wired into the main CLI through :func:`add_commands` (an argparse subparsers hook).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ormodel.suites import parse_seeds as suite_seeds

__all__ = ["add_commands", "default_data_root", "default_nl_root", "parse_parameter", "parse_seeds"]


def default_data_root() -> Path | None:
    """``../shared/data`` next to the repository, when it exists."""
    repository = Path(__file__).resolve().parents[1]
    candidate = repository.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def default_nl_root() -> Path | None:
    """``../shared/data/nl`` next to the repository, when it exists."""
    root = default_data_root()
    return root / "nl" if root is not None and (root / "nl").is_dir() else None


def _nl_root(data: str | None) -> Path | None:
    if data is None:
        return default_nl_root()
    root = Path(data)
    if (root / "nl").is_dir() and not (root / "nl4opt").is_dir():
        return root / "nl"
    return root


def _data_root(data: str | None) -> Path | None:
    """The folder holding ``nl/``, ``jssp/``, ``mip/`` (``--data`` may name it or its ``nl`` folder)."""
    if data is None:
        return default_data_root()
    root = Path(data)
    if (root / "nl").is_dir() or (root / "jssp").is_dir() or (root / "mip").is_dir():
        return root
    return root.parent


def parse_seeds(text: str) -> list[int]:
    """``"0-9"``, ``"1,4,7"``, ``"3"`` or combinations such as ``"0-4,10"`` -> list of seeds (the suites' rule)."""
    try:
        return suite_seeds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_parameter(text: str) -> tuple[str, Any]:
    """``name=value`` with ``value`` read as int, float, true/false or text."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"parameter {text!r}: write it as name=value, e.g. n_rows=200")
    name, raw = (part.strip() for part in text.split("=", 1))
    value: Any = raw
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    else:
        for kind in (int, float):
            try:
                value = kind(raw)
                break
            except ValueError:
                continue
    return name, value


def _list(args: argparse.Namespace) -> int:
    from ormodel.datasets import milp
    from ormodel.datasets.nl import available_suites
    from rich.console import Console
    from rich.table import Table

    console = Console()
    root = _nl_root(args.data)
    statuses = available_suites(root, count=not args.no_count)
    table = Table(title=f"NL suites (data root: {root if root is not None else 'not found, pass --data'})")
    for column in ("suite", "benchmark", "count", "status", "source", "license"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        if status.error:
            state = f"[red]error[/red]: {status.error}"
        elif status.present:
            state = "[green]present[/green]"
        else:
            state = "[yellow]missing[/yellow]"
        count = str(status.count) if status.count is not None else f"({status.spec.count})"
        table.add_row(status.spec.name, status.spec.benchmark, count, state, status.spec.source, status.spec.license)
    console.print(table)
    generators = Table(title="Generators (no data needed)")
    for column in ("family", "levels", "sizes from"):
        generators.add_column(column, overflow="fold")
    for family in milp.FAMILIES:
        generators.add_row(family, ", ".join(milp.LEVELS[family]), milp.SOURCES[family])
    generators.add_row("robust knapsack", "n_items 20..80", "Arslan & Detienne 2022 via Neur2RO (ormodel.datasets.robust)")
    generators.add_row("robust capital budgeting", "n_projects 10..50", "Subramanyam et al. 2020 via Neur2RO (ormodel.datasets.robust)")
    generators.add_row("job-shop taillard", "ta01..ta80 (15x15 .. 100x20)",
                       "Taillard 1993 generator and seeds, regenerated exactly; best-known bounds table (ormodel.datasets.jssp)")
    generators.add_row("job-shop random", "any JOBSxMACHINES", "durations U{1..99}, random routes (ormodel.datasets.jssp)")
    console.print(generators)
    console.print(_file_table(_data_root(args.data)))
    present = sum(status.present for status in statuses)
    console.print(f"{present} of {len(statuses)} NL suites present; missing files: copy them from the source shown.")
    return 0


def _file_table(base: Path | None) -> Any:
    """Job-shop and MIP instance files under the data root, with where they came from."""
    from rich.table import Table

    table = Table(title=f"Instance files (data root: {base if base is not None else 'not found, pass --data'})")
    for column in ("set", "path", "files", "status", "source", "bench suite"):
        table.add_column(column, overflow="fold")
    entries = [
        ("Taillard job-shop ta01-ta80", "jssp/instances/ta", "*.txt",
         "ScheduleOpt/benchmarks (CC BY-SA 4.0); bounds jssp/bounds_taillard.json",
         "files:{path}:*.txt --best-known {root}/jssp/bounds_taillard.json (or jssp:taillard, no files)"),
        ("MIPLIB instances with optimal values", "mip", "*.mps",
         "MIPLIB 3 / MIPLIB 2017 (see mip/SOURCES.md); values mip/instances.solu", "mps:{path}"),
    ]
    for label, relative, pattern, source, suite in entries:
        folder = base / relative if base is not None else None
        count = len(list(folder.glob(pattern))) if folder is not None and folder.is_dir() else 0
        state = "[green]present[/green]" if count else "[yellow]missing[/yellow]"
        shown = str(folder) if folder is not None else relative
        table.add_row(label, shown, str(count), state, source, suite.format(path=shown, root=base))
    return table


def _jobshop(args: argparse.Namespace) -> int:
    import json

    from ormodel.datasets import jssp
    from ormodel.datasets.jssp.bench_suite import parse_taillard_names

    target = Path(args.out)
    try:
        if args.taillard is not None:
            names = parse_taillard_names(args.taillard) if args.taillard else jssp.taillard_names()
            instances = [jssp.taillard_instance(name) for name in names]
        else:
            size = args.random.lower().split("x")
            if len(size) != 2 or not all(part.isdigit() for part in size):
                raise ValueError(f"--random {args.random!r}: write JOBSxMACHINES, e.g. 10x5")
            instances = [jssp.random_jobshop(int(size[0]), int(size[1]), seed=seed) for seed in args.seeds]
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    target.mkdir(parents=True, exist_ok=True)
    for instance in instances:
        path = target / f"{instance.name}.txt"
        jssp.write_jobshop(instance, path)
        print(os.fspath(path))
    if args.taillard is not None:
        bounds = {
            instance.name: {"lb": jssp.best_known_lower_bound(instance.name), "ub": jssp.best_known_upper_bound(instance.name)}
            for instance in instances
        }
        bounds_path = target / "bounds.json"
        bounds_path.write_text(json.dumps(bounds, indent=1) + "\n")
        print(f"{bounds_path} (best-known makespans; use --best-known with 'ormodel bench run files:{target}:*.txt')")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from ormodel.datasets import milp
    from rich.progress import Progress

    overrides = dict(args.param or [])
    try:
        milp.parameters(args.family, args.level, **overrides)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with Progress() as progress:
        task = progress.add_task(f"{args.family}-{args.level}", total=len(args.seeds))
        paths = milp.write_instances(
            args.family, args.level, args.seeds, args.out, progress=lambda _path: progress.advance(task),
            file_format=args.format, **overrides,
        )
    for path in paths:
        print(os.fspath(path))
    return 0


def _export(args: argparse.Namespace) -> int:
    from ormodel.datasets.nl import NLDataError, load_suite, write_normalized

    root = _nl_root(args.data)
    if root is None:
        print("error: no NL data folder found; pass --data PATH", file=sys.stderr)
        return 2
    try:
        records = load_suite(args.suite, root)
    except NLDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    path = write_normalized(records, args.out)
    flagged = sum(bool(record.known_issues) for record in records)
    print(f"{path}: {len(records)} records of {args.suite} ({flagged} with known-issue flags)")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``datasets list``, ``generate``, ``jobshop`` and ``export`` under a ``datasets`` command."""
    from ormodel.datasets import milp

    datasets = subparsers.add_parser("datasets", help="instance generators and NL benchmark suites")
    commands = datasets.add_subparsers(dest="datasets_command", metavar="{list,generate,jobshop,export}")
    commands.required = True

    listing = commands.add_parser("list", help="show NL suites (present/missing, count, source), job-shop and MIP files, and generators")
    listing.add_argument("--data", help="data root holding nl/, jssp/, mip/, or its nl folder "
                         "(default: ../shared/data next to the repository)")
    listing.add_argument("--no-count", action="store_true", help="do not read the files to count records")
    listing.set_defaults(func=_list)

    generate = commands.add_parser(
        "generate",
        help="write seeded MILP instances (MPS/LP, or five-element YAML/JSON)",
        description="Families and levels: "
        + "; ".join(f"{family}: {', '.join(milp.LEVELS[family])}" for family in milp.FAMILIES),
    )
    generate.add_argument("family", choices=milp.FAMILIES)
    generate.add_argument("--level", default="easy", help="hardness level (default easy)")
    generate.add_argument("--seeds", type=parse_seeds, default=[0], help="e.g. 0-9 or 1,4,7 (default 0)")
    generate.add_argument("--out", required=True, help="output folder for the instance files")
    generate.add_argument(
        "--format", choices=milp.FORMATS, default="mps",
        help="mps/lp: the matrix form; yaml/json: the five-element Problem (sets, parameters, variables, objective, "
        "constraints) with the same rows and columns (default mps)",
    )
    generate.add_argument(
        "--param", type=parse_parameter, action="append", metavar="NAME=VALUE",
        help="override a generator parameter, e.g. --param n_rows=200 (repeatable)",
    )
    generate.set_defaults(func=_generate)

    jobshop = commands.add_parser(
        "jobshop", help="write job-shop instances (Taillard's ta01-ta80 or random ones) in the standard text format"
    )
    which = jobshop.add_mutually_exclusive_group(required=True)
    which.add_argument("--taillard", nargs="?", const="", metavar="NAMES",
                       help="Taillard's instances from his generator, e.g. ta01-ta10,ta41 (all 80 without NAMES); "
                       "also writes bounds.json with the best-known makespans")
    which.add_argument("--random", metavar="JOBSxMACHINES", help="random instances of this size, one per seed")
    jobshop.add_argument("--seeds", type=parse_seeds, default=[0], help="seeds of --random, e.g. 0-9 (default 0)")
    jobshop.add_argument("--out", required=True, help="output folder for the .txt files")
    jobshop.set_defaults(func=_jobshop)

    export = commands.add_parser("export", help="write one NL suite as normalized JSONL (with known-issue flags)")
    export.add_argument("suite", help="suite name as shown by 'ormodel datasets list'")
    export.add_argument("--data", help="NL data folder (default: ../shared/data/nl next to the repository)")
    export.add_argument("--out", required=True, help="output .jsonl file")
    export.set_defaults(func=_export)
