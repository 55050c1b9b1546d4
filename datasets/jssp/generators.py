"""Seeded random job-shop instances (uniform durations, random permutation routes).

Example:
    >>> first = random_jobshop(4, 3, seed=7)
    >>> second = random_jobshop(4, 3, seed=7)
    >>> bool((first.durations == second.durations).all() and (first.machines == second.machines).all())
    True
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance

__all__ = ["random_jobshop", "random_jobshop_batch"]


def random_jobshop(
    num_jobs: int,
    num_machines: int,
    seed: int,
    low: int = 1,
    high: int = 99,
    name: str | None = None,
) -> JobShopInstance:
    """A Taillard-like instance: durations uniform in ``[low, high]``, each route a random permutation."""
    if num_jobs <= 0 or num_machines <= 0:
        raise JobShopError(f"random_jobshop needs positive sizes, got {num_jobs} jobs and {num_machines} machines")
    if not 1 <= low <= high:
        raise JobShopError(f"random_jobshop needs 1 <= low <= high, got low={low}, high={high}")
    generator = np.random.default_rng(seed)
    durations = generator.integers(low, high + 1, size=(num_jobs, num_machines), dtype=np.int64)
    machines = np.argsort(generator.random((num_jobs, num_machines)), axis=1).astype(np.int64)
    return JobShopInstance(
        machines=machines,
        durations=durations,
        name=name or f"random_{num_jobs}x{num_machines}_s{seed}",
        num_machines_declared=num_machines,
    )


def random_jobshop_batch(
    count: int, num_jobs: int, num_machines: int, seed: int, low: int = 1, high: int = 99
) -> list[JobShopInstance]:
    """``count`` instances of one size; instance ``i`` uses the ``i``-th child of ``seed``'s sequence."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [
        random_jobshop(
            num_jobs,
            num_machines,
            seed=int(child.generate_state(1)[0]),
            low=low,
            high=high,
            name=f"random_{num_jobs}x{num_machines}_s{seed}_{index}",
        )
        for index, child in enumerate(children)
    ]
