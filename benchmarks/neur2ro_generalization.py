"""Accuracy of the shipped Neur2RO value networks per instance size, seen and unseen in training.

Labels fresh samples (data seed ``--seed``, instance seeds ``1_000_000 + 100_000·seed + k``, disjoint
from the training data of seed 0 and from the benchmark instances) with the same recipe as training,
at every size of the paper, and reports the network's mean absolute error per size — in label units
and relative to the mean label magnitude — marking the sizes the network was not trained on.

    python benchmarks/neur2ro_generalization.py --instances 8 --decisions 5 --scenarios 4 --seed 7
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from ormodel.learned.neur2ro.data import generate_data
from ormodel.learned.neur2ro.instances import TRAINING_SIZES
from ormodel.learned.neur2ro.network import load_network


def evaluate(kind: str, instances: int, decisions: int, scenarios: int, seed: int, gap: float) -> list[dict]:
    """One row per size: samples, MAE, MAE relative to the mean |label|, whether the size was seen in training."""
    network, metadata = load_network(None, kind)
    seen = set(metadata.get("sizes", []))
    rows = []
    for size in TRAINING_SIZES[kind]:
        data = generate_data(kind, instances, decisions, scenarios, seed=seed + 1000 * size, sizes=(size,), label_gap=gap)
        problems = data.problems()
        errors, labels = [], []
        for instance, x, xi, label in data.per_sample():
            predicted = float(network.predict(problems[instance], x, xi, device="cpu")[0])
            errors.append(abs(predicted - label))
            labels.append(abs(label))
        rows.append({"problem": kind, "size": size, "seen": size in seen, "samples": len(errors), "mae": float(np.mean(errors)),
                     "relative_mae_percent": 100.0 * float(np.mean(errors)) / max(float(np.mean(labels)), 1e-9)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=8, help="instances per size")
    parser.add_argument("--decisions", type=int, default=5)
    parser.add_argument("--scenarios", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7, help="data seed (training used 0)")
    parser.add_argument("--out", default="benchmarks/results/neur2ro_generalization")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = evaluate("knapsack", args.instances, args.decisions, args.scenarios, args.seed, 1e-4)
    rows += evaluate("capital_budgeting", args.instances, args.decisions, args.scenarios, args.seed, 1e-2)
    lines = [f"command: python {' '.join(sys.argv)}", "", "| problem | n | seen in training | samples | MAE | MAE / mean abs label % |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['problem']} | {r['size']} | {'yes' if r['seen'] else '**no**'} | {r['samples']} | {r['mae']:.4g} | "
              f"{r['relative_mae_percent']:.2f} |" for r in rows]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
