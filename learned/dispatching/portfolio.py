"""The time-limited sampling mode: the policy's schedules, the 12 rules' schedules and a local search, in one budget.

Within ``seconds`` of a clock (wall time by default), counted from the call, everything included:

1. with ``rules``: the 6 rules in non-delay form (event-driven, milliseconds each; the first one
   always, the next ones while the last one's time still fits), then the 6 in Giffler–Thompson
   form (one vectorized run, dropped as soon as it cannot end in time), so the result is never
   worse than the best rule that fits in the budget (all 12 at the sizes measured up to 100×20);
2. unless a rule already reaches the trivial lower bound: the policy's greedy schedule and sampled
   schedules for a share ``1 - search_share`` of the time left; with ``rules`` the greedy run
   itself is dropped when it cannot end in time (1000×10 at 1 s), without them it is always built;
3. with ``local_search_on``: tabu search (:func:`~ormodel.learned.dispatching.local_search.local_search`)
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
    if rules:
        slowest = 0.0
        for number, name in enumerate(NON_DELAY_ORDER):
            if best <= bound or (number and clock() + slowest > deadline):
                break
            started = clock()
            schedule = non_delay_rule_schedule(instance, name)
            slowest = max(slowest, clock() - started)
            if schedule.makespan < best:
                best_starts, best = schedule.starts, schedule.makespan
        active = dispatch_all_rules(instance, "active", budget=RunBudget(clock, deadline)) if best > bound else None
        for schedule in (active or {}).values():
            if schedule.makespan < best:
                best_starts, best = schedule.starts, schedule.makespan
        rule_best = int(best)
    samples, policy_best, all_makespans = 0, None, []
    if best > bound:
        left = deadline - clock()
        sampling_seconds = max(left * (1.0 - search_share) if local_search_on else left, 0.0)
        sampled = policy.sample_for(instance, sampling_seconds, seed=seed, temperature=temperature, clock=clock,
                                    hard_limit=max(left, 0.0) if rules else None)
        samples, all_makespans = sampled.samples, list(sampled.all_makespans)
        if all_makespans:
            policy_best = int(sampled.makespan)
            greedy_best = min(all_makespans[: len(all_makespans) - samples] or [policy_best])
            if sampled.makespan < best:
                best_starts, best = sampled.starts, sampled.makespan
                source = "sampling" if greedy_best > sampled.makespan else "greedy"
    iterations = 0
    left = deadline - clock()
    if local_search_on and left > 0 and best > bound:
        searched = local_search(instance, best_starts, time_limit=left, seed=seed, clock=clock)
        iterations = searched.iterations
        if searched.makespan < best:
            best_starts, best, source = searched.starts, searched.makespan, "local search"
    return PortfolioSchedule(best_starts, int(best), source, clock() - began, samples, policy_best, rule_best,
                             iterations, all_makespans)
