"""The time-limited sampling mode: the policy's schedules, the 12 rules' schedules and a local search, in one budget.

Within ``seconds`` of a clock (wall time by default), counted from the call, everything included:

1. with ``rules``: the 6 rules in non-delay form (event-driven, milliseconds each; the first one
   always, the next ones while the slowest so far still fits);
2. unless a rule already reaches the trivial lower bound: the policy's greedy schedule (with
   ``rules`` dropped when it cannot end in time, 1000×10 at 1 s; without them always built);
3. with ``rules``: the 6 rules in Giffler–Thompson form (one vectorized run, dropped as soon as it
   cannot end in time), so the result is never worse than the best rule that fits in the budget;
4. the policy's sampled schedules for a share ``1 - search_share`` of the time left;
5. with ``local_search_on``: tabu search (:func:`~ormodel.learned.dispatching.local_search.local_search`)
   from the best schedule so far for the rest of the budget.

Every run checks the clock as it goes (:class:`~ormodel.learned.dispatching.budget.RunBudget`), so
the call ends within the budget plus about one step of the run in progress; the one exception is
the first schedule (a rule's, or the greedy one without ``rules``), which is always built.

With ``rules=False, local_search_on=False`` this is the policy's pure sampling
(:meth:`~ormodel.learned.dispatching.policy.DispatchPolicy.sample_for`).

Example:
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> from ormodel.learned.dispatching.policy import DispatchPolicy
    >>> found = sample_and_search(DispatchPolicy(), random_jobshop(6, 4, seed=1), seconds=0.2, seed=0)
    >>> found.source in ("greedy", "sampling", "rule", "local search")
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ormodel.datasets.jssp.instance import JobShopInstance
from ormodel.learned.dispatching.budget import RunBudget
from ormodel.learned.dispatching.local_search import local_search
from ormodel.learned.dispatching.policy import DispatchPolicy
from ormodel.learned.dispatching.rules import dispatch_all_rules, non_delay_rule_schedule

__all__ = ["NON_DELAY_ORDER", "PortfolioSchedule", "sample_and_search"]

# The order the non-delay rules run in when the budget may not fit all six: the rules that reach the
# lower bound most often on long instances first (MWKR, MOPNR and FIFO on every generated 1000×10 one).
NON_DELAY_ORDER = ("mwkr", "mopnr", "fifo", "spt", "lwkr", "lpt")


@dataclass
class PortfolioSchedule:
    """The best schedule of the sampling mode and where it came from."""

    starts: np.ndarray
    makespan: int
    source: str  # "greedy", "sampling", "rule" or "local search"
    seconds: float
    samples: int  # sampled schedules (the greedy ones not counted)
    policy_makespan: int | None  # best of the policy's greedy and sampled schedules (None: no policy run ended)
    rule_makespan: int | None  # best of the rules that ran (None without ``rules``)
    search_iterations: int = 0
    all_makespans: list[int] = field(default_factory=list)


def sample_and_search(
    policy: DispatchPolicy,
    instance: JobShopInstance,
    seconds: float,
    seed: int = 0,
    temperature: float = 1.0,
    clock: Callable[[], float] = time.perf_counter,
    rules: bool = True,
    local_search_on: bool = True,
    search_share: float = 0.5,
) -> PortfolioSchedule:
    """The best schedule found within ``seconds`` of ``clock`` (see the module docstring); ties keep the earlier source."""
    began = clock()
    deadline = began + seconds
    bound = instance.lower_bound()
    best_starts, best, source = np.empty(0), np.iinfo(np.int64).max, "rule"
    rule_best = None

    def take(schedules: list[tuple[np.ndarray, int]], label: str) -> None:
        nonlocal best_starts, best, source
        for starts, makespan in schedules:
            if makespan < best:
                best_starts, best, source = starts, makespan, label

    if rules:
        slowest = 0.0
        for number, name in enumerate(NON_DELAY_ORDER):
            if best <= bound or (number and clock() + slowest > deadline):
                break
            started = clock()
            schedule = non_delay_rule_schedule(instance, name)
            slowest = max(slowest, clock() - started)
            take([(schedule.starts, schedule.makespan)], "rule")
    greedy = None
    if best > bound:
        # The policy's greedy schedules before the Giffler–Thompson rules: where not both fit, it is the stronger.
        greedy = policy.solve(instance, clock=clock, hard_limit=max(deadline - clock(), 0.0) if rules else None)
        if not greedy.all_makespans:
            greedy = None
    if rules and best > bound and min(best, greedy.makespan if greedy else best) > bound:
        active = dispatch_all_rules(instance, "active", budget=RunBudget(clock, deadline))
        take([(schedule.starts, schedule.makespan) for schedule in (active or {}).values()], "rule")
    if rules:
        rule_best = int(best)
    samples, policy_best, all_makespans = 0, None, []
    if greedy is not None:
        left = deadline - clock()
        sampling_seconds = max(left * (1.0 - search_share) if local_search_on else left, 0.0)
        sampled = greedy
        if sampling_seconds > 0 and min(best, greedy.makespan) > bound:
            sampled = policy.sample_for(instance, sampling_seconds, seed=seed, temperature=temperature, clock=clock,
                                        hard_limit=max(left, 0.0), start_from=greedy)
        samples, all_makespans, policy_best = sampled.samples, list(sampled.all_makespans), int(sampled.makespan)
        take([(sampled.starts, sampled.makespan)], "sampling" if greedy.makespan > sampled.makespan else "greedy")
    iterations = 0
    left = deadline - clock()
    if local_search_on and left > 0 and best > bound:
        searched = local_search(instance, best_starts, time_limit=left, seed=seed, clock=clock)
        iterations = searched.iterations
        if searched.makespan < best:
            best_starts, best, source = searched.starts, searched.makespan, "local search"
    return PortfolioSchedule(best_starts, int(best), source, clock() - began, samples, policy_best, rule_best,
                             iterations, all_makespans)
