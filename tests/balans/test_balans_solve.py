"""End-to-end Balans runs: bandit statistics, the one wall-clock budget, traces, parallel mode, the method registry."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from ormodel.learned.balans import BalansConfig, solve
from ormodel.learned.balans.search import Deadline, run_search
from ormodel.solvers.base import SolveOptions
from ormodel.solvers.persistent import open_persistent

from ormodel.methods import run_method
from ormodel.result import Status

from .conftest import mixed_knapsack, set_cover

# Budget check: the run may pass its time limit by at most this much (solver time-limit granularity).
MARGIN = 0.6


@pytest.mark.parametrize(
    ("selector", "scores"),
    [({"policy": "thompson"}, (1, 1, 0, 0)), ({"policy": "epsilon_greedy", "epsilon": 0.2}, (8, 4, 2, 1)),
     ({"policy": "softmax", "tau": 2.0}, (3, 2, 1, 0)), ({"policy": "ucb", "alpha": 1.0}, (8, 4, 2, 1))],
    ids=["thompson", "epsilon-greedy", "softmax", "ucb"],
)
def test_bandit_arm_statistics_update(selector, scores) -> None:
    form = set_cover(seed=3, rows=80, columns=60)
    config = BalansConfig(operators=("mutation_25", "mutation_75", "rins_50", "local_branching_10"), selector=selector,
                          scores=scores, accept={"name": "SimulatedAnnealing", "start_temperature": 5.0,
                                                  "end_temperature": 1.0, "step": 0.1}, iteration_time=0.5, seed=1)
    model = open_persistent(form, "highs")
    deadline = Deadline(1.5)
    outcome = run_search(form, model, config, deadline)
    arms = outcome.arms
    pulls = sum(entry["pulls"] for entry in arms.values())
    assert pulls == outcome.iterations >= 3
    for entry in arms.values():
        outcomes = entry["best"] + entry["better"] + entry["accept"] + entry["reject"]
        assert outcomes == entry["pulls"]
        expected = sum(score * entry[key] for score, key in zip(scores, ("best", "better", "accept", "reject")))
        if selector["policy"] == "thompson":
            assert entry["reward"] == pytest.approx(expected)  # 0/1 rewards are never time-scaled
        else:
            assert 0 <= entry["reward"] <= expected + 1e-9  # time-aware: scaled down when an iteration overran
    assert arms["mutation_25"]["pulls"] >= 1  # the first pull is the first configured operator
    assert outcome.values is not None and max(form.violations(outcome.values).values()) <= 1e-6
    # One loaded model served every sub-MIP, and every change was undone.
    assert model.checkpoint() == 0 and model.added_rows == 0 and model.added_columns == 0
    assert np.array_equal(model.column_lower, form.column_lower) and np.array_equal(model.column_upper, form.column_upper)


def test_mabwiser_expectations_move_with_rewards() -> None:
    from ormodel.learned.balans.search import _selector

    config = BalansConfig(operators=("mutation_25", "mutation_50"), selector={"policy": "epsilon_greedy", "epsilon": 0.0},
                          scores=(8, 4, 2, 1))
    selector = _selector(config, 2)
    rng = np.random.default_rng(0)
    for _ in range(5):
        selector.update(None, 1, 0, 0)  # arm 1 found a new best five times
        selector.update(None, 0, 0, 3)  # arm 0 was rejected five times
    expectations = selector.mab._imp.arm_to_expectation
    assert expectations["1_0"] == pytest.approx(8.0) and expectations["0_0"] == pytest.approx(1.0)
    assert selector(rng, None, None) == (1, 0)


@pytest.mark.parametrize("time_limit", [1.0, 2.5])
def test_budget_is_one_clock(backend, time_limit) -> None:
    form = set_cover(seed=5, rows=400, columns=300, density=0.05)
    started = time.monotonic()
    result = solve(form, backend=backend, time_limit=time_limit, config={"iteration_time": 0.4})
    wall = time.monotonic() - started
    assert wall <= time_limit + MARGIN, f"{backend} ran {wall:.2f}s on a {time_limit}s budget"
    assert result.solve_time <= time_limit + MARGIN
    trace = result.extra["trace"]
    assert trace and all(seconds <= wall for seconds, _ in trace)
    objectives = [objective for _, objective in trace]
    assert objectives == sorted(objectives, reverse=True)  # minimisation: every entry improves
    assert result.objective == pytest.approx(objectives[-1])
    assert result.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    assert max(form.violations(result.values).values()) <= 1e-6


def test_maximisation_trace_and_lp_bound() -> None:
    form = mixed_knapsack(seed=2, items=40)
    result = solve(form, backend="highs", time_limit=2.0, config={"operators": ["rins_50"], "iteration_time": 0.3})
    objectives = [objective for _, objective in result.extra["trace"]]
    assert objectives == sorted(objectives)  # maximisation: increasing
    assert math.isfinite(result.bound) and result.bound >= result.objective - 1e-6  # the LP relaxation bounds it


def test_parallel_mode_shares_the_incumbent() -> None:
    form = set_cover(seed=7, rows=300, columns=200, density=0.05)
    started = time.monotonic()
    result = solve(form, backend="highs", time_limit=2.0, config={"parallel": 2, "iteration_time": 0.4})
    assert time.monotonic() - started <= 2.0 + MARGIN + 1.0  # plus process start-up
    assert result.has_solution and max(form.violations(result.values).values()) <= 1e-6
    assert result.extra["iterations"] == sum(entry["pulls"] for entry in result.extra["arms"].values()) > 0
    assert {key.split("_", 1)[0] for key in result.extra["phases"]} == {"worker0", "worker1"}
    objectives = [objective for _, objective in result.extra["trace"]]
    assert objectives and result.objective <= objectives[-1] + 1e-9


def test_method_registry_and_path_input(tmp_path) -> None:
    from ormodel.solvers.highs import write_model_file

    form = mixed_knapsack(seed=4)
    path = tmp_path / "knapsack.mps"
    write_model_file(form, path)
    result = run_method("balans", str(path), SolveOptions(time_limit=1.0, seed=3), {"backend": "scip", "operators": ["mutation_50"]})
    assert result.solver == "balans-scip" and result.has_solution
    assert result.extra["config"]["seed"] == 3 and list(result.extra["arms"]) == ["mutation_50"]
    with pytest.raises(ValueError, match="unknown balans parameter"):
        run_method("balans", form, SolveOptions(time_limit=1.0), {"colour": "red"})


def test_config_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="Thompson sampling needs 0/1 rewards"):
        BalansConfig(selector={"policy": "thompson"}, scores=(8, 4, 2, 1))
    with pytest.raises(ValueError, match="unknown Balans config key"):
        BalansConfig.from_dict({"operator": ["rins_25"]})
    with pytest.raises(ValueError, match="unknown acceptance criterion 'Hill'"):
        solve(set_cover(), time_limit=1.0, config={"accept": {"name": "Hill"}})
    with pytest.raises(ValueError, match="config.initial must be 'auto', 'trivial' or 'backend', got 'greedy'"):
        BalansConfig(initial="greedy")
    assert BalansConfig.from_dict(BalansConfig().to_dict()) == BalansConfig()
