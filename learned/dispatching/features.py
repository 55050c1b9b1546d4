"""Size-free features of the candidate jobs of a dispatching state, computed for the candidates only.

A candidate is a job whose next operation may be dispatched now. Its features describe that
operation, the job's remaining work, its next two operations and their machines, how it compares
with the other candidates competing for the same machine, the instance's shape and progress, and the
decision mode (non-delay or active).
Times are divided by the instance's mean duration and loads by the mean machine load, so one
network reads 10×100 and 1000×10 states alike. The cost is linear in the number of candidates
plus the number of machines: no per-job work beyond the candidates, so a decision costs about
what a static rule's does.

Example:
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> from ormodel.learned.dispatching.env import DispatchEnvironment
    >>> environment = DispatchEnvironment([random_jobshop(4, 3, seed=0)])
    >>> rows, jobs, features = candidate_features(environment)
    >>> features.shape[1] == NUM_FEATURES, len(rows) == environment.mask.sum()
    (True, True)
"""

from __future__ import annotations

import numpy as np
from ormodel.learned.dispatching.env import DispatchEnvironment

__all__ = ["NUM_FEATURES", "FeatureContext", "candidate_features"]

NUM_FEATURES = 31


class FeatureContext:
    """Per-instance constants of a batch (scales), computed once per environment."""

    def __init__(self, env: DispatchEnvironment) -> None:
        valid = np.arange(env.num_operations)[None, None, :] < env.operation_counts[:, :, None]
        operations = valid.sum(axis=(1, 2))
        self.scale = np.maximum(env.total_work / np.maximum(operations, 1), 1.0)  # mean duration
        self.mean_length = operations / env.num_jobs  # operations per job
        self.machine_load = np.maximum(env.total_work / env.num_machines, 1.0)
        shape = np.log(env.num_jobs / env.num_machines)
        self.static = np.stack(
            [
                np.full(env.batch_size, shape / 3.0),
                np.full(env.batch_size, np.log(env.num_jobs) / 5.0),
                np.log(np.maximum(self.mean_length, 1.0)) / 5.0,
                np.full(env.batch_size, float(env.mode == "active")),
            ],
            axis=1,
        )


def _group_extremes(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row minimum and maximum of ``values`` (n, k) over the rows sharing a key, one sort for all columns.

    When every row shares one key the answer is ``(1, k)``, which broadcasts like the ``(n, k)`` one.
    """
    if len(keys) and keys[0] == keys[-1] and (keys == keys[0]).all():
        return values.min(axis=0, keepdims=True), values.max(axis=0, keepdims=True)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.empty(len(keys), dtype=bool)
    starts[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=starts[1:])
    boundaries = np.flatnonzero(starts)
    group = np.empty(len(keys), dtype=np.int64)
    group[order] = np.cumsum(starts) - 1
    ordered = values[order]
    return np.minimum.reduceat(ordered, boundaries, axis=0)[group], np.maximum.reduceat(ordered, boundaries, axis=0)[group]


def _clip(values: np.ndarray, lowest: float, highest: float) -> np.ndarray:
    """``np.clip`` for float arrays, without its dispatch overhead (called a few times per decision)."""
    return np.minimum(np.maximum(values, lowest), highest)


def candidate_features(
    env: DispatchEnvironment, context: FeatureContext | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, jobs, features)``: the candidates (instance row, job) and their ``(n, NUM_FEATURES)`` float32 features.

    The features come as a transposed view of a ``(NUM_FEATURES, n)`` array (one write per column).
    """
    context = context or FeatureContext(env)
    if env.batch_size == 1:
        # One instance (greedy inference): per-instance values are scalars and gathers are 1-D.
        jobs = np.flatnonzero(env.mask[0])
        rows = np.zeros(len(jobs), dtype=np.int64)

        def per_instance(values: np.ndarray) -> np.ndarray:
            return values[0]

        def per_job(values: np.ndarray) -> np.ndarray:
            return values[0][jobs]

        def on_machine(values: np.ndarray, machines: np.ndarray) -> np.ndarray:
            return values[0][machines]

        def at_position(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
            return values[0][jobs, positions]
    else:
        rows, jobs = np.nonzero(env.mask)

        def per_instance(values: np.ndarray) -> np.ndarray:
            return values[rows]

        def per_job(values: np.ndarray) -> np.ndarray:
            return values[rows, jobs]

        def on_machine(values: np.ndarray, machines: np.ndarray) -> np.ndarray:
            return values[rows, machines]

        def at_position(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
            return values[rows, jobs, positions]

    count = len(jobs)
    scale = per_instance(context.scale)
    length = per_instance(context.mean_length)
    load = per_instance(context.machine_load)
    now = per_instance(env.current_time)
    operation = per_job(env.next_operation)
    machine = per_job(env.next_machine())
    duration = per_job(env.next_duration()).astype(float)
    remaining = per_job(env.job_remaining_work).astype(float)
    counts = per_job(env.operation_counts)
    remaining_operations = (counts - operation).astype(float)
    waiting = (now - per_job(env.job_ready)) / scale
    machine_left = env.machine_remaining_work.astype(float)
    # Machine-based makespan bound of each instance: every machine's ready time plus its remaining work.
    bound = per_instance((np.maximum(env.machine_ready, env.current_time[:, None]) + machine_left).max(axis=1))
    left_here = on_machine(machine_left, machine)
    columns = [
        duration / scale,
        remaining / (scale * length),
        remaining_operations / length,
        _clip(waiting, 0.0, 10.0) / 5.0,
        left_here / load,
        _clip((now + left_here - bound) / scale, -20.0, 0.0) / 10.0,
        _clip((now + remaining - bound) / scale, -20.0, 10.0) / 10.0,
        np.log1p(per_job(env.competitors)) / np.log1p(env.num_jobs),
        per_instance(env.scheduled_work / np.maximum(env.total_work, 1)),
    ]
    for step in (1, 2):
        position = operation + step
        exists = position < counts
        clipped = np.minimum(position, env.num_operations - 1)
        follow_machine = at_position(env.machines, clipped)
        follow_duration = at_position(env.durations, clipped) * exists
        left_next = on_machine(machine_left, follow_machine)
        columns.append(exists.astype(float))
        columns.append(follow_duration / scale)
        columns.append(left_next / load * exists)
        if step == 1:
            free = on_machine(env.machine_ready, follow_machine) - (now + duration)
            columns.append(_clip(free / scale, -10.0, 10.0) / 5.0 * exists)
            columns.append(_clip((now + left_next - bound) / scale, -20.0, 0.0) / 10.0 * exists)
    # Comparison with the candidates on the same machine, and with all candidates of the instance.
    compared = np.array([duration, remaining, remaining_operations, waiting]).T
    lowest, highest = _group_extremes(rows * env.num_machines + machine, compared)
    instance_most_work = remaining.max() if env.batch_size == 1 else _group_extremes(rows, compared[:, 1:2])[1][:, 0]
    shortest, longest, most_work, least_work = lowest[:, 0], highest[:, 0], highest[:, 1], lowest[:, 1]
    most_operations, longest_wait = highest[:, 2], highest[:, 3]
    columns += [
        (duration - shortest) / scale,
        (longest - duration) / scale,
        (most_work - remaining) / (scale * length),
        (remaining - least_work) / (scale * length),
        (most_operations - remaining_operations) / length,
        _clip(longest_wait - waiting, 0.0, 10.0) / 5.0,
        (duration == shortest),
        (remaining == most_work),
        (remaining_operations == most_operations),
        remaining / np.maximum(instance_most_work, 1.0),
    ]
    features = np.empty((NUM_FEATURES, count), dtype=np.float32)
    for index, column in enumerate(columns):
        features[index] = column
    features[len(columns) :] = per_instance(context.static).T if env.batch_size > 1 else context.static[0][:, None]
    return rows, jobs, features.T
