"""Hostile-input corpus benchmark: every input of ``tests/hostile/corpus.py`` through the real CLI, one process per run.

For each input, ``python -m ormodel validate`` and ``python -m ormodel solve`` run in a fresh
process under a 4 GB address-space cap and a timeout. A run *exits cleanly* when it ends with
the exit code the corpus expects (1 for bad input, 3 where no solution exists, 0 for a valid
input), prints no traceback and does not time out. The table gives, per input category, how
many runs were tried and exited cleanly, the slowest run and the largest peak resident memory
(of that one process, from ``wait4``). A bar plot of the slowest run per category is saved beside
the table.

Usage:
    python benchmarks/hostile.py --out bench_out/hostile [--timeout 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDRESS_SPACE = 4 * 1024**3


# Sets the address-space cap, then becomes `python -m ormodel ...` (same process, so wait4 measures it);
# a trampoline instead of preexec_fn, which is unsafe while rich's progress thread runs.
TRAMPOLINE = ("import os, resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({0}, {0})); "
              "os.execv(sys.executable, [sys.executable, '-m', 'ormodel', *sys.argv[1:]])").format(ADDRESS_SPACE)


def run_once(arguments: list[str], timeout: float) -> dict:
    """One CLI run: exit code, seconds, peak RSS (MB) and whether a traceback was printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("ORMODEL_LIMITS", None)
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", TRAMPOLINE, *arguments], stdout=output, stderr=output, env=env, cwd=ROOT)
        deadline = started + timeout
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", errors="replace")
    timed_out = seconds >= timeout
    return {"code": None if timed_out else process.returncode, "seconds": round(seconds, 3), "timed_out": timed_out,
            "peak_mb": round(usage.ru_maxrss / 1024, 1) if usage else None, "traceback": "Traceback" in text, "tail": text[-400:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="bench_out/hostile")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from rich.progress import Progress

    from tests.hostile.corpus import CASES, write_corpus

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    with tempfile.TemporaryDirectory() as folder, Progress() as progress:
        write_corpus(folder)
        task = progress.add_task("hostile corpus", total=2 * len(CASES))
        for case in CASES:
            path = os.path.join(folder, case.filename)
            for command, expected in (("validate", case.validate), ("solve", case.solve)):
                arguments = [command, path] + (["--time-limit", "10", *case.solve_args] if command == "solve" else [])
                record = run_once(arguments, args.timeout)
                record.update(case=case.name, category=case.category, command=command,
                              clean=record["code"] in expected and not record["traceback"] and not record["timed_out"])
                records.append(record)
                progress.advance(task)
    (out / "records.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    table = summarize(records)
    (out / "table.md").write_text(table + "\n")
    print(table)
    plot(records, out / "hostile.png")
    failures = [record for record in records if not record["clean"]]
    for record in failures:
        print(f"NOT CLEAN: {record['case']} {record['command']}: exit {record['code']} {record['tail'][-200:]!r}")
    return 1 if failures else 0


def summarize(records: list[dict]) -> str:
    groups: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        groups[record["category"]].append(record)
    lines = ["| category | inputs | runs tried | exited cleanly | tracebacks | timeouts | slowest run (s) | slowest input | peak memory (MB) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for category in sorted(groups) + ["all"]:
        items = records if category == "all" else groups[category]
        slowest = max(items, key=lambda record: record["seconds"])
        lines.append(f"| {category} | {len({record['case'] for record in items})} | {len(items)} | {sum(record['clean'] for record in items)} | "
                     f"{sum(record['traceback'] for record in items)} | {sum(record['timed_out'] for record in items)} | "
                     f"{slowest['seconds']:.2f} | {slowest['case']} ({slowest['command']}) | "
                     f"{max(record['peak_mb'] or 0 for record in items):.0f} |")
    return "\n".join(lines)


def plot(records: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories = sorted({record["category"] for record in records})
    slowest = [max(record["seconds"] for record in records if record["category"] == category) for category in categories]
    median = [sorted(record["seconds"] for record in records if record["category"] == category)[
        len([record for record in records if record["category"] == category]) // 2] for category in categories]
    figure, axis = plt.subplots(figsize=(8, 4))
    positions = range(len(categories))
    axis.bar([position - 0.2 for position in positions], slowest, width=0.4, label="slowest run")
    axis.bar([position + 0.2 for position in positions], median, width=0.4, label="median run")
    axis.set_xticks(list(positions), categories)
    axis.set_ylabel("seconds per CLI run (process start included)")
    axis.set_title("hostile-input corpus: time to a clean exit, by category")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    raise SystemExit(main())
