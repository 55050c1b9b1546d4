"""CP-SAT takes ``when:`` rows as native enforced constraints (``OnlyEnforceIf``), with no big-M."""

from __future__ import annotations

import numpy as np
import pytest

import ormodel as om
from ormodel.compiler import compile_problem
from ormodel.errors import ModelError
from ormodel.io import problem_from_dict
from ormodel.result import Status


def _unbounded_cap() -> dict:
    """x has no upper bound, so big-M cannot linearize the first row; an enforced row needs none."""
    return {
        "variables": {"x": {"type": "integer", "lower": 0}, "on": {"type": "binary"}},
        "objective": {"sense": "max", "expression": "x - 10 * on"},
        "constraints": [
            {"name": "cap_when_off", "expression": "x <= 3", "when": "on == 0"},
            {"name": "cap_when_on", "expression": "x <= 20", "when": "on == 1"},
        ],
    }


def _pick_two() -> dict:
    """y[i] is free; picking i lets y[i] reach value[i], not picking forces y[i] <= -1 (a penalty); pick two."""
    return {
        "sets": {"I": ["a", "b", "c", "d"]},
        "parameters": {"value": {"index": ["I"], "values": {"a": 4, "b": 9, "c": 7, "d": 2}}},
        "variables": {"pick": {"index": ["I"], "type": "binary"}, "y": {"index": ["I"], "type": "integer", "lower": -float("inf")}},
        "objective": {"sense": "max", "expression": "sum(y[i] for i in I)"},
        "constraints": [
            {"name": "take", "for": "i in I", "expression": "y[i] <= value[i]", "when": "pick[i] == 1"},
            {"name": "skip", "for": "i in I", "expression": "y[i] <= -1", "when": "pick[i] == 0"},
            {"name": "floor", "for": "i in I", "expression": "y[i] >= -1"},
            {"name": "budget", "expression": "sum(pick[i] for i in I) <= 2"},
        ],
    }


def test_native_form_keeps_rows_plain_and_records_the_enforcing_binary() -> None:
    problem = problem_from_dict(_pick_two())
    with pytest.raises(ModelError, match="big-M"):
        compile_problem(problem)  # y is free: the big-M form is refused
    form = compile_problem(problem, native_indicators=True)
    rows, columns, values = form.indicators
    assert rows.tolist() == list(range(8))
    assert values.tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    # Each enforced row holds only its own y column with coefficient 1: no big-M term on the binary.
    for row in range(8):
        start, end = form.matrix.indptr[row], form.matrix.indptr[row + 1]
        assert end - start == 1 and form.matrix.data[start] == 1.0
        assert columns[row] not in form.matrix.indices[start:end]
    assert np.isinf(form.row_lower[:8]).all()
    assert form.row_upper[:8].tolist() == [4, 9, 7, 2, -1, -1, -1, -1]


def test_cpsat_solves_an_indicator_whose_big_m_is_unbounded() -> None:
    with pytest.raises(ModelError, match="unbounded big-M"):
        om.solve(problem_from_dict(_unbounded_cap()), solver="highs")
    cpsat = om.solve(problem_from_dict(_unbounded_cap()), solver="cpsat")
    scip = om.solve(problem_from_dict(_unbounded_cap()), solver="scip")
    assert cpsat.status == Status.OPTIMAL and scip.status == Status.OPTIMAL
    assert cpsat.objective == pytest.approx(10.0) and scip.objective == pytest.approx(10.0)
    assert cpsat.value("x") == pytest.approx(20.0) and cpsat.value("on") == pytest.approx(1.0)


def test_cpsat_indexed_indicators_reach_the_known_optimum_and_agree_with_scip() -> None:
    cpsat = om.solve(problem_from_dict(_pick_two()), solver="cpsat")
    scip = om.solve(problem_from_dict(_pick_two()), solver="scip")
    # Pick b and c: 9 + 7 - 1 - 1 = 14.
    assert cpsat.status == Status.OPTIMAL and cpsat.objective == pytest.approx(14.0)
    assert scip.status == Status.OPTIMAL and scip.objective == pytest.approx(cpsat.objective)
    assert [cpsat.value(f"pick[{i}]") for i in "abcd"] == pytest.approx([0, 1, 1, 0])
    assert [cpsat.value(f"y[{i}]") for i in "abcd"] == pytest.approx([-1, 9, 7, -1])


def test_cpsat_and_highs_agree_where_big_m_is_bounded() -> None:
    """With bounds the same model goes to HiGHS by big-M and to CP-SAT natively; both find 14."""
    document = _pick_two()
    document["variables"]["y"].update({"lower": -50, "upper": 50})
    highs = om.solve(problem_from_dict(document), solver="highs")
    cpsat = om.solve(problem_from_dict(document), solver="cpsat")
    assert highs.objective == pytest.approx(14.0) and cpsat.objective == pytest.approx(14.0)


def test_infeasible_native_indicator_model_is_a_result_with_an_iis() -> None:
    """Big-M cannot compile this model, so the IIS comes from SCIP's native indicators, not a crash."""
    document = _pick_two()
    document["constraints"][3]["expression"] = "sum(pick[i] for i in I) >= 5"
    for solver in ("cpsat", "scip"):
        result = om.solve(problem_from_dict(document), solver=solver)
        assert result.status == Status.INFEASIBLE, solver
        assert result.conflict is not None and "budget" in " ".join(map(str, result.conflict.rows)), solver


def test_a_form_with_native_indicators_is_refused_where_they_would_hold_always() -> None:
    """HiGHS (and any backend without form indicators) refuses such a form instead of dropping the condition."""
    from ormodel.errors import UnsupportedProblem
    from ormodel.solvers.highs import HighsBackend

    form = compile_problem(problem_from_dict(_unbounded_cap()), native_indicators=True)
    assert form.has_indicators
    with pytest.raises(UnsupportedProblem, match="cannot take this matrix form: its `when:` rows were compiled as indicator"):
        om.solve(form, solver="highs")
    with pytest.raises(UnsupportedProblem, match="HiGHS has no indicator constraints"):
        HighsBackend().solve(form)
    assert om.solve(form, solver="cpsat").objective == pytest.approx(10.0)
