"""Exact evaluation and CCG against brute-force enumeration on tiny instances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linprog

from ormodel.compiler import compile_problem
from ormodel.datasets.robust import generate_capital_budgeting, generate_knapsack
from ormodel.learned.neur2ro import (
    BoxSet, BudgetSet, RobustCapitalBudgeting, RobustKnapsack, solve_ccg, solve_nominal, solve_second_stage, worst_case,
)
from ormodel.solvers import get_backend


def _knapsack_recourses(problem: RobustKnapsack, x: np.ndarray) -> list[np.ndarray]:
    """Every feasible (keep, repair) for a first-stage x, by enumeration (0: drop, 1: keep, 2: keep+repair)."""
    inst = problem.instance
    choices = []
    for option in itertools.product((0, 1, 2), repeat=inst.n_items):
        option = np.asarray(option)
        keep = (option >= 1).astype(float)
        repair = (option == 2).astype(float)
        if np.any(keep > x) or inst.weights @ keep + inst.repair_weights @ repair > inst.capacity + 1e-9:
            continue
        choices.append(np.concatenate([keep, repair]))
    return choices


def _knapsack_worst_case_by_enumeration(problem: RobustKnapsack, x: np.ndarray) -> float:
    """max_xi min_j value_j(xi) as one LP over all enumerated recourse decisions (scipy, independent of ormodel)."""
    n = problem.n_first
    rows, rhs = [], []
    for y in _knapsack_recourses(problem, x):
        constant, gradient = problem.objective_in_xi(x, y)
        rows.append(np.concatenate([[1.0], -gradient]))  # eta - g'xi <= constant
        rhs.append(constant + problem.first_stage_objective @ x)
    rows.append(np.concatenate([[0.0], np.ones(n)]))
    rhs.append(problem.uncertainty.budget)
    result = linprog(np.concatenate([[-1.0], np.zeros(n)]), A_ub=np.asarray(rows), b_ub=np.asarray(rhs),
                     bounds=[(None, None)] + [(0.0, 1.0)] * n, method="highs")
    assert result.status == 0
    return -float(result.fun)


def test_budget_set_maximize_linear_matches_lp() -> None:
    budget = BudgetSet(5, 2.5)
    direction = np.array([0.3, -1.0, 2.0, 0.7, 0.1])
    value, point = budget.maximize_linear(direction)
    reference = linprog(-direction, A_ub=np.ones((1, 5)), b_ub=[2.5], bounds=[(0, 1)] * 5, method="highs")
    assert value == pytest.approx(-reference.fun)
    assert budget.contains(point)
    samples = budget.sample(np.random.default_rng(0), 20)
    assert all(budget.contains(sample) for sample in samples)
    box = BoxSet(4)
    assert box.maximize_linear(np.array([1.0, -2.0, 0.0, 3.0]))[0] == pytest.approx(6.0)


def test_second_stage_five_element_model_matches_fast_path() -> None:
    rng = np.random.default_rng(3)
    for problem in (RobustKnapsack(generate_knapsack(6, seed=4)), RobustCapitalBudgeting(generate_capital_budgeting(6, seed=4))):
        x = (rng.random(problem.n_first) < 0.5).astype(float)
        if not problem.robust_feasible(x):
            x = np.zeros(problem.n_first)
        xi = problem.uncertainty.sample(rng, 1)[0]
        fast = solve_second_stage(problem, x, xi)
        result = get_backend("highs").solve(compile_problem(problem.second_stage_problem(x, xi)))
        assert result.objective == pytest.approx(fast.value, rel=1e-6, abs=1e-6)


def test_knapsack_worst_case_matches_enumeration() -> None:
    problem = RobustKnapsack(generate_knapsack(4, seed=7, budget_factor=0.2, h=40))
    for x in (np.ones(4), np.array([1.0, 0.0, 1.0, 1.0])):
        exact = worst_case(problem, x)
        assert exact.converged
        assert exact.value == pytest.approx(_knapsack_worst_case_by_enumeration(problem, x), rel=1e-5)
        assert solve_second_stage(problem, x, exact.xi).value == pytest.approx(exact.value, rel=1e-6)


def test_knapsack_ccg_matches_enumerated_robust_optimum() -> None:
    problem = RobustKnapsack(generate_knapsack(4, seed=7, budget_factor=0.2, h=40))
    optimum = min(_knapsack_worst_case_by_enumeration(problem, np.asarray(x, dtype=float))
                  for x in itertools.product((0, 1), repeat=4))
    solution = solve_ccg(problem, time_limit=60)
    assert solution.status == "optimal"
    assert solution.estimate == pytest.approx(optimum, rel=1e-5)
    assert _knapsack_worst_case_by_enumeration(problem, solution.x) == pytest.approx(optimum, rel=1e-5)
    assert solution.bound <= optimum + 1e-6 * abs(optimum)


def _capital_budgeting_value(problem: RobustCapitalBudgeting, x: np.ndarray, xi: np.ndarray) -> float:
    """min over all later investments y by enumeration (inf when none is feasible)."""
    best = np.inf
    recourse = problem.recourse(xi)
    for y in itertools.product((0, 1), repeat=problem.n_second):
        y = np.asarray(y, dtype=float)
        if recourse.violation(x, y) <= 1e-9:
            best = min(best, recourse.value(x, y))
    return best


def test_capital_budgeting_worst_case_and_ccg_against_enumeration() -> None:
    problem = RobustCapitalBudgeting(generate_capital_budgeting(3, seed=5))
    grid = np.array(list(itertools.product(np.linspace(-1, 1, 5), repeat=4)))
    values = {}
    for x in itertools.product((0, 1), repeat=3):
        x = np.asarray(x, dtype=float)
        exact = worst_case(problem, x)
        if not problem.robust_feasible(x):
            assert exact.value == np.inf
            continue
        assert exact.converged
        # attained at its scenario, and no grid scenario is worse
        assert _capital_budgeting_value(problem, x, exact.xi) == pytest.approx(exact.value, rel=1e-6)
        assert max(_capital_budgeting_value(problem, x, xi) for xi in grid) <= exact.value + 1e-6
        values[tuple(x)] = exact.value
    solution = solve_ccg(problem, time_limit=60)
    assert solution.status == "optimal"
    assert solution.estimate == pytest.approx(min(values.values()), rel=1e-5)


def test_nominal_baseline_is_feasible() -> None:
    problem = RobustCapitalBudgeting(generate_capital_budgeting(5, seed=1))
    nominal = solve_nominal(problem)
    assert problem.robust_feasible(nominal.x)


def test_neighbours_stay_in_the_uncertainty_sets() -> None:
    from ormodel.learned.neur2ro.uncertainty import BoxSet, BudgetSet

    rng = np.random.default_rng(0)
    budget = BudgetSet(10, 2.5)
    point = budget.sample(rng, 2)[1]
    moves = budget.neighbours(point, rng)
    assert len(moves) > 0 and all(budget.contains(move) for move in moves)
    assert not any(np.array_equal(move, point) for move in moves)
    box = BoxSet(4)
    moves = box.neighbours(np.zeros(4), rng)
    assert len(moves) == 8 and all(box.contains(move) for move in moves)


def test_common_worst_cases_agree_with_converged_adversaries() -> None:
    from ormodel.learned.neur2ro.exact import common_worst_cases, worst_on_scenarios

    problem = RobustCapitalBudgeting(generate_capital_budgeting(5, seed=4))
    decisions = [x for x in (np.asarray(bits, dtype=float) for bits in itertools.product((0, 1), repeat=5)) if problem.robust_feasible(x)][:3]
    results = common_worst_cases(problem, decisions)
    for x, result in zip(decisions, results):
        alone = worst_case(problem, x)
        assert alone.converged and result.own.converged
        assert result.value == pytest.approx(alone.value, rel=1e-5)
        # the adversary's record is sorted worst first and its first entry is the returned value
        assert result.own.evaluated[0][0] == pytest.approx(result.own.value)
        assert all(first[0] >= second[0] for first, second in zip(result.own.evaluated, result.own.evaluated[1:]))
        value, xi, solved = worst_on_scenarios(problem, x, [scenario for _, scenario in result.own.evaluated])
        assert solved == len(result.own.evaluated) and value == pytest.approx(result.own.value)


def test_common_worst_cases_solve_every_decision_at_the_union_of_the_evaluations() -> None:
    from ormodel.learned.neur2ro.exact import common_worst_cases, worst_on_scenarios

    problem = RobustCapitalBudgeting(generate_capital_budgeting(5, seed=5))
    decisions = [np.array([0.0, 1.0, 0.0, 0.0, 0.0]), np.array([0.0, 0.0, 0.0, 1.0, 1.0])]
    results = common_worst_cases(problem, decisions)
    union = [xi for result in results for _, xi in result.own.evaluated]
    for x, result in zip(decisions, results):
        assert result.complete
        assert result.value == pytest.approx(worst_on_scenarios(problem, x, union)[0], rel=1e-6)


def test_nominal_check_keeps_the_loop_decision_when_the_nominal_one_only_looks_better_on_few_scenarios() -> None:
    """Capital budgeting n=5 seed 5: the nominal-like decision is better at its first scenario, worse on the union."""
    from ormodel.learned.neur2ro.exact import CommonWorstCase, worst_on_scenarios
    from ormodel.learned.neur2ro.neural_ccg import select_against_nominal

    problem = RobustCapitalBudgeting(generate_capital_budgeting(5, seed=5))
    loop_x, nominal_x = np.array([0.0, 1.0, 0.0, 0.0, 0.0]), np.array([0.0, 0.0, 0.0, 1.0, 1.0])
    loop_own = worst_case(problem, loop_x)
    nominal_short = worst_case(problem, nominal_x, max_iterations=1)  # a short evaluation, stopped unconverged
    assert loop_own.converged and not nominal_short.converged
    assert nominal_short.value < loop_own.value  # on its own few scenarios the nominal decision looks better
    loop_at_nominal, _, _ = worst_on_scenarios(problem, loop_x, [xi for _, xi in nominal_short.evaluated])
    loop = CommonWorstCase(max(loop_own.value, loop_at_nominal), loop_own.xi, loop_own, len(nominal_short.evaluated), True)

    # the limit ran out before the nominal decision met the loop's scenarios: the old rule (`nominal.value <
    # loop.value`) swapped it in on this optimistic value
    cut = CommonWorstCase(nominal_short.value, nominal_short.xi, nominal_short, 0, complete=False)
    assert cut.value < loop.value
    selected, reason = select_against_nominal(loop, cut)
    assert selected == "loop" and "union not evaluated" in reason

    # solved at every scenario of the loop's evaluation as well, it is worse than the loop's decision
    nominal_at_loop, at, solved = worst_on_scenarios(problem, nominal_x, [xi for _, xi in loop_own.evaluated])
    union = CommonWorstCase(max(nominal_short.value, nominal_at_loop), at, nominal_short, solved, True)
    assert union.value > loop.value and worst_case(problem, nominal_x).value > loop_own.value
    assert select_against_nominal(loop, union)[0] == "loop"

    # the other way round the evidence is certified (a converged worst case below the other's lower bound)
    nominal_full = worst_case(problem, loop_x)
    worse = CommonWorstCase(union.value, union.xi, nominal_short, solved, True)
    certified = CommonWorstCase(loop.value, loop.xi, nominal_full, len(nominal_short.evaluated), True)
    selected, reason = select_against_nominal(worse, certified)
    assert selected == "nominal" and reason.startswith("certified")
    # ... and a converged adversary whose bound a later scenario contradicts certifies nothing
    contradicted = CommonWorstCase(nominal_full.value + 1.0, nominal_full.xi, nominal_full, 1, False)
    assert not contradicted.certified()


def test_a_second_stage_cut_by_the_limit_does_not_count_as_a_worst_case() -> None:
    """Its incumbent is above Q (no lower bound): counted, it made a decision look up to 50 % worse than it is."""
    from ormodel.learned.neur2ro.exact import worst_on_scenarios

    problem = RobustCapitalBudgeting(generate_capital_budgeting(30, seed=50))
    x = np.zeros(problem.n_first)
    x[::3] = 1.0
    xi = problem.nominal_scenario()
    exact = solve_second_stage(problem, x, xi, time_limit=60, gap=1e-4)
    for limit in (1e-3, 3e-3, 1e-2, 3e-2):  # the shortest limit at which HiGHS has an incumbent (machine load)
        try:
            cut = solve_second_stage(problem, x, xi, time_limit=limit, gap=1e-4)
        except RuntimeError:
            continue
        if cut.status.is_limit:
            break
    assert cut.status.is_limit and cut.value > exact.value + 1.0  # HiGHS stopped at an incumbent well above Q
    value, scenario, solved = worst_on_scenarios(problem, x, [xi], time_limit=limit, second_stage_gap=1e-4)
    assert (solved == 0 and scenario is None and value == -math.inf) or value == pytest.approx(exact.value, rel=1e-4)
    assert worst_on_scenarios(problem, x, [xi], second_stage_gap=1e-4)[0] == pytest.approx(exact.value, rel=1e-4)
