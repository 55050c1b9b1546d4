"""Nonlinear models through the Pyomo bridge: built from the expression trees, and MINLP declared for NLP plugins only.

No nonlinear Pyomo solver (Ipopt, Bonmin, Couenne, ...) is installed here, so the translation is
checked by evaluating the Pyomo model at points against ormodel's own evaluation of the Problem.
"""

from __future__ import annotations

import numpy as np
import pytest

import ormodel as om
from ormodel.io import problem_from_dict

pyo = pytest.importorskip("pyomo.environ")

from ormodel.solvers.elementwise import ProblemValuation
from ormodel.solvers.pyomo_bridge import PyomoBackend, build_pyomo, to_pyomo
from ormodel.solvers.pyomo_nonlinear import build_pyomo_nonlinear

from ormodel.reductions import reductions_for

MODELS = {
    "functions": {"sets": {"I": [1, 2, 3]}, "parameters": {"w": {"index": "I", "values": [1.0, 2.5, -0.5]}},
                  "variables": {"x": {"index": "I", "lower": 0.5, "upper": 3}, "n": {"type": "integer", "lower": 1, "upper": 4}},
                  "objective": {"sense": "max", "expression": "sum(w[i] * exp(x[i]) - log(x[i]) + sin(x[i]) * cos(n) for i in I)"},
                  "constraints": [{"name": "power", "for": "i in I", "expression": "x[i]**3 + x[i]**0.5 <= 20 + n"},
                                  {"name": "ratio", "for": "i in I if i < 3", "expression": "1 <= x[i] / x[i + 1] + sqrt(n) <= 5"},
                                  {"name": "product", "expression": "x[1] * x[2] * x[3] == 2 * n"}]},
    "feasibility": {"variables": {"x": {"upper": 3}, "y": {"upper": 3}},
                    "constraints": [{"name": "circle", "expression": "x**2 + y**2 == 4"}, {"name": "curve", "expression": "y >= exp(x) - 1"}]},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_pyomo_model_evaluates_like_the_problem(name: str) -> None:
    problem = problem_from_dict(MODELS[name])
    built = build_pyomo_nonlinear(problem)
    lower, upper = built.form.column_lower, built.form.column_upper
    generator = np.random.default_rng(5)
    for _ in range(5):
        point = generator.uniform(np.maximum(lower, -5), np.minimum(upper, 5))
        point[built.form.integrality] = np.round(point[built.form.integrality])
        valuation = ProblemValuation(problem, point)
        expected_rows = list(valuation.row_violations())
        assert len(expected_rows) == len(built.rows)
        for variable, value in zip(built.columns, point.tolist()):
            variable.set_value(value, skip_validation=True)
        for constraint, expected in zip(built.rows, expected_rows):
            body, low, high = pyo.value(constraint.body), constraint.lower, constraint.upper
            # Pyomo keeps 'a <= b' as 'a - b <= 0' or 'b - a >= 0'; compare the violation, which does not depend on the form.
            violation = max((pyo.value(low) - body) if low is not None else 0.0, (body - pyo.value(high)) if high is not None else 0.0, 0.0)
            assert violation == pytest.approx(expected.violation, abs=1e-9), expected.label
        objective = valuation.objective_value()
        assert built.objective_value() == pytest.approx(0.0 if np.isnan(objective) else objective, rel=1e-12)


def test_names_bounds_and_integrality_map_back() -> None:
    built = build_pyomo(problem_from_dict(MODELS["functions"]))
    assert built.form.names.column_labels(4) == ["x[1]", "x[2]", "x[3]", "n"]
    assert built.columns[3].domain is pyo.Integers and built.columns[0].bounds == (0.5, 3.0)
    assert [block.name for block in built.form.names.constraints] == ["power", "ratio", "product"]
    assert built.form.names.row_labels(6) == ["power[1]", "power[2]", "power[3]", "ratio[1]", "ratio[2]", "product"]
    assert "exp(columns[0])" in str(to_pyomo(problem_from_dict(MODELS["functions"])).objective.expr)  # the function as written


def test_minlp_is_declared_for_nonlinear_plugins_only() -> None:
    problem = problem_from_dict(MODELS["functions"])
    for plugin in ("ipopt", "bonmin", "couenne", "scip"):
        capabilities = PyomoBackend(plugin).capabilities
        assert om.backends.Capability.MINLP in capabilities
        assert reductions_for(problem, capabilities)[0].name == "keep_expression_trees"
    for plugin in ("highs", "cbc", "glpk"):
        assert om.backends.Capability.MINLP not in PyomoBackend(plugin).capabilities
    with pytest.raises(om.UnsupportedProblem, match=r"pyomo cannot take exp\(x\[i\]\) in the objective"):
        om.solve(problem, solver="pyomo")


def test_a_when_row_in_a_nonlinear_model_is_refused_with_its_place() -> None:
    problem = problem_from_dict({"variables": {"x": {"lower": 1, "upper": 2}, "b": {"type": "binary"}},
                                 "objective": {"sense": "min", "expression": "exp(x)"},
                                 "constraints": [{"name": "lift", "expression": "x >= 1.5", "when": "b == 1"}]})
    with pytest.raises(om.ModelError, match="constraints 'lift'.*Pyomo's plugins lack"):
        build_pyomo_nonlinear(problem)
