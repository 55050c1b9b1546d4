"""Initial points for Balans without a solver call: trivial points and greedy one-opt shifting.

* :func:`trivial_solution`: SCIP's *trivial* heuristic — the best feasible point among all-zero,
  all-lower, all-upper and objective-preferred bounds.
* :func:`one_opt_shift`: SCIP's *oneopt* idea applied greedily from a feasible point — visit the
  columns in order of objective gain per unit of (normalised) row usage and move each one as far
  in its improving direction as its bounds and the rows' slacks allow. Every move keeps the point
  feasible, so the walk can stop at any column (deadline) and still return a feasible point. From
  the all-zero point this builds a greedy maximal independent set or knapsack filling; from the
  all-ones point it drops redundant columns of a cover.

Both cost one sparse product plus, for the shift, one short pass per column with a nonzero
objective — far less than an LP relaxation on large models.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ormodel.standard_form import Sense, StandardForm

__all__ = ["FEASIBILITY_TOLERANCE", "is_feasible", "one_opt_shift", "trivial_solution"]

FEASIBILITY_TOLERANCE = 1e-6
_DEADLINE_CHECK_EVERY = 256


def is_feasible(form: StandardForm, values: np.ndarray, tolerance: float = FEASIBILITY_TOLERANCE) -> bool:
    """Whether a point satisfies rows, bounds and integrality within ``tolerance`` (rows scaled by activity)."""
    activity = form.matrix @ values if form.num_rows else np.zeros(0)
    violation = form.violations(values, activity)
    scale = 1.0 + float(np.max(np.abs(activity), initial=0.0)) * 1e-9
    return violation["row"] <= tolerance * scale and violation["bound"] <= tolerance and violation["integrality"] <= tolerance


def _minimised_costs(form: StandardForm) -> np.ndarray:
    sign = -1.0 if form.sense == Sense.MAXIMIZE else 1.0
    return sign * np.asarray(form.objective, dtype=np.float64)


def trivial_solution(form: StandardForm) -> np.ndarray | None:
    """The best feasible point among SCIP-style trivial candidates (zero, lower, upper, objective-preferred bounds).

    Each candidate is checked with one sparse product, so this costs milliseconds even on large models.
    """
    lower = np.where(np.isfinite(form.column_lower), form.column_lower, np.nan)
    upper = np.where(np.isfinite(form.column_upper), form.column_upper, np.nan)
    zero = np.clip(0.0, form.column_lower, form.column_upper)
    costs = _minimised_costs(form)
    preferred = np.where(costs > 0, lower, upper)
    candidates = [zero, np.where(np.isnan(lower), zero, lower), np.where(np.isnan(upper), zero, upper),
                  np.where(np.isnan(preferred), zero, preferred)]
    best: np.ndarray | None = None
    best_value = math.inf
    for candidate in candidates:
        candidate = np.where(form.integrality, np.round(candidate), candidate)
        if not np.all(np.isfinite(candidate)) or not is_feasible(form, candidate):
            continue
        value = float(costs @ candidate)
        if value < best_value:
            best, best_value = candidate, value
    return best


def _shift_order(form: StandardForm, costs: np.ndarray) -> np.ndarray:
    """Columns with a nonzero cost, best objective gain per unit of row usage first.

    Row usage of a column is the sum of ``|a_ij| / max(1, |side_i|)`` over its rows, so a column
    that eats a small share of few capacities comes before one that fills a knapsack on its own.
    """
    sides = np.maximum(np.abs(np.where(np.isfinite(form.row_upper), form.row_upper, 0.0)),
                       np.abs(np.where(np.isfinite(form.row_lower), form.row_lower, 0.0)))
    usage = np.asarray(abs(form.matrix).T @ (1.0 / np.maximum(sides, 1.0))).ravel()
    gain = np.abs(costs) / (usage + 1e-9)
    candidates = np.flatnonzero(costs != 0)
    return candidates[np.argsort(-gain[candidates], kind="stable")]


def one_opt_shift(form: StandardForm, values: np.ndarray, deadline: float | None = None) -> np.ndarray:
    """A feasible point at least as good as ``values`` (which must be feasible), by greedy one-column shifts.

    ``deadline`` is a ``time.monotonic()`` instant; the walk stops there and returns what it has.
    Columns whose improving direction is unbounded by both bounds and rows are left alone.
    """
    point = np.array(values, dtype=np.float64, copy=True)
    costs = _minimised_costs(form)
    columns = form.matrix.tocsc()
    starts, row_index, coefficients = columns.indptr, columns.indices, columns.data
    activity = np.asarray(form.matrix @ point, dtype=np.float64)
    row_lower, row_upper = form.row_lower, form.row_upper
    integral = np.asarray(form.integrality, dtype=bool)
    for count, column in enumerate(_shift_order(form, costs)):
        if deadline is not None and count % _DEADLINE_CHECK_EVERY == 0 and time.monotonic() >= deadline:
            break
        direction = -1.0 if costs[column] > 0 else 1.0
        room = (form.column_upper[column] - point[column]) if direction > 0 else (point[column] - form.column_lower[column])
        rows = row_index[starts[column]:starts[column + 1]]
        change = coefficients[starts[column]:starts[column + 1]] * direction
        rising, falling = change > 0, change < 0
        step = float(room)
        if rising.any():
            step = min(step, float(np.min((row_upper[rows[rising]] - activity[rows[rising]]) / change[rising])))
        if falling.any():
            step = min(step, float(np.min((activity[rows[falling]] - row_lower[rows[falling]]) / -change[falling])))
        if integral[column]:
            step = math.floor(step + FEASIBILITY_TOLERANCE)
        if not math.isfinite(step) or step <= 0:
            continue
        point[column] += direction * step
        activity[rows] += change * step
    return point
