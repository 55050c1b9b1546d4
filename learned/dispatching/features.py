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
    """Per-row minimum and maximum of ``values`` (n, k) over the rows sharing a key, one sort for all columns."""
    if len(keys) and keys[0] == keys[-1] and (keys == keys[0]).all():
        return np.broadcast_to(values.min(axis=0), values.shape), np.broadcast_to(values.max(axis=0), values.shape)
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


def candidate_features(
    env: DispatchEnvironment, context: FeatureContext | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, jobs, features)``: the candidates (instance row, job) and their ``(n, NUM_FEATURES)`` float32 features."""
    context = context or FeatureContext(env)
    rows, jobs = np.nonzero(env.mask)
    count = len(rows)
    scale = context.scale[rows]
    length = context.mean_length[rows]
    load = context.machine_load[rows]
    now = env.current_time[rows]
    operation = env.next_operation[rows, jobs]
    machine = env.next_machine()[rows, jobs]
    duration = env.next_duration()[rows, jobs].astype(float)
    remaining = env.job_remaining_work[rows, jobs].astype(float)
    remaining_operations = (env.operation_counts[rows, jobs] - operation).astype(float)
    waiting = (now - env.job_ready[rows, jobs]) / scale
    machine_left = env.machine_remaining_work.astype(float)
    # Machine-based makespan bound of each instance: every machine's ready time plus its remaining work.
    bound = (np.maximum(env.machine_ready, env.current_time[:, None]) + machine_left).max(axis=1)
    bound_rows = bound[rows]
    columns = [
        duration / scale,
        remaining / (scale * length),
        remaining_operations / length,
        np.clip(waiting, 0.0, 10.0) / 5.0,
        machine_left[rows, machine] / load,
        np.clip((now + machine_left[rows, machine] - bound_rows) / scale, -20.0, 0.0) / 10.0,
        np.clip((now + remaining - bound_rows) / scale, -20.0, 10.0) / 10.0,
        np.log1p(env.competitors[rows, jobs]) / np.log1p(env.num_jobs),
        (env.scheduled_work / np.maximum(env.total_work, 1))[rows],
    ]
    for step in (1, 2):
        position = operation + step
        exists = position < env.operation_counts[rows, jobs]
        clipped = np.minimum(position, env.num_operations - 1)
        follow_machine = env.machines[rows, jobs, clipped]
        follow_duration = env.durations[rows, jobs, clipped] * exists
        columns.append(exists.astype(float))
        columns.append(follow_duration / scale)
        columns.append(machine_left[rows, follow_machine] / load * exists)
        if step == 1:
            free = env.machine_ready[rows, follow_machine] - (now + duration)
            columns.append(np.clip(free / scale, -10.0, 10.0) / 5.0 * exists)
            columns.append(np.clip((now + machine_left[rows, follow_machine] - bound_rows) / scale, -20.0, 0.0) / 10.0 * exists)
    # Comparison with the candidates on the same machine, and with all candidates of the instance.
    compared = np.stack([duration, remaining, remaining_operations, waiting], axis=1)
    lowest, highest = _group_extremes(rows * env.num_machines + machine, compared)
    _, instance_highest = _group_extremes(rows, compared[:, 1:2])
    shortest, longest, most_work, least_work = lowest[:, 0], highest[:, 0], highest[:, 1], lowest[:, 1]
    most_operations, longest_wait = highest[:, 2], highest[:, 3]
    columns += [
        (duration - shortest) / scale,
        (longest - duration) / scale,
        (most_work - remaining) / (scale * length),
        (remaining - least_work) / (scale * length),
        (most_operations - remaining_operations) / length,
        np.clip(longest_wait - waiting, 0.0, 10.0) / 5.0,
        (duration == shortest),
        (remaining == most_work),
        (remaining_operations == most_operations),
        remaining / np.maximum(instance_highest[:, 0], 1.0),
    ]
    features = np.empty((count, NUM_FEATURES), dtype=np.float32)
    features[:, : len(columns)] = np.stack(columns, axis=1)
    features[:, len(columns) :] = context.static[rows]
    return rows, jobs, features
