"""MIPLIB instances with known optima solved by every backend under one time limit, in one run.

Usage:
    nice python benchmarks/miplib.py --time-limit 30 --threads 1 --out benchmarks/results/miplib

Each (instance, backend) solve runs in its own subprocess (so no backend sees another's memory
or libraries), reading the MPS file through HiGHS into a StandardForm; the timed part is the
backend's ``solve`` (model hand-off + solve; CP-SAT's worker process is started before
the clock starts, the transfer of the arrays to it is timed). The
returned point is checked by ormodel (``check_solution``), not trusted from the solver.

Per backend the table gives: instances attempted, solved (status optimal), objective matches
(optimal and within ``--match-tolerance`` relative of the known optimum), infeasible points
returned, and the shifted geometric mean time (shift 1 s; unsolved runs count as the time
limit). CP-SAT only takes pure-integer models with exact rational coefficients; the others are
listed as not applicable and left out of its mean.

Default instances: the ``smoke`` and ``core`` instances of the data set's manifest whose
HiGHS and SCIP reference times are both under 11 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPOSITORY.parent / "shared" / "data"
DEFAULT_BACKENDS = ("highs", "scip", "cpsat", "pyomo")


def shifted_geometric_mean(values: list[float], shift: float = 1.0) -> float:
    """``exp(mean(log(v + shift))) - shift``."""
    if not values:
        return math.nan
    return math.exp(sum(math.log(value + shift) for value in values) / len(values)) - shift


def read_manifest(directory: Path) -> list[dict[str, str]]:
    """Rows of the MIP data set's ``manifest.csv``."""
    path = directory / "manifest.csv"
    if not path.exists():
        raise SystemExit(f"{path}: not found; pass --data pointing at the folder that holds mip/manifest.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def default_selection(rows: list[dict[str, str]], limit: float = 11.0) -> list[dict[str, str]]:
    """Smoke and core instances whose HiGHS and SCIP reference times are both under ``limit`` seconds."""
    chosen = []
    for row in rows:
        if row["tier"] not in ("smoke", "core"):
            continue
        try:
            highs_time, scip_time = float(row["highs_time_s"]), float(row["scip_time_s"])
        except ValueError:
            continue
        if highs_time < limit and scip_time < limit and row["scip_status_60s"] == "optimal":
            chosen.append(row)
    return chosen


def solve_one(path: str, backend: str, time_limit: float, threads: int) -> dict[str, Any]:
    """Run in a child process: read, solve, check; a JSON-ready record."""
    from ormodel.solvers import SolveOptions, get_backend
    from ormodel.solvers.diagnosis import check_solution
    from ormodel.solvers.highs import read_model_file

    form = read_model_file(path)
    solver = get_backend(backend)
    probe = getattr(solver, "unsupported_reason", None)
    reason = probe(form) if probe is not None else None
    if reason:
        return {"status": "not_applicable", "reason": reason}
    if backend == "cpsat":
        from ormodel.solvers.cpsat import warm_up

        warm_up()
    started = time.perf_counter()
    result = solver.solve(form, SolveOptions(time_limit=time_limit, threads=threads, seed=0, compute_conflict=False))
    seconds = time.perf_counter() - started
    record: dict[str, Any] = {"status": result.status.value, "raw_status": result.raw_status, "seconds": seconds,
                              "objective": result.objective if math.isfinite(result.objective) else None,
                              "bound": result.bound if math.isfinite(result.bound) else None, "nodes": result.nodes,
                              "message": result.message[:300]}
    if result.values is not None:
        check = check_solution(form, result, tolerance=1e-6)
        record["max_violation"] = check.max_violation
    return record


def run_child(path: Path, backend: str, time_limit: float, threads: int) -> dict[str, Any]:
    """Solve one instance with one backend in a fresh interpreter (killed after the limit plus 120 s)."""
    command = [sys.executable, __file__, "--child", str(path), backend, str(time_limit), str(threads)]
    started = time.perf_counter()
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=time_limit + 120.0, check=False)
    except subprocess.TimeoutExpired:
        return {"status": "killed", "seconds": time.perf_counter() - started}
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        return {"status": "crashed", "seconds": time.perf_counter() - started, "message": completed.stderr.strip().splitlines()[-1:]}
    record: dict[str, Any] = json.loads(lines[-1])
    return record


def summarize(records: list[dict[str, Any]], backends: list[str], time_limit: float, tolerance: float) -> list[dict[str, Any]]:
    """One summary row per backend."""
    rows = []
    for backend in backends:
        own = [record for record in records if record["backend"] == backend]
        applicable = [record for record in own if record["status"] not in ("not_applicable", "not_run")]
        solved = [record for record in applicable if record["status"] == "optimal"]
        matched = [record for record in solved if record.get("objective") is not None
                   and abs(record["objective"] - record["optimum"]) <= tolerance * max(1.0, abs(record["optimum"]))]
        infeasible_points = [record for record in applicable if record.get("max_violation", 0.0) > 1e-6]
        times = [record["seconds"] if record["status"] == "optimal" else time_limit for record in applicable]
        rows.append({"backend": backend, "attempted": len(applicable), "not_applicable": len(own) - len(applicable),
                     "solved": len(solved), "objective_match": len(matched), "infeasible_points": len(infeasible_points),
                     "sgm_time": shifted_geometric_mean([min(value, time_limit) for value in times])})
    return rows


def main() -> int:
    """Parse arguments, run every (instance, backend) pair, print and save the tables."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        path, backend, time_limit, threads = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(solve_one(path, backend, time_limit, threads)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding mip/ (default ../shared/data)")
    parser.add_argument("--backends", default=",".join(DEFAULT_BACKENDS))
    parser.add_argument("--instances", default="", help="comma-separated names (default: the quick smoke/core subset)")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--match-tolerance", type=float, default=1e-4, help="relative objective tolerance against the known optimum")
    parser.add_argument("--budget", type=float, default=1200.0, help="stop starting new solves after this many seconds")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results" / "miplib")
    arguments = parser.parse_args()

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    directory = arguments.data / "mip"
    manifest = read_manifest(directory)
    if arguments.instances:
        wanted = set(arguments.instances.split(","))
        selection = [row for row in manifest if row["name"] in wanted]
    else:
        selection = default_selection(manifest)
    backends = [name for name in arguments.backends.split(",") if name]
    console = Console()
    records: list[dict[str, Any]] = []
    started = time.perf_counter()
    with Progress(console=console) as progress:
        task = progress.add_task("MIPLIB", total=len(selection) * len(backends))
        for row in selection:
            for backend in backends:
                progress.update(task, description=f"{row['name']} / {backend}")
                if time.perf_counter() - started > arguments.budget:
                    record: dict[str, Any] = {"status": "not_run", "seconds": 0.0}
                else:
                    record = run_child(directory / row["file"], backend, arguments.time_limit, arguments.threads)
                record.update({"instance": row["name"], "backend": backend, "optimum": float(row["optimal_value"])})
                records.append(record)
                progress.advance(task)
    total = time.perf_counter() - started

    detail = Table(title=f"MIPLIB per instance (time limit {arguments.time_limit:g} s, threads {arguments.threads})")
    detail.add_column("instance")
    for backend in backends:
        detail.add_column(backend, justify="right")
    per_instance: list[list[str]] = []
    for row in selection:
        cells = [row["name"]]
        for backend in backends:
            record = next(item for item in records if item["instance"] == row["name"] and item["backend"] == backend)
            cells.append(_cell(record, arguments.match_tolerance))
        detail.add_row(*cells)
        per_instance.append(cells)
    console.print(detail)
    summary = summarize(records, backends, arguments.time_limit, arguments.match_tolerance)
    table = Table(title=f"MIPLIB summary ({len(selection)} instances, {total:.0f} s wall)")
    for column in ("backend", "attempted", "n/a", "solved", "obj match", "infeasible pts", "SGM time (s, shift 1)"):
        table.add_column(column, justify="right")
    for row in summary:
        table.add_row(row["backend"], str(row["attempted"]), str(row["not_applicable"]), str(row["solved"]), str(row["objective_match"]),
                      str(row["infeasible_points"]), f"{row['sgm_time']:.2f}")
    console.print(table)

    arguments.out.mkdir(parents=True, exist_ok=True)
    with open(arguments.out / "records.json", "w", encoding="utf-8") as handle:
        json.dump({"arguments": {key: str(value) for key, value in vars(arguments).items()}, "wall_seconds": total,
                   "load_average": os.getloadavg(), "records": records, "summary": summary}, handle, indent=2)
    with open(arguments.out / "table.md", "w", encoding="utf-8") as handle:
        handle.write("| instance | " + " | ".join(backends) + " |\n|---|" + "---|" * len(backends) + "\n")
        for cells in per_instance:
            handle.write("| " + " | ".join(cells) + " |\n")
        handle.write("\n| backend | attempted | n/a | solved | objective match | infeasible points | SGM time (s, shift 1) |\n"
                     "|---|---|---|---|---|---|---|\n")
        for row in summary:
            handle.write(f"| {row['backend']} | {row['attempted']} | {row['not_applicable']} | {row['solved']} | {row['objective_match']} | "
                         f"{row['infeasible_points']} | {row['sgm_time']:.2f} |\n")
    _plot(summary, arguments.out / "sgm_time.png", arguments.time_limit)
    console.print(f"wrote {arguments.out}/records.json, table.md, sgm_time.png")
    return 0


def _cell(record: dict[str, Any], tolerance: float) -> str:
    status = record["status"]
    if status in ("not_applicable", "not_run", "crashed", "killed"):
        return {"not_applicable": "n/a", "not_run": "not run", "crashed": "crashed", "killed": "killed"}[status]
    objective = record.get("objective")
    if status == "optimal" and objective is not None:
        match = abs(objective - record["optimum"]) <= tolerance * max(1.0, abs(record["optimum"]))
        return f"{record['seconds']:.2f}" + ("" if match else " (wrong obj)")
    shown = "TL" if status == "time_limit" else status
    return f"{shown}" + (f" {objective:.6g}" if objective is not None else "")


def _plot(summary: list[dict[str, Any]], path: Path, time_limit: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.5))
    names = [row["backend"] for row in summary]
    axis.bar(names, [row["sgm_time"] for row in summary], color="#4477aa")
    for position, row in enumerate(summary):
        axis.text(position, row["sgm_time"], f"{row['solved']}/{row['attempted']}", ha="center", va="bottom")
    axis.set_ylabel("shifted geometric mean time (s)")
    axis.set_title(f"MIPLIB subset, {time_limit:g} s limit (labels: solved/attempted)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    raise SystemExit(main())
