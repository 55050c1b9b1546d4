"""Train the dispatching policy by self-labeling (Corsini et al. 2024), after imitating the best rule.

Phase 1 (imitation of the per-instance best rule): on small generated instances of every family,
the six static rules dispatch in each of the family's decision modes; the best rule's decisions
are replayed and the policy learns them by cross-entropy. This gives a start about as good as the
best rule. ``--init WEIGHTS --imitation-instances 0`` starts from earlier weights instead.

Phase 2 (self-labeling): for each training instance the policy samples ``--samples`` schedules
(per decision mode of its family); the best one (lowest makespan) is the pseudo-label, and the
policy learns its decisions by cross-entropy. Instances come from a mix of generators and shapes
(:data:`TRAINING_MIX`): Taillard-style uniform, DMU-style with two machine subsets, wide (few
jobs, many machines; non-delay and active decisions), long (many jobs, few machines) and general
(ragged, re-entrant, zero durations), all generated here from the seed.

``--validate-every N`` scores the greedy policy (makespan over the per-instance best of the 12
static rules, lower is better) on generated validation instances (their own seeds) and keeps the
best weights. Every step is seeded (instances, sampling, torch), so a command reproduces its
weights (the shipped ones: learned/dispatching/README.md)::

    python -m ormodel.learned.dispatching.train --seed 0 --output learned/dispatching/weights/dispatch_policy.pt
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from ormodel.datasets.jssp.generators import dmu_jobshop, general_jobshop, random_jobshop
from ormodel.datasets.jssp.instance import JobShopInstance
from ormodel.learned.dispatching.env import DispatchEnvironment
from ormodel.learned.dispatching.features import NUM_FEATURES, FeatureContext, candidate_features
from ormodel.learned.dispatching.policy import DEFAULT_WEIGHTS, DispatchPolicy, torch_threads
from ormodel.learned.dispatching.rules import RULES, dispatch_with_rule, rule_scores
from rich.progress import Progress

__all__ = [
    "TRAINING_MIX",
    "best_rule_makespan",
    "decisions",
    "generate",
    "imitation_loss",
    "initial_policy",
    "main",
    "rule_actions",
    "self_labeling_phase",
]

# (generator, jobs, machines, samples per instance and mode, decision modes): one instance of each
# family per self-labeling step, cycling through its shapes.
TRAINING_MIX: dict[str, list[tuple[str, int, int, int, tuple[str, ...]]]] = {
    "taillard": [("taillard", j, m, 32, ("non_delay",)) for j, m in ((10, 10), (15, 15), (20, 15), (20, 20), (30, 15), (30, 20), (50, 15), (50, 20))],
    "dmu": [("dmu2", j, m, 32, ("non_delay",)) for j, m in ((20, 15), (20, 20), (30, 15), (30, 20), (40, 15), (40, 20), (50, 20))],
    "wide": [("taillard", j, m, 16, ("non_delay", "active")) for j, m in ((10, 30), (10, 50), (10, 100), (15, 40), (20, 60))],
    "long": [("taillard", j, m, 8, ("non_delay",)) for j, m in ((100, 10), (150, 10), (200, 10), (100, 5), (100, 15))],
    "general": [("general", j, m, 32, ("non_delay",)) for j, m in ((20, 5), (30, 10), (50, 10), (40, 15), (80, 10), (30, 20))],
}
VALIDATION = [("taillard", 15, 15), ("taillard", 30, 20), ("dmu2", 30, 20), ("taillard", 10, 100), ("taillard", 200, 10),
              ("general", 50, 10)]

Decisions = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def generate(kind: str, jobs: int, machines: int, seed: int) -> JobShopInstance:
    """A training or validation instance of one generator."""
    if kind == "dmu2":
        return dmu_jobshop(jobs, machines, seed=seed)
    if kind == "general":
        return general_jobshop(jobs, machines, seed=seed)
    return random_jobshop(jobs, machines, seed=seed)


def rule_actions(instance: JobShopInstance, rule: str, mode: str = "non_delay") -> tuple[int, np.ndarray]:
    """Makespan and decisions of a rule in ``mode`` (the job chosen at each decision)."""
    env = DispatchEnvironment([instance], mode=mode)
    actions = []
    while not env.all_done:
        action = int(np.where(env.mask, rule_scores(env, rule), np.inf).argmin(axis=1)[0])
        actions.append(action)
        env.step(np.array([action]))
    return int(env.makespans()[0]), np.array(actions, dtype=np.int64)


def best_rule_makespan(instance: JobShopInstance) -> int:
    """The per-instance best of the 12 static rules (6 rules, non-delay and active)."""
    return min(dispatch_with_rule(instance, rule, mode).makespan for rule in RULES for mode in ("non_delay", "active"))


def decisions(instance: JobShopInstance, actions: np.ndarray, mode: str = "non_delay") -> Decisions | None:
    """Replay ``actions`` in ``mode`` and return (features, candidate index of each decision, chosen position).

    ``None`` when the schedule had no real decision (every move forced).
    """
    env = DispatchEnvironment([instance], mode=mode)
    context = FeatureContext(env)
    features, owners, targets = [], [], []
    offset = 0
    for number, action in enumerate(actions.tolist()):
        if action < 0 or env.all_done:
            break
        _, jobs, state = candidate_features(env, context)
        features.append(state)
        owners.append(np.full(len(jobs), number))
        targets.append(offset + int(np.flatnonzero(jobs == action)[0]))
        offset += len(jobs)
        env.step(np.array([action]))
    if not features:
        return None
    return (
        torch.from_numpy(np.concatenate(features)),
        torch.from_numpy(np.concatenate(owners)),
        torch.from_numpy(np.array(targets, dtype=np.int64)),
    )


def imitation_loss(policy: DispatchPolicy, batch: Sequence[Decisions]) -> torch.Tensor:
    """Mean cross-entropy of the chosen candidates over all decisions of ``batch``."""
    losses = []
    for features, owners, targets in batch:
        scores = policy(features)
        count = int(owners[-1]) + 1
        maximum = torch.full((count,), -1e30).scatter_reduce(0, owners, scores.detach(), reduce="amax")
        shifted = torch.exp(scores - maximum[owners])
        log_normalizer = torch.log(torch.zeros(count).index_add(0, owners, shifted)) + maximum
        losses.append(log_normalizer - scores[targets])
    return torch.cat(losses).mean()


def _step(policy: DispatchPolicy, optimizer: torch.optim.Optimizer, batch: Sequence[Decisions | None]) -> float:
    batch = [item for item in batch if item is not None]
    if not batch:
        return float("nan")
    loss = imitation_loss(policy, batch)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    optimizer.step()
    policy.refresh()
    return float(loss.detach())


def imitation_phase(
    policy: DispatchPolicy, instances: int, epochs: int, seed: int, learning_rate: float, progress: Progress
) -> list[float]:
    """Learn the per-instance best rule's decisions in each mode of small instances of every family."""
    shapes = [(family, index) for index in range(4) for family in TRAINING_MIX]
    data: list[Decisions | None] = []
    task = progress.add_task("imitation data (best rule)", total=instances)
    for index in range(instances):
        family, position = shapes[index % len(shapes)]
        kind, jobs, machines, _, modes = TRAINING_MIX[family][position % len(TRAINING_MIX[family])]
        jobs = min(jobs, 50)  # keep the long family's imitation instances small
        instance = generate(kind, jobs, machines, seed=10_000 * seed + index)
        for mode in modes:
            best = min((rule_actions(instance, rule, mode) for rule in RULES), key=lambda pair: pair[0])
            data.append(decisions(instance, best[1], mode))
        progress.advance(task)
    optimizer = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    generator = np.random.default_rng(seed)
    losses = []
    task = progress.add_task("imitation epochs", total=epochs)
    for _ in range(epochs):
        order = generator.permutation(len(data))
        epoch = [_step(policy, optimizer, [data[i] for i in order[start : start + 8]]) for start in range(0, len(order), 8)]
        losses.append(float(np.mean(epoch)))
        progress.advance(task)
    return losses


def validation_sets(seed: int, count: int) -> list[tuple[JobShopInstance, int]]:
    """``count`` instances of each validation shape (seeds apart from training) with their best-rule makespans."""
    chosen = []
    for shape, (kind, jobs, machines) in enumerate(VALIDATION):
        for index in range(count):
            instance = generate(kind, jobs, machines, seed=900_000_000 + 1000 * seed + 100 * shape + index)
            chosen.append((instance, best_rule_makespan(instance)))
    return chosen


def validate(policy: DispatchPolicy, sets: Sequence[tuple[JobShopInstance, int]]) -> tuple[float, float]:
    """Mean of greedy makespan / best-of-12-rules makespan (lower is better), and the share of strict wins."""
    return score_and_wins(validation_ratios(policy, sets))


def score_and_wins(ratios: np.ndarray) -> tuple[float, float]:
    """Mean ratio (lower is better) and share of strict wins of ``ratios`` as from :func:`validation_ratios`."""
    return float(ratios.mean()), float((ratios < 1).mean())


def validation_ratios(policy: DispatchPolicy, sets: Sequence[tuple[JobShopInstance, int]]) -> np.ndarray:
    """Greedy makespan / best-of-12-rules makespan of each validation instance, in the order of ``sets``."""
    return np.array([policy.solve(instance).makespan / reference for instance, reference in sets])


def per_shape(ratios: np.ndarray) -> dict[str, list[float]]:
    """Mean ratio and share of strict wins of each validation shape (``ratios`` as from :func:`validation_ratios`)."""
    count = len(ratios) // len(VALIDATION)
    return {
        f"{kind}{jobs}x{machines}": [round(float(chunk.mean()), 4), round(float((chunk < 1).mean()), 3)]
        for (kind, jobs, machines), chunk in zip(VALIDATION, ratios.reshape(len(VALIDATION), count))
    }


def self_labeling_phase(
    policy: DispatchPolicy, arguments: argparse.Namespace, progress: Progress, log: list[dict]
) -> dict:
    """Sample, keep each instance's best schedule, imitate it; validate and keep the best weights."""
    optimizer = torch.optim.Adam(policy.parameters(), lr=arguments.learning_rate)
    # Cosine decay of the learning rate to ``--final-learning-rate`` over ``--iterations``.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _cosine(step, arguments))
    families = [family for family in arguments.families.split(",") if family]
    sets = validation_sets(arguments.seed, arguments.validation_instances) if arguments.validation_instances else []
    score, wins = validate(policy, sets) if sets else (None, None)
    kept = {"iterations": 0, "score": score, "wins": wins, "state": copy.deepcopy(policy.state_dict())}
    if sets:
        log.append({"iterations": 0, "greedy_over_best_rule": score, "wins": wins})
    checkpoints = Path(arguments.checkpoints) if arguments.checkpoints and sets else None
    if checkpoints:
        checkpoints.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    task = progress.add_task("self-labeling", total=arguments.iterations)
    for iteration in range(1, arguments.iterations + 1):
        if arguments.max_minutes and time.perf_counter() - began > 60 * arguments.max_minutes:
            break
        if arguments.stop_after and iteration > arguments.stop_after:
            break
        batch: list[Decisions | None] = []
        gains = []
        for number, family in enumerate(families):
            options = TRAINING_MIX[family]
            kind, jobs, machines, samples, modes = options[(iteration + number) % len(options)]
            instance = generate(kind, jobs, machines, seed=1_000_003 * arguments.seed + 7919 * iteration + number)
            samples = max(2, int(samples * arguments.samples / 32))
            for position, mode in enumerate(modes):
                run = policy.run([instance] * samples, greedy=False, seed=31 * iteration + number + 1000 * position,
                                 record=True, mode=mode)
                makespans = run.env.makespans()
                best = int(makespans.argmin())
                batch.append(decisions(instance, run.actions[:, best], mode))
                gains.append(float(makespans.min() / makespans.mean()))
        loss = _step(policy, optimizer, batch)
        schedule.step()
        entry: dict = {"iterations": iteration, "loss": round(loss, 4), "best_over_mean": round(float(np.mean(gains)), 4)}
        if sets and iteration % arguments.validate_every == 0:
            ratios = validation_ratios(policy, sets)
            score, wins = score_and_wins(ratios)
            entry["greedy_over_best_rule"] = round(score, 4)
            entry["wins"] = round(wins, 3)
            entry["per_shape"] = per_shape(ratios)
            if checkpoints:
                policy.save(checkpoints / f"step{iteration:05d}.pt", {"partial": True, "log": log + [entry]})
            if score < kept["score"]:
                kept = {"iterations": iteration, "score": score, "wins": wins, "state": copy.deepcopy(policy.state_dict())}
                policy.save(f"{arguments.output}.partial", {"partial": True, "log": log + [entry]})
        log.append(entry)
        progress.update(task, advance=1, description=f"self-labeling {json.dumps({k: v for k, v in entry.items() if k != 'iterations'})}")
    if sets:
        policy.load_state_dict(kept["state"])
        policy.refresh()
    return {"iterations": kept["iterations"], "score": kept["score"], "wins": kept["wins"]}


def _cosine(step: int, arguments: argparse.Namespace) -> float:
    """Learning-rate factor after ``step`` self-labeling steps: 1 → final/initial along a half cosine."""
    final = arguments.final_learning_rate / arguments.learning_rate
    progress = min(step / max(arguments.iterations, 1), 1.0)
    return final + (1 - final) * 0.5 * (1 + np.cos(np.pi * progress))


def initial_policy(path: str | Path) -> DispatchPolicy:
    """Weights to start from; weights with fewer input features (earlier feature sets, which are a
    prefix of today's) get zero weights for the new ones, so the network starts out computing the same scores."""
    payload = torch.load(Path(path), map_location="cpu", weights_only=True)
    state = {key: value.float() for key, value in payload["state"].items()}
    first = state["network.0.weight"]
    if first.shape[1] > NUM_FEATURES:
        raise ValueError(f"{path}: {first.shape[1]} input features, more than today's {NUM_FEATURES}")
    state["network.0.weight"] = torch.cat([first, torch.zeros(first.shape[0], NUM_FEATURES - first.shape[1])], dim=1)
    policy = DispatchPolicy(hidden=int(payload["config"]["hidden"]))
    policy.load_state_dict(state)
    policy.refresh()
    return policy


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--imitation-instances", type=int, default=96)
    parser.add_argument("--imitation-epochs", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=400, help="self-labeling steps (one instance per family each)")
    parser.add_argument("--families", default="taillard,dmu,wide,long,general", help=f"of {','.join(TRAINING_MIX)}")
    parser.add_argument("--samples", type=int, default=32, help="samples per instance (scaled down for large shapes)")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--final-learning-rate", type=float, default=1e-3, help="cosine decay target (default: constant)")
    parser.add_argument("--validation-instances", type=int, default=2, help="per validation shape; 0 keeps the last weights")
    parser.add_argument("--validate-every", type=int, default=25)
    parser.add_argument("--max-minutes", type=float, default=0.0, help="stop self-labeling after this long (0: no limit)")
    parser.add_argument("--stop-after", type=int, default=0,
                        help="stop after this many steps (the learning-rate schedule still spans --iterations; 0: no stop)")
    parser.add_argument("--checkpoints", default=None, help="folder for the weights of every validated step (optional)")
    parser.add_argument("--init", default=None, help="start from these weights (earlier feature sets are padded)")
    parser.add_argument("--output", default=str(DEFAULT_WEIGHTS))
    arguments = parser.parse_args(argv)
    unknown = set(arguments.families.split(",")) - set(TRAINING_MIX)
    if unknown:
        parser.error(f"unknown families {sorted(unknown)}; choose from {', '.join(TRAINING_MIX)}")
    began = time.perf_counter()
    torch.manual_seed(arguments.seed)
    with torch_threads(1), Progress() as progress:
        policy = initial_policy(arguments.init) if arguments.init else DispatchPolicy(hidden=arguments.hidden)
        policy.train()
        imitation = []
        if arguments.imitation_instances:
            imitation = imitation_phase(
                policy, arguments.imitation_instances, arguments.imitation_epochs, arguments.seed,
                arguments.learning_rate, progress,
            )
        log: list[dict] = []
        kept = self_labeling_phase(policy, arguments, progress, log) if arguments.iterations else {}
    metadata = {
        "command": "python -m ormodel.learned.dispatching.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        "arguments": vars(arguments),
        "imitation_losses": [round(value, 4) for value in imitation],
        "log": log,
        "validation": [entry for entry in log if "greedy_over_best_rule" in entry],
        "kept": kept,
        "steps_done": max((entry["iterations"] for entry in log), default=0),
        "seconds": round(time.perf_counter() - began, 1),
    }
    policy.save(arguments.output, metadata)
    print(json.dumps({"output": arguments.output, "kept": kept, "seconds": metadata["seconds"]}))


if __name__ == "__main__":
    main()
