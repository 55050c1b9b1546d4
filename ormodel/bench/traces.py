"""Incumbent traces: when each improving solution was found, for primal-gap curves and primal integrals.

A trace is a list of ``[seconds, objective]`` pairs, in the model's own objective sense. A method
may provide one itself as ``Result.extra["trace"]`` (learned methods that track their incumbents
should). For backends that do not, the runner reconstructs it from the solver log
(``Result.log``):

* **HiGHS**: the MIP progress table. A row whose first column (``Src``) holds a letter reports a
  new incumbent (``BestSol`` column) found at the ``Time`` column (HiGHS prints it with 0.1 s
  resolution).
* **SCIP**: the display table. A row whose first character is a heuristic letter (before the
  time column) reports a new incumbent (``primalbound`` column).

Example:
    >>> log = (" Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters     Time\\n"
    ...        " J       0       0         0   0.00%   -inf            25470              Large        0      0      0         0     0.1s\\n")
    >>> highs_trace(log)
    [[0.1, 25470.0]]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

__all__ = ["highs_trace", "register_trace_parser", "scip_trace", "trace_from_log"]

_HIGHS_ROW = re.compile(
    r"^\s?(?P<source>[A-Za-z])\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+(?P<bound>\S+)\s+(?P<best>\S+)\s+.*?(?P<time>[\d.]+)s\s*$"
)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def highs_trace(log: str) -> list[list[float]]:
    """Incumbents ``[seconds, objective]`` from a HiGHS MIP log (empty for LPs or logs without the table)."""
    trace: list[list[float]] = []
    for line in log.splitlines():
        match = _HIGHS_ROW.match(line)
        if not match:
            continue
        objective = _float(match.group("best"))
        if math.isfinite(objective):
            trace.append([_float(match.group("time")), objective])
    return trace


def scip_trace(log: str) -> list[list[float]]:
    """Incumbents ``[seconds, objective]`` from a SCIP log's display table."""
    trace: list[list[float]] = []
    columns: list[str] | None = None
    for line in log.splitlines():
        if "primalbound" in line and "|" in line:
            columns = [part.strip() for part in line.split("|")]
            continue
        if columns is None or "|" not in line or not line or line[0] in " |":
            continue
        fields = [part.strip() for part in line.split("|")]
        if len(fields) != len(columns):
            continue
        try:
            time_field = fields[columns.index("time")]
            primal_field = fields[columns.index("primalbound")]
        except ValueError:
            continue
        time_match = re.search(r"([\d.]+)s$", time_field)
        seconds = _float(time_match.group(1)) if time_match else math.nan
        objective = _float(primal_field)
        if math.isfinite(seconds) and math.isfinite(objective):
            trace.append([seconds, objective])
    return trace


_PARSERS: dict[str, Callable[[str], list[list[float]]]] = {"highs": highs_trace, "scip": scip_trace}


def register_trace_parser(solver: str, parser: Callable[[str], list[list[float]]]) -> None:
    """Use ``parser(log)`` to rebuild incumbent traces of results whose ``solver`` is ``solver``."""
    _PARSERS[solver] = parser


def trace_from_log(solver: str, log: Any) -> list[list[float]] | None:
    """The incumbent trace of a solver log, or ``None`` when no parser knows the solver or the log is empty."""
    parser = _PARSERS.get((solver or "").lower())
    if parser is None or not isinstance(log, str) or not log:
        return None
    return parser(log)
