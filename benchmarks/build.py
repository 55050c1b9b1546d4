"""Model build + hand-off benchmark: fac-N (PyOptInterface's facility model without its cone row).

Each (tool, size, repeat) runs in a fresh process: build the model and load it into a HiGHS
instance, stop before ``run``. Reported: median seconds, peak resident memory (MB) and the
ratio to the floor (hand-written numpy arrays + one ``Highs.passModel``, the faster of the
row-wise and column-wise layouts at that size). Runs are interleaved so machine noise hits
every tool alike.

Usage:
    python benchmarks/build.py --sizes 25 50 75 --repeats 3 --out bench_out/build
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
        import ormodel.compiler  # noqa: F401
    elif tool == "linopy":
        import linopy  # noqa: F401
    elif tool == "pyoptinterface":
        import pyoptinterface.highs  # noqa: F401
    elif tool.startswith("pyomo"):
        import pyomo.environ  # noqa: F401
    started = time.perf_counter()
    handle = BUILDERS[tool](size)
    seconds = time.perf_counter() - started
    columns, rows, nonzeros = expected_size(size)
    loaded = None
    lp_source = getattr(handle, "getLp", None)
    if lp_source is not None:
        lp = lp_source()
        loaded = [lp.num_col_, lp.num_row_, len(lp.a_matrix_.value_)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"tool": tool, "size": size, "seconds": seconds, "peak_mb": peak, "expected": [columns, rows, nonzeros], "loaded": loaded}))


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
    parser.add_argument("--repeats", type=int, default=3, help="runs per fast tool and size (median reported)")
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
    table = summarize(records, args.sizes, args.tools)
    print(table)
    (out / "table.md").write_text(table + "\n")
    plot(records, args.sizes, args.tools, out / "build.png")
    return 0


def _median(records: list[dict], tool: str, size: int, key: str) -> float | None:
    values = [record[key] for record in records if record["tool"] == tool and record["size"] == size and "error" not in record]
    return statistics.median(values) if values else None


def summarize(records: list[dict], sizes: list[int], tools: list[str]) -> str:
    header = "| tool | " + " | ".join(f"fac-{size}: s | MB | × floor" for size in sizes) + " |"
    lines = [header, "|---|" + "---|---|---|" * len(sizes)]
    for tool in tools:
        cells = []
        for size in sizes:
            seconds = _median(records, tool, size, "seconds")
            if seconds is None:
                error = next((record["error"] for record in records if record["tool"] == tool and record["size"] == size and "error" in record), "–")
                cells.append(f"{error[:40]} | – | –")
                continue
            floors = [value for value in (_median(records, floor, size, "seconds") for floor in FLOORS) if value is not None]
            ratio = seconds / min(floors) if floors else float("nan")
            cells.append(f"{seconds:.3f} | {_median(records, tool, size, 'peak_mb'):.0f} | {ratio:.2f}")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(records: list[dict], sizes: list[int], tools: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4.5))
    for tool in tools:
        points = [(size, _median(records, tool, size, "seconds")) for size in sizes]
        points = [(size, value) for size, value in points if value is not None]
        if points:
            axis.plot([size for size, _ in points], [value for _, value in points], marker="o", label=tool)
    axis.set_xlabel("N (fac-N)")
    axis.set_ylabel("build + load into HiGHS, seconds (median)")
    axis.set_yscale("log")
    axis.set_title("fac-N model build and hand-off to HiGHS")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    raise SystemExit(main())
