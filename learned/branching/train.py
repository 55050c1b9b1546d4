"""Train the GCN branching policy by imitation of the strong-branching expert.

Recipe of Gasse et al. 2019 (``03_train_gcnn.py``): PreNorm statistics from a first pass over
training samples, then Adam (lr 1e-3), batches of 32, an epoch = ``epoch_size`` batches drawn with
replacement from the training samples, cross-entropy of the masked softmax against the expert's
choice, learning rate divided by 5 after ``lr_patience`` epochs without validation-loss
improvement, early stop after ``patience``; the best checkpoint (validation loss) is kept.
Several ``--train`` folders train one policy on their union (the mixed-distribution policy of
Distributional MIPLIB). acc@k on held-out samples counts a sample right when one of the k
highest-scored candidates has the expert's best strong-branching score (ties count).

Example::

    python -m ormodel.learned.branching.train --train data/setcover/train --valid data/setcover/valid \\
        --out learned/branching/weights/setcover.pt --epochs 1000 --epoch-size 312
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from ormodel.learned.branching.data import SampleDataset, batch_candidates, make_loader
from ormodel.learned.branching.memory import keep_freed_memory
from ormodel.learned.branching.policy import (
    BranchingPolicy,
    candidate_log_probabilities,
    resolve_device,
    save_policy,
)
from ormodel.learned.branching.samples import sample_files

__all__ = ["TrainingConfig", "evaluate_policy", "main", "train_policy", "train_steps"]

ACCURACY_LEVELS = (1, 3, 5, 10)


class TrainingConfig:
    """Training settings (defaults = the paper's)."""

    def __init__(self, epochs: int = 1000, epoch_size: int = 312, batch_size: int = 32, learning_rate: float = 1e-3,
                 patience: int = 20, lr_patience: int = 10, normalization_samples: int = 1000, seed: int = 0,
                 device: str = "auto", time_budget: float | None = None, valid_batch_size: int = 64,
                 cache_samples: bool = True) -> None:
        self.epochs = epochs
        self.epoch_size = epoch_size
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.lr_patience = lr_patience
        self.normalization_samples = normalization_samples
        self.seed = seed
        self.device = device
        self.time_budget = time_budget
        self.valid_batch_size = valid_batch_size
        # Decoded graphs kept in memory after their first read: fine for thousands of samples, not for
        # the anchor's 100k set-cover samples (~30k edges each, tens of GB); switch off for those.
        self.cache_samples = cache_samples

    def as_dict(self) -> dict[str, Any]:
        """Settings as a plain dict (stored in the checkpoint)."""
        return dict(vars(self))


def _batch_loss(policy: BranchingPolicy, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    scores = policy.forward_batch(batch)
    candidates, group, choice_positions, groups = batch_candidates(batch)
    log_probabilities = candidate_log_probabilities(scores, candidates, group, groups)
    loss = -log_probabilities[choice_positions].mean()
    return loss, log_probabilities, group, torch.tensor(groups)


def train_steps(policy: BranchingPolicy, optimizer: torch.optim.Optimizer, batches: Iterable[Any],
                device: torch.device) -> list[tuple[float, int]]:
    """One optimizer step per batch (moved to ``device``); returns each step's (mean loss, samples)."""
    policy.train()
    steps = []
    for batch in batches:
        batch = batch.to(device)
        loss, _, _, groups = _batch_loss(policy, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps.append((loss.item(), int(groups)))
    return steps


def evaluate_policy(policy: BranchingPolicy, files: Sequence[str | os.PathLike[str]] | SampleDataset,
                    device: str = "auto", batch_size: int = 64) -> dict[str, float]:
    """Mean cross-entropy and acc@1/3/5/10 of ``policy`` on sample files (or a :class:`SampleDataset`)."""
    keep_freed_memory()
    target = resolve_device(device)
    policy.to(target).eval()
    with torch.inference_mode():
        return _evaluate(policy, make_loader(files, batch_size=batch_size), target)


def _evaluate(policy: BranchingPolicy, loader: Any, target: torch.device) -> dict[str, float]:
    total_loss = 0.0
    hits = {level: 0 for level in ACCURACY_LEVELS}
    count = 0
    for batch in loader:
        batch = batch.to(target)
        loss, log_probabilities, _group, groups_tensor = _batch_loss(policy, batch)
        groups = int(groups_tensor)
        total_loss += float(loss) * groups
        counts = batch.candidate_count.tolist()
        predicted = torch.split(log_probabilities.cpu(), counts)
        true_scores = torch.split(batch.candidate_scores.cpu(), counts)
        for sample_scores, sample_truth in zip(predicted, true_scores):
            best = float(sample_truth.max())
            order = torch.argsort(sample_scores, descending=True)
            for level in ACCURACY_LEVELS:
                if float(sample_truth[order[:level]].max()) >= best:
                    hits[level] += 1
        count += groups
    if count == 0:
        raise ValueError("no validation samples to evaluate")
    metrics: dict[str, float] = {"loss": total_loss / count, "samples": float(count)}
    metrics.update({f"acc@{level}": hits[level] / count for level in ACCURACY_LEVELS})
    return metrics


def train_policy(train_files: Sequence[Path], valid_files: Sequence[Path], output: str | os.PathLike[str],
                 config: TrainingConfig | None = None, metadata: dict[str, Any] | None = None,
                 log: Any = print) -> dict[str, Any]:
    """Train a policy, write the best checkpoint to ``output``; returns the training record."""
    config = config or TrainingConfig()
    if not train_files:
        raise ValueError("no training samples: collect some with python -m ormodel.learned.branching.collect")
    if not valid_files:
        raise ValueError("no validation samples: pass --valid with a folder of held-out samples")
    started = time.perf_counter()
    keep_freed_memory()  # batches allocate ~100 MB tensors: without it every pass pays page faults
    torch.manual_seed(config.seed)
    random = np.random.default_rng(config.seed)
    device = resolve_device(config.device)
    policy = BranchingPolicy().to(device)

    train_set = SampleDataset(train_files, cache=config.cache_samples)
    valid_set = SampleDataset(valid_files, cache=config.cache_samples)
    normalization_indices = list(range(len(train_files)))
    if len(normalization_indices) > config.normalization_samples:
        picked = random.choice(len(normalization_indices), config.normalization_samples, replace=False)
        normalization_indices = [int(index) for index in sorted(picked)]
    normalization_batches = [batch.to(device) for batch in make_loader(
        torch.utils.data.Subset(train_set, normalization_indices), batch_size=config.batch_size)]
    passes = policy.fit_normalization(normalization_batches)
    del normalization_batches

    optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
    best_loss = float("inf")
    best_epoch = -1
    stale = 0
    history = []
    learning_rate = config.learning_rate
    training_seconds = 0.0
    sample_epochs = 0
    for epoch in range(config.epochs):
        epoch_started = time.perf_counter()
        draws = random.choice(len(train_files), config.epoch_size * config.batch_size, replace=True)
        steps = train_steps(policy, optimizer,
                            make_loader(torch.utils.data.Subset(train_set, draws.tolist()), batch_size=config.batch_size),
                            device)
        train_loss = sum(loss * samples for loss, samples in steps)
        seen = sum(samples for _loss, samples in steps)
        train_seconds = time.perf_counter() - epoch_started
        training_seconds += train_seconds
        sample_epochs += seen
        valid = evaluate_policy(policy, valid_set, str(device), config.valid_batch_size)
        epoch_record = {"epoch": epoch, "train_loss": train_loss / max(seen, 1),
                        **{f"valid_{k}": v for k, v in valid.items()},
                        "learning_rate": learning_rate, "train_seconds": round(train_seconds, 2),
                        "seconds": round(time.perf_counter() - epoch_started, 2)}
        history.append(epoch_record)
        log(json.dumps(epoch_record))
        if valid["loss"] < best_loss:
            best_loss, best_epoch, stale = valid["loss"], epoch, 0
            save_policy(policy, output, {**(metadata or {}), "epoch": epoch, "valid": valid})
        else:
            stale += 1
            if stale % config.lr_patience == 0:
                learning_rate /= 5.0
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate
            if stale >= config.patience:
                log(f"early stop after {config.patience} epochs without improvement")
                break
        if config.time_budget is not None and time.perf_counter() - started > config.time_budget:
            log(f"time budget of {config.time_budget:.0f} s reached after epoch {epoch}")
            break
    from ormodel.learned.branching.policy import load_policy

    best_policy, _ = load_policy(output, device)
    final_valid = evaluate_policy(best_policy, valid_set, str(device), config.valid_batch_size)
    record: dict[str, Any] = {
        **(metadata or {}),
        "config": config.as_dict(),
        "train_samples": len(train_files),
        "valid_samples": len(valid_files),
        "normalization_passes": passes,
        "best_epoch": best_epoch,
        "epochs_run": len(history),
        "valid": final_valid,
        "seconds": round(time.perf_counter() - started, 1),
        "sample_epochs": sample_epochs,
        "train_seconds_per_sample": round(training_seconds / max(sample_epochs, 1), 5),
        "device": str(device),
    }
    save_policy(best_policy, output, record)
    return {**record, "history": history}


def _files(folders: Sequence[str], limit: int | None, seed: int) -> list[Path]:
    """Sample files of each folder; ``limit`` caps the total, split evenly over folders."""
    per_folder = [sample_files(folder) for folder in folders]
    for folder, files in zip(folders, per_folder):
        if not files:
            raise ValueError(f"{folder}: no .npz samples found; collect them first")
    if limit is None:
        return [file for files in per_folder for file in files]
    random = np.random.default_rng(seed)
    share = max(1, limit // len(per_folder))
    chosen: list[Path] = []
    for files in per_folder:
        take = min(share, len(files))
        chosen.extend(files[index] for index in sorted(random.choice(len(files), take, replace=False)))
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m ormodel.learned.branching.train",
                                     description="Train the GCN branching policy on strong-branching samples.")
    parser.add_argument("--train", nargs="+", required=True, help="folder(s) of training samples (several = a mixed policy)")
    parser.add_argument("--valid", nargs="+", required=True, help="folder(s) of validation samples")
    parser.add_argument("--out", required=True, help="checkpoint path (.pt)")
    parser.add_argument("--max-train", type=int, default=None, help="use at most this many training samples (split over folders)")
    parser.add_argument("--max-valid", type=int, default=None, help="use at most this many validation samples")
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--epoch-size", type=int, default=312, help="batches per epoch")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--patience", type=int, default=20)
    parser.add_argument("--lr-patience", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--time-budget", type=float, default=None, help="stop after the epoch that passes this many seconds")
    parser.add_argument("--name", default=None, help="policy name stored in the checkpoint")
    parser.add_argument("--no-cache", action="store_true",
                        help="re-read samples from disk on every draw (for sample sets larger than memory)")
    arguments = parser.parse_args(argv)
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    train_files = _files(arguments.train, arguments.max_train, arguments.seed)
    valid_files = _files(arguments.valid, arguments.max_valid, arguments.seed + 1)
    config = TrainingConfig(epochs=arguments.epochs, epoch_size=arguments.epoch_size, batch_size=arguments.batch_size,
                            learning_rate=arguments.lr, patience=arguments.patience, lr_patience=arguments.lr_patience,
                            seed=arguments.seed, device=arguments.device, time_budget=arguments.time_budget,
                            cache_samples=not arguments.no_cache)
    metadata = {"name": arguments.name or Path(arguments.out).stem, "train_folders": arguments.train,
                "valid_folders": arguments.valid, "command": "python -m ormodel.learned.branching.train " + " ".join(
                    sys.argv[1:] if argv is None else argv)}
    Path(arguments.out).parent.mkdir(parents=True, exist_ok=True)
    record = train_policy(train_files, valid_files, arguments.out, config, metadata)
    summary = {key: value for key, value in record.items() if key != "history"}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
