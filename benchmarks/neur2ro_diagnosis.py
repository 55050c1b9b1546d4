"""Where Neur2RO's gap comes from: the value network's worst case against the evaluated one, per decision.

Reads the records of ``benchmarks/neur2ro.py`` (``results.jsonl``) and, for every decision of every
instance of one problem class, compares three numbers:

* ``evaluated``: the benchmark's worst case of the decision (exact adversary, plus the other methods'
  worst scenarios; a lower bound where the evaluation did not converge);
* ``network``: the shipped network's largest prediction over a 9^4 grid of the box plus 4 000 random
  scenarios (the network's own worst case of the decision, found by brute force);
* ``local search``: what Neur2RO's local-search adversary finds for the decision (from the best of
  128 random scenarios, 30 moves).

Summary: the network's relative error on the worst case per method, how far the local search falls
short of the brute-force worst case, and on how many instances the network ranks the Neur2RO
decision against the nominal one the same way as the evaluation (``ranked right``).

    python benchmarks/neur2ro_diagnosis.py benchmarks/results/neur2ro/results.jsonl --problem capital_budgeting
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's ormodel, not an installed one

from ormodel.learned.neur2ro.instances import make_problem  # noqa: E402
from ormodel.learned.neur2ro.network import load_network  # noqa: E402
from ormodel.learned.neur2ro.neural_ccg import local_search  # noqa: E402


def diagnose(paths: list[str], problem_kind: str, seed: int = 0) -> list[dict]:
    """One row per (size, instance seed): per method the evaluated, network and local-search worst cases."""
    torch.set_num_threads(1)
    network, _ = load_network(None, problem_kind)
    records = [json.loads(line) for path in paths for line in Path(path).read_text().splitlines() if line.strip()]
    records = [record for record in records if record["problem"] == problem_kind]
    rng = np.random.default_rng(seed)
    rows = []
    for size, instance_seed in sorted({(record["size"], record["seed"]) for record in records}):
        problem = make_problem(problem_kind, size, instance_seed)
        low, high = problem.uncertainty.lower, problem.uncertainty.upper
        if problem.uncertainty.dimension <= 6:
            axes = [np.linspace(low[d], high[d], 9) for d in range(problem.uncertainty.dimension)]
            grid = np.array(list(itertools.product(*axes)))
        else:
            grid = np.zeros((0, problem.uncertainty.dimension))
        points = np.vstack([grid, problem.uncertainty.sample(rng, 4000)])
        row = {"size": size, "seed": instance_seed}
        for record in records:
            if (record["size"], record["seed"]) != (size, instance_seed):
                continue
            x = np.array([int(char) for char in record["x"]], dtype=np.float64)
            predicted = network.predict(problem, np.repeat(x[None, :], len(points), axis=0), points, device="cpu")
            starts = problem.uncertainty.sample(rng, 128)
            start_values = network.predict(problem, np.repeat(x[None, :], len(starts), axis=0), starts, device="cpu")
            _, searched = local_search(problem, network, x, starts[int(np.argmax(start_values))], float(start_values.max()),
                                       rng, 30, float("inf"))
            row[record["method"]] = {"evaluated": record["worst_case"], "network": float(predicted.max()), "local_search": searched}
        rows.append(row)
    return rows


def report(rows: list[dict]) -> str:
    """Markdown: per-size summary (network error, local-search shortfall, ranking agreement)."""
    lines = ["| n | instances | network error on the worst case, Neur2RO decision (mean / max abs %) | "
             "same, nominal decision | local search short of the brute-force worst (mean %) | "
             "network ranks Neur2RO vs nominal as the evaluation does |", "|---|---|---|---|---|---|"]
    for size in sorted({row["size"] for row in rows}):
        subset = [row for row in rows if row["size"] == size and "neur2ro" in row and "nominal" in row]

        def error(row: dict, method: str) -> float:
            entry = row[method]
            return 100.0 * (entry["network"] - entry["evaluated"]) / abs(entry["evaluated"])

        ours = [abs(error(row, "neur2ro")) for row in subset]
        nominal = [abs(error(row, "nominal")) for row in subset]
        short = [100.0 * (row[m]["network"] - row[m]["local_search"]) / abs(row[m]["network"]) for row in subset for m in ("neur2ro", "nominal")]
        agree = sum(np.sign(row["neur2ro"]["network"] - row["nominal"]["network"]) == np.sign(row["neur2ro"]["evaluated"] - row["nominal"]["evaluated"])
                    for row in subset)
        lines.append(f"| {size} | {len(subset)} | {statistics.mean(ours):.2f} / {max(ours):.2f} | {statistics.mean(nominal):.2f} / {max(nominal):.2f} | "
                     f"{statistics.mean(short):.2f} | {agree}/{len(subset)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="+", help="results.jsonl files of benchmarks/neur2ro.py")
    parser.add_argument("--problem", default="capital_budgeting", choices=("knapsack", "capital_budgeting"))
    parser.add_argument("--out", default=None, help="write the per-instance rows (json) and the summary (md) here")
    args = parser.parse_args(argv)
    rows = diagnose(args.results, args.problem)
    table = report(rows)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{args.problem}_rows.json").write_text(json.dumps(rows, indent=1))
        (out / f"{args.problem}_summary.md").write_text(f"command: python {' '.join(sys.argv)}\n\n{table}\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
