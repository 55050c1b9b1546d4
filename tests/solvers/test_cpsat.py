"""CP-SAT: exact integral scaling, clear errors, and the CP constraints."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from ormodel.solvers import SolveOptions, get_backend
from ormodel.solvers.cpsat import CpConstraints, integral_row_scale
from ormodel.solvers.diagnosis import check_solution

from ormodel.io import problem_from_dict
from ormodel.result import Status
from ormodel.standard_form import StandardForm


@pytest.fixture(scope="module")
def cpsat():
    return get_backend("cpsat")


def test_integral_row_scale() -> None:
    assert integral_row_scale([1.0, 2.0, -3.0]) == 1
    assert integral_row_scale([0.5, 1 / 3, 0.25]) == 12
    assert integral_row_scale([0.1, 0.01]) == 100
    assert integral_row_scale([math.pi]) is None
    assert integral_row_scale([1e-9]) is None


def test_rows_are_scaled_exactly_and_bounds_rounded_inward(cpsat) -> None:
    # (1/3) x + (1/6) y <= 1.95  ->  2x + y <= 11.7  ->  2x + y <= 11; max 3x + 2y with x, y <= 10.
    form = StandardForm.from_arrays(objective=np.array([3.0, 2.0]), matrix=sp.csr_array([[1 / 3, 1 / 6]]), row_lower=np.array([-np.inf]),
                                    row_upper=np.array([1.95]), column_upper=np.array([10.0, 10.0]), integrality=np.array([True, True]),
                                    sense="maximize")
    result = cpsat.solve(form)
    highs = get_backend("highs").solve(form)
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(highs.objective)
    assert check_solution(form, result).feasible


def test_inexact_coefficients_and_continuous_columns_are_clear_errors(cpsat) -> None:
    irrational = StandardForm.from_arrays(objective=np.array([1.0]), matrix=sp.csr_array([[math.pi]]), row_lower=np.array([1.0]),
                                          row_upper=np.array([np.inf]), column_upper=np.array([5.0]), integrality=np.array([True]))
    result = cpsat.solve(irrational)
    assert result.status == Status.ERROR and "not exact fractions" in result.message and "r0" in result.message
    continuous = problem_from_dict({"variables": {"amount": {"upper": 3}}, "objective": {"sense": "max", "expression": "amount"}})
    result = cpsat.solve(continuous)
    assert result.status == Status.ERROR and "amount" in result.message and "continuous" in result.message
    assert "continuous" in cpsat.unsupported_reason(continuous)


def test_all_different_on_a_family(cpsat) -> None:
    # Four queens: q[i] is the row of the queen in column i; diagonals by auxiliary sums.
    problem = problem_from_dict({
        "sets": {"I": [0, 1, 2, 3]},
        "variables": {"q": {"index": ["I"], "type": "integer", "upper": 3}, "up": {"index": ["I"], "type": "integer", "upper": 6},
                      "down": {"index": ["I"], "type": "integer", "lower": -3, "upper": 3}},
        "objective": {"sense": "min", "expression": "q[0]"},
        "constraints": [
            {"name": "up_def", "for": "i in I", "expression": "up[i] == q[i] + i"},
            {"name": "down_def", "for": "i in I", "expression": "down[i] == q[i] - i"},
        ],
    })
    cp = CpConstraints().all_different("q").all_different("up").all_different("down")
    result = cpsat.solve(problem, SolveOptions(extra={"cp_constraints": cp}))
    assert result.status == Status.OPTIMAL
    rows = result.array("q")
    assert sorted(rows) == [0, 1, 2, 3]
    assert all(abs(rows[i] - rows[j]) != abs(i - j) for i in range(4) for j in range(i + 1, 4))
    assert result.objective == 1.0


def test_no_overlap_schedules_jobs_on_one_machine(cpsat) -> None:
    durations = {"a": 3, "b": 2, "c": 4}
    problem = problem_from_dict({
        "sets": {"J": list(durations)},
        "parameters": {"duration": {"index": ["J"], "values": durations}},
        "variables": {"start": {"index": ["J"], "type": "integer", "upper": 20}, "makespan": {"type": "integer", "upper": 30}},
        "objective": {"sense": "min", "expression": "makespan + start['c']"},
        "constraints": [{"name": "ends", "for": "j in J", "expression": "makespan >= start[j] + duration[j]"}],
    })
    cp = CpConstraints().no_overlap([f"start[{job}]" for job in durations], list(durations.values()))
    result = cpsat.solve(problem, SolveOptions(extra={"cp_constraints": cp}, threads=1))
    assert result.status == Status.OPTIMAL
    starts = result.variable("start")
    spans = sorted((starts[(job,)], starts[(job,)] + duration) for job, duration in durations.items())
    assert all(first[1] <= second[0] for first, second in itertools.pairwise(spans))
    assert result.value("makespan") == 9 and starts[("c",)] == 0


def test_cumulative_capacity(cpsat) -> None:
    problem = problem_from_dict({
        "sets": {"J": [1, 2, 3]},
        "variables": {"start": {"index": ["J"], "type": "integer", "upper": 10}, "finish": {"type": "integer", "upper": 20}},
        "objective": {"sense": "min", "expression": "finish"},
        "constraints": [{"name": "ends", "for": "j in J", "expression": "finish >= start[j] + 2"}],
    })
    cp = CpConstraints().cumulative("start", [2, 2, 2], [1, 1, 1], capacity=2)
    result = cpsat.solve(problem, SolveOptions(extra={"cp_constraints": cp}))
    assert result.status == Status.OPTIMAL and result.objective == 4.0


def test_unknown_cp_variable_is_a_clear_error(cpsat) -> None:
    problem = problem_from_dict({"variables": {"x": {"type": "integer", "upper": 3}}, "objective": {"sense": "max", "expression": "x"}})
    result = cpsat.solve(problem, SolveOptions(extra={"cp_constraints": CpConstraints().all_different("y", "x")}))
    assert result.status == Status.ERROR and "'y'" in result.message


def test_hints_time_limit_and_solution_limit(cpsat) -> None:
    from ormodel.solvers.conformance import _market_split

    form = _market_split(rows=4, columns=40)
    hint = np.zeros(form.num_columns)
    activity = form.row_lower.copy()
    hint[40:44] = np.maximum(activity, 0)
    result = cpsat.solve(form, SolveOptions(time_limit=1.0, threads=1, warm_start=hint))
    assert result.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    assert result.values is not None and check_solution(form, result).feasible
    limited = cpsat.solve(form, SolveOptions(solution_limit=1, threads=1))
    assert limited.status in (Status.FEASIBLE, Status.OPTIMAL) and limited.values is not None


def test_workers_and_hints_reach_cpsat(cpsat, capsys: pytest.CaptureFixture[str]) -> None:
    from ormodel.solvers.conformance import case_by_name

    knapsack = case_by_name("milp_knapsack").build()
    hint = {"take[1]": 0, "take[2]": 1, "take[3]": 0, "take[4]": 1}
    result = cpsat.solve(knapsack, SolveOptions(threads=1, verbose=True, warm_start=hint))
    capsys.readouterr()
    assert result.status == Status.OPTIMAL and result.objective == 21.0
    assert "num_workers: 1" in result.log and "with 1 workers" in result.log
    assert "The solution hint is complete and is feasible. Its objective value is 21." in result.log
    two = cpsat.solve(knapsack, SolveOptions(threads=2, verbose=True, time_limit=5))
    capsys.readouterr()
    assert "num_workers: 2" in two.log and two.status == Status.OPTIMAL


@pytest.mark.parametrize("sense", ["max", "min"])
def test_incumbent_trace_from_the_solution_callback(cpsat, sense: str) -> None:
    """CP-SAT's improving solutions reach result.extra["trace"] in the model's sense, scale and offset included."""
    weights = [((item * 37) % 23) + 5 for item in range(40)]
    values = [((item * 53) % 31) + 3 for item in range(40)]
    sign = "" if sense == "max" else "-"
    document = {
        "sets": {"I": list(range(40))},
        "parameters": {"w": {"index": ["I"], "values": weights}, "v": {"index": ["I"], "values": values}},
        "variables": {"x": {"index": ["I"], "type": "binary"}},
        "objective": {"sense": sense, "expression": f"{sign}sum(v[i] * x[i] for i in I) / 2 + 7"},
        "constraints": [{"name": "cap", "expression": "sum(w[i] * x[i] for i in I) <= 150"}],
    }
    result = cpsat.solve(problem_from_dict(document), SolveOptions(threads=1, seed=0))
    assert result.status == Status.OPTIMAL
    trace = result.extra["trace"]
    assert trace, "no incumbent recorded"
    times = [point[0] for point in trace]
    objectives = [point[1] for point in trace]
    assert times == sorted(times) and all(0 <= moment <= result.solve_time + 1e-6 for moment in times)
    steps = np.diff(objectives)
    assert np.all(steps > 0) if sense == "max" else np.all(steps < 0)
    assert objectives[-1] == pytest.approx(result.objective, abs=1e-9)
