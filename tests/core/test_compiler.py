"""The compiler against hand-computed matrices, linearizations and located errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import ormodel as om
from ormodel.io import problem_from_dict


def document(objective: str, constraints: list[dict[str, Any]], variables: dict[str, Any] | None = None, sense: str = "min",
             parameters: dict[str, Any] | None = None, sets: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "sets": sets or {"I": [1, 2, 3]},
        "parameters": parameters if parameters is not None else {"a": {"index": ["I"], "values": [3, -1, 2]}},
        "variables": variables or {"x": {"index": ["I"], "lower": -10, "upper": 10}},
        "objective": {"sense": sense, "expression": objective},
        "constraints": constraints,
    }


def compile_document(*args: Any, **kwargs: Any) -> om.StandardForm:
    return om.compile(problem_from_dict(document(*args, **kwargs)))


def test_transportation_matrix_by_hand(examples_dir: Any) -> None:
    form = om.compile(om.load(examples_dir / "transportation.yaml"))
    expected = np.array([
        [1, 1, 1, 0, 0, 0],
        [0, 0, 0, 1, 1, 1],
        [1, 0, 0, 1, 0, 0],
        [0, 1, 0, 0, 1, 0],
        [0, 0, 1, 0, 0, 1],
    ], dtype=float)
    np.testing.assert_array_equal(form.matrix.toarray(), expected)
    np.testing.assert_array_equal(form.row_lower, [-np.inf, -np.inf, 325, 300, 275])
    np.testing.assert_array_equal(form.row_upper, [350, 600, np.inf, np.inf, np.inf])
    np.testing.assert_allclose(form.objective, np.array([2.5, 1.7, 1.8, 2.5, 1.8, 1.4]) * 90 / 1000)
    assert form.names.row_label(3) == "meet_demand[chicago]"
    assert form.names.column_label(4) == "ship[san_diego,chicago]"


def test_constants_move_to_bounds_and_terms_merge() -> None:
    form = compile_document("x[1]", [{"name": "c", "for": "i in I", "expression": "2 * x[i] + 3 >= x[i] + a[i] - 1"}])
    # x[i] + 4 >= a[i]  ->  x[i] >= a[i] - 4 (two x[i] terms merged into one).
    np.testing.assert_array_equal(form.matrix.toarray(), np.eye(3))
    np.testing.assert_array_equal(form.row_lower, [-1, -5, -2])
    assert form.matrix.nnz == 3


def test_repeated_terms_from_sums_are_merged() -> None:
    form = compile_document("x[1]", [{"name": "c", "expression": "sum(x[1] for i in I) + x[1] - x[2] + x[2] <= 8"}])
    assert form.matrix.toarray().tolist() == [[4.0, 0.0, 0.0]]


def test_filters_ranges_and_sparse_sets() -> None:
    form = compile_document(
        "0",
        [
            {"name": "lag", "for": "t in T if t > 1", "expression": "y[t] - y[t-1] <= 1"},
            {"name": "cum", "for": "t in T", "expression": "sum(y[s] for s in range(1, t + 1)) <= t"},
            {"name": "arcs", "for": "n in N", "expression": "sum(f[i,j] for (i, j) in A if j == n) - sum(f[i,j] for (i, j) in A if i == n) == 0"},
        ],
        variables={"y": {"index": ["T"]}, "f": {"index": ["A"]}},
        sets={"T": {"from": 1, "to": 3}, "N": ["a", "b", "c"], "A": [["a", "b"], ["b", "c"], ["c", "a"]]},
        parameters={},
    )
    dense = form.matrix.toarray()
    # lag rows (t = 2, 3)
    np.testing.assert_array_equal(dense[0, :3], [-1, 1, 0])
    np.testing.assert_array_equal(dense[1, :3], [0, -1, 1])
    # cumulative rows: lower triangular ones
    np.testing.assert_array_equal(dense[2:5, :3], np.tril(np.ones((3, 3))))
    # flow conservation on the cycle a->b->c->a
    np.testing.assert_array_equal(dense[5:8, 3:], [[-1, 0, 1], [1, -1, 0], [0, 1, -1]])
    assert form.names.row_label(0) == "lag[2]"
    assert form.names.row_label(6) == "arcs[b]"


def test_quadratic_objective() -> None:
    form = compile_document("sum((x[i] - a[i])**2 for i in I)", [])
    assert form.is_quadratic
    np.testing.assert_allclose(form.quadratic.toarray(), 2 * np.eye(3))
    np.testing.assert_allclose(form.objective, [-6, 2, -4])
    assert form.objective_offset == pytest.approx(14.0)
    result = om.solve(problem_from_dict(document("sum((x[i] - a[i])**2 for i in I)", [])))
    assert result.objective == pytest.approx(0.0, abs=1e-7)
    np.testing.assert_allclose(result.array("x"), [3, -1, 2], atol=1e-5)


def test_abs_in_convex_position_is_an_epigraph() -> None:
    problem = problem_from_dict(document("sum(abs(x[i] - a[i]) for i in I)", [{"name": "balance", "expression": "sum(x[i] for i in I) == 0"}]))
    form = om.compile(problem)
    assert not form.is_mip  # no binaries needed
    result = om.solve(problem)
    assert result.objective == pytest.approx(4.0)


def test_minimax_objective() -> None:
    problem = problem_from_dict(document("max(x[i] - a[i] for i in I)", [{"name": "balance", "expression": "sum(x[i] for i in I) == 6"}]))
    result = om.solve(problem)
    assert result.objective == pytest.approx(2 / 3)


def test_abs_in_nonconvex_position_is_exact_with_binaries() -> None:
    problem = problem_from_dict(document("sum(abs(x[i]) for i in I)", [{"name": "balance", "expression": "sum(x[i] for i in I) == 5"}], sense="max"))
    assert om.compile(problem).is_mip
    assert om.solve(problem).objective == pytest.approx(25.0, abs=1e-4)


def test_min_on_the_large_side() -> None:
    problem = problem_from_dict(document("sum(x[i] for i in I)", [{"name": "floor", "expression": "min(x[1], x[2]) >= 2"},
                                                                    {"name": "third", "expression": "x[3] >= 0"}]))
    result = om.solve(problem)
    assert result.objective == pytest.approx(4.0)
    assert not om.compile(problem).is_mip


def test_indicator_constraint() -> None:
    problem = problem_from_dict(document(
        "sum(x[i] for i in I) - 5 * sum(y[i] for i in I)",
        [{"name": "forced", "for": "i in I", "expression": "x[i] >= a[i] + 4", "when": "y[i] == 1"}],
        variables={"x": {"index": ["I"], "lower": 0, "upper": 10}, "y": {"index": ["I"], "type": "binary"}},
    ))
    result = om.solve(problem)
    assert result.objective == pytest.approx(-2.0)
    np.testing.assert_allclose(result.array("y"), [0, 1, 0], atol=1e-6)


def test_indicator_on_zero() -> None:
    problem = problem_from_dict(document(
        "-sum(x[i] for i in I)",
        [{"name": "closed", "for": "i in I", "expression": "x[i] <= 0", "when": "y[i] == 0"},
         {"name": "budget", "expression": "sum(y[i] for i in I) <= 1"}],
        variables={"x": {"index": ["I"], "lower": 0, "upper": 10}, "y": {"index": ["I"], "type": "binary"}},
    ))
    assert om.solve(problem).objective == pytest.approx(-10.0)


@pytest.mark.parametrize(
    ("expression", "message", "column"),
    [
        ("sum(x[i] for i in J) <= 3", "undefined set 'J' after 'in'", 19),
        ("sum(x[i,i] for i in I) <= 3", "variable 'x' takes 1 indices (I), got 2", 5),
        ("sum(z[i] for i in I) <= 3", "undefined symbol 'z'", 5),
        ("x[4] <= 3", "index 4 of x[4] is not in set I {1, 2, 3}", 1),
        ("sum(x[i]*x[i] for i in I) <= 3", "quadratic constraint", 1),
        ("x <= 3", "variable 'x' is indexed by I; write x[...]", 1),
        ("sum(x[i] / x[i] for i in I) <= 1", "division by an expression with variables is nonlinear", 5),
        ("exp(x[1]) <= 1", "exp() of variables is nonlinear", 1),
        ("sum(x[i] for i in a) <= 1", "'a' is a parameter, not a set", 19),
        ("sum(x[i] for i in I if x[i] > 0) <= 1", "a condition cannot depend on variables", 24),
    ],
)
def test_located_compile_errors(expression: str, message: str, column: int) -> None:
    with pytest.raises(om.ModelError) as caught:
        compile_document("0", [{"name": "broken", "expression": expression}])
    error = caught.value
    assert message in str(error)
    assert error.location.element == "constraints" and error.location.item == "broken"
    assert error.location.column == column


def test_index_error_names_the_row() -> None:
    with pytest.raises(om.ModelError) as caught:
        compile_document("0", [{"name": "shift", "for": "i in I", "expression": "x[i+1] <= 1"}])
    assert "index 4 of x[i + 1] is not in set I" in str(caught.value)
    assert caught.value.location.index == (3,)


def test_missing_parameter_value_without_default() -> None:
    with pytest.raises(om.ModelError, match=r"parameter 'p' has no value at \(2,\) and no default"):
        compile_document("0", [{"name": "c", "for": "i in I", "expression": "x[i] <= p[i]"}],
                         parameters={"p": {"index": ["I"], "rows": [[1, 5.0], [3, 2.0]]}})


def test_unbounded_big_m_is_reported() -> None:
    with pytest.raises(om.ModelError, match=r"unbounded big-M"):
        compile_document("max(y, z)", [], variables={"y": {"lower": "-inf"}, "z": {}}, sense="max")
    with pytest.raises(om.ModelError, match=r"unbounded big-M"):
        compile_document("0", [{"name": "ind", "expression": "y <= 1", "when": "b == 1"}],
                         variables={"y": {"lower": "-inf"}, "b": {"type": "binary"}})


def test_when_requires_a_binary() -> None:
    with pytest.raises(om.ModelError, match="must be binary"):
        compile_document("0", [{"name": "ind", "for": "i in I", "expression": "x[i] <= 1", "when": "x[i] == 1"}])


def test_variable_bounds_from_parameters_and_domains() -> None:
    form = compile_document("0", [], variables={"x": {"index": ["I"], "lower": "-inf", "upper": "cap", "type": "integer"}, "b": {"type": "binary"}},
                            parameters={"cap": {"index": ["I"], "values": [1.5, 2, 3]}})
    np.testing.assert_array_equal(form.column_upper, [1, 2, 3, 1])
    assert math.isinf(form.column_lower[0])
    assert form.integrality.tolist() == [True, True, True, True]


def test_crossing_bounds_are_an_error() -> None:
    with pytest.raises(om.ModelError, match=r"lower bound 5 exceeds upper bound 2 for x\[1\]"):
        compile_document("0", [], variables={"x": {"index": ["I"], "lower": 5, "upper": 2}})


def test_no_objective_compiles_as_a_feasibility_model() -> None:
    problem = om.Problem("empty")
    form = om.compile(problem)
    assert form.feasibility and form.num_columns == 0 and form.objective_offset == 0.0


def test_large_family_is_vectorized_and_correct() -> None:
    size = 200
    model = om.Model("grid")
    rows_set = model.set("R", range(size))
    cols_set = model.set("C", range(size))
    x = model.variable("x", (rows_set, cols_set), upper=1)
    i, j = rows_set.index("i"), cols_set.index("j")
    model.maximize(om.sum(x[i, j], over=(i, j)))
    model.constrain("row", om.sum(x[i, j], over=j) <= 1, for_each=i)
    model.constrain("col", om.sum(x[i, j], over=i) <= 1, for_each=j)
    form = model.compile()
    assert form.matrix.shape == (2 * size, size * size)
    assert form.matrix.nnz == 2 * size * size
    assert form.matrix.has_canonical_format
    assert model.solve().objective == pytest.approx(size)


def test_equality_join_matches_the_filtered_cross_product() -> None:
    rng = np.random.default_rng(0)
    nodes = list(range(40))
    arcs = sorted({(int(a), int(b)) for a, b in rng.integers(0, 40, size=(300, 2)) if a != b})
    common = {"sets": {"N": nodes, "A": [list(arc) for arc in arcs]}, "variables": {"f": {"index": ["A"]}},
              "objective": {"expression": "0"}}
    joined = dict(common, constraints=[{"name": "balance", "for": "n in N",
                                        "expression": "sum(f[i,j] for (i, j) in A if j == n) - sum(f[i,j] for (i, j) in A if n == i) == 0"}])
    # The same sums written so that no join applies (the condition is not a plain equality of names).
    filtered = dict(common, constraints=[{"name": "balance", "for": "n in N",
                                          "expression": "sum(f[i,j] for (i, j) in A if j - n == 0) - sum(f[i,j] for (i, j) in A if 0 == i - n) == 0"}])
    first = om.compile(problem_from_dict(joined)).matrix.toarray()
    second = om.compile(problem_from_dict(filtered)).matrix.toarray()
    np.testing.assert_array_equal(first, second)
    assert np.abs(first).sum() == 2 * len(arcs)


def test_bound_parameter_over_some_index_sets_is_repeated_over_the_others() -> None:
    doc: dict[str, Any] = {
        "sets": {"K": ["a", "b"], "T": {"from": 1, "to": 3}},
        "parameters": {"avail": {"index": ["K"], "values": {"a": 2, "b": 5}}},
        "variables": {"run": {"index": ["T", "K"], "upper": "avail"}},
        "objective": {"sense": "maximize", "expression": "sum(run[t, k] for t in T for k in K)"},
        "constraints": [],
    }
    form = om.compile(problem_from_dict(doc))
    assert form.column_upper.tolist() == [2, 5, 2, 5, 2, 5]
    doc["parameters"]["avail"]["index"] = ["T"]
    doc["parameters"]["avail"]["values"] = [1, 2, 3]
    assert om.compile(problem_from_dict(doc)).column_upper.tolist() == [1, 1, 2, 2, 3, 3]
    doc["variables"]["run"]["index"] = ["K", "K"]
    with pytest.raises(om.ModelError, match="indexed by some of the variable's index sets"):
        om.compile(problem_from_dict(doc))


def _facility_models() -> Any:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "facility_models.py"
    spec = importlib.util.spec_from_file_location("facility_models_for_tests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", [3, 8])
def test_facility_model_compiles_to_the_hand_written_floor_arrays(size: int) -> None:
    """fac-N through the Python API equals the numpy arrays of the build benchmark's floor, entry for entry."""
    import scipy.sparse as sp

    facility = _facility_models()
    model = facility.ormodel_model(size)
    form = model.compile()
    floor = facility._floor_arrays(size)
    expected = sp.csr_array((floor["value"], floor["index"], floor["indptr"]), shape=(floor["rows"], floor["columns"]))
    # The floor writes each row's terms in the same order as the model text; compare the arrays as stored.
    np.testing.assert_array_equal(form.matrix.indptr, expected.indptr)
    np.testing.assert_array_equal(form.matrix.indices, expected.indices)
    np.testing.assert_allclose(form.matrix.data, expected.data, rtol=0, atol=1e-15)
    np.testing.assert_allclose(form.row_lower, floor["rhs"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(form.row_upper, floor["rhs"], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(form.column_lower, floor["lower"])
    np.testing.assert_array_equal(form.column_upper, floor["upper"])
    np.testing.assert_array_equal(form.objective, floor["cost"])
    np.testing.assert_array_equal(form.integrality, floor["integrality"].astype(bool))
    assert form.matrix.indices.dtype == np.int32 and form.matrix.data.dtype == np.float64
    assert form.names.row_label(floor["rows"] - 1) == f"offset_y[{size},{size},{size}]"


def test_non_finite_coefficient_in_a_one_term_per_row_family_names_its_row() -> None:
    parameters = {"a": {"index": ["I"], "values": [3, 1e308, 2]}}  # 10 * 1e308 overflows in row i = 2 only
    with pytest.raises(om.ModelError) as caught:
        compile_document("0", [{"name": "scaled", "for": "i in I", "expression": "10 * a[i] * x[i] + x[1] <= 1"}], parameters=parameters)
    assert "a coefficient of constraint 'scaled' is inf" in str(caught.value)
    assert caught.value.location.index == (2,)


def test_zero_coefficients_in_one_term_per_row_families_are_dropped() -> None:
    parameters = {"a": {"index": ["I"], "values": [3, 0, 2]}}
    form = compile_document("0", [{"name": "c", "for": "i in I", "expression": "a[i] * x[i] + 0 * x[1] <= 1"}], parameters=parameters)
    assert form.matrix.toarray().tolist() == [[3, 0, 0], [0, 0, 0], [0, 0, 2]]
    assert form.matrix.nnz == 2
    form = compile_document("0", [{"name": "c", "for": "i in I", "expression": "2 * x[i] - 3 * x[1] <= 1"}])
    assert form.matrix.toarray().tolist() == [[-1, 0, 0], [-3, 2, 0], [-3, 0, 2]]
