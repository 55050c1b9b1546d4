"""Incumbent traces: when each improving solution was found, for primal-gap curves and primal integrals.

A trace is a list of ``[seconds, objective]`` pairs, in the model's own objective sense. Methods
provide it as ``Result.extra["trace"]``: the HiGHS and SCIP backends record it from the solvers'
own events (HiGHS's MIP improving-solution callback, SCIP's best-solution event; see
``ormodel.solvers.callbacks``), to the microsecond, and learned methods track their incumbents.
For a backend without such events, :func:`register_trace_parser` can rebuild the trace from its
log (``Result.log``); none is registered by default.

Example:
    >>> register_trace_parser("toy", lambda log: [[float(time), float(value)] for time, value in
    ...                                           (line.split() for line in log.splitlines())])
    >>> trace_from_log("toy", "0.5 12\\n1.25 10")
    [[0.5, 12.0], [1.25, 10.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register_trace_parser", "trace_from_log"]

_PARSERS: dict[str, Callable[[str], list[list[float]]]] = {}


def register_trace_parser(solver: str, parser: Callable[[str], list[list[float]]]) -> None:
    """Use ``parser(log)`` to rebuild incumbent traces of results whose ``solver`` is ``solver`` and that carry none."""
    _PARSERS[solver] = parser


def trace_from_log(solver: str, log: Any) -> list[list[float]] | None:
    """The incumbent trace of a solver log, or ``None`` when no parser knows the solver or the log is empty."""
    parser = _PARSERS.get((solver or "").lower())
    if parser is None or not isinstance(log, str) or not log:
        return None
    return parser(log)
