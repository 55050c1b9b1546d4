"""Exact second-stage evaluation and the exact worst case of a first-stage decision.

:func:`solve_second_stage` solves ``Q(x, xi)`` as a MILP on an ormodel backend.
:func:`worst_case` computes ``max_{xi in Xi} c'x + Q(x, xi)`` exactly by a cutting-plane
adversary: the master problem maximises ``eta`` over ``xi in Xi`` subject to, for every
second-stage solution ``y_j`` found so far, ``eta <= value(x, y_j, xi)`` *or* ``y_j`` is
infeasible at ``xi`` (one binary per uncertain row, big-M from interval bounds); the oracle
solves the second stage at the master's ``xi`` and adds its ``y``. With objective-only
uncertainty (knapsack) the master is an LP. It stops when the master's bound meets the best
evaluated scenario (relative tolerance), so the returned value is attained at the returned
scenario and ``bound`` certifies it.

Example:
    >>> from ormodel.datasets.robust import generate_knapsack
    >>> from ormodel.learned.neur2ro.knapsack import RobustKnapsack
    >>> problem = RobustKnapsack(generate_knapsack(8, seed=1))
    >>> result = worst_case(problem, np.ones(8))
    >>> result.converged and result.value >= solve_second_stage(problem, np.ones(8), problem.nominal_scenario()).value
    True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ormodel.learned.neur2ro.mip import Affine, MipBuilder
from ormodel.learned.neur2ro.problem import TwoStageRobustProblem
from ormodel.result import Status
from ormodel.solvers import SolveOptions

__all__ = ["SecondStageSolution", "WorstCase", "solve_second_stage", "worst_case", "robust_violation", "worst_on_scenarios",
           "common_worst_cases", "CommonWorstCase"]


@dataclass
class SecondStageSolution:
    """``c'x + Q(x, xi)`` (``inf`` when the recourse is infeasible) and the optimal ``y``."""

    status: Status
    value: float
    y: np.ndarray | None


@dataclass
class WorstCase:
    """The worst scenario of a first-stage decision.

    Attributes:
        value: ``c'x + Q(x, xi)`` at ``xi`` (``inf`` if some scenario leaves no feasible recourse).
        xi: the worst scenario found.
        bound: the adversary master's upper bound on the worst case.
        converged: ``bound`` and ``value`` agree within the tolerance.
        iterations: oracle (second-stage) solves.
        solve_time: seconds.
        evaluated: every scenario whose second stage was solved, with its value, worst first.
    """

    value: float
    xi: np.ndarray
    bound: float
    converged: bool
    iterations: int
    solve_time: float
    evaluated: list[tuple[float, np.ndarray]] = field(default_factory=list)


def solve_second_stage(problem: TwoStageRobustProblem, x: np.ndarray, xi: np.ndarray, backend: str = "highs",
                       time_limit: float | None = None, gap: float = 1e-6) -> SecondStageSolution:
    """Solve the recourse MILP at ``(x, xi)``; the value includes the first-stage cost ``c'x``."""
    x = np.asarray(x, dtype=np.float64)
    recourse = problem.recourse(xi)
    builder = MipBuilder(f"{problem.name}_second_stage")
    y = builder.add_variables("y", problem.n_second, problem.second_stage_lower, problem.second_stage_upper,
                              integer=problem.second_stage_integrality, objective=recourse.objective_y)
    builder.add_rows("recourse", Affine.of_columns(y, recourse.matrix_y), upper=recourse.upper - recourse.matrix_x @ x)
    builder.objective_offset = float(problem.first_stage_objective @ x + recourse.constant + recourse.objective_x @ x)
    result = builder.solve(backend, SolveOptions(time_limit=time_limit, gap=gap, compute_conflict=False, threads=1))
    if result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        return SecondStageSolution(result.status, math.inf, None)
    if result.values is None or result.objective is None:
        raise RuntimeError(f"{problem.name}: the second stage ended with {result.status.value} ({result.message or result.raw_status})")
    values = np.asarray(result.values, dtype=np.float64)
    values = np.where(problem.second_stage_integrality, np.round(values), values)
    return SecondStageSolution(result.status, float(result.objective), values)


def robust_violation(problem: TwoStageRobustProblem, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Largest violation of the robust first-stage rows over ``Xi`` and the scenario attaining it."""
    constant, gradient = problem.robust_rows_in_xi(np.asarray(x, dtype=np.float64))
    worst, worst_xi = -math.inf, problem.nominal_scenario()
    for row in range(constant.size):
        value, point = problem.uncertainty.maximize_linear(gradient[row])
        if constant[row] + value > worst:
            worst, worst_xi = constant[row] + value, point
    return worst, worst_xi


def _box_range(constant: float, gradient: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    low = constant + float(np.sum(np.minimum(gradient * lower, gradient * upper)))
    high = constant + float(np.sum(np.maximum(gradient * lower, gradient * upper)))
    return low, high


def _agrees(bound: float, value: float, tolerance: float, second_stage_gap: float) -> bool:
    """The master's bound meets the best value found; a value far *above* the bound means the bound is wrong, not met."""
    scale = max(1.0, abs(value))
    return bound - value <= tolerance * scale and value - bound <= (tolerance + second_stage_gap) * scale


def worst_case(problem: TwoStageRobustProblem, x: np.ndarray, backend: str = "highs", tolerance: float = 1e-5,
               time_limit: float | None = None, max_iterations: int = 2000, second_stage_gap: float = 1e-6) -> WorstCase:
    """``max_{xi in Xi} c'x + Q(x, xi)`` by the cutting-plane adversary (see the module docstring).

    ``second_stage_gap`` is the relative MIP gap of each second-stage solve: the returned value can
    exceed the true ``Q`` at the returned scenario by at most that fraction. A second-stage solve cut by
    the limit ends the evaluation without counting (its incumbent can be far above ``Q``).
    """
    started = time.perf_counter()
    x = np.round(np.asarray(x, dtype=np.float64))
    violation, violating_xi = robust_violation(problem, x)
    if violation > 1e-7:
        return WorstCase(math.inf, violating_xi, math.inf, True, 0, time.perf_counter() - started)
    uncertainty = problem.uncertainty
    lower_xi, upper_xi = uncertainty.lower, uncertainty.upper
    set_matrix, set_lower, set_upper = uncertainty.rows()
    first_stage = float(problem.first_stage_objective @ x)
    value_low, value_high = problem.value_bounds()
    eta_upper = value_high + 1.0
    solutions: list[np.ndarray] = []
    seen: set[bytes] = set()
    pending = [np.asarray(xi, dtype=np.float64) for xi in problem.initial_scenarios()]
    xi = pending.pop(0)
    best_value, best_xi, bound = -math.inf, xi, math.inf
    iterations = 0
    converged = False
    evaluated: list[tuple[float, np.ndarray]] = []
    while iterations < max_iterations:
        remaining = None if time_limit is None else time_limit - (time.perf_counter() - started)
        if remaining is not None and remaining <= 0:
            break
        iterations += 1
        try:
            second_stage = solve_second_stage(problem, x, xi, backend, time_limit=remaining, gap=second_stage_gap)
        except RuntimeError:  # the limit ran out inside the second stage: the value so far stands, unconverged
            break
        if second_stage.status.is_limit:  # cut by the limit: its incumbent overestimates Q, so it is no lower bound
            break
        if second_stage.y is None:
            return WorstCase(math.inf, xi, math.inf, True, iterations, time.perf_counter() - started, [(math.inf, xi.copy())])
        evaluated.append((second_stage.value, xi.copy()))
        if second_stage.value > best_value:
            best_value, best_xi = second_stage.value, xi.copy()
        if _agrees(bound, best_value, tolerance, second_stage_gap):
            converged = True
            break
        key = np.round(second_stage.y).astype(np.int8).tobytes()
        if key in seen and math.isfinite(bound) and not pending:
            break  # the master proposed a scenario whose best response it already knows: tolerances are binding
        if key not in seen:
            seen.add(key)
            solutions.append(second_stage.y)
        if pending:
            xi = pending.pop(0)
            continue
        builder = MipBuilder(f"{problem.name}_adversary")
        xi_columns = builder.add_variables("xi", uncertainty.dimension, lower_xi, upper_xi)
        eta = builder.add_variables("eta", 1, lower=value_low - 1.0, upper=eta_upper, objective=1.0)
        if set_matrix.shape[0]:
            builder.add_rows("uncertainty_set", Affine.of_columns(xi_columns, set_matrix), set_lower, set_upper)
        for index, solution in enumerate(solutions):
            constant, gradient = problem.objective_in_xi(x, solution)
            constant += first_stage
            row_constant, row_gradient = problem.uncertain_rows_in_xi(x, solution)
            switch_columns: list[int] = []
            for row in range(row_constant.size):
                scale = 1.0 + abs(row_constant[row]) + float(np.abs(row_gradient[row]).sum())
                epsilon = 1e-5 * scale
                low, high = _box_range(row_constant[row], row_gradient[row], lower_xi, upper_xi)
                if high < epsilon:
                    continue
                switch = builder.add_variables(f"infeasible_{index}_{row}", 1, 0.0, 1.0, integer=True)
                slack = epsilon - low
                # switch = 1  =>  row_constant + row_gradient' xi >= epsilon (y_index infeasible at xi)
                expression = Affine.of_columns(np.concatenate([xi_columns, switch]),
                                               np.concatenate([row_gradient[row], [-slack]])[None, :])
                builder.add_rows(f"violated_{index}_{row}", expression, lower=epsilon - slack - row_constant[row])
                switch_columns.extend(switch.tolist())
            low_value, _ = _box_range(constant, gradient, lower_xi, upper_xi)
            big_m = max(eta_upper - low_value, 0.0)
            columns = np.concatenate([eta, xi_columns, np.asarray(switch_columns, dtype=np.int64)])
            coefficients = np.concatenate([[1.0], -gradient, np.full(len(switch_columns), -big_m)])
            builder.add_rows(f"value_{index}", Affine.of_columns(columns, coefficients[None, :]), upper=constant)
        remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - started), 0.01)
        result = builder.solve(backend, SolveOptions(time_limit=remaining, gap=tolerance / 10, compute_conflict=False, threads=1),
                               sense="maximize")
        if result.values is None or result.objective is None:
            break
        bound = float(result.bound) if result.bound is not None and math.isfinite(result.bound) else float(result.objective)
        bound = max(bound, float(result.objective))
        xi = np.clip(np.asarray(result.values, dtype=np.float64)[xi_columns], lower_xi, upper_xi)
        if _agrees(bound, best_value, tolerance, second_stage_gap):
            converged = True
            break
    evaluated.sort(key=lambda entry: -entry[0])
    return WorstCase(best_value, best_xi, bound, converged, iterations, time.perf_counter() - started, evaluated)


def worst_on_scenarios(problem: TwoStageRobustProblem, x: np.ndarray, scenarios: list[np.ndarray], backend: str = "highs",
                       time_limit: float | None = None, second_stage_gap: float = 1e-6) -> tuple[float, np.ndarray | None, int]:
    """``max c'x + Q(x, xi)`` over the given scenarios: (value, its scenario, scenarios solved before the limit)."""
    started = time.perf_counter()
    x = np.round(np.asarray(x, dtype=np.float64))
    best_value, best_xi, solved = -math.inf, None, 0
    for xi in scenarios:
        remaining = None if time_limit is None else time_limit - (time.perf_counter() - started)
        if remaining is not None and remaining <= 0:
            break
        try:
            second_stage = solve_second_stage(problem, x, xi, backend, time_limit=remaining, gap=second_stage_gap)
        except RuntimeError:
            break
        if second_stage.status.is_limit:  # an incumbent cut by the limit overestimates Q: not counted
            break
        solved += 1
        if second_stage.value > best_value:
            best_value, best_xi = second_stage.value, np.asarray(xi, dtype=np.float64).copy()
    return best_value, best_xi, solved


@dataclass
class CommonWorstCase:
    """One decision's worst case over its own exact adversary and the other decisions' scenarios.

    Attributes:
        value: the larger of ``own.value`` and the worst value at the shared scenarios (a lower bound on the
            true worst case, attained at ``xi``; equal to it when ``own.converged``).
        xi: the scenario attaining ``value``.
        own: the decision's own :func:`worst_case` result.
        shared_scenarios: scenarios taken from the other decisions' evaluations and solved for this one.
        complete: every shared scenario was solved before the limit, so ``value`` is the worst case over the
            union of all the decisions' evaluated scenarios.
    """

    value: float
    xi: np.ndarray
    own: WorstCase
    shared_scenarios: int
    complete: bool = True

    def certified(self, tolerance: float = 2e-4) -> bool:
        """The own adversary converged with a bound that nothing found since contradicts (``own.bound`` is then the worst case)."""
        return self.own.converged and self.own.bound >= self.value - tolerance * max(1.0, abs(self.value))


def common_worst_cases(problem: TwoStageRobustProblem, decisions: list[np.ndarray], backend: str = "highs",
                       time_limit: float | None = None, second_stage_gap: float = 1e-6, shared: int | None = None) -> list[CommonWorstCase]:
    """Worst cases of several decisions on a common footing.

    Each decision gets its own cutting-plane adversary (an equal share of ``time_limit``: two
    thirds of it, split), then is also solved at the scenarios every *other* decision's adversary
    evaluated (the ``shared`` worst of each, all when ``None``; the last third). Where the
    adversaries do not converge, their values are lower bounds found at different scenarios; the
    shared scenarios put every decision through the same worst cases, and ``complete`` says
    whether each one was solved at all of them before the limit.
    """
    started = time.perf_counter()
    count = max(len(decisions), 1)
    own_share = None if time_limit is None else (2.0 / 3.0) * time_limit / count
    owns = [worst_case(problem, x, backend, time_limit=own_share, second_stage_gap=second_stage_gap) for x in decisions]
    results = []
    for index, (x, own) in enumerate(zip(decisions, owns)):
        others: list[np.ndarray] = []
        for other, result in enumerate(owns):
            if other == index:
                continue
            for _, xi in result.evaluated[:shared]:
                if not any(np.array_equal(xi, seen) for seen in others) and not any(np.array_equal(xi, seen) for _, seen in own.evaluated):
                    others.append(xi)
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - started), 0.0) / max(count - index, 1)
        value, xi, solved = worst_on_scenarios(problem, x, others, backend, time_limit=left, second_stage_gap=second_stage_gap)
        complete = solved == len(others)
        if xi is not None and value > own.value:
            results.append(CommonWorstCase(value, xi, own, solved, complete))
        else:
            results.append(CommonWorstCase(own.value, own.xi, own, solved, complete))
    return results
