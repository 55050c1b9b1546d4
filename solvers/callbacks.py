"""Incumbent traces from the solvers' own events: when each improving solution was found, to the microsecond.

* **HiGHS**: the MIP improving-solution callback (``kCallbackMipImprovingSolution`` through
  highspy's ``cbMipImprovingSolution``); the objective is recomputed from the callback's point
  with the standard form, so it is in the model's own sense, offset included.
* **SCIP**: an event handler catching ``BESTSOLFOUND``; the objective is SCIP's value of the new
  best solution in the original problem.
* **CP-SAT**: a solution callback in the worker process (its ``objective_value`` divided by the
  integral scale of the objective, plus the form's offset); times come from ``time.monotonic()``,
  the system-wide clock the caller's origin is taken from.

Times are ``time.perf_counter()`` seconds since ``origin`` (the caller's start of the solve), so
a primal integral computed from the trace uses the same clock as the run's time. The backends
attach these in ``solve`` and put the trace in ``Result.extra["trace"]``.

Example:
    >>> trace = IncumbentTrace(origin=0.0, sense="minimize")
    >>> trace.record(10.0, at=1.5); trace.record(12.0, at=2.0); trace.record(7.0, at=3.25)
    >>> trace.points
    [[1.5, 10.0], [3.25, 7.0]]
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["IncumbentTrace", "cpsat_solution_callback", "trace_highs", "trace_scip"]

_HANDLER_NAMES = itertools.count()


class IncumbentTrace:
    """``[seconds, objective]`` of each strictly improving solution, in the order found."""

    def __init__(self, origin: float, sense: str = "minimize") -> None:
        self.origin = origin
        self.maximize = sense in ("maximize", "max")
        self.points: list[list[float]] = []

    def record(self, objective: float, at: float | None = None) -> None:
        """Add an incumbent found now (or ``at`` seconds after the origin) unless it does not improve."""
        if not math.isfinite(objective):
            return
        if self.points:
            best = self.points[-1][1]
            if (objective <= best) if self.maximize else (objective >= best):
                return
        seconds = time.perf_counter() - self.origin if at is None else at
        self.points.append([max(float(seconds), 0.0), float(objective)])


def trace_highs(highs: Any, origin: float, sense: str, objective: Callable[[np.ndarray], float],
                on_improvement: Callable[[float, np.ndarray], None] | None = None) -> IncumbentTrace:
    """Record every MIP improving solution of ``highs`` (a ``highspy.Highs``) from now on.

    ``on_improvement(seconds, values)`` hears each solution that entered the trace (HiGHS's whole
    solution vector, internal columns included).
    """
    trace = IncumbentTrace(origin, sense)

    def improving_solution(event: Any) -> None:
        values = np.asarray(event.data_out.mip_solution, dtype=np.float64)
        count = len(trace.points)
        trace.record(float(objective(values)))
        if on_improvement is not None and len(trace.points) > count:
            on_improvement(trace.points[-1][0], values)

    highs.cbMipImprovingSolution.subscribe(improving_solution)
    return trace


def trace_scip(model: Any, origin: float, sense: str | None = None,
               on_improvement: Callable[[float], None] | None = None) -> IncumbentTrace | None:
    """Record every new best solution of a ``pyscipopt.Model`` (call before ``optimize``).

    ``on_improvement(seconds)`` is called (inside SCIP's event) for each solution that entered the trace.

    ``None`` when SCIP no longer accepts plugins (a model solved before and not freed): SCIP
    includes event handlers only while the problem is being set up.
    """
    import pyscipopt

    if model.getStage() not in (pyscipopt.SCIP_STAGE.INIT, pyscipopt.SCIP_STAGE.PROBLEM):
        return None
    trace = IncumbentTrace(origin, sense or model.getObjectiveSense())

    class BestSolutionEvents(pyscipopt.Eventhdlr):  # type: ignore[misc]
        def eventinit(self) -> None:
            self.model.catchEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexit(self) -> None:
            self.model.dropEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexec(self, event: Any) -> None:
            count = len(trace.points)
            trace.record(float(self.model.getSolObjVal(self.model.getBestSol())))
            if on_improvement is not None and len(trace.points) > count:
                on_improvement(trace.points[-1][0])

    model.includeEventhdlr(BestSolutionEvents(), f"ormodel-incumbents-{next(_HANDLER_NAMES)}",
                           "records the time of every new best solution")
    return trace


def cpsat_solution_callback(origin: float, sense: str, objective_scale: float = 1.0, objective_offset: float = 0.0,
                            solution_limit: int | None = None) -> Any:
    """A CP-SAT solution callback that records each improving solution in ``.trace`` and, with
    ``solution_limit``, stops the search after that many solutions (``.stopped`` says it did).

    ``origin`` is a ``time.monotonic()`` reading (it may come from another process).
    """
    from ormodel.solvers.native import import_cp_model

    cp_model: Any = import_cp_model()
    trace = IncumbentTrace(origin, sense)

    class Callback(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.trace = trace
            self.count = 0
            self.stopped = False

        def on_solution_callback(self) -> None:
            trace.record(self.objective_value / objective_scale + objective_offset, at=time.monotonic() - origin)
            self.count += 1
            if solution_limit and self.count >= solution_limit:
                self.stopped = True
                self.stop_search()

    return Callback()
