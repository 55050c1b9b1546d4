"""CP-SAT for the job shop through :class:`~ormodel.solvers.cpsat.CpSatBackend`, cold or warm-started.

The model: one integer start per operation, precedence rows along each job, one interval per
operation with no overlap per machine (a :class:`~ormodel.solvers.cpsat.CpConstraints` entry;
zero-length operations occupy no machine and are left out), and a makespan column to minimize.
The backend solves it in its worker process. A warm start becomes solution hints and a makespan
cutoff (the makespan column's upper bound).

Example:
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> solution = solve_jobshop_cpsat(random_jobshop(3, 3, seed=0), time_limit=5.0, seed=0)
    >>> solution.status
    'optimal'
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance
from ormodel.solvers.base import SolveOptions
from ormodel.solvers.cpsat import CpConstraints, CpSatBackend
from ormodel.solvers.labels import column_labels

from ormodel.result import Status
from ormodel.standard_form import Block, NameMap, StandardForm

__all__ = ["CpSatSchedule", "improve_schedule", "jobshop_model", "solve_jobshop_cpsat"]


@dataclass
class CpSatSchedule:
    """CP-SAT's answer: start times, makespan, proven lower bound and status text."""

    starts: np.ndarray | None
    makespan: float
    bound: float
    status: str
    solve_time: float
    warm_start_makespan: float | None = None

    @property
    def has_solution(self) -> bool:
        """True when a schedule came back."""
        return self.starts is not None


def jobshop_model(instance: JobShopInstance, cutoff: int | None = None) -> tuple[StandardForm, CpConstraints]:
    """The job shop as a StandardForm (starts, then the makespan) plus its no-overlap constraints.

    Column ``j * operations + k`` is the start of job ``j``'s ``k``-th operation (padding columns of
    shorter jobs are fixed at 0); the last column is the makespan, at most ``cutoff`` when given.
    """
    jobs, width = instance.machines.shape
    count = jobs * width
    valid = instance.valid.ravel()
    durations = instance.durations.ravel()
    horizon = max(instance.total_work, 1)
    upper = np.where(valid, horizon - durations, 0).astype(float)
    makespan_upper = float(horizon if cutoff is None else cutoff)
    column_lower = np.zeros(count + 1)
    column_lower[-1] = instance.lower_bound()
    column_upper = np.append(upper, makespan_upper)
    # Precedence: start[j,k+1] - start[j,k] >= d[j,k]; makespan - start[j,last] >= d[j,last].
    flat = np.arange(count).reshape(jobs, width)
    pairs = valid.reshape(jobs, width)[:, 1:]
    before = flat[:, :-1][pairs]
    after = flat[:, 1:][pairs]
    last = flat[np.arange(jobs), instance.operation_counts - 1]
    first_columns = np.concatenate([after, np.full(jobs, count)])
    second_columns = np.concatenate([before, last])
    rows = len(first_columns)
    matrix = sp.csr_array(
        (
            np.concatenate([np.ones(rows), -np.ones(rows)]),
            (np.concatenate([np.arange(rows), np.arange(rows)]), np.concatenate([first_columns, second_columns])),
        ),
        shape=(rows, count + 1),
    )
    row_lower = durations[second_columns].astype(float)
    objective = np.zeros(count + 1)
    objective[-1] = 1.0
    names = NameMap(
        variables=[
            Block("start", 0, count, shape=(jobs, width), index_members=((np.arange(jobs),), (np.arange(width),))),
            Block("makespan", count, 1),
        ]
    )
    form = StandardForm.from_arrays(
        objective=objective, matrix=matrix, row_lower=row_lower, row_upper=np.full(rows, np.inf),
        column_lower=column_lower, column_upper=column_upper, integrality=np.ones(count + 1, dtype=bool),
        names=names, name=instance.name,
    )
    labels = column_labels(names, count + 1)
    constraints = CpConstraints()
    occupying = valid & (durations > 0)
    machines = instance.machines.ravel()
    for machine in range(instance.num_machines):
        members = np.flatnonzero(occupying & (machines == machine))
        if len(members) > 1:
            constraints.no_overlap(starts=[labels[column] for column in members], durations=durations[members].tolist())
    return form, constraints


def solve_jobshop_cpsat(
    instance: JobShopInstance,
    time_limit: float | None = 10.0,
    seed: int = 0,
    workers: int | None = None,
    warm_start: np.ndarray | None = None,
    verbose: bool = False,
    deterministic_time: float | None = None,
    cutoff: bool = True,
    parameters: dict[str, object] | None = None,
) -> CpSatSchedule:
    """Minimize the makespan with CP-SAT; ``warm_start`` (start times) becomes a hint and (``cutoff``) a makespan cutoff.

    With a warm start the returned schedule is never worse than the warm start: CP-SAT is told
    the makespan may not exceed it, and the warm start is returned if CP-SAT finds nothing in time.
    ``deterministic_time`` (CP-SAT's work units) with ``workers=1`` makes the answer reproducible.
    ``parameters``: further CP-SAT parameters by name (e.g. ``{"interleave_search": True}``).
    """
    began = time.perf_counter()
    if time_limit is not None and time_limit <= 0:
        raise JobShopError(f"CP-SAT time limit must be positive, got {time_limit}")
    warm_makespan = None
    hint = None
    if warm_start is not None:
        warm_start = np.asarray(warm_start)
        instance.check_schedule(warm_start)
        warm_makespan = instance.makespan(warm_start)
        hint = np.append(np.where(instance.valid, warm_start, 0).ravel(), warm_makespan).astype(float)
    form, constraints = jobshop_model(instance, cutoff=warm_makespan if cutoff else None)
    extra: dict[str, object] = {**(parameters or {}), "cp_constraints": constraints}
    if deterministic_time is not None:
        extra["max_deterministic_time"] = float(deterministic_time)
    options = SolveOptions(
        time_limit=time_limit, seed=int(seed), threads=workers, verbose=verbose, warm_start=hint, extra=extra
    )
    result = CpSatBackend().solve(form, options)
    elapsed = time.perf_counter() - began
    if result.status == Status.ERROR:
        raise JobShopError(f"CP-SAT failed on {instance.name!r}: {result.message}")
    bound = float(result.bound) if result.values is not None else float(instance.lower_bound())
    if result.values is not None:
        starts = np.rint(result.values[:-1]).astype(np.int64).reshape(instance.machines.shape)
        starts = np.where(instance.valid, starts, -1)
        status = "optimal" if result.status == Status.OPTIMAL else "feasible"
        if warm_makespan is None or instance.makespan(starts) <= warm_makespan:
            return CpSatSchedule(starts, float(instance.makespan(starts)), bound, status, elapsed, warm_makespan)
    if warm_start is not None:
        # No improving schedule in time: the warm start stands.
        return CpSatSchedule(
            warm_start.astype(np.int64), float(warm_makespan), bound, "feasible", elapsed, warm_makespan
        )
    status = "infeasible" if result.status == Status.INFEASIBLE else "unknown"
    return CpSatSchedule(None, float("nan"), bound, status, elapsed)


def improve_schedule(
    instance: JobShopInstance, starts: np.ndarray, time_limit: float, seed: int = 0, workers: int | None = None
) -> CpSatSchedule:
    """Warm-start CP-SAT from a dispatcher's schedule and return the improved (or same) schedule."""
    return solve_jobshop_cpsat(instance, time_limit=time_limit, seed=seed, workers=workers, warm_start=starts)
