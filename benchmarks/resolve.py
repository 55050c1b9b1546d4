"""Re-solving fac-N after one demand change: a persistent instance against a rebuild from scratch.

fac-N is PyOptInterface's facility-location MILP (``benchmarks/facility_models.py``, no cone row)
with its assignment rows reading a demand parameter: ``sum_f z[i,j,f] == demand[i,j]`` (1 by
default; a change makes a point need 2 facilities or 1 again). Each step changes one entry
(position from ``--seed``), then

* **persistent**: ``inst.set_parameter("demand", {(i, j): value})`` and ``inst.solve()`` on one
  :class:`ormodel.Instance` loaded once (the change recompiles the 2 601 assignment rows of fac-50
  and sends the one changed right-hand side);
* **rebuild**: ``ormodel.solve(problem)`` on the changed Problem (compile, load, solve, read back).

Both paths get the same solver options (one thread, ``--time-limit`` seconds per solve). Reported per
re-solve: wall time, the solver's own time (HiGHS ``run`` / SCIP ``optimize``), the overhead beyond
it (wall − solver), and the ratio of the persistent overhead to the rebuild overhead (target ≤ 0.10).

Usage:
    python benchmarks/resolve.py --size 50 --resolves 100 --solvers highs scip --out benchmarks/results/resolve
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

def fac_with_demand(size: int) -> Any:
    """fac-N as a Problem, the assignment rows reading ``demand[i,j]``."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from facility_models import ormodel_model

    return ormodel_model(size, demand=True).problem


def changes(size: int, count: int, seed: int) -> list[tuple[int, int, float]]:
    """``count`` demand changes: a random point toggles between 1 and 2 facilities."""
    generator = np.random.default_rng(seed)
    current: dict[tuple[int, int], float] = {}
    steps = []
    for _ in range(count):
        i, j = (int(value) for value in generator.integers(0, size + 1, size=2))
        value = 1.0 if current.get((i, j), 1.0) == 2.0 else 2.0
        current[(i, j)] = value
        steps.append((i, j, value))
    return steps


def _sample(result: Any, wall: float) -> dict[str, float]:
    solver = float(result.extra.get("solver_seconds", math.nan))
    return {"wall": wall, "solver": solver, "overhead": wall - solver, "status": result.status.value}


def run_persistent(problem: Any, solver: str, steps: list[tuple[int, int, float]], time_limit: float, progress: Any, task: Any) -> dict[str, Any]:
    from ormodel.persistent import Instance

    started = time.perf_counter()
    inst = Instance(problem, solver=solver, time_limit=time_limit, threads=1, seed=0)
    load = time.perf_counter() - started
    samples = []
    for i, j, value in steps:
        started = time.perf_counter()
        inst.set_parameter("demand", {(i, j): value})
        result = inst.solve()
        samples.append(_sample(result, time.perf_counter() - started))
        progress.advance(task)
    return {"load": load, "samples": samples, "rebuilds": inst.rebuilds}


def run_rebuild(problem: Any, solver: str, steps: list[tuple[int, int, float]], time_limit: float, progress: Any, task: Any) -> dict[str, Any]:
    import ormodel as om

    table = problem.parameters["demand"].values
    samples = []
    for i, j, value in steps:
        started = time.perf_counter()
        table[i, j] = value  # the grid set is range(N + 1): member k sits at position k
        result = om.solve(problem, solver=solver, time_limit=time_limit, threads=1, seed=0)
        samples.append(_sample(result, time.perf_counter() - started))
        progress.advance(task)
    table[...] = 1.0
    return {"samples": samples}


def summary(samples: list[dict[str, Any]]) -> dict[str, float]:
    """Means of wall, solver and overhead seconds (and the median overhead)."""
    return {
        "count": len(samples),
        "wall": statistics.fmean(sample["wall"] for sample in samples),
        "solver": statistics.fmean(sample["solver"] for sample in samples),
        "overhead": statistics.fmean(sample["overhead"] for sample in samples),
        "overhead_median": statistics.median(sample["overhead"] for sample in samples),
    }


def table(results: dict[str, Any]) -> str:
    lines = ["| solver | path | re-solves | s per re-solve | solver's own s | overhead s (mean / median) | overhead / rebuild's |",
             "|---|---|---|---|---|---|---|"]
    for solver, paths in results.items():
        rebuild = summary(paths["rebuild"]["samples"])
        for path in ("persistent", "rebuild"):
            stats = summary(paths[path]["samples"])
            ratio = stats["overhead"] / rebuild["overhead"]
            lines.append(f"| {solver} | {path} | {stats['count']} | {stats['wall']:.3f} | {stats['solver']:.3f} | "
                         f"{stats['overhead']:.4f} / {stats['overhead_median']:.4f} | {ratio:.3f} |")
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, solver_times, overheads = [], [], []
    for solver, paths in results.items():
        for name in ("persistent", "rebuild"):
            stats = summary(paths[name]["samples"])
            labels.append(f"{solver}\n{name}")
            solver_times.append(stats["solver"])
            overheads.append(stats["overhead"])
    figure, axis = plt.subplots(figsize=(7, 4))
    positions = np.arange(len(labels))
    axis.bar(positions, solver_times, label="solver's own time")
    axis.bar(positions, overheads, bottom=solver_times, label="overhead (update/compile, load, read back)")
    axis.set_xticks(positions, labels)
    axis.set_ylabel("seconds per re-solve (mean)")
    axis.set_title("fac-N re-solve after one demand change")
    axis.set_ylim(0, 1.3 * max(solver + overhead for solver, overhead in zip(solver_times, overheads)))
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--resolves", type=int, default=100, help="re-solves per path")
    parser.add_argument("--persistent-resolves", type=int, nargs="*", default=None,
                        help="re-solves of the persistent path per solver (default: --resolves), e.g. 100 10")
    parser.add_argument("--rebuild-resolves", type=int, nargs="*", default=None,
                        help="re-solves of the rebuild path per solver (default: --resolves), e.g. 100 5")
    parser.add_argument("--solvers", nargs="+", default=["highs", "scip"])
    parser.add_argument("--time-limit", type=float, default=1.0, help="seconds per solve, both paths")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/resolve"))
    args = parser.parse_args()
    from rich.progress import Progress

    args.out.mkdir(parents=True, exist_ok=True)
    steps = changes(args.size, args.resolves, args.seed)
    rebuild_counts = args.rebuild_resolves or [args.resolves] * len(args.solvers)
    persistent_counts = args.persistent_resolves or [args.resolves] * len(args.solvers)
    results: dict[str, Any] = {}
    problem = fac_with_demand(args.size)
    with Progress() as progress:
        for solver, resolves, rebuilds in zip(args.solvers, persistent_counts, rebuild_counts):
            task = progress.add_task(f"{solver} persistent", total=resolves)
            persistent = run_persistent(problem, solver, steps[:resolves], args.time_limit, progress, task)
            task = progress.add_task(f"{solver} rebuild", total=rebuilds)
            rebuild = run_rebuild(problem, solver, steps[:rebuilds], args.time_limit, progress, task)
            results[solver] = {"persistent": persistent, "rebuild": rebuild}
    payload = {"size": args.size, "resolves": args.resolves, "time_limit": args.time_limit, "seed": args.seed, "results": results}
    (args.out / "resolve.json").write_text(json.dumps(payload, indent=1))
    plot(results, args.out / "resolve.png")
    print(table(results))
    for solver, paths in results.items():
        print(f"{solver}: persistent load {paths['persistent']['load']:.2f} s, rebuilds inside the instance: {paths['persistent']['rebuilds']}")


if __name__ == "__main__":
    main()
