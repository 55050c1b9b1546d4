"""A deadline for one dispatching run: stop it as soon as it cannot finish in time.

A run (a rule batch, a greedy or sampled policy run) reports its progress, the fraction of the
work scheduled; :meth:`RunBudget.hopeless` says stop when the deadline has passed, or when the
run's pace so far (seconds per fraction done) puts its end well past the deadline, so that a run
that cannot fit is dropped early instead of at the deadline. The early pace is pessimistic (the
first decisions have the most candidates: a greedy run on ta75 had done 17 % of its work after
20 % of its time, a 1000×10 one 13 %; projections 1.15 and 1.6 times the real end), so the pace is
only trusted after a fifth of the time the run had, and a run is dropped early only when its
projected end is more than half that time past the deadline; the deadline itself always stops it.

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
MIN_SHARE = 0.2  # and for at least this share of the time the run had at its start
OVERRUN = 0.5  # dropped early only when projected to end this share of its time past the deadline


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
        spent, allowed = now - self.began, self.deadline - self.began
        measured = spent >= max(MIN_SECONDS, MIN_SHARE * allowed)
        return fraction >= MIN_FRACTION and measured and spent / fraction > (1.0 + OVERRUN) * allowed
