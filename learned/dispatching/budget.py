"""A deadline for one dispatching run: stop it as soon as it cannot finish in time.

A run (a rule batch, a greedy or sampled policy run) reports its progress, the fraction of the
work scheduled; :meth:`RunBudget.hopeless` says stop when the deadline has passed, or when the
run's pace so far (seconds per fraction done) puts its end past the deadline. Dispatching costs
about the same per operation from start to end, so a run that would overrun is dropped after a
tenth of its time instead of at the deadline. The pace is only trusted once the run has had a
tenth of its time (a pause of the process early on would otherwise stop runs that fit).

Example:
    >>> budget = RunBudget(clock=lambda: 0.0, deadline=None)
    >>> budget.hopeless(0.5)
    False
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["RunBudget"]

MIN_FRACTION = 0.02  # pace measured over at least this share of the work
MIN_SECONDS = 0.005  # and at least this long, so that start-up costs do not mislead it
MIN_SHARE = 0.1  # and for at least this share of the time the run had at its start


class RunBudget:
    """Stop rule of one run that must end by ``deadline`` (a ``clock`` reading; ``None``: never stop)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter, deadline: float | None = None) -> None:
        self.clock = clock
        self.deadline = deadline
        self.began = clock()

    def hopeless(self, fraction: float) -> bool:
        """True when the run, ``fraction`` done, is past the deadline or will not reach its end by it."""
        if self.deadline is None:
            return False
        now = self.clock()
        if now >= self.deadline:
            return True
        spent = now - self.began
        measured = spent >= max(MIN_SECONDS, MIN_SHARE * (self.deadline - self.began))
        return fraction >= MIN_FRACTION and measured and self.began + spent / fraction > self.deadline
