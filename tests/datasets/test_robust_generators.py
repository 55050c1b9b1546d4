"""Neur2RO benchmark generators: determinism, shapes and the paper's parameter ranges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ormodel.datasets.robust import (
    BUDGET_FACTORS,
    CORRELATIONS,
    DELTAS,
    H_VALUES,
    generate_capital_budgeting,
    generate_knapsack,
    read_knapsack_instance,
)


def _arrays(instance) -> list[np.ndarray]:
    return [value for value in vars(instance).values() if isinstance(value, np.ndarray)]


def test_knapsack_is_deterministic_per_seed() -> None:
    first, again, other = generate_knapsack(40, seed=3), generate_knapsack(40, seed=3), generate_knapsack(40, seed=4)
    for left, right in zip(_arrays(first), _arrays(again)):
        np.testing.assert_array_equal(left, right)
    assert (first.correlation, first.delta, first.h, first.budget_factor) == (again.correlation, again.delta, again.h, again.budget_factor)
    assert not np.array_equal(first.weights, other.weights)


@pytest.mark.parametrize("correlation", CORRELATIONS)
def test_knapsack_ranges_follow_arslan_detienne(correlation: str) -> None:
    R = 1000.0
    for seed in range(5):
        instance = generate_knapsack(60, seed, correlation=correlation)
        c, p_bar, p_hat, f, t = (instance.weights, instance.profits, instance.degradations, instance.penalties,
                                 instance.repair_weights)
        assert all(array.shape == (60,) for array in (c, p_bar, p_hat, f, t))
        assert instance.delta in DELTAS and instance.h in H_VALUES and instance.budget_factor in BUDGET_FACTORS
        assert ((1 <= c) & (c <= R)).all()
        assert instance.capacity == pytest.approx(instance.h / 101 * c.sum())
        assert instance.uncertainty_budget == pytest.approx(instance.budget_factor * 60)
        low, high = (1 - instance.delta) / 2, (1 + instance.delta) / 2
        # Ratios, not bounds: WC profits U(c +- R/20) go below zero for items lighter than R/20 (as in Neur2RO).
        assert ((p_hat / p_bar >= low - 1e-12) & (p_hat / p_bar <= high + 1e-12)).all()
        assert ((f / p_bar >= 1.1 - 1e-12) & (f / p_bar <= 1.5 + 1e-12)).all()
        if correlation == "UN":
            assert ((1 <= p_bar) & (p_bar <= R)).all() and ((1 <= t) & (t <= c)).all()
        elif correlation == "WC":
            assert (np.abs(p_bar - c) <= R / 20).all() and (np.abs(t - p_hat / 2) <= R / 40).all()
        elif correlation == "ASC":
            assert (np.abs(p_bar - c - R / 10) <= R / 1000).all()
            assert (np.abs(t - p_hat / 2 - c / 10) <= R / 1000).all()
        else:
            np.testing.assert_allclose(p_bar, c + R / 10)
            np.testing.assert_allclose(t, p_hat / 2 + c / 10)


def test_knapsack_grid_sampling_and_names() -> None:
    drawn = {generate_knapsack(20, seed).correlation for seed in range(40)}
    assert drawn == set(CORRELATIONS)
    instance = generate_knapsack(30, 0, correlation="WC", delta=1.0, h=40, budget_factor=0.15)
    assert instance.name == "RKP_WC_n30_R1000_H100_h40_dev0.15_d1"
    as_dict = instance.as_neur2ro_dict()
    assert as_dict["max_budget"] == pytest.approx(4.5) and as_dict["p_bar"] is instance.profits
    np.testing.assert_allclose(instance.first_stage_costs(), instance.penalties - instance.profits)
    with pytest.raises(ValueError, match="correlation must be one of UN, WC, ASC, SC"):
        generate_knapsack(20, 0, correlation="XX")


def test_read_published_knapsack_file(tmp_path: Path) -> None:
    source = generate_knapsack(20, 5, correlation="SC", delta=0.5, h=80, budget_factor=0.2)
    path = tmp_path / source.name
    lines = [f"20 {source.capacity}"]
    for index in range(20):
        lines.append(" ".join(str(value) for value in (
            index, source.profits[index], source.degradations[index], source.repair_weights[index],
            source.weights[index], source.penalties[index],
        )))
    path.write_text("\n".join(lines) + "\n")
    read = read_knapsack_instance(path)
    assert (read.correlation, read.n_items, read.h, read.budget_factor, read.delta) == ("SC", 20, 80.0, 0.2, 0.5)
    np.testing.assert_allclose(read.weights, source.weights)
    np.testing.assert_allclose(read.repair_weights, source.repair_weights)
    assert read.capacity == pytest.approx(source.capacity)
    path.write_text("\n".join(lines[:5] + ["3 1.0 oops 1 1 1"]) + "\n")
    with pytest.raises(ValueError, match=r"line 6: non-numeric value"):
        read_knapsack_instance(path)
    with pytest.raises(ValueError, match="does not follow RKP_"):
        read_knapsack_instance(tmp_path / "instance.txt")


def test_capital_budgeting_is_deterministic_with_paper_ranges() -> None:
    first, again = generate_capital_budgeting(30, seed=2), generate_capital_budgeting(30, seed=2)
    for left, right in zip(_arrays(first), _arrays(again)):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(first.nominal_costs, generate_capital_budgeting(30, seed=3).nominal_costs)
    c_bar = first.nominal_costs
    assert c_bar.shape == (30,) and ((1 <= c_bar) & (c_bar <= 10)).all()
    np.testing.assert_allclose(first.nominal_revenues, c_bar / 5)
    assert first.budget == pytest.approx(c_bar.sum() / 2)
    for loadings in (first.cost_loadings, first.revenue_loadings):
        assert loadings.shape == (30, 4) and (loadings >= 0).all()
        np.testing.assert_allclose(loadings.sum(axis=1), 1.0)
    assert first.late_fraction == 0.8 and not first.loans
    assert first.max_loan == pytest.approx(1.5 * c_bar.sum() - first.budget)


def test_capital_budgeting_scenario_costs() -> None:
    instance = generate_capital_budgeting(10, seed=0)
    np.testing.assert_allclose(instance.costs(np.zeros(4)), instance.nominal_costs)
    np.testing.assert_allclose(instance.costs(np.ones(4)), 1.5 * instance.nominal_costs)
    np.testing.assert_allclose(instance.revenues(-np.ones(4)), 0.5 * instance.nominal_revenues)
    scenarios = np.random.default_rng(0).uniform(-1, 1, size=(7, 4))
    assert instance.costs(scenarios).shape == (7, 10)
    phi = instance.as_neur2ro_dict()["phi"]
    assert len(phi) == 10 and len(phi[0]) == 4
