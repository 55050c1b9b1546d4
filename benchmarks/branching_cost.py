"""Cost of the GNN branching policy: training per sample-epoch, and per-node extraction + inference in SCIP.

``training``: the same training steps (same samples, same seeded draws, same initial weights) timed
with this checkout and with a reference checkout (``--reference-tree``, e.g. an export of ``main``),
alternating between the two in separate processes so machine load drifts hit both alike. Each
process fits the PreNorm statistics, records the policy's choice on held-out samples (before
training: same weights, so the same choices are expected), then times ``--batches`` training steps
(Adam, batch 32) split into collation, forward and backward + step, and records the losses.

``inference``: solves instances with the policy rule inside SCIP (benchmark protocol, one thread,
node limit) with each checkout and reports extraction and inference milliseconds per node, the
tree size and the branching decisions' agreement (same nodes and same objective mean the same
decisions on the same tree).

Usage (one core)::

    git archive main | tar -x -C /tmp/ref
    taskset -c 1 python benchmarks/branching_cost.py training --data DATA/setcover/train \
        --valid DATA/setcover/valid --reference-tree /tmp/ref --batches 10 --rounds 2
    taskset -c 1 python benchmarks/branching_cost.py inference --family facility --seeds 900 901 \
        --reference-tree /tmp/ref --node-limit 30
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, import this checkout's ormodel (not an installed copy): the timings are of this code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _training_worker(arguments: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    import torch
    from ormodel.learned.branching.data import SampleDataset, make_loader
    from ormodel.learned.branching.memory import keep_freed_memory
    from ormodel.learned.branching.policy import BranchingPolicy
    from ormodel.learned.branching.sampling import sample_files
    from ormodel.learned.branching.train import _batch_loss

    torch.set_num_threads(1)
    keep_freed_memory()
    train_files = [file for folder in arguments.data for file in sample_files(folder)][: arguments.samples]
    valid_files = [file for folder in arguments.valid for file in sample_files(folder)][: arguments.samples]
    train_set = SampleDataset(train_files, cache=True)
    valid_set = SampleDataset(valid_files, cache=True)
    for dataset in (train_set, valid_set):
        for index in range(len(dataset)):
            dataset[index]
    torch.manual_seed(0)
    policy = BranchingPolicy()
    policy.fit_normalization(list(make_loader(train_set, batch_size=32)))
    policy.eval()
    choices = []
    with torch.no_grad():
        for batch in make_loader(valid_set, batch_size=32):
            scores = policy.forward_batch(batch)
            for candidates in torch.split(batch.candidates, batch.candidate_count.tolist()):
                choices.append(int(torch.argmax(scores[candidates])))
    policy.train()
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
    random = np.random.default_rng(0)
    draws = random.choice(len(train_files), (arguments.batches + 1) * 32, replace=True).tolist()
    loader = iter(make_loader(torch.utils.data.Subset(train_set, draws), batch_size=32))
    timings = {"collate": 0.0, "forward": 0.0, "backward_step": 0.0}
    losses = []
    cpu_started = 0.0
    for step in range(arguments.batches + 1):
        if step == 1:  # the first step warms up allocations and is not timed
            timings = {key: 0.0 for key in timings}
            cpu_started = time.process_time()
        started = time.perf_counter()
        batch = next(loader)
        collated = time.perf_counter()
        loss, *_ = _batch_loss(policy, batch)
        forwarded = time.perf_counter()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        finished = time.perf_counter()
        timings["collate"] += collated - started
        timings["forward"] += forwarded - collated
        timings["backward_step"] += finished - forwarded
        losses.append(float(loss))
    sample_epochs = arguments.batches * 32
    return {"wall_per_sample_epoch": sum(timings.values()) / sample_epochs,
            "cpu_per_sample_epoch": (time.process_time() - cpu_started) / sample_epochs,
            **{f"{key}_per_sample_epoch": value / sample_epochs for key, value in timings.items()},
            "losses": losses, "valid_choices": choices, "train_samples": len(train_files)}


def _cpu_timed(owner: Any, name: str, totals: dict[str, float], key: str) -> None:
    """Wrap ``owner.name`` so its CPU seconds add up in ``totals[key]`` (same timer for both checkouts)."""
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[key] += time.process_time() - started

    setattr(owner, name, timed)


def _inference_worker(arguments: argparse.Namespace) -> dict[str, Any]:
    import torch
    from ormodel.datasets.milp import generate
    from ormodel.learned.branching.observation import ObservationExtractor
    from ormodel.learned.branching.policy import BranchingPolicy
    from ormodel.learned.branching.rule import solve_with_policy
    from ormodel.solvers.base import SolveOptions

    torch.set_num_threads(1)
    totals = {"extraction": 0.0, "inference": 0.0}
    _cpu_timed(ObservationExtractor, "extract", totals, "extraction")
    _cpu_timed(BranchingPolicy, "forward", totals, "inference")
    rows = []
    for seed in arguments.seeds:
        form = generate(arguments.family, arguments.level, seed)
        options = SolveOptions(time_limit=arguments.time_limit, seed=0,
                               extra={"timing/clocktype": 1, "parallel/maxnthreads": 1, "lp/threads": 1,
                                      "limits/nodes": arguments.node_limit})
        totals.update(extraction=0.0, inference=0.0)
        cpu_started = time.process_time()
        result = solve_with_policy(form, arguments.policy, options, protocol=True, device="cpu")
        cpu = time.process_time() - cpu_started
        calls = max(1, int(result.extra["branching_calls"]))
        rows.append({"instance": form.name, "status": result.status.value, "nodes": result.nodes,
                     "objective": result.objective, "bound": result.bound, "calls": result.extra["branching_calls"],
                     "extraction_ms": 1000 * totals["extraction"] / calls, "inference_ms": 1000 * totals["inference"] / calls,
                     "cpu_seconds": cpu, "policy_share": (totals["extraction"] + totals["inference"]) / cpu})
    return {"rows": rows}


def _run_worker(kind: str, tree: Path, argv: list[str]) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, str(Path(__file__).resolve()), kind, "--worker", *argv]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=str(tree), check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{kind} worker in {tree} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _compare(kind: str, arguments: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    trees = {"reference": Path(arguments.reference_tree).resolve(), "current": Path(__file__).resolve().parents[1]}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for round_number in range(arguments.rounds):
        order = list(trees) if round_number % 2 == 0 else list(reversed(trees))
        for name in order:
            results[name].append(_run_worker(kind, trees[name], argv))
            print(f"round {round_number} {name}: " + json.dumps({key: value for key, value in results[name][-1].items()
                                                               if not isinstance(value, list)}), file=sys.stderr)
    return {"trees": {name: str(path) for name, path in trees.items()}, "results": results}


def _training_summary(report: dict[str, Any]) -> dict[str, Any]:
    import statistics

    summary: dict[str, Any] = {}
    for name, runs in report["results"].items():
        summary[name] = {key: statistics.median(run[key] for run in runs) for key in runs[0]
                         if key.endswith("per_sample_epoch")}
    reference, current = report["results"]["reference"][0], report["results"]["current"][0]
    summary["speedup_wall"] = summary["reference"]["wall_per_sample_epoch"] / summary["current"]["wall_per_sample_epoch"]
    summary["speedup_cpu"] = summary["reference"]["cpu_per_sample_epoch"] / summary["current"]["cpu_per_sample_epoch"]
    summary["same_valid_choices"] = sum(a == b for a, b in zip(reference["valid_choices"], current["valid_choices"]))
    summary["valid_samples"] = len(reference["valid_choices"])
    summary["max_loss_difference"] = max(abs(a - b) for a, b in zip(reference["losses"], current["losses"]))
    summary["train_samples"] = reference["train_samples"]
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    training = commands.add_parser("training", help="seconds per sample-epoch, this checkout vs a reference")
    training.add_argument("--data", nargs="+", required=True, help="folders of training samples")
    training.add_argument("--valid", nargs="+", required=True, help="folders of held-out samples (choices compared)")
    training.add_argument("--samples", type=int, default=200, help="samples taken from each of --data and --valid")
    training.add_argument("--batches", type=int, default=10, help="timed training steps (batches of 32)")
    inference = commands.add_parser("inference", help="per-node extraction and inference time inside SCIP")
    inference.add_argument("--family", required=True)
    inference.add_argument("--level", default="easy")
    inference.add_argument("--seeds", type=int, nargs="+", required=True)
    inference.add_argument("--policy", default=None, help="checkpoint (default: the shipped policy of the family)")
    inference.add_argument("--node-limit", type=int, default=50)
    inference.add_argument("--time-limit", type=float, default=300.0)
    for sub in (training, inference):
        sub.add_argument("--reference-tree", help="checkout to compare with (an export of main)")
        sub.add_argument("--rounds", type=int, default=2, help="alternating runs per checkout")
        sub.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
        sub.add_argument("--out", default=None, help="write the JSON report here")
    arguments = parser.parse_args(argv)
    if getattr(arguments, "policy", "") is None:
        arguments.policy = arguments.family
    worker = _training_worker if arguments.command == "training" else _inference_worker
    if arguments.worker:
        print(json.dumps(worker(arguments)))
        return 0
    if not arguments.reference_tree:
        parser.error("--reference-tree is required (e.g. git archive main | tar -x -C /tmp/ref)")
    passed = [item for item in argv if item not in ("--worker",)]
    report = _compare(arguments.command, arguments, passed[1:])
    if arguments.command == "training":
        report["summary"] = _training_summary(report)
    text = json.dumps(report if arguments.command == "inference" else {**report, "results": "omitted"}, indent=1)
    print(text if arguments.command == "inference" else json.dumps(report["summary"], indent=1))
    if arguments.out:
        Path(arguments.out).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
