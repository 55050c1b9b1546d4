"""piecewise(x, breakpoints, values): parsing, checks with located messages, both formulations, every backend."""

from __future__ import annotations

import numpy as np
import pytest

import ormodel as om
from ormodel.compiler import compile_problem
from ormodel.errors import ExpressionError, ModelError, UnsupportedProblem
from ormodel.expressions import Piecewise, parse_expression, to_text
from ormodel.io import problem_from_dict


def _document(expression: str, extra_parameters: dict | None = None) -> dict:
    return {
        "parameters": {"breaks": {"index": ["K"], "values": [0, 10, 20, 30]}, "costs": {"index": ["K"], "values": [0, 50, 80, 150]},
                       **(extra_parameters or {})},
        "sets": {"K": [1, 2, 3, 4]},
        "variables": {"x": {"upper": 30}},
        "objective": {"sense": "min", "expression": expression},
        "constraints": [{"name": "need", "expression": "x >= 15"}],
    }


def test_parse_and_render_round_trip() -> None:
    node = parse_expression("piecewise(x[i], [0, 10, 20.5], [1, -2, 3e2])")
    assert isinstance(node, Piecewise)
    assert node.breakpoints == (0.0, 10.0, 20.5) and node.values == (1.0, -2.0, 300.0)
    assert to_text(node) == "piecewise(x[i], [0, 10, 20.5], [1, -2, 300])"
    assert parse_expression(to_text(node)) == node
    named = parse_expression("piecewise(x, breaks, costs)")
    assert isinstance(named, Piecewise) and named.breakpoints == "breaks" and to_text(named) == "piecewise(x, breaks, costs)"


@pytest.mark.parametrize("text, message", [
    ("piecewise(x, [0, 10, 5], [0, 1, 2])", "breakpoints must increase: breakpoint 3 (5) is not above breakpoint 2 (10)"),
    ("piecewise(x, [0, 10, 10], [0, 1, 2])", "breakpoint 3 (10) is not above breakpoint 2 (10)"),
    ("piecewise(x, [0, 10, 20], [0, 1])", "3 breakpoints but 2 values"),
    ("piecewise(x, [0], [0])", "at least 2 breakpoints, got 1"),
    ("piecewise(x, [0, 1e999], [0, 1])", "breakpoint 2 is inf, not a finite number"),
    ("piecewise(x, [0, 1], [0, y])", "values of piecewise() must be numbers; element 2 is not"),
    ("piecewise(x, [0, 1])", "piecewise() takes 3 arguments"),
    ("piecewise(x, 3, [0, 1])", "breakpoints of piecewise() are a list of numbers or the name of a parameter"),
])
def test_bad_breakpoints_name_the_element(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=None) as caught:
        parse_expression(text)
    assert message in str(caught.value)


def test_bad_breakpoints_in_a_file_name_the_objective() -> None:
    with pytest.raises(ModelError) as caught:
        problem_from_dict(_document("piecewise(x, [0, 20, 10], [0, 1, 2])"))
    assert "objective" in str(caught.value) and "breakpoint 3 (10) is not above breakpoint 2 (20)" in str(caught.value)


def test_parameter_breakpoints_are_checked_at_compile_time() -> None:
    problem = problem_from_dict(_document("piecewise(x, costs, breaks)", {"costs": {"index": ["K"], "values": [0, 50, 40, 150]}}))
    with pytest.raises(ExpressionError) as caught:
        compile_problem(problem)
    assert "breakpoint 3 (40) is not above breakpoint 2 (50)" in str(caught.value) and "objective" in str(caught.value)
    unknown = problem_from_dict(_document("piecewise(x, brakes, costs)"))
    with pytest.raises(ExpressionError, match="name 'brakes', which is not a parameter"):
        compile_problem(unknown)


@pytest.mark.parametrize("formulation", ["incremental", "sos2", "logarithmic"])
def test_formulations_compile_to_the_function(formulation: str) -> None:
    problem = problem_from_dict(_document("piecewise(x, breaks, costs)"))
    form = compile_problem(problem, piecewise=formulation)
    if formulation == "sos2":
        assert form.has_sos and form.sos is not None and form.sos.kinds.tolist() == [2]
        assert not form.integrality.any()
    elif formulation == "logarithmic":
        assert not form.has_sos and form.integrality.sum() == 2  # ceil(log2(3)) Gray-code bits for K = 3 segments
        many = compile_problem(problem_from_dict(_document(f"piecewise(x, {list(range(0, 33, 2))}, {[(k * 7) % 5 for k in range(17)]})")),
                               piecewise="logarithmic")
        assert many.integrality.sum() == 4  # 16 segments: 4 bits, where the incremental formulation takes 15 binaries
    else:
        assert not form.has_sos and form.integrality.sum() == 2  # K - 1 segment binaries for K = 3 segments


def test_minimum_of_convex_and_concave_functions_on_every_backend() -> None:
    # f(15) on [0,10,20,30] -> [0,50,80,150] is 65; a maximized concave cost is exact too.
    problem = problem_from_dict(_document("piecewise(x, [0, 10, 20, 30], [0, 50, 80, 150])"))
    for solver in ("highs", "scip", "pyomo:highs"):
        result = om.solve(problem, solver=solver, check=True)
        assert result.status == om.Status.OPTIMAL, solver
        assert result.objective == pytest.approx(65.0) and result.value("x") == pytest.approx(15.0)
        assert result.check is not None and result.check.feasible and result.check.objective == pytest.approx(65.0)


def test_a_nonconvex_function_is_minimized_exactly() -> None:
    # A dip at 20: the LP relaxation of a lambda model without SOS2 would mix 0 and 30.
    document = _document("piecewise(x, [0, 10, 20, 30], [40, 90, 5, 100])")
    document["constraints"] = [{"name": "need", "expression": "x >= 12"}]
    problem = problem_from_dict(document)
    for solver in ("highs", "scip"):
        result = om.solve(problem, solver=solver)
        assert result.objective == pytest.approx(5.0) and result.value("x") == pytest.approx(20.0), solver


def test_gray_code_sides_leave_exactly_one_segment_per_code() -> None:
    from ormodel.piecewise_linear import gray_code_sides

    for segments in range(1, 18):
        sides = gray_code_sides(segments)
        assert len(sides) == max(segments - 1, 0).bit_length()
        for segment in range(segments):
            code = segment ^ (segment >> 1)
            zeroed = set()
            for bit, (ones, zeros) in enumerate(sides):
                zeroed |= set((zeros if code >> bit & 1 else ones).tolist())
            assert set(range(segments + 1)) - zeroed == {segment, segment + 1}, (segments, segment)


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_logarithmic_formulation_agrees_with_the_others_on_random_nonconvex_functions(solver: str) -> None:
    generator = np.random.default_rng(7)
    for trial in range(6):
        points = int(generator.integers(3, 12))
        breaks = np.cumsum(generator.uniform(1, 5, points)).round(3).tolist()
        values = generator.uniform(-20, 20, points).round(3).tolist()
        low, high = breaks[0], breaks[-1]
        for sense in ("min", "max"):
            document = {"variables": {"x": {"lower": low, "upper": high}, "y": {"lower": low, "upper": high}},
                        "objective": {"sense": sense, "expression": f"piecewise(x, {breaks}, {values}) + piecewise(y, {breaks}, {values}) - 0.5 * x"},
                        "constraints": [{"name": "gap", "expression": f"y - x >= {(high - low) / 3:.3f}"}]}
            problem = problem_from_dict(document)
            objectives = {formulation: om.solve(problem, solver=solver, piecewise=formulation, check=True)
                          for formulation in ("incremental", "sos2", "logarithmic")}
            for formulation, result in objectives.items():
                assert result.status == om.Status.OPTIMAL and result.check is not None and result.check.feasible, (trial, sense, formulation)
                assert result.objective == pytest.approx(objectives["incremental"].objective, abs=1e-5), (trial, sense, formulation)
    # A point fixed between breakpoints: the maximum of a dip may only interpolate its own segment.
    fixed = problem_from_dict({"variables": {"x": {"lower": 15, "upper": 15}},
                               "objective": {"sense": "max", "expression": "piecewise(x, [0, 10, 20, 30, 40], [100, 0, 0, 0, 100])"}})
    assert om.solve(fixed, solver=solver, piecewise="logarithmic").objective == pytest.approx(0.0)


def test_piecewise_option_is_checked_and_reaches_a_persistent_instance() -> None:
    from ormodel.errors import OptionError

    problem = problem_from_dict(_document("piecewise(x, [0, 10, 20, 30], [40, 90, 5, 100])"))
    with pytest.raises(OptionError, match="piecewise must be one of incremental, sos2, logarithmic, got 'log'"):
        om.solve(problem, piecewise="log")
    inst = om.Instance(problem, solver="scip", piecewise="logarithmic")
    assert not inst.form.has_sos and inst.form.integrality.sum() == 2
    assert inst.solve().objective == pytest.approx(5.0)


def test_piecewise_of_data_interpolates_and_refuses_points_outside() -> None:
    problem = problem_from_dict({
        "parameters": {"level": 15},
        "variables": {"x": {"upper": 200}},
        "objective": {"sense": "min", "expression": "x"},
        "constraints": [{"name": "floor", "expression": "x >= piecewise(level, [0, 10, 20], [0, 100, 120])"}],
    })
    assert om.solve(problem).objective == pytest.approx(110.0)
    problem.parameters["level"].values = np.asarray(25.0)
    with pytest.raises(ExpressionError) as caught:
        compile_problem(problem)
    assert "defined on [0, 20]; its argument is 25 here" in str(caught.value) and "floor" in str(caught.value)


def test_python_api_builds_the_same_problem_as_yaml(examples_dir) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("piecewise_cost", examples_dir / "piecewise_cost.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build().solve().objective == pytest.approx(280.0)
    with pytest.raises(ModelError, match="3 breakpoints but 2 values"):
        om.piecewise(1.0, [0, 1, 2], [0, 1])


def test_nonlinear_models_refuse_piecewise_with_a_reason() -> None:
    document = _document("piecewise(x, [0, 10, 20, 30], [0, 50, 80, 150]) + exp(x / 30)")
    with pytest.raises(UnsupportedProblem, match="not supported together with nonlinear terms"):
        om.solve(problem_from_dict(document), solver="scip")
