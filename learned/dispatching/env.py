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

Jobs may have different numbers of operations (``operation_counts``) and revisit machines. A
zero-length operation occupies no machine: it starts as soon as its job is ready, without a
decision.

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
        self.operation_counts = np.stack([instance.operation_counts for instance in instances])
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
        self.total_work = self.durations.sum(axis=(1, 2))
        self.scheduled_work = np.zeros(batch, dtype=np.int64)
        # Cached per-job views of the next operation, updated only for the jobs that move.
        self._job_done = np.zeros((batch, jobs), dtype=bool)
        self._next_machine = self.machines[:, :, 0].copy()
        self._next_duration = self.durations[:, :, 0].copy()
        self._ready_key = self.job_ready.copy()  # job_ready, or unreachable once the job is done
        self._done = np.zeros(batch, dtype=bool)
        self._has_zero = bool((self.durations[np.arange(self.num_operations)[None, None, :]
                                              < self.operation_counts[:, :, None]] == 0).any())
        self._settle()

    @property
    def job_done(self) -> np.ndarray:
        """``(batch, jobs)`` True where the job has no operation left."""
        return self._job_done

    @property
    def done(self) -> np.ndarray:
        """``(batch,)`` True where the schedule is complete."""
        return self._done

    @property
    def all_done(self) -> bool:
        """True when every instance of the batch is scheduled."""
        return bool(self._done.all())

    def remaining_operations(self) -> np.ndarray:
        """``(batch, jobs)`` operations each job has left (its next one included)."""
        return self.operation_counts - self.next_operation

    def next_machine(self) -> np.ndarray:
        """``(batch, jobs)`` machine of each job's next operation (last one for finished jobs)."""
        return self._next_machine

    def next_duration(self) -> np.ndarray:
        """``(batch, jobs)`` duration of each job's next operation (0 for finished jobs)."""
        return self._next_duration

    def earliest_start(self) -> np.ndarray:
        """``(batch, jobs)`` earliest start of each job's next operation (huge for finished jobs)."""
        machine_free = self.machine_ready[self._rows, self._next_machine]
        return np.maximum(self._ready_key, machine_free)

    def makespans(self) -> np.ndarray:
        """``(batch,)`` makespan of each (complete) schedule: the latest completion time."""
        valid = np.arange(self.num_operations)[None, None, :] < self.operation_counts[:, :, None]
        return np.where(valid, self.starts + self.durations, 0).max(axis=(1, 2))

    # ------------------------------------------------------------- dynamics
    def _schedule(self, chosen: np.ndarray) -> None:
        """Start every chosen job's next operation at its earliest start (chosen jobs use distinct machines).

        A zero-length operation starts when its job is ready and leaves its machine untouched.
        """
        batch_index, job_index = np.nonzero(chosen)
        if len(batch_index) == 0:
            return
        if len(batch_index) == 1:
            self._schedule_one(int(batch_index[0]), int(job_index[0]))
            return
        operation = self.next_operation[batch_index, job_index]
        machine = self._next_machine[batch_index, job_index]
        duration = self._next_duration[batch_index, job_index]
        occupies = duration > 0
        ready = self.job_ready[batch_index, job_index]
        start = np.where(occupies, np.maximum(ready, self.machine_ready[batch_index, machine]), ready)
        end = start + duration
        self.starts[batch_index, job_index, operation] = start
        self.job_ready[batch_index, job_index] = end
        self.machine_ready[batch_index[occupies], machine[occupies]] = end[occupies]
        following = operation + 1
        self.next_operation[batch_index, job_index] = following
        self.job_remaining_work[batch_index, job_index] -= duration
        self.machine_remaining_work[batch_index, machine] -= duration
        np.add.at(self.scheduled_work, batch_index, duration)
        finished = following >= self.operation_counts[batch_index, job_index]
        clipped = np.where(finished, operation, following)
        self._job_done[batch_index, job_index] = finished
        self._next_machine[batch_index, job_index] = self.machines[batch_index, job_index, clipped]
        self._next_duration[batch_index, job_index] = np.where(
            finished, 0, self.durations[batch_index, job_index, clipped]
        )
        self._ready_key[batch_index, job_index] = np.where(finished, _UNREACHABLE, end)
        if finished.any():
            self._done = self._job_done.all(axis=1)

    def _schedule_one(self, row: int, job: int) -> None:
        """:meth:`_schedule` for a single operation, with scalar updates (the common case)."""
        operation = int(self.next_operation[row, job])
        machine = int(self._next_machine[row, job])
        duration = int(self._next_duration[row, job])
        ready = int(self.job_ready[row, job])
        start = max(ready, int(self.machine_ready[row, machine])) if duration > 0 else ready
        end = start + duration
        self.starts[row, job, operation] = start
        self.job_ready[row, job] = end
        if duration > 0:
            self.machine_ready[row, machine] = end
        following = operation + 1
        self.next_operation[row, job] = following
        self.job_remaining_work[row, job] -= duration
        self.machine_remaining_work[row, machine] -= duration
        self.scheduled_work[row] += duration
        if following >= self.operation_counts[row, job]:
            self._job_done[row, job] = True
            self._next_duration[row, job] = 0
            self._ready_key[row, job] = _UNREACHABLE
            self._done[row] = self._job_done[row].all()
        else:
            self._next_machine[row, job] = self.machines[row, job, following]
            self._next_duration[row, job] = self.durations[row, job, following]
            self._ready_key[row, job] = end

    def _candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """Candidate jobs ``(batch, jobs)`` and the decision time ``(batch,)`` under the mode's rule."""
        earliest = self.earliest_start()
        time = earliest.min(axis=1)
        if self.mode == "non_delay":
            return (earliest == time[:, None]) & ~self._done[:, None], time
        completion = np.where(self._job_done, _UNREACHABLE, earliest + self._next_duration)
        first = completion.argmin(axis=1)
        horizon = completion[np.arange(self.batch_size), first]
        conflict_machine = self._next_machine[np.arange(self.batch_size), first]
        candidates = (self._next_machine == conflict_machine[:, None]) & (earliest < horizon[:, None]) & ~self._job_done
        return candidates, time

    def _competitors(self, candidates: np.ndarray) -> np.ndarray:
        """``(batch, jobs)`` number of candidates sharing each job's next machine."""
        if self.batch_size == 1:
            counts = np.bincount(self._next_machine[0][candidates[0]], minlength=self.num_machines)
            return counts[self._next_machine]
        slots = self._rows * self.num_machines + self._next_machine
        counts = np.bincount(slots[candidates], minlength=self.batch_size * self.num_machines)
        return counts[slots]

    def _settle(self) -> None:
        """Schedule forced operations until every instance is at a real decision or done."""
        while True:
            if self._has_zero:
                zero = (self._next_duration == 0) & ~self._job_done
                if zero.any():
                    self._schedule(zero)
                    continue
            candidates, time = self._candidates()
            competitors = self._competitors(candidates)
            forced = candidates & (competitors == 1)
            if not forced.any():
                break
            self._schedule(forced)
        self.mask = candidates
        self.current_time = np.where(self._done, 0, time)
        self.competitors = np.where(candidates, competitors, 0)

    def step(self, actions: np.ndarray) -> None:
        """Dispatch job ``actions[b]`` in every unfinished instance ``b`` (ignored where done)."""
        actions = np.asarray(actions, dtype=np.int64)
        if actions.shape != (self.batch_size,):
            raise JobShopError(f"step needs one job per instance, shape ({self.batch_size},), got {actions.shape}")
        if self.batch_size == 1:  # greedy inference: scalar checks and update
            if not self._done[0]:
                job = int(actions[0])
                if not (0 <= job < self.num_jobs and self.mask[0, job]):
                    raise JobShopError(f"instance 0: job {job} is not a legal dispatch now (see env.mask)")
                self._schedule_one(0, job)
            self.decisions += 1
            self._settle()
            return
        active = ~self._done
        inside = (actions >= 0) & (actions < self.num_jobs)
        legal = inside & self.mask[np.arange(self.batch_size), np.where(inside, actions, 0)]
        invalid = active & ~legal
        if invalid.any():
            bad = int(np.nonzero(invalid)[0][0])
            raise JobShopError(f"instance {bad}: job {int(actions[bad])} is not a legal dispatch now (see env.mask)")
        chosen = np.zeros((self.batch_size, self.num_jobs), dtype=bool)
        chosen[np.nonzero(active)[0], actions[active]] = True
        self._schedule(chosen)
        self.decisions += 1
        self._settle()
