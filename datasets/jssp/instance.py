"""A job-shop instance: each job visits every machine once, in its own route order.

Example:
    >>> import numpy as np
    >>> instance = JobShopInstance(machines=np.array([[0, 1], [1, 0]]), durations=np.array([[3, 2], [4, 1]]))
    >>> instance.num_jobs, instance.num_machines, instance.total_work
    (2, 2, 10)
"""

from __future__ import annotations

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
        durations: ``durations[j, k]`` is its processing time (a positive integer).
        name: a label used in reports.
    """

    machines: np.ndarray
    durations: np.ndarray
    name: str = "jobshop"
    num_machines_declared: int | None = field(default=None, compare=False)

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
        num_machines = self.num_machines_declared or int(machines.max()) + 1
        bad = np.argwhere((machines < 0) | (machines >= num_machines))
        if len(bad):
            job, operation = bad[0]
            raise JobShopError(
                f"instance {self.name!r}: job {job} operation {operation} uses machine {machines[job, operation]}, "
                f"outside 0..{num_machines - 1}"
            )
        bad = np.argwhere(durations <= 0)
        if len(bad):
            job, operation = bad[0]
            raise JobShopError(
                f"instance {self.name!r}: job {job} operation {operation} has duration {durations[job, operation]}; "
                "durations must be positive integers"
            )
        object.__setattr__(self, "machines", machines.astype(np.int64))
        object.__setattr__(self, "durations", durations.astype(np.int64))
        object.__setattr__(self, "num_machines_declared", num_machines)

    @property
    def num_jobs(self) -> int:
        """Number of jobs."""
        return int(self.machines.shape[0])

    @property
    def num_operations(self) -> int:
        """Operations per job."""
        return int(self.machines.shape[1])

    @property
    def num_machines(self) -> int:
        """Number of machines."""
        return int(self.num_machines_declared or 0)

    @property
    def shape(self) -> tuple[int, int]:
        """``(jobs, machines)``, the usual size label (e.g. ``15×15``)."""
        return self.num_jobs, self.num_machines

    @property
    def total_work(self) -> int:
        """Sum of all durations."""
        return int(self.durations.sum())

    def lower_bound(self) -> int:
        """The trivial makespan bound: the longest job or the most loaded machine."""
        machine_load = np.bincount(self.machines.ravel(), weights=self.durations.ravel(), minlength=self.num_machines)
        return int(max(self.durations.sum(axis=1).max(), machine_load.max()))

    def makespan(self, starts: np.ndarray) -> int:
        """Makespan of a schedule given by start times (no feasibility check; see :func:`check_schedule`)."""
        return int((np.asarray(starts) + self.durations).max())

    def check_schedule(self, starts: np.ndarray) -> None:
        """Raise :class:`JobShopError` naming the first violated precedence or machine overlap."""
        starts = np.asarray(starts)
        if starts.shape != self.machines.shape:
            raise JobShopError(f"schedule shape {starts.shape} does not match instance shape {self.machines.shape}")
        if (starts < 0).any():
            job, operation = np.argwhere(starts < 0)[0]
            raise JobShopError(f"job {job} operation {operation} starts at {starts[job, operation]} < 0")
        ends = starts + self.durations
        late = np.argwhere(starts[:, 1:] < ends[:, :-1])
        if len(late):
            job, operation = late[0]
            raise JobShopError(
                f"job {job} operation {operation + 1} starts at {starts[job, operation + 1]} before operation "
                f"{operation} ends at {ends[job, operation]}"
            )
        flat_machines = self.machines.ravel()
        flat_starts = starts.ravel()
        flat_ends = ends.ravel()
        order = np.lexsort((flat_starts, flat_machines))
        same_machine = flat_machines[order][1:] == flat_machines[order][:-1]
        overlap = same_machine & (flat_starts[order][1:] < flat_ends[order][:-1])
        if overlap.any():
            position = int(np.argmax(overlap))
            first, second = (
                divmod(int(order[position]), self.num_operations),
                divmod(int(order[position + 1]), self.num_operations),
            )
            raise JobShopError(
                f"machine {flat_machines[order][position]}: operation {first} (ends {flat_ends[order][position]}) "
                f"overlaps operation {second} (starts {flat_starts[order][position + 1]})"
            )
