"""The Pyomo bridge: Problem -> ConcreteModel with names, ConcreteModel -> StandardForm, solving via Pyomo."""

from __future__ import annotations

import numpy as np
import pytest

pyo = pytest.importorskip("pyomo.environ")

from ormodel.solvers import SolveOptions, get_backend
from ormodel.solvers.conformance import case_by_name
from ormodel.solvers.pyomo_bridge import PyomoBackend, from_pyomo, to_pyomo

from ormodel.compiler import compile_problem
from ormodel.result import Status


def test_problem_to_concrete_model_keeps_names() -> None:
    problem = case_by_name("lp_transportation").build()
    concrete = to_pyomo(problem)
    assert concrete.ship["seattle", "chicago"].lb == 0
    assert ("seattle", "chicago") in concrete.ship
    assert concrete.supply["san_diego"].upper == 600
    assert len(concrete.meet_demand) == 3
    solver = pyo.SolverFactory("appsi_highs")
    solver.solve(concrete)
    assert pyo.value(concrete.objective) == pytest.approx(153.675)


def test_round_trip_through_pyomo_preserves_the_model() -> None:
    for name in ("lp_transportation", "milp_knapsack", "qp_convex", "lp_ranges"):
        model = case_by_name(name).build()
        form = model if not hasattr(model, "constraints") else compile_problem(model)
        back = from_pyomo(to_pyomo(form))
        assert back.num_columns == form.num_columns and back.num_rows == form.num_rows
        assert np.allclose(back.matrix.toarray(), form.matrix.toarray())
        assert np.allclose(back.objective, form.objective) and back.sense == form.sense
        assert np.array_equal(back.integrality, form.integrality)
        assert np.allclose(back.row_lower, form.row_lower) and np.allclose(back.row_upper, form.row_upper)
        if form.is_quadratic:
            assert np.allclose(back.quadratic.toarray(), form.quadratic.toarray())
        assert back.names.column_labels(back.num_columns) == form.names.column_labels(form.num_columns)


def test_user_pyomo_model_solved_by_ormodel_backends() -> None:
    model = pyo.ConcreteModel()
    model.goods = pyo.Set(initialize=["a", "b", "c"])
    model.take = pyo.Var(model.goods, domain=pyo.Binary)
    model.extra = pyo.Var(bounds=(0, 2))
    value = {"a": 4, "b": 5, "c": 3}
    weight = {"a": 2, "b": 3, "c": 2}
    model.worth = pyo.Objective(expr=sum(value[i] * model.take[i] for i in model.goods) + model.extra, sense=pyo.maximize)
    model.capacity = pyo.Constraint(expr=sum(weight[i] * model.take[i] for i in model.goods) + model.extra <= 5)
    model.unused = pyo.Constraint(expr=model.extra >= 0.5)
    model.unused.deactivate()
    form = from_pyomo(model)
    assert form.num_rows == 1 and form.names.row_label(0) == "capacity"
    assert form.names.column_labels(form.num_columns) == ["take[a]", "take[b]", "take[c]", "extra"]
    for backend in ("highs", "scip"):
        result = get_backend(backend).solve(form)
        assert result.status == Status.OPTIMAL and result.objective == pytest.approx(9.0)
        assert result.value("take[b]") == pytest.approx(1.0)


def test_nonlinear_pyomo_constraint_is_a_clear_error() -> None:
    model = pyo.ConcreteModel()
    model.x = pyo.Var(bounds=(0, 1))
    model.curve = pyo.Constraint(expr=pyo.exp(model.x) <= 2)
    model.objective = pyo.Objective(expr=model.x)
    with pytest.raises(ValueError, match="curve is nonlinear"):
        from_pyomo(model)


def test_pyomo_backend_with_a_named_solver_and_time_limit() -> None:
    backend = get_backend("pyomo:appsi_highs")
    assert isinstance(backend, PyomoBackend) and backend.name == "pyomo:appsi_highs"
    result = backend.solve(case_by_name("milp_knapsack").build(), SolveOptions(time_limit=10))
    assert result.status == Status.OPTIMAL and result.objective == pytest.approx(21.0)
    assert not PyomoBackend("no_such_solver").available()
    with pytest.raises(ValueError, match="not installed"):
        get_backend("pyomo:no_such_solver")


def test_pyomo_unknown_backend_option_names_the_closest_valid_one() -> None:
    import ormodel as om
    from ormodel.errors import OptionError

    model = case_by_name("milp_knapsack").build()
    with pytest.raises(OptionError, match="no option 'mip_rel_gapp'") as caught:
        om.solve(model, solver="pyomo", extra={"mip_rel_gapp": 0.1})
    assert "did you mean 'mip_rel_gap'" in str(caught.value)
    # A valid HiGHS option passes through Pyomo and the solve still reaches the optimum.
    result = om.solve(model, solver="pyomo", extra={"mip_rel_gap": 0.0})
    assert result.status == Status.OPTIMAL and result.objective == pytest.approx(21.0)
