"""Persistent instances: every change solved in place agrees with a rebuild from scratch; only diffs reach the solver."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import ormodel as om
from ormodel.errors import ModelError, UnsupportedProblem
from ormodel.io import problem_from_dict


def _model() -> om.Model:
    model = om.Model("lots")
    plants = model.set("I", [1, 2, 3])
    cost = model.parameter("cost", plants, [3, 1, 2])
    need = model.parameter("need", values=4)
    x = model.variable("x", plants, upper=3)
    i = plants.index("i")
    model.minimize(om.sum(cost[i] * x[i], over=i))
    model.constrain("demand", om.sum(x[i], over=i) >= need)
    return model


def _agrees(inst: om.Instance, expected: float) -> om.Result:
    result = inst.solve(check=True)
    rebuilt = om.solve(inst.problem, solver="highs")
    assert result.status == om.Status.OPTIMAL and isinstance(result, om.Result)
    assert result.objective == pytest.approx(expected) and rebuilt.objective == pytest.approx(expected)
    assert result.check is not None and result.check.feasible
    return result


def _count_restricted_pushes(inst: om.Instance) -> list[int]:
    """A list that records, per restricted recompile, how many changed entries it handled (-1: fell back to the whole family)."""
    compiled: list[int] = []
    original = inst._push_restricted

    def counting(name: str, parameter: str, keys: list) -> bool:
        handled = original(name, parameter, keys)
        compiled.append(len(keys) if handled else -1)
        return handled

    inst._push_restricted = counting  # type: ignore[method-assign]
    return compiled


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_changes_in_place_agree_with_rebuilds(solver: str) -> None:
    inst = _model().instance(solver=solver)
    _agrees(inst, 5.0)
    inst.set_parameter("need", 5)
    _agrees(inst, 7.0)
    inst.set_parameter("cost", {2: 10})  # objective only
    _agrees(inst, 12.0)
    inst.set_bounds("x", upper=5, at=3)
    assert _agrees(inst, 10.0).value("x[3]") == pytest.approx(5.0)
    inst.set_rhs("demand", 2)
    _agrees(inst, 4.0)
    inst.add_constraint("first", "x[1] >= 1")
    _agrees(inst, 5.0)
    inst.add_variable("y", upper=10, cost=0.5)
    inst.add_constraint("link", "sum(x[i] for i in I) + y >= 8")
    assert _agrees(inst, 8.0).value("y") == pytest.approx(6.0)
    inst.remove_constraint("first")
    _agrees(inst, 7.0)
    inst.set_objective("sum(x[i] for i in I) + y", "min")
    _agrees(inst, 8.0)
    inst.remove_constraint("link")
    inst.set_objective("sum(x[i] for i in I)")
    inst.remove_variable("y")
    result = _agrees(inst, 2.0)
    assert list(result.variable("x")) == [(1,), (2,), (3,)]
    assert inst.rebuilds == 1  # every change above went in as a diff


def test_a_parameter_change_sends_only_the_changed_rows_and_coefficients() -> None:
    model = om.Model("diff")
    I, J = model.set("I", [1, 2, 3]), model.set("J", ["a", "b"])
    weight = model.parameter("weight", (I, J), [[1, 2], [3, 4], [5, 6]])
    cap = model.parameter("cap", I, [10, 20, 30])
    x = model.variable("x", (I, J), upper=100)
    i, j = I.index("i"), J.index("j")
    model.maximize(om.sum(om.sum(x[i, j], over=j), over=i))
    model.constrain("room", om.sum(weight[i, j] * x[i, j], over=j) <= cap[i], for_each=i)
    model.constrain("other", om.sum(x[i, j], over=i) <= 50, for_each=j)
    inst = model.instance(solver="highs")
    first = inst.solve().objective
    highs = inst.handle.highs
    inst.set_parameter("weight", {(2, "b"): 8})
    lp = highs.getLp()
    dense = np.zeros((lp.num_row_, lp.num_col_))
    matrix = lp.a_matrix_
    for column in range(lp.num_col_):
        for position in range(matrix.start_[column], matrix.start_[column + 1]):
            dense[matrix.index_[position], column] = matrix.value_[position]
    assert dense[1, 3] == 8.0 and dense[1, 2] == 3.0
    inst.set_parameter("cap", {3: 36})
    assert list(highs.getLp().row_upper_[:3]) == [10.0, 20.0, 36.0]
    assert inst.rebuilds == 1
    assert inst.solve().objective == pytest.approx(om.solve(inst.problem).objective) and first > 0


def test_infeasible_after_a_change_gets_the_pipelines_post_solve() -> None:
    inst = _model().instance()
    inst.set_parameter("need", 20)  # 3 plants x 3 at most
    result = inst.solve()
    assert result.status == om.Status.INFEASIBLE
    assert result.conflict is not None and "demand" in result.conflict.families()


def test_bad_changes_are_clear_errors() -> None:
    inst = _model().instance()
    with pytest.raises(ModelError, match="no parameter named 'ned'") as caught:
        inst.set_parameter("ned", 3)
    assert "need" in str(caught.value)
    with pytest.raises(ModelError, match="values have shape \\(2,\\), the parameter's index sets give \\(3,\\)"):
        inst.set_parameter("cost", [1, 2])
    with pytest.raises(ModelError, match="4 is not a member of set I"):
        inst.set_parameter("cost", {4: 1})
    with pytest.raises(ModelError, match="entry at 2 is NaN"):
        inst.set_parameter("cost", [1, float("nan"), 2])
    with pytest.raises(ModelError, match="no variable named 'z'"):
        inst.set_bounds("z", upper=1)
    with pytest.raises(ModelError, match="x has no element 7"):
        inst.set_bounds("x", upper=1, at=7)
    with pytest.raises(ModelError, match="no constraint family named 'demnd'") as caught:
        inst.set_rhs("demnd", 1)
    assert "demand" in str(caught.value)
    with pytest.raises(ModelError, match="a per-row right-hand side needs a family written `for` members of named sets"):
        inst.set_rhs("demand", 1, at=1)
    with pytest.raises(ModelError, match="variable 'x' is still used by demand, the objective"):
        inst.remove_variable("x")
    assert inst.solve().objective == pytest.approx(5.0)  # nothing above changed the model


def test_backends_without_persistent_models_and_nonlinear_models_are_refused() -> None:
    with pytest.raises(UnsupportedProblem, match="cpsat keeps no persistent model"):
        _model().instance(solver="cpsat")
    model = _model()
    model.problem.objective = om.Objective.parse("min", "sum(exp(x[i]) for i in I)")
    with pytest.raises(UnsupportedProblem, match="nonlinear terms"):
        model.instance()


def test_special_constructs_in_an_instance() -> None:
    from ormodel.io import problem_from_dict

    problem = problem_from_dict({
        "parameters": {"need": 2},
        "variables": {"z": {"type": "semicontinuous", "lower": 3, "upper": 8}, "w": {"upper": 10},
                      "x": {"upper": 30}},
        "objective": {"sense": "min", "expression": "2 * z + 5 * w + piecewise(x, [0, 10, 30], [0, 10, 50])"},
        "constraints": [{"name": "need", "expression": "z + w >= need"}, {"name": "use", "expression": "x >= need * 5"}],
    })
    for solver in ("highs", "scip"):
        inst = om.Instance(problem, solver=solver)
        assert inst.solve(check=True).objective == pytest.approx(16.0)  # z = 3 (6), x = 10 (10)
        inst.set_parameter("need", 4)
        result = inst.solve(check=True)
        assert result.objective == pytest.approx(8.0 + 30.0) and result.check is not None and result.check.feasible
        assert result.objective == pytest.approx(om.solve(inst.problem, solver=solver).objective)


def test_cutting_stock_column_generation_example(examples_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("cutting_stock", examples_dir / "cutting_stock.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    master, inst, patterns = module.column_generation()
    assert master.objective == pytest.approx(452.25)  # Chvatal, Linear Programming, ch. 13
    assert patterns > 4 and inst.rebuilds == 1
    assert module.integer_master(inst).objective == pytest.approx(453.0)


def test_only_the_rows_that_read_a_changed_entry_are_recompiled() -> None:
    model = om.Model("rows")
    I, J = model.set("I", [1, 2, 3]), model.set("J", ["a", "b"])
    scale = model.parameter("scale", I, [1, 1, 1])
    x = model.variable("x", (I, J), upper=10)
    spare = model.variable("spare", upper=1)
    i, j = I.index("i"), J.index("j")
    model.maximize(om.sum(om.sum(x[i, j], over=j), over=i) + spare)
    model.constrain("room", scale[i] * x[i, "a"] + x[i, "b"] <= 7 + scale[i], for_each=i)
    inst = model.instance(solver="highs")
    compiled = _count_restricted_pushes(inst)
    inst.set_parameter("scale", {2: 3.0})
    inst.set_parameter("scale", [1.0, 3.0, 0.5])
    assert compiled == [1, 1]  # one changed entry each time, one row recompiled
    lp = inst.handle.highs.getLp()
    assert list(lp.row_upper_) == [8.0, 10.0, 7.5]
    result = inst.solve(check=True)
    assert result.objective == pytest.approx(om.solve(inst.problem).objective) and result.check is not None and result.check.feasible
    inst.set_objective("sum(x[i, j] for i in I for j in J)")
    inst.remove_variable("spare")  # renumbers columns: the recompiled rows must survive it
    inst.set_parameter("scale", {1: 2.0})
    assert inst.solve().objective == pytest.approx(om.solve(inst.problem).objective)
    assert inst.rebuilds == 1


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_feasibility_model_through_an_instance_and_set_objective_to_and_from_it(solver: str) -> None:
    """A model without objective loads, answers as a feasibility result, takes an objective and drops it again."""
    problem = problem_from_dict({"variables": {"x": {"upper": 2, "type": "integer"}, "y": {"upper": 5}},
                                 "constraints": [{"name": "c", "expression": "x + y >= 1"}]})
    try:
        instance = om.Instance(problem, solver=solver)
    except om.SolverNotAvailable as error:
        pytest.skip(str(error))
    first = instance.solve(check=True)
    assert first.status == om.Status.OPTIMAL and first.feasibility and math.isnan(first.objective)
    assert first.check is not None and first.check.feasible
    instance.set_objective("x + 2*y", "max")
    maximized = instance.solve()
    assert not maximized.feasibility and maximized.objective == pytest.approx(12.0)
    instance.set_objective(None)
    again = instance.solve()
    assert again.feasibility and math.isnan(again.objective) and instance.problem.is_feasibility
    instance.set_objective("x + y")  # the sense after a feasibility model is minimize
    assert instance.solve().objective == pytest.approx(1.0)
    instance.set_objective(None)
    instance.add_variable("z", cost=3)  # a cost on a feasibility model starts an objective
    assert instance.solve().objective == pytest.approx(0.0) and not instance.problem.is_feasibility


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_set_rhs_of_one_row_recompiles_that_row_only_and_agrees_with_a_rebuild(solver: str) -> None:
    model = om.Model("rows")
    I, J = model.set("I", [1, 2, 3]), model.set("J", ["a", "b"])
    scale = model.parameter("scale", I, [1, 1, 1])
    x = model.variable("x", (I, J), upper=10)
    i, j = I.index("i"), J.index("j")
    model.maximize(om.sum(om.sum(x[i, j], over=j), over=i))
    model.constrain("room", scale[i] * x[i, "a"] + x[i, "b"] <= 7 + scale[i], for_each=i)
    model.constrain("pair", x[i, j] <= 4, for_each=(i, j))
    inst = model.instance(solver=solver)
    assert inst.solve().objective == pytest.approx(24.0)
    compiled = _count_restricted_pushes(inst)
    for change, expected in ((("room", 3, 2), 19.0), (("pair", 1, (3, "b")), 16.0), (("room", 5, 1), 13.0)):
        name, value, at = change
        inst.set_rhs(name, value, at=at)
        result = inst.solve(check=True)
        assert result.objective == pytest.approx(expected) and om.solve(inst.problem, solver=solver).objective == pytest.approx(expected)
        assert result.check is not None and result.check.feasible
    assert compiled == [1, 1, 1]  # each change recompiled its one row
    assert inst.problem.parameters["_rhs_room"].values.tolist() == [5.0, 3.0, 8.0]
    inst.set_parameter("scale", {3: 2.0})  # the coefficient still follows the parameter; row 3's right-hand side stays 8
    assert inst.solve().objective == pytest.approx(12.5) and om.solve(inst.problem).objective == pytest.approx(12.5)
    inst.set_rhs("room", 9)  # every row again
    assert inst.solve().objective == pytest.approx(21.0) and om.solve(inst.problem).objective == pytest.approx(21.0)
    assert inst.rebuilds == 1
    with pytest.raises(ModelError, match="room has no row 7") as caught:
        inst.set_rhs("room", 1, at=7)
    assert "keyed like (1,)" in str(caught.value)
    with pytest.raises(ModelError, match="pair has no row 3") as caught:
        inst.set_rhs("pair", 1, at=3)
    assert "keyed like (1, 'a')" in str(caught.value)


def test_set_rhs_of_one_row_over_a_tuple_set_and_a_filtered_family() -> None:
    problem = problem_from_dict({
        "sets": {"N": [1, 2, 3], "A": [[1, 2], [2, 3], [1, 3]]},
        "parameters": {"cap": {"index": ["A"], "values": {"1,2": 4, "2,3": 5, "1,3": 6}}},
        "variables": {"f": {"index": ["A"], "upper": 10}},
        "objective": {"sense": "max", "expression": "sum(f[i, j] for (i, j) in A)"},
        "constraints": [{"name": "limit", "for": "(i, j) in A", "expression": "f[i, j] <= cap[i, j]"},
                        {"name": "out", "for": "n in N if n != 2", "expression": "sum(f[i, j] for (i, j) in A if i == n) <= 2 * n"}]})
    inst = om.Instance(problem, solver="highs")
    assert inst.solve().objective == pytest.approx(7.0)
    inst.set_rhs("limit", 1, at=(2, 3))
    assert inst.solve().objective == pytest.approx(3.0)
    inst.set_rhs("out", 1, at=1)
    result = inst.solve(check=True)
    assert result.objective == pytest.approx(2.0) and om.solve(inst.problem).objective == pytest.approx(2.0)
    assert inst.problem.parameters["_rhs_out"].values.tolist() == [1.0, 0.0, 6.0]
    with pytest.raises(ModelError, match="out has no row 2"):  # filtered out by the family's condition
        inst.set_rhs("out", 1, at=2)
    assert inst.rebuilds == 1
