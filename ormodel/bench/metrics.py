"""Benchmark metrics: shifted geometric mean, primal gap, primal integral, performance ratios, accuracy.

Definitions (stated so that tables can be quoted):

* **Shifted geometric mean** of values ``t_i`` with shift ``s``: ``exp(mean(log(t_i + s))) - s``.
  Time uses ``s = 1`` second (Gasse et al. 2019, Achterberg 2007); unsolved runs count at the
  time limit.
* **Primal gap** (Berthold 2013, "Measuring the impact of primal heuristics"), of an objective
  value ``v`` against a reference (best-known) value ``r``: ``0`` when ``|v| = |r| = 0``; ``1`` when
  ``v * r < 0`` or there is no value; otherwise ``|v - r| / max(|v|, |r|)``. It lies in ``[0, 1]``
  for either objective sense.
* **Relative primal gap** (the Balans papers, see MIP_ANCHORS.md): ``|v - r| / max(|r|, eps)``,
  unbounded above, ``inf`` without a value.
* **Primal integral** (Berthold 2013): ``P(T) = ∫_0^T γ(t) dt`` where ``γ(t)`` is the primal gap of
  the incumbent at time ``t`` (``1`` before the first incumbent), a step function. Reported in
  seconds and normalised as ``P(T) / T`` (in ``[0, 1]``, lower is better).
* **Accuracy under a tolerance** (NL suites): a predicted objective ``p`` matches the answer
  ``a`` when ``|p - a| <= atol + rtol * max(1, |a|)`` — the one rule of :mod:`ormodel.answers`,
  shared with ``ormodel bench nl``.

Example:
    >>> round(shifted_geometric_mean([1.0, 3.0], shift=1.0), 6)
    1.828427
    >>> primal_gap(110.0, 100.0)
    0.09090909090909091
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ormodel.answers import AnswerTolerance

ArrayLike = Sequence[float] | np.ndarray

__all__ = [
    "accuracy",
    "better",
    "execution_rate",
    "gap_at",
    "gap_curve",
    "matches_answer",
    "performance_profile",
    "performance_ratios",
    "primal_gap",
    "primal_integral",
    "relative_primal_gap",
    "shifted_geometric_mean",
]

ZERO_TOLERANCE = 1e-9


def shifted_geometric_mean(values: Iterable[float], shift: float = 1.0) -> float:
    """``exp(mean(log(v + shift))) - shift``; ``nan`` for no values; raises on ``v + shift <= 0``."""
    array = np.asarray(list(values), dtype=np.float64)
    if array.size == 0:
        return math.nan
    shifted = array + shift
    if not np.all(np.isfinite(shifted)) or np.any(shifted <= 0):
        raise ValueError(f"shifted geometric mean needs finite values above {-shift} (shift {shift}); got {array.tolist()}")
    return float(np.exp(np.mean(np.log(shifted))) - shift)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def primal_gap(value: float | None, reference: float | None, tolerance: float = ZERO_TOLERANCE) -> float:
    """Berthold's primal gap in ``[0, 1]`` of ``value`` against ``reference``; ``1`` without a value.

    Without a reference the gap is undefined and ``nan`` is returned.
    """
    if not _finite(reference):
        return math.nan
    if not _finite(value):
        return 1.0
    assert value is not None and reference is not None
    if abs(value) <= tolerance and abs(reference) <= tolerance:
        return 0.0
    if value * reference < 0:
        return 1.0
    difference = abs(value - reference)
    if difference <= tolerance:
        return 0.0
    return difference / max(abs(value), abs(reference))


def relative_primal_gap(value: float | None, reference: float | None, epsilon: float = 1e-10) -> float:
    """``|value - reference| / max(|reference|, epsilon)``; ``inf`` without a value, ``nan`` without a reference."""
    if not _finite(reference):
        return math.nan
    if not _finite(value):
        return math.inf
    assert value is not None and reference is not None
    return abs(value - reference) / max(abs(reference), epsilon)


def better(first: float, second: float, sense: str) -> bool:
    """True when ``first`` is strictly better than ``second`` under ``sense`` ("minimize"/"maximize")."""
    return first > second if sense == "maximize" else first < second


def _incumbent_steps(
    trace: Sequence[Sequence[float]], sense: str, final: tuple[float, float] | None
) -> list[tuple[float, float]]:
    """Sorted (time, incumbent) steps that only ever improve; ``final`` (time, objective) is merged in."""
    points = sorted((float(time), float(objective)) for time, objective in trace if _finite(objective))
    if final is not None and _finite(final[1]):
        points.append((float(final[0]), float(final[1])))
        points.sort()
    steps: list[tuple[float, float]] = []
    for time, objective in points:
        if not steps or better(objective, steps[-1][1], sense):
            steps.append((max(time, 0.0), objective))
    return steps


def gap_curve(
    trace: Sequence[Sequence[float]],
    reference: float | None,
    horizon: float,
    sense: str = "minimize",
    final: tuple[float, float] | None = None,
) -> list[tuple[float, float]]:
    """The primal-gap step function as breakpoints ``[(t0, gap0), (t1, gap1), ...]`` from ``t = 0`` to ``horizon``.

    Each gap holds from its time until the next breakpoint; the last one holds until ``horizon``.
    ``trace`` lists (seconds, objective) of incumbents; ``final`` is the run's (time, final objective),
    merged in because a trace parsed from a log can miss the last improvement.
    """
    curve: list[tuple[float, float]] = [(0.0, 1.0)]
    for time, objective in _incumbent_steps(trace, sense, final):
        if time >= horizon:
            break
        gap = primal_gap(objective, reference)
        if time <= curve[-1][0]:
            curve[-1] = (curve[-1][0], gap)
        else:
            curve.append((time, gap))
    return curve


def primal_integral(
    trace: Sequence[Sequence[float]],
    reference: float | None,
    horizon: float,
    sense: str = "minimize",
    final: tuple[float, float] | None = None,
    normalize: bool = False,
) -> float:
    """Berthold's primal integral ``∫_0^horizon γ(t) dt`` of a step incumbent trace (seconds; ``/horizon`` when normalised)."""
    if horizon <= 0:
        raise ValueError(f"the primal integral needs a positive horizon, got {horizon}")
    if not _finite(reference):
        return math.nan
    curve = gap_curve(trace, reference, horizon, sense, final)
    total = 0.0
    for index, (start, gap) in enumerate(curve):
        end = curve[index + 1][0] if index + 1 < len(curve) else horizon
        total += gap * (end - start)
    return total / horizon if normalize else total


def gap_at(curve: Sequence[tuple[float, float]], time: float) -> float:
    """The value of a :func:`gap_curve` step function at ``time``."""
    value = 1.0
    for start, gap in curve:
        if start > time:
            break
        value = gap
    return value


def performance_ratios(times: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    """Per method, ``time / best time`` per problem (``inf`` where the method did not solve: pass ``inf``).

    ``times`` maps method → times over the same ordered problems; problems no method solved get ``inf``.
    """
    methods = list(times)
    matrix = np.array([np.asarray(times[method], dtype=np.float64) for method in methods])
    if matrix.size == 0:
        return {method: np.zeros(0) for method in methods}
    best = np.min(matrix, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(np.isfinite(best) & (best > 0), matrix / np.where(best > 0, best, 1.0), np.inf)
        ratios = np.where(np.isfinite(matrix) & (best == 0), np.where(matrix == 0, 1.0, np.inf), ratios)
    return {method: ratios[position] for position, method in enumerate(methods)}


def performance_profile(ratios: ArrayLike, taus: ArrayLike) -> np.ndarray:
    """Dolan–Moré profile: fraction of problems with ratio ``<= tau`` for each ``tau``."""
    array = np.asarray(ratios, dtype=np.float64)
    if array.size == 0:
        return np.zeros(len(taus))
    return np.array([float(np.mean(array <= tau)) for tau in taus])


def matches_answer(predicted: float | None, answer: float, absolute: float | None = None, relative: float | None = None) -> bool:
    """True when ``|predicted - answer| <= absolute + relative * max(1, |answer|)`` (:data:`ormodel.answers.ANSWER_RULE`)."""
    return AnswerTolerance("stated", absolute or 0.0, relative or 0.0).accepts(predicted, answer)


def accuracy(pairs: Iterable[tuple[float | None, float]], absolute: float | None = None, relative: float | None = None) -> float:
    """Fraction of (predicted, answer) pairs that match under the stated tolerance; ``nan`` for none."""
    items = list(pairs)
    if not items:
        return math.nan
    return sum(matches_answer(predicted, answer, absolute, relative) for predicted, answer in items) / len(items)


def execution_rate(statuses: Iterable[str], failed: Sequence[str] = ("error", "crashed", "timeout", "memory_limit")) -> float:
    """Fraction of runs that produced a result (did not fail with an error, crash, timeout or memory kill)."""
    items = list(statuses)
    if not items:
        return math.nan
    return sum(status not in failed for status in items) / len(items)
