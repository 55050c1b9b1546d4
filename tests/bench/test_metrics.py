"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ormodel.bench.metrics import (
    accuracy,
    execution_rate,
    gap_curve,
    matches_answer,
    performance_profile,
    performance_ratios,
    primal_gap,
    primal_integral,
    relative_primal_gap,
    shifted_geometric_mean,
)


def test_shifted_geometric_mean_by_hand() -> None:
    # (2 * 4) ** (1/2) - 1 = sqrt(8) - 1
    assert shifted_geometric_mean([1.0, 3.0], shift=1.0) == pytest.approx(math.sqrt(8) - 1)
    # shift 10: ((10+0)(10+90)) ** 0.5 - 10 = sqrt(1000) - 10
    assert shifted_geometric_mean([0.0, 90.0], shift=10.0) == pytest.approx(math.sqrt(1000) - 10)
    assert shifted_geometric_mean([5.0, 5.0, 5.0]) == pytest.approx(5.0)
    assert math.isnan(shifted_geometric_mean([]))
    with pytest.raises(ValueError, match="shift"):
        shifted_geometric_mean([-2.0], shift=1.0)


def test_primal_gap_cases() -> None:
    assert primal_gap(110.0, 100.0) == pytest.approx(10 / 110)  # minimisation, worse value
    assert primal_gap(90.0, 100.0) == pytest.approx(10 / 100)  # maximisation, worse value (symmetric formula)
    assert primal_gap(-90.0, -100.0) == pytest.approx(10 / 100)  # negative objectives
    assert primal_gap(5.0, -5.0) == 1.0  # opposite signs
    assert primal_gap(0.0, 0.0) == 0.0  # both zero
    assert primal_gap(0.0, 4.0) == 1.0  # one zero: |0-4|/4
    assert primal_gap(None, 100.0) == 1.0  # no solution
    assert primal_gap(math.nan, 100.0) == 1.0
    assert math.isnan(primal_gap(100.0, None))  # no reference
    assert primal_gap(100.0 + 1e-12, 100.0) == 0.0


def test_relative_primal_gap_cases() -> None:
    assert relative_primal_gap(110.0, 100.0) == pytest.approx(0.1)
    assert relative_primal_gap(-110.0, -100.0) == pytest.approx(0.1)
    assert relative_primal_gap(3.0, 0.0) == pytest.approx(3e10)
    assert relative_primal_gap(None, 1.0) == math.inf
    assert math.isnan(relative_primal_gap(1.0, None))


def test_primal_integral_on_a_step_function() -> None:
    # Minimisation, optimum 100, horizon 10 s: no incumbent on [0,2) -> gap 1;
    # 200 on [2,5) -> gap 0.5; 125 on [5,8) -> gap 0.2; 100 from 8 -> 0.
    trace = [[2.0, 200.0], [5.0, 125.0], [8.0, 100.0]]
    expected = 2 * 1.0 + 3 * 0.5 + 3 * 0.2 + 2 * 0.0
    assert primal_integral(trace, 100.0, 10.0) == pytest.approx(expected)
    assert primal_integral(trace, 100.0, 10.0, normalize=True) == pytest.approx(expected / 10)
    # Worse points after a better one are not incumbents; unsorted input is fine.
    noisy = [[5.0, 125.0], [2.0, 200.0], [6.0, 150.0], [8.0, 100.0]]
    assert primal_integral(noisy, 100.0, 10.0) == pytest.approx(expected)
    # Steps after the horizon do not count.
    assert primal_integral(trace, 100.0, 4.0) == pytest.approx(2 * 1.0 + 2 * 0.5)


def test_primal_integral_maximisation_and_final_point() -> None:
    # Maximisation, optimum 50: 25 at t=1 (gap 0.5), final objective 50 at t=3 missing from the trace.
    value = primal_integral([[1.0, 25.0]], 50.0, 4.0, sense="maximize", final=(3.0, 50.0))
    assert value == pytest.approx(1 * 1.0 + 2 * 0.5 + 1 * 0.0)
    # Under minimisation the same sequence would not be improving: 50 never replaces 25.
    assert primal_integral([[1.0, 25.0]], 50.0, 4.0, sense="minimize", final=(3.0, 50.0)) == pytest.approx(1.0 + 3 * 0.5)
    assert primal_integral([], 50.0, 4.0) == pytest.approx(4.0)  # never a solution
    assert math.isnan(primal_integral([[1.0, 2.0]], None, 4.0))
    with pytest.raises(ValueError, match="positive horizon"):
        primal_integral([], 1.0, 0.0)


def test_gap_curve_breakpoints() -> None:
    curve = gap_curve([[0.0, 200.0], [3.0, 100.0]], 100.0, 10.0)
    assert curve == [(0.0, 0.5), (3.0, 0.0)]


def test_performance_ratios_and_profile() -> None:
    ratios = performance_ratios({"a": [1.0, 4.0, math.inf], "b": [2.0, 2.0, 3.0]})
    assert list(ratios["a"]) == [1.0, 2.0, math.inf]
    assert list(ratios["b"]) == [2.0, 1.0, 1.0]
    profile = performance_profile(ratios["a"], [1.0, 2.0, 100.0])
    assert np.allclose(profile, [1 / 3, 2 / 3, 2 / 3])


def test_accuracy_under_stated_tolerances() -> None:
    pairs = [(100.0, 100.0), (100.00005, 100.0), (100.001, 100.0), (104.0, 100.0), (None, 5.0), (0.0, 0.0)]
    assert matches_answer(100.001, 100.0, relative=1e-6) is False
    assert matches_answer(100.001, 100.0, absolute=1e-2) is True
    assert accuracy(pairs, relative=1e-6) == pytest.approx(3 / 6)
    assert accuracy(pairs, relative=0.05) == pytest.approx(5 / 6)
    assert accuracy(pairs, absolute=1e-4) == pytest.approx(3 / 6)
    assert math.isnan(accuracy([], relative=0.05))
    assert execution_rate(["optimal", "error", "timeout", "feasible"]) == pytest.approx(0.5)
