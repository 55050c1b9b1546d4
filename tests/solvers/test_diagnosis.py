"""Solution cross-checks, IIS and unbounded rays named in the model's own terms."""

from __future__ import annotations

import numpy as np
import pytest
from ormodel.solvers import SolveOptions, get_backend
from ormodel.solvers.diagnosis import check_solution, describe, diagnose, find_conflict, find_unbounded_ray

from ormodel.io import problem_from_dict
from ormodel.result import Status


def _staffing(shortfall: bool) -> dict:
    """Shifts need staff; a budget caps the total. With ``shortfall`` the budget is too small."""
    return {
        "sets": {"shifts": ["early", "late", "night"], "people": ["ann", "bob", "cat", "dan", "eve"]},
        "parameters": {"need": {"index": ["shifts"], "values": {"early": 2, "late": 2, "night": 1}}},
        "variables": {"work": {"index": ["people", "shifts"], "type": "binary"}, "overtime": {"upper": 10}},
        "objective": {"sense": "min", "expression": "sum(work[p,s] for p in people for s in shifts) + overtime"},
        "constraints": [
            {"name": "cover", "for": "s in shifts", "expression": "sum(work[p,s] for p in people) >= need[s]"},
            {"name": "one_shift", "for": "p in people", "expression": "sum(work[p,s] for s in shifts) <= 1"},
            {"name": "budget", "expression": f"sum(work[p,s] for p in people for s in shifts) <= {3 if shortfall else 5}"},
            {"name": "overtime_cap", "expression": "overtime <= 4"},
        ],
    }


@pytest.mark.parametrize("backend_name", ["highs", "scip", "pyomo"])
def test_infeasible_model_names_the_conflicting_families(backend_name: str) -> None:
    problem = problem_from_dict(_staffing(shortfall=True))
    result = diagnose(problem, get_backend(backend_name).solve(problem))
    assert result.status == Status.INFEASIBLE
    assert result.conflict is not None
    families = result.conflict.families()
    assert {"cover", "budget"} <= families
    assert "overtime_cap" not in families and "one_shift" not in families
    assert all(label.startswith(("cover[", "budget")) for label in result.conflict.rows)
    lines = describe(result)
    assert lines[0].startswith("irreducible infeasible subset") or "infeasible subset" in lines[0]
    assert any("constraint cover" in line for line in lines)


def test_scip_iis_for_a_mip_whose_relaxation_is_feasible() -> None:
    problem = problem_from_dict({
        "variables": {"x": {"type": "integer", "upper": 9}, "y": {"type": "integer", "upper": 9}, "z": {"upper": 3}},
        "objective": {"sense": "min", "expression": "x + y + z"},
        "constraints": [{"name": "parity", "expression": "4 * x + 6 * y == 5"}, {"name": "side", "expression": "z >= 1"}],
    })
    conflict = find_conflict(problem)
    assert conflict is not None
    assert conflict.families() == {"parity"}


def test_feasible_model_has_no_conflict() -> None:
    assert find_conflict(problem_from_dict(_staffing(shortfall=False))) is None


@pytest.mark.parametrize("backend_name", ["highs", "scip", "pyomo"])
def test_unbounded_model_gets_a_ray_over_the_right_variables(backend_name: str) -> None:
    problem = problem_from_dict({
        "sets": {"I": [1, 2, 3]},
        "variables": {"x": {"index": ["I"]}, "capped": {"upper": 5}},
        "objective": {"sense": "max", "expression": "x[1] + x[2] + capped"},
        "constraints": [
            {"name": "link", "expression": "x[1] - x[2] <= 2"},
            {"name": "third", "expression": "x[3] <= 1"},
        ],
    })
    result = diagnose(problem, get_backend(backend_name).solve(problem))
    assert result.status == Status.UNBOUNDED
    assert result.ray is not None
    assert {"x[1]", "x[2]"} <= set(result.ray.components)
    assert "x[3]" not in result.ray.components and "capped" not in result.ray.components
    assert all(value > 0 for label, value in result.ray.components.items() if label in ("x[1]", "x[2]"))
    assert any("unbounded direction" in line for line in describe(result))


def test_bounded_model_has_no_ray() -> None:
    problem = problem_from_dict(_staffing(shortfall=False))
    assert find_unbounded_ray(problem) is None


def test_check_solution_reports_violations_by_name() -> None:
    problem = problem_from_dict(_staffing(shortfall=False))
    result = get_backend("highs").solve(problem)
    check = check_solution(problem, result)
    assert check.feasible and check.max_violation <= 1e-9
    assert abs(check.objective - result.objective) < 1e-9
    broken = np.zeros_like(result.values)
    broken[-1] = 6.0  # overtime above its upper bound of 10? no: above overtime_cap (4).
    check = check_solution(problem, broken)
    assert not check.feasible
    labels = [label for label, _ in check.worst_rows]
    assert "overtime_cap" in labels and "cover[early]" in labels
    assert dict(check.worst_rows)["cover[early]"] == pytest.approx(2.0)
    assert "violated cover[early]" in check.describe()


def test_check_solution_evaluates_original_nonlinear_and_piecewise_rows() -> None:
    problem = problem_from_dict({
        "sets": {"I": [1, 2]},
        "variables": {"x": {"index": ["I"], "lower": -5, "upper": 5}, "on": {"type": "binary"}},
        "objective": {"sense": "min", "expression": "sum(abs(x[i]) for i in I)"},
        "constraints": [
            {"name": "spread", "expression": "max(x[1], x[2]) >= 2"},
            {"name": "curve", "expression": "exp(x[1]) <= 3"},
            {"name": "gated", "for": "i in I", "expression": "x[i] <= 1", "when": "on == 1"},
        ],
    })
    good = check_solution(problem, np.array([0.5, 2.0, 0.0]))
    assert good.feasible and good.objective == pytest.approx(2.5)
    bad = check_solution(problem, np.array([1.5, 1.8, 1.0]))
    violated = dict(bad.worst_rows)
    assert violated["spread"] == pytest.approx(0.2)
    assert violated["curve"] == pytest.approx(np.exp(1.5) - 3)
    assert violated["gated[1]"] == pytest.approx(0.5) and violated["gated[2]"] == pytest.approx(0.8)


def test_check_solution_on_a_standard_form_and_integrality() -> None:
    from ormodel.compiler import compile_problem

    form = compile_problem(problem_from_dict(_staffing(shortfall=False)))
    point = np.zeros(form.num_columns)
    point[0] = 0.5
    check = check_solution(form, point)
    assert check.integrality_violation == pytest.approx(0.5)
    assert check.worst_columns[0][0] == "work[ann,early]"


def test_check_solution_without_a_point_is_a_clear_error() -> None:
    problem = problem_from_dict(_staffing(shortfall=True))
    result = get_backend("highs").solve(problem, SolveOptions(compute_conflict=False))
    with pytest.raises(ValueError, match="no solution"):
        check_solution(problem, result)


def test_infeasible_or_unbounded_is_refined() -> None:
    from ormodel.solvers.conformance import case_by_name

    from ormodel.result import Result

    form = case_by_name("lp_infeasible_or_unbounded").build()
    result = diagnose(form, Result(Status.INFEASIBLE_OR_UNBOUNDED))
    assert result.status == Status.INFEASIBLE
    assert "feasibility solve" in result.extra["diagnosis"]
    unbounded = case_by_name("lp_unbounded").build()
    result = diagnose(unbounded, Result(Status.INFEASIBLE_OR_UNBOUNDED))
    assert result.status == Status.UNBOUNDED and result.ray is not None
