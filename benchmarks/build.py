"""Model build + hand-off benchmark: fac-N (PyOptInterface's facility model without its cone row).

Each (tool, size, repeat) runs in a fresh process: build the model and load it into a HiGHS
instance, stop before ``run``. Reported, as the median and as the minimum over the rounds: wall
and CPU seconds, peak resident memory (MB) and the ratios to the floor (hand-written numpy arrays
+ one ``Highs.passModel``, the faster of the row-wise and column-wise layouts at that size, in
the same run). Rounds are interleaved (every tool once per round) so machine noise hits every
tool alike; every model's loaded size is checked against the expected one.

Usage (``PYTHONPATH=.`` measures this checkout's ormodel rather than the installed one; each
record names the ormodel source it imported):
    PYTHONPATH=. python benchmarks/build.py --sizes 25 50 75 --repeats 3 --out bench_out/build
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TOOLS = ["floor_rowwise", "floor_colwise", "ormodel", "linopy", "pyoptinterface", "pyomo_persistent", "pyomo_lpfile"]
FLOORS = ("floor_rowwise", "floor_colwise")


def worker(tool: str, size: int) -> None:
    """Build one model in this process and print a JSON line with time, memory and sizes."""
    import resource

    sys.path.insert(0, str(HERE))
    from facility_models import BUILDERS, expected_size

    import highspy  # noqa: F401 - imported before the clock, like every tool's own imports
    import numpy  # noqa: F401
    import scipy.sparse  # noqa: F401

    if tool == "ormodel":
        import ormodel.api  # noqa: F401 - om.Model
        import ormodel.compiler  # noqa: F401
        import ormodel.solvers.highs  # noqa: F401 - its HiGHS hand-off, like pyoptinterface.highs below
    elif tool == "linopy":
        import linopy  # noqa: F401
    elif tool == "pyoptinterface":
        import pyoptinterface.highs  # noqa: F401
    elif tool.startswith("pyomo"):
        import pyomo.environ  # noqa: F401
    started, cpu_started = time.perf_counter(), time.process_time()
    handle = BUILDERS[tool](size)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    columns, rows, nonzeros = expected_size(size)
    loaded = None
    lp_source = getattr(handle, "getLp", None)
    if lp_source is not None:
        lp = lp_source()
        loaded = [lp.num_col_, lp.num_row_, len(lp.a_matrix_.value_)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    source = sys.modules["ormodel"].__file__ if "ormodel" in sys.modules else None  # which checkout was measured
    print(json.dumps({"tool": tool, "size": size, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak, "source": source, "expected": [columns, rows, nonzeros], "loaded": loaded}))


def run_one(tool: str, size: int, timeout: float) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, str(size)]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "size": size, "error": f"timeout after {timeout:.0f} s"}
    if completed.returncode != 0:
        return {"tool": tool, "size": size, "error": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else f"exit {completed.returncode}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 75])
    parser.add_argument("--tools", nargs="+", default=DEFAULT_TOOLS)
    parser.add_argument("--repeats", type=int, default=3, help="rounds: runs per fast tool and size, interleaved")
    parser.add_argument("--slow-seconds", type=float, default=5.0, help="tools slower than this run once")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--out", default="bench_out/build")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return 0
    from rich.progress import Progress

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    records: list[dict] = []
    slow: set[tuple[str, int]] = set()
    with Progress() as progress:
        task = progress.add_task("fac-N build", total=len(args.sizes) * len(args.tools) * args.repeats)
        for size in args.sizes:
            for repeat in range(args.repeats):
                for tool in args.tools:
                    progress.advance(task)
                    if (tool, size) in slow:
                        continue
                    record = run_one(tool, size, args.timeout)
                    record["repeat"] = repeat
                    record["loadavg"] = os.getloadavg()[0]
                    records.append(record)
                    if "error" in record or record["seconds"] > args.slow_seconds:
                        slow.add((tool, size))
    (out / "records.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    # Median and minimum over the rounds: the minimum is the least sensitive to other processes on a shared machine.
    table = summarize(records, args.sizes, args.tools, "median") + "\n\n" + summarize(records, args.sizes, args.tools, "min")
    wrong = [f"{record['tool']} fac-{record['size']}: loaded {record['loaded']}, expected {record['expected']}"
             for record in records if record.get("loaded") is not None and record["loaded"] != record["expected"]]
    if wrong:
        table += "\n\nWrong model sizes:\n" + "\n".join(wrong)
    print(table)
    (out / "table.md").write_text(table + "\n")
    plot(records, args.sizes, args.tools, out / "build.png")
    return 0


STATISTICS = {"median": statistics.median, "min": min}


def _statistic(records: list[dict], tool: str, size: int, key: str, stat: str = "median") -> float | None:
    values = [record[key] for record in records if record["tool"] == tool and record["size"] == size and "error" not in record and key in record]
    return STATISTICS[stat](values) if values else None


def summarize(records: list[dict], sizes: list[int], tools: list[str], stat: str = "median") -> str:
    """A markdown table: wall seconds, CPU seconds, peak MB and both ratios to the faster floor, per size."""
    header = "| tool | " + " | ".join(f"fac-{size}: s | cpu s | MB | × floor | cpu × floor" for size in sizes) + " |"
    lines = [f"{stat} over the rounds", "", header, "|---|" + "---|---|---|---|---|" * len(sizes)]
    for tool in tools:
        cells = []
        for size in sizes:
            seconds = _statistic(records, tool, size, "seconds", stat)
            if seconds is None:
                error = next((record["error"] for record in records if record["tool"] == tool and record["size"] == size and "error" in record), "–")
                cells.append(f"{error[:40]} | – | – | – | –")
                continue
            cpu = _statistic(records, tool, size, "cpu_seconds", stat)
            floors = [value for value in (_statistic(records, floor, size, "seconds", stat) for floor in FLOORS) if value is not None]
            cpu_floors = [value for value in (_statistic(records, floor, size, "cpu_seconds", stat) for floor in FLOORS) if value is not None]
            ratio = seconds / min(floors) if floors else float("nan")
            cpu_ratio = cpu / min(cpu_floors) if cpu is not None and cpu_floors else float("nan")
            cpu_text = f"{cpu:.3f}" if cpu is not None else "–"
            cells.append(f"{seconds:.3f} | {cpu_text} | {_statistic(records, tool, size, 'peak_mb', stat):.0f} | {ratio:.2f} | {cpu_ratio:.2f}")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(records: list[dict], sizes: list[int], tools: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4.5))
    for tool in tools:
        points = [(size, _statistic(records, tool, size, "seconds")) for size in sizes]
        points = [(size, value) for size, value in points if value is not None]
        if points:
            axis.plot([size for size, _ in points], [value for _, value in points], marker="o", label=tool)
    axis.set_xlabel("N (fac-N)")
    axis.set_ylabel("build + load into HiGHS, wall seconds (median)")
    axis.set_yscale("log")
    axis.set_title("fac-N model build and hand-off to HiGHS")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    raise SystemExit(main())
