"""Seeded random job-shop instances: Taillard-style, DMU-style two machine subsets, and the general shape.

* :func:`random_jobshop`: durations uniform in ``[low, high]``, each route a random permutation.
* :func:`dmu_jobshop`: Demirkol–Mehta–Uzsoy style (durations 1–200); with ``two_sets`` every job
  visits the first half of the machines (in random order) before the second half.
* :func:`general_jobshop`: the general shape: each job has its own number of operations, machines
  drawn with repetition (re-entrant, some skipped) and some zero durations.

Example:
    >>> first = random_jobshop(4, 3, seed=7)
    >>> second = random_jobshop(4, 3, seed=7)
    >>> bool((first.durations == second.durations).all() and (first.machines == second.machines).all())
    True
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance

__all__ = ["dmu_jobshop", "general_jobshop", "random_jobshop", "random_jobshop_batch"]


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


def dmu_jobshop(
    num_jobs: int, num_machines: int, seed: int, two_sets: bool = True, high: int = 200, name: str | None = None
) -> JobShopInstance:
    """A DMU-style instance (durations uniform in 1..``high``); ``two_sets`` splits each route into two machine halves."""
    if num_jobs <= 0 or num_machines <= 0:
        raise JobShopError(f"dmu_jobshop needs positive sizes, got {num_jobs} jobs and {num_machines} machines")
    generator = np.random.default_rng(seed)
    durations = generator.integers(1, high + 1, size=(num_jobs, num_machines), dtype=np.int64)
    if two_sets and num_machines >= 2:
        half = num_machines // 2
        first = np.argsort(generator.random((num_jobs, half)), axis=1)
        second = half + np.argsort(generator.random((num_jobs, num_machines - half)), axis=1)
        machines = np.concatenate([first, second], axis=1).astype(np.int64)
    else:
        machines = np.argsort(generator.random((num_jobs, num_machines)), axis=1).astype(np.int64)
    label = "dmu2" if two_sets else "dmu"
    return JobShopInstance(
        machines=machines, durations=durations, name=name or f"{label}_{num_jobs}x{num_machines}_s{seed}",
        num_machines_declared=num_machines,
    )


def general_jobshop(
    num_jobs: int,
    num_machines: int,
    seed: int,
    max_operations: int | None = None,
    zero_fraction: float = 0.05,
    high: int = 99,
    name: str | None = None,
) -> JobShopInstance:
    """Jobs of 1..``max_operations`` operations (default ``2·machines``) on machines drawn with repetition.

    A fraction ``zero_fraction`` of the durations is zero; the rest is uniform in 1..``high``.
    """
    if num_jobs <= 0 or num_machines <= 0:
        raise JobShopError(f"general_jobshop needs positive sizes, got {num_jobs} jobs and {num_machines} machines")
    generator = np.random.default_rng(seed)
    longest = max_operations or 2 * num_machines
    routes = []
    for _ in range(num_jobs):
        length = int(generator.integers(1, longest + 1))
        machines = generator.integers(0, num_machines, size=length)
        durations = np.where(generator.random(length) < zero_fraction, 0, generator.integers(1, high + 1, size=length))
        routes.append(list(zip(machines.tolist(), durations.tolist())))
    return JobShopInstance.from_routes(
        routes, name=name or f"general_{num_jobs}x{num_machines}_s{seed}", num_machines=num_machines
    )
