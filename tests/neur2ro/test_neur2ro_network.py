"""The value network, its big-M embedding (exact forward pass), data generation, training and the loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ormodel.datasets.robust import generate_capital_budgeting, generate_knapsack
from ormodel.learned.neur2ro import RobustCapitalBudgeting, RobustKnapsack
from ormodel.learned.neur2ro.data import generate_data
from ormodel.learned.neur2ro.exact import solve_second_stage
from ormodel.learned.neur2ro.network import NETWORK_SIZES, ValueNetwork, load_network, resolve_device
from ormodel.learned.neur2ro.neural_ccg import Neur2ROSettings, build_adversary, build_main_problem, solve_neur2ro
from ormodel.learned.neur2ro.train import train_value_network
from ormodel.solvers import SolveOptions, get_backend

torch.set_num_threads(1)


def _random_network(problem, seed: int) -> ValueNetwork:
    torch.manual_seed(seed)
    network = ValueNetwork(NETWORK_SIZES[problem.kind])
    network.x_scale.copy_(torch.as_tensor(np.abs(problem.x_item_inputs(np.ones(problem.n_first))).max(axis=0) + 1e-9))
    network.xi_scale.copy_(torch.as_tensor(np.abs(problem.xi_item_inputs(problem.uncertainty.upper)).max(axis=0) + 1e-9))
    network.label_offset.fill_(-3.0)
    network.label_scale.fill_(2.5)
    return network.eval()


def _main_problem_at(problem, network, scenarios, x: np.ndarray, objective: str):
    """The main problem with the first stage fixed at ``x``, solved by HiGHS, and the network's predictions at ``x``."""
    main = build_main_problem(problem, network, scenarios, objective=objective)
    form = main.builder.build()
    form.column_lower[main.x] = x
    form.column_upper[main.x] = x
    result = get_backend("highs").solve(form, SolveOptions(gap=1e-9))
    predictions = network.predict(problem, np.repeat(x[None, :], len(scenarios), axis=0), np.asarray(scenarios), device="cpu")
    return main, result, predictions


def _problems():
    return [RobustKnapsack(generate_knapsack(6, seed=11)), RobustCapitalBudgeting(generate_capital_budgeting(5, seed=11))]


@pytest.mark.parametrize("index", [0, 1])
def test_adversary_embedding_reproduces_forward_pass(index: int) -> None:
    problem = _problems()[index]
    rng = np.random.default_rng(index)
    for trial in range(3):
        network = _random_network(problem, seed=trial)
        x = (rng.random(problem.n_first) < 0.5).astype(float)
        xi = problem.uncertainty.sample(rng, 1)[0]
        adversary = build_adversary(problem, network, x)
        form = adversary.builder.build("maximize")
        form.column_lower[adversary.xi] = xi
        form.column_upper[adversary.xi] = xi
        result = get_backend("highs").solve(form, SolveOptions(gap=1e-9))
        expected = float(network.predict(problem, x, xi, device="cpu")[0])
        assert network.unscale(result.objective) == pytest.approx(expected, rel=1e-5, abs=1e-5)
        # the warm start built from the forward pass is feasible and has the same value
        warm = adversary.builder.complete([(adversary.xi, xi)])
        assert max(form.violations(warm).values()) <= 1e-7
        assert float(network.unscale(adversary.prediction.evaluate(warm)[0])) == pytest.approx(expected, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("index", [0, 1])
def test_main_problem_embedding_reproduces_forward_pass(index: int) -> None:
    problem = _problems()[index]
    rng = np.random.default_rng(10 + index)
    network = _random_network(problem, seed=5)
    scenarios = list(problem.uncertainty.sample(rng, 3))
    x = (rng.random(problem.n_first) < 0.5).astype(float)
    if not problem.robust_feasible(x):
        x = np.zeros(problem.n_first)
    main, result, predictions = _main_problem_at(problem, network, scenarios, x, "max")
    assert result.objective == pytest.approx(float(predictions.max()), rel=1e-5, abs=1e-5)
    for index_k, prediction in enumerate(main.predictions):
        assert network.unscale(prediction.evaluate(result.values)[0]) == pytest.approx(predictions[index_k], rel=1e-5, abs=1e-5)


def test_data_generation_is_seeded_and_independent_of_workers() -> None:
    serial = generate_data("capital_budgeting", instances=3, decisions=2, scenarios=2, seed=4, sizes=(5, 8), workers=1)
    parallel = generate_data("capital_budgeting", instances=3, decisions=2, scenarios=2, seed=4, sizes=(5, 8), workers=2)
    assert np.array_equal(serial.labels, parallel.labels)
    assert np.array_equal(serial.decisions, parallel.decisions)
    other = generate_data("capital_budgeting", instances=3, decisions=2, scenarios=2, seed=5, sizes=(5, 8), workers=1)
    assert not np.array_equal(serial.labels, other.labels)


def test_training_fits_is_seeded_and_saves(tmp_path) -> None:
    data = generate_data("capital_budgeting", instances=4, decisions=3, scenarios=3, seed=1, sizes=(5, 8))
    network, statistics = train_value_network(data, epochs=150, batch_size=32, learning_rate=1e-2, log=False)
    scaled = (data.labels - data.labels.min()) / (data.labels.max() - data.labels.min())
    assert statistics["train_mae_scaled"] < 0.5 * np.abs(scaled - scaled.mean()).mean()
    # same seed, same weights; another seed, other weights
    first, _ = train_value_network(data, epochs=5, batch_size=32, seed=3, log=False)
    again, _ = train_value_network(data, epochs=5, batch_size=32, seed=3, log=False)
    other, _ = train_value_network(data, epochs=5, batch_size=32, seed=4, log=False)
    assert all(torch.equal(first.state_dict()[key], again.state_dict()[key]) for key in first.state_dict())
    assert not torch.equal(first.phi_x[0].weight, other.phi_x[0].weight)
    path = tmp_path / "cb.pt"
    network.save(path, {"note": "test"})
    loaded, metadata = load_network(path)
    problem = data.problems()[0]
    x, xi = np.zeros((2, problem.n_first)), np.zeros((2, 4))
    assert np.allclose(loaded.predict(problem, x, xi, device="cpu"), network.predict(problem, x, xi, device="cpu"))
    assert metadata["note"] == "test"


def test_cosine_schedule_returns_the_best_validation_epoch_and_is_seeded() -> None:
    data = generate_data("capital_budgeting", instances=4, decisions=3, scenarios=3, seed=1, sizes=(5, 8))
    network, statistics = train_value_network(data, epochs=30, batch_size=32, learning_rate=1e-2, log=False, schedule="cosine")
    assert statistics["schedule"] == "cosine" and 1 <= statistics["best_epoch"] <= 30
    # the returned weights are the best epoch's: no logged epoch validates lower
    assert all(statistics["validation_mae_scaled"] <= entry["validation_mae_scaled"] + 1e-7 for entry in statistics["history"])
    again, _ = train_value_network(data, epochs=30, batch_size=32, learning_rate=1e-2, log=False, schedule="cosine")
    assert all(torch.equal(network.state_dict()[key], again.state_dict()[key]) for key in network.state_dict())
    with pytest.raises(ValueError, match="schedule must be 'constant' or 'cosine'"):
        train_value_network(data, epochs=1, log=False, schedule="step")


def test_argmax_main_problem_uses_exact_recourse_at_predicted_worst_scenario() -> None:
    problem = RobustKnapsack(generate_knapsack(6, seed=11))
    network = _random_network(problem, seed=2)
    rng = np.random.default_rng(4)
    scenarios = list(problem.uncertainty.sample(rng, 3))
    for trial in range(2):
        x = (rng.random(problem.n_first) < 0.6).astype(float)
        _, result, predictions = _main_problem_at(problem, network, scenarios, x, "argmax")
        chosen = scenarios[int(np.argmax(predictions))]
        assert result.objective == pytest.approx(solve_second_stage(problem, x, chosen).value, rel=1e-6, abs=1e-6)


def test_adversary_tightening_keeps_the_optimum_and_drops_binaries() -> None:
    problem = RobustKnapsack(generate_knapsack(4, seed=12))
    network = _random_network(problem, seed=4)
    x = np.ones(problem.n_first)
    values = []
    for tighten in (False, True):
        adversary = build_adversary(problem, network, x, tighten=tighten)
        result = adversary.builder.solve("highs", SolveOptions(gap=1e-7), sense="maximize")
        values.append((result.objective, adversary.stats.binary))
    assert values[1][0] == pytest.approx(values[0][0], rel=1e-6, abs=1e-7)
    assert values[1][1] <= values[0][1]


def test_neur2ro_loop_returns_robust_feasible_decision() -> None:
    problem = RobustCapitalBudgeting(generate_capital_budgeting(5, seed=2))
    network = _random_network(problem, seed=1)
    solution = solve_neur2ro(problem, network, Neur2ROSettings(time_limit=20, mip_time_limit=0.5, max_iterations=2))
    assert solution.status in ("gap", "repeated_scenario", "iteration_limit", "time_limit")
    assert problem.robust_feasible(solution.x)
    assert 1 <= len(solution.scenarios) <= 2


@pytest.mark.parametrize("limit", [0.0, 0.3, 1.5])
def test_neur2ro_honours_its_time_limit_and_records_the_fallback(limit: float) -> None:
    import time

    problem = RobustKnapsack(generate_knapsack(40, seed=3))
    network = _random_network(problem, seed=2)
    started = time.perf_counter()
    solution = solve_neur2ro(problem, network, Neur2ROSettings(time_limit=limit, mip_time_limit=10.0))
    wall = time.perf_counter() - started
    assert wall <= 1.05 * limit + 1.0
    assert problem.robust_feasible(solution.x)
    assert solution.notes["limit_seconds"] == limit
    assert solution.notes["stopped_at_limit"] == (solution.status == "time_limit")
    if limit == 0.0:
        # nothing but the (always computed) nominal decision: the record says it fell back to it
        assert solution.status == "time_limit" and solution.notes["fallback"] == "nominal" and solution.notes["equals_nominal"]


def test_device_auto_resolves_to_an_available_device() -> None:
    device = resolve_device("auto")
    assert device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    problem = RobustKnapsack(generate_knapsack(5, seed=1))
    network = _random_network(problem, seed=0)
    x, xi = np.ones((2, 5)), problem.uncertainty.sample(np.random.default_rng(0), 2)
    assert np.allclose(network.predict(problem, x, xi, device="auto"), network.predict(problem, x, xi, device="cpu"), rtol=1e-5)


def test_embedding_on_scip_matches_forward_pass() -> None:
    pytest.importorskip("pyscipopt")
    problem = _problems()[1]
    network = _random_network(problem, seed=3)
    rng = np.random.default_rng(3)
    x = np.ones(problem.n_first)
    xi = problem.uncertainty.sample(rng, 1)[0]
    adversary = build_adversary(problem, network, x)
    form = adversary.builder.build("maximize")
    form.column_lower[adversary.xi] = xi
    form.column_upper[adversary.xi] = xi
    result = get_backend("scip").solve(form, SolveOptions(gap=1e-9))
    assert network.unscale(result.objective) == pytest.approx(float(network.predict(problem, x, xi, device="cpu")[0]), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("kind", ["knapsack", "capital_budgeting"])
def test_registered_method_runs_with_shipped_weights(kind: str) -> None:
    from ormodel.learned.neur2ro.network import DEFAULT_WEIGHTS
    from ormodel.methods import run_method

    if not DEFAULT_WEIGHTS[kind].exists():
        pytest.skip("shipped weights not built")
    instance = (generate_knapsack(6, seed=3) if kind == "knapsack" else generate_capital_budgeting(5, seed=3))
    result = run_method("neur2ro", instance, SolveOptions(time_limit=20),
                        {"mip_time_limit": 1, "max_iterations": 1, "evaluate": True, "device": "auto"})
    assert result.array("x").shape == (instance.n_items if kind == "knapsack" else instance.n_projects,)
    assert np.isfinite(result.objective)
    assert result.extra["worst_case"]["converged"]


def test_training_command_writes_loadable_weights_with_its_recipe(tmp_path) -> None:
    from ormodel.learned.neur2ro.train import main

    output = tmp_path / "cb.pt"
    arguments = ["--problem", "cb", "--seed", "2", "--instances", "2", "--decisions", "1", "--scenarios", "2",
                 "--sizes", "5", "--epochs", "2", "--output", str(output), "--data", str(tmp_path / "cb.npz")]
    assert main(arguments) == 0
    network, metadata = load_network(output)
    assert metadata["command"].endswith(" ".join(arguments))
    assert metadata["samples"] == 4 and metadata["batch_size"] == 64
    assert (tmp_path / "cb.npz").exists()


@pytest.mark.parametrize("index", [0, 1])
def test_persistent_adversary_matches_the_rebuilt_one_and_restores_the_encoding(index: int) -> None:
    from ormodel.learned.neur2ro.neural_ccg import PersistentAdversary, build_scenario_encoding

    problem = [RobustKnapsack(generate_knapsack(4, seed=5)), RobustCapitalBudgeting(generate_capital_budgeting(2, seed=5))][index]
    network = _random_network(problem, seed=3)
    settings = Neur2ROSettings(mip_gap=1e-6)
    encoding = build_scenario_encoding(problem, network)
    columns, rows = encoding.builder.num_columns, encoding.builder.num_rows
    persistent = PersistentAdversary(problem, network, encoding, settings)
    rng = np.random.default_rng(index)
    for _ in range(1):
        x = (rng.random(problem.n_first) < 0.6).astype(float)
        rebuilt = build_adversary(problem, network, x, encoding=encoding)
        expected = rebuilt.builder.solve("highs", SolveOptions(gap=1e-6, time_limit=30), sense="maximize")
        result, adversary = persistent.solve(x, problem.nominal_scenario(), time_limit=30, tighten_seconds=5)
        assert result.objective == pytest.approx(expected.objective, rel=1e-5, abs=1e-6)
        xi = np.asarray(result.values)[adversary.xi]
        assert float(network.predict(problem, x, xi, device="cpu")[0]) == pytest.approx(float(network.unscale(result.objective)), rel=1e-5, abs=1e-5)
        assert (encoding.builder.num_columns, encoding.builder.num_rows) == (columns, rows)


def test_local_search_adversary_never_lowers_the_estimate() -> None:
    import time

    from ormodel.learned.neur2ro.neural_ccg import local_search

    problem = RobustKnapsack(generate_knapsack(12, seed=4))
    network = _random_network(problem, seed=5)
    rng = np.random.default_rng(1)
    x = np.ones(problem.n_first)
    start = problem.uncertainty.sample(rng, 1)[0]
    start_value = float(network.predict(problem, x, start, device="cpu")[0])
    xi, value = local_search(problem, network, x, start, start_value, rng, steps=10, deadline=time.perf_counter() + 30)
    assert problem.uncertainty.contains(xi)
    assert value >= start_value
    assert value == pytest.approx(float(network.predict(problem, x, xi, device="cpu")[0]), rel=1e-6)
    solution = solve_neur2ro(problem, network, Neur2ROSettings(time_limit=20, mip_time_limit=2, adversary="local"))
    assert problem.robust_feasible(solution.x)
    assert all(entry.get("adversary_status") == "local_search" for entry in solution.history if "adversary_status" in entry)


@pytest.mark.parametrize("kind", ["knapsack", "capital_budgeting"])
def test_nominal_check_returns_the_exactly_better_of_loop_and_nominal(kind: str) -> None:
    from ormodel.learned.neur2ro.ccg import solve_nominal
    from ormodel.learned.neur2ro.exact import worst_case

    problem = RobustKnapsack(generate_knapsack(8, seed=6)) if kind == "knapsack" else RobustCapitalBudgeting(generate_capital_budgeting(6, seed=3))
    network = _random_network(problem, seed=3)
    unchecked = solve_neur2ro(problem, network, Neur2ROSettings(time_limit=30, mip_time_limit=2, adversary="local", nominal_check=0.0))
    assert unchecked.notes["nominal_check"] == {"selected": "loop", "skipped": "off"}
    checked = solve_neur2ro(problem, network, Neur2ROSettings(time_limit=30, mip_time_limit=2, adversary="local", nominal_check=0.5))
    check = checked.notes["nominal_check"]
    nominal_x = solve_nominal(problem, gap=1e-3).x
    assert np.array_equal(checked.x, unchecked.x) or np.array_equal(checked.x, nominal_x)
    assert "loop_worst_case" in check  # the random network's decision differs from the nominal one here
    loop_value, nominal_value = worst_case(problem, unchecked.x).value, worst_case(problem, nominal_x).value
    # tiny instances: both adversaries converge, so the check compares the true worst cases
    assert check["converged"] == [True, True]
    assert check["loop_worst_case"] == pytest.approx(loop_value, rel=1e-3)
    assert check["nominal_worst_case"] == pytest.approx(nominal_value, rel=1e-3)
    assert worst_case(problem, checked.x).value == pytest.approx(min(loop_value, nominal_value), rel=1e-3)
    assert check["union_complete"] == [True, True] and check["reason"]
    assert checked.notes["equals_nominal"] == (check["selected"] == "nominal" or checked.notes["loop_equals_nominal"])
