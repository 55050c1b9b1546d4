"""The time-limited sampling mode: the policy's schedules, the 12 rules' schedules and a local search, in one budget.

Within ``seconds`` of a clock, counted from the call:

1. with ``rules``: the 12 static rules (6 rules in non-delay and Giffler–Thompson form, each
   form in one vectorized run), so the result is never worse than the best rule;
2. the policy's greedy schedule (always built, even when the budget is already spent) and
   sampled schedules for a share ``1 - search_share`` of the time left (none when a rule already
   reaches the trivial lower bound);
3. with ``local_search_on``: tabu search (:func:`~ormodel.learned.dispatching.local_search.local_search`)
   from the best schedule so far for the rest of the budget.

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
from ormodel.learned.dispatching.local_search import local_search
from ormodel.learned.dispatching.policy import DispatchPolicy
from ormodel.learned.dispatching.rules import dispatch_all_rules

__all__ = ["PortfolioSchedule", "sample_and_search"]


@dataclass
class PortfolioSchedule:
    """The best schedule of the sampling mode and where it came from."""

    starts: np.ndarray
    makespan: int
    source: str  # "greedy", "sampling", "rule" or "local search"
    seconds: float
    samples: int  # sampled schedules (the greedy ones not counted)
    policy_makespan: int  # best of the policy's greedy and sampled schedules
    rule_makespan: int | None  # best of the 12 rules (None without ``rules``)
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
    best_starts, best, source = np.empty(0), np.iinfo(np.int64).max, "rule"
    rule_best = None
    if rules:
        for mode in ("non_delay", "active"):
            for schedule in dispatch_all_rules(instance, mode).values():
                if schedule.makespan < best:
                    best_starts, best = schedule.starts, schedule.makespan
        rule_best = int(best)
    left = seconds - (clock() - began)
    sampling_seconds = left * (1.0 - search_share) if local_search_on else left
    # The greedy schedule is always built; sampling only while time is left and the bound is not reached.
    if rule_best is not None and rule_best <= instance.lower_bound():
        sampling_seconds = 0.0
    sampled = policy.sample_for(instance, max(sampling_seconds, 0.0), seed=seed, temperature=temperature, clock=clock)
    greedy_count = len(policy.modes_for(instance))
    samples = max(len(sampled.all_makespans) - greedy_count, 0)
    if sampled.makespan < best:
        best_starts, best = sampled.starts, sampled.makespan
        source = "sampling" if samples and min(sampled.all_makespans[:greedy_count]) > sampled.makespan else "greedy"
    iterations = 0
    left = seconds - (clock() - began)
    if local_search_on and left > 0 and best > instance.lower_bound():
        searched = local_search(instance, best_starts, time_limit=left, seed=seed, clock=clock)
        iterations = searched.iterations
        if searched.makespan < best:
            best_starts, best, source = searched.starts, searched.makespan, "local search"
    return PortfolioSchedule(best_starts, int(best), source, clock() - began, samples, int(sampled.makespan), rule_best,
                             iterations, list(sampled.all_makespans))
