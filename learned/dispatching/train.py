"""Train the dispatching policy: imitate CP-SAT schedules, then REINFORCE with a shared baseline.

Phase 1 (imitation, as Tassel et al. learn from solver-improved schedules): small random
instances are solved by CP-SAT with one worker and a deterministic time limit; the CP-SAT
schedule is replayed as a priority order (at each decision the competing job whose operation
starts first in CP-SAT's schedule) and the policy learns those choices by cross-entropy.

Phase 2 (REINFORCE): for each training instance the policy samples ``group`` schedules; the
advantage of a schedule is its makespan's standardized distance to the group mean (the shared
baseline of POMO-style training), so no critic is needed.

Optional: ``--validation-instances N`` scores the greedy policy against the best static rule on
fixed random validation instances (``--validation-sizes``) every ``--validate-every`` iterations
and keeps the best-scoring weights; ``--init WEIGHTS`` fine-tunes saved weights.

Every step is seeded (instances, CP-SAT, sampling, torch), so a command reproduces its weights::

    python -m ormodel.learned.dispatching.train --seed 0 --output learned/dispatching/weights/dispatch_policy.pt
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from ormodel.datasets.jssp.generators import random_jobshop_batch
from ormodel.datasets.jssp.instance import JobShopInstance
from ormodel.learned.dispatching.cpsat import solve_jobshop_cpsat
from ormodel.learned.dispatching.env import DispatchEnvironment
from ormodel.learned.dispatching.features import job_features, same_machine_mask
from ormodel.learned.dispatching.policy import DEFAULT_WEIGHTS, DispatchPolicy, load_policy, torch_threads
from ormodel.learned.dispatching.rules import dispatch_batch_with_rule

__all__ = [
    "collect_imitation_data",
    "imitation_phase",
    "main",
    "parse_sizes",
    "reinforce_phase",
    "validate",
    "validation_sets",
]

States = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"10x10,15x10"`` → ``[(10, 10), (15, 10)]``."""
    sizes = []
    for part in text.split(","):
        try:
            jobs, machines = part.lower().split("x")
            sizes.append((int(jobs), int(machines)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"size {part!r} is not of the form JOBSxMACHINES, e.g. 10x10") from None
    return sizes


def _state_tensors(
    env: DispatchEnvironment, rows: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return (
        torch.from_numpy(job_features(env)[rows]),
        torch.from_numpy(env.mask[rows].copy()),
        torch.from_numpy(same_machine_mask(env)[rows]),
        torch.from_numpy(~env.job_done[rows]),
    )


def collect_imitation_data(instances: Sequence[JobShopInstance], teacher_starts: np.ndarray) -> States:
    """Replay the teacher's schedules in the non-delay environment and record (state, teacher choice)."""
    env = DispatchEnvironment(instances)
    last = env.num_operations - 1
    records: list[tuple[torch.Tensor, ...]] = []
    while not env.all_done:
        rows = np.nonzero(~env.done)[0]
        next_starts = np.take_along_axis(teacher_starts, np.minimum(env.next_operation, last)[:, :, None], axis=2)[
            :, :, 0
        ]
        choice = np.where(env.mask, next_starts, np.iinfo(np.int64).max).argmin(axis=1)
        records.append((*_state_tensors(env, rows), torch.from_numpy(choice[rows])))
        env.step(choice)
    return tuple(torch.cat([record[index] for record in records]) for index in range(5))  # type: ignore[return-value]


def imitation_phase(
    policy: DispatchPolicy,
    datasets: list[States],
    epochs: int,
    batch_size: int,
    learning_rate: float,
    generator: torch.Generator,
    log: list[dict],
) -> None:
    """Cross-entropy training on the recorded teacher choices (one dataset per instance size)."""
    optimizer = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    policy.train()
    for epoch in range(epochs):
        total, correct, count = 0.0, 0, 0
        batches: list[tuple[int, torch.Tensor]] = []
        for dataset_index, dataset in enumerate(datasets):
            order = torch.randperm(len(dataset[0]), generator=generator)
            batches.extend(
                (dataset_index, order[start : start + batch_size]) for start in range(0, len(order), batch_size)
            )
        for position in torch.randperm(len(batches), generator=generator).tolist():
            dataset_index, chosen = batches[position]
            features, legal, same, unfinished, target = (tensor[chosen] for tensor in datasets[dataset_index])
            logits = policy(features, legal, same, unfinished)
            loss = torch.nn.functional.cross_entropy(logits, target)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            optimizer.step()
            total += float(loss.detach()) * len(chosen)
            correct += int((logits.argmax(dim=1) == target).sum())
            count += len(chosen)
        entry = {"phase": "imitation", "epoch": epoch, "loss": total / count, "accuracy": correct / count}
        log.append(entry)
        print(json.dumps(entry), flush=True)


def sample_with_log_probabilities(
    policy: DispatchPolicy, instances: Sequence[JobShopInstance], generator: torch.Generator
) -> tuple[np.ndarray, torch.Tensor]:
    """Sample one schedule per instance; returns makespans and the summed log-probabilities (with grad)."""
    env = DispatchEnvironment(instances)
    log_probability = torch.zeros(env.batch_size)
    while not env.all_done:
        rows = np.nonzero(~env.done)[0]
        logits = policy(*_state_tensors(env, rows))
        distribution = torch.distributions.Categorical(logits=logits)
        chosen = torch.multinomial(distribution.probs.detach(), 1, generator=generator).squeeze(1)
        log_probability = log_probability.index_add(0, torch.from_numpy(rows), distribution.log_prob(chosen))
        actions = np.zeros(env.batch_size, dtype=np.int64)
        actions[rows] = chosen.numpy()
        env.step(actions)
    return env.makespans(), log_probability


VALIDATION_RULES = ("spt", "mwkr", "mopnr", "fifo")


def validation_sets(sizes: list[tuple[int, int]], count: int, seed: int) -> list[list[JobShopInstance]]:
    """Fixed random validation instances per size (seeds far from the training instances' seeds)."""
    return [
        random_jobshop_batch(count, jobs, machines, seed=900_000_000 + 1000 * seed + index)
        for index, (jobs, machines) in enumerate(sizes)
    ]


def best_rule_makespans(instances: Sequence[JobShopInstance]) -> np.ndarray:
    """Makespans of the static rule (non-delay) with the lowest mean on ``instances``."""
    per_rule = [
        np.array([schedule.makespan for schedule in dispatch_batch_with_rule(instances, rule)], dtype=float)
        for rule in VALIDATION_RULES
    ]
    return min(per_rule, key=lambda makespans: float(makespans.mean()))


def validate(policy: DispatchPolicy, sets: list[list[JobShopInstance]], references: list[np.ndarray]) -> float:
    """Mean over sizes of the greedy policy's mean makespan ratio to the best static rule (lower is better)."""
    policy.eval()
    ratios = []
    for instances, reference in zip(sets, references, strict=True):
        env = policy.run(instances, greedy=True, device="cpu", threads=None)
        ratios.append(float((env.makespans() / reference).mean()))
    return float(np.mean(ratios))


def reinforce_phase(
    policy: DispatchPolicy,
    sizes: list[tuple[int, int]],
    iterations: int,
    instances_per_iteration: int,
    group: int,
    learning_rate: float,
    seed: int,
    generator: torch.Generator,
    log: list[dict],
    checkpoint_every: int = 0,
    checkpoint_path: Path | None = None,
    validation: tuple[list[list[JobShopInstance]], list[np.ndarray]] | None = None,
    validate_every: int = 25,
) -> dict:
    """REINFORCE with the group-mean baseline on fresh random instances each iteration.

    With ``validation`` (instance sets and their best-rule makespans) the greedy policy is scored
    every ``validate_every`` iterations and at the start; the best-scoring weights are loaded back
    at the end. Returns ``{"iteration": ..., "score": ...}`` of the kept weights.
    """
    optimizer = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    best = {"iteration": 0, "score": float("inf")}
    best_state = None

    def check(iterations_done: int) -> None:
        nonlocal best_state
        if validation is None:
            return
        score = validate(policy, *validation)
        entry = {"phase": "validation", "iterations": iterations_done, "greedy_over_best_rule": round(score, 5)}
        log.append(entry)
        print(json.dumps(entry), flush=True)
        if score < best["score"]:
            best.update(iteration=iterations_done, score=score)
            best_state = copy.deepcopy(policy.state_dict())

    check(0)
    size_random = np.random.default_rng(seed + 1)
    began = time.perf_counter()
    for iteration in range(iterations):
        policy.train()
        jobs, machines = sizes[int(size_random.integers(len(sizes)))]
        instances = random_jobshop_batch(
            instances_per_iteration, jobs, machines, seed=seed * 1_000_003 + 7919 * iteration + 17
        )
        makespans, log_probability = sample_with_log_probabilities(
            policy, [instance for instance in instances for _ in range(group)], generator
        )
        grouped = makespans.reshape(instances_per_iteration, group).astype(float)
        advantage = (grouped.mean(axis=1, keepdims=True) - grouped) / (grouped.std(axis=1, keepdims=True) + 1e-6)
        loss = -(torch.from_numpy(advantage.ravel()).float() * log_probability).mean()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        optimizer.step()
        if iteration % 10 == 0 or iteration == iterations - 1:
            mopnr = np.array(
                [schedule.makespan for schedule in dispatch_batch_with_rule(instances, "mopnr")], dtype=float
            )
            entry = {
                "phase": "reinforce",
                "iteration": iteration,
                "size": f"{jobs}x{machines}",
                "mean_makespan_over_mopnr": float((grouped.mean(axis=1) / mopnr).mean()),
                "best_makespan_over_mopnr": float((grouped.min(axis=1) / mopnr).mean()),
                "seconds": round(time.perf_counter() - began, 1),
            }
            log.append(entry)
            print(json.dumps(entry), flush=True)
        if checkpoint_every and checkpoint_path is not None and (iteration + 1) % checkpoint_every == 0:
            policy.save(
                checkpoint_path.with_suffix(f".rl{iteration + 1:04d}.pt"),
                {"phase": "reinforce", "iterations": iteration + 1},
            )
        if validate_every and (iteration + 1) % validate_every == 0:
            check(iteration + 1)
    if not validate_every or iterations % validate_every:
        check(iterations)
    if best_state is not None:
        policy.load_state_dict(best_state)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry: ``python -m ormodel.learned.dispatching.train --seed 0``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--imitation-sizes", type=parse_sizes, default=parse_sizes("8x8,10x5,10x10,15x10"))
    parser.add_argument("--imitation-instances", type=int, default=32, help="instances per imitation size")
    parser.add_argument(
        "--cp-deterministic-time", type=float, default=0.2, help="CP-SAT work limit per teacher instance (1 worker)"
    )
    parser.add_argument("--imitation-epochs", type=int, default=30)
    parser.add_argument("--rl-sizes", type=parse_sizes, default=parse_sizes("10x10,15x10,15x15,20x10"))
    parser.add_argument("--rl-iterations", type=int, default=150)
    parser.add_argument("--rl-instances", type=int, default=8, help="instances per REINFORCE iteration")
    parser.add_argument("--rl-group", type=int, default=8, help="sampled schedules per instance (shared baseline)")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--rl-learning-rate", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--checkpoint-dir",
        type=Path,
        default=None,
        help="also save the imitation policy and every --checkpoint-every RL iterations here",
    )
    parser.add_argument("--checkpoint-every", type=int, default=25)
    parser.add_argument(
        "--init", type=Path, default=None, help="start from these weights (fine-tuning; use --imitation-instances 0)"
    )
    parser.add_argument(
        "--validation-sizes",
        type=parse_sizes,
        default=parse_sizes("20x15,30x20"),
        help="sizes of the fixed random validation sets (greedy vs best static rule); the best weights are kept",
    )
    parser.add_argument(
        "--validation-instances",
        type=int,
        default=0,
        help="instances per validation size (0: off, keep the last weights)",
    )
    parser.add_argument("--validate-every", type=int, default=25, help="REINFORCE iterations between validations")
    arguments = parser.parse_args(argv)

    with torch_threads(arguments.threads):
        _train(arguments, argv)


def _train(arguments: argparse.Namespace, argv: Sequence[str] | None) -> None:
    torch.manual_seed(arguments.seed)
    generator = torch.Generator().manual_seed(arguments.seed)
    policy = DispatchPolicy() if arguments.init is None else load_policy(arguments.init, device="cpu")
    log: list[dict] = []
    began = time.perf_counter()
    arguments.output.parent.mkdir(parents=True, exist_ok=True)

    datasets = []
    for size_index, (jobs, machines) in enumerate(arguments.imitation_sizes):
        if arguments.imitation_instances <= 0:
            break
        instances = random_jobshop_batch(
            arguments.imitation_instances, jobs, machines, seed=arguments.seed * 1000 + size_index
        )
        teacher = [
            solve_jobshop_cpsat(
                instance,
                time_limit=None,
                seed=arguments.seed,
                workers=1,
                deterministic_time=arguments.cp_deterministic_time,
            )
            for instance in instances
        ]
        starts = np.stack([solution.starts for solution in teacher])
        datasets.append(collect_imitation_data(instances, starts))
        entry = {
            "phase": "teacher",
            "size": f"{jobs}x{machines}",
            "states": len(datasets[-1][0]),
            "seconds": round(time.perf_counter() - began, 1),
        }
        log.append(entry)
        print(json.dumps(entry), flush=True)
    if datasets:
        imitation_phase(policy, datasets, arguments.imitation_epochs, 256, arguments.learning_rate, generator, log)
        if arguments.checkpoint_dir is not None:
            arguments.checkpoint_dir.mkdir(parents=True, exist_ok=True)
            policy.save(arguments.checkpoint_dir / "policy.imitation.pt", {"phase": "imitation"})
    kept = None
    if arguments.rl_iterations > 0:
        validation = None
        if arguments.validation_instances > 0:
            sets = validation_sets(arguments.validation_sizes, arguments.validation_instances, arguments.seed)
            validation = (sets, [best_rule_makespans(instances) for instances in sets])
        kept = reinforce_phase(
            policy,
            arguments.rl_sizes,
            arguments.rl_iterations,
            arguments.rl_instances,
            arguments.rl_group,
            arguments.rl_learning_rate,
            arguments.seed,
            generator,
            log,
            arguments.checkpoint_every,
            None if arguments.checkpoint_dir is None else arguments.checkpoint_dir / "policy.pt",
            validation,
            arguments.validate_every,
        )
    metadata = {
        "command": "python -m ormodel.learned.dispatching.train "
        + " ".join(argv if argv is not None else __import__("sys").argv[1:]),
        "arguments": {
            key: (str(value) if isinstance(value, Path) else value) for key, value in vars(arguments).items()
        },
        "seconds": round(time.perf_counter() - began, 1),
        "kept": kept,
        "validation": [entry for entry in log if entry["phase"] == "validation"],
        "log_tail": log[-5:],
    }
    policy.save(arguments.output, metadata)
    print(json.dumps({"saved": str(arguments.output), "seconds": metadata["seconds"]}), flush=True)


if __name__ == "__main__":
    main()
