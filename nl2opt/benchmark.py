"""The NL benchmark: the formulation agent on natural-language suites, through the benchmark runner.

* :func:`nl_suite` builds a runner suite from :func:`ormodel.datasets.nl.load_suite` (any
  registered NL suite, or ``golden``: the problems of the golden set with their suites' texts).
  It is also registered as the suite kind ``nl:SUITE[:IDS]`` (data root from ``ORMODEL_NL_DATA``).
* The method ``nl2opt`` (registered when this module is imported, e.g. as a runner plugin) runs
  the agent on one record and returns a Result whose ``extra["json"]`` holds the rounds,
  tokens, time, and correctness under each tolerance.
* :func:`summarize` turns result rows into the table the issue asks for: execution rate,
  accuracy under each tolerance of :data:`ormodel.answers.ANSWER_TOLERANCES` (absolute 0.01, relative 1e-6,
  relative 5 %, one rule: :data:`ormodel.answers.ANSWER_RULE`), average rounds, tokens and time.

Judging follows NL_ANCHORS.md §2: a problem counts as *executed* when its final model reached
the solver (optimal, infeasible or unbounded), and as correct when the objective matches the
label under a tolerance; an infeasible/unbounded answer is correct when the label says the
problem has no optimum.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ormodel.solvers.base import SolveOptions

from ormodel.answers import ANSWER_RULE, ANSWER_TOLERANCES, NO_OPTIMUM_LABELS, judge_answer, row_verdicts
from ormodel.result import Result, Status

__all__ = [
    "TOLERANCE_POLICIES",
    "NLSummary",
    "default_data_root",
    "golden_records",
    "judge",
    "nl2opt_method",
    "nl_suite",
    "suite_from_spec",
    "summarize",
    "summary_markdown",
]

METHOD_NAME = "nl2opt"
PLUGIN = "ormodel.nl2opt.benchmark"
NO_OPTIMUM = NO_OPTIMUM_LABELS


# One rule for every reader and report (ormodel.answers); the names key the stored verdicts.
TOLERANCE_POLICIES = ANSWER_TOLERANCES


def default_data_root() -> Path | None:
    """``$ORMODEL_NL_DATA``, else ``../shared/data/nl`` next to the repository when it exists."""
    configured = os.environ.get("ORMODEL_NL_DATA")
    if configured:
        return Path(configured)
    candidate = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "nl"
    return candidate if candidate.is_dir() else None


def _record_source(record: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    source = {"id": f"{record.suite}/{record.id}", "record_id": record.id, "suite": record.suite, "text": record.text,
              "answer": record.answer, "answer_status": record.answer_status}
    source.update(extra or {})
    return source


def golden_records(data_root: str | os.PathLike[str], golden_folder: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """The golden-set problems as runner records: suite text and label, plus the golden value and dispute."""
    from ormodel.datasets.nl import load_suite
    from ormodel.nl2opt.retrieval import load_golden

    examples = load_golden(golden_folder)
    if not examples:
        raise FileNotFoundError("no golden examples found (tests/nl2opt/golden or $ORMODEL_NL_EXAMPLES)")
    by_suite: dict[str, dict[str, Any]] = {}
    records = []
    for example in examples:
        if example.suite not in by_suite:
            by_suite[example.suite] = {record.id: record for record in load_suite(example.suite, data_root)}
        record = by_suite[example.suite].get(example.id)
        if record is None:
            raise ValueError(f"{example.path}: suite {example.suite} has no problem {example.id!r}")
        records.append(_record_source(record, {"golden_value": example.value, "disputed": example.disputed}))
    return records


def nl_suite(name: str, data_root: str | os.PathLike[str] | None = None, ids: Sequence[str] | None = None,
             golden_folder: str | os.PathLike[str] | None = None) -> Any:
    """A runner suite of NL records (``name`` is a registered NL suite or ``golden``)."""
    from ormodel.suites import record_suite

    root = Path(data_root) if data_root is not None else default_data_root()
    if root is None or not root.is_dir():
        raise FileNotFoundError(f"NL data folder {root} not found; pass --data (the folder holding nl4opt/, logior/, ...) "
                                "or set ORMODEL_NL_DATA")
    if name == "golden":
        records = golden_records(root, golden_folder)
    else:
        from ormodel.datasets.nl import load_suite

        records = [_record_source(record) for record in load_suite(name, root)]
    if ids:
        wanted = {str(item) for item in ids}
        records = [record for record in records if record["record_id"] in wanted or record["id"] in wanted]
        found = {record["record_id"] for record in records} | {record["id"] for record in records}
        missing = sorted(wanted - found)
        if missing:
            raise ValueError(f"suite {name}: no problems with ids {', '.join(missing[:10])}")
    for record in records:
        if record["answer"] is not None and not math.isfinite(float(record["answer"])):
            record["answer"] = None
    return record_suite(f"nl-{name}", records)


def suite_from_spec(argument: str, best_known_file: str | None = None) -> Any:
    """The suite for ``nl:SUITE[:ID,ID,...]`` (an ``ormodel.suites`` entry point; data root from ``ORMODEL_NL_DATA``)."""
    name, _, id_text = argument.partition(":")
    if not name:
        raise ValueError("NL suite: write nl:SUITE[:ID,ID,...], e.g. nl:logior or nl:golden")
    ids = [item.strip() for item in id_text.split(",") if item.strip()] if id_text else None
    return nl_suite(name, None, ids)


def judge(record: dict[str, Any], status: str, objective: float | None) -> dict[str, bool]:
    """Correctness of one answer under every tolerance (:func:`ormodel.answers.judge_answer`)."""
    expected = record.get("answer")
    return judge_answer(status, objective, None if expected is None else float(expected), record.get("answer_status", "optimal"))


def _record_name(record: dict[str, Any]) -> str:
    return f"{record['suite']}__{record['record_id']}.jsonl"


def nl2opt_method(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Runner method: answer one NL record with the agent (``params`` as in ``ormodel bench nl``)."""
    from ormodel.nl2opt.agent import Agent, AgentOptions
    from ormodel.nl2opt.client import ChatClient
    from ormodel.nl2opt.config import load_config
    from ormodel.nl2opt.records import RecordingClient, ReplayClient, RunRecorder
    from ormodel.nl2opt.retrieval import ExampleLibrary

    record = dict(model)
    started = time.perf_counter()
    replay = params.get("replay")
    if replay:
        client: Any = ReplayClient.from_file(Path(replay) / _record_name(record))
    else:
        config = load_config(model=params.get("model"), base_url=params.get("base_url"),
                             structured_output=params.get("structured_output"), timeout=params.get("timeout"),
                             stream=params.get("stream"))
        client = ChatClient(config)
    recorder = None
    if params.get("records"):
        recorder = RunRecorder(Path(params["records"]) / _record_name(record))
        recorder.write({"type": "run", "version": 1, "question": record["text"], "problem": record["id"],
                        "config": client.config.describe() if hasattr(client, "config") else {"replay": str(replay)},
                        "options": {key: value for key, value in params.items() if key not in ("records",)}, "started": time.time()})
        client = RecordingClient(client, recorder)
    agent_options = AgentOptions(
        max_rounds=int(params.get("max_rounds", 5)), samples=int(params.get("samples", 1)), examples=int(params.get("examples", 3)),
        exclude_examples=(record["id"],), solver=str(params.get("solver", "auto")),
        time_limit=float(options.time_limit) if options.time_limit else 60.0, seed=int(options.seed or 0))
    library = ExampleLibrary.from_folder(params.get("examples_folder")) if agent_options.examples > 0 else None
    answer = Agent(client, agent_options, library).solve(record["text"])
    if recorder is not None:
        recorder.write({"type": "answer", "answer": answer.to_dict()})
    status = {"solved": Status.OPTIMAL, "infeasible": Status.INFEASIBLE, "unbounded": Status.UNBOUNDED}.get(answer.status, Status.ERROR)
    verdicts = judge(record, answer.status, answer.objective)
    summary = {"problem": record["id"], "answer_status": answer.status, "objective": answer.objective, "expected": record.get("answer"),
               "label_status": record.get("answer_status"), "correct": verdicts, "executed": answer.status in ("solved", "infeasible", "unbounded"),
               "rounds": answer.rounds, "prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens,
               "llm_time": answer.llm_time, "agreement": answer.agreement, "votes": answer.votes, "error": answer.error,
               "disputed": record.get("disputed"), "golden_value": record.get("golden_value"),
               "outcomes": [item.outcome for attempt in answer.attempts for item in attempt.rounds]}
    result = Result(status=status, objective=answer.objective if answer.objective is not None else math.nan,
                    solve_time=time.perf_counter() - started, solver=METHOD_NAME,
                    message=(answer.error or "") if status == Status.ERROR else "")
    result.extra["json"] = summary
    return result


@dataclass
class NLSummary:
    """Aggregates of an NL benchmark table (one method)."""

    method: str
    problems: int
    execution_rate: float
    accuracy: dict[str, float]
    average_rounds: float
    tokens_per_problem: float
    seconds_per_problem: float
    undisputed: int
    undisputed_accuracy: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def _share(verdicts: Sequence[dict[str, bool]], name: str) -> float:
    """Fraction of judged runs correct under the tolerance ``name``."""
    return sum(bool(verdict[name]) for verdict in verdicts) / len(verdicts) if verdicts else 0.0


def summarize(rows: Sequence[dict[str, Any]]) -> list[NLSummary]:
    """One summary per method label of the rows of ``bench nl`` runs."""
    by_method: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_method.setdefault(str(row.get("method") or row.get("method_label") or METHOD_NAME), []).append(row)
    summaries = []
    for method, method_rows in sorted(by_method.items()):
        extras = [row.get("extra") or {} for row in method_rows]
        count = len(method_rows)

        verdicts = [row_verdicts(row) for row in method_rows]
        every = [verdict for verdict in verdicts if verdict is not None]
        undisputed_rows = [verdict for verdict, item in zip(verdicts, extras) if not item.get("disputed")]
        undisputed = [verdict for verdict in undisputed_rows if verdict is not None]
        summaries.append(NLSummary(
            method=method, problems=count,
            execution_rate=sum(bool(item.get("executed")) for item in extras) / count if count else 0.0,
            accuracy={policy.name: _share(every, policy.name) for policy in TOLERANCE_POLICIES},
            average_rounds=sum(float(item.get("rounds") or 0) for item in extras) / count if count else 0.0,
            tokens_per_problem=sum(float((item.get("prompt_tokens") or 0) + (item.get("completion_tokens") or 0)) for item in extras) / count if count else 0.0,
            seconds_per_problem=sum(float(row.get("time") or 0.0) for row in method_rows) / count if count else 0.0,
            undisputed=len(undisputed_rows),
            undisputed_accuracy={policy.name: _share(undisputed, policy.name) for policy in TOLERANCE_POLICIES},
        ))
    return summaries


def summary_markdown(summaries: Sequence[NLSummary]) -> str:
    """The summary table in Markdown."""
    names = [policy.name for policy in TOLERANCE_POLICIES]
    rules = [policy.table_header for policy in TOLERANCE_POLICIES]
    header = ("| method | problems | execution rate | " + " | ".join(f"acc {rule}" for rule in rules) +
              " | undisputed | " + " | ".join(f"undisputed acc {rule}" for rule in rules) +
              " | avg rounds | tokens/problem | s/problem |")
    lines = [header, "|" + "---|" * (7 + 2 * len(rules))]
    for item in summaries:
        lines.append(f"| {item.method} | {item.problems} | {item.execution_rate:.1%} | " +
                     " | ".join(f"{item.accuracy[name]:.1%}" for name in names) + f" | {item.undisputed} | " +
                     " | ".join(f"{item.undisputed_accuracy[name]:.1%}" for name in names) +
                     f" | {item.average_rounds:.2f} | {item.tokens_per_problem:.0f} | {item.seconds_per_problem:.2f} |")
    lines += ["", (f"Accuracy: correct answers / labelled problems; correct when {ANSWER_RULE} (a: the label), "
                   "or, for a label without an optimum, when the answer is infeasible or unbounded.")]
    return "\n".join(lines)


def problem_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Per-problem lines: id, status, objective, label, verdicts, rounds, tokens."""
    lines = ["| problem | status | objective | label | " + " | ".join(policy.table_header for policy in TOLERANCE_POLICIES) +
             " | rounds | tokens | note |", "|" + "---|" * (7 + len(TOLERANCE_POLICIES))]
    for row in rows:
        extra = row.get("extra") or {}
        correct = extra.get("correct") or {}
        objective = extra.get("objective")
        note = ("disputed label" if extra.get("disputed") else "") or (extra.get("error") or row.get("error") or "")[:80]
        lines.append(f"| {row.get('instance')} | {extra.get('answer_status', row.get('status'))} | "
                     f"{'—' if objective is None else f'{objective:.10g}'} | {extra.get('expected')} | " +
                     " | ".join("✓" if correct.get(policy.name) else "✗" for policy in TOLERANCE_POLICIES) +
                     f" | {extra.get('rounds', '')} | {(extra.get('prompt_tokens') or 0) + (extra.get('completion_tokens') or 0)} | {note} |")
    return lines


def _register() -> None:
    from ormodel.methods import register_method
    from ormodel.suites import register_suite_kind

    register_method(METHOD_NAME, nl2opt_method)
    register_suite_kind("nl", suite_from_spec)


_register()
