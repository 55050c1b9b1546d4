"""SCIP: nonlinear models element-wise, the native-model hook, warm starts and statuses."""

from __future__ import annotations

import numpy as np
import pytest
from ormodel.solvers import SolveOptions, get_backend
from ormodel.solvers.diagnosis import check_solution
from ormodel.solvers.elementwise import uses_nonlinear_terms
from ormodel.solvers.scip import BuiltScipModel, ScipBackend

from ormodel.io import problem_from_dict
from ormodel.result import Status


def _circle() -> dict:
    # Maximize x + y on the disc of radius 2 around the origin, with an indicator-gated cap.
    return {
        "sets": {"I": ["a", "b"]},
        "variables": {"p": {"index": ["I"], "lower": -5, "upper": 5}, "cap": {"type": "binary"}},
        "objective": {"sense": "max", "expression": "sum(p[i] for i in I) - 0.1 * cap"},
        "constraints": [
            {"name": "disc", "expression": "sum(p[i]**2 for i in I) <= 4"},
            {"name": "gate", "for": "i in I", "expression": "p[i] <= 1", "when": "cap == 1"},
        ],
    }


def test_nonlinear_detection() -> None:
    assert uses_nonlinear_terms(problem_from_dict(_circle()))
    linear = problem_from_dict({"variables": {"x": {}}, "objective": {"sense": "min", "expression": "x**2 + abs(x - 1)"},
                                "constraints": [{"name": "c", "expression": "2 * x >= 1"}]})
    assert not uses_nonlinear_terms(linear)


def test_quadratic_constraint_and_indicator_elementwise() -> None:
    problem = problem_from_dict(_circle())
    result = get_backend("scip").solve(problem)
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(2 * np.sqrt(2), abs=1e-5)
    assert result.value("p[a]") == pytest.approx(np.sqrt(2), abs=1e-4)
    assert check_solution(problem, result, tolerance=1e-5).feasible
    forced = problem_from_dict({**_circle(), "objective": {"sense": "max", "expression": "sum(p[i] for i in I) + 5 * cap"}})
    gated = get_backend("scip").solve(forced)
    assert gated.value("cap") == pytest.approx(1.0)
    assert gated.objective == pytest.approx(7.0, abs=1e-5)


def test_nonlinear_functions_and_division() -> None:
    problem = problem_from_dict({
        "variables": {"x": {"lower": 0.5, "upper": 4}, "y": {"lower": 0.5, "upper": 4}},
        "objective": {"sense": "min", "expression": "exp(x) / y + sqrt(y)"},
        "constraints": [{"name": "link", "expression": "x * y >= 1"}, {"name": "wave", "expression": "sin(x) + cos(y) <= 1.5"}],
    })
    result = get_backend("scip").solve(problem)
    assert result.status == Status.OPTIMAL
    check = check_solution(problem, result, tolerance=1e-5)
    assert check.feasible and check.objective == pytest.approx(result.objective, rel=1e-5)
    grid = np.linspace(0.5, 4, 351)
    x, y = np.meshgrid(grid, grid)
    feasible = (x * y >= 1) & (np.sin(x) + np.cos(y) <= 1.5)
    assert result.objective <= float(np.min(np.where(feasible, np.exp(x) / y + np.sqrt(y), np.inf))) + 1e-6


def test_native_model_hook_and_build() -> None:
    problem = problem_from_dict({
        "sets": {"I": [1, 2, 3]},
        "variables": {"x": {"index": ["I"], "type": "integer", "upper": 4}},
        "objective": {"sense": "max", "expression": "sum(x[i] for i in I)"},
        "constraints": [{"name": "cap", "expression": "2 * x[1] + 3 * x[2] + 4 * x[3] <= 12"}],
    })
    seen: dict[str, object] = {}

    def setup(model, built: BuiltScipModel) -> None:
        seen["variables"] = [variable.name for variable in built.variables]
        seen["presolve"] = model.getParam("presolving/maxrounds")

    result = get_backend("scip").solve(problem, SolveOptions(extra={"setup": setup, "presolving/maxrounds": 0}))
    assert result.status == Status.OPTIMAL and result.objective == 5.0
    assert seen == {"variables": ["x[1]", "x[2]", "x[3]"], "presolve": 0}
    backend = ScipBackend()
    built = backend.build(problem)
    assert built.model.getNVars() == 3 and built.constraints[0].name == "cap"
    again = backend.solve_built(built, SolveOptions(node_limit=1000))
    assert again.objective == 5.0


def test_warm_start_and_limits() -> None:
    from ormodel.solvers.conformance import _market_split

    form = _market_split(rows=4, columns=40)
    start = np.zeros(form.num_columns)
    start[40:44] = form.row_lower
    result = get_backend("scip").solve(form, SolveOptions(time_limit=1.0, warm_start=start))
    assert result.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    assert result.values is not None and check_solution(form, result).feasible
    assert result.objective <= float(form.row_lower.sum()) + 1e-9
    limited = get_backend("scip").solve(form, SolveOptions(solution_limit=1))
    assert limited.status in (Status.FEASIBLE, Status.OPTIMAL) and limited.values is not None
    by_name = get_backend("scip").solve(problem_from_dict(_circle()), SolveOptions(warm_start={"p[a]": 1.0, "p[b]": 1.0, "cap": 0.0}))
    assert by_name.status == Status.OPTIMAL


def test_min_max_in_nonlinear_model_is_a_clear_error() -> None:
    from ormodel.errors import ExpressionError

    problem = problem_from_dict({"variables": {"x": {"upper": 2}, "y": {"upper": 2}},
                                 "objective": {"sense": "min", "expression": "exp(x) + max(x, y)"}})
    with pytest.raises(ExpressionError, match="max"):
        get_backend("scip").solve(problem)


def test_gap_and_node_limits_reach_scip() -> None:
    from ormodel.solvers.conformance import _market_split

    seen: dict[str, object] = {}

    def setup(model, built: BuiltScipModel) -> None:
        seen["gap"] = model.getParam("limits/gap")
        seen["nodes"] = model.getParam("limits/nodes")

    form = _market_split(rows=3, columns=30)
    result = get_backend("scip").solve(form, SolveOptions(gap=0.25, node_limit=50, extra={"setup": setup}))
    assert seen == {"gap": 0.25, "nodes": 50}
    assert result.nodes is not None and result.nodes <= 50
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.OTHER_LIMIT)
    if result.values is not None:
        assert check_solution(form, result).feasible


def test_solve_frees_its_scip_model_on_return() -> None:
    """PySCIPOpt's plugin <-> model reference cycle must not keep a solved model alive until a full collection."""
    import gc

    import pyscipopt

    problem = problem_from_dict(_circle())
    problem_lp = problem_from_dict({"variables": {"x": {"type": "integer", "upper": 4}}, "objective": {"sense": "max", "expression": "x"}})

    def live_models() -> int:
        return sum(1 for item in gc.get_objects() if isinstance(item, pyscipopt.Model))

    gc.collect()
    gc.disable()
    try:
        before = live_models()
        for model in (problem, problem_lp):
            assert get_backend("scip").solve(model).status == Status.OPTIMAL
        assert live_models() == before
    finally:
        gc.enable()
