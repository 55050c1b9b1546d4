"""Static priority dispatching rules (SPT, LPT, MWKR, LWKR, MOPNR, FIFO) in both decision modes.

A rule scores every job; among the legal jobs the lowest score is dispatched, ties to the lowest
job index. ``"non_delay"`` variants dispatch among the operations that can start at the current
time; ``"active"`` variants are Giffler–Thompson.

The non-delay schedules have a second, event-driven implementation
(:func:`non_delay_rule_schedule`: one priority queue per machine, pure Python, linear-logarithmic in
the operations) that builds the same schedule as the vectorized environment about ten times
faster on large instances (1000×10: about 0.1 s against 1 s); :func:`dispatch_all_rules` uses it.

Example:
    >>> from ormodel.datasets.jssp import taillard_instance
    >>> int(dispatch_with_rule(taillard_instance("ta01"), "spt").makespan)
    1462
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance
from ormodel.learned.dispatching.budget import RunBudget
from ormodel.learned.dispatching.env import DispatchEnvironment

__all__ = [
    "RULES", "Schedule", "dispatch_all_rules", "dispatch_batch_with_rule", "dispatch_with_rule", "non_delay_rule_schedule",
    "rule_scores",
]


def _spt(env: DispatchEnvironment) -> np.ndarray:
    return env.next_duration().astype(float)


def _lpt(env: DispatchEnvironment) -> np.ndarray:
    return -env.next_duration().astype(float)


def _mwkr(env: DispatchEnvironment) -> np.ndarray:
    return -env.job_remaining_work.astype(float)


def _lwkr(env: DispatchEnvironment) -> np.ndarray:
    return env.job_remaining_work.astype(float)


def _mopnr(env: DispatchEnvironment) -> np.ndarray:
    return -env.remaining_operations().astype(float)


def _fifo(env: DispatchEnvironment) -> np.ndarray:
    # The job that has waited longest for its next machine: earliest ready time.
    return env.job_ready.astype(float)


RULES: dict[str, Callable[[DispatchEnvironment], np.ndarray]] = {
    "spt": _spt,
    "lpt": _lpt,
    "mwkr": _mwkr,
    "lwkr": _lwkr,
    "mopnr": _mopnr,
    "fifo": _fifo,
}


@dataclass
class Schedule:
    """A complete schedule: start times ``(jobs, operations)`` and its makespan."""

    starts: np.ndarray
    makespan: int


def rule_scores(env: DispatchEnvironment, rule: str) -> np.ndarray:
    """``(batch, jobs)`` scores of ``rule`` (lower dispatches first)."""
    try:
        return RULES[rule.lower()](env)
    except KeyError:
        raise JobShopError(f"unknown dispatching rule {rule!r}; choose one of {', '.join(RULES)}") from None


def dispatch_batch_with_rule(
    instances: Sequence[JobShopInstance], rule: str, mode: str = "non_delay"
) -> list[Schedule]:
    """Run ``rule`` on same-size instances in one vectorized environment."""
    env = DispatchEnvironment(instances, mode=mode)
    while not env.all_done:
        scores = np.where(env.mask, rule_scores(env, rule), np.inf)
        env.step(scores.argmin(axis=1))
    makespans = env.makespans()
    return [
        Schedule(starts=env.starts[index].copy(), makespan=int(makespans[index])) for index in range(env.batch_size)
    ]


def dispatch_with_rule(instance: JobShopInstance, rule: str, mode: str = "non_delay") -> Schedule:
    """The schedule ``rule`` builds on one instance."""
    return dispatch_batch_with_rule([instance], rule, mode)[0]


def dispatch_all_rules(
    instance: JobShopInstance, mode: str = "non_delay", budget: RunBudget | None = None
) -> dict[str, Schedule] | None:
    """The schedule of every rule on ``instance`` (``None`` when ``budget`` stops the run).

    Non-delay: each rule by :func:`non_delay_rule_schedule`, with ``budget`` checked between rules
    (the rules done by then are returned). Active: all rules stepped in one vectorized environment
    (row ``i`` follows the ``i``-th rule of :data:`RULES`), about the cost of one rule's run;
    ``budget`` may stop it, and then nothing is returned. The schedules equal
    :func:`dispatch_with_rule`'s.
    """
    names = list(RULES)
    if mode == "non_delay":
        found: dict[str, Schedule] = {}
        for number, name in enumerate(names):
            if number and budget is not None and budget.hopeless(number / len(names)):
                break
            found[name] = non_delay_rule_schedule(instance, name)
        return found
    env = DispatchEnvironment([instance] * len(names), mode=mode)
    rows = np.arange(len(names))
    total = max(float(env.total_work.sum()), 1.0)
    while not env.all_done:
        if budget is not None and budget.hopeless(float(env.scheduled_work.sum()) / total):
            return None
        scores = np.stack([RULES[name](env)[row] for row, name in enumerate(names)])
        env.step(np.where(env.mask, scores, np.inf).argmin(axis=1))
    makespans = env.makespans()
    return {name: Schedule(starts=env.starts[row].copy(), makespan=int(makespans[row])) for row, name in zip(rows, names)}


def non_delay_rule_schedule(instance: JobShopInstance, rule: str) -> Schedule:
    """``dispatch_with_rule(instance, rule, "non_delay")``'s schedule, built event by event.

    The non-delay decision time is the earliest start of any job's next operation; at that time
    every machine that can start an operation then starts the one its waiting jobs' rule scores
    rank first (lowest score, then lowest job index). The six rules score a job by its own state
    only, so the machines' choices at one time are independent: machines are taken in order of
    their earliest start from one event heap, and each keeps its waiting jobs in two heaps, not yet
    ready (by ready time) and ready (by score).
    Zero-length operations start as soon as their job is ready and occupy no machine.
    """
    rule = rule.lower()
    if rule not in RULES:
        raise JobShopError(f"unknown dispatching rule {rule!r}; choose one of {', '.join(RULES)}")
    machines = instance.machines.tolist()
    durations = instance.durations.tolist()
    counts = instance.operation_counts.tolist()
    jobs, width = instance.machines.shape
    starts = [[-1] * width for _ in range(jobs)]
    remaining = [sum(row[:count]) for row, count in zip(durations, counts)]
    job_ready = [0] * jobs
    next_operation = [0] * jobs
    machine_ready = [0] * instance.num_machines
    pending: list[list[tuple[int, int]]] = [[] for _ in machine_ready]  # (ready time, job), not yet released
    released: list[list[tuple[int, int]]] = [[] for _ in machine_ready]  # (score, job), ready by the last time seen

    scores: dict[str, Callable[[int], int]] = {
        "spt": lambda job: durations[job][next_operation[job]],
        "lpt": lambda job: -durations[job][next_operation[job]],
        "mwkr": lambda job: -remaining[job],
        "lwkr": lambda job: remaining[job],
        "mopnr": lambda job: next_operation[job] - counts[job],
        "fifo": lambda job: job_ready[job],
    }
    score = scores[rule]

    never = float("inf")

    def earliest(machine: int) -> float:
        """When ``machine`` can next start an operation (infinite with no job waiting for it)."""
        if released[machine]:
            return machine_ready[machine]
        if pending[machine]:
            return max(machine_ready[machine], pending[machine][0][0])
        return never

    events: list[tuple[float, int]] = []  # (earliest start, machine); stale entries are skipped

    def queue(job: int) -> None:
        """Start the job's zero-length operations, then queue it at the machine of its next real one."""
        position, ready, row = next_operation[job], job_ready[job], durations[job]
        while position < counts[job] and row[position] == 0:
            starts[job][position] = ready
            position += 1
        next_operation[job] = position
        if position < counts[job]:
            machine = machines[job][position]
            heapq.heappush(pending[machine], (ready, job))
            heapq.heappush(events, (earliest(machine), machine))

    for job in range(jobs):
        queue(job)
    while events:
        now, machine = heapq.heappop(events)
        if now != earliest(machine):
            continue
        waiting, ready = pending[machine], released[machine]
        while waiting and waiting[0][0] <= now:
            job = heapq.heappop(waiting)[1]
            heapq.heappush(ready, (score(job), job))
        job = heapq.heappop(ready)[1]
        position = next_operation[job]
        duration = durations[job][position]
        starts[job][position] = now
        job_ready[job] = machine_ready[machine] = now + duration
        remaining[job] -= duration
        next_operation[job] = position + 1
        queue(job)
        if ready or waiting:
            heapq.heappush(events, (earliest(machine), machine))
    result = np.array(starts, dtype=np.int64)
    return Schedule(starts=result, makespan=instance.makespan(result))
