"""What every two-stage robust method returns: a first-stage decision with its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RobustSolution"]


@dataclass
class RobustSolution:
    """A first-stage decision found by a robust method.

    Attributes:
        method: ``ccg``, ``neur2ro``, ``nominal``, ...
        x: the first-stage decision (0/1 array).
        estimate: the method's own value of ``x`` (CCG: its best exact worst case; Neur2RO: the
            main problem's objective; baselines: the nominal objective).
        bound: a lower bound on the robust optimum where the method proves one (CCG), else ``None``.
        status: why the method stopped (``optimal``, ``gap``, ``repeated_scenario``,
            ``iteration_limit``, ``time_limit``, ``nominal``).
        scenarios: the scenarios the method collected.
        iterations: main-problem solves.
        solve_time: wall-clock seconds.
        history: one dict per iteration (times, values, gaps).
        notes: where the decision came from and what limited it (Neur2RO: ``fallback``
            ``"nominal"`` when no main problem returned a decision in time, ``stopped_at_limit``,
            ``limit_seconds``); empty for methods that record nothing.
    """

    method: str
    x: np.ndarray
    estimate: float
    bound: float | None = None
    status: str = ""
    scenarios: list[np.ndarray] = field(default_factory=list)
    iterations: int = 0
    solve_time: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
