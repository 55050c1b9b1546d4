"""Tabu search on critical blocks, the batched rules and the sampling mode that combines them."""

from __future__ import annotations

import time

import numpy as np
import pytest
from ormodel.datasets.jssp import JobShopInstance, general_jobshop, random_jobshop, taillard_instance
from ormodel.learned.dispatching.cpsat import solve_jobshop_cpsat
from ormodel.learned.dispatching.local_search import local_search
from ormodel.learned.dispatching.rules import RULES, dispatch_all_rules, dispatch_with_rule

from tests.jssp.test_jssp_dispatching import general_feasibility


@pytest.mark.parametrize(
    "instance",
    [
        random_jobshop(10, 6, seed=11),
        taillard_instance("ta01"),
        general_jobshop(12, 5, seed=4, zero_fraction=0.25),  # ragged jobs, re-entrant machines, zero lengths
        random_jobshop(4, 12, seed=2),  # wide
    ],
    ids=["random10x6", "ta01", "general12x5", "wide4x12"],
)
def test_local_search_is_feasible_and_never_worse_than_its_start(instance: JobShopInstance) -> None:
    for rule in ("lpt", "mwkr"):
        start = dispatch_with_rule(instance, rule)
        found = local_search(instance, start.starts, max_iterations=300, seed=1)
        assert general_feasibility(instance, found.starts)
        instance.check_schedule(found.starts)
        assert (found.starts[~instance.valid] == -1).all()
        assert found.makespan == instance.makespan(found.starts)
        assert found.start_makespan == start.makespan
        assert instance.lower_bound() <= found.makespan <= start.makespan


def test_local_search_improves_a_poor_start_towards_the_optimum() -> None:
    instance = random_jobshop(8, 6, seed=5)
    start = dispatch_with_rule(instance, "lpt")
    found = local_search(instance, start.starts, max_iterations=3000, seed=0)
    optimum = solve_jobshop_cpsat(instance, time_limit=20, seed=0, workers=1)
    assert optimum.status == "optimal"
    assert found.makespan < start.makespan and found.improvements > 0
    assert optimum.makespan <= found.makespan <= 1.05 * optimum.makespan


def test_local_search_is_deterministic_for_a_seed() -> None:
    instance = general_jobshop(15, 6, seed=8, zero_fraction=0.1)
    start = dispatch_with_rule(instance, "spt").starts
    first = local_search(instance, start, max_iterations=400, seed=7)
    second = local_search(instance, start, max_iterations=400, seed=7)
    assert first.makespan == second.makespan and np.array_equal(first.starts, second.starts)
    assert first.iterations == second.iterations


def test_local_search_stops_at_the_lower_bound_and_respects_its_time_limit() -> None:
    # One machine: every order without idle time reaches the bound, so no search is needed.
    single = JobShopInstance(machines=np.zeros((4, 1), dtype=np.int64), durations=np.array([[3], [1], [4], [2]]))
    found = local_search(single, dispatch_with_rule(single, "spt").starts, max_iterations=100)
    assert found.iterations == 0 and found.stopped == "optimal" and found.makespan == 10
    instance = taillard_instance("ta41")
    began = time.perf_counter()
    timed = local_search(instance, dispatch_with_rule(instance, "spt").starts, time_limit=0.3)
    assert time.perf_counter() - began < 1.0 and timed.stopped == "time"


def test_local_search_rejects_an_infeasible_start() -> None:
    from ormodel.datasets.jssp import JobShopError

    instance = random_jobshop(3, 3, seed=0)
    with pytest.raises(JobShopError):
        local_search(instance, np.zeros((3, 3), dtype=np.int64), max_iterations=10)
    with pytest.raises(JobShopError, match="time_limit or max_iterations"):
        local_search(instance, dispatch_with_rule(instance, "spt").starts)


@pytest.mark.parametrize("mode", ["non_delay", "active"])
def test_all_rules_in_one_run_equal_single_runs(mode: str) -> None:
    for instance in (random_jobshop(7, 5, seed=3), general_jobshop(9, 4, seed=1, zero_fraction=0.2)):
        together = dispatch_all_rules(instance, mode)
        assert list(together) == list(RULES)
        for rule, schedule in together.items():
            alone = dispatch_with_rule(instance, rule, mode)
            assert schedule.makespan == alone.makespan and np.array_equal(schedule.starts, alone.starts)


def test_sampling_mode_with_rules_and_search_is_never_worse_than_its_parts() -> None:
    torch = pytest.importorskip("torch")
    from ormodel.learned.dispatching.policy import load_policy
    from ormodel.learned.dispatching.portfolio import sample_and_search

    torch.manual_seed(0)
    policy = load_policy()
    instance = random_jobshop(12, 8, seed=21)
    found = sample_and_search(policy, instance, seconds=0.5, seed=0, clock=time.process_time)  # CPU time: load-proof
    instance.check_schedule(found.starts)
    assert found.makespan == instance.makespan(found.starts)
    best_rule = min(
        dispatch_with_rule(instance, rule, mode).makespan for rule in RULES for mode in ("non_delay", "active")
    )
    assert found.rule_makespan == best_rule
    assert found.makespan <= min(best_rule, found.policy_makespan, policy.solve(instance).makespan)
    pure = sample_and_search(policy, instance, seconds=0.3, seed=0, rules=False, local_search_on=False, clock=time.process_time)
    instance.check_schedule(pure.starts)
    assert pure.rule_makespan is None and pure.search_iterations == 0 and pure.source in ("greedy", "sampling")
    assert pure.samples > 0 and pure.makespan == min(pure.all_makespans)


def test_dispatch_method_switches_the_sampling_mode_parts() -> None:
    pytest.importorskip("torch")
    from ormodel.solvers.base import SolveOptions

    from ormodel.methods import run_method

    instance = random_jobshop(9, 6, seed=4)
    full = run_method("dispatch", instance, SolveOptions(seed=0), {"sampling_time": 0.3, "improve": False})
    instance.check_schedule(full.array("start").astype(int))
    best_rule = min(dispatch_with_rule(instance, rule, mode).makespan for rule in RULES for mode in ("non_delay", "active"))
    assert full.objective <= best_rule
    pure = run_method("dispatch", instance, SolveOptions(seed=0),
                      {"sampling_time": 0.3, "improve": False, "rules": "false", "local_search": "off"})
    assert pure.extra["search_iterations"] == 0 and pure.extra["sampling_source"] in ("greedy", "sampling")
    with pytest.raises(ValueError, match="local_search must be true or false"):
        run_method("dispatch", instance, SolveOptions(seed=0), {"sampling_time": 0.1, "local_search": "maybe"})
