"""Size-free features of a dispatching state, one row per job (its next operations and machines).

Times are measured from the current decision time and divided by the instance's mean duration;
work and counts are fractions, so the same network reads 6×6 and 100×20 states.

Example:
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> from ormodel.learned.dispatching.env import DispatchEnvironment
    >>> job_features(DispatchEnvironment([random_jobshop(4, 3, seed=0)])).shape
    (1, 4, 21)
"""

from __future__ import annotations

import numpy as np
from ormodel.learned.dispatching.env import DispatchEnvironment

__all__ = ["NUM_FEATURES", "job_features", "same_machine_mask"]

NUM_FEATURES = 21
_LOOKAHEAD = 2  # operations after the next one


def job_features(env: DispatchEnvironment) -> np.ndarray:
    """``(batch, jobs, NUM_FEATURES)`` float32 features of the current state."""
    scale = env.durations.reshape(env.batch_size, -1).mean(axis=1)[:, None]
    now = env.current_time[:, None]
    done = env.job_done
    active = ~done
    jobs, machines, operations = env.num_jobs, env.num_machines, env.num_operations
    machine_total = env.durations.sum(axis=(1, 2))[:, None] / machines
    columns: list[np.ndarray] = []

    next_machine = env.next_machine()
    rows = np.arange(env.batch_size)[:, None]
    job_index = np.arange(jobs)[None, :]
    earliest = np.where(done, now, env.earliest_start())
    remaining_operations = (operations - env.next_operation).astype(float)
    columns.append(env.mask.astype(float))
    columns.append(done.astype(float))
    columns.append(env.next_duration() / scale)
    columns.append(np.clip((earliest - now) / scale, 0.0, 10.0))
    columns.append(np.clip((np.where(done, now, env.job_ready) - now) / scale, -10.0, 10.0))
    columns.append(env.job_remaining_work / (scale * operations))
    columns.append(remaining_operations / operations)
    maximum_work = np.maximum(env.job_remaining_work.max(axis=1, keepdims=True), 1)
    columns.append(env.job_remaining_work / maximum_work)
    columns.append(remaining_operations / np.maximum(remaining_operations.max(axis=1, keepdims=True), 1))
    machine_ready = env.machine_ready[rows, next_machine]
    columns.append(np.clip((machine_ready - now) / scale, -10.0, 10.0) * active)
    columns.append(env.machine_remaining_work[rows, next_machine] / machine_total * active)
    columns.append(np.log1p(env.competitors) / np.log1p(jobs))
    for step in range(1, _LOOKAHEAD + 1):
        position = env.next_operation + step
        exists = position < operations
        clipped = np.minimum(position, operations - 1)
        machine = env.machines[rows, job_index, clipped]
        duration = env.durations[rows, job_index, clipped]
        columns.append(exists.astype(float))
        columns.append(duration / scale * exists)
        columns.append(env.machine_remaining_work[rows, machine] / machine_total * exists)
        columns.append(np.clip((env.machine_ready[rows, machine] - now) / scale, -10.0, 10.0) * exists)
    scheduled_fraction = (
        1.0 - env.job_remaining_work.sum(axis=1, keepdims=True) / env.durations.sum(axis=(1, 2))[:, None]
    )
    columns.append(np.broadcast_to(scheduled_fraction, done.shape))
    return np.stack(columns, axis=2).astype(np.float32)


def same_machine_mask(env: DispatchEnvironment) -> np.ndarray:
    """``(batch, jobs, jobs)`` True where two unfinished jobs' next operations need the same machine."""
    machine = env.next_machine()
    active = ~env.job_done
    same = (machine[:, :, None] == machine[:, None, :]) & active[:, :, None] & active[:, None, :]
    same |= np.eye(env.num_jobs, dtype=bool)[None]
    return same
