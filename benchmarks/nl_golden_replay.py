"""Measure the NL harness end to end on the golden set: ``ormodel bench nl`` against a scripted LLM.

A scripted OpenAI-compatible server on 127.0.0.1 answers each benchmark question (the suite's own
text, read from --data) with the golden five-element formulation of that problem. The command
``ormodel bench nl --suite golden`` runs the whole agent on every problem (prompt with retrieved
examples, HTTP call, parse, validate, compile, solve, check, judge) and records every call; a
second run replays the records without any server. Both must reach 100 % on the problems whose
labels are not disputed; the disputed ones are listed with their label and our value.

    python benchmarks/nl_golden_replay.py --data ../shared/data/nl --output benchmarks/results/nl_golden

Writes golden.jsonl, golden-replay.jsonl (result tables), records/ (one call record per
problem, about 1 MB; not kept in the repository), summary.md, and accuracy.png (accuracy by
suite and tolerance).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "nl"), help="NL data folder")
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "results" / "nl_golden"), help="output folder")
    parser.add_argument("--jobs", type=int, default=2, help="problems at a time")
    args = parser.parse_args()

    import yaml
    from ormodel.nl2opt.benchmark import TOLERANCE_POLICIES, golden_records, summarize, summary_markdown
    from ormodel.nl2opt.retrieval import load_golden
    from ormodel.nl2opt.testing import ScriptedChatServer, golden_script

    from ormodel.bench.report import load_rows

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    for name in ("golden.jsonl", "golden-replay.jsonl"):
        (output / name).unlink(missing_ok=True)
    examples = {example.key: example for example in load_golden()}
    records = golden_records(args.data)
    answers = {record["text"]: json.dumps(examples[record["id"]].document) for record in records}
    command = [sys.executable, "-m", "ormodel", "bench", "nl", "--suite", "golden", "--data", args.data, "--jobs", str(args.jobs),
               "--no-progress", "--problems"]
    with ScriptedChatServer(golden_script(answers)) as server:
        started = time.perf_counter()
        live = subprocess.run(command + ["--base-url", server.url, "--model", "scripted-golden", "--table", str(output / "golden.jsonl"),
                                         "--records", str(output / "records")], capture_output=True, text=True, check=False,
                              env={**os.environ, "ORMODEL_LLM_API_KEY": "scripted"})
        live_seconds = time.perf_counter() - started
        requests = len(server.requests)
    print(live.stdout)
    if live.returncode != 0:
        print(live.stderr, file=sys.stderr)
        return live.returncode
    started = time.perf_counter()
    replay = subprocess.run(command + ["--replay", str(output / "records"), "--table", str(output / "golden-replay.jsonl")],
                            capture_output=True, text=True, check=False, env={key: value for key, value in os.environ.items()
                                                                 if not key.startswith(("ORMODEL_LLM", "OPENAI"))})
    replay_seconds = time.perf_counter() - started
    print(replay.stdout)
    if replay.returncode != 0:
        print(replay.stderr, file=sys.stderr)
        return replay.returncode

    live_rows = load_rows([output / "golden.jsonl"])
    replay_rows = load_rows([output / "golden-replay.jsonl"])
    same = all((a["instance"], (a.get("extra") or {}).get("objective"), (a.get("extra") or {}).get("correct")) ==
               (b["instance"], (b.get("extra") or {}).get("objective"), (b.get("extra") or {}).get("correct"))
               for a, b in zip(live_rows, replay_rows)) and len(live_rows) == len(replay_rows)

    by_suite: dict[str, list[dict]] = defaultdict(list)
    for row in live_rows:
        by_suite[row["instance"].split("/")[0]].append(row)
    lines = ["| suite | problems | undisputed | " + " | ".join(f"undisputed acc {policy.table_header}" for policy in TOLERANCE_POLICIES) + " |",
             "|---|---|---|" + "---|" * len(TOLERANCE_POLICIES)]
    for suite, rows in sorted(by_suite.items()):
        item = summarize(rows)[0]
        lines.append(f"| {suite} | {item.problems} | {item.undisputed} | " +
                     " | ".join(f"{item.undisputed_accuracy[policy.name]:.1%}" for policy in TOLERANCE_POLICIES) + " |")
    issues = ["| suite | problem id | label | our value | reason |", "|---|---|---|---|---|"]
    for example in sorted(examples.values(), key=lambda item: item.key):
        if example.disputed:
            issues.append(f"| {example.suite} | {example.id} | {example.label:g} | {example.value:g} | {example.disputed} |")
    summary = "\n".join([
        "### Live run against the scripted server", "", summary_markdown(summarize(live_rows)), "",
        f"{requests} chat requests, {live_seconds:.1f} s wall clock for {len(live_rows)} problems ({args.jobs} at a time).", "",
        "### Replayed from the records (no server)", "", summary_markdown(summarize(replay_rows)), "",
        f"{replay_seconds:.1f} s wall clock; same objectives and verdicts as the live run: {'yes' if same else 'NO'}.", "",
        "### By suite (live run)", "", *lines, "",
        "### Label issues", "", *issues, ""])
    (output / "summary.md").write_text(summary, encoding="utf-8")
    print(summary)
    _plot(by_suite, output / "accuracy.png")
    undisputed = [row for row in live_rows if not (row.get("extra") or {}).get("disputed")]
    perfect = all(all((row.get("extra") or {}).get("correct", {}).values()) for row in undisputed)
    print(f"undisputed problems all correct under every tolerance: {perfect}; replay identical: {same}")
    del yaml
    return 0 if perfect and same else 1


def _plot(by_suite: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ormodel.nl2opt.benchmark import TOLERANCE_POLICIES, summarize

    suites = sorted(by_suite)
    figure, axis = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / len(TOLERANCE_POLICIES)
    for offset, policy in enumerate(TOLERANCE_POLICIES):
        values = [summarize(by_suite[suite])[0].accuracy[policy.name] * 100 for suite in suites]
        axis.bar([index + offset * width for index in range(len(suites))], values, width, label=policy.header)
    axis.set_xticks([index + width for index in range(len(suites))], suites, rotation=20, fontsize=8)
    axis.set_ylabel("accuracy incl. disputed labels (%)")
    axis.set_title("Golden formulations through `ormodel bench nl` (scripted LLM)")
    axis.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
