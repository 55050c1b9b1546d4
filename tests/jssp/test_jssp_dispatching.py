"""Dispatching environment, static rules and the CP-SAT model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from ormodel.datasets.jssp import JobShopError, JobShopInstance, random_jobshop, random_jobshop_batch, taillard_instance
from ormodel.learned.dispatching.cpsat import improve_schedule, solve_jobshop_cpsat
from ormodel.learned.dispatching.env import DispatchEnvironment
from ormodel.learned.dispatching.rules import RULES, dispatch_batch_with_rule, dispatch_with_rule

TWO_BY_TWO = JobShopInstance(machines=np.array([[0, 1], [0, 1]]), durations=np.array([[3, 2], [2, 4]]), name="two")


def independent_feasibility(instance: JobShopInstance, starts: np.ndarray) -> bool:
    """A plain-loop check, separate from JobShopInstance.check_schedule."""
    jobs, operations = instance.machines.shape
    for job in range(jobs):
        for operation in range(operations):
            if starts[job, operation] < 0:
                return False
            if (
                operation
                and starts[job, operation] < starts[job, operation - 1] + instance.durations[job, operation - 1]
            ):
                return False
    by_machine: dict[int, list[tuple[int, int]]] = {}
    for job in range(jobs):
        for operation in range(operations):
            begin = int(starts[job, operation])
            by_machine.setdefault(int(instance.machines[job, operation]), []).append(
                (begin, begin + int(instance.durations[job, operation]))
            )
    for intervals in by_machine.values():
        intervals.sort()
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(intervals)):
            return False
    return True


@pytest.mark.parametrize("mode", ["non_delay", "active"])
def test_random_legal_dispatch_gives_feasible_schedules(mode: str) -> None:
    instances = random_jobshop_batch(6, 7, 5, seed=2)
    env = DispatchEnvironment(instances, mode=mode)
    generator = np.random.default_rng(0)
    while not env.all_done:
        assert (env.mask.any(axis=1) == ~env.done).all()
        scores = np.where(env.mask, generator.random(env.mask.shape), -1.0)
        env.step(scores.argmax(axis=1))
    assert (env.starts >= 0).all()
    for index, instance in enumerate(instances):
        assert independent_feasibility(instance, env.starts[index])
        assert env.makespans()[index] == max(
            env.starts[index, job, operation] + instance.durations[job, operation]
            for job in range(7)
            for operation in range(5)
        )


def test_illegal_action_is_rejected() -> None:
    env = DispatchEnvironment([TWO_BY_TWO])
    assert env.mask[0].tolist() == [True, True]
    with pytest.raises(JobShopError, match="not a legal dispatch"):
        env.step(np.array([5]))
    with pytest.raises(JobShopError, match="one size"):
        DispatchEnvironment([random_jobshop(3, 3, seed=0), random_jobshop(4, 3, seed=0)])


def test_rules_on_hand_computed_instance() -> None:
    # SPT: job 1 first on machine 0 [0,2], job 0 [2,5]; machine 1: job 1 [2,6], job 0 [6,8].
    spt = dispatch_with_rule(TWO_BY_TWO, "spt")
    assert spt.makespan == 8
    assert spt.starts.tolist() == [[2, 6], [0, 2]]
    # LPT: job 0 first [0,3]; job 1 [3,5]; machine 1: job 0 [3,5], job 1 [5,9].
    assert dispatch_with_rule(TWO_BY_TWO, "lpt").makespan == 9


def test_non_delay_rules_reproduce_known_taillard_values() -> None:
    # Non-delay rule values on ta01 from the project's anchor measurement (ties to the lowest job).
    instance = taillard_instance("ta01")
    expected = {"spt": 1462, "mwkr": 1491, "mopnr": 1438, "fifo": 1486}
    for rule, makespan in expected.items():
        schedule = dispatch_with_rule(instance, rule)
        assert schedule.makespan == makespan, rule
        assert independent_feasibility(instance, schedule.starts)


def test_active_and_non_delay_differ_and_both_feasible() -> None:
    instance = taillard_instance("ta01")
    active = dispatch_with_rule(instance, "spt", mode="active")
    non_delay = dispatch_with_rule(instance, "spt", mode="non_delay")
    assert active.makespan != non_delay.makespan
    assert independent_feasibility(instance, active.starts)


def test_batched_rules_equal_single_runs() -> None:
    instances = random_jobshop_batch(4, 6, 6, seed=9)
    for rule in RULES:
        batch = dispatch_batch_with_rule(instances, rule)
        assert [schedule.makespan for schedule in batch] == [
            dispatch_with_rule(instance, rule).makespan for instance in instances
        ]
    with pytest.raises(JobShopError, match="unknown dispatching rule"):
        dispatch_with_rule(instances[0], "random")


def test_cpsat_solves_small_instance_to_optimality() -> None:
    solution = solve_jobshop_cpsat(TWO_BY_TWO, time_limit=5, seed=0, workers=1)
    assert solution.status == "optimal" and solution.makespan == 8
    instance = random_jobshop(6, 4, seed=1)
    optimum = solve_jobshop_cpsat(instance, time_limit=10, seed=0, workers=1)
    assert optimum.status == "optimal"
    assert independent_feasibility(instance, optimum.starts)
    assert optimum.makespan == instance.makespan(optimum.starts)
    for rule in RULES:
        assert dispatch_with_rule(instance, rule).makespan >= optimum.makespan


def test_warm_start_is_never_worse_than_the_dispatch_schedule() -> None:
    instance = random_jobshop(10, 6, seed=4)
    schedule = dispatch_with_rule(instance, "lpt")
    improved = improve_schedule(instance, schedule.starts, time_limit=1.0, seed=0, workers=1)
    assert improved.makespan <= schedule.makespan
    assert improved.warm_start_makespan == schedule.makespan
    assert independent_feasibility(instance, improved.starts)
    with pytest.raises(JobShopError):
        improve_schedule(instance, np.zeros_like(schedule.starts), time_limit=1.0)


def test_cpsat_deterministic_with_one_worker() -> None:
    instance = random_jobshop(8, 8, seed=6)
    first = solve_jobshop_cpsat(instance, time_limit=None, workers=1, deterministic_time=0.2, seed=3)
    second = solve_jobshop_cpsat(instance, time_limit=None, workers=1, deterministic_time=0.2, seed=3)
    assert np.array_equal(first.starts, second.starts)


def general_feasibility(instance: JobShopInstance, starts: np.ndarray) -> bool:
    """A plain-loop check of the general shape: ragged jobs, zero-length operations occupy no machine."""
    by_machine: dict[int, list[tuple[int, int]]] = {}
    for job, route in enumerate(instance.routes()):
        ready = 0
        for operation, (machine, duration) in enumerate(route):
            begin = int(starts[job, operation])
            if begin < ready:
                return False
            ready = begin + duration
            if duration:
                by_machine.setdefault(machine, []).append((begin, begin + duration))
    return all(
        later[0] >= earlier[1]
        for intervals in by_machine.values()
        for earlier, later in itertools.pairwise(sorted(intervals))
    )


@pytest.mark.parametrize("mode", ["non_delay", "active"])
def test_general_shape_dispatch_rules_and_cpsat_are_feasible(mode: str) -> None:
    from ormodel.datasets.jssp import general_jobshop

    instances = [general_jobshop(9, 4, seed=seed, zero_fraction=0.25) for seed in range(4)]
    widest = max(instance.num_operations for instance in instances)
    # Pad every instance to one width so they share a batch.
    padded = [
        JobShopInstance(
            np.pad(instance.machines, ((0, 0), (0, widest - instance.num_operations))),
            np.pad(instance.durations, ((0, 0), (0, widest - instance.num_operations))),
            num_machines_declared=4, operation_counts=instance.operation_counts,
        )
        for instance in instances
    ]
    env = DispatchEnvironment(padded, mode=mode)
    generator = np.random.default_rng(1)
    while not env.all_done:
        env.step(np.where(env.mask, generator.random(env.mask.shape), -1.0).argmax(axis=1))
    for index, instance in enumerate(padded):
        starts = env.starts[index]
        assert general_feasibility(instance, starts) and (starts[~instance.valid] == -1).all()
        instance.check_schedule(starts)
        assert env.makespans()[index] == instance.makespan(starts)
    for rule in RULES:
        schedule = dispatch_with_rule(padded[0], rule, mode)
        assert general_feasibility(padded[0], schedule.starts)
    optimum = solve_jobshop_cpsat(padded[0], time_limit=10, seed=0, workers=1)
    assert optimum.status == "optimal" and general_feasibility(padded[0], optimum.starts)
    assert optimum.makespan <= min(dispatch_with_rule(padded[0], rule, mode).makespan for rule in RULES)


def test_zero_length_operation_starts_without_waiting_for_its_machine() -> None:
    instance = JobShopInstance.from_routes([[(0, 10)], [(1, 2), (0, 0), (1, 3)]])
    schedule = dispatch_with_rule(instance, "spt")
    assert schedule.starts.tolist() == [[0, -1, -1], [0, 2, 2]]
    assert schedule.makespan == 10
