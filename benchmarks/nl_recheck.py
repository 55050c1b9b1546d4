"""Re-check recorded LLM answers with this checkout's reader, validator, compiler and solver: no server, no new answers.

``benchmarks/nl_local.py`` records every chat call. This script takes the answers in those
records and judges each one again, as the agent's round would today (extract the JSON, write out
the shorthands with one meaning, validate, compile, solve, check), then compares the objective with
the problem's label under each tolerance rule of ``ormodel.answers``. It measures what a change to
the language or the reader does to *the same answers*; it is **not** a live run: with the new
code, correction rounds would see other feedback and the model would answer differently, so the
numbers for first-round answers are the honest ones and later rounds are shown for the failure
modes only.

Labels come from the runs' ``table.jsonl`` rows (any arm, any run given); a problem without a
labelled row anywhere is skipped. Records of a sample drawn with a seed other than 0 are refused
unless ``--held-out`` is given: seed 0 is the sample the shorthands were chosen on, others are
held out for live runs.

    python benchmarks/nl_recheck.py v2=/work/nl-run-output-v2/improved v1=/work/nl-run-output/improved \\
        baseline=/work/nl-run-output/baseline --markdown recheck.md --json recheck.json
    python benchmarks/nl_recheck.py ... --code /tmp/main-checkout      # the same answers under another checkout's code

Output: a Markdown report (first-round table per run, failure modes before/after: the outcome
recorded live, under ``--before``'s code, and now; an undeclared set is split by the idiom behind
it) and a JSON line per answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="LABEL=FOLDER, each FOLDER an arm's folder of nl_local.py (records/, table.jsonl)")
    parser.add_argument("--code", help="a checkout whose ormodel is imported instead of this one (the 'before' code)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per solve")
    parser.add_argument("--held-out", action="store_true", help="allow records of samples drawn with a seed other than 0")
    parser.add_argument("--markdown", help="write the report here as well as to stdout")
    parser.add_argument("--json", help="write one JSON line per re-checked answer here")
    parser.add_argument("--before", help="the --json output of a re-check under other code (--code): shown beside this one")
    return parser.parse_args()


def _labels(folders: list[Path]) -> dict[str, tuple[float | None, str]]:
    """problem → (label, label status) from every table row of the given arms and their sibling arms."""
    labels: dict[str, tuple[float | None, str]] = {}
    tables = {table for folder in folders for table in folder.parent.glob("*/table.jsonl")}
    for table in sorted(tables):
        for text in table.read_text(encoding="utf-8").splitlines():
            if not text.strip():
                continue
            row = json.loads(text)
            extra = row.get("extra") or {}
            label = row.get("best_known")
            labels.setdefault(row["instance"], (None if label is None else float(label), extra.get("label_status") or "optimal"))
    return labels


def _seed(folder: Path) -> int | None:
    settings = folder.parent / "run.json"
    return json.loads(settings.read_text(encoding="utf-8")).get("seed") if settings.exists() else None


def _answers(folder: Path) -> list[dict[str, Any]]:
    """Every recorded answer of an arm: problem, round, the text, and what the live run made of it."""
    from ormodel.nl2opt.records import read_record

    found = []
    for path in sorted((folder / "records").glob("*.jsonl")):
        lines = read_record(path)
        problem = next((line.get("problem") for line in lines if line.get("type") == "run"), path.stem.replace("__", "/"))
        live = [item for line in lines if line.get("type") == "answer"
                for attempt in line["answer"].get("attempts") or [] for item in attempt.get("rounds") or []]
        calls = [line for line in lines if line.get("type") == "call" and isinstance(line.get("response"), dict)]
        for call in calls:
            number = int(call.get("round") or 0)
            recorded = next((item for item in live if item.get("number") == number), None)
            found.append({"problem": problem, "round": number, "text": call["response"].get("text") or "",
                          "finding": call["response"].get("finding"),
                          "live_outcome": recorded.get("outcome") if recorded else None,
                          "live_error": recorded.get("error") if recorded else None})
    return found


def recheck(text: str, finding: str | None, time_limit: float) -> dict[str, Any]:
    """What this checkout makes of one answer: outcome, error, objective, notes (the rewrites of ormodel.nl2opt.normalize)."""
    from ormodel.nl2opt.agent import Agent, AgentOptions, _read_answer
    from ormodel.nl2opt.extract import FormulationParseError

    if finding:
        return {"outcome": "cut_off", "error": finding, "objective": None, "notes": []}
    try:
        read = _read_answer(text)
    except FormulationParseError as error:
        return {"outcome": "parse_error", "error": str(error), "objective": None, "notes": []}
    document, notes = read if isinstance(read, tuple) else (read, [])  # older checkouts return the document alone
    agent = Agent(client=None, options=AgentOptions(time_limit=time_limit))  # type: ignore[arg-type]
    outcome, _, result, findings, error = agent._evaluate(document)
    objective = float(result.objective) if result is not None and result.has_solution and outcome in ("accepted", "warnings") else None
    return {"outcome": outcome, "error": error, "objective": objective, "notes": notes,
            "findings": [item.message.splitlines()[0] for item in findings]}


def _status(outcome: str, objective: float | None) -> str:
    if outcome in ("accepted", "warnings") and objective is not None:
        return "solved"
    return outcome if outcome in ("infeasible", "unbounded") else "failed"


def _cell(count: int, total: int, earlier: int | None) -> str:
    now = f"{count} ({100 * count / max(1, total):.1f} %)"
    return now if earlier is None else f"{earlier} → {now}"


def _table(rows: list[dict[str, Any]], tolerances: Any, before: dict[tuple[str, str, int], dict[str, Any]]) -> str:
    arrow = " (--before → now)" if before else ""
    header = (f"| run | first-round answers | read and solved{arrow} | " +
              " | ".join(f"correct {tolerance.table_header}{arrow}" for tolerance in tolerances) + " | rewritten by a reading |")
    lines = [header, "|" + "---|" * (4 + len(tolerances))]
    for run in dict.fromkeys(row["run"] for row in rows):
        first = [row for row in rows if row["run"] == run and row["round"] == 1]
        earlier = [before.get((run, row["problem"], 1)) for row in first]
        known = bool(before) and all(item is not None for item in earlier)
        solved = sum(row["status"] == "solved" for row in first)
        solved_before = sum(item["status"] == "solved" for item in earlier) if known else None  # type: ignore[index]
        cells = [_cell(sum(row["correct"][tolerance.name] for row in first), len(first),
                       sum(item["correct"][tolerance.name] for item in earlier) if known else None)  # type: ignore[index]
                 for tolerance in tolerances]
        lines.append(f"| {run} | {len(first)} | {_cell(solved, len(first), solved_before)} | " + " | ".join(cells) +
                     f" | {sum(bool(row['notes']) for row in first)} |")
    return "\n".join(lines)


def kind_of(outcome: str | None, error: str | None, text: str) -> str:
    """nl_local's failure kind, with the idiom behind an undeclared set told apart (from the answer's own text)."""
    from nl_local import failure_kind

    return failure_kind(str(outcome), error, text)


def _modes(rows: list[dict[str, Any]], before: dict[tuple[str, str, int], dict[str, Any]]) -> str:
    """Failure modes of the distinct answers: as judged live, under the --before code, and now."""

    distinct: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        distinct.setdefault((row["problem"], row["text"]), row)
    columns: dict[str, Counter[str]] = {"live": Counter(), "before": Counter(), "now": Counter()}
    problems: dict[str, dict[str, set[str]]] = {name: {} for name in columns}
    for row in distinct.values():
        if row["live_outcome"] is None:
            continue
        earlier = before.get((row["run"], row["problem"], row["round"]))
        kinds = {"live": kind_of(row["live_outcome"], row["live_error"], row["text"]),
                 "now": kind_of(row["outcome"], row["error"], row["text"])}
        if earlier is not None:
            kinds["before"] = kind_of(earlier["outcome"], earlier["error"], row["text"])
        for name, kind in kinds.items():
            columns[name][kind] += 1
            problems[name].setdefault(kind, set()).add(row["problem"])
    shown = [name for name in ("live", "before", "now") if columns[name]]
    titles = {"live": "as judged live", "before": "re-checked with --before's code", "now": "re-checked now"}
    every = set().union(*(columns[name] for name in shown))
    kinds = sorted(every, key=lambda kind: (kind == "accepted", -sum(columns[name][kind] for name in shown), kind))
    lines = ["| what happened to an answer | " + " | ".join(f"{titles[name]}: answers (problems)" for name in shown) + " |",
             "|---|" + "---|" * len(shown)]
    lines += [f"| {kind} | " + " | ".join(f"{columns[name][kind]} ({len(problems[name].get(kind, ()))})" for name in shown) + " |"
              for kind in kinds]
    lines.append("| **distinct answers** | " + " | ".join(str(sum(columns[name].values())) for name in shown) + " |")
    answers = [row for row in distinct.values() if row["live_outcome"] is not None]
    earlier = [before.get((row["run"], row["problem"], row["round"])) for row in answers]
    known = bool(before) and all(item is not None for item in earlier)

    def count(items: list[Any], test: Any) -> int:
        return sum(bool(test(item)) for item in items)

    def change(test: Any) -> str:
        now = count(answers, test)
        return f"{count(earlier, test)} → {now}" if known else str(now)

    from ormodel.answers import ANSWER_TOLERANCES

    correct = "; ".join(f"{tolerance.header} {change(lambda row, name=tolerance.name: row['correct'][name])}"
                        for tolerance in ANSWER_TOLERANCES)
    solved = change(lambda row: row["status"] == "solved")
    lines += ["", f"Of these {len(answers)} distinct answers: read and solved {solved}; correct: {correct}."]
    return "\n".join(lines)


def main() -> int:
    arguments = _arguments()
    sys.path.insert(0, str(Path(arguments.code).resolve() if arguments.code else HERE.parent))
    import ormodel
    from ormodel.answers import ANSWER_TOLERANCES, judge_answer

    runs = []
    for spec in arguments.runs:
        label, _, folder = spec.partition("=")
        if not folder:
            raise SystemExit(f"{spec!r}: write LABEL=FOLDER")
        path = Path(folder)
        if not (path / "records").is_dir():
            raise SystemExit(f"{path}: no records/ folder (an arm's folder of benchmarks/nl_local.py)")
        seed = _seed(path)
        if seed not in (0, None) and not arguments.held_out:
            raise SystemExit(f"{path}: a sample drawn with seed {seed} is held out; re-check seed-0 records, or pass --held-out")
        runs.append((label, path))
    labels = _labels([path for _, path in runs])
    before: dict[tuple[str, str, int], dict[str, Any]] = {}
    if arguments.before:
        for text in Path(arguments.before).read_text(encoding="utf-8").splitlines():
            if text.strip():
                row = json.loads(text)
                before[(row["run"], row["problem"], row["round"])] = row
    rows: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    for label, path in runs:
        for answer in _answers(path):
            if answer["problem"] not in labels:
                skipped[label] += 1
                continue
            value, label_status = labels[answer["problem"]]
            checked = recheck(answer["text"], answer["finding"], arguments.time_limit)
            status = _status(checked["outcome"], checked["objective"])
            correct = judge_answer(status, checked["objective"], value, label_status)
            rows.append({"run": label, **answer, **checked, "status": status, "label": value, "label_status": label_status,
                         "correct": correct})
    code = Path(ormodel.__file__).resolve().parent.parent
    report = [(f"Re-checked recorded answers (not a live run) with the code at {code}; each answer judged alone, as its "
               "round would be today."), "",
              "First-round answers (each problem's first answer, the same text as recorded):", "",
              _table(rows, ANSWER_TOLERANCES, before), "",
              ("Every distinct recorded answer (all rounds, all runs given; an answer repeated word for word counted once): "
               "the outcome the live run fed back, and the outcome now:"), "",
              _modes(rows, before)]
    if skipped:
        report += ["", "Answers skipped (no labelled row yet): " + ", ".join(f"{run} {count}" for run, count in skipped.items())]
    text = "\n".join(report) + "\n"
    print(text)
    if arguments.markdown:
        Path(arguments.markdown).write_text(text, encoding="utf-8")
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
