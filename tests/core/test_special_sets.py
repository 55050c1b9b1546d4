"""SOS1/SOS2 sets and semi-continuous/semi-integer variables: reading, writing, native or reformulated solves, checks, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ormodel as om
from ormodel.compiler import compile_problem
from ormodel.errors import ModelError, UnsupportedProblem
from ormodel.io import dumps_yaml, problem_from_dict
from ormodel.reductions import reductions_for
from ormodel.solvers import get_backend
from ormodel.solvers.diagnosis import check_solution


def _sos_problem(kind: int = 1, upper: float | str = 4) -> om.Problem:
    return problem_from_dict({
        "sets": {"I": [1, 2], "K": [1, 2, 3]},
        "parameters": {"gain": {"index": ["K"], "values": [3, 5, 4]}},
        "variables": {"x": {"index": ["I", "K"], "upper": upper}},
        "objective": {"sense": "max", "expression": "sum(gain[k] * x[i,k] for i in I for k in K)"},
        "constraints": [{"name": "total", "for": "i in I", "expression": "sum(x[i,k] for k in K) <= 6"},
                        {"name": "pick", "for": "i in I", "expression": f"sos{kind}(x[i,k] for k in K)"}],
    })


def test_sos_family_reads_compiles_and_round_trips() -> None:
    problem = _sos_problem()
    assert [family.name for family in problem.sos_sets] == ["pick"] and [c.name for c in problem.constraints] == ["total"]
    form = compile_problem(problem)
    assert form.sos is not None and form.sos.labels == ["pick[1]", "pick[2]"]
    assert form.sos.columns.tolist() == [0, 1, 2, 3, 4, 5] and form.sos.weights.tolist() == [1, 2, 3, 1, 2, 3]
    again = problem_from_dict(__import__("yaml").safe_load(dumps_yaml(problem)))
    assert dumps_yaml(again) == dumps_yaml(problem)


@pytest.mark.parametrize("solver", ["highs", "scip", "cpsat", "pyomo:highs"])
def test_sos1_holds_on_every_backend(solver: str) -> None:
    problem = _sos_problem()
    if solver == "cpsat":  # CP-SAT takes integer columns only
        for variable in problem.variables.values():
            variable.domain = om.Domain.INTEGER
    try:
        result = om.solve(problem, solver=solver, check=True)
    except om.SolverNotAvailable as error:
        pytest.skip(str(error))
    assert result.status == om.Status.OPTIMAL and result.objective == pytest.approx(40.0)  # x[i,2] = 4 per i, not 56
    assert result.check is not None and result.check.feasible
    assert result.values is not None and len(result.values) == 6  # the reformulation's binaries are not in the result


def test_native_on_scip_reformulated_on_highs() -> None:
    problem = _sos_problem(2)
    assert [step.name for step in reductions_for(problem, get_backend("scip").capabilities)] == ["compile"]
    assert [step.name for step in reductions_for(problem, get_backend("highs").capabilities)] == ["compile", "sos_to_binaries"]
    semi = problem_from_dict({"variables": {"z": {"type": "semicontinuous", "lower": 1, "upper": 2}},
                              "objective": {"sense": "min", "expression": "z"}})
    assert [step.name for step in reductions_for(semi, get_backend("highs").capabilities)] == ["compile"]
    assert [step.name for step in reductions_for(semi, get_backend("cpsat").capabilities)] == ["compile", "semicontinuous_to_binaries"]


def test_sos_reformulation_needs_finite_bounds_and_says_which() -> None:
    with pytest.raises(ModelError) as caught:
        om.solve(_sos_problem(1, upper="inf"), solver="highs")
    message = str(caught.value)
    assert "SOS1 set pick[1]" in message and "x[1,1] has no finite upper bound" in message and "scip" in message


def test_check_reports_a_violated_set() -> None:
    problem = _sos_problem(2)
    point = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 1.0])  # pick[1] has members 1 and 3 non-zero
    check = check_solution(problem, point)
    assert not check.feasible and check.worst_rows[0] == ("pick[1]", 1.0)
    assert check_solution(compile_problem(problem), point).worst_rows[0] == ("pick[1]", 1.0)


def test_bad_sos_text_is_located() -> None:
    document = {"sets": {"K": [1, 2]}, "variables": {"x": {"index": ["K"]}}, "objective": {"sense": "min", "expression": "0"},
                "constraints": [{"name": "bad", "expression": "sos2(x[k] + 1 for k in K)"}]}
    with pytest.raises(ModelError) as caught:
        compile_problem(problem_from_dict(document))
    assert "bad" in str(caught.value) and "sos2() lists variables, one per member" in str(caught.value)
    document["constraints"] = [{"name": "bad", "expression": "sos1(x[1], x[2])"}]
    with pytest.raises(ModelError, match="sos1\\(\\) takes one generator"):
        problem_from_dict(document)
    document["constraints"] = [{"name": "bad", "expression": "x[1] + sos1(x[k] for k in K) <= 1"}]
    with pytest.raises(ModelError, match="sos1\\(\\) is a constraint of its own"):
        compile_problem(problem_from_dict(document))


def test_python_api_sos_matches_yaml() -> None:
    model = om.Model("api")
    I, K = model.set("I", [1, 2]), model.set("K", [1, 2, 3])
    gain = model.parameter("gain", K, [3, 5, 4])
    x = model.variable("x", (I, K), upper=4)
    i, k = I.index("i"), K.index("k")
    model.maximize(om.sum(om.sum(gain[k] * x[i, k], over=k), over=i))
    model.constrain("total", om.sum(x[i, k], over=k) <= 6, for_each=i)
    model.sos("pick", 1, x[i, k], over=k, for_each=i)
    assert model.solve().objective == pytest.approx(40.0)
    with pytest.raises(ModelError, match="type 1 or 2"):
        model.sos("wrong", 3, x[i, k], over=k, for_each=i)


def _semicontinuous(kind: str = "semicontinuous", upper: str | float = 8, lower: float = 3) -> om.Problem:
    domain = "integer" if kind == "semiinteger" else "continuous"
    return problem_from_dict({
        "variables": {"z": {"type": kind, "lower": lower, "upper": upper}, "w": {"type": domain, "upper": 10}},
        "objective": {"sense": "min", "expression": "2 * z + 5 * w"},
        "constraints": [{"name": "need", "expression": "z + w >= 2"}],
    })


@pytest.mark.parametrize("solver", ["highs", "scip", "pyomo:highs"])
@pytest.mark.parametrize("kind", ["semicontinuous", "semiinteger"])
def test_semicontinuous_on_each_backend(solver: str, kind: str) -> None:
    result = om.solve(_semicontinuous(kind), solver=solver, check=True)
    assert result.status == om.Status.OPTIMAL and result.objective == pytest.approx(6.0)  # z = 3, not z = 2
    assert result.value("z") == pytest.approx(3.0) and result.check is not None and result.check.feasible


def test_semicontinuous_errors_name_the_variable() -> None:
    with pytest.raises(ModelError) as caught:
        compile_problem(_semicontinuous(upper="inf"))
    assert "semi-continuous variable needs a finite upper bound; z has none" in str(caught.value)
    with pytest.raises(ModelError, match="z has lower bound -1"):
        compile_problem(_semicontinuous(lower=-1))
    form = compile_problem(_semicontinuous())
    assert form.semicontinuous is not None and form.semicontinuous.tolist() == [True, False]
    assert check_solution(form, np.array([1.0, 1.0])).worst_columns[0] == ("z", 1.0)  # 1 is neither 0 nor in [3, 8]
    assert check_solution(form, np.array([0.0, 2.0])).feasible


def test_semicontinuous_in_the_python_api_and_yaml_round_trip(examples_dir) -> None:
    model = om.Model("api")
    model.variable("z", domain="semiinteger", lower=3, upper=8)
    model.variable("w", upper=10)
    model.minimize("2 * z + 5 * w")
    model.constrain("need", "z + w >= 2")
    assert model.solve().objective == pytest.approx(6.0)
    assert "type: semiinteger" in model.to_yaml()
    assert om.solve(examples_dir / "semicontinuous_production.yaml").objective == pytest.approx(530.0)


def test_a_form_with_sos_is_refused_by_backends_without_sos() -> None:
    form = compile_problem(_sos_problem())
    with pytest.raises(UnsupportedProblem, match="no special ordered sets"):
        get_backend("highs").solve(form)
    assert om.solve(form, solver="highs").objective == pytest.approx(40.0)  # the pipeline reformulates them


SPECIAL_AND_NONLINEAR = """\
sets: {K: [1, 2, 3]}
parameters: {gain: {index: [K], values: [3, 5, 4]}}
variables:
  x: {index: [K], upper: 4}
  s: {type: semicontinuous, lower: 1, upper: 3}
objective: {sense: max, expression: "sum(gain[k] * x[k] for k in K) - PENALTY"}
constraints:
  - {name: pick, expression: "sos2(x[k] for k in K)"}
  - {name: link, expression: "sum(x[k] for k in K) <= 2 + s"}
"""


def test_validate_accepts_piecewise_sos_and_semicontinuous_models(tmp_path, capsys) -> None:
    from ormodel.cli import main

    path = tmp_path / "special.yaml"
    path.write_text(SPECIAL_AND_NONLINEAR.replace("PENALTY", "piecewise(s, [0, 1, 3], [0, 1, 5])"))
    assert main(["validate", str(path)]) == 0
    assert "constraint families 1, SOS families 1" in capsys.readouterr().out
    assert om.solve(str(path), solver="highs").objective == pytest.approx(19.0)  # x[2] = 4, x[3] = 1 with s = 3 (cost 5)


@pytest.mark.parametrize("solver", ["highs", "cpsat", "scip", "auto"])
def test_nonlinear_and_special_refusals_come_before_any_solve_and_name_the_construct(tmp_path, capsys, solver: str) -> None:
    """A linear backend refuses the nonlinear term (i20a); the nonlinear one refuses the special constructs beside it (i20b)."""
    from ormodel.cli import main

    path = tmp_path / "both.yaml"
    path.write_text(SPECIAL_AND_NONLINEAR.replace("PENALTY", "exp(s)"))
    with pytest.raises(UnsupportedProblem) as caught:
        om.solve(str(path), solver=solver)
    message = str(caught.value)
    if solver in ("highs", "cpsat"):
        assert f"{solver} cannot take exp(s) in the objective" in message
    else:
        assert "SOS2 set 'pick', semi-continuous variable 's' meet the nonlinear exp(s) in the objective" in message
    if solver == "scip":  # validate refuses what solve refuses, with the same words
        assert main(["validate", str(path)]) != 0
        assert "SOS2 set 'pick'" in capsys.readouterr().err
