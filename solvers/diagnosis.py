"""Diagnosis of a solve: solution cross-check, irreducible infeasible subsets, unbounded rays.

Functions for the CLI (``ormodel solve --check``, infeasibility and unboundedness reports) and
for tests; none of them trusts the solver's own claims:

* :func:`check_solution` evaluates a returned point against the *original* model: for a
  :class:`~ormodel.problem.Problem`, every constraint row is re-evaluated from its expression
  (``min``/``max``/``abs``, nonlinear terms and ``when:`` conditions included), for a
  :class:`~ormodel.standard_form.StandardForm` the rows of the matrix; plus bounds, integrality
  and the objective value.
* :func:`find_conflict` computes an irreducible infeasible subset (IIS) with HiGHS (LP, or the LP
  relaxation of a MIP) and falls back to SCIP's IIS finder for MIPs whose relaxation is feasible
  and for nonlinear models; members are named by constraint family and index (``cap[3]``).
* :func:`find_unbounded_ray` solves a small LP for a direction ``d`` in the recession cone of the
  feasible set with ``c'd < 0`` (minimization) and names its variables.
* :func:`diagnose` fills ``result.conflict`` / ``result.ray`` for any backend's result, and
  :func:`describe` turns a result's diagnosis into printable lines.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> from ormodel.solvers import get_backend
    >>> problem = problem_from_dict({"variables": {"x": {"upper": 1}},
    ...     "objective": {"sense": "min", "expression": "x"},
    ...     "constraints": [{"name": "too_big", "expression": "x >= 2"}]})
    >>> result = diagnose(problem, get_backend("highs").solve(problem))
    >>> result.conflict.rows, result.conflict.columns
    (['too_big'], ['x'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from ormodel.solvers.labels import column_labels

from ormodel.result import Conflict, Ray, Result, Status
from ormodel.standard_form import Sense, StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = ["SolutionCheck", "check_solution", "describe", "diagnose", "find_conflict", "find_unbounded_ray"]


@dataclass
class SolutionCheck:
    """How well a point satisfies the original model.

    Attributes:
        max_violation: the largest of the row, bound and integrality violations.
        row_violation, bound_violation, integrality_violation: the largest of each kind.
        worst_rows: up to ``count`` most violated rows as ``(label, amount)``.
        worst_columns: up to ``count`` columns with the largest bound or integrality violation.
        objective: the objective recomputed at the point.
        reported_objective: the objective the solver reported (``nan`` when none).
        objective_error: ``|objective - reported| / max(1, |objective|)``.
        tolerance: the feasibility tolerance used for ``feasible``.
    """

    max_violation: float
    row_violation: float
    bound_violation: float
    integrality_violation: float
    worst_rows: list[tuple[str, float]] = field(default_factory=list)
    worst_columns: list[tuple[str, float]] = field(default_factory=list)
    objective: float = math.nan
    reported_objective: float = math.nan
    objective_error: float = 0.0
    tolerance: float = 1e-6

    @property
    def feasible(self) -> bool:
        """True when every violation is within the tolerance."""
        return self.max_violation <= self.tolerance

    def describe(self) -> str:
        """A short report for the terminal."""
        verdict = "feasible" if self.feasible else "INFEASIBLE"
        reported = (f", reported {self.reported_objective:.10g} (relative difference {self.objective_error:.2g})"
                    if math.isfinite(self.reported_objective) else "")
        lines = [
            (f"max violation {self.max_violation:.3g} (rows {self.row_violation:.3g}, bounds {self.bound_violation:.3g}, "
             f"integrality {self.integrality_violation:.3g}) -> {verdict} at tolerance {self.tolerance:g}"),
        ]
        if math.isfinite(self.objective) or math.isfinite(self.reported_objective):  # a feasibility model has no objective
            lines.append(f"objective recomputed {self.objective:.10g}{reported}")
        lines += [f"  violated {label}: {amount:.3g}" for label, amount in self.worst_rows]
        lines += [f"  out of bounds or fractional {label}: {amount:.3g}" for label, amount in self.worst_columns]
        return "\n".join(lines)


def _point(result_or_values: Result | np.ndarray) -> tuple[np.ndarray, float]:
    if isinstance(result_or_values, Result):
        if result_or_values.values is None:
            raise ValueError(f"the result has no solution to check (status {result_or_values.status.value})")
        return np.asarray(result_or_values.values, dtype=np.float64), float(result_or_values.objective)
    return np.asarray(result_or_values, dtype=np.float64), math.nan


def check_solution(model: Problem | StandardForm, result_or_values: Result | np.ndarray, tolerance: float = 1e-6,
                   count: int = 5) -> SolutionCheck:
    """Evaluate a returned point against the original constraints; report the largest violations.

    Args:
        model: the Problem (constraints re-evaluated from their expressions) or StandardForm.
        result_or_values: a :class:`Result` with values, or one value per column (declared
            variable columns first, as every backend returns them).
        tolerance: absolute feasibility tolerance for :attr:`SolutionCheck.feasible`.
        count: how many of the worst rows and columns to list.

    Raises:
        ValueError: the result carries no point, or the point is too short for the model.
    """
    from ormodel.problem import Problem

    values, reported = _point(result_or_values)
    if isinstance(model, Problem):
        return _check_problem(model, values, reported, tolerance, count)
    return _check_form(model, values, reported, tolerance, count)


def _check_form(form: StandardForm, values: np.ndarray, reported: float, tolerance: float, count: int) -> SolutionCheck:
    if values.shape != (form.num_columns,):
        raise ValueError(f"the point has {values.shape[0]} values, the model has {form.num_columns} columns")
    activity = form.matrix @ values if form.num_rows else np.zeros(0)
    rows = np.maximum(np.maximum(form.row_lower - activity, activity - form.row_upper), 0.0) if form.num_rows else np.zeros(0)
    bounds = np.maximum(np.maximum(form.column_lower - values, values - form.column_upper), 0.0)
    integrality = np.where(form.integrality, np.abs(values - np.round(values)), 0.0)
    objective = form.objective_value(values)
    worst_rows = [(form.names.row_label(int(row)), float(rows[row])) for row in np.argsort(-rows)[:count] if rows[row] > tolerance]
    columns = np.maximum(bounds, integrality)
    worst_columns = [(form.names.column_label(int(column)), float(columns[column])) for column in np.argsort(-columns)[:count]
                     if columns[column] > tolerance]
    return _summary(rows, bounds, integrality, worst_rows, worst_columns, objective, reported, tolerance)


def _check_problem(problem: Problem, values: np.ndarray, reported: float, tolerance: float, count: int) -> SolutionCheck:
    from ormodel.solvers.elementwise import ProblemValuation

    valuation = ProblemValuation(problem, values)
    violations = list(valuation.row_violations())
    rows = np.array([row.violation for row in violations], dtype=np.float64)
    bounds, integrality = valuation.bound_violations()
    objective = valuation.objective_value()
    ranked = sorted(violations, key=lambda row: -row.violation)[:count]
    worst_rows = [(row.label, row.violation) for row in ranked if row.violation > tolerance]
    columns = np.maximum(bounds, integrality)
    labels = column_labels(valuation.names(), valuation.num_columns)
    worst_columns = [(labels[int(column)], float(columns[column])) for column in np.argsort(-columns)[:count] if columns[column] > tolerance]
    return _summary(rows, bounds, integrality, worst_rows, worst_columns, objective, reported, tolerance)


def _summary(rows: np.ndarray, bounds: np.ndarray, integrality: np.ndarray, worst_rows: list[tuple[str, float]],
             worst_columns: list[tuple[str, float]], objective: float, reported: float, tolerance: float) -> SolutionCheck:
    row_violation = float(rows.max(initial=0.0))
    bound_violation = float(bounds.max(initial=0.0))
    integrality_violation = float(integrality.max(initial=0.0))
    error = abs(objective - reported) / max(1.0, abs(objective)) if math.isfinite(reported) else 0.0
    return SolutionCheck(max(row_violation, bound_violation, integrality_violation), row_violation, bound_violation,
                         integrality_violation, worst_rows, worst_columns, objective, reported, error, tolerance)


# ---- infeasibility ---------------------------------------------------------------------------


def find_conflict(model: Problem | StandardForm, use_scip: bool = True, time_limit: float | None = 60.0) -> Conflict | None:
    """An irreducible infeasible subset of the model's constraints and bounds, in model names.

    HiGHS computes the IIS of the LP (for a MIP: of its LP relaxation, marked
    ``complete=False`` since integrality may be needed too). When that finds nothing (a MIP whose
    relaxation is feasible) or the model is nonlinear, SCIP's IIS finder runs on the full model.
    Returns ``None`` when the model is feasible or no subset could be found.
    """
    from ormodel.problem import Problem

    form = None
    if isinstance(model, Problem):
        from ormodel.solvers.elementwise import uses_nonlinear_terms

        if not uses_nonlinear_terms(model):
            from ormodel.compiler import compile_problem
            from ormodel.errors import ModelError

            try:
                form = compile_problem(model)
            except ModelError:
                form = None  # e.g. a `when:` row whose big-M is unbounded: SCIP takes it natively below
    else:
        form = model
    if form is not None:
        from ormodel.solvers.highs import HighsBackend

        conflict = HighsBackend().conflict(form, time_limit=time_limit)
        if conflict is not None and (conflict.rows or conflict.columns):
            return conflict
        if not form.is_mip:
            return None
    if not use_scip:
        return None
    from ormodel.solvers.scip import ScipBackend

    backend = ScipBackend()
    if not backend.available():
        return None
    built = backend.build(model if form is None else form)
    if time_limit is not None:
        built.model.setParam("limits/time", float(time_limit))
    built.model.optimize()
    if built.model.getStatus() != "infeasible":
        return None
    return backend.conflict(built)


# ---- unboundedness ---------------------------------------------------------------------------


def find_unbounded_ray(model: Problem | StandardForm, tolerance: float = 1e-9) -> Ray | None:
    """A direction of unbounded improvement of the LP (relaxation), by variable name.

    Solves ``min c'd`` over the recession cone (``A d >= 0`` for rows with a finite lower
    bound, ``<= 0`` for a finite upper bound, ``d_j >= 0`` / ``<= 0`` for finite column bounds,
    ``Q d = 0`` for a quadratic objective) within the box ``-1 <= d <= 1``; a negative optimum
    (for minimization) is a ray. Whether the feasible set is non-empty is not checked here.
    Returns ``None`` when no improving direction exists.
    """
    from ormodel.solvers.highs import HighsBackend

    from ormodel.compiler import as_standard_form

    form = as_standard_form(model)
    direction = 1.0 if form.sense == Sense.MINIMIZE else -1.0
    row_lower = np.where(np.isfinite(form.row_lower), 0.0, -np.inf)
    row_upper = np.where(np.isfinite(form.row_upper), 0.0, np.inf)
    matrix = sp.csr_array(form.matrix)
    if form.is_quadratic:
        assert form.quadratic is not None
        matrix = sp.csr_array(sp.vstack([matrix, sp.csr_array(form.quadratic)]))
        row_lower = np.concatenate([row_lower, np.zeros(form.num_columns)])
        row_upper = np.concatenate([row_upper, np.zeros(form.num_columns)])
    column_lower = np.where(np.isfinite(form.column_lower), 0.0, -1.0)
    column_upper = np.where(np.isfinite(form.column_upper), 0.0, 1.0)
    cone = StandardForm.from_arrays(objective=direction * form.objective, matrix=matrix, row_lower=row_lower, row_upper=row_upper,
                                    column_lower=column_lower, column_upper=column_upper, name=f"{form.name}_recession")
    result = HighsBackend().solve(cone)
    if result.status != Status.OPTIMAL or result.values is None or result.objective >= -tolerance:
        return None
    vector = result.values / max(float(np.abs(result.values).max()), 1e-12)
    labels = column_labels(form.names, form.num_columns)
    return Ray({labels[column]: float(vector[column]) for column in np.flatnonzero(np.abs(vector) > 1e-7)})


# ---- one call for any result -----------------------------------------------------------------


def diagnose(model: Problem | StandardForm, result: Result, time_limit: float | None = 60.0) -> Result:
    """Fill in ``result.conflict`` (infeasible) or ``result.ray`` (unbounded) where missing.

    For ``INFEASIBLE_OR_UNBOUNDED`` the LP is first checked for a feasible point (HiGHS with
    a zero objective): feasible means unbounded (a ray is searched), otherwise an IIS is computed.
    The status is refined accordingly and a note is added to ``result.extra["diagnosis"]``.
    Returns the same result object.
    """
    status = result.status
    if status == Status.INFEASIBLE_OR_UNBOUNDED:
        status = _feasibility_status(model, time_limit)
        result.extra["diagnosis"] = f"solver said infeasible-or-unbounded; a feasibility solve says {status.value}"
        if status in (Status.INFEASIBLE, Status.UNBOUNDED):
            result.status = status
    if status == Status.INFEASIBLE and result.conflict is None:
        result.conflict = find_conflict(model, time_limit=time_limit)
        if result.conflict is not None:
            result.conflict.source = "diagnose"
    if status == Status.UNBOUNDED and result.ray is None:
        from ormodel.solvers.elementwise import uses_nonlinear_terms

        from ormodel.problem import Problem

        if not (isinstance(model, Problem) and uses_nonlinear_terms(model)):
            result.ray = find_unbounded_ray(model)
            if result.ray is not None:
                result.ray.source = "diagnose"
    return result


def _feasibility_status(model: Problem | StandardForm, time_limit: float | None = 60.0) -> Status:
    """INFEASIBLE or UNBOUNDED for a model whose solver could not tell (no objective: feasibility)."""
    from ormodel.solvers.base import SolveOptions
    from ormodel.solvers.highs import HighsBackend

    from ormodel.compiler import as_standard_form

    form = as_standard_form(model)
    feasibility = StandardForm.from_arrays(objective=np.zeros(form.num_columns), matrix=form.matrix, row_lower=form.row_lower,
                                           row_upper=form.row_upper, column_lower=form.column_lower, column_upper=form.column_upper,
                                           integrality=form.integrality, names=form.names, name=form.name)
    outcome = HighsBackend().solve(feasibility, SolveOptions(compute_conflict=False, time_limit=time_limit))
    if outcome.status == Status.INFEASIBLE:
        return Status.INFEASIBLE
    if outcome.status == Status.OPTIMAL:
        return Status.UNBOUNDED
    return Status.INFEASIBLE_OR_UNBOUNDED


def describe(result: Result) -> list[str]:
    """Printable lines about a result's conflict or ray (empty when there is nothing to say)."""
    lines: list[str] = []
    if result.conflict is not None:
        conflict = result.conflict
        header = "irreducible infeasible subset" if conflict.complete else "infeasible subset (not proven irreducible)"
        lines.append(f"{header}: {len(conflict.rows)} constraint(s), {len(conflict.columns)} bound(s)")
        families: dict[str, list[str]] = {}
        for label in conflict.rows:
            families.setdefault(label.split("[", 1)[0], []).append(label)
        for family, members in families.items():
            shown = ", ".join(members[:8]) + (f", ... ({len(members) - 8} more)" if len(members) > 8 else "")
            lines.append(f"  constraint {family}: {shown}")
        if conflict.columns:
            shown = ", ".join(conflict.columns[:12]) + (f", ... ({len(conflict.columns) - 12} more)" if len(conflict.columns) > 12 else "")
            lines.append(f"  bounds of: {shown}")
    if result.ray is not None:
        lines.append(f"unbounded direction over {len(result.ray.components)} variable(s): {result.ray.describe()}")
    note = result.extra.get("diagnosis")
    if note:
        lines.append(str(note))
    return lines
