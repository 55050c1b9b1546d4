"""Neur2RO vs exact CCG vs the nominal solution on generated two-stage robust instances.

For every instance (robust knapsack and capital budgeting, several sizes) the methods run side
by side in one process: exact CCG (time limit), Neur2RO (shipped weights), and the nominal
solution (the deterministic problem at the nominal scenario, robust first-stage rows kept).
Each first-stage decision is then evaluated exactly by the cutting-plane adversary
(:func:`ormodel.learned.neur2ro.exact.worst_case`), whose bound certifies the value when it
converges. Reported: worst-case objective (minimisation of minus profit/revenue), the gap to
the best value any method found on the instance, and the time (solution time; the evaluation is
not counted). ``--gap`` sets the relative MIP gap of CCG's master, the nominal problem and every
second-stage solve (default 1e-4: the capital-budgeting recourse is a subset-sum-like knapsack that
HiGHS closes to 1e-6 only slowly). ``--budget`` skips the remaining instances once spent; instances
are ordered so that every (class, size) gets one before any gets a second. Writes ``results.jsonl``,
``summary.md`` and ``neur2ro.png`` under ``--out``. Run long runs through ``cpu_slot`` (one core).

    python benchmarks/neur2ro.py --kp-sizes 20,40 --cb-sizes 10,20 --instances 2
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's ormodel, not an installed one

from ormodel.learned.neur2ro.ccg import solve_ccg, solve_nominal  # noqa: E402
from ormodel.learned.neur2ro.exact import worst_case, worst_on_scenarios  # noqa: E402
from ormodel.learned.neur2ro.instances import make_problem  # noqa: E402
from ormodel.learned.neur2ro.network import load_network  # noqa: E402
from ormodel.learned.neur2ro.neural_ccg import Neur2ROSettings, solve_neur2ro  # noqa: E402

METHODS = ("ccg", "neur2ro", "nominal")


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run every method on every instance; one record per (instance, method)."""
    from rich.progress import Progress

    torch.set_num_threads(1)
    networks = {kind: load_network(None, kind) for kind in ("knapsack", "capital_budgeting")}
    # every (class, size) gets its first instance before any gets a second one, so a budget cut keeps all sizes
    jobs = []
    for index in range(args.instances):
        for position in range(max(len(_sizes(args.kp_sizes)), len(_sizes(args.cb_sizes)))):
            for kind, sizes in (("knapsack", _sizes(args.kp_sizes)), ("capital_budgeting", _sizes(args.cb_sizes))):
                if position < len(sizes):
                    jobs.append((kind, sizes[position], args.seed + index))
    if args.skip:
        done = {(record["problem"], record["size"], record["seed"]) for path in args.skip.split(",")
                for record in (json.loads(line) for line in Path(path).read_text().splitlines() if line.strip())}
        jobs = [job for job in jobs if job not in done]
    records: list[dict[str, Any]] = []
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with Progress(disable=args.no_progress) as progress, open(out / "results.jsonl", "w") as sink:
        task = progress.add_task("neur2ro benchmark", total=len(jobs))
        for kind, size, seed in jobs:
            if args.budget is not None and time.perf_counter() - started > args.budget:
                print(f"budget of {args.budget:.0f} s spent: skipping {kind} n={size} seed={seed}", flush=True)
                progress.advance(task)
                continue
            problem = make_problem(kind, size, seed)
            found, wall = {}, {}
            limits = {"ccg": args.ccg_time_limit, "neur2ro": args.neur2ro_time_limit, "nominal": args.ccg_time_limit}
            network, _ = networks[kind]
            calls = {
                "ccg": lambda: solve_ccg(problem, backend=args.backend, time_limit=args.ccg_time_limit, tolerance=args.gap,
                                         second_stage_gap=args.gap),
                "neur2ro": lambda: solve_neur2ro(problem, network, Neur2ROSettings(
                    backend=args.backend, time_limit=args.neur2ro_time_limit, mip_time_limit=args.mip_time_limit,
                    device=args.device, adversary=args.adversary, nominal_check=args.nominal_check)),
                "nominal": lambda: solve_nominal(problem, backend=args.backend, time_limit=args.ccg_time_limit, gap=args.gap),
            }
            for method in METHODS:
                # everything the method does counts: the wall time of the whole call
                call_started = time.perf_counter()
                found[method] = calls[method]()
                wall[method] = time.perf_counter() - call_started
            instance_records = []
            evaluations = {}
            for method in METHODS:
                solution = found[method]
                if method == "ccg" and math.isfinite(solution.estimate):
                    # CCG's incumbent was already evaluated exactly by its own adversary (certified)
                    evaluations[method] = (solution.estimate, solution.estimate, True, 0.0, [])
                else:
                    evaluation = worst_case(problem, solution.x, args.backend, time_limit=args.eval_time_limit,
                                            second_stage_gap=args.gap)
                    evaluations[method] = (evaluation.value, evaluation.bound, evaluation.converged, evaluation.solve_time,
                                           [xi for _, xi in evaluation.evaluated[: args.shared_scenarios]])
            for method in METHODS:
                solution = found[method]
                own_value, bound, converged, eval_seconds, _ = evaluations[method]
                value, shared = own_value, 0
                if not converged and args.shared_scenarios > 0:
                    # unconverged: also solve this decision at the other decisions' worst scenarios (a common scenario set)
                    others = [xi for other in METHODS if other != method for xi in evaluations[other][4]]
                    shared_value, _, shared = worst_on_scenarios(problem, solution.x, others, args.backend,
                                                                 time_limit=args.eval_time_limit / 2, second_stage_gap=args.gap)
                    value = max(value, shared_value)
                instance_records.append({
                    "problem": kind, "size": size, "seed": seed, "instance": problem.name, "method": method,
                    "worst_case": value, "worst_case_own": own_value, "shared_scenarios": shared,
                    "worst_case_bound": bound, "evaluation_converged": converged,
                    "evaluation_seconds": eval_seconds, "seconds": wall[method], "limit_seconds": limits[method],
                    "within_limit": wall[method] <= 1.05 * limits[method] + 1.0, "status": solution.status,
                    "iterations": solution.iterations, "scenarios": len(solution.scenarios),
                    "lower_bound": solution.bound, "selected": int(np.sum(solution.x)),
                    "x": "".join(str(int(v)) for v in solution.x),
                    "notes": {key: value for key, value in solution.notes.items() if key != "lower_bound"},
                })
            best = min(record["worst_case"] for record in instance_records)
            for record in instance_records:
                record["best_known"] = best
                record["gap_percent"] = 100.0 * (record["worst_case"] - best) / max(abs(best), 1e-9) if math.isfinite(record["worst_case"]) else math.inf
                sink.write(json.dumps(record) + "\n")
                sink.flush()
            records.extend(instance_records)
            progress.advance(task)
    return records


TARGET_SIZES = {"knapsack": 40, "capital_budgeting": 20}  # issue 17: the target applies from these sizes on
TOLERANCE = 1e-6  # relative: values this close count as equal (ties with the nominal decision, the best known value)


def _same(value: float, other: float) -> bool:
    return abs(value - other) <= TOLERANCE * max(1.0, abs(other))


def reference_seconds(records: list[dict[str, Any]]) -> float:
    """Time of the method that found the best known value on one instance (fastest such method other than Neur2RO;
    CCG when Neur2RO alone found it)."""
    best = min(record["worst_case"] for record in records)
    others = [record for record in records if record["method"] != "neur2ro" and _same(record["worst_case"], best)]
    if others:
        return min(record["seconds"] for record in others)
    return next(record["seconds"] for record in records if record["method"] == "ccg")


def summarize(records: list[dict[str, Any]], training_sizes: dict[str, list[int]] | None = None) -> str:
    """Markdown: one row per class, size and method, then Neur2RO against the target per size."""
    lines = ["| problem | n | method | instances | mean gap % | max gap % | mean time s | max time s | within limit | "
             "statuses | evaluations converged |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    keys = sorted({(record["problem"], record["size"]) for record in records})
    for problem, size in keys:
        for method in METHODS:
            subset = [record for record in records if record["problem"] == problem and record["size"] == size and record["method"] == method]
            if not subset:
                continue
            gaps = [record["gap_percent"] for record in subset]
            times = [record["seconds"] for record in subset]
            statuses = ",".join(f"{name}×{sum(r['status'] == name for r in subset)}" for name in sorted({r["status"] for r in subset}))
            converged = sum(bool(record["evaluation_converged"]) for record in subset)
            within = sum(bool(record.get("within_limit", True)) for record in subset)
            lines.append(f"| {problem} | {size} | {method} | {len(subset)} | {statistics.mean(gaps):.3f} | {max(gaps):.3f} | "
                         f"{statistics.mean(times):.1f} | {max(times):.1f} | {within}/{len(subset)} | {statuses} | {converged}/{len(subset)} |")
    lines += ["", "Neur2RO per size (gap to the best known value of the instance; reference time = the method that found it, "
              "CCG where Neur2RO alone did):", "",
              "| problem | n | size seen in training | instances | mean gap % | max gap % | mean time s | reference time s | "
              "time / reference | time / CCG | ≥ nominal | = nominal decision | nominal check chose nominal | fallback to nominal | "
              "stopped at limit | mean iterations | target (n ≥ 40 KP / 20 CB) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for problem, size in keys:
        by_seed: dict[int, list[dict[str, Any]]] = {}
        for record in records:
            if record["problem"] == problem and record["size"] == size:
                by_seed.setdefault(record["seed"], []).append(record)
        rows = [(next(r for r in group if r["method"] == "neur2ro"), group) for group in by_seed.values()
                if any(r["method"] == "neur2ro" for r in group)]
        if not rows:
            continue
        ours = [row for row, _ in rows]
        gaps = [row["gap_percent"] for row in ours]
        times = [row["seconds"] for row in ours]
        references = [reference_seconds(group) for _, group in rows]
        ccg_times = [next(r["seconds"] for r in group if r["method"] == "ccg") for _, group in rows]
        nominal_values = [next(r["worst_case"] for r in group if r["method"] == "nominal") for _, group in rows]
        at_least_nominal = sum(row["worst_case"] <= value or _same(row["worst_case"], value) for row, value in zip(ours, nominal_values))
        equals_nominal = sum(bool(row["notes"].get("equals_nominal")) for row in ours)
        fallbacks = sum(row["notes"].get("fallback") is not None for row in ours)
        checked = sum((row["notes"].get("nominal_check") or {}).get("selected") == "nominal" for row in ours)
        stopped = sum(bool(row["notes"].get("stopped_at_limit")) for row in ours)
        ratio = statistics.mean(times) / max(statistics.mean(references), 1e-9)
        ccg_ratio = statistics.mean(times) / max(statistics.mean(ccg_times), 1e-9)
        seen = "—" if training_sizes is None else ("yes" if size in training_sizes.get(problem, []) else "**no**")
        if size >= TARGET_SIZES[problem]:
            met = statistics.mean(gaps) <= 1.0 and ratio <= 0.5
            target = "met" if met else f"**missed** ({'gap' if statistics.mean(gaps) > 1.0 else ''}{' and ' if statistics.mean(gaps) > 1.0 and ratio > 0.5 else ''}{'time' if ratio > 0.5 else ''})"
        else:
            target = "n/a"
        lines.append(f"| {problem} | {size} | {seen} | {len(ours)} | {statistics.mean(gaps):.3f} | {max(gaps):.3f} | "
                     f"{statistics.mean(times):.1f} | {statistics.mean(references):.1f} | {ratio:.2f} | {ccg_ratio:.2f} | "
                     f"{at_least_nominal}/{len(ours)} | {equals_nominal}/{len(ours)} | {checked}/{len(ours)} | {fallbacks}/{len(ours)} | {stopped}/{len(ours)} | "
                     f"{statistics.mean(row['iterations'] for row in ours):.1f} | {target} |")
    lines += ["", ("Where the reference time comes from, per size: the instances whose best known value the nominal solution found "
                   "(the reference is then its solve time; Neur2RO's time there, also against CCG's), those CCG found and the nominal "
                   "did not, those Neur2RO alone found (reference: CCG's time):"), "",
              ("| problem | n | nominal found best | its mean time s | Neur2RO time there s | Neur2RO / CCG there | "
               "CCG found best (not nominal) | Neur2RO alone | reference time s (all) | Neur2RO time s (all) |"),
              "|---|---|---|---|---|---|---|---|---|---|"]
    for problem, size in keys:
        groups = [group for seed, group in sorted(_by_seed(records, problem, size).items()) if len(group) == len(METHODS)]
        if not groups:
            continue
        kinds = [_reference_kind(group) for group in groups]
        nominal_groups = [group for group, kind in zip(groups, kinds) if kind == "nominal"]

        def seconds(group: list[dict[str, Any]], method: str) -> float:
            return next(r["seconds"] for r in group if r["method"] == method)

        def mean_or_dash(values: list[float], digits: int = 2) -> str:
            return f"{statistics.mean(values):.{digits}f}" if values else "—"

        ratio_there = (f"{sum(seconds(g, 'neur2ro') for g in nominal_groups) / max(sum(seconds(g, 'ccg') for g in nominal_groups), 1e-9):.2f}"
                       if nominal_groups else "—")
        lines.append(f"| {problem} | {size} | {len(nominal_groups)}/{len(groups)} | {mean_or_dash([seconds(g, 'nominal') for g in nominal_groups])} | "
                     f"{mean_or_dash([seconds(g, 'neur2ro') for g in nominal_groups])} | {ratio_there} | "
                     f"{kinds.count('ccg')}/{len(groups)} | {kinds.count('neur2ro')}/{len(groups)} | "
                     f"{statistics.mean(reference_seconds(g) for g in groups):.2f} | {statistics.mean(seconds(g, 'neur2ro') for g in groups):.2f} |")
    return "\n".join(lines)


def _by_seed(records: list[dict[str, Any]], problem: str, size: int) -> dict[int, list[dict[str, Any]]]:
    groups: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        if record["problem"] == problem and record["size"] == size:
            groups.setdefault(record["seed"], []).append(record)
    return groups


def _reference_kind(records: list[dict[str, Any]]) -> str:
    """Which method sets the reference time of one instance: ``nominal`` (it found the best value), ``ccg`` (it did and the
    nominal did not) or ``neur2ro`` (Neur2RO alone did; CCG's time is the reference)."""
    best = min(record["worst_case"] for record in records)
    found = {record["method"] for record in records if _same(record["worst_case"], best)}
    return "nominal" if "nominal" in found else "ccg" if "ccg" in found else "neur2ro"


def plot(records: list[dict[str, Any]], path: Path) -> None:
    """Gap and time per method and size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    keys = sorted({(record["problem"], record["size"]) for record in records})
    labels = [f"{'KP' if problem == 'knapsack' else 'CB'} {size}" for problem, size in keys]
    width = 0.25
    for offset, method in enumerate(METHODS):
        gaps, times = [], []
        for problem, size in keys:
            subset = [r for r in records if r["problem"] == problem and r["size"] == size and r["method"] == method]
            gaps.append(statistics.mean(r["gap_percent"] for r in subset) if subset else 0.0)
            times.append(statistics.mean(r["seconds"] for r in subset) if subset else 0.0)
        positions = np.arange(len(keys)) + (offset - 1) * width
        axes[0].bar(positions, gaps, width, label=method)
        axes[1].bar(positions, times, width, label=method)
    for axis, title in zip(axes, ("mean gap to best found (%)", "mean time (s)")):
        axis.set_xticks(np.arange(len(keys)), labels)
        axis.set_title(title)
        axis.legend()
    axes[1].set_yscale("log")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kp-sizes", default="20,40")
    parser.add_argument("--cb-sizes", default="10,20")
    parser.add_argument("--instances", type=int, default=2, help="instances per size (seeds seed..seed+k-1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="highs")
    parser.add_argument("--ccg-time-limit", type=float, default=60.0)
    parser.add_argument("--neur2ro-time-limit", type=float, default=60.0)
    parser.add_argument("--mip-time-limit", type=float, default=10.0, help="per main/adversarial MIP in Neur2RO")
    parser.add_argument("--eval-time-limit", type=float, default=60.0, help="exact worst-case evaluation of one decision")
    parser.add_argument("--gap", type=float, default=1e-4,
                        help="relative MIP gap of CCG's master, the nominal problem and every second-stage solve")
    parser.add_argument("--shared-scenarios", type=int, default=10,
                        help="an unconverged evaluation also solves the decision at this many worst scenarios of each other "
                             "method's evaluation (0: off)")
    parser.add_argument("--nominal-check", type=float, default=Neur2ROSettings.nominal_check,
                        help="share of Neur2RO's time limit for its exact check against the nominal decision (0: off)")
    parser.add_argument("--budget", type=float, default=None, help="seconds after which remaining instances are skipped")
    parser.add_argument("--device", default="auto", help="where Neur2RO's forward passes run (auto: CUDA if available)")
    parser.add_argument("--adversary", default="mip", choices=("mip", "local"),
                        help="Neur2RO's adversary: the MIP warm-started by the local search, or the local search alone")
    parser.add_argument("--summarize", default=None,
                        help="comma-separated results.jsonl files: write one summary of them to --out instead of running")
    parser.add_argument("--skip", default=None,
                        help="comma-separated results.jsonl files: instances already there are not run again (finishing a cut run)")
    parser.add_argument("--out", default="benchmarks/results/neur2ro")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.summarize:
        records, seen = [], set()
        for path in args.summarize.split(","):
            for line in Path(path).read_text().splitlines():
                if line.strip():
                    record = json.loads(line)
                    key = (record["problem"], record["size"], record["seed"], record["method"])
                    if key not in seen:  # an instance run twice (a resumed run) counts once, the first time
                        seen.add(key)
                        records.append(record)
    else:
        records = run(args)
    training_sizes = {kind: list(load_network(None, kind)[1].get("sizes", [])) for kind in ("knapsack", "capital_budgeting")}
    table = summarize(records, training_sizes)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot(records, out / "neur2ro.png")
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    header = (f"command: python {' '.join(sys.argv)}\n\nmachine: {platform.machine()} {platform.python_version()}, "
              f"{cores} core(s) available to this process, every method single-threaded (threads=1, torch 1 thread), "
              f"network device {args.device}; wall time {time.perf_counter() - started:.0f} s\n\n")
    (out / "summary.md").write_text(header + table + "\n")
    print(header + table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
