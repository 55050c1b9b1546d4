"""Feasibility models: no objective (or ``sense: feasibility``) in files, the API, every backend, Results and the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ormodel as om
from ormodel.backends import get_backend
from ormodel.errors import SolverNotAvailable
from ormodel.io import dumps_yaml, load_problem, problem_from_dict

ROOT = Path(__file__).resolve().parents[2]

# Three integer slots 1..5, pairwise at least 2 apart: feasible (e.g. 1, 3, 5) but only just.
SPREAD = {
    "sets": {"I": {"from": 1, "to": 3}},
    "variables": {"x": {"index": "I", "type": "integer", "lower": 1, "upper": 5}},
    "constraints": [{"name": "apart", "for": "i in I, j in I if i < j", "expression": "x[i] + 2 <= x[j]"}],
}


def installed(name: str) -> bool:
    try:
        get_backend(name)
    except SolverNotAvailable:
        return False
    return True


BACKENDS = [name for name in ("highs", "scip", "cpsat", "pyomo") if installed(name)]


def test_no_objective_and_sense_feasibility_read_the_same() -> None:
    omitted = problem_from_dict(SPREAD)
    stated = problem_from_dict({**SPREAD, "objective": {"sense": "feasibility"}})
    assert omitted.is_feasibility and stated.is_feasibility
    assert om.compile(omitted).feasibility and not np.any(om.compile(omitted).objective)


def test_feasibility_with_an_expression_is_refused() -> None:
    with pytest.raises(om.ModelError, match="a feasibility objective has no expression") as caught:
        problem_from_dict({**SPREAD, "objective": {"sense": "feasibility", "expression": "x[1]"}})
    assert "remove 'expression'" in str(caught.value)


def test_an_objective_without_expression_says_how_to_write_a_feasibility_model(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("variables:\n  x: {upper: 1}\nobjective:\n  sense: min\n")
    with pytest.raises(om.ModelError, match="the objective has no 'expression'") as caught:
        load_problem(path)
    message = str(caught.value)
    assert "sense: feasibility" in message and f"{path}:4" in message


def test_a_misspelt_sense_lists_feasibility() -> None:
    with pytest.raises(om.ModelError, match="'feasibilty' is not one of .*'feasibility'"):
        problem_from_dict({**SPREAD, "objective": {"sense": "feasibilty"}})


def test_yaml_round_trip_keeps_the_feasibility_sense(tmp_path: Path) -> None:
    text = dumps_yaml(problem_from_dict(SPREAD))
    assert "sense: feasibility" in text and "expression: x[i] + 2 <= x[j]" in text
    path = tmp_path / "spread.yaml"
    path.write_text(text)
    assert load_problem(path).is_feasibility


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_answers_a_feasibility_model_optimal_with_a_checked_point(backend: str) -> None:
    result = om.solve(problem_from_dict(SPREAD), solver=backend, check=True)
    assert result.status == om.Status.OPTIMAL and result.feasibility
    assert math.isnan(result.objective) and math.isnan(result.bound) and math.isnan(result.gap)
    assert result.check is not None and result.check.feasible
    assert [round(value) for value in result.array("x")] == [1, 3, 5]  # the only feasible point
    payload = result.to_dict()
    assert payload["objective"] is None and payload["bound"] is None and payload["gap"] is None
    assert payload["sense"] == "feasibility"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_infeasible_feasibility_model_is_infeasible(backend: str) -> None:
    tight = {**SPREAD, "variables": {"x": {"index": "I", "type": "integer", "lower": 1, "upper": 4}}}
    result = om.solve(problem_from_dict(tight), solver=backend)
    assert result.status in (om.Status.INFEASIBLE, om.Status.INFEASIBLE_OR_UNBOUNDED)
    assert not result.has_solution and result.feasibility


def test_nonlinear_feasibility_model_on_scip() -> None:
    if "scip" not in BACKENDS:
        pytest.skip("SCIP is not installed")
    problem = problem_from_dict({"variables": {"x": {"upper": 3}, "y": {"upper": 3}},
                                 "constraints": [{"name": "circle", "expression": "x**2 + y**2 == 4"},
                                                 {"name": "curve", "expression": "y >= exp(x) - 1"}]})
    result = om.solve(problem, solver="auto", check=True)
    assert result.status == om.Status.OPTIMAL and result.feasibility and result.check.feasible
    assert result.extra["auto_choice"]["backend"] == "scip"


def test_a_limit_with_a_point_answers_a_feasibility_model() -> None:
    stopped = om.Result(om.Status.TIME_LIMIT, objective=0.0, values=np.array([1.0]))
    assert stopped.answer_feasibility().status == om.Status.OPTIMAL and stopped.termination.reason.value == "optimal"
    nothing = om.Result(om.Status.TIME_LIMIT)
    assert nothing.answer_feasibility().status == om.Status.TIME_LIMIT


def test_api_model_without_objective_and_feasibility_call() -> None:
    model = om.Model("pick")
    items = model.set("I", [1, 2, 3])
    take = model.variable("take", items, domain="binary")
    i = items.index("i")
    model.constrain("two", om.sum(take[i], over=i) == 2)
    model.constrain("not_first", take[1] == 0)
    assert model.solve().feasibility
    model.maximize(om.sum(take[i], over=i))
    assert model.solve().objective == pytest.approx(2.0)
    model.feasibility()
    result = model.solve()
    assert model.problem.objective is None and result.feasibility and result.array("take").tolist() == [0.0, 1.0, 1.0]


def test_cli_prints_no_objective_value(tmp_path: Path) -> None:
    path = tmp_path / "spread.yaml"
    path.write_text(dumps_yaml(problem_from_dict(SPREAD)))
    validated = subprocess.run([sys.executable, "-m", "ormodel", "validate", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                               check=False)
    assert "valid five-element model 'model', MILP feasibility model (no objective): 3 variables (3 integer)" in validated.stdout
    text = subprocess.run([sys.executable, "-m", "ormodel", "solve", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert text.returncode == 0, text.stderr
    assert "objective: none (feasibility model" in text.stdout
    as_json = subprocess.run([sys.executable, "-m", "ormodel", "solve", str(path), "--json"], capture_output=True, text=True, cwd=ROOT,
                             timeout=120, check=False)
    payload = json.loads(as_json.stdout)
    assert payload["objective"] is None and payload["sense"] == "feasibility" and payload["status"] == "optimal"


def test_a_method_given_a_feasibility_model_answers_it_as_one() -> None:
    from ormodel.methods import register_method

    def first_point(model: om.Problem, options: object, params: dict) -> om.Result:
        form = om.compile(model)
        form.feasibility = False  # the method sees a plain zero objective; the pipeline knows better
        return om.solve(form, solver="highs")

    register_method("first-point-test", first_point)
    result = om.solve(problem_from_dict(SPREAD), method="first-point-test")
    assert result.status == om.Status.OPTIMAL and result.feasibility and math.isnan(result.objective)
