"""Training data for the value network: sampled (instance, x, xi, c'x + Q(x, xi)) labelled by our backends.

Following Neur2RO (§1.5 of the anchor): per instance, random first-stage decisions
``x_i ~ Bernoulli(1 - p)``, ``p ~ U(0, 1)`` (capital budgeting rejects decisions that violate the
robust budget row), and random scenarios from the uncertainty set's sampler; each label is one
second-stage MILP solved exactly on an ormodel backend (HiGHS by default). Instances are
processed in parallel by a process pool; each instance's randomness comes from
``SeedSequence([seed, index])``, so the data set does not depend on the number of workers.

Example:
    >>> data = generate_data("capital_budgeting", instances=2, decisions=2, scenarios=2, seed=0, sizes=(10,))
    >>> data.labels.shape
    (8,)
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ormodel.learned.neur2ro.exact import solve_second_stage
from ormodel.learned.neur2ro.instances import TRAINING_SIZES, make_problem, normalize_kind
from ormodel.learned.neur2ro.problem import TwoStageRobustProblem

__all__ = ["ValueDataset", "generate_data", "sample_decisions", "instance_seed"]

_SEED_OFFSET = 1_000_000  # training instances never share seeds with benchmark instances (small seeds)


def instance_seed(seed: int, index: int) -> int:
    """Generator seed of the ``index``-th training instance of data seed ``seed``."""
    return _SEED_OFFSET + 100_000 * int(seed) + int(index)


@dataclass
class ValueDataset:
    """Samples grouped by instance; flat arrays with offsets (instances have different sizes).

    Attributes:
        kind: problem class.
        instance_sizes, instance_seeds: how to regenerate instance ``k`` (:func:`make_problem`).
        sample_instance: instance index of each sample.
        decisions: concatenated first-stage decisions (``sizes[sample_instance]`` values per sample).
        scenarios: scenarios, shape ``(samples, xi_dim)`` for a fixed dimension, else concatenated.
        labels: ``c'x + Q(x, xi)``.
        seconds: wall time of the generation.
    """

    kind: str
    instance_sizes: np.ndarray
    instance_seeds: np.ndarray
    sample_instance: np.ndarray
    decisions: np.ndarray
    scenarios: np.ndarray
    labels: np.ndarray
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def problems(self) -> list[TwoStageRobustProblem]:
        """The instances, regenerated from their seeds."""
        return [make_problem(self.kind, int(size), int(seed)) for size, seed in zip(self.instance_sizes, self.instance_seeds)]

    def per_sample(self) -> Iterable[tuple[int, np.ndarray, np.ndarray, float]]:
        """``(instance index, x, xi, label)`` for every sample."""
        problems = self.problems()
        x_offset = xi_offset = 0
        for sample, instance in enumerate(self.sample_instance):
            problem = problems[instance]
            n_x, n_xi = problem.n_first, problem.uncertainty.dimension
            x = self.decisions[x_offset : x_offset + n_x]
            xi = self.scenarios[xi_offset : xi_offset + n_xi]
            x_offset += n_x
            xi_offset += n_xi
            yield int(instance), x, xi, float(self.labels[sample])

    def save(self, path: str | Path) -> None:
        """Write as ``.npz``."""
        np.savez_compressed(
            path, kind=np.array(self.kind), instance_sizes=self.instance_sizes, instance_seeds=self.instance_seeds,
            sample_instance=self.sample_instance, decisions=self.decisions, scenarios=self.scenarios,
            labels=self.labels, seconds=np.array(self.seconds),
        )

    @classmethod
    def load(cls, path: str | Path) -> "ValueDataset":
        """Read a file written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as archive:
            return cls(
                kind=str(archive["kind"]), instance_sizes=archive["instance_sizes"], instance_seeds=archive["instance_seeds"],
                sample_instance=archive["sample_instance"], decisions=archive["decisions"], scenarios=archive["scenarios"],
                labels=archive["labels"], seconds=float(archive["seconds"]),
            )


def sample_decisions(problem: TwoStageRobustProblem, rng: np.random.Generator, count: int, max_tries: int = 200) -> np.ndarray:
    """``count`` random first-stage decisions satisfying the robust first-stage rows."""
    decisions = []
    for _ in range(count):
        for attempt in range(max_tries):
            keep_probability = 1.0 - rng.uniform(0.0, 1.0) if attempt < max_tries // 2 else rng.uniform(0.0, 0.3)
            x = (rng.random(problem.n_first) < keep_probability).astype(np.float64)
            if problem.robust_feasible(x):
                break
        else:
            x = np.zeros(problem.n_first)
        decisions.append(x)
    return np.asarray(decisions)


def _label_instance(task: tuple[str, int, int, int, int, int, str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kind, size, seed, index, decisions, scenarios, backend = task
    problem = make_problem(kind, size, instance_seed(seed, index))
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))
    xs = sample_decisions(problem, rng, decisions)
    x_rows, xi_rows, labels = [], [], []
    for x in xs:
        for xi in problem.uncertainty.sample(rng, scenarios):
            solution = solve_second_stage(problem, x, xi, backend, gap=1e-4)
            if not np.isfinite(solution.value):
                continue
            x_rows.append(x)
            xi_rows.append(xi)
            labels.append(solution.value)
    return np.asarray(x_rows), np.asarray(xi_rows), np.asarray(labels)


def generate_data(kind: str, instances: int, decisions: int, scenarios: int, seed: int = 0,
                  sizes: Sequence[int] | None = None, workers: int = 1, backend: str = "highs",
                  progress: bool = False) -> ValueDataset:
    """Label ``instances x decisions x scenarios`` samples; sizes cycle through ``sizes`` (default: the paper's)."""
    kind = normalize_kind(kind)
    sizes = tuple(sizes or TRAINING_SIZES[kind])
    size_rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919]))
    instance_sizes = size_rng.choice(np.asarray(sizes), size=instances)
    tasks = [(kind, int(instance_sizes[index]), int(seed), index, decisions, scenarios, backend) for index in range(instances)]
    started = time.perf_counter()
    outputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    progress_bar = _progress(progress, f"labelling {kind}", instances)
    if workers <= 1:
        for task in tasks:
            outputs.append(_label_instance(task))
            progress_bar.advance()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for output in pool.map(_label_instance, tasks):
                outputs.append(output)
                progress_bar.advance()
    progress_bar.close()
    sample_instance = np.concatenate([np.full(len(labels), index) for index, (_, _, labels) in enumerate(outputs)])
    decisions_flat = np.concatenate([xs.reshape(-1) for xs, _, _ in outputs])
    scenarios_flat = np.concatenate([xis.reshape(-1) for _, xis, _ in outputs])
    labels = np.concatenate([labels for _, _, labels in outputs])
    return ValueDataset(
        kind=kind, instance_sizes=instance_sizes.astype(np.int64),
        instance_seeds=np.array([instance_seed(seed, index) for index in range(instances)], dtype=np.int64),
        sample_instance=sample_instance.astype(np.int64), decisions=decisions_flat, scenarios=scenarios_flat,
        labels=labels, seconds=time.perf_counter() - started,
    )


class _progress:
    """A rich progress bar, or nothing."""

    def __init__(self, enabled: bool, description: str, total: int) -> None:
        self._bar = None
        if enabled:
            from rich.progress import Progress

            self._bar = Progress()
            self._bar.start()
            self._task = self._bar.add_task(description, total=total)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
