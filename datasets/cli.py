"""``ormodel datasets ...`` commands: list what is available, generate MILP instances as MPS, export NL suites.

Wired into the main CLI through :func:`add_commands` (an argparse subparsers hook).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "default_nl_root", "parse_parameter", "parse_seeds"]


def default_nl_root() -> Path | None:
    """``../shared/data/nl`` next to the repository, when it exists."""
    repository = Path(__file__).resolve().parents[1]
    candidate = repository.parent / "shared" / "data" / "nl"
    return candidate if candidate.is_dir() else None


def _nl_root(data: str | None) -> Path | None:
    if data is None:
        return default_nl_root()
    root = Path(data)
    if (root / "nl").is_dir() and not (root / "nl4opt").is_dir():
        return root / "nl"
    return root


def parse_seeds(text: str) -> list[int]:
    """``"0-9"``, ``"1,4,7"``, ``"3"`` or combinations such as ``"0-4,10"`` -> list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                first, last = (int(value) for value in part.split("-", 1))
                if last < first:
                    raise ValueError
                seeds.extend(range(first, last + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"seeds {text!r}: use a range like 0-9, a list like 1,4,7, or both (0-4,10); {part!r} is not valid"
            ) from None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"seeds {text!r}: give at least one non-negative seed")
    return seeds


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
    console.print(generators)
    present = sum(status.present for status in statuses)
    console.print(f"{present} of {len(statuses)} NL suites present; missing files: copy them from the source shown.")
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
            args.family, args.level, args.seeds, args.out, progress=lambda _path: progress.advance(task), **overrides
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
    """Add ``datasets list`` and ``datasets generate`` under a ``datasets`` command."""
    from ormodel.datasets import milp

    datasets = subparsers.add_parser("datasets", help="instance generators and NL benchmark suites")
    commands = datasets.add_subparsers(dest="datasets_command", metavar="{list,generate,export}")
    commands.required = True

    listing = commands.add_parser("list", help="show NL suites (present/missing, count, source) and generators")
    listing.add_argument("--data", help="NL data folder (default: ../shared/data/nl next to the repository)")
    listing.add_argument("--no-count", action="store_true", help="do not read the files to count records")
    listing.set_defaults(func=_list)

    generate = commands.add_parser(
        "generate",
        help="write seeded MILP instances as MPS",
        description="Families and levels: "
        + "; ".join(f"{family}: {', '.join(milp.LEVELS[family])}" for family in milp.FAMILIES),
    )
    generate.add_argument("family", choices=milp.FAMILIES)
    generate.add_argument("--level", default="easy", help="hardness level (default easy)")
    generate.add_argument("--seeds", type=parse_seeds, default=[0], help="e.g. 0-9 or 1,4,7 (default 0)")
    generate.add_argument("--out", required=True, help="output folder for the .mps files")
    generate.add_argument(
        "--param", type=parse_parameter, action="append", metavar="NAME=VALUE",
        help="override a generator parameter, e.g. --param n_rows=200 (repeatable)",
    )
    generate.set_defaults(func=_generate)

    export = commands.add_parser("export", help="write one NL suite as normalized JSONL (with known-issue flags)")
    export.add_argument("suite", help="suite name as shown by 'ormodel datasets list'")
    export.add_argument("--data", help="NL data folder (default: ../shared/data/nl next to the repository)")
    export.add_argument("--out", required=True, help="output .jsonl file")
    export.set_defaults(func=_export)
