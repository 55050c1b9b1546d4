"""GNN branching benchmark: SCIP default (reliability pseudocost) against SCIP + GCN policy.

Generated test instances (``ormodel.datasets.milp.generate(family, level, seed)``, seeds
``0..instances-1``; training used seeds >= 100000, validation >= 200000) of set cover,
combinatorial auction, capacitated facility location and independent set at the anchor's easy
and medium sizes (Gasse et al. 2019). Methods, all on the same SCIP model built by
``ormodel.solvers.scip.ScipBackend`` with the evaluation protocol of the anchor (cuts at the root
only, no restarts), one thread, one run at a time:

* ``scip``: SCIP's default branching (``relpscost``);
* ``gnn``: the per-family policy (``learned/branching/weights/<family>.pt``);
* ``gnn-mixed``: the policy trained on the mix of the four families (``weights/mixed.pt``).

Metrics per family and level (Gasse et al.'s Table 2): solved count; 1-shifted geometric mean of
the solve time with unsolved runs at the time limit (in either table); mean nodes over instances every method solved;
wins = runs that solved fastest on their instance. Times are measured both as wall clock and as
process CPU time; ``--clock cpu`` (default) makes SCIP's limit a CPU-time limit too, which keeps
results meaningful on a shared machine where wall clock depends on other jobs.

Usage (the reduced run recorded in benchmarks/RESULTS.md, inside ``cpu_slot``: one core)::

    .venv/bin/python benchmarks/branching.py --levels medium --instances 3 --time-limit 90 \
        --methods scip gnn --torch-threads 1 --out OUT
    # easy size with the mixed policy as well:
    .venv/bin/python benchmarks/branching.py --levels easy --instances 2 --time-limit 25 \
        --methods scip gnn gnn-mixed --torch-threads 1 --out OUT

The issue's full scale is ``--instances 20 --time-limit 3600`` (add ``--scip-seeds 5`` for the
anchor's 100 solves per family and level); ``--level-time-limits easy=600 medium=3600`` sets
limits per level in one invocation.

Rows are appended to ``<out>/results.jsonl`` as runs finish (rerunning resumes); ``--report-only``
rebuilds the table (``<out>/table.md``) and plot (``<out>/branching_time.png``) from it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, import this checkout's ormodel (not an installed copy): the timings are of this code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FAMILIES = ("setcover", "cauctions", "facility", "indset")
METHODS = ("scip", "gnn", "gnn-mixed")
PROTOCOL = {"separating/maxrounds": 0, "presolving/maxrestarts": 0}


def _run_key(row: dict[str, Any]) -> tuple[str, str, int, int, str]:
    return (row["family"], row["level"], int(row["instance_seed"]), int(row["scip_seed"]), row["method"])


def run_one(family: str, level: str, instance_seed: int, scip_seed: int, method: str, time_limit: float,
            clock: str, weights: Path, device: str) -> dict[str, Any]:
    """Solve one instance with one method; returns the result row."""
    from ormodel.datasets.milp import generate
    from ormodel.solvers.base import SolveOptions
    from ormodel.solvers.scip import ScipBackend

    from ormodel.methods import run_method

    form = generate(family, level, instance_seed)
    extra: dict[str, Any] = {"timing/clocktype": 1 if clock == "cpu" else 2, "parallel/maxnthreads": 1, "lp/threads": 1}
    options = SolveOptions(time_limit=time_limit, seed=scip_seed, extra=dict(extra))
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    if method == "scip":
        # In process, as the GNN rule (a callback) must be: the wall-clock guard's worker would hide SCIP's CPU time
        # from this process's clock and add the form's transfer to one method only.
        in_process = {**extra, **PROTOCOL, "wall_clock_guard": False}
        result = ScipBackend().solve(form, SolveOptions(time_limit=time_limit, seed=scip_seed, extra=in_process))
    else:
        policy = weights / f"{'mixed' if method == 'gnn-mixed' else family}.pt"
        result = run_method("gnn-branching", form, options, {"model": str(policy), "protocol": True, "device": device})
    wall, cpu = time.perf_counter() - wall_started, time.process_time() - cpu_started
    solved = result.status.value == "optimal"
    return {
        "family": family, "level": level, "instance": form.name, "instance_seed": instance_seed, "scip_seed": scip_seed,
        "method": method, "status": result.status.value, "solved": solved, "objective": result.objective,
        "bound": result.bound, "nodes": result.nodes, "wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
        "time_limit": time_limit, "clock": clock,
        **{key: value for key, value in result.extra.items() if key in ("branching_calls", "extraction_seconds",
                                                                         "inference_seconds", "device")},
    }


def _load_rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _solved_in_time(row: dict[str, Any], time_field: str) -> bool:
    """Solved within the time limit as this table measures time.

    SCIP's CPU clock counts user time only; a run that spent system time (e.g. page faults in the
    policy's inference) can end "optimal" past the limit by process CPU time. Such a run counts
    as unsolved at the limit, the same cap every method gets.
    """
    return bool(row["solved"]) and row[time_field] <= row["time_limit"]


def _gap(row: dict[str, Any]) -> float:
    """Relative primal-dual gap at the end of a run (0 when solved, 1 without an incumbent)."""
    if row["solved"]:
        return 0.0
    objective, bound = row.get("objective"), row.get("bound")
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return 1.0
    return min(1.0, abs(objective - bound) / max(abs(objective), abs(bound), 1e-9))


def summarize(rows: list[dict[str, Any]], time_field: str) -> list[dict[str, Any]]:
    """One summary row per (family, level, method): solved, shifted geomean time, nodes, wins."""
    from ormodel.bench.metrics import shifted_geometric_mean

    summaries = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["family"], row["level"]), []).append(row)
    for (family, level), group in sorted(groups.items(), key=lambda item: (FAMILIES.index(item[0][0]) if item[0][0] in FAMILIES else 99, item[0][1])):
        methods = [method for method in METHODS if any(row["method"] == method for row in group)]
        by_run: dict[tuple[int, int], dict[str, dict[str, Any]]] = {}
        for row in group:
            by_run.setdefault((row["instance_seed"], row["scip_seed"]), {})[row["method"]] = row
        complete = {run: entries for run, entries in by_run.items() if all(method in entries for method in methods)}
        all_solved = [run for run, entries in complete.items()
                      if all(_solved_in_time(entries[m], time_field) for m in methods)]
        wins = {method: 0 for method in methods}
        for entries in complete.values():
            solved = [(entries[m][time_field], m) for m in methods if _solved_in_time(entries[m], time_field)]
            if solved:
                wins[min(solved)[1]] += 1
        for method in methods:
            runs = [entries[method] for entries in complete.values()]
            times = [row[time_field] if _solved_in_time(row, time_field) else row["time_limit"] for row in runs]
            nodes = [complete[run][method]["nodes"] for run in all_solved]
            gaps = [_gap(row) for row in runs]
            summaries.append({
                "family": family, "level": level, "method": method, "runs": len(runs),
                "solved": sum(_solved_in_time(row, time_field) for row in runs),
                "time": shifted_geometric_mean(times, shift=1.0) if times else math.nan,
                "nodes": sum(nodes) / len(nodes) if nodes else math.nan,
                "nodes_on": len(all_solved), "wins": wins[method],
                "gap": sum(gaps) / len(gaps) if gaps else math.nan,
            })
    return summaries


def markdown_table(summaries: list[dict[str, Any]], time_field: str) -> str:
    """The summary as a Markdown table, with each GNN's time ratio to SCIP default."""
    reference = {(row["family"], row["level"]): row["time"] for row in summaries if row["method"] == "scip"}
    label = "CPU" if time_field == "cpu_seconds" else "wall"
    lines = [(f"| family | level | method | solved | time ({label}, 1-sgm, s) | ratio to scip | nodes (all solved) | wins "
              "| mean gap at end |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for row in summaries:
        base = reference.get((row["family"], row["level"]))
        ratio = row["time"] / base if base and not math.isnan(row["time"]) else math.nan
        nodes = "-" if math.isnan(row["nodes"]) else f"{row['nodes']:.0f} (n={row['nodes_on']})"
        lines.append(f"| {row['family']} | {row['level']} | {row['method']} | {row['solved']}/{row['runs']} | "
                     f"{row['time']:.2f} | {ratio:.2f} | {nodes} | {row['wins']}/{row['runs']} | {100 * row['gap']:.2f} % |")
    return "\n".join(lines)


def plot(summaries: list[dict[str, Any]], path: Path, time_field: str) -> None:
    """Bar chart of shifted geometric mean time per family/level and method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted({(row["family"], row["level"]) for row in summaries},
                    key=lambda key: (FAMILIES.index(key[0]) if key[0] in FAMILIES else 99, key[1]))
    methods = [method for method in METHODS if any(row["method"] == method for row in summaries)]
    figure, axis = plt.subplots(figsize=(max(6, 1.4 * len(groups)), 4))
    width = 0.8 / max(1, len(methods))
    for offset, method in enumerate(methods):
        values = [next((row["time"] for row in summaries if (row["family"], row["level"]) == group and row["method"] == method), 0.0)
                  for group in groups]
        axis.bar([index + offset * width for index in range(len(groups))], values, width, label=method)
    axis.set_xticks([index + 0.4 - width / 2 for index in range(len(groups))])
    axis.set_xticklabels([f"{family}\n{level}" for family, level in groups])
    axis.set_ylabel(f"1-shifted geometric mean {'CPU' if time_field == 'cpu_seconds' else 'wall'} time (s)")
    axis.set_title("SCIP default vs GCN branching (lower is better)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def report(out: Path, clock: str) -> str:
    """Write table.md and the plot from results.jsonl; returns the table text."""
    rows = _load_rows(out / "results.jsonl")
    if not rows:
        raise SystemExit(f"{out / 'results.jsonl'}: no results yet; run the benchmark first")
    sections = []
    for field in (("cpu_seconds", "wall_seconds") if clock == "cpu" else ("wall_seconds", "cpu_seconds")):
        summaries = summarize(rows, field)
        sections.append(markdown_table(summaries, field))
        if field == ("cpu_seconds" if clock == "cpu" else "wall_seconds"):
            plot(summaries, out / "branching_time.png", field)
    text = "\n\n".join(sections)
    (out / "table.md").write_text(text + "\n")
    return text


def _level_limits(pairs: list[str], levels: list[str], default: float) -> dict[str, float]:
    """Time limit per level from ``LEVEL=SECONDS`` pairs (others get ``default``)."""
    limits = {level: default for level in levels}
    for pair in pairs:
        level, separator, seconds = pair.partition("=")
        try:
            value = float(seconds)
        except ValueError:
            value = math.nan
        if not separator or not value > 0:
            raise SystemExit(f"--level-time-limits: {pair!r} must look like LEVEL=SECONDS with SECONDS > 0, e.g. medium=60")
        limits[level] = value
    return limits


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="SCIP default vs SCIP + GCN branching policy on generated instances.")
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--levels", nargs="+", default=["easy", "medium"])
    parser.add_argument("--instances", type=int, default=20, help="test instances per family and level (seeds 0..N-1)")
    parser.add_argument("--first-instance", type=int, default=0, help="first instance seed")
    parser.add_argument("--scip-seeds", type=int, default=1, help="SCIP seeds per instance (0..N-1)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--time-limit", type=float, default=3600.0, help="seconds per run")
    parser.add_argument("--level-time-limits", nargs="*", default=[], metavar="LEVEL=SECONDS",
                        help="per-level overrides of --time-limit, e.g. easy=30 medium=60")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="what SCIP's time limit and the table's time measure")
    parser.add_argument("--weights", default=str(Path(__file__).resolve().parents[1] / "learned" / "branching" / "weights"))
    parser.add_argument("--device", default="auto", help="policy device: auto (CUDA when present), cpu, cuda")
    parser.add_argument("--torch-threads", type=int, default=1, help="torch CPU threads (one thread protocol: 1)")
    parser.add_argument("--out", default="bench_out/branching")
    parser.add_argument("--report-only", action="store_true")
    arguments = parser.parse_args(argv)
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    if arguments.report_only:
        print(report(out, arguments.clock))
        return 0
    import torch
    from rich.progress import Progress

    torch.set_num_threads(arguments.torch_threads)
    if any(method.startswith("gnn") for method in arguments.methods):
        import ormodel.learned.branching.method  # noqa: F401 - import torch_geometric before any run is timed
    weights = Path(arguments.weights)
    needed = {"mixed"} if "gnn-mixed" in arguments.methods else set()
    if "gnn" in arguments.methods:
        needed |= set(arguments.families)
    missing = [name for name in sorted(needed) if not (weights / f"{name}.pt").exists()]
    if missing:
        raise SystemExit(f"missing policies in {weights}: {', '.join(missing)} (train them, see docs/gnn-branching.md)")
    limits = _level_limits(arguments.level_time_limits, arguments.levels, arguments.time_limit)
    results_path = out / "results.jsonl"
    done = {_run_key(row) for row in _load_rows(results_path)}
    plan = [(family, level, seed, scip_seed, method)
            for level in arguments.levels for family in arguments.families
            for seed in range(arguments.first_instance, arguments.first_instance + arguments.instances)
            for scip_seed in range(arguments.scip_seeds) for method in arguments.methods]
    todo = [run for run in plan if run not in done]
    with Progress() as progress, results_path.open("a") as handle:
        task = progress.add_task("branching benchmark", total=len(plan), completed=len(plan) - len(todo))
        for family, level, seed, scip_seed, method in todo:
            row = run_one(family, level, seed, scip_seed, method, limits[level], arguments.clock, weights,
                          arguments.device)
            row["command"] = " ".join(["benchmarks/branching.py", *(sys.argv[1:] if argv is None else argv)])
            handle.write(json.dumps(row) + "\n")
            handle.flush()
            progress.console.print(f"{family}-{level}-s{seed} {method}: {row['status']} nodes={row['nodes']} "
                                   f"cpu={row['cpu_seconds']:.1f}s wall={row['wall_seconds']:.1f}s")
            progress.advance(task)
    print(report(out, arguments.clock))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
