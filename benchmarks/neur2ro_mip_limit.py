"""Neur2RO's per-MIP time limit and nominal-check share against decision quality and time, on tuning seeds.

For each instance (seeds never used for evaluation or training, e.g. 400-404) Neur2RO runs once per
variant ``MIP_SECONDS:CHECK_SHARE``; the benchmark's nominal decision is solved too. Every distinct
decision gets the exact cutting-plane adversary (``--eval-time-limit``); an unconverged one is also
solved at the 10 worst scenarios of every other decision's evaluation, so all values are worst cases
over a common scenario pool. Printed per instance and as a mean per variant: gap % to the best of
the compared decisions, wall seconds of the whole call, iterations, each main MIP's seconds.

    python benchmarks/neur2ro_mip_limit.py --problem knapsack --size 60 --seeds 400,401,402,403,404 --variants 3:0.2,1:0.2
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's ormodel

from ormodel.learned.neur2ro.ccg import solve_nominal
from ormodel.learned.neur2ro.exact import worst_case, worst_on_scenarios
from ormodel.learned.neur2ro.instances import make_problem
from ormodel.learned.neur2ro.network import load_network
from ormodel.learned.neur2ro.neural_ccg import Neur2ROSettings, solve_neur2ro


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problem", default="knapsack", choices=("knapsack", "capital_budgeting"))
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--seeds", default="400,401,402,403,404")
    parser.add_argument("--variants", default="3:0.2,1:0.2", help="comma-separated MIP_SECONDS:CHECK_SHARE")
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--eval-time-limit", type=float, default=5.0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    network, _ = load_network(None, args.problem)
    variants = [tuple(float(part) for part in text.split(":")) for text in args.variants.split(",")]
    rows: dict[str, list[tuple[float, float]]] = {}
    for seed in (int(text) for text in args.seeds.split(",")):
        problem = make_problem(args.problem, args.size, seed)
        started = time.perf_counter()
        nominal = solve_nominal(problem, backend="highs", time_limit=16.0, gap=1e-4)
        decisions = {"nominal": (nominal.x, time.perf_counter() - started, {})}
        for mip_seconds, check in variants:
            started = time.perf_counter()
            solution = solve_neur2ro(problem, network, Neur2ROSettings(
                time_limit=args.time_limit, mip_time_limit=mip_seconds, device="cpu", adversary="local", nominal_check=check))
            decisions[f"mip {mip_seconds:g} s, check {check:g}"] = (solution.x, time.perf_counter() - started, {
                "iterations": solution.iterations, "selected": solution.notes["nominal_check"].get("selected"),
                "main_seconds": [round(entry["main_seconds"], 2) for entry in solution.history]})
        evaluations, pool = {}, []
        for x, _, _ in decisions.values():
            if x.tobytes() not in evaluations:
                evaluation = worst_case(problem, x, "highs", time_limit=args.eval_time_limit, second_stage_gap=1e-4)
                evaluations[x.tobytes()] = evaluation
                pool += [xi for _, xi in evaluation.evaluated[:10]]
        values = {}
        for key, evaluation in evaluations.items():
            value = evaluation.value
            if not evaluation.converged:
                shared, _, _ = worst_on_scenarios(problem, np.frombuffer(key), pool, "highs", time_limit=3.0, second_stage_gap=1e-4)
                value = max(value, shared)
            values[key] = value
        best = min(values.values())
        record = {}
        for name, (x, seconds, info) in decisions.items():
            gap = 100.0 * (values[x.tobytes()] - best) / abs(best)
            rows.setdefault(name, []).append((gap, seconds))
            record[name] = {"gap_percent": round(gap, 3), "seconds": round(seconds, 2), **info}
        print(json.dumps({"problem": args.problem, "size": args.size, "seed": seed, "decisions": record}), flush=True)
    for name, entries in rows.items():
        print(f"{args.problem} n={args.size} {name}: mean gap {statistics.mean(g for g, _ in entries):.3f} %, "
              f"mean time {statistics.mean(s for _, s in entries):.2f} s ({len(entries)} instances)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
