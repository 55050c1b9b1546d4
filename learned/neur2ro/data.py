"""Training data for the value network: sampled (instance, x, xi, c'x + Q(x, xi)) labelled by our backends.

Following Neur2RO (§1.5 of the anchor): per instance, random first-stage decisions
``x_i ~ Bernoulli(1 - p)``, ``p ~ U(0, 1)`` (capital budgeting rejects decisions that violate the
robust budget row), and random scenarios from the uncertainty set's sampler; each label is one
second-stage MILP solved exactly on an ormodel backend (HiGHS by default). Instances are
processed in parallel by a process pool; each instance's size and randomness come from
``SeedSequence([seed, index])``, so the data set does not depend on the number of workers, and
instance ``k`` is the same whatever the total count.

:func:`label_to_file` appends one JSON line per labelled instance to a file (outside the
repository, e.g. under ``~/.cache``) and skips the instances already there, so labelling can be
stopped and resumed, or extended to more instances; :meth:`ValueDataset.from_labels` reads it
back in instance order.

Example:
    >>> data = generate_data("capital_budgeting", instances=2, decisions=2, scenarios=2, seed=0, sizes=(10,))
    >>> data.labels.shape
    (8,)
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ormodel.learned.neur2ro.exact import solve_second_stage
from ormodel.learned.neur2ro.instances import TRAINING_SIZES, make_problem, normalize_kind
from ormodel.learned.neur2ro.problem import TwoStageRobustProblem

__all__ = ["ValueDataset", "generate_data", "label_to_file", "sample_decisions", "instance_seed", "instance_size"]

_SEED_OFFSET = 1_000_000  # training instances never share seeds with benchmark instances (small seeds)


def instance_seed(seed: int, index: int) -> int:
    """Generator seed of the ``index``-th training instance of data seed ``seed``."""
    return _SEED_OFFSET + 100_000 * int(seed) + int(index)


def instance_size(seed: int, index: int, sizes: Sequence[int]) -> int:
    """Size of the ``index``-th training instance: drawn from ``sizes`` with ``SeedSequence([seed, 7919, index])``."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919, int(index)]))
    return int(np.asarray(sizes)[rng.integers(len(sizes))])


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

    @classmethod
    def from_labels(cls, path: str | Path, instances: int | None = None) -> "ValueDataset":
        """Read a file written by :func:`label_to_file` (the first ``instances`` instances, in index order)."""
        records: dict[int, dict[str, Any]] = {}
        kinds = set()
        for line_number, line in enumerate(Path(path).read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{line_number}: not a JSON line ({error.msg}); delete the line to resume") from None
            kinds.add(record["kind"])
            records[int(record["index"])] = record
        if len(kinds) > 1:
            raise ValueError(f"{path}: holds labels of several classes ({', '.join(sorted(kinds))}); use one file per class")
        if not records:
            raise ValueError(f"{path}: no labelled instances")
        indices = sorted(records)
        if instances is not None:
            missing = [index for index in range(instances) if index not in records]
            if missing:
                raise ValueError(f"{path}: instances {missing[:5]} (of {len(missing)} missing) are not labelled yet; run label_to_file again")
            indices = list(range(instances))
        chosen = [records[index] for index in indices]
        outputs = [(np.asarray(r["x"], dtype=np.float64), np.asarray(r["xi"], dtype=np.float64), np.asarray(r["labels"], dtype=np.float64))
                   for r in chosen]
        dataset = _assemble(chosen[0]["kind"], np.array([r["size"] for r in chosen]), np.array([r["seed"] for r in chosen]),
                            outputs, float(sum(r["seconds"] for r in chosen)))
        dataset.meta = {"indices": indices, "recipe": chosen[0].get("recipe", {})}
        return dataset


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


#: relative MIP gap of a label's second-stage solve unless a recipe says otherwise
LABEL_GAP = 1e-4


def _label_instance(task: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kind, size, seed, index, decisions, scenarios, backend = task[:7]
    gap = task[7] if len(task) > 7 else LABEL_GAP
    problem = make_problem(kind, size, instance_seed(seed, index))
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))
    xs = sample_decisions(problem, rng, decisions)
    x_rows, xi_rows, labels = [], [], []
    for x in xs:
        for xi in problem.uncertainty.sample(rng, scenarios):
            solution = solve_second_stage(problem, x, xi, backend, gap=gap)
            if not np.isfinite(solution.value):
                continue
            x_rows.append(x)
            xi_rows.append(xi)
            labels.append(solution.value)
    return np.asarray(x_rows), np.asarray(xi_rows), np.asarray(labels)


def _timed_label(task: tuple[str, int, int, int, int, int, str]) -> tuple[int, float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    started = time.perf_counter()
    output = _label_instance(task)
    return task[3], time.perf_counter() - started, output


def _tasks(kind: str, indices: Sequence[int], decisions: int, scenarios: int, seed: int, sizes: Sequence[int],
           backend: str, gap: float = LABEL_GAP) -> list[tuple]:
    return [(kind, instance_size(seed, index, sizes), int(seed), int(index), int(decisions), int(scenarios), backend, float(gap))
            for index in indices]


def _run_tasks(tasks: list, workers: int, description: str, progress: bool) -> Iterable[tuple[int, float, tuple]]:
    progress_bar = _progress(progress, description, len(tasks))
    try:
        if workers <= 1:
            for task in tasks:
                yield _timed_label(task)
                progress_bar.advance()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for output in pool.map(_timed_label, tasks):
                    yield output
                    progress_bar.advance()
    finally:
        progress_bar.close()


def _assemble(kind: str, instance_sizes: np.ndarray, instance_seeds: np.ndarray,
              outputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], seconds: float) -> ValueDataset:
    sample_instance = np.concatenate([np.full(len(labels), index) for index, (_, _, labels) in enumerate(outputs)])
    decisions_flat = np.concatenate([xs.reshape(-1) for xs, _, _ in outputs])
    scenarios_flat = np.concatenate([xis.reshape(-1) for _, xis, _ in outputs])
    labels = np.concatenate([labels for _, _, labels in outputs])
    return ValueDataset(kind=kind, instance_sizes=np.asarray(instance_sizes, dtype=np.int64),
                        instance_seeds=np.asarray(instance_seeds, dtype=np.int64), sample_instance=sample_instance.astype(np.int64),
                        decisions=decisions_flat, scenarios=scenarios_flat, labels=labels, seconds=seconds)


def generate_data(kind: str, instances: int, decisions: int, scenarios: int, seed: int = 0,
                  sizes: Sequence[int] | None = None, workers: int = 1, backend: str = "highs",
                  progress: bool = False, label_gap: float = LABEL_GAP) -> ValueDataset:
    """Label ``instances x decisions x scenarios`` samples in memory; sizes drawn from ``sizes`` (default: the paper's)."""
    kind = normalize_kind(kind)
    sizes = tuple(sizes or TRAINING_SIZES[kind])
    tasks = _tasks(kind, range(instances), decisions, scenarios, seed, sizes, backend, label_gap)
    started = time.perf_counter()
    outputs = [output for _, _, output in _run_tasks(tasks, workers, f"labelling {kind}", progress)]
    return _assemble(kind, np.array([task[1] for task in tasks]), np.array([instance_seed(seed, index) for index in range(instances)]),
                     outputs, time.perf_counter() - started)


def label_to_file(path: str | Path, kind: str, instances: int, decisions: int, scenarios: int, seed: int = 0,
                  sizes: Sequence[int] | None = None, workers: int = 1, backend: str = "highs",
                  progress: bool = False, gap: float = LABEL_GAP) -> dict[str, Any]:
    """Label instances ``0 .. instances-1`` into ``path`` (JSON lines), skipping those already there.

    Every line records the recipe (``decisions``, ``scenarios``, ``seed``, ``sizes``); a file
    labelled with another recipe is refused rather than mixed. Returns counts and the labelling rate.
    """
    kind = normalize_kind(kind)
    sizes = tuple(int(size) for size in (sizes or TRAINING_SIZES[kind]))
    recipe = {"decisions": int(decisions), "scenarios": int(scenarios), "seed": int(seed), "sizes": list(sizes), "backend": backend}
    if gap != LABEL_GAP:
        recipe["gap"] = float(gap)  # the paper labels at a 1 % gap
    path = Path(path)
    done: set[int] = set()
    if path.exists():
        for line_number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise ValueError(f"{path}:{line_number}: a damaged line (an interrupted write?); delete it and run again") from None
            if record.get("kind") != kind or record.get("recipe") != recipe:
                raise ValueError(f"{path}:{line_number}: labelled with another class or recipe ({record.get('kind')}, "
                                 f"{record.get('recipe')}); use another file for {kind}, {recipe}")
            done.add(int(record["index"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    todo = [index for index in range(instances) if index not in done]
    tasks = _tasks(kind, todo, decisions, scenarios, seed, sizes, backend, gap)
    by_index = {task[3]: task for task in tasks}
    started = time.perf_counter()
    labelled = 0
    with open(path, "a") as sink:
        for index, seconds, (xs, xis, labels) in _run_tasks(tasks, workers, f"labelling {kind} -> {path.name}", progress):
            task = by_index[index]
            record = {"kind": kind, "index": index, "size": task[1], "seed": instance_seed(seed, index), "recipe": recipe,
                      "seconds": seconds, "x": xs.astype(int).tolist(), "xi": xis.tolist(), "labels": labels.tolist()}
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            labelled += len(labels)
    wall = time.perf_counter() - started
    return {"instances_done_before": len(done), "instances_labelled": len(todo), "labels": labelled, "wall_seconds": wall,
            "labels_per_second": labelled / wall if wall > 0 else float("nan"), "workers": workers}


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
