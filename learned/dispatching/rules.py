"""Static priority dispatching rules (SPT, LPT, MWKR, LWKR, MOPNR, FIFO) in both decision modes.

A rule scores every job; among the legal jobs the lowest score is dispatched, ties to the lowest
job index. ``"non_delay"`` variants dispatch among the operations that can start at the current
time; ``"active"`` variants are Giffler–Thompson.

Example:
    >>> from ormodel.datasets.jssp import taillard_instance
    >>> int(dispatch_with_rule(taillard_instance("ta01"), "spt").makespan)
    1462
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance
from ormodel.learned.dispatching.env import DispatchEnvironment

__all__ = ["RULES", "Schedule", "dispatch_all_rules", "dispatch_batch_with_rule", "dispatch_with_rule", "rule_scores"]


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


def dispatch_all_rules(instance: JobShopInstance, mode: str = "non_delay") -> dict[str, Schedule]:
    """The schedule of every rule on ``instance``, all rules stepped in one vectorized environment.

    Row ``i`` of the batch follows the ``i``-th rule of :data:`RULES`; the schedules equal
    :func:`dispatch_with_rule`'s, at about the cost of one rule's run.
    """
    names = list(RULES)
    env = DispatchEnvironment([instance] * len(names), mode=mode)
    rows = np.arange(len(names))
    while not env.all_done:
        scores = np.stack([RULES[name](env)[row] for row, name in enumerate(names)])
        env.step(np.where(env.mask, scores, np.inf).argmin(axis=1))
    makespans = env.makespans()
    return {name: Schedule(starts=env.starts[row].copy(), makespan=int(makespans[row])) for row, name in zip(rows, names)}
