"""One set of nonlinear functions: what ``validate`` accepts, ``solve --solver scip`` solves; other backends refuse by name."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from ormodel.solvers.nonlinear_validation import validate_nonlinear

import ormodel as om
from ormodel.cli import EXIT_OK, EXIT_UNSUPPORTED, main
from ormodel.io import problem_from_dict
from ormodel.nonlinearity import first_nonlinear_term, nonlinear_kinds, nonlinear_terms, uses_nonlinear_terms

pytest.importorskip("pyscipopt")


def model(objective: str, *constraints: str, sense: str = "min") -> om.Problem:
    return problem_from_dict({
        "variables": {"x": {"lower": 0.5, "upper": 3}, "y": {"lower": -10, "upper": 10}},
        "objective": {"sense": sense, "expression": objective},
        "constraints": [{"name": f"c{number}", "expression": text} for number, text in enumerate(constraints)],
    })


# Each construct, with the optimum SCIP must reach (worked out by hand).
CONSTRUCTS = [
    ("exp", model("y", "y >= exp(x)"), math.exp(0.5)),
    ("log", model("y", "y >= -log(x)"), -math.log(3)),
    ("sqrt", model("y", "y >= sqrt(x)"), math.sqrt(0.5)),
    ("power", model("y", "y >= x**3"), 0.125),                       # cubic
    ("power", model("y", "y >= x**0.5"), math.sqrt(0.5)),             # fractional
    ("power", model("x**3 - 3*x"), -2.0),                             # cubic objective, minimum at x = 1
    ("sin", model("y", "y >= sin(x)"), min(math.sin(0.5), math.sin(3))),  # sin is concave on [0.5, 3]: least at an end
    ("cos", model("y", "y >= cos(x)"), math.cos(3)),
    ("division by variables", model("y", "y >= 1 / x"), 1 / 3),
    ("product of variables", model("x + y", "x * y >= 1"), 2.0),    # x = y = 1
]


@pytest.mark.parametrize(("kind", "problem", "optimum"), CONSTRUCTS, ids=[f"{kind}-{number}" for number, (kind, _, _) in enumerate(CONSTRUCTS)])
def test_validate_and_scip_agree_on_each_construct(kind: str, problem: om.Problem, optimum: float) -> None:
    assert uses_nonlinear_terms(problem) and kind in nonlinear_kinds(problem)
    summary = validate_nonlinear(problem)
    assert summary.columns == 2 and summary.rows == len(problem.constraints)
    result = om.solve(problem, solver="scip", check=True)
    assert result.status == om.Status.OPTIMAL and result.check.feasible
    assert result.objective == pytest.approx(optimum, abs=1e-5)
    assert om.solve(problem, solver="auto").extra["auto_choice"]["backend"] == "scip"


def test_quadratic_objective_and_abs_are_not_nonlinear() -> None:
    assert not uses_nonlinear_terms(model("x**2 + x*y + abs(y)", "x + y >= 1"))
    assert first_nonlinear_term(model("x*y*x")).kind == "product of variables"   # degree 3 in the objective
    assert first_nonlinear_term(model("y", "x**2 <= 2")).kind == "power"          # a square in a constraint is quadratic


def test_terms_name_the_construct_and_the_place() -> None:
    problem = problem_from_dict({"sets": {"I": [1, 2]}, "variables": {"x": {"index": "I", "upper": 2}},
                                 "objective": {"sense": "min", "expression": "sum(x[i] for i in I)"},
                                 "constraints": [{"name": "lin", "for": "i in I", "expression": "x[i] >= 0.1"},
                                                 {"name": "curve", "for": "i in I", "expression": "exp(x[i]) + x[i]**3 >= 2"}]})
    assert [term.describe() for term in nonlinear_terms(problem)] == ["exp(x[i]) in constraint 'curve'", "x[i]**3 in constraint 'curve'"]


def test_the_issue_model_validates_and_solves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "curve.yaml"
    path.write_text("variables: {x: {lower: 0.1, upper: 4}, y: {upper: 10}}\n"
                    "objective: {sense: min, expression: 'y - x'}\n"
                    "constraints:\n  - {name: c, expression: 'y >= exp(x) - x**3'}\n")
    assert main(["validate", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "MINLP (nonlinear: exp, power): 2 variables (0 integer), 1 constraints" in out and "--solver scip" in out
    assert main(["solve", str(path), "--solver", "scip"]) == EXIT_OK
    capsys.readouterr()
    assert main(["solve", str(path)]) == EXIT_UNSUPPORTED
    error = capsys.readouterr().err
    assert "highs cannot take exp(x) in constraint 'c': exp() is nonlinear and highs solves no MINLP problems" in error
    assert "--solver scip" in error


@pytest.mark.parametrize("backend", ["highs", "cpsat", "pyomo"])
def test_backends_without_minlp_refuse_naming_the_construct(backend: str) -> None:
    problem = problem_from_dict({"variables": {"x": {"upper": 4, "type": "integer"}},
                                 "objective": {"sense": "max", "expression": "x"},
                                 "constraints": [{"name": "cap", "expression": "x**3 <= 30"}]})
    try:
        with pytest.raises(om.UnsupportedProblem, match=rf"{backend} cannot take x\*\*3 in constraint 'cap': a power is nonlinear") as caught:
            om.solve(problem, solver=backend)
    except om.SolverNotAvailable:
        pytest.skip(f"{backend} is not installed")
    assert "solver='scip'" in str(caught.value)
    assert om.solve(problem, solver="auto").objective == pytest.approx(3.0)


@pytest.mark.parametrize(("expression", "message"), [
    ("2 ** x <= 3", "a variable exponent is not supported"),
    ("max(x, y) * x <= 3", r"max\(\) of variables inside a nonlinear model is not supported"),
])
def test_validate_refuses_what_scip_refuses_with_the_same_message(expression: str, message: str, tmp_path: Path) -> None:
    problem = model("y", expression, "y >= exp(x)")
    with pytest.raises(om.ModelError, match=message):
        validate_nonlinear(problem)
    with pytest.raises(om.ModelError, match=message):
        om.solve(problem, solver="scip")


def test_a_nonlinear_when_row_is_refused_by_validate_and_scip_alike(tmp_path: Path) -> None:
    path = tmp_path / "when.yaml"
    path.write_text("variables: {x: {lower: 0.5, upper: 4}, b: {type: binary}}\n"
                    "objective: {sense: min, expression: x}\n"
                    "constraints:\n"
                    "  - {name: lo, expression: 'b >= 1'}\n"
                    "  - {name: curve, expression: 'exp(x) >= 3', when: 'b == 1'}\n")
    problem = om.load(path)
    for attempt in (lambda: validate_nonlinear(problem), lambda: om.solve(problem, solver="scip")):
        with pytest.raises(om.ModelError, match="a 'when' constraint must be linear") as caught:
            attempt()
        assert f"{path}:5" in str(caught.value)


def test_api_functions_build_the_same_problem_as_text() -> None:
    model_api = om.Model("f")
    x = model_api.variable("x", lower=0.5, upper=3)
    model_api.minimize(om.exp(x) + om.log(x) + om.sqrt(x) + om.sin(x) + om.cos(x))
    model_text = om.Model("f")
    model_text.variable("x", lower=0.5, upper=3)
    model_text.minimize("exp(x) + log(x) + sqrt(x) + sin(x) + cos(x)")
    assert model_api.to_yaml() == model_text.to_yaml()
    assert model_api.solve("scip").objective == pytest.approx(model_text.solve("scip").objective)


@pytest.mark.parametrize(("when", "message"), [
    ("y == 1", "the variable in 'when' must be binary"),
    ("b == 2", "'when' compares with 0 or 1 only"),
    ("b <= 1", "'when' must read binary_variable == 0 or binary_variable == 1"),
])
def test_when_rules_are_the_same_for_validate_and_scip(when: str, message: str) -> None:
    problem = problem_from_dict({"variables": {"x": {"lower": 0.5, "upper": 3}, "y": {"upper": 2}, "b": {"type": "binary"}},
                                 "objective": {"sense": "min", "expression": "exp(x) + y"},
                                 "constraints": [{"name": "lift", "expression": "x >= 1", "when": when}]})
    for attempt in (lambda: validate_nonlinear(problem), lambda: om.solve(problem, solver="scip")):
        with pytest.raises(om.ModelError, match=re.escape(message)):
            attempt()
    fine = problem_from_dict({"variables": {"x": {"lower": 0.5, "upper": 3}, "b": {"type": "binary"}},
                              "objective": {"sense": "min", "expression": "exp(x) - 6 * b"},
                              "constraints": [{"name": "lift", "expression": "x >= 2", "when": "b == 1"}]})
    assert validate_nonlinear(fine).rows == 1
    assert om.solve(fine, solver="scip").objective == pytest.approx(math.exp(2) - 6, rel=1e-6)  # b = 1 forces x >= 2; e² - 6 < e^0.5


def test_auto_without_a_nonlinear_backend_names_the_construct() -> None:
    from ormodel.backends import choose_backend_with_reason

    problem = model("y", "y >= sqrt(x)")
    with pytest.raises(om.UnsupportedProblem, match=re.escape("no installed backend solves MINLP problems (this model has sqrt(x) in constraint 'c0')")):
        choose_backend_with_reason(problem, preference=("highs", "cpsat"))
