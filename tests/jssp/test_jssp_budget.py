"""The sampling mode keeps its wall-clock budget, and the event-driven non-delay rules equal the environment's."""

from __future__ import annotations

import time

import numpy as np
import pytest
from ormodel.datasets.jssp import general_jobshop, random_jobshop
from ormodel.learned.dispatching.budget import RunBudget
from ormodel.learned.dispatching.rules import RULES, dispatch_all_rules, dispatch_with_rule, non_delay_rule_schedule


@pytest.mark.parametrize(
    "instance",
    [random_jobshop(9, 6, seed=4), random_jobshop(6, 12, seed=5), general_jobshop(14, 5, seed=6), general_jobshop(30, 8, seed=7)],
    ids=["square", "wide", "general", "general-long"],
)
def test_event_driven_non_delay_rules_build_the_environments_schedules(instance) -> None:
    for rule in RULES:
        fast = non_delay_rule_schedule(instance, rule)
        reference = dispatch_with_rule(instance, rule, "non_delay")
        assert np.array_equal(fast.starts, reference.starts), rule
        assert fast.makespan == reference.makespan == instance.makespan(fast.starts)


def test_run_budget_stops_a_run_that_cannot_end_in_time() -> None:
    now = [0.0]
    budget = RunBudget(clock=lambda: now[0], deadline=1.0)
    now[0] = 0.25
    assert not budget.hopeless(0.5)  # on pace to end at 0.5
    assert not budget.hopeless(0.2)  # on pace to end at 1.25: within the early pace's pessimism, runs on
    assert budget.hopeless(0.1)  # on pace to end at 2.5
    now[0] = 0.1
    assert not budget.hopeless(0.01)  # too little measured to trust the pace
    now[0] = 1.0
    assert budget.hopeless(0.99)  # the deadline has passed
    assert dispatch_all_rules(random_jobshop(30, 10, seed=1), "active", budget=RunBudget(deadline=time.perf_counter())) is None


def test_sampling_mode_ends_within_its_wall_clock_budget_on_a_large_instance() -> None:
    pytest.importorskip("torch")
    from ormodel.learned.dispatching.policy import load_policy
    from ormodel.learned.dispatching.portfolio import sample_and_search

    policy = load_policy()
    # 100×20: the 12 rules in the environment and the greedy run alone took about 1.2 s before the budget was kept.
    instance = random_jobshop(100, 20, seed=8)
    budget = 0.25
    began = time.perf_counter()
    found = sample_and_search(policy, instance, seconds=budget, seed=0)
    wall = time.perf_counter() - began
    assert wall <= budget * 1.05 + 0.1, f"sampling mode took {wall:.3f} s for a {budget} s budget"
    instance.check_schedule(found.starts)
    assert found.makespan == instance.makespan(found.starts)
    assert found.makespan <= non_delay_rule_schedule(instance, "mwkr").makespan  # the first rule always runs
