"""A vectorized job-shop dispatching environment over a batch of same-size instances.

The encoding is the generic one: jobs, operations (one per job and route position), machines,
precedence along each job and no overlap on a machine. An episode builds a schedule operation
by operation; a *decision point* is a state where the next operation to start is a real choice.

Two kinds of decision points:

* ``"non_delay"``: the current time is the earliest possible start among the jobs' next
  operations; candidates are the jobs whose next operation can start then. Candidates whose
  machine has no other candidate are scheduled automatically (their order cannot change the
  schedule), so a decision is always a choice between jobs competing for one machine.
* ``"active"`` (Giffler–Thompson): the machine of the operation with the earliest possible
  completion is the conflict machine; candidates are its operations that can start before that
  completion. Single-candidate conflict sets are scheduled automatically.

All state lives in ``(batch, jobs)`` / ``(batch, machines)`` numpy arrays, so one step advances
every instance of the batch at once.

Example:
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> environment = DispatchEnvironment([random_jobshop(3, 3, seed=1)])
    >>> while not environment.all_done:
    ...     environment.step(environment.mask.argmax(axis=1))
    >>> environment.makespans()[0] == environment.instances[0].makespan(environment.starts[0])
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance

__all__ = ["DECISION_MODES", "DispatchEnvironment"]

DECISION_MODES = ("non_delay", "active")
_UNREACHABLE = np.iinfo(np.int64).max // 4


class DispatchEnvironment:
    """Dispatching over ``len(instances)`` copies in lock step; all instances must have one size.

    Attributes after construction and after every :meth:`step`:
        mask: ``(batch, jobs)`` bool, the jobs that may be dispatched now (all False when done).
        current_time: ``(batch,)`` the decision time of each instance.
        starts: ``(batch, jobs, operations)`` start times, ``-1`` while unscheduled.
    """

    def __init__(self, instances: Sequence[JobShopInstance], mode: str = "non_delay") -> None:
        if not instances:
            raise JobShopError("DispatchEnvironment needs at least one instance")
        if mode not in DECISION_MODES:
            raise JobShopError(f"unknown decision mode {mode!r}; choose one of {', '.join(DECISION_MODES)}")
        shapes = {(instance.num_jobs, instance.num_operations, instance.num_machines) for instance in instances}
        if len(shapes) != 1:
            raise JobShopError(f"all instances of a batch need one size, got {sorted(shapes)}")
        self.instances = list(instances)
        self.mode = mode
        self.batch_size = len(instances)
        self.num_jobs, self.num_operations, self.num_machines = shapes.pop()
        self.machines = np.stack([instance.machines for instance in instances])
        self.durations = np.stack([instance.durations for instance in instances])
        self._rows = np.arange(self.batch_size)[:, None]
        self._columns = np.arange(self.num_jobs)[None, :]
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Start every instance from the empty schedule."""
        batch, jobs, machines = self.batch_size, self.num_jobs, self.num_machines
        self.next_operation = np.zeros((batch, jobs), dtype=np.int64)
        self.job_ready = np.zeros((batch, jobs), dtype=np.int64)
        self.machine_ready = np.zeros((batch, machines), dtype=np.int64)
        self.starts = np.full((batch, jobs, self.num_operations), -1, dtype=np.int64)
        self.job_remaining_work = self.durations.sum(axis=2)
        self.machine_remaining_work = np.zeros((batch, machines), dtype=np.int64)
        np.add.at(
            self.machine_remaining_work,
            (np.repeat(np.arange(batch), jobs * self.num_operations), self.machines.reshape(batch, -1).ravel()),
            self.durations.reshape(batch, -1).ravel(),
        )
        self.decisions = 0
        self._settle()

    @property
    def job_done(self) -> np.ndarray:
        """``(batch, jobs)`` True where the job has no operation left."""
        return self.next_operation >= self.num_operations

    @property
    def done(self) -> np.ndarray:
        """``(batch,)`` True where the schedule is complete."""
        return np.asarray(self.job_done.all(axis=1))

    @property
    def all_done(self) -> bool:
        """True when every instance of the batch is scheduled."""
        return bool(self.done.all())

    def _clipped_next(self) -> np.ndarray:
        return np.minimum(self.next_operation, self.num_operations - 1)

    def next_machine(self) -> np.ndarray:
        """``(batch, jobs)`` machine of each job's next operation (last one for finished jobs)."""
        return self.machines[self._rows, self._columns, self._clipped_next()]

    def next_duration(self) -> np.ndarray:
        """``(batch, jobs)`` duration of each job's next operation (0 for finished jobs)."""
        duration = self.durations[self._rows, self._columns, self._clipped_next()]
        return np.where(self.job_done, 0, duration)

    def earliest_start(self) -> np.ndarray:
        """``(batch, jobs)`` earliest start of each job's next operation (huge for finished jobs)."""
        machine_free = self.machine_ready[self._rows, self.next_machine()]
        start = np.maximum(self.job_ready, machine_free)
        return np.where(self.job_done, _UNREACHABLE, start)

    def makespans(self) -> np.ndarray:
        """``(batch,)`` makespan of each (complete) schedule: the latest completion time."""
        return (self.starts + self.durations).max(axis=(1, 2))

    # ------------------------------------------------------------- dynamics
    def _schedule(self, chosen: np.ndarray) -> None:
        """Start every chosen job's next operation at its earliest start (chosen jobs use distinct machines)."""
        batch_index, job_index = np.nonzero(chosen)
        if len(batch_index) == 0:
            return
        operation = self.next_operation[batch_index, job_index]
        machine = self.machines[batch_index, job_index, operation]
        duration = self.durations[batch_index, job_index, operation]
        start = np.maximum(self.job_ready[batch_index, job_index], self.machine_ready[batch_index, machine])
        end = start + duration
        self.starts[batch_index, job_index, operation] = start
        self.job_ready[batch_index, job_index] = end
        self.machine_ready[batch_index, machine] = end
        self.next_operation[batch_index, job_index] = operation + 1
        self.job_remaining_work[batch_index, job_index] -= duration
        self.machine_remaining_work[batch_index, machine] -= duration

    def _candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """Candidate jobs ``(batch, jobs)`` and the decision time ``(batch,)`` under the mode's rule."""
        earliest = self.earliest_start()
        if self.mode == "non_delay":
            time = earliest.min(axis=1)
            return (earliest == time[:, None]) & ~self.job_done, time
        completion = np.where(self.job_done, _UNREACHABLE, earliest + self.next_duration())
        first = completion.argmin(axis=1)
        time = completion[np.arange(self.batch_size), first]
        machine = self.next_machine()
        conflict_machine = machine[np.arange(self.batch_size), first]
        candidates = (machine == conflict_machine[:, None]) & (earliest < time[:, None]) & ~self.job_done
        return candidates, earliest.min(axis=1)

    def _competitors(self, candidates: np.ndarray) -> np.ndarray:
        """``(batch, jobs)`` number of candidates sharing each job's next machine."""
        machine = self.next_machine()
        slots = self._rows * self.num_machines + machine
        counts = np.bincount(slots[candidates], minlength=self.batch_size * self.num_machines)
        return counts[slots]

    def _settle(self) -> None:
        """Schedule forced operations until every instance is at a real decision or done."""
        while True:
            candidates, time = self._candidates()
            competitors = self._competitors(candidates)
            forced = candidates & (competitors == 1)
            if not forced.any():
                break
            self._schedule(forced)
        self.mask = candidates
        self.current_time = np.where(self.done, 0, time)
        self.competitors = np.where(candidates, competitors, 0)

    def step(self, actions: np.ndarray) -> None:
        """Dispatch job ``actions[b]`` in every unfinished instance ``b`` (ignored where done)."""
        actions = np.asarray(actions, dtype=np.int64)
        if actions.shape != (self.batch_size,):
            raise JobShopError(f"step needs one job per instance, shape ({self.batch_size},), got {actions.shape}")
        active = ~self.done
        legal = self.mask[np.arange(self.batch_size), np.clip(actions, 0, self.num_jobs - 1)]
        invalid = active & ((actions < 0) | (actions >= self.num_jobs) | ~legal)
        if invalid.any():
            bad = int(np.nonzero(invalid)[0][0])
            raise JobShopError(f"instance {bad}: job {int(actions[bad])} is not a legal dispatch now (see env.mask)")
        chosen = np.zeros((self.batch_size, self.num_jobs), dtype=bool)
        chosen[np.nonzero(active)[0], actions[active]] = True
        self._schedule(chosen)
        self.decisions += 1
        self._settle()
