"""``ormodel bench nl``: the LLM formulation agent (``ormodel.nl2opt``) on NL suites, through the benchmark runner.

Accuracy follows the one answer rule of :mod:`ormodel.answers`, as ``ormodel bench report`` does
on the same table.

Examples::

    ormodel bench nl --suite logior --model qwen2.5:7b-instruct --base-url http://localhost:11434/v1 --table logior.jsonl
    ormodel bench nl --suite golden --replay records/ --table golden.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_bench_commands", "bench_nl_command"]

EXIT_OK, EXIT_USAGE = 0, 2


def add_bench_commands(commands: Any) -> None:
    """Add ``nl`` to the ``bench`` command group."""
    from ormodel.nl2opt.cli import add_llm_arguments

    nl = commands.add_parser("nl", help="run the LLM formulation agent on an NL suite and report accuracy",
                             formatter_class=argparse.RawDescriptionHelpFormatter, description=__doc__)
    nl.add_argument("--suite", required=True, help="an NL suite of ormodel.datasets.nl (e.g. nl4opt, logior) or 'golden'")
    nl.add_argument("--ids", help="only these problem ids, comma-separated")
    nl.add_argument("--data", help="NL data folder (default: $ORMODEL_NL_DATA or ../shared/data/nl)")
    add_llm_arguments(nl)
    nl.add_argument("--table", help="result table (JSONL, resumed when it exists; default: nl-SUITE.jsonl)")
    nl.add_argument("--records", help="folder for one call record per problem (audit; replay with --replay)")
    nl.add_argument("--replay", help="folder of call records to answer from instead of an LLM")
    nl.add_argument("--jobs", type=int, default=None, help="problems at a time (default: CPU count)")
    nl.add_argument("--time-limit", type=float, default=600.0, help="seconds per problem before it is killed (default: 600)")
    nl.add_argument("--label", help="method label in the table (default: the model name, or 'replay')")
    nl.add_argument("--json", action="store_true", help="print the summary as JSON")
    nl.add_argument("--problems", action="store_true", help="also print the per-problem table")
    nl.add_argument("--no-progress", action="store_true", help="no progress bar")
    nl.set_defaults(func=bench_nl_command)


def bench_nl_command(args: argparse.Namespace) -> int:
    """Handler of ``ormodel bench nl``."""
    from rich.console import Console
    from rich.markup import escape

    from ormodel.bench.executors import make_executor
    from ormodel.bench.method_spec import MethodSpec
    from ormodel.bench.report import load_rows
    from ormodel.bench.runner import run_benchmark
    from ormodel.nl2opt.benchmark import PLUGIN, nl_suite, problem_lines, summarize, summary_markdown
    from ormodel.nl2opt.config import LLMNotConfigured, load_config

    params: dict[str, Any] = {"max_rounds": args.max_rounds, "samples": args.samples, "examples": args.examples,
                              "solver": args.solver}
    try:
        ids = [item.strip() for item in args.ids.split(",")] if args.ids else None
        suite = nl_suite(args.suite, args.data, ids)
        if args.replay:
            if not Path(args.replay).is_dir():
                raise FileNotFoundError(f"{args.replay}: no such folder of records")
            params["replay"] = os.path.abspath(args.replay)
            label = args.label or "replay"
        else:
            config = load_config(model=args.model, base_url=args.base_url, timeout=args.timeout,
                                 structured_output="none" if args.no_structured else None, stream=True if args.stream else None)
            params.update({"model": config.model, "base_url": config.base_url})
            if args.timeout:
                params["timeout"] = args.timeout
            if args.no_structured:
                params["structured_output"] = "none"
            if args.stream:
                params["stream"] = True
            label = args.label or config.model
    except LLMNotConfigured as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.records:
        params["records"] = os.path.abspath(args.records)
    method = MethodSpec(label=label.replace("/", "_").replace(":", "_"), name="nl2opt", params=params, spec=f"nl2opt ({label})")
    table = args.table or f"nl-{args.suite}.jsonl"
    console = Console(stderr=True)
    console.print(f"[bold]{escape(suite.name)}[/]: " + escape(f"{len(suite)} problems with {label}; table {table}"))
    summary = run_benchmark(suite, [method], [0], table, time_limit=args.time_limit, grace=30.0, memory_limit_mb=None,
                            executor=make_executor("local", args.jobs), plugins=[PLUGIN], progress=not args.no_progress)
    console.print(summary.describe(), markup=False)
    ids_in_suite = {instance.id for instance in suite.instances}
    rows = [row for row in load_rows([table]) if row["instance"] in ids_in_suite and row["method"] == method.label]
    summaries = summarize(rows)
    if args.json:
        print(json.dumps({"suite": args.suite, "table": table, "summary": [item.to_dict() for item in summaries],
                          "problems": [{"instance": row["instance"], **(row.get("extra") or {}), "status": row.get("status"),
                                        "time": row.get("time")} for row in rows]}, indent=2))
    else:
        print(summary_markdown(summaries))
        if args.problems:
            print()
            print("\n".join(problem_lines(rows)))
    return 130 if summary.interrupted else EXIT_OK
