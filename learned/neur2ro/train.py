"""Generate labelled data and train Neur2RO's value network; writes a small ``.pt`` weights file.

Usage (the shipped weights, ``weights/README.md`` lists both commands and the data recipe)::

    python -m ormodel.learned.neur2ro.train --problem knapsack --seed 0 \\
        --instances 80 --decisions 4 --scenarios 5 --sizes 20,30,40,50 --epochs 300

The paper's protocol is ``--instances 500 --decisions 10 --scenarios 50 --epochs 500`` (250 000
labels); ``--workers`` labels instances in parallel and gives the same data for any worker count.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from ormodel.learned.neur2ro.data import ValueDataset, generate_data, label_to_file
from ormodel.learned.neur2ro.instances import normalize_kind
from ormodel.learned.neur2ro.network import DEFAULT_WEIGHTS, NETWORK_SIZES, ValueNetwork, resolve_device

__all__ = ["train_value_network", "main"]


def _grouped_tensors(network: ValueNetwork, dataset: ValueDataset) -> dict[int, dict[str, np.ndarray]]:
    """Scaled inputs grouped by instance size (no padding inside a group)."""
    problems = dataset.problems()
    groups: dict[int, dict[str, list]] = {}
    for instance, x, xi, label in dataset.per_sample():
        problem = problems[instance]
        group = groups.setdefault(problem.n_first, {"x": [], "xi": [], "label": []})
        group["x"].append(problem.x_item_inputs(x))
        group["xi"].append(problem.xi_item_inputs(xi))
        group["label"].append(label)
    return {size: {key: np.asarray(value) for key, value in group.items()} for size, group in groups.items()}


def train_value_network(dataset: ValueDataset, epochs: int = 300, batch_size: int = 256, learning_rate: float = 1e-3,
                        seed: int = 0, validation_share: float = 0.2, time_limit: float | None = None,
                        device: str = "auto", log: bool = True, threads: int = 1,
                        schedule: str = "constant") -> tuple[ValueNetwork, dict[str, Any]]:
    """Fit the network by MSE on min–max scaled labels; returns it with training statistics.

    ``schedule="constant"`` keeps Adam's learning rate and returns the last epoch's weights;
    ``schedule="cosine"`` anneals it to zero over ``epochs`` and returns the weights of the epoch
    with the lowest validation error (checked every epoch).
    """
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"neur2ro training: schedule must be 'constant' or 'cosine', got {schedule!r}")
    torch.manual_seed(seed)
    torch.set_num_threads(max(int(threads), 1))
    rng = np.random.default_rng(seed)
    network = ValueNetwork(NETWORK_SIZES[dataset.kind])
    groups = _grouped_tensors(network, dataset)
    all_x = np.concatenate([group["x"].reshape(-1, group["x"].shape[-1]) for group in groups.values()])
    all_xi = np.concatenate([group["xi"].reshape(-1, group["xi"].shape[-1]) for group in groups.values()])
    x_scale = np.maximum(np.abs(all_x).max(axis=0), 1e-9)
    xi_scale = np.maximum(np.abs(all_xi).max(axis=0), 1e-9)
    labels = dataset.labels
    label_offset, label_scale = float(labels.min()), float(max(labels.max() - labels.min(), 1e-9))
    network.x_scale.copy_(torch.as_tensor(x_scale))
    network.xi_scale.copy_(torch.as_tensor(xi_scale))
    network.label_offset.fill_(label_offset)
    network.label_scale.fill_(label_scale)
    target = resolve_device(device)
    network.to(target)
    tensors: dict[int, tuple[torch.Tensor, ...]] = {}
    train_batches: list[tuple[int, np.ndarray]] = []
    validation: list[tuple[int, np.ndarray]] = []
    for size, group in groups.items():
        x_items = torch.as_tensor(group["x"] / x_scale, dtype=torch.float32, device=target)
        xi_items = torch.as_tensor(group["xi"] / xi_scale, dtype=torch.float32, device=target)
        scaled = torch.as_tensor((group["label"] - label_offset) / label_scale, dtype=torch.float32, device=target)
        tensors[size] = (x_items, xi_items, scaled)
        order = rng.permutation(len(scaled))
        cut = int(round(len(order) * validation_share))
        validation.append((size, order[:cut]))
        train_batches.append((size, order[cut:]))
    optimizer = torch.optim.Adam(network.parameters(), lr=learning_rate)
    annealing = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(int(epochs), 1)) if schedule == "cosine" else None
    best: tuple[float, int, dict[str, torch.Tensor]] | None = None
    started = time.perf_counter()
    history = []
    epoch = 0
    for epoch in range(1, epochs + 1):
        network.train()
        batches = [(size, indices[start : start + batch_size]) for size, indices in train_batches
                   for start in range(0, len(indices), batch_size)]
        for size, indices in (batches[position] for position in rng.permutation(len(batches))):
            x_items, xi_items, scaled = tensors[size]
            index = torch.as_tensor(rng.permutation(indices), device=target)
            loss = torch.mean((network(x_items[index], xi_items[index]) - scaled[index]) ** 2)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        logged = epoch % 25 == 0 or epoch == epochs
        metrics = _evaluate(network, tensors, train_batches, validation) if logged or annealing is not None else {}
        if annealing is not None:
            annealing.step()
            error = metrics["validation_mae_scaled"]
            if best is None or error < best[0]:
                best = (error, epoch, {key: value.detach().clone() for key, value in network.state_dict().items()})
        if logged:
            metrics["epoch"] = epoch
            metrics["seconds"] = time.perf_counter() - started
            history.append(metrics)
            if log:
                print(json.dumps(metrics), flush=True)
        if time_limit is not None and time.perf_counter() - started > time_limit:
            break
    if best is not None:
        network.load_state_dict(best[2])
    final = _evaluate(network, tensors, train_batches, validation)
    network.to("cpu").eval()
    statistics = {"epochs": epoch, "train_seconds": time.perf_counter() - started, "samples": int(len(labels)),
                  "schedule": schedule, "best_epoch": best[1] if best is not None else epoch,
                  "label_offset": label_offset, "label_scale": label_scale, **final, "history": history}
    return network, statistics


def _evaluate(network: ValueNetwork, tensors: dict, train_batches: list, validation: list) -> dict[str, float]:
    network.eval()
    results = {}
    with torch.no_grad():
        for label, split in (("train", train_batches), ("validation", validation)):
            errors = []
            for size, indices in split:
                if len(indices) == 0:
                    continue
                x_items, xi_items, scaled = tensors[size]
                index = torch.as_tensor(indices, device=scaled.device)
                errors.append((network(x_items[index], xi_items[index]) - scaled[index]).abs().cpu().numpy())
            merged = np.concatenate(errors) if errors else np.zeros(1)
            results[f"{label}_mae_scaled"] = float(merged.mean())
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m ormodel.learned.neur2ro.train", description=__doc__.split("\n")[0])
    parser.add_argument("--problem", required=True, help="knapsack (kp) or capital_budgeting (cb)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", type=int, default=160)
    parser.add_argument("--decisions", type=int, default=5, help="first-stage decisions per instance")
    parser.add_argument("--scenarios", type=int, default=5, help="scenarios per decision")
    parser.add_argument("--sizes", default=None, help="comma-separated instance sizes (default: the paper's)")
    parser.add_argument("--workers", type=int, default=1, help="processes labelling instances in parallel")
    parser.add_argument("--backend", default="highs")
    parser.add_argument("--data", default=None, help="labelled data (.npz): reused when it exists, else written there")
    parser.add_argument("--labels", default=None,
                        help="resumable label file (JSON lines, keep it outside the repository, e.g. ~/.cache/ormodel/...): "
                             "instances already labelled there are skipped, the rest appended")
    parser.add_argument("--label-only", action="store_true", help="with --labels: label, then stop (no training)")
    parser.add_argument("--label-gap", type=float, default=1e-4, help="relative MIP gap of each label's second-stage solve "
                        "(the paper: 1e-2)")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--schedule", choices=("constant", "cosine"), default="constant",
                        help="learning rate: constant (last epoch's weights) or cosine-annealed to zero (the best "
                             "validation epoch's weights)")
    parser.add_argument("--train-time-limit", type=float, default=None, help="seconds of training at most")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--output", default=None, help="weights file (default: the shipped weights path)")
    args = parser.parse_args(argv)
    kind = normalize_kind(args.problem)
    sizes = tuple(int(size) for size in args.sizes.split(",")) if args.sizes else None
    data_path = Path(args.data) if args.data else None
    if args.labels:
        report = label_to_file(Path(args.labels).expanduser(), kind, args.instances, args.decisions, args.scenarios,
                               seed=args.seed, sizes=sizes, workers=args.workers, backend=args.backend, progress=True,
                               gap=args.label_gap)
        print(json.dumps({"labels_file": str(args.labels), **report}), flush=True)
        if args.label_only:
            return 0
        dataset = ValueDataset.from_labels(Path(args.labels).expanduser(), instances=args.instances)
        print(f"training on {len(dataset.labels)} labels from {args.labels}", flush=True)
    elif data_path is not None and data_path.exists():
        dataset = ValueDataset.load(data_path)
        if dataset.kind != kind:
            raise SystemExit(f"{data_path}: holds {dataset.kind} data, not {kind}")
        print(f"reusing {len(dataset.labels)} labels from {data_path}", flush=True)
    else:
        dataset = generate_data(kind, args.instances, args.decisions, args.scenarios, seed=args.seed, sizes=sizes,
                                workers=args.workers, backend=args.backend, progress=True)
        print(f"labelled {len(dataset.labels)} samples in {dataset.seconds:.1f} s", flush=True)
        if data_path is not None:
            dataset.save(data_path)
    network, statistics = train_value_network(dataset, epochs=args.epochs, batch_size=args.batch_size,
                                              learning_rate=args.learning_rate, seed=args.seed,
                                              time_limit=args.train_time_limit, device=args.device,
                                              schedule=args.schedule)
    output = Path(args.output) if args.output else DEFAULT_WEIGHTS[kind]
    output.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "problem": kind, "seed": args.seed, "instances": len(dataset.instance_sizes), "decisions": args.decisions,
        "scenarios": args.scenarios, "sizes": sorted({int(size) for size in dataset.instance_sizes}),
        "data_seconds": dataset.seconds, "backend": args.backend, "epochs_requested": args.epochs,
        "batch_size": args.batch_size, "learning_rate": args.learning_rate, "device": args.device, "label_gap": args.label_gap,
        "torch": str(torch.__version__), "command": "python -m ormodel.learned.neur2ro.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        **{key: value for key, value in statistics.items() if key != "history"},
    }
    network.save(output, metadata)
    print(json.dumps({"weights": str(output), **metadata}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
