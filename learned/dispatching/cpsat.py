"""CP-SAT for the job shop (interval variables, no overlap per machine), cold or warm-started.

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
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance
from ortools.sat.python import cp_model

__all__ = ["CpSatSchedule", "improve_schedule", "solve_jobshop_cpsat"]


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


def _build_model(instance: JobShopInstance) -> tuple[cp_model.CpModel, list[list[cp_model.IntVar]], cp_model.IntVar]:
    """Interval per operation, precedence along each job, no overlap per machine, minimize makespan."""
    model = cp_model.CpModel()
    horizon = instance.total_work
    starts: list[list[cp_model.IntVar]] = []
    intervals_by_machine: list[list[cp_model.IntervalVar]] = [[] for _ in range(instance.num_machines)]
    ends: list[cp_model.LinearExprT] = []
    for job in range(instance.num_jobs):
        job_starts = []
        previous_end: cp_model.LinearExprT | None = None
        for operation in range(instance.num_operations):
            duration = int(instance.durations[job, operation])
            start = model.new_int_var(0, horizon - duration, f"start[{job},{operation}]")
            interval = model.new_fixed_size_interval_var(start, duration, f"op[{job},{operation}]")
            intervals_by_machine[int(instance.machines[job, operation])].append(interval)
            if previous_end is not None:
                model.add(start >= previous_end)
            previous_end = start + duration
            job_starts.append(start)
        starts.append(job_starts)
        assert previous_end is not None
        ends.append(previous_end)
    for intervals in intervals_by_machine:
        model.add_no_overlap(intervals)
    makespan = model.new_int_var(instance.lower_bound(), horizon, "makespan")
    model.add_max_equality(makespan, ends)
    model.minimize(makespan)
    return model, starts, makespan


def solve_jobshop_cpsat(
    instance: JobShopInstance,
    time_limit: float | None = 10.0,
    seed: int = 0,
    workers: int | None = None,
    warm_start: np.ndarray | None = None,
    verbose: bool = False,
    deterministic_time: float | None = None,
) -> CpSatSchedule:
    """Minimize the makespan with CP-SAT; ``warm_start`` (start times) becomes a hint and a cutoff.

    With a warm start the returned schedule is never worse than the warm start: CP-SAT is told
    the makespan may not exceed it, and the warm start is returned if CP-SAT finds nothing in time.
    ``deterministic_time`` (CP-SAT's work units) with ``workers=1`` makes the answer reproducible.
    """
    began = time.perf_counter()
    model, start_variables, makespan = _build_model(instance)
    warm_makespan = None
    if warm_start is not None:
        warm_start = np.asarray(warm_start)
        instance.check_schedule(warm_start)
        warm_makespan = instance.makespan(warm_start)
        for job in range(instance.num_jobs):
            for operation in range(instance.num_operations):
                model.add_hint(start_variables[job][operation], int(warm_start[job, operation]))
        model.add_hint(makespan, warm_makespan)
        model.add(makespan <= warm_makespan)
    solver = cp_model.CpSolver()
    if time_limit is not None:
        if time_limit <= 0:
            raise JobShopError(f"CP-SAT time limit must be positive, got {time_limit}")
        solver.parameters.max_time_in_seconds = float(time_limit)
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = float(deterministic_time)
    solver.parameters.random_seed = int(seed)
    if workers is not None:
        solver.parameters.num_workers = int(workers)
    solver.parameters.log_search_progress = verbose
    status = solver.solve(model)
    elapsed = time.perf_counter() - began
    status_name = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}.get(
        status, "unknown"
    )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        starts = np.array([[solver.value(variable) for variable in row] for row in start_variables], dtype=np.int64)
        return CpSatSchedule(
            starts,
            float(solver.objective_value),
            float(solver.best_objective_bound),
            status_name,
            elapsed,
            warm_makespan,
        )
    if warm_start is not None:
        # No improving schedule in time: the warm start stands.
        return CpSatSchedule(
            warm_start.astype(np.int64),
            float(instance.makespan(warm_start)),
            float(solver.best_objective_bound),
            "feasible",
            elapsed,
            warm_makespan,
        )
    return CpSatSchedule(None, float("nan"), float(solver.best_objective_bound), status_name, elapsed)


def improve_schedule(
    instance: JobShopInstance, starts: np.ndarray, time_limit: float, seed: int = 0, workers: int | None = None
) -> CpSatSchedule:
    """Warm-start CP-SAT from a dispatcher's schedule and return the improved (or same) schedule."""
    return solve_jobshop_cpsat(instance, time_limit=time_limit, seed=seed, workers=workers, warm_start=starts)
