"""``ormodel solve X.mps --json`` against HiGHS called directly through highspy, and the pipeline's scaling.

Two benchmarks of the one solve pipeline (issue 13):

``miplib`` — every ``*.mps`` in ``DATA/mip``: the ormodel command line (reading, solving, labels,
JSON) against a minimal highspy script (read, run), same time limit, one thread, pinned to one
core (``taskset -c CPU``), each run a fresh process, the two interleaved (the order alternates by
instance). Checks: ormodel's wall time is within the limit + 1 s, its stdout parses as JSON, and
every optimum HiGHS proves is matched within ``--tolerance`` (relative). Reports the total wall
ratio ormodel / highspy.

``scaling`` — a generated LP with N columns written to MPS, then in a fresh process per size the
stages of the pipeline: read, compile, hand-off to HiGHS (``passModel``), solve, labels, JSON
output. Labels and output should grow linearly in N.

Usage:
    python benchmarks/miplib_pipeline.py miplib --data ../shared/data --time-limit 20 --out bench_out/miplib_pipeline
    python benchmarks/miplib_pipeline.py scaling --sizes 10000 100000 1000000 --out bench_out/pipeline_scaling
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

HIGHSPY_SCRIPT = """
import json, sys
import highspy
path, limit, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
highs = highspy.Highs()
highs.setOptionValue("output_flag", False)
highs.setOptionValue("threads", threads)
highs.setOptionValue("time_limit", limit)
highs.readModel(path)
highs.run()
info = highs.getInfo()
status = highs.modelStatusToString(highs.getModelStatus())
print(json.dumps({"status": status, "objective": info.objective_function_value if info.primal_solution_status == 2 else None,
                  "bound": info.mip_dual_bound}))
"""


def _pinned(command: list[str], cpu: int | None) -> list[str]:
    if cpu is None or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", str(cpu), *command]


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    return environment


def _timed_run(command: list[str], limit: float, cpu: int | None) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run a fresh pinned process; its output and a record of its wall time and exit code."""
    started = time.perf_counter()
    completed = subprocess.run(_pinned(command, cpu), capture_output=True, text=True, cwd=ROOT, env=_environment(),
                               timeout=limit * 3 + 120, check=False)
    return completed, {"wall": time.perf_counter() - started, "exit": completed.returncode}


def run_ormodel(path: Path, limit: float, threads: int, cpu: int | None) -> dict[str, Any]:
    """One ``ormodel solve --json`` in a fresh process: wall time, exit code, parsed JSON (or why not)."""
    completed, record = _timed_run([sys.executable, "-m", "ormodel", "solve", str(path), "--json", "--time-limit", f"{limit:g}",
                                    "--threads", str(threads)], limit, cpu)
    try:
        payload = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        record.update({"json_ok": False, "json_error": str(error), "stdout_head": completed.stdout[:200],
                       "stderr_tail": completed.stderr[-300:]})
        return record
    record.update({"json_ok": True, "status": payload.get("status"), "objective": payload.get("objective"),
                   "bound": payload.get("bound"), "timings": payload.get("timings", {}), "values": len(payload.get("values", {}))})
    return record


def run_highspy(path: Path, limit: float, threads: int, cpu: int | None) -> dict[str, Any]:
    """One minimal highspy script (read, run) in a fresh process."""
    completed, record = _timed_run([sys.executable, "-c", HIGHSPY_SCRIPT, str(path), f"{limit:g}", str(threads)], limit, cpu)
    try:
        record.update(json.loads(completed.stdout.strip().splitlines()[-1]))
    except (json.JSONDecodeError, IndexError):
        record.update({"status": "error", "stderr_tail": completed.stderr[-300:]})
    return record


def _relative(first: float, second: float) -> float:
    return abs(first - second) / max(1.0, abs(first), abs(second))


def compare(name: str, ormodel: dict[str, Any], highs: dict[str, Any], limit: float, tolerance: float) -> dict[str, Any]:
    """The checks of one instance."""
    proven = highs.get("status") == "Optimal" and highs.get("objective") is not None
    matched = None
    if proven:
        matched = ormodel.get("objective") is not None and _relative(float(ormodel["objective"]), float(highs["objective"])) <= tolerance
    return {
        "instance": name, "ormodel": ormodel, "highspy": highs, "within_limit": ormodel["wall"] <= limit + 1.0,
        "json_ok": bool(ormodel.get("json_ok")), "highs_proved_optimal": proven, "optimum_matched": matched,
    }


def miplib(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    data = Path(args.data) / "mip"
    paths = sorted(data.glob("*.mps"))
    if args.instances:
        paths = [path for path in paths if path.stem in set(args.instances)]
    if not paths:
        raise SystemExit(f"no .mps files in {data}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True)
    rows = []
    with Progress(console=console) as progress:
        task = progress.add_task("MIPLIB pipeline", total=len(paths))
        for number, path in enumerate(paths):
            progress.update(task, description=path.stem)
            if number % 2 == 0:
                ormodel = run_ormodel(path, args.time_limit, args.threads, args.cpu)
                highs = run_highspy(path, args.time_limit, args.threads, args.cpu)
            else:
                highs = run_highspy(path, args.time_limit, args.threads, args.cpu)
                ormodel = run_ormodel(path, args.time_limit, args.threads, args.cpu)
            rows.append(compare(path.stem, ormodel, highs, args.time_limit, args.tolerance))
            progress.advance(task)
    summary = summarize(rows, args.time_limit)
    summary.update({"time_limit": args.time_limit, "threads": args.threads, "cpu": args.cpu, "tolerance": args.tolerance,
                    "loadavg_end": os.getloadavg()})
    (out / "records.json").write_text(json.dumps(rows, indent=2))
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    table = render(rows, summary)
    (out / "table.md").write_text(table + "\n")
    print(table)
    plot(rows, args.time_limit, out / "walls.png")
    return 0 if summary["all_checks_pass"] else 1


def summarize(rows: list[dict[str, Any]], limit: float) -> dict[str, Any]:
    """Totals, ratio and check counts."""
    total_ormodel = sum(row["ormodel"]["wall"] for row in rows)
    total_highs = sum(row["highspy"]["wall"] for row in rows)
    proven = [row for row in rows if row["highs_proved_optimal"]]
    summary = {
        "instances": len(rows), "total_wall_ormodel": total_ormodel, "total_wall_highspy": total_highs,
        "ratio": total_ormodel / total_highs if total_highs else math.nan,
        "within_limit": sum(row["within_limit"] for row in rows), "json_ok": sum(row["json_ok"] for row in rows),
        "highs_proved_optimal": len(proven), "optimum_matched": sum(bool(row["optimum_matched"]) for row in proven),
        "max_wall_ormodel": max(row["ormodel"]["wall"] for row in rows), "limit": limit,
        "median_overhead": statistics.median(row["ormodel"]["wall"] - row["highspy"]["wall"] for row in rows),
    }
    summary["all_checks_pass"] = (summary["within_limit"] == len(rows) and summary["json_ok"] == len(rows)
                                  and summary["optimum_matched"] == len(proven))
    return summary


def _number(value: Any) -> str:
    return "–" if value is None else f"{float(value):.10g}"


def render(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    lines = ["| instance | highspy status | highspy obj | highspy wall s | ormodel status | ormodel obj | ormodel wall s | ratio | JSON | ≤ limit+1 s | optimum matched |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        ormodel, highs = row["ormodel"], row["highspy"]
        matched = "–" if row["optimum_matched"] is None else ("yes" if row["optimum_matched"] else "**no**")
        lines.append(f"| {row['instance']} | {highs.get('status')} | {_number(highs.get('objective'))} | {highs['wall']:.2f} | "
                     f"{ormodel.get('status', 'no JSON')} | {_number(ormodel.get('objective'))} | {ormodel['wall']:.2f} | "
                     f"{ormodel['wall'] / highs['wall']:.2f} | {'yes' if row['json_ok'] else '**no**'} | "
                     f"{'yes' if row['within_limit'] else '**no**'} | {matched} |")
    lines.append(f"| **total** | | | {summary['total_wall_highspy']:.1f} | | | {summary['total_wall_ormodel']:.1f} | "
                 f"**{summary['ratio']:.3f}** | {summary['json_ok']}/{summary['instances']} | "
                 f"{summary['within_limit']}/{summary['instances']} | {summary['optimum_matched']}/{summary['highs_proved_optimal']} |")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], limit: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 6))
    highs = [row["highspy"]["wall"] for row in rows]
    ormodel = [row["ormodel"]["wall"] for row in rows]
    axis.scatter(highs, ormodel, s=18)
    for row, x, y in zip(rows, highs, ormodel):
        axis.annotate(row["instance"], (x, y), fontsize=6)
    top = max(max(highs), max(ormodel)) * 1.1
    axis.plot([0.1, top], [0.1, top], color="gray", linewidth=0.8, label="equal")
    axis.plot([0.1, top], [0.11, top * 1.1], color="gray", linewidth=0.8, linestyle="--", label="1.10×")
    axis.axhline(limit + 1.0, color="red", linewidth=0.8, linestyle=":", label="limit + 1 s")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("highspy (read + run), wall seconds")
    axis.set_ylabel("ormodel solve --json, wall seconds")
    axis.set_title(f"MIPLIB: ormodel pipeline vs direct HiGHS ({limit:g} s limit, 1 thread)")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


# ---- scaling ---------------------------------------------------------------------------------


def generated_lp(columns: int, seed: int) -> Any:
    """min c'x s.t. x_j + x_k >= 1 over random pairs (half as many rows as columns), 0 <= x <= 1."""
    import numpy as np
    import scipy.sparse as sp

    from ormodel.standard_form import NameMap, StandardForm

    generator = np.random.default_rng(seed)
    rows = columns // 2
    first = np.arange(rows) * 2
    second = generator.integers(0, columns, rows)
    second = np.where(second == first, (second + 1) % columns, second)
    matrix = sp.csr_array((np.ones(2 * rows), (np.repeat(np.arange(rows), 2), np.stack([first, second], axis=1).ravel())),
                          shape=(rows, columns))
    names = NameMap.from_labels([f"x{column}" for column in range(columns)], [f"pair{row}" for row in range(rows)])
    return StandardForm.from_arrays(objective=generator.uniform(1.0, 2.0, columns), matrix=matrix, row_lower=np.ones(rows),
                                    row_upper=np.full(rows, np.inf), column_upper=np.ones(columns), names=names,
                                    name=f"pairs{columns}")


def scaling_worker(path: str) -> None:
    """Time each pipeline stage on one MPS file in this process; print one JSON line."""
    import resource

    import numpy as np

    from ormodel.io import load
    from ormodel.reductions import CompileToStandardForm
    from ormodel.result import Result, Status
    from ormodel.solvers.highs import HighsBackend, load_into_highs
    from ormodel.standard_form import NameMap

    stages: dict[str, float] = {}
    started = time.perf_counter()
    form = load(path)
    stages["read"] = time.perf_counter() - started
    started = time.perf_counter()
    form, _ = CompileToStandardForm().apply(form)
    stages["compile"] = time.perf_counter() - started
    started = time.perf_counter()
    load_into_highs(form)
    stages["hand_off"] = time.perf_counter() - started
    started = time.perf_counter()
    result = HighsBackend().solve(form)
    stages["solve"] = time.perf_counter() - started - stages["hand_off"]
    fresh = NameMap.from_labels(form.names.column_names, form.names.row_names)
    started = time.perf_counter()
    labels = fresh.column_labels(form.num_columns)
    fresh.column_index(labels[-1], form.num_columns)
    stages["labels"] = time.perf_counter() - started
    assert result.values is not None and result.status == Status.OPTIMAL
    output = Result(result.status, objective=result.objective, values=result.values, names=fresh, solver="highs")
    started = time.perf_counter()
    text = output.to_json(include_zeros=True)
    stages["json_output"] = time.perf_counter() - started
    print(json.dumps({"columns": form.num_columns, "rows": form.num_rows, "nonzeros": int(form.matrix.nnz), "stages": stages,
                      "json_bytes": len(text), "nonzero_values": int(np.count_nonzero(result.values)),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def scaling(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from ormodel.solvers.highs import write_model_file

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    with Progress() as progress:
        task = progress.add_task("pipeline scaling", total=len(args.sizes) * args.repeats)
        for size in args.sizes:
            path = out / f"pairs{size}.mps"
            write_model_file(generated_lp(size, args.seed), path)
            for repeat in range(args.repeats):
                command = _pinned([sys.executable, str(Path(__file__).resolve()), "scaling-worker", str(path)], args.cpu)
                completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_environment(), check=False)
                if completed.returncode != 0:
                    raise SystemExit(f"size {size}: {completed.stderr[-500:]}")
                record = json.loads(completed.stdout.strip().splitlines()[-1])
                record["repeat"] = repeat
                records.append(record)
                progress.advance(task)
            path.unlink()
    (out / "records.json").write_text(json.dumps(records, indent=2))
    table = render_scaling(records, args.sizes)
    (out / "table.md").write_text(table + "\n")
    print(table)
    plot_scaling(records, args.sizes, out / "scaling.png")
    return 0


STAGES = ("read", "compile", "hand_off", "solve", "labels", "json_output")


def _stage_median(records: list[dict[str, Any]], size: int, stage: str) -> float:
    return statistics.median(record["stages"][stage] for record in records if record["columns"] == size)


def render_scaling(records: list[dict[str, Any]], sizes: list[int]) -> str:
    lines = ["| columns | rows | non-zeros | " + " | ".join(f"{stage} s" for stage in STAGES) + " | labels µs/column | output µs/column |",
             "|---|---|---|" + "---|" * len(STAGES) + "---|---|"]
    for size in sizes:
        first = next(record for record in records if record["columns"] == size)
        medians = [_stage_median(records, size, stage) for stage in STAGES]
        lines.append(f"| {size:,} | {first['rows']:,} | {first['nonzeros']:,} | " + " | ".join(f"{value:.3f}" for value in medians)
                     + f" | {1e6 * medians[4] / size:.2f} | {1e6 * medians[5] / size:.2f} |")
    return "\n".join(lines)


def plot_scaling(records: list[dict[str, Any]], sizes: list[int], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for stage in STAGES:
        axis.plot(sizes, [max(_stage_median(records, size, stage), 1e-6) for size in sizes], marker="o", label=stage)
    axis.plot(sizes, [1e-6 * size for size in sizes], color="gray", linestyle="--", linewidth=0.8, label="1 µs × columns")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("columns")
    axis.set_ylabel("seconds (median)")
    axis.set_title("ormodel pipeline stages on a generated LP read from MPS")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser("miplib", help="ormodel solve --json against direct highspy on DATA/mip/*.mps")
    bench.add_argument("--data", default="../shared/data", help="folder holding mip/*.mps (default: ../shared/data)")
    bench.add_argument("--time-limit", type=float, default=20.0)
    bench.add_argument("--threads", type=int, default=1)
    bench.add_argument("--cpu", type=int, default=0, help="core to pin every run to with taskset (-1: no pinning)")
    bench.add_argument("--tolerance", type=float, default=1e-4, help="relative tolerance for matching HiGHS's proven optima")
    bench.add_argument("--instances", nargs="*", help="instance names (default: every .mps file)")
    bench.add_argument("--out", default="bench_out/miplib_pipeline")
    grow = commands.add_parser("scaling", help="pipeline stages on a generated LP of growing size, read from MPS")
    grow.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    grow.add_argument("--repeats", type=int, default=3)
    grow.add_argument("--seed", type=int, default=0)
    grow.add_argument("--cpu", type=int, default=0)
    grow.add_argument("--out", default="bench_out/pipeline_scaling")
    worker = commands.add_parser("scaling-worker", help=argparse.SUPPRESS)
    worker.add_argument("path")
    args = parser.parse_args(argv)
    if getattr(args, "cpu", None) is not None and args.cpu < 0:
        args.cpu = None
    if args.command == "scaling-worker":
        sys.path.insert(0, str(ROOT))
        scaling_worker(args.path)
        return 0
    sys.path.insert(0, str(ROOT))
    return miplib(args) if args.command == "miplib" else scaling(args)


if __name__ == "__main__":
    raise SystemExit(main())
