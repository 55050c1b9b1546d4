"""A job-shop instance: each job is a sequence of operations, each on one machine for a fixed time.

The general shape is allowed: jobs may have different numbers of operations, may visit a machine
more than once (re-entrant) or not at all, and operations may take zero time (a zero-length
operation occupies no machine; it only orders its job). Arrays are ``(jobs, max operations)``;
job ``j`` uses its first ``operation_counts[j]`` positions, the rest is padding (machine 0,
duration 0, start ``-1`` in schedules).

Example:
    >>> import numpy as np
    >>> instance = JobShopInstance(machines=np.array([[0, 1], [1, 0]]), durations=np.array([[3, 2], [4, 1]]))
    >>> instance.num_jobs, instance.num_machines, instance.total_work
    (2, 2, 10)
    >>> ragged = JobShopInstance.from_routes([[(0, 3), (1, 2), (0, 1)], [(1, 4)]])
    >>> ragged.operation_counts.tolist(), ragged.is_rectangular
    ([3, 1], False)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["JobShopError", "JobShopInstance"]


class JobShopError(ValueError):
    """A job-shop instance or schedule is malformed; the message says where."""


@dataclass(frozen=True)
class JobShopInstance:
    """Machines and durations of every operation, as ``(jobs, operations)`` integer arrays.

    Attributes:
        machines: ``machines[j, k]`` is the machine (0-based) of job ``j``'s ``k``-th operation.
        durations: ``durations[j, k]`` is its processing time (a non-negative integer).
        name: a label used in reports.
        num_machines_declared: the machine count (default: the largest machine used + 1).
        operation_counts: operations of each job (default: every job uses every column).
    """

    machines: np.ndarray
    durations: np.ndarray
    name: str = "jobshop"
    num_machines_declared: int | None = field(default=None, compare=False)
    operation_counts: np.ndarray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        machines = np.asarray(self.machines)
        durations = np.asarray(self.durations)
        if machines.ndim != 2 or durations.ndim != 2 or machines.shape != durations.shape:
            raise JobShopError(
                f"instance {self.name!r}: machines and durations must be 2-D arrays of the same shape "
                f"(jobs, operations); got {machines.shape} and {durations.shape}"
            )
        if machines.size == 0:
            raise JobShopError(f"instance {self.name!r}: needs at least one job and one operation")
        if not np.issubdtype(machines.dtype, np.integer) or not np.issubdtype(durations.dtype, np.integer):
            raise JobShopError(f"instance {self.name!r}: machines and durations must be integers")
        jobs, width = machines.shape
        counts = np.full(jobs, width, dtype=np.int64) if self.operation_counts is None else np.asarray(self.operation_counts)
        if counts.shape != (jobs,) or (counts < 1).any() or (counts > width).any():
            raise JobShopError(
                f"instance {self.name!r}: operation_counts must give 1..{width} operations for each of the {jobs} jobs"
            )
        valid = np.arange(width)[None, :] < counts[:, None]
        machines = np.where(valid, machines, 0)
        durations = np.where(valid, durations, 0)
        num_machines = self.num_machines_declared or int(machines.max()) + 1
        bad = np.argwhere((machines < 0) | (machines >= num_machines))
        if len(bad):
            job, operation = bad[0]
            raise JobShopError(
                f"instance {self.name!r}: job {job} operation {operation} uses machine {machines[job, operation]}, "
                f"outside 0..{num_machines - 1}"
            )
        bad = np.argwhere(durations < 0)
        if len(bad):
            job, operation = bad[0]
            raise JobShopError(
                f"instance {self.name!r}: job {job} operation {operation} has duration {durations[job, operation]}; "
                "durations must be non-negative integers"
            )
        object.__setattr__(self, "machines", machines.astype(np.int64))
        object.__setattr__(self, "durations", durations.astype(np.int64))
        object.__setattr__(self, "num_machines_declared", num_machines)
        object.__setattr__(self, "operation_counts", counts.astype(np.int64))

    @classmethod
    def from_routes(
        cls, routes: Sequence[Sequence[tuple[int, int]]], name: str = "jobshop", num_machines: int | None = None
    ) -> JobShopInstance:
        """An instance from one list of ``(machine, duration)`` pairs per job (any lengths)."""
        if not routes or any(len(route) == 0 for route in routes):
            raise JobShopError(f"instance {name!r}: every job needs at least one operation")
        width = max(len(route) for route in routes)
        machines = np.zeros((len(routes), width), dtype=np.int64)
        durations = np.zeros((len(routes), width), dtype=np.int64)
        for job, route in enumerate(routes):
            for operation, (machine, duration) in enumerate(route):
                machines[job, operation] = machine
                durations[job, operation] = duration
        counts = np.array([len(route) for route in routes], dtype=np.int64)
        return cls(machines, durations, name=name, num_machines_declared=num_machines, operation_counts=counts)

    @property
    def num_jobs(self) -> int:
        """Number of jobs."""
        return int(self.machines.shape[0])

    @property
    def num_operations(self) -> int:
        """Operations of the longest job (the width of the arrays)."""
        return int(self.machines.shape[1])

    @property
    def num_machines(self) -> int:
        """Number of machines."""
        return int(self.num_machines_declared or 0)

    @property
    def valid(self) -> np.ndarray:
        """``(jobs, operations)`` True at real operations, False at padding."""
        assert self.operation_counts is not None
        return np.arange(self.num_operations)[None, :] < self.operation_counts[:, None]

    @property
    def is_rectangular(self) -> bool:
        """True when every job has the same number of operations."""
        assert self.operation_counts is not None
        return bool((self.operation_counts == self.num_operations).all())

    @property
    def shape(self) -> tuple[int, int]:
        """``(jobs, machines)``, the usual size label (e.g. ``15×15``)."""
        return self.num_jobs, self.num_machines

    @property
    def total_work(self) -> int:
        """Sum of all durations."""
        return int(self.durations.sum())

    def routes(self) -> list[list[tuple[int, int]]]:
        """One list of ``(machine, duration)`` pairs per job."""
        assert self.operation_counts is not None
        return [
            list(zip(self.machines[job, :count].tolist(), self.durations[job, :count].tolist()))
            for job, count in enumerate(self.operation_counts.tolist())
        ]

    def lower_bound(self) -> int:
        """The trivial makespan bound: the longest job or the most loaded machine."""
        machine_load = np.bincount(self.machines.ravel(), weights=self.durations.ravel(), minlength=self.num_machines)
        return int(max(self.durations.sum(axis=1).max(), machine_load.max()))

    def makespan(self, starts: np.ndarray) -> int:
        """Makespan of a schedule given by start times (no feasibility check; see :func:`check_schedule`)."""
        ends = np.where(self.valid, np.asarray(starts) + self.durations, 0)
        return int(ends.max())

    def check_schedule(self, starts: np.ndarray) -> None:
        """Raise :class:`JobShopError` naming the first violated precedence or machine overlap."""
        starts = np.asarray(starts)
        if starts.shape != self.machines.shape:
            raise JobShopError(f"schedule shape {starts.shape} does not match instance shape {self.machines.shape}")
        valid = self.valid
        if (valid & (starts < 0)).any():
            job, operation = np.argwhere(valid & (starts < 0))[0]
            raise JobShopError(f"job {job} operation {operation} starts at {starts[job, operation]} < 0")
        ends = starts + self.durations
        late = np.argwhere(valid[:, 1:] & (starts[:, 1:] < ends[:, :-1]))
        if len(late):
            job, operation = late[0]
            raise JobShopError(
                f"job {job} operation {operation + 1} starts at {starts[job, operation + 1]} before operation "
                f"{operation} ends at {ends[job, operation]}"
            )
        # Zero-length operations occupy no machine.
        occupying = np.flatnonzero((valid & (self.durations > 0)).ravel())
        flat_machines = self.machines.ravel()[occupying]
        flat_starts = starts.ravel()[occupying]
        flat_ends = ends.ravel()[occupying]
        order = np.lexsort((flat_starts, flat_machines))
        same_machine = flat_machines[order][1:] == flat_machines[order][:-1]
        overlap = same_machine & (flat_starts[order][1:] < flat_ends[order][:-1])
        if overlap.any():
            position = int(np.argmax(overlap))
            first = divmod(int(occupying[order[position]]), self.num_operations)
            second = divmod(int(occupying[order[position + 1]]), self.num_operations)
            raise JobShopError(
                f"machine {flat_machines[order][position]}: operation {first} (ends {flat_ends[order][position]}) "
                f"overlaps operation {second} (starts {flat_starts[order][position + 1]})"
            )
