"""Initial points: trivial candidates and greedy one-opt shifting."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from ormodel.learned.balans import solve
from ormodel.learned.balans.initial import is_feasible, one_opt_shift, trivial_solution

from ormodel.standard_form import StandardForm

from .conftest import mixed_knapsack, set_cover


def _knapsack() -> StandardForm:
    """max 10a + 6b + 5c + 4d, 5a + 4b + 3c + 4d <= 9, binaries (optimum 16: a, b; greedy by ratio: a, c → 15)."""
    return StandardForm.from_arrays(
        objective=np.array([10.0, 6.0, 5.0, 4.0]), matrix=sp.csr_array(np.array([[5.0, 4.0, 3.0, 4.0]])),
        row_lower=np.array([-np.inf]), row_upper=np.array([9.0]), column_upper=np.ones(4),
        integrality=np.ones(4, dtype=bool), sense="maximize")


def test_shift_fills_a_knapsack_greedily_by_value_per_weight() -> None:
    form = _knapsack()
    start = trivial_solution(form)
    assert start is not None and not start.any()
    shifted = one_opt_shift(form, start)
    # Ratios (value / weight share of the capacity): a 18, c 15, b 13.5, d 9 → a (5), then c (3), then nothing fits.
    assert shifted.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert form.objective_value(shifted) == 15.0


def test_shift_drops_redundant_columns_of_a_cover() -> None:
    # Rows {0,1}, {1,2}; columns: A covers 0,1 (cost 3), B covers 1,2 (cost 3), C covers 0,1,2 (cost 4), D covers 2 (cost 1).
    matrix = np.array([[1, 0, 1, 0], [1, 1, 1, 0], [0, 1, 1, 1]], dtype=float)
    form = StandardForm.from_arrays(
        objective=np.array([3.0, 3.0, 4.0, 1.0]), matrix=sp.csr_array(matrix), row_lower=np.ones(3),
        row_upper=np.full(3, np.inf), column_upper=np.ones(4), integrality=np.ones(4, dtype=bool))
    start = trivial_solution(form)
    assert start is not None and start.tolist() == [1.0, 1.0, 1.0, 1.0]
    shifted = one_opt_shift(form, start)
    # Cost per row covered: A 1.5 and B 1.5 go first (both redundant while C covers everything), then C stays, D goes.
    assert shifted.tolist() == [0.0, 0.0, 1.0, 0.0]
    assert is_feasible(form, shifted)


def test_shift_is_feasible_and_never_worse_on_mixed_models() -> None:
    for form in (mixed_knapsack(seed=3), set_cover(seed=4), mixed_knapsack(seed=5, items=200, knapsacks=10)):
        start = trivial_solution(form)
        assert start is not None
        shifted = one_opt_shift(form, start)
        assert is_feasible(form, shifted)
        sign = -1.0 if form.sense.value == "maximize" else 1.0
        assert sign * form.objective_value(shifted) < sign * form.objective_value(start)


def test_shift_stops_at_its_deadline() -> None:
    form = mixed_knapsack(seed=1)
    start = trivial_solution(form)
    assert start is not None
    assert np.array_equal(one_opt_shift(form, start, deadline=time.monotonic() - 1.0), start)


def test_solve_starts_from_the_shifted_point() -> None:
    form = set_cover(seed=2)
    result = solve(form, backend="highs", time_limit=1.0, config={"operators": ["mutation_50"]})
    trace = result.extra["trace"]
    start = trivial_solution(form)
    assert start is not None
    assert trace[0][1] == form.objective_value(start)
    assert trace[1][1] == form.objective_value(one_opt_shift(form, start))
    assert "shift" in result.extra["phases"]
    trivial_only = solve(form, backend="highs", time_limit=1.0, config={"operators": ["mutation_50"], "initial": "trivial"})
    assert "shift" not in trivial_only.extra["phases"]
