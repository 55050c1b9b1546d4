"""Re-solving fac-N after one demand change: a persistent instance against a rebuild from scratch.

fac-N is PyOptInterface's facility-location MILP (``benchmarks/facility_models.py``, no cone row)
with its assignment rows reading a demand parameter: ``sum_f z[i,j,f] == demand[i,j]`` (1 by
default; a change makes a point need 2 facilities or 1 again). Each step changes one entry
(position from ``--seed``), then

* **persistent**: ``inst.set_parameter("demand", {(i, j): value})`` and ``inst.solve()`` on one
  :class:`ormodel.Instance` loaded once (the change recompiles the 2 601 assignment rows of fac-50
  and sends the one changed right-hand side);
* **rebuild**: ``ormodel.solve(problem)`` on the changed Problem (compile, load, solve, read back).

Both paths get the same solver options (one thread, ``--time-limit`` seconds per solve). The two
paths run interleaved in one process (persistent and rebuild steps alternate, spread evenly when
their counts differ), each on its own copy of the model, so that a change of machine load hits
both. Every re-solve of either path ends with ``gc.collect()`` inside its timed window: a path pays
for freeing what it left behind (a rebuild leaves PySCIPOpt's variable wrappers, which sit in
reference cycles), and no path pays for the other's garbage. The persistent instance is loaded
before the loop and frozen out of the collector (``gc.freeze()``), as a rebuild loop would not have it.

Reported per re-solve: wall time, the solver's own time (HiGHS ``run`` / SCIP ``optimize`` wall
time, the same definition on both paths), the overhead beyond it (wall - solver), of which
``gc.collect()``, and the ratio of the persistent overhead to the rebuild overhead (target <= 0.10).

Usage:
    python benchmarks/resolve.py --size 50 --solvers highs --persistent-resolves 100 --rebuild-resolves 100 \
        --out benchmarks/results/resolve
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
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


def _timed(step: Any) -> dict[str, float]:
    """Run one re-solve (``step()`` returns its Result) and the collection of its garbage, both timed."""
    started = time.perf_counter()
    result = step()
    collecting = time.perf_counter()
    gc.collect()
    finished = time.perf_counter()
    wall = finished - started
    solver = float(result.extra.get("solver_seconds", math.nan))
    return {"wall": wall, "solver": solver, "overhead": wall - solver, "gc": finished - collecting, "status": result.status.value,
            "objective": float(result.objective) if result.objective is not None else math.nan,
            "timings": {key: float(value) for key, value in result.timings.items()}}


class Persistent:
    """The persistent path: one :class:`ormodel.Instance` loaded once, changed and re-solved."""

    def __init__(self, problem: Any, solver: str, time_limit: float) -> None:
        from ormodel.persistent import Instance

        started = time.perf_counter()
        self.instance = Instance(problem, solver=solver, time_limit=time_limit, threads=1, seed=0)
        self.load = time.perf_counter() - started

    def step(self, i: int, j: int, value: float) -> dict[str, float]:
        def resolve() -> Any:
            self.instance.set_parameter("demand", {(i, j): value})
            return self.instance.solve()

        return _timed(resolve)


class Rebuild:
    """The rebuild path: change the Problem's data, then ``ormodel.solve`` it from scratch."""

    def __init__(self, problem: Any, solver: str, time_limit: float) -> None:
        self.problem, self.solver, self.time_limit = problem, solver, time_limit
        self.table = problem.parameters["demand"].values

    def step(self, i: int, j: int, value: float) -> dict[str, float]:
        import ormodel as om

        def resolve() -> Any:
            self.table[i, j] = value  # the grid set is range(N + 1): member k sits at position k
            return om.solve(self.problem, solver=self.solver, time_limit=self.time_limit, threads=1, seed=0)

        return _timed(resolve)


def schedule(persistent: int, rebuild: int) -> list[tuple[str, int]]:
    """The order of the two paths' steps: alternating, the fewer spread evenly among the more."""
    order = [("persistent", k, (k + 0.5) / persistent) for k in range(persistent)]
    order += [("rebuild", k, (k + 0.5) / rebuild) for k in range(rebuild)]
    return [(path, k) for path, k, _ in sorted(order, key=lambda item: (item[2], item[0] != "persistent"))]


def run_solver(size: int, solver: str, steps: list[tuple[int, int, float]], persistent_count: int, rebuild_count: int,
               time_limit: float, progress: Any) -> dict[str, Any]:
    """Both paths on one solver, interleaved; every sample of each."""
    persistent = Persistent(fac_with_demand(size), solver, time_limit)
    rebuild = Rebuild(fac_with_demand(size), solver, time_limit)  # its own Problem: the instance never sees its data change
    gc.collect()
    gc.freeze()
    samples: dict[str, list[dict[str, float]]] = {"persistent": [], "rebuild": []}
    task = progress.add_task(f"{solver}: {persistent_count} persistent + {rebuild_count} rebuild re-solves", total=persistent_count + rebuild_count)
    try:
        for path, k in schedule(persistent_count, rebuild_count):
            i, j, value = steps[k]
            samples[path].append((persistent if path == "persistent" else rebuild).step(i, j, value))
            progress.advance(task)
    finally:
        gc.unfreeze()
    return {"persistent": {"load": persistent.load, "samples": samples["persistent"], "rebuilds": persistent.instance.rebuilds},
            "rebuild": {"samples": samples["rebuild"]}}


def summary(samples: list[dict[str, Any]]) -> dict[str, float]:
    """Means of wall, solver and overhead seconds (and the median overhead)."""
    return {
        "count": len(samples),
        "wall": statistics.fmean(sample["wall"] for sample in samples),
        "solver": statistics.fmean(sample["solver"] for sample in samples),
        "overhead": statistics.fmean(sample["overhead"] for sample in samples),
        "overhead_median": statistics.median(sample["overhead"] for sample in samples),
        "gc": statistics.fmean(sample.get("gc", 0.0) for sample in samples),
    }


def table(results: dict[str, Any]) -> str:
    lines = ["| solver | path | re-solves | s per re-solve | solver's own s | overhead s (mean / median) | of which gc s | overhead / rebuild's |",
             "|---|---|---|---|---|---|---|---|"]
    for solver, paths in results.items():
        rebuild = summary(paths["rebuild"]["samples"])
        for path in ("persistent", "rebuild"):
            stats = summary(paths[path]["samples"])
            ratio = stats["overhead"] / rebuild["overhead"]
            lines.append(f"| {solver} | {path} | {stats['count']} | {stats['wall']:.3f} | {stats['solver']:.3f} | "
                         f"{stats['overhead']:.4f} / {stats['overhead_median']:.4f} | {stats['gc']:.4f} | {ratio:.3f} |")
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
    parser.add_argument("--resolves", type=int, default=100, help="re-solves per path (when the two options below are not given)")
    parser.add_argument("--persistent-resolves", type=int, nargs="*", default=None,
                        help="re-solves of the persistent path per solver (default: --resolves), e.g. 100 40")
    parser.add_argument("--rebuild-resolves", type=int, nargs="*", default=None,
                        help="re-solves of the rebuild path per solver (default: --resolves), e.g. 100 15")
    parser.add_argument("--solvers", nargs="+", default=["highs", "scip"])
    parser.add_argument("--time-limit", type=float, default=1.0, help="seconds per solve, both paths")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/resolve"))
    args = parser.parse_args()
    from rich.progress import Progress

    args.out.mkdir(parents=True, exist_ok=True)
    rebuild_counts = args.rebuild_resolves or [args.resolves] * len(args.solvers)
    persistent_counts = args.persistent_resolves or [args.resolves] * len(args.solvers)
    if len(rebuild_counts) != len(args.solvers) or len(persistent_counts) != len(args.solvers):
        parser.error("give one --persistent-resolves and one --rebuild-resolves count per solver")
    steps = changes(args.size, max(persistent_counts + rebuild_counts), args.seed)
    results: dict[str, Any] = {}
    load = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    with Progress() as progress:
        for solver, persistent_count, rebuild_count in zip(args.solvers, persistent_counts, rebuild_counts):
            results[solver] = run_solver(args.size, solver, steps, persistent_count, rebuild_count, args.time_limit, progress)
    payload = {"size": args.size, "time_limit": args.time_limit, "seed": args.seed, "started": started,
               "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "load_average_at_start": load, "results": results}
    stem = "resolve-" + "-".join(args.solvers)
    (args.out / f"{stem}.json").write_text(json.dumps(payload, indent=1))
    plot(results, args.out / f"{stem}.png")
    print(table(results))
    for solver, paths in results.items():
        print(f"{solver}: persistent load {paths['persistent']['load']:.2f} s, loads inside the instance: {paths['persistent']['rebuilds']}")


if __name__ == "__main__":
    main()
