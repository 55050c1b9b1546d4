"""Wall-clock time limits: does ``ormodel.solve(..., time_limit=T)`` return within ``T × 1.05 + 1 s``?

fac-N facility location (``benchmarks/facility_models.py``, the assignment rows reading a demand
parameter as in ``benchmarks/resolve.py``; fac-30 = 231 k, fac-50 = 1.04 M, fac-70 = 2.8 M
non-zeros), one thread, each solve timed from the call of ``ormodel.solve`` to its return (compile
included). Two modes per solver:

* **in-process**: ``extra={"wall_clock_guard": False}``, the backend as it ran before the guard;
* **guarded**: the default, which for these sizes runs the solver in ormodel's killable worker
  (:mod:`ormodel.solvers.guard`); the worker is warmed up once before the loop (a session's first
  guarded solve pays for the interpreter start, see ``--overhead``).

``--overhead`` measures what the worker costs and where HiGHS starts to overrun, for the
threshold in :data:`ormodel.solvers.guard.MIN_NONZEROS`: per size, the wall time of a solve with
HiGHS's own ``time_limit`` option 0 (``extra``; it stops right after loading) in process and through a warm worker (median of
``--repeats``), through a cold worker (one run, the pool emptied first), the worker's own time of
the warm runs, and the in-process wall time at ``time_limit=1``.

Usage:
    python benchmarks/time_limits.py --sizes 30 50 70 --limits 1 2 5 10 --solvers highs scip --scip-sizes 30 50 \
        --out benchmarks/results/time_limits
    python benchmarks/time_limits.py --overhead --sizes 5 10 20 30 50 --out benchmarks/results/time_limits
    python benchmarks/time_limits.py --instances --sizes 30 50 70 --limits 1 3 --resolves 2 --seed 0 \
        --out benchmarks/results/time_limits

``--instances``: persistent HiGHS instances (:class:`ormodel.persistent.Instance`), per size and T
one instance in process (``extra={"wall_clock_guard": False}``, as before the instance guard) and
one with the default (:mod:`ormodel.solvers.guarded_instance`), each solved once and re-solved after
each of ``--resolves`` demand changes; each step's model is also solved one-shot with the
default guard (``ormodel.solve``, compile included). Each solve is timed from the call to its return.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from resolve import fac_with_demand


def _solve(problem: Any, solver: str, limit: float, guard: bool | None, **extra: Any) -> dict[str, Any]:
    import ormodel as om

    if guard is not None:
        extra["wall_clock_guard"] = guard
    started = time.monotonic()
    result = om.solve(problem, solver=solver, time_limit=limit, threads=1, extra=extra)
    wall = time.monotonic() - started
    facts = result.extra.get("wall_clock_guard", {})
    return {"wall": wall, "status": result.status.value, "objective": None if math.isnan(result.objective) else result.objective,
            "bound": None if not math.isfinite(result.bound) else result.bound, "killed": bool(facts.get("killed")),
            "worker": bool(facts.get("worker")), "worker_seconds": facts.get("worker_seconds"), "message": result.message[:200]}


def run_limits(sizes: list[int], limits: list[float], solvers: list[str], scip_sizes: list[int]) -> list[dict[str, Any]]:
    """Every (size, solver, T, mode) once; rows with the wall time and the tolerance."""
    from ormodel.solvers.guard import warm_up
    from rich.progress import Progress

    from ormodel.compiler import compile_problem

    warm_up()
    tasks = [(size, solver, limit, mode) for size in sizes for solver in solvers if solver == "highs" or size in scip_sizes
             for limit in limits for mode in ("in-process", "guarded")]
    rows: list[dict[str, Any]] = []
    problems: dict[int, Any] = {}
    with Progress() as progress:
        bar = progress.add_task("time limits", total=len(tasks))
        for size, solver, limit, mode in tasks:
            if size not in problems:
                problems.clear()
                problems[size] = fac_with_demand(size)
            progress.update(bar, description=f"fac-{size} {solver} T={limit:g} {mode}")
            row = _solve(problems[size], solver, limit, False if mode == "in-process" else None)
            row.update(size=size, nonzeros=int(compile_problem(problems[size]).matrix.nnz), solver=solver, mode=mode, limit=limit,
                       tolerance=limit * 1.05 + 1.0)
            row["within"] = row["wall"] <= row["tolerance"]
            rows.append(row)
            progress.advance(bar)
    return rows


def run_overhead(sizes: list[int], repeats: int) -> list[dict[str, Any]]:
    """Worker cost and in-process overrun per size (HiGHS)."""
    from ormodel.solvers import guard
    from rich.progress import Progress

    from ormodel.compiler import compile_problem

    rows = []
    with Progress() as progress:
        bar = progress.add_task("overhead", total=len(sizes))
        for size in sizes:
            problem = fac_with_demand(size)
            form = compile_problem(problem)
            # HiGHS's own time_limit=0 stops it right after loading; ormodel's 60 s keeps the guard out of the way.
            in_process = [_solve(form, "highs", 60.0, False, time_limit=0)["wall"] for _ in range(repeats)]
            guard._POOL.close()
            cold = _solve(form, "highs", 60.0, True, time_limit=0)
            warm_runs = [_solve(form, "highs", 60.0, True, time_limit=0) for _ in range(repeats)]
            limited = _solve(form, "highs", 1.0, False)
            rows.append({
                "size": size, "nonzeros": int(form.matrix.nnz), "in_process_t0": statistics.median(in_process),
                "warm_t0": statistics.median(run["wall"] for run in warm_runs),
                "warm_worker_seconds": statistics.median(run["worker_seconds"] or math.nan for run in warm_runs),
                "cold_t0": cold["wall"], "in_process_t1": limited["wall"], "in_process_t1_status": limited["status"],
            })
            progress.advance(bar)
    return rows


def _instance_solve(instance: Any, limit: float) -> dict[str, Any]:
    started = time.monotonic()
    result = instance.solve()
    wall = time.monotonic() - started
    facts = result.extra.get("wall_clock_guard", {})
    return {"wall": wall, "within": wall <= limit * 1.05 + 1.0, "status": result.status.value,
            "objective": None if math.isnan(result.objective) else result.objective, "killed": bool(facts.get("killed")),
            "worker": bool(facts.get("worker")), "loaded": bool(facts.get("loaded")), "worker_seconds": facts.get("worker_seconds")}


def run_instances(sizes: list[int], limits: list[float], resolves: int, seed: int) -> list[dict[str, Any]]:
    """Per size and T: one persistent HiGHS instance in process (the guard forced off: before) and one with the default
    guard (after), each solved once and then re-solved after each of ``resolves`` demand changes (``resolve.changes``),
    and the same changed model solved one-shot with the default guard (``ormodel.solve``, compile included).

    "load" is the making of the instance (compile and load in process; the guarded one's load into the worker
    goes on in the background and its first solve waits for what is left of it)."""
    from resolve import changes
    from rich.progress import Progress

    from ormodel.persistent import Instance
    from ormodel.solvers.guard import warm_up

    warm_up()
    rows = []
    with Progress() as progress:
        bar = progress.add_task("instances", total=len(sizes) * len(limits) * (resolves + 1))
        for size in sizes:
            steps = [None, *changes(size, resolves, seed)]
            for limit in limits:
                instances = {}
                for mode, switch in (("in-process", False), ("guarded", "auto")):
                    started = time.monotonic()
                    instances[mode] = Instance(fac_with_demand(size), solver="highs", time_limit=limit, threads=1, seed=0,
                                               extra={"wall_clock_guard": switch})
                    rows.append({"size": size, "limit": limit, "mode": mode, "step": "load", "wall": time.monotonic() - started})
                for number, step in enumerate(steps):
                    # The guarded instance first: its first solve waits for the load it started in the background when made,
                    # and the in-process solves then run with the worker idle (one core).
                    for mode in ("guarded", "in-process"):
                        instance = instances[mode]
                        if step is not None:
                            instance.set_parameter("demand", {(step[0], step[1]): step[2]})
                        rows.append({"size": size, "limit": limit, "mode": mode, "step": number, **_instance_solve(instance, limit)})
                    one_shot = _solve(instances["guarded"].problem, "highs", limit, None)
                    rows.append({"size": size, "limit": limit, "mode": "one-shot", "step": number, "within": one_shot["wall"] <= limit * 1.05 + 1.0,
                                 **one_shot})
                    progress.advance(bar)
                del instances
    return rows


def instances_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: per size and T, the first solve and the re-solves of each mode against the tolerance."""
    header = ("| model | T (s) | limit T×1.05+1 | mode | load (s) | first solve (s) | re-solves | re-solve wall median (s) | max (s) | "
              "over the limit (all solves) | killed | reloaded into the worker | statuses | objectives |")
    lines = [header,
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for size in sorted({row["size"] for row in rows}):
        for limit in sorted({row["limit"] for row in rows if row["size"] == size}):
            for mode in ("in-process", "guarded", "one-shot"):
                chosen = [row for row in rows if (row["size"], row["limit"], row["mode"]) == (size, limit, mode)]
                load = [row["wall"] for row in chosen if row["step"] == "load"]
                solves = [row for row in chosen if row["step"] != "load"]
                first = [row for row in solves if row["step"] == 0]
                again = [row for row in solves if row["step"] != 0]
                if not solves:
                    continue
                walls = [row["wall"] for row in again]
                objectives = ", ".join("—" if row["objective"] is None else f"{row['objective']:.4g}" for row in solves)
                reloaded = sum(row.get("loaded", False) for row in again) if mode == "guarded" else "—"
                lines.append(f"| fac-{size} | {limit:g} | {limit * 1.05 + 1:.2f} | {mode} | {load[0]:.2f} | " if load else
                             f"| fac-{size} | {limit:g} | {limit * 1.05 + 1:.2f} | {mode} | — | ")
                lines[-1] += (f"{first[0]['wall']:.2f} | {len(again)} | {statistics.median(walls):.2f} | {max(walls):.2f} | "
                              f"{sum(not row['within'] for row in solves)}/{len(solves)} | {sum(row['killed'] for row in solves)} | {reloaded} | "
                              f"{', '.join(sorted({row['status'] for row in solves}))} | {objectives} |")
    return "\n".join(lines)


def limits_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per size, solver and T, in-process and guarded side by side."""
    lines = ["| model | nnz | solver | T (s) | limit T×1.05+1 | in-process wall | status | guarded wall | status | killed | objective (guarded) |",
             "|---|---:|---|---:|---:|---:|---|---:|---|---|---:|"]
    keyed = {(row["size"], row["solver"], row["limit"], row["mode"]): row for row in rows}
    for (size, solver, limit, mode), row in keyed.items():
        if mode != "in-process":
            continue
        guarded = keyed.get((size, solver, limit, "guarded"))
        if guarded is None:
            continue
        mark = lambda entry: f"{entry['wall']:.2f}" + ("" if entry["within"] else " ✗")
        objective = "—" if guarded["objective"] is None else f"{guarded['objective']:.6g}"
        lines.append(f"| fac-{size} | {row['nonzeros']:,} | {solver} | {limit:g} | {row['tolerance']:.2f} | {mark(row)} | {row['status']} | "
                     f"{mark(guarded)} | {guarded['status']} | {'yes' if guarded['killed'] else 'no'} | {objective} |")
    return "\n".join(lines)


def overhead_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: the worker's cost and the in-process overrun per size."""
    lines = ["| model | nnz | in-process T=0 (s) | warm worker T=0 (s) | of which worker's own (s) | cold worker T=0 (s) | in-process T=1 wall (s) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| fac-{row['size']} | {row['nonzeros']:,} | {row['in_process_t0']:.3f} | {row['warm_t0']:.3f} | "
                     f"{row['warm_worker_seconds']:.3f} | {row['cold_t0']:.3f} | {row['in_process_t1']:.2f} ({row['in_process_t1_status']}) |")
    return "\n".join(lines)


def _panels(count: int, width: float, height: float) -> tuple[Any, Any]:
    """A matplotlib figure (Agg) with ``count`` panels side by side, and the panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, count, figsize=(width * count, height), squeeze=False)
    return figure, axes[0]


def _finish(axis: Any, title: str, xlabel: str) -> None:
    axis.set_title(title)
    axis.set_xlabel(xlabel)
    axis.set_ylabel("wall time (s)")
    axis.legend(fontsize=7)


def plot_instances(rows: list[dict[str, Any]], path: Path) -> None:
    """Wall time of each solve (first and re-solves) per size and T, per mode, with the tolerance line."""
    groups = sorted({(row["size"], row["limit"]) for row in rows})
    figure, axes = _panels(len(groups), 3.2, 3.4)
    for axis, (size, limit) in zip(axes, groups):
        for mode, style in (("in-process", "o-"), ("guarded", "s-"), ("one-shot", "^:")):
            points = [(row["step"], row["wall"]) for row in rows if (row["size"], row["limit"], row["mode"]) == (size, limit, mode) and row["step"] != "load"]
            axis.plot([p[0] for p in points], [p[1] for p in points], style, label=mode)
        axis.axhline(limit * 1.05 + 1, color="k", linestyle="--", label="T×1.05+1")
        _finish(axis, f"fac-{size}, T={limit:g}", "solve (0 = first)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Wall time against T per model and solver, in-process and guarded, with the tolerance line."""
    groups = sorted({(row["size"], row["solver"]) for row in rows})
    figure, axes = _panels(len(groups), 4, 3.6)
    for axis, (size, solver) in zip(axes, groups):
        for mode, style in (("in-process", "o-"), ("guarded", "s-")):
            points = sorted((row["limit"], row["wall"]) for row in rows if (row["size"], row["solver"], row["mode"]) == (size, solver, mode))
            axis.plot([p[0] for p in points], [p[1] for p in points], style, label=mode)
        limits = sorted({row["limit"] for row in rows})
        axis.plot(limits, [limit * 1.05 + 1 for limit in limits], "k--", label="T×1.05+1")
        _finish(axis, f"fac-{size}, {solver}", "time limit T (s)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 50, 70])
    parser.add_argument("--limits", type=float, nargs="+", default=[1, 2, 5, 10])
    parser.add_argument("--solvers", nargs="+", default=["highs", "scip"])
    parser.add_argument("--scip-sizes", type=int, nargs="+", default=[30, 50], help="sizes also run on SCIP (its build is slow)")
    parser.add_argument("--overhead", action="store_true", help="measure the worker's cost and the in-process overrun instead")
    parser.add_argument("--instances", action="store_true", help="persistent HiGHS instances: in process vs guarded vs one-shot, instead")
    parser.add_argument("--resolves", type=int, default=3, help="re-solves per size and T with --instances")
    parser.add_argument("--seed", type=int, default=0, help="seed of the demand changes with --instances")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/time_limits"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    import os

    print(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}", flush=True)
    if args.instances:
        rows = run_instances(args.sizes, args.limits, args.resolves, args.seed)
        (args.out / "instances.json").write_text(json.dumps(rows, indent=1))
        table = instances_table(rows)
        (args.out / "instances.md").write_text(table + "\n")
        plot_instances(rows, args.out / "instances.png")
    elif args.overhead:
        rows = run_overhead(args.sizes, args.repeats)
        (args.out / "overhead.json").write_text(json.dumps(rows, indent=1))
        table = overhead_table(rows)
        (args.out / "overhead.md").write_text(table + "\n")
    else:
        rows = run_limits(args.sizes, args.limits, args.solvers, args.scip_sizes)
        (args.out / "limits.json").write_text(json.dumps(rows, indent=1))
        table = limits_table(rows)
        (args.out / "limits.md").write_text(table + "\n")
        plot(rows, args.out / "walls.png")
    print(table)


if __name__ == "__main__":
    main()
