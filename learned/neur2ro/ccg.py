"""Exact column-and-constraint generation (CCG) and the simple baselines.

CCG (Zeng & Zhao 2013, with an exact MILP adversary for the integer recourse): the master
problem ``min c'x + theta`` keeps one copy ``y^k`` of the second stage per scenario ``xi^k``
(``theta >= value(x, y^k, xi^k)``, recourse rows at ``xi^k``); the adversary
(:func:`~ormodel.learned.neur2ro.exact.worst_case`) returns the worst scenario of the master's
``x``. The master's bound is a lower bound, the best exact worst case an upper bound; it stops
when they meet, when the adversary repeats a scenario (then they meet up to tolerances), or at
the time limit (returning the best decision evaluated so far). Finite because ``x`` is binary.

Baseline :func:`solve_nominal` solves the deterministic problem at one scenario (the nominal
one by default, or the box's worst corner for a box-worst-case solution).

Example:
    >>> from ormodel.datasets.robust import generate_knapsack
    >>> from ormodel.learned.neur2ro.knapsack import RobustKnapsack
    >>> solution = solve_ccg(RobustKnapsack(generate_knapsack(6, seed=2)), time_limit=60)
    >>> solution.status, solution.estimate >= solution.bound - 1e-6
    ('optimal', True)
"""

from __future__ import annotations

import math
import time

import numpy as np

from ormodel.learned.neur2ro.exact import robust_violation, worst_case
from ormodel.learned.neur2ro.mip import Affine, MipBuilder
from ormodel.learned.neur2ro.problem import TwoStageRobustProblem
from ormodel.learned.neur2ro.solution import RobustSolution
from ormodel.solvers import SolveOptions

__all__ = ["solve_ccg", "solve_nominal", "build_ccg_master"]


def build_ccg_master(problem: TwoStageRobustProblem, scenarios: list[np.ndarray]) -> tuple[MipBuilder, np.ndarray]:
    """The CCG master over the given scenarios; returns the builder and the ``x`` columns."""
    builder = MipBuilder(f"{problem.name}_ccg_master")
    x = builder.add_variables("x", problem.n_first, 0.0, 1.0, integer=True, objective=problem.first_stage_objective)
    value_low, _ = problem.value_bounds()
    theta = builder.add_variables("theta", 1, lower=value_low - 1.0, upper=np.inf, objective=1.0)
    for index, xi in enumerate(scenarios):
        recourse = problem.recourse(xi)
        y = builder.add_variables(f"y_{index}", problem.n_second, problem.second_stage_lower, problem.second_stage_upper,
                                  integer=problem.second_stage_integrality)
        columns = np.concatenate([x, y])
        builder.add_rows(f"recourse_{index}", Affine.of_columns(columns, np.hstack([recourse.matrix_x, recourse.matrix_y])),
                         upper=recourse.upper)
        coefficients = np.concatenate([[1.0], -recourse.objective_x, -recourse.objective_y])[None, :]
        builder.add_rows(f"theta_{index}", Affine.of_columns(np.concatenate([theta, columns]), coefficients), lower=recourse.constant)
    return builder, x


def solve_ccg(problem: TwoStageRobustProblem, backend: str = "highs", time_limit: float = 600.0, tolerance: float = 1e-6,
              max_iterations: int = 500, threads: int | None = 1, second_stage_gap: float = 1e-6) -> RobustSolution:
    """Exact CCG; ``status`` is ``optimal`` when the bounds met, else why it stopped.

    ``tolerance`` is the relative gap of the master MIP and of the stopping test; ``second_stage_gap``
    that of the adversary's second-stage solves (:func:`~ormodel.learned.neur2ro.exact.worst_case`).
    """
    started = time.perf_counter()
    scenarios = [problem.nominal_scenario()]
    best_x, best_value = np.zeros(problem.n_first), math.inf
    lower_bound = -math.inf
    history: list[dict] = []
    status = "iteration_limit"
    iterations = 0
    while iterations < max_iterations:
        remaining = time_limit - (time.perf_counter() - started)
        if remaining <= 0:
            status = "time_limit"
            break
        iterations += 1
        builder, x_columns = build_ccg_master(problem, scenarios)
        result = builder.solve(backend, SolveOptions(time_limit=remaining, gap=tolerance, threads=threads, compute_conflict=False))
        if result.values is None:
            status = "time_limit" if result.status.is_limit else f"master_{result.status.value}"
            break
        if result.bound is not None and math.isfinite(result.bound):
            lower_bound = max(lower_bound, float(result.bound))
        x = np.round(np.asarray(result.values)[x_columns])
        remaining = time_limit - (time.perf_counter() - started)
        if remaining <= 0:
            status = "time_limit"
            if not math.isfinite(best_value):
                best_x = x
            break
        adversary = worst_case(problem, x, backend, time_limit=remaining, second_stage_gap=second_stage_gap)
        if adversary.converged and adversary.value < best_value:
            best_x, best_value = x, adversary.value
        elif not math.isfinite(best_value) and not adversary.converged:
            best_x = x
        history.append({"iteration": iterations, "master_objective": result.objective, "lower_bound": lower_bound,
                        "worst_case": adversary.value, "upper_bound": best_value, "seconds": time.perf_counter() - started})
        if math.isfinite(best_value) and best_value - lower_bound <= tolerance * max(1.0, abs(best_value)) + 1e-9:
            status = "optimal"
            break
        if not adversary.converged:
            status = "time_limit"
            break
        if any(float(np.abs(adversary.xi - known).max()) < 1e-9 for known in scenarios):
            status = "repeated_scenario"
            break
        scenarios.append(adversary.xi)
    notes = {"stopped_at_limit": status == "time_limit", "limit_seconds": time_limit,
             "certified": math.isfinite(best_value), "lower_bound": lower_bound}
    return RobustSolution("ccg", best_x, best_value, lower_bound, status, scenarios, iterations, time.perf_counter() - started,
                          history, notes)


def solve_nominal(problem: TwoStageRobustProblem, xi: np.ndarray | None = None, backend: str = "highs",
                  time_limit: float | None = 600.0, method: str = "nominal", gap: float = 1e-6) -> RobustSolution:
    """The deterministic problem at one scenario (default: the nominal one), keeping the robust first-stage rows."""
    started = time.perf_counter()
    scenario = problem.nominal_scenario() if xi is None else np.asarray(xi, dtype=np.float64)
    feasibility: list[np.ndarray] = [scenario]
    while True:
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - started), 0.05)
        builder, x_columns = build_ccg_master(problem, [scenario])
        for index, feasibility_xi in enumerate(feasibility):
            rows, upper = problem.robust_rows(feasibility_xi)
            if rows.shape[0]:
                builder.add_rows(f"robust_{index}", Affine.of_columns(x_columns, rows), upper=upper)
        result = builder.solve(backend, SolveOptions(time_limit=left, gap=gap, threads=1, compute_conflict=False))
        if result.values is None:
            raise RuntimeError(f"{problem.name}: the deterministic problem ended with {result.status.value}")
        x = np.round(np.asarray(result.values)[x_columns])
        violation, violating_xi = robust_violation(problem, x)
        if violation <= 1e-7 or len(feasibility) > 50:
            break
        feasibility.append(violating_xi)
    return RobustSolution(method, x, float(result.objective), None, method, [scenario], len(feasibility), time.perf_counter() - started)
