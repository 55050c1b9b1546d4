"""MIPLIB instances with known optima solved by every backend under one time limit, in one run.

Usage:
    cpu_slot .venv/bin/python benchmarks/miplib.py --time-limit 20 --threads 1 --out benchmarks/results/miplib

Each (instance, backend) solve runs in its own subprocess (so no backend sees another's memory
or libraries), reading the MPS file through HiGHS into a StandardForm; the timed part is the
backend's ``solve`` (model hand-off + solve; CP-SAT's worker process is started before
the clock starts, the transfer of the arrays to it is timed). The
returned point is checked by ormodel (``check_solution``), not trusted from the solver.

Known optima come from the data set's ``instances.solu`` (MIPLIB solu format; ``=opt=`` lines),
cross-checked against ``manifest.csv``; tiers (``smoke``, ``core``, ``hard``) and reference times
come from the manifest.

Per backend the table gives: instances attempted, solved (status optimal), objective matches
(optimal, and the objective *recomputed by ormodel at the returned point* within
``--match-tolerance`` relative of the known optimum), points returned, points that violate a
row, bound or integrality by more than 1e-6 (ormodel's ``check_solution``), the largest
violation seen, and the shifted geometric mean time (shift 1 s; unsolved runs count as the time
limit). CP-SAT only takes pure-integer models with exact rational coefficients; the others are
listed as not applicable and left out of its mean.

Default instances: the ``smoke`` and ``core`` tiers whose HiGHS and SCIP reference times are both
under ``--max-reference-time`` seconds, run from the quickest (by reference time) to the slowest,
so that a ``--budget`` cut drops the hardest instances.
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
FEASIBILITY_TOLERANCE = 1e-6
SKIPPED = ("not_applicable", "not_run")


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


def read_solu(path: Path) -> dict[str, float]:
    """Known optima from a MIPLIB ``.solu`` file: ``=opt= name value`` lines (``=best=``/``=inf=`` are skipped).

    Raises:
        SystemExit: a line that is neither blank, a comment, nor a ``=tag= name [value]`` entry.
    """
    optima: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if not (parts[0].startswith("=") and parts[0].endswith("=") and len(parts) >= 2):
                raise SystemExit(f"{path}:{number}: expected '=opt= NAME VALUE', got {line.strip()!r}")
            if parts[0] == "=opt=":
                if len(parts) < 3:
                    raise SystemExit(f"{path}:{number}: '=opt=' entry for {parts[1]} has no value")
                optima[parts[1]] = float(parts[2])
    return optima


def known_optima(directory: Path, manifest: list[dict[str, str]]) -> dict[str, float]:
    """Optima by instance: ``instances.solu`` when present (checked against the manifest), else the manifest."""
    from_manifest = {row["name"]: float(row["optimal_value"]) for row in manifest if row.get("optimal_value")}
    solu = directory / "instances.solu"
    if not solu.exists():
        return from_manifest
    optima = read_solu(solu)
    for name, value in from_manifest.items():
        if name in optima and abs(optima[name] - value) > 1e-9 * max(1.0, abs(value)):
            raise SystemExit(f"{solu}: optimum of {name} is {optima[name]}, manifest.csv says {value}; fix the data set")
    return {**from_manifest, **optima}


def _reference_time(row: dict[str, str]) -> float:
    try:
        return max(float(row["highs_time_s"]), float(row["scip_time_s"]))
    except (KeyError, ValueError):
        return math.inf


def default_selection(rows: list[dict[str, str]], limit: float = 11.0, tiers: tuple[str, ...] = ("smoke", "core")) -> list[dict[str, str]]:
    """Instances of ``tiers`` whose HiGHS and SCIP reference times are both under ``limit`` seconds, quickest first."""
    chosen = [row for row in rows if row["tier"] in tiers and _reference_time(row) < limit]
    return sorted(chosen, key=lambda row: (_reference_time(row), row["name"]))


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
        check = check_solution(form, result, tolerance=FEASIBILITY_TOLERANCE)
        record.update({"max_violation": check.max_violation, "row_violation": check.row_violation,
                       "bound_violation": check.bound_violation, "integrality_violation": check.integrality_violation,
                       "checked_objective": check.objective, "worst_rows": check.worst_rows[:3]})
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


def objective_matches(record: dict[str, Any], tolerance: float) -> bool:
    """The objective ormodel recomputed at the returned point is within ``tolerance`` (relative) of the optimum."""
    value = record.get("checked_objective", record.get("objective"))
    optimum = record.get("optimum")
    if value is None or optimum is None:
        return False
    return abs(value - optimum) <= tolerance * max(1.0, abs(optimum))


def summarize(records: list[dict[str, Any]], backends: list[str], time_limit: float, tolerance: float) -> list[dict[str, Any]]:
    """One summary row per backend; ``sgm_common`` is over the instances every backend attempted."""
    rows = []
    attempted_by = [{record["instance"] for record in records if record["backend"] == backend and record["status"] not in SKIPPED}
                    for backend in backends]
    common = set.intersection(*attempted_by) if attempted_by else set()
    for backend in backends:
        own = [record for record in records if record["backend"] == backend]
        applicable = [record for record in own if record["status"] not in SKIPPED]
        solved = [record for record in applicable if record["status"] == "optimal"]
        matched = [record for record in solved if objective_matches(record, tolerance)]
        with_points = [record for record in applicable if "max_violation" in record]
        infeasible_points = [record for record in with_points if record["max_violation"] > FEASIBILITY_TOLERANCE]
        times = [min(record["seconds"], time_limit) if record["status"] == "optimal" else time_limit for record in applicable]
        rows.append({"backend": backend, "attempted": len(applicable),
                     "not_applicable": sum(record["status"] == "not_applicable" for record in own),
                     "not_run": sum(record["status"] == "not_run" for record in own),
                     "solved": len(solved), "objective_match": len(matched), "points": len(with_points),
                     "infeasible_points": len(infeasible_points),
                     "max_violation": max((record["max_violation"] for record in with_points), default=0.0),
                     "sgm_time": shifted_geometric_mean(times), "common_instances": len(common),
                     "sgm_common": shifted_geometric_mean([time_used for record, time_used in zip(applicable, times)
                                                           if record["instance"] in common])})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every (instance, backend) pair (or reload a run), print and save the tables."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        path, backend, time_limit, threads = argv[1], argv[2], float(argv[3]), int(argv[4])
        print(json.dumps(solve_one(path, backend, time_limit, threads)))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding mip/ (default ../shared/data)")
    parser.add_argument("--backends", default=",".join(DEFAULT_BACKENDS))
    parser.add_argument("--instances", default="", help="comma-separated names (default: by --tiers and --max-reference-time)")
    parser.add_argument("--tiers", default="smoke,core", help="manifest tiers to run (smoke, core, hard)")
    parser.add_argument("--max-reference-time", type=float, default=11.0,
                        help="only instances whose HiGHS and SCIP reference times in the manifest are below this (use inf for all)")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--match-tolerance", type=float, default=1e-4, help="relative objective tolerance against the known optimum")
    parser.add_argument("--budget", type=float, default=1200.0, help="stop starting new solves after this many seconds")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results" / "miplib")
    parser.add_argument("--report-only", action="store_true", help="re-render the tables and plot from OUT/records.json without solving")
    arguments = parser.parse_args(argv)
    if arguments.report_only:
        saved = json.loads((arguments.out / "records.json").read_text(encoding="utf-8"))
        settings = saved["arguments"]
        report(saved["records"], settings["backends"].split(","), float(settings["time_limit"]), int(settings["threads"]),
               float(settings["match_tolerance"]), saved["wall_seconds"], saved["load_average"], saved["cpu_affinity"], arguments.out)
        return 0

    from rich.console import Console
    from rich.progress import Progress

    directory = arguments.data / "mip"
    manifest = read_manifest(directory)
    optima = known_optima(directory, manifest)
    if arguments.instances:
        wanted = [name for name in arguments.instances.split(",") if name]
        unknown = sorted(set(wanted) - {row["name"] for row in manifest})
        if unknown:
            raise SystemExit(f"unknown instance(s) {', '.join(unknown)}; see {directory / 'manifest.csv'}")
        selection = [row for row in manifest if row["name"] in wanted]
    else:
        selection = default_selection(manifest, arguments.max_reference_time, tuple(arguments.tiers.split(",")))
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
                record.update({"instance": row["name"], "tier": row["tier"], "backend": backend, "optimum": optima.get(row["name"])})
                records.append(record)
                progress.advance(task)
    total = time.perf_counter() - started
    load_average = list(os.getloadavg())
    affinity = sorted(os.sched_getaffinity(0))
    arguments.out.mkdir(parents=True, exist_ok=True)
    with open(arguments.out / "records.json", "w", encoding="utf-8") as handle:
        json.dump({"arguments": {key: str(value) for key, value in vars(arguments).items()}, "wall_seconds": total,
                   "load_average": load_average, "cpu_affinity": affinity, "records": records}, handle, indent=2)
    report(records, backends, arguments.time_limit, arguments.threads, arguments.match_tolerance, total, load_average, affinity,
           arguments.out)
    return 0


def report(records: list[dict[str, Any]], backends: list[str], time_limit: float, threads: int, tolerance: float, wall_seconds: float,
           load_average: list[float], affinity: list[int], out: Path) -> list[dict[str, Any]]:
    """Print the per-instance and summary tables; write ``table.md``, ``summary.json`` and ``sgm_time.png`` to ``out``."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    instances = list(dict.fromkeys(record["instance"] for record in records))
    by_key = {(record["instance"], record["backend"]): record for record in records}
    detail = Table(title=f"MIPLIB per instance (time limit {time_limit:g} s, threads {threads})")
    for column in ("instance", "tier", *backends):
        detail.add_column(column, justify="left" if column in ("instance", "tier") else "right")
    per_instance: list[list[str]] = []
    for name in instances:
        cells = [name, str(by_key[(name, backends[0])].get("tier", ""))]
        cells += [_cell(by_key[(name, backend)], tolerance) for backend in backends]
        detail.add_row(*cells)
        per_instance.append(cells)
    console.print(detail)
    summary = summarize(records, backends, time_limit, tolerance)
    common = summary[0]["common_instances"] if summary else 0
    headers = ("backend", "attempted", "n/a", "not run", "solved", "objective match", "points checked", "infeasible points",
               "max violation", "SGM time (s, shift 1)", f"SGM time on the {common} common instances")
    table = Table(title=f"MIPLIB summary ({len(instances)} instances, {wall_seconds:.0f} s wall)")
    for column in headers:
        table.add_column(column, justify="right")
    summary_cells = [[row["backend"], str(row["attempted"]), str(row["not_applicable"]), str(row["not_run"]), str(row["solved"]),
                      str(row["objective_match"]), str(row["points"]), str(row["infeasible_points"]), f"{row['max_violation']:.1e}",
                      f"{row['sgm_time']:.2f}", f"{row['sgm_common']:.2f}"] for row in summary]
    for cells in summary_cells:
        table.add_row(*cells)
    console.print(table)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.json", "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2)
    with open(out / "table.md", "w", encoding="utf-8") as handle:
        handle.write(f"Time limit {time_limit:g} s, threads {threads}, {len(instances)} instances, {wall_seconds:.0f} s wall, "
                     f"CPUs available to the run: {affinity}, load average at the end {load_average[0]:.1f}. "
                     "Cell: seconds when optimal (objective recomputed by ormodel and compared with the known optimum), "
                     "TL with the incumbent's objective when the time limit stopped the solve, n/a when the backend cannot "
                     "take the model.\n\n")
        handle.write("| instance | tier | " + " | ".join(backends) + " |\n|---|---|" + "---:|" * len(backends) + "\n")
        for cells in per_instance:
            handle.write("| " + " | ".join(cells) + " |\n")
        handle.write("\n| " + " | ".join(headers) + " |\n|---|" + "---:|" * (len(headers) - 1) + "\n")
        for cells in summary_cells:
            handle.write("| " + " | ".join(cells) + " |\n")
    _plot(summary, out / "sgm_time.png", time_limit)
    console.print(f"wrote {out}/table.md, summary.json, sgm_time.png")
    return summary


def _cell(record: dict[str, Any], tolerance: float) -> str:
    status = record["status"]
    if status in ("not_applicable", "not_run", "crashed", "killed"):
        return {"not_applicable": "n/a", "not_run": "not run", "crashed": "crashed", "killed": "killed"}[status]
    infeasible = " (INFEASIBLE point)" if record.get("max_violation", 0.0) > FEASIBILITY_TOLERANCE else ""
    objective = record.get("checked_objective", record.get("objective"))
    if status == "optimal" and objective is not None:
        return f"{record['seconds']:.2f}" + ("" if objective_matches(record, tolerance) else f" (wrong obj {objective:.8g})") + infeasible
    shown = "TL" if status == "time_limit" else status
    return shown + (f" {objective:.6g}" if objective is not None else "") + infeasible


def _plot(summary: list[dict[str, Any]], path: Path, time_limit: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3.8))
    names = [row["backend"] for row in summary]
    positions = list(range(len(names)))
    width = 0.4
    axis.bar([position - width / 2 for position in positions], [row["sgm_time"] for row in summary], width, color="#4477aa",
             label="all attempted instances")
    common = summary[0]["common_instances"] if summary else 0
    axis.bar([position + width / 2 for position in positions], [row["sgm_common"] for row in summary], width, color="#ee6677",
             label=f"the {common} instances every backend takes")
    for position, row in enumerate(summary):
        axis.text(position - width / 2, row["sgm_time"], f"{row['objective_match']}/{row['attempted']}", ha="center", va="bottom",
                  fontsize=8)
    axis.set_xticks(positions, names)
    axis.set_ylabel("shifted geometric mean time (s)")
    axis.set_title(f"MIPLIB, {time_limit:g} s limit, 1 thread (labels: optimal & matched / attempted)", fontsize=9)
    axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    raise SystemExit(main())
