"""Persistent models: load a standard form into a solver once, then change, solve and undo many times.

Large-neighbourhood search (``ormodel.learned.balans``) solves hundreds of sub-MIPs that differ
from the original model only by a few bound changes, an objective, or a handful of added rows.
A :class:`PersistentModel` keeps one solver instance loaded and records every change on an undo
stack, so that :meth:`~PersistentModel.rollback` returns the model exactly to an earlier
:meth:`~PersistentModel.checkpoint` instead of rebuilding it.

Two implementations: :class:`HighsPersistentModel` (highspy) and :class:`ScipPersistentModel`
(PySCIPOpt). :func:`open_persistent` picks one by backend name.

Column indices ``0 .. n-1`` are the standard form's columns; columns added with
:meth:`~PersistentModel.add_columns` get the next indices and disappear on rollback. Solutions
(:attr:`SubSolution.values`) always have the standard form's ``n`` entries.

Example:
    >>> import numpy as np
    >>> from ormodel.standard_form import StandardForm
    >>> form = StandardForm.from_arrays(objective=np.array([-1.0, -1.0]), matrix=np.array([[1.0, 1.0]]),
    ...     row_lower=np.array([-np.inf]), row_upper=np.array([1.5]), column_upper=np.array([1.0, 1.0]),
    ...     integrality=np.array([True, True]))
    >>> model = open_persistent(form, "highs")
    >>> mark = model.checkpoint()
    >>> model.set_column_bounds(np.array([0]), np.array([0.0]), np.array([0.0]))
    >>> model.solve(time_limit=5).values.tolist()
    [0.0, 1.0]
    >>> model.rollback(mark)
    >>> round(model.solve(time_limit=5).objective, 6)
    -1.0
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from ormodel.solvers.highs import HIGHS_STATUS, load_into_highs, set_threads

from ormodel.result import Status
from ormodel.standard_form import Sense, StandardForm

__all__ = [
    "HighsPersistentModel",
    "PersistentModel",
    "ScipPersistentModel",
    "SubSolution",
    "open_persistent",
    "persistent_backends",
]

_INF = 1e20


@dataclass
class SubSolution:
    """What one solve of a persistent model returned.

    Attributes:
        status: why the solver stopped.
        values: the best point over the standard form's columns (``None`` without one).
        objective: the *current* objective (possibly a replaced one) at ``values``.
        bound: the solver's dual bound for the current objective (``nan`` when unknown).
        seconds: wall-clock seconds of the solve call.
        columns: the point over every current column, added ones included (``None`` without one).
        solver_seconds: the solver's own time (``run``/``optimize``), without setting options or reading the point.
        raw_status / message: set when the solve did not end in the solver (the wall-clock guard killed it, a worker died).
        nodes: branch-and-bound nodes, when known.
        extra: more facts for ``Result.extra`` (``wall_clock_guard``, ``trace``).
    """

    status: Status
    values: np.ndarray | None = None
    objective: float = math.nan
    bound: float = math.nan
    seconds: float = 0.0
    columns: np.ndarray | None = None
    solver_seconds: float = math.nan
    row_duals: np.ndarray | None = None
    raw_status: str = ""
    message: str = ""
    nodes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        """True when a point came back."""
        return self.values is not None


@runtime_checkable
class PersistentModel(Protocol):
    """A loaded model that can be changed, solved and restored without being rebuilt."""

    backend: str
    form: StandardForm

    def checkpoint(self) -> int:
        """A marker for :meth:`rollback` (the current depth of the undo stack)."""

    def rollback(self, mark: int) -> None:
        """Undo every change made since ``checkpoint()`` returned ``mark``."""

    def set_column_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds of some columns."""

    def set_objective(self, objective: np.ndarray, sense: Sense | None = None) -> None:
        """Replace the linear objective over all current columns (and optionally the sense)."""

    def set_integrality(self, columns: np.ndarray, integer: bool) -> None:
        """Make columns integer or continuous (continuous: an LP relaxation)."""

    def add_columns(self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, integer: np.ndarray) -> np.ndarray:
        """Append columns without coefficients in existing rows; returns their indices."""

    def add_rows(self, matrix: sp.csr_array, lower: np.ndarray, upper: np.ndarray) -> None:
        """Append rows ``lower <= matrix @ x <= upper`` (matrix over all current columns)."""

    def solve(
        self,
        time_limit: float | None = None,
        warm_start: np.ndarray | None = None,
        solution_limit: int | None = None,
        feasibility_emphasis: bool = False,
    ) -> SubSolution:
        """Solve the model as it stands now."""


class _UndoStack:
    """Shared bookkeeping: the undo entries and the count of added columns/rows."""

    def __init__(self, form: StandardForm) -> None:
        self.form = form
        self.undo: list[tuple[str, Any]] = []
        self.column_lower = form.column_lower.astype(np.float64).copy()
        self.column_upper = form.column_upper.astype(np.float64).copy()
        self.objective = form.objective.astype(np.float64).copy()
        self.sense = form.sense
        self.integrality = form.integrality.astype(bool).copy()
        self.added_columns = 0
        self.added_rows = 0

    @property
    def num_columns(self) -> int:
        return self.form.num_columns + self.added_columns

    def checkpoint(self) -> int:
        return len(self.undo)

    def rollback(self, mark: int) -> None:
        """Undo every change made since ``checkpoint()`` returned ``mark``."""
        while len(self.undo) > mark:
            kind, payload = self.undo.pop()
            if kind == "bounds":
                columns, lower, upper = payload
                self._apply_bounds(columns, lower, upper)
            elif kind == "objective":
                objective, sense = payload
                self._apply_objective(objective, sense)
            elif kind == "integrality":
                columns, integer = payload
                self._apply_integrality(columns, integer)
            elif kind == "rows":
                self._delete_last_rows(payload)
                self.added_rows -= payload
            elif kind == "columns":
                self._delete_last_columns(payload)
                self.added_columns -= payload
                keep = self.num_columns
                self.column_lower = self.column_lower[:keep]
                self.column_upper = self.column_upper[:keep]
                self.objective = self.objective[:keep]
                self.integrality = self.integrality[:keep]

    # Each backend applies a change, and removes what was added last, in its own solver.
    def _apply_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        raise NotImplementedError

    def _apply_objective(self, objective: np.ndarray, sense: Sense) -> None:
        raise NotImplementedError

    def _apply_integrality(self, columns: np.ndarray, integer: np.ndarray) -> None:
        raise NotImplementedError

    def _delete_last_rows(self, count: int) -> None:
        raise NotImplementedError

    def _delete_last_columns(self, count: int) -> None:
        raise NotImplementedError

    def _full_point(self, warm_start: np.ndarray) -> np.ndarray:
        """A warm start over all current columns: added columns not given start at 0 clipped to bounds."""
        given = np.asarray(warm_start, dtype=np.float64)
        if given.shape == (self.num_columns,):
            return given.copy()
        if given.shape != (self.form.num_columns,):
            raise ValueError(f"warm start has {given.shape[0]} values, the model has {self.form.num_columns} columns")
        point = np.zeros(self.num_columns)
        point[: self.form.num_columns] = given
        extra = slice(self.form.num_columns, self.num_columns)
        point[extra] = np.clip(0.0, self.column_lower[extra], self.column_upper[extra])
        return point

    def _check_columns(self, columns: np.ndarray) -> np.ndarray:
        columns = np.asarray(columns, dtype=np.int64).ravel()
        if columns.size and (columns.min() < 0 or columns.max() >= self.num_columns):
            raise IndexError(f"column index out of range 0..{self.num_columns - 1}")
        return columns


def _finite_bound(array: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(array, dtype=np.float64), -_INF, _INF)


class HighsPersistentModel(_UndoStack):
    """A standard form loaded once into HiGHS (highspy)."""

    backend = "highs"

    def __init__(self, form: StandardForm, threads: int = 1, seed: int = 0, extra: dict[str, Any] | None = None) -> None:
        if form.is_quadratic:
            raise ValueError("persistent HiGHS models take linear objectives only; use backend='scip' for quadratic ones")
        super().__init__(form)
        import highspy

        self._highspy = highspy
        self.highs = load_into_highs(form)
        self.highs.setOptionValue("output_flag", False)
        set_threads(self.highs, int(threads))
        self.highs.setOptionValue("random_seed", int(seed))
        for key, value in (extra or {}).items():
            self.highs.setOptionValue(key, value)

    # -- changes ---------------------------------------------------------------------------
    def set_column_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds of some columns."""
        columns = self._check_columns(columns)
        if columns.size == 0:
            return
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), columns.shape).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), columns.shape).copy()
        self.undo.append(("bounds", (columns, self.column_lower[columns].copy(), self.column_upper[columns].copy())))
        self._apply_bounds(columns, lower, upper)

    def _apply_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self.column_lower[columns] = lower
        self.column_upper[columns] = upper
        self.highs.changeColsBounds(columns.size, columns.astype(np.int32), lower, upper)

    def set_objective(self, objective: np.ndarray, sense: Sense | None = None) -> None:
        """Replace the linear objective over all current columns (and optionally the sense)."""
        objective = np.asarray(objective, dtype=np.float64)
        if objective.shape != (self.num_columns,):
            raise ValueError(f"objective has {objective.shape[0]} entries, the model has {self.num_columns} columns")
        self.undo.append(("objective", (self.objective.copy(), self.sense)))
        self._apply_objective(objective, sense or self.sense)

    def _apply_objective(self, objective: np.ndarray, sense: Sense) -> None:
        self.objective = objective.copy()
        self.sense = sense
        columns = np.arange(self.num_columns, dtype=np.int32)
        self.highs.changeColsCost(columns.size, columns, objective)
        self.highs.changeObjectiveSense(
            self._highspy.ObjSense.kMaximize if sense == Sense.MAXIMIZE else self._highspy.ObjSense.kMinimize
        )

    def set_integrality(self, columns: np.ndarray, integer: bool) -> None:
        """Make columns integer or continuous."""
        columns = self._check_columns(columns)
        if columns.size == 0:
            return
        self.undo.append(("integrality", (columns, self.integrality[columns].copy())))
        self._apply_integrality(columns, np.full(columns.size, bool(integer)))

    def _apply_integrality(self, columns: np.ndarray, integer: np.ndarray) -> None:
        self.integrality[columns] = integer
        kinds = np.where(integer, int(self._highspy.HighsVarType.kInteger), int(self._highspy.HighsVarType.kContinuous))
        self.highs.changeColsIntegrality(columns.size, columns.astype(np.int32), kinds.astype(np.uint8))

    def add_columns(self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, integer: np.ndarray) -> np.ndarray:
        """Append columns; returns their indices."""
        cost = np.atleast_1d(np.asarray(cost, dtype=np.float64))
        count = cost.size
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)).copy()
        integer = np.broadcast_to(np.asarray(integer, dtype=bool), (count,)).copy()
        first = self.num_columns
        self.highs.addCols(count, cost, _finite_bound(lower), _finite_bound(upper), 0,
                           np.zeros(count + 1, dtype=np.int32)[:count], np.zeros(0, dtype=np.int32), np.zeros(0))
        self.added_columns += count
        self.column_lower = np.concatenate([self.column_lower, lower])
        self.column_upper = np.concatenate([self.column_upper, upper])
        self.objective = np.concatenate([self.objective, cost])
        self.integrality = np.concatenate([self.integrality, np.zeros(count, dtype=bool)])
        indices = np.arange(first, first + count)
        if integer.any():
            self._apply_integrality(indices[integer], np.ones(int(integer.sum()), dtype=bool))
        self.undo.append(("columns", count))
        return indices

    def add_rows(self, matrix: sp.csr_array, lower: np.ndarray, upper: np.ndarray) -> None:
        """Append rows ``lower <= matrix @ x <= upper``."""
        matrix = sp.csr_array(matrix, dtype=np.float64)
        if matrix.shape[1] > self.num_columns:
            raise ValueError(f"rows have {matrix.shape[1]} columns, the model has {self.num_columns}")
        count = matrix.shape[0]
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,))
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,))
        self.highs.addRows(count, _finite_bound(lower), _finite_bound(upper), matrix.nnz,
                           matrix.indptr[:-1].astype(np.int32), matrix.indices.astype(np.int32), matrix.data)
        self.added_rows += count
        self.undo.append(("rows", count))

    def _delete_last_rows(self, count: int) -> None:
        total = self.form.num_rows + self.added_rows
        indices = np.arange(total - count, total, dtype=np.int32)
        self.highs.deleteRows(indices.size, indices)

    # -- edits that are not undone by rollback (for ormodel.persistent.Instance) --------------
    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds (right-hand sides) of some rows."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        lower = _finite_bound(np.broadcast_to(lower, rows.shape)).tolist()
        upper = _finite_bound(np.broadcast_to(upper, rows.shape)).tolist()
        for row, low, high in zip(rows.tolist(), lower, upper):  # highspy 1.12 has no array form of this call
            self.highs.changeRowBounds(row, low, high)

    def set_coefficients(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        """Set matrix entries (0 removes one)."""
        for row, column, value in zip(np.asarray(rows).tolist(), np.asarray(columns).tolist(), np.asarray(values, dtype=np.float64).tolist()):
            self.highs.changeCoeff(int(row), int(column), float(value))

    def set_objective_offset(self, offset: float) -> None:
        """Change the objective's constant term."""
        self.highs.changeObjectiveOffset(float(offset))

    def delete_rows(self, rows: np.ndarray) -> None:
        """Delete rows by index; the rows after them move up."""
        rows = np.unique(np.asarray(rows, dtype=np.int32))
        if rows.size:
            self.highs.deleteRows(rows.size, rows)
            self.added_rows -= int(rows.size)

    def delete_columns(self, columns: np.ndarray) -> None:
        """Delete columns by index; the columns after them move left."""
        columns = np.unique(np.asarray(columns, dtype=np.int32))
        if not columns.size:
            return
        self.highs.deleteCols(columns.size, columns)
        keep = np.ones(self.num_columns, dtype=bool)
        keep[columns] = False
        self.column_lower, self.column_upper = self.column_lower[keep], self.column_upper[keep]
        self.objective, self.integrality = self.objective[keep], self.integrality[keep]
        self.added_columns -= int(columns.size)

    def _delete_last_columns(self, count: int) -> None:
        total = self.num_columns
        indices = np.arange(total - count, total, dtype=np.int32)
        self.highs.deleteCols(indices.size, indices)

    # -- solving ---------------------------------------------------------------------------
    def solve(
        self,
        time_limit: float | None = None,
        warm_start: np.ndarray | None = None,
        solution_limit: int | None = None,
        feasibility_emphasis: bool = False,
        presolve: bool = True,
    ) -> SubSolution:
        """Solve the model as it stands now (HiGHS re-presolves the changed model unless ``presolve`` is off).

        HiGHS 1.12's presolve does not check its time limit everywhere: on a 16000-column knapsack
        with a dense objective-bound row and a Hamming objective it ran 29 s against a 0.5 s limit,
        so callers that add dense rows can switch it off.
        """
        highs = self.highs
        started = time.perf_counter()
        highs.setOptionValue("presolve", "on" if presolve else "off")
        highs.setOptionValue("time_limit", float(max(time_limit, 0.0)) if time_limit is not None else math.inf)
        highs.setOptionValue("mip_max_improving_sols", int(solution_limit) if solution_limit else 2147483647)
        highs.setOptionValue("mip_heuristic_effort", 0.3 if feasibility_emphasis else 0.05)
        if warm_start is not None:
            point = self._full_point(warm_start)
            solution = self._highspy.HighsSolution()
            solution.col_value = point.tolist()
            solution.value_valid = True
            highs.setSolution(solution)
        run_started = time.perf_counter()
        highs.run()
        solver_seconds = time.perf_counter() - run_started
        seconds = time.perf_counter() - started
        status_name = str(highs.getModelStatus()).split(".")[-1]
        status = HIGHS_STATUS.get(status_name, Status.ERROR)
        info = highs.getInfo()
        values = None
        column_values = None
        objective = math.nan
        row_duals = None
        if info.primal_solution_status >= 1 and (status != Status.INFEASIBLE):
            solution = highs.getSolution()
            column_values = np.asarray(solution.col_value, dtype=np.float64)
            if column_values.size == self.num_columns and info.primal_solution_status == 2:
                values = column_values[: self.form.num_columns].copy()
                objective = float(info.objective_function_value)
                if not self.integrality.any() and solution.dual_valid and status == Status.OPTIMAL:
                    row_duals = np.asarray(solution.row_dual, dtype=np.float64)
            else:
                column_values = None
        bound = float(info.mip_dual_bound) if self.integrality.any() else objective
        if not math.isfinite(bound) or abs(bound) >= 1e30:
            bound = math.nan
        return SubSolution(status=status, values=values, objective=objective, bound=bound, seconds=seconds, columns=column_values,
                           solver_seconds=solver_seconds, row_duals=row_duals)


class ScipPersistentModel(_UndoStack):
    """A standard form loaded once into SCIP (PySCIPOpt); changes are made between solves.

    The model is handed to SCIP as an MPS file written by HiGHS (one C-level read, much faster
    than building a large model term by term through Python). Before every change the
    transformed problem is freed, so that changes apply to the original problem.
    """

    backend = "scip"

    def __init__(self, form: StandardForm, threads: int = 1, seed: int = 0, extra: dict[str, Any] | None = None) -> None:
        import pyscipopt

        if form.is_quadratic:
            raise ValueError("persistent SCIP models take linear objectives only")
        super().__init__(form)
        self._scip = pyscipopt
        self.model = pyscipopt.Model()
        self.model.hideOutput()
        self._load(form)
        self.model.setIntParam("randomization/randomseedshift", int(seed) % 2147483647)
        self.model.setIntParam("parallel/maxnthreads", max(int(threads), 1))
        for key, value in (extra or {}).items():
            self.model.setParam(key, value)
        self._added_variables: list[Any] = []
        self._added_constraints: list[Any] = []
        self._aggressive_heuristics = False

    def _load(self, form: StandardForm) -> None:
        linear = StandardForm.from_arrays(
            objective=form.objective, matrix=form.matrix, row_lower=form.row_lower, row_upper=form.row_upper,
            column_lower=form.column_lower, column_upper=form.column_upper, integrality=form.integrality,
            sense=form.sense, objective_offset=form.objective_offset,
        )
        highs = load_into_highs(linear)
        handle, path = tempfile.mkstemp(prefix="ormodel-persistent-", suffix=".mps")
        os.close(handle)
        try:
            highs.writeModel(path)
            self.model.readProblem(path)
        finally:
            os.unlink(path)
        if form.has_sos or form.has_semicontinuous:
            from ormodel.solvers.scip import ScipBackend

            ScipBackend._add_special(self.model, form, sorted(self.model.getVars(), key=lambda variable: int(variable.name[1:])))
        by_row: dict[int, Any] = {int(constraint.name[1:]): constraint for constraint in self.model.getConss() if constraint.name.startswith("r")
                                  and constraint.name[1:].isdigit()}
        self.rows: list[Any] = [by_row.get(row) for row in range(form.num_rows)]
        variables = [variable for variable in self.model.getVars() if variable.name[:1] == "c" and variable.name[1:].isdigit()]
        if len(variables) != form.num_columns:
            raise ValueError(f"SCIP read {len(variables)} columns back, expected {form.num_columns}")
        # HiGHS names unnamed columns c0, c1, ...; SCIP may list them in another order.
        by_column: list[Any] = [None] * form.num_columns
        for variable in variables:
            by_column[int(variable.name[1:])] = variable
        self.variables = by_column

    def _problem_stage(self) -> None:
        if self.model.getStage() != self._scip.SCIP_STAGE.PROBLEM:
            self.model.freeTransform()

    def _variable(self, column: int) -> Any:
        if column < self.form.num_columns:
            return self.variables[column]
        return self._added_variables[column - self.form.num_columns]

    # -- changes ---------------------------------------------------------------------------
    def set_column_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds of some columns."""
        columns = self._check_columns(columns)
        if columns.size == 0:
            return
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), columns.shape).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), columns.shape).copy()
        self.undo.append(("bounds", (columns, self.column_lower[columns].copy(), self.column_upper[columns].copy())))
        self._apply_bounds(columns, lower, upper)

    def _apply_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self._problem_stage()
        model = self.model
        old_lower = self.column_lower[columns]
        for column, low, high, previous_low in zip(columns.tolist(), lower.tolist(), upper.tolist(), old_lower.tolist()):
            variable = self._variable(column)
            low_value = None if low <= -_INF else low
            high_value = None if high >= _INF else high
            # Order the two changes so that lower <= upper holds after each of them.
            if low_value is not None and low_value > previous_low:
                model.chgVarUb(variable, high_value)
                model.chgVarLb(variable, low_value)
            else:
                model.chgVarLb(variable, low_value)
                model.chgVarUb(variable, high_value)
        self.column_lower[columns] = lower
        self.column_upper[columns] = upper

    def set_objective(self, objective: np.ndarray, sense: Sense | None = None) -> None:
        """Replace the linear objective over all current columns (and optionally the sense)."""
        objective = np.asarray(objective, dtype=np.float64)
        if objective.shape != (self.num_columns,):
            raise ValueError(f"objective has {objective.shape[0]} entries, the model has {self.num_columns} columns")
        self.undo.append(("objective", (self.objective.copy(), self.sense)))
        self._apply_objective(objective, sense or self.sense)

    def _apply_objective(self, objective: np.ndarray, sense: Sense) -> None:
        self._problem_stage()
        nonzero = np.flatnonzero(objective)
        expression = self._scip.quicksum(float(objective[column]) * self._variable(int(column)) for column in nonzero)
        offset = self.form.objective_offset if np.array_equal(objective[: self.form.num_columns], self.form.objective) else 0.0
        self.model.setObjective(expression + offset, "maximize" if sense == Sense.MAXIMIZE else "minimize", clear=True)
        self.objective = objective.copy()
        self.sense = sense

    def set_integrality(self, columns: np.ndarray, integer: bool) -> None:
        """Make columns integer or continuous."""
        columns = self._check_columns(columns)
        if columns.size == 0:
            return
        self.undo.append(("integrality", (columns, self.integrality[columns].copy())))
        self._apply_integrality(columns, np.full(columns.size, bool(integer)))

    def _apply_integrality(self, columns: np.ndarray, integer: np.ndarray) -> None:
        self._problem_stage()
        for column, is_integer in zip(columns.tolist(), integer.tolist()):
            variable = self._variable(column)
            binary = self.column_lower[column] >= 0 and self.column_upper[column] <= 1
            self.model.chgVarType(variable, ("B" if binary else "I") if is_integer else "C")
        self.integrality[columns] = integer

    def add_columns(self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, integer: np.ndarray) -> np.ndarray:
        """Append columns; returns their indices."""
        self._problem_stage()
        cost = np.atleast_1d(np.asarray(cost, dtype=np.float64))
        count = cost.size
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)).copy()
        integer = np.broadcast_to(np.asarray(integer, dtype=bool), (count,)).copy()
        first = self.num_columns
        for position in range(count):
            variable = self.model.addVar(
                name=f"_added{first + position}", vtype="I" if integer[position] else "C",
                lb=None if lower[position] <= -_INF else float(lower[position]),
                ub=None if upper[position] >= _INF else float(upper[position]),
                obj=float(cost[position]),
            )
            self._added_variables.append(variable)
        self.added_columns += count
        self.column_lower = np.concatenate([self.column_lower, lower])
        self.column_upper = np.concatenate([self.column_upper, upper])
        self.objective = np.concatenate([self.objective, cost])
        self.integrality = np.concatenate([self.integrality, integer])
        self.undo.append(("columns", count))
        return np.arange(first, first + count)

    def add_rows(self, matrix: sp.csr_array, lower: np.ndarray, upper: np.ndarray) -> None:
        """Append rows ``lower <= matrix @ x <= upper``."""
        self._problem_stage()
        matrix = sp.csr_array(matrix, dtype=np.float64)
        if matrix.shape[1] > self.num_columns:
            raise ValueError(f"rows have {matrix.shape[1]} columns, the model has {self.num_columns}")
        count = matrix.shape[0]
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,))
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,))
        for row in range(count):
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            expression = self._scip.quicksum(
                float(value) * self._variable(int(column))
                for column, value in zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist())
            )
            low = None if lower[row] <= -_INF else float(lower[row])
            high = None if upper[row] >= _INF else float(upper[row])
            if low is not None and high is not None:
                constraint = self.model.addCons(low <= (expression <= high), name=f"_row{len(self._added_constraints)}")
            elif high is not None:
                constraint = self.model.addCons(expression <= high, name=f"_row{len(self._added_constraints)}")
            elif low is not None:
                constraint = self.model.addCons(expression >= low, name=f"_row{len(self._added_constraints)}")
            else:
                continue
            self._added_constraints.append(constraint)
        self.added_rows += count
        self.undo.append(("rows", count))

    def _delete_last_rows(self, count: int) -> None:
        self._problem_stage()
        for _ in range(min(count, len(self._added_constraints))):
            self.model.delCons(self._added_constraints.pop())

    # -- edits that are not undone by rollback (for ormodel.persistent.Instance) --------------
    def _row(self, row: int) -> Any:
        return self.rows[row] if row < len(self.rows) else self._added_constraints[row - len(self.rows)]

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds (right-hand sides) of some rows."""
        self._problem_stage()
        rows = np.asarray(rows, dtype=np.int64).ravel()
        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), rows.shape)
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), rows.shape)
        infinity = self.model.infinity()
        for row, low, high in zip(rows.tolist(), lower.tolist(), upper.tolist()):
            constraint = self._row(row)
            if constraint is None:
                continue
            self.model.chgLhs(constraint, -infinity if low <= -_INF else low)
            self.model.chgRhs(constraint, infinity if high >= _INF else high)

    def set_coefficients(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        """Set matrix entries (0 removes one)."""
        self._problem_stage()
        for row, column, value in zip(np.asarray(rows).tolist(), np.asarray(columns).tolist(), np.asarray(values, dtype=np.float64).tolist()):
            constraint = self._row(int(row))
            if constraint is not None:
                self.model.chgCoefLinear(constraint, self._variable(int(column)), float(value))

    def set_objective_offset(self, offset: float) -> None:
        """Change the objective's constant term."""
        self._problem_stage()
        self.model.addObjoffset(float(offset) - self.model.getObjoffset(original=True))

    def delete_rows(self, rows: np.ndarray) -> None:
        """Delete rows by index; the rows after them move up."""
        self._problem_stage()
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        for row in sorted(rows.tolist(), reverse=True):
            constraint = self._row(row)
            if constraint is not None:
                self.model.delCons(constraint)
            if row < len(self.rows):
                del self.rows[row]
            else:
                del self._added_constraints[row - len(self.rows)]
        self.added_rows -= int(rows.size)

    def delete_columns(self, columns: np.ndarray) -> None:
        """Delete columns by index; the columns after them move left."""
        self._problem_stage()
        columns = np.unique(np.asarray(columns, dtype=np.int64))
        base = self.form.num_columns
        for column in sorted(columns.tolist(), reverse=True):
            self.model.delVar(self._variable(column))
            if column < base:
                raise ValueError("columns of the loaded form cannot be deleted on SCIP; fix them at 0 instead")
            del self._added_variables[column - base]
        keep = np.ones(self.num_columns, dtype=bool)
        keep[columns] = False
        self.column_lower, self.column_upper = self.column_lower[keep], self.column_upper[keep]
        self.objective, self.integrality = self.objective[keep], self.integrality[keep]
        self.added_columns -= int(columns.size)

    def _delete_last_columns(self, count: int) -> None:
        self._problem_stage()
        for _ in range(count):
            self.model.delVar(self._added_variables.pop())

    # -- solving ---------------------------------------------------------------------------
    def solve(
        self,
        time_limit: float | None = None,
        warm_start: np.ndarray | None = None,
        solution_limit: int | None = None,
        feasibility_emphasis: bool = False,
    ) -> SubSolution:
        """Solve the model as it stands now."""
        model = self.model
        started = time.perf_counter()
        self._problem_stage()
        model.setRealParam("limits/time", float(max(time_limit, 0.01)) if time_limit is not None else 1e20)
        limit = int(solution_limit) if solution_limit else -1
        if warm_start is not None and limit > 0:
            limit += 1  # the warm start itself counts as a solution
        model.setIntParam("limits/solutions", limit)
        if feasibility_emphasis != self._aggressive_heuristics:
            model.setHeuristics(self._scip.SCIP_PARAMSETTING.AGGRESSIVE if feasibility_emphasis else self._scip.SCIP_PARAMSETTING.DEFAULT)
            self._aggressive_heuristics = feasibility_emphasis
        if warm_start is not None:
            solution = model.createSol()
            point = self._full_point(warm_start)
            for column in np.flatnonzero(point).tolist():
                model.setSolVal(solution, self._variable(column), float(point[column]))
            model.addSol(solution, free=True)
        run_started = time.perf_counter()
        model.optimize()
        solver_seconds = time.perf_counter() - run_started
        seconds = time.perf_counter() - started
        status = _SCIP_STATUS.get(model.getStatus(), Status.OTHER_LIMIT)
        values = None
        columns = None
        objective = math.nan
        if model.getNSols() > 0:
            best = model.getBestSol()
            values = np.array([model.getSolVal(best, variable) for variable in self.variables], dtype=np.float64)
            added = [model.getSolVal(best, variable) for variable in self._added_variables]
            columns = np.concatenate([values, np.asarray(added, dtype=np.float64)])
            objective = float(model.getSolObjVal(best))
        dual = float(model.getDualbound()) if model.getStage() >= self._scip.SCIP_STAGE.TRANSFORMED else math.inf
        bound = dual if abs(dual) < 1e19 else math.nan
        return SubSolution(status=status, values=values, objective=objective, bound=bound, seconds=seconds, columns=columns,
                           solver_seconds=solver_seconds)


_SCIP_STATUS = {
    "optimal": Status.OPTIMAL,
    "infeasible": Status.INFEASIBLE,
    "unbounded": Status.UNBOUNDED,
    "inforunbd": Status.INFEASIBLE_OR_UNBOUNDED,
    "timelimit": Status.TIME_LIMIT,
    "sollimit": Status.OTHER_LIMIT,
    "bestsollimit": Status.OTHER_LIMIT,
    "nodelimit": Status.OTHER_LIMIT,
    "totalnodelimit": Status.OTHER_LIMIT,
    "stallnodelimit": Status.OTHER_LIMIT,
    "gaplimit": Status.OPTIMAL,
    "memlimit": Status.OTHER_LIMIT,
    "userinterrupt": Status.OTHER_LIMIT,
}

_FACTORIES: dict[str, type[HighsPersistentModel] | type[ScipPersistentModel]] = {
    "highs": HighsPersistentModel, "scip": ScipPersistentModel,
}


def persistent_backends() -> list[str]:
    """Backends with a persistent-model implementation."""
    return sorted(_FACTORIES)


def open_persistent(form: StandardForm, backend: str = "highs", threads: int = 1, seed: int = 0,
                    extra: dict[str, Any] | None = None) -> HighsPersistentModel | ScipPersistentModel:
    """Load ``form`` once into ``backend`` ("highs" or "scip") as a persistent model."""
    factory = _FACTORIES.get(backend.lower())
    if factory is None:
        raise ValueError(f"no persistent model for backend {backend!r}; choose one of: {', '.join(persistent_backends())}")
    return factory(form, threads=threads, seed=seed, extra=extra)
