"""A small array-based MIP builder for Neur2RO's models, producing a :class:`StandardForm`.

Columns come in named blocks, rows in named families; both end up in the form's
:class:`~ormodel.standard_form.NameMap`, so a :class:`~ormodel.result.Result` can be read by
name. Linear expressions are :class:`Affine` objects (a constant vector plus a dense
coefficient matrix over a few columns), which is what the network embedding propagates
layer by layer; :meth:`MipBuilder.bounds` gives their interval bounds through the routine the
compiler uses (:mod:`ormodel.intervals`). Models are solved through the persistent HiGHS model
(:mod:`ormodel.solvers.persistent`) on the ``highs`` backend, through the backend otherwise;
:meth:`MipBuilder.mark`, :meth:`MipBuilder.extension` and :meth:`MipBuilder.rollback` let a caller
keep one loaded model and add, solve and remove the part that changes (Neur2RO's adversary).

Example:
    >>> import numpy as np
    >>> builder = MipBuilder("demo")
    >>> x = builder.add_variables("x", 2, upper=1.0, integer=True, objective=[-1.0, -2.0])
    >>> rows = builder.add_rows("cap", Affine.of_columns(x, [[1.0, 1.0]]), upper=[1.0])
    >>> result = builder.solve("highs")
    >>> round(result.objective, 6)
    -2.0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ormodel.intervals import dense_interval
from ormodel.result import Result, Status
from ormodel.solvers import SolveOptions, get_backend
from ormodel.solvers.persistent import HighsPersistentModel
from ormodel.standard_form import Block, NameMap, Sense, StandardForm

__all__ = ["Affine", "MipBuilder", "BuilderMark", "Extension", "open_highs", "solve_persistent"]


@dataclass
class Affine:
    """``constant + coefficients @ v[columns]``: a vector of ``size`` linear expressions."""

    columns: np.ndarray
    coefficients: np.ndarray
    constant: np.ndarray

    @classmethod
    def of_constant(cls, values: Sequence[float] | np.ndarray) -> "Affine":
        """A constant vector (no columns)."""
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        return cls(np.zeros(0, dtype=np.int64), np.zeros((values.size, 0)), values)

    @classmethod
    def of_columns(cls, columns: np.ndarray, coefficients: Sequence[Sequence[float]] | np.ndarray | None = None,
                   constant: Sequence[float] | np.ndarray | None = None) -> "Affine":
        """``coefficients @ v[columns] + constant`` (identity coefficients by default)."""
        columns = np.asarray(columns, dtype=np.int64).reshape(-1)
        matrix = np.eye(columns.size) if coefficients is None else np.asarray(coefficients, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != columns.size:
            raise ValueError(f"Affine: coefficients of shape {matrix.shape} do not match {columns.size} columns")
        offset = np.zeros(matrix.shape[0]) if constant is None else np.asarray(constant, dtype=np.float64).reshape(-1)
        return cls(columns, matrix, offset)

    @property
    def size(self) -> int:
        """Number of expressions."""
        return int(self.constant.size)

    def __add__(self, other: "Affine") -> "Affine":
        if other.size != self.size:
            raise ValueError(f"Affine: cannot add expressions of sizes {self.size} and {other.size}")
        return Affine(np.concatenate([self.columns, other.columns]),
                      np.concatenate([self.coefficients, other.coefficients], axis=1), self.constant + other.constant)

    def left_multiply(self, matrix: np.ndarray, bias: np.ndarray | None = None) -> "Affine":
        """``matrix @ self + bias``."""
        matrix = np.asarray(matrix, dtype=np.float64)
        constant = matrix @ self.constant
        if bias is not None:
            constant = constant + np.asarray(bias, dtype=np.float64)
        return Affine(self.columns, matrix @ self.coefficients, constant).compact()

    def select(self, rows: np.ndarray | slice) -> "Affine":
        """A subset of the expressions."""
        return Affine(self.columns, self.coefficients[rows], self.constant[rows]).compact()

    def stack(self, other: "Affine") -> "Affine":
        """Concatenate two expression vectors (``[self; other]``)."""
        columns = np.concatenate([self.columns, other.columns])
        coefficients = np.zeros((self.size + other.size, columns.size))
        coefficients[: self.size, : self.columns.size] = self.coefficients
        coefficients[self.size :, self.columns.size :] = other.coefficients
        return Affine(columns, coefficients, np.concatenate([self.constant, other.constant])).compact()

    def compact(self) -> "Affine":
        """Merge repeated columns and drop columns with all-zero coefficients."""
        if self.columns.size == 0:
            return self
        unique, inverse = np.unique(self.columns, return_inverse=True)
        merged = np.zeros((self.size, unique.size))
        np.add.at(merged.T, inverse, self.coefficients.T)
        keep = np.any(merged != 0.0, axis=0)
        return Affine(unique[keep], merged[:, keep], self.constant)

    def evaluate(self, values: np.ndarray) -> np.ndarray:
        """The expressions' values at a full column vector."""
        if self.columns.size == 0:
            return self.constant.copy()
        return self.constant + self.coefficients @ np.asarray(values, dtype=np.float64)[self.columns]


@dataclass
class BuilderMark:
    """The state of a :class:`MipBuilder` to return to (:meth:`MipBuilder.rollback`)."""

    columns: int
    rows: int
    row_parts: int
    variable_blocks: int
    row_blocks: int
    definitions: int
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    objective: np.ndarray
    objective_offset: float


@dataclass
class Extension:
    """What was added since a mark: new columns, and the new rows over all columns."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    rows: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    objective: np.ndarray
    objective_offset: float


class MipBuilder:
    """Collects columns, rows and an objective, then builds a :class:`StandardForm`."""

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._integer: list[np.ndarray] = []
        self._objective: list[np.ndarray] = []
        self._variable_blocks: list[Block] = []
        self._row_blocks: list[Block] = []
        self._row_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._row_lower: list[np.ndarray] = []
        self._row_upper: list[np.ndarray] = []
        self.num_columns = 0
        self.num_rows = 0
        self.objective_offset = 0.0
        self._lower_cache: np.ndarray | None = None
        self._upper_cache: np.ndarray | None = None
        self._definitions: list[tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]] = []

    def mark(self) -> BuilderMark:
        """The current state, for :meth:`extension` and :meth:`rollback`."""
        lower, upper = self.column_bounds()
        return BuilderMark(self.num_columns, self.num_rows, len(self._row_parts), len(self._variable_blocks), len(self._row_blocks),
                           len(self._definitions), lower.copy(), upper.copy(),
                           np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=bool),
                           np.concatenate(self._objective) if self._objective else np.zeros(0), self.objective_offset)

    def extension(self, mark: BuilderMark) -> Extension:
        """The columns and rows added since ``mark`` (column bounds changed since then are not included)."""
        lower, upper = self.column_bounds()
        integer = np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=bool)
        objective = np.concatenate(self._objective) if self._objective else np.zeros(0)
        parts = self._row_parts[mark.row_parts:]
        if parts:
            rows = np.concatenate([part[0] for part in parts]) - mark.rows
            columns = np.concatenate([part[1] for part in parts])
            values = np.concatenate([part[2] for part in parts])
        else:
            rows = columns = np.zeros(0, dtype=np.int64)
            values = np.zeros(0)
        matrix = sp.csr_array(sp.coo_array((values, (rows, columns)), shape=(self.num_rows - mark.rows, self.num_columns)))
        new = slice(mark.columns, self.num_columns)
        return Extension(objective[new].copy(), lower[new].copy(), upper[new].copy(), integer[new].copy(), matrix,
                         np.concatenate(self._row_lower[mark.row_parts:]) if parts else np.zeros(0),
                         np.concatenate(self._row_upper[mark.row_parts:]) if parts else np.zeros(0),
                         objective.copy(), self.objective_offset)

    def rollback(self, mark: BuilderMark) -> None:
        """Remove everything added since ``mark`` and restore its bounds and objective."""
        self.num_columns, self.num_rows = mark.columns, mark.rows
        self._lower, self._upper = [mark.lower.copy()], [mark.upper.copy()]
        self._integer, self._objective = [mark.integer.copy()], [mark.objective.copy()]
        self._lower_cache = self._upper_cache = None
        del self._row_parts[mark.row_parts:], self._row_lower[mark.row_parts:], self._row_upper[mark.row_parts:]
        del self._variable_blocks[mark.variable_blocks:], self._row_blocks[mark.row_blocks:], self._definitions[mark.definitions:]
        self.objective_offset = mark.objective_offset

    def define(self, columns: np.ndarray, function: Callable[[np.ndarray], np.ndarray]) -> None:
        """Declare how ``columns`` follow from earlier columns (used by :meth:`complete` for warm starts)."""
        self._definitions.append((np.asarray(columns, dtype=np.int64), function))

    def complete(self, known: dict[int, float] | list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """A full point from values of some columns: definitions fill the rest in creation order, zeros (clipped) the others."""
        values = np.full(self.num_columns, np.nan)
        pairs = known.items() if isinstance(known, dict) else known
        for columns, column_values in pairs:
            values[np.asarray(columns, dtype=np.int64)] = column_values
        for columns, function in self._definitions:
            if np.isnan(values[columns]).any():
                values[columns] = function(values)
        lower, upper = self.column_bounds()
        values = np.where(np.isnan(values), np.clip(0.0, lower, upper), values)
        return values

    def add_variables(self, name: str, count: int, lower: float | np.ndarray = 0.0, upper: float | np.ndarray = np.inf,
                      integer: bool | np.ndarray = False, objective: float | Sequence[float] | np.ndarray = 0.0) -> np.ndarray:
        """Add a block of ``count`` columns named ``name[0..count-1]``; returns their indices."""
        count = int(count)
        start = self.num_columns
        lower_array = np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)).copy()
        upper_array = np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)).copy()
        if np.any(lower_array > upper_array + 1e-9):
            raise ValueError(f"{self.name}: variable block {name!r} has lower bounds above upper bounds")
        upper_array = np.maximum(upper_array, lower_array)
        self._lower.append(lower_array)
        self._upper.append(upper_array)
        self._integer.append(np.broadcast_to(np.asarray(integer, dtype=bool), (count,)).copy())
        self._objective.append(np.broadcast_to(np.asarray(objective, dtype=np.float64), (count,)).copy())
        self._variable_blocks.append(Block(name, start, count, (count,), ((np.arange(count),),)))
        self.num_columns += count
        self._lower_cache = self._upper_cache = None
        return np.arange(start, start + count)

    def set_objective(self, columns: np.ndarray, coefficients: np.ndarray) -> None:
        """Add ``coefficients`` to the objective coefficients of ``columns``."""
        full = np.concatenate(self._objective) if self._objective else np.zeros(0)
        np.add.at(full, np.asarray(columns, dtype=np.int64), np.asarray(coefficients, dtype=np.float64))
        self._objective = [full]

    def add_rows(self, name: str, expression: Affine, lower: float | Sequence[float] | np.ndarray = -np.inf,
                 upper: float | Sequence[float] | np.ndarray = np.inf) -> np.ndarray:
        """Add rows ``lower <= expression <= upper`` (the expression's constant moves to the bounds)."""
        count = expression.size
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        lower_array = np.broadcast_to(np.asarray(lower, dtype=np.float64), (count,)) - expression.constant
        upper_array = np.broadcast_to(np.asarray(upper, dtype=np.float64), (count,)) - expression.constant
        start = self.num_rows
        rows = np.repeat(np.arange(start, start + count), expression.columns.size)
        columns = np.tile(expression.columns, count)
        values = expression.coefficients.reshape(-1)
        nonzero = values != 0.0
        self._row_parts.append((rows[nonzero], columns[nonzero], values[nonzero]))
        self._row_lower.append(lower_array.copy())
        self._row_upper.append(upper_array.copy())
        self._row_blocks.append(Block(name, start, count, (count,), ((np.arange(count),),)))
        self.num_rows += count
        return np.arange(start, start + count)

    def column_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of all columns so far."""
        if self._lower_cache is None or self._lower_cache.size != self.num_columns:
            self._lower_cache = np.concatenate(self._lower) if self._lower else np.zeros(0)
            self._upper_cache = np.concatenate(self._upper) if self._upper else np.zeros(0)
        assert self._upper_cache is not None
        return self._lower_cache, self._upper_cache

    def set_column_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Replace the bounds of existing ``columns`` (e.g. after bound tightening)."""
        full_lower, full_upper = self.column_bounds()
        full_lower, full_upper = full_lower.copy(), full_upper.copy()
        full_lower[np.asarray(columns, dtype=np.int64)] = lower
        full_upper[np.asarray(columns, dtype=np.int64)] = upper
        self._lower, self._upper = [full_lower], [full_upper]
        self._lower_cache = self._upper_cache = None

    def tighten_bounds(self, columns: np.ndarray, time_limit: float = 5.0) -> int:
        """Tighten the bounds of ``columns`` to their range over the LP relaxation of the model so far.

        Valid for every integer-feasible point (the relaxation contains them); a small outward
        margin absorbs LP tolerances. Returns the number of LPs solved. Needs highspy.
        """
        import time

        import highspy

        from ormodel.solvers.highs import load_into_highs

        columns = np.asarray(columns, dtype=np.int64)
        if columns.size == 0 or self.num_rows == 0:
            return 0
        form = self.build()
        form.integrality = np.zeros(form.num_columns, dtype=bool)
        form.objective = np.zeros(form.num_columns)
        highs = load_into_highs(form)
        highs.setOptionValue("threads", 1)
        highs.setOptionValue("presolve", "off")
        lower, upper = self.column_bounds()
        new_lower, new_upper = lower[columns].copy(), upper[columns].copy()
        started = time.perf_counter()
        solved = 0
        previous = -1
        for position, column in enumerate(columns):
            for sense, target in ((highspy.ObjSense.kMinimize, new_lower), (highspy.ObjSense.kMaximize, new_upper)):
                left = time_limit - (time.perf_counter() - started)
                if left <= 0:
                    break
                highs.setOptionValue("time_limit", float(left))
                if previous >= 0:
                    highs.changeColCost(int(previous), 0.0)
                highs.changeColCost(int(column), 1.0)
                previous = int(column)
                highs.changeObjectiveSense(sense)
                highs.run()
                solved += 1
                if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    continue
                value = float(highs.getInfo().objective_function_value)
                margin = 1e-7 * (1.0 + abs(value))
                if sense == highspy.ObjSense.kMinimize:
                    target[position] = max(target[position], value - margin)
                else:
                    target[position] = min(target[position], value + margin)
        new_upper = np.maximum(new_upper, new_lower)
        self.set_column_bounds(columns, new_lower, new_upper)
        return solved

    def bounds(self, expression: Affine) -> tuple[np.ndarray, np.ndarray]:
        """Interval bounds of an expression from the column bounds (:func:`ormodel.intervals.dense_interval`)."""
        if expression.columns.size == 0:
            return expression.constant.copy(), expression.constant.copy()
        lower, upper = self.column_bounds()
        return dense_interval(expression.columns, expression.coefficients, expression.constant, lower, upper)

    def materialize(self, name: str, expression: Affine) -> Affine:
        """New continuous columns equal to ``expression`` (bounded by interval arithmetic)."""
        minimum, maximum = self.bounds(expression)
        columns = self.add_variables(name, expression.size, lower=minimum, upper=maximum)
        identity = Affine.of_columns(columns, -np.eye(expression.size))
        self.add_rows(f"{name}_def", expression + identity, lower=0.0, upper=0.0)
        self.define(columns, expression.evaluate)
        return Affine.of_columns(columns)

    def build(self, sense: Sense | str = Sense.MINIMIZE) -> StandardForm:
        """The collected model as a :class:`StandardForm` with named blocks."""
        if self._row_parts:
            rows = np.concatenate([part[0] for part in self._row_parts])
            columns = np.concatenate([part[1] for part in self._row_parts])
            values = np.concatenate([part[2] for part in self._row_parts])
        else:
            rows = columns = np.zeros(0, dtype=np.int64)
            values = np.zeros(0)
        matrix = sp.csr_array(sp.coo_array((values, (rows, columns)), shape=(self.num_rows, self.num_columns)))
        lower, upper = self.column_bounds()
        return StandardForm.from_arrays(
            objective=np.concatenate(self._objective) if self._objective else np.zeros(0),
            matrix=matrix,
            row_lower=np.concatenate(self._row_lower) if self._row_lower else np.zeros(0),
            row_upper=np.concatenate(self._row_upper) if self._row_upper else np.zeros(0),
            column_lower=lower.copy(),
            column_upper=upper.copy(),
            integrality=np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=bool),
            sense=sense,
            objective_offset=self.objective_offset,
            names=NameMap(list(self._variable_blocks), list(self._row_blocks)),
            name=self.name,
        )

    def solve(self, backend: str = "highs", options: SolveOptions | None = None,
              sense: Sense | str = Sense.MINIMIZE) -> Result:
        """Build and solve on one of ormodel's backends.

        HiGHS 1.12 sometimes ends a small MIP with a solve error ("transformNewIntegerFeasibleSolution"
        in its log); such a solve is repeated without presolve, then with another random seed, then on
        SCIP when it is installed.
        """
        import time

        options = options or SolveOptions()
        started = time.perf_counter()
        form = self.build(sense)
        if backend != "highs":
            return get_backend(backend).solve(form, options)
        result = solve_persistent(form, options)
        if result.status != Status.ERROR:
            return result
        retries = [
            ("highs", dataclasses.replace(options, extra={**options.extra, "presolve": "off"})),
            ("highs", dataclasses.replace(options, seed=(options.seed or 0) + 7919)),
            ("scip", options),
        ]
        for retry_backend, retry_options in retries:
            if options.time_limit is not None:
                left = options.time_limit - (time.perf_counter() - started)
                if left <= 0.05:
                    break  # the retries share the caller's time limit
                retry_options = dataclasses.replace(retry_options, time_limit=left)
            try:
                result = (solve_persistent(form, retry_options) if retry_backend == "highs"
                          else get_backend(retry_backend).solve(form, retry_options))
            except (ImportError, KeyError, ValueError):
                continue
            if result.status != Status.ERROR:
                return result
        return result



def open_highs(form: StandardForm, options: SolveOptions) -> HighsPersistentModel:
    """``form`` loaded into a persistent HiGHS model with ``options``' gap, threads, seed and extra options."""
    extra = {key: value for key, value in options.extra.items() if key != "presolve"}
    if options.gap is not None:
        extra["mip_rel_gap"] = float(options.gap)
    return HighsPersistentModel(form, threads=int(options.threads or 0), seed=int(options.seed or 0), extra=extra)


def solve_persistent(form: StandardForm, options: SolveOptions, model: HighsPersistentModel | None = None,
                     warm_start: np.ndarray | None = None, objective_offset: float = 0.0) -> Result:
    """Solve ``form`` (or ``model``, a persistent model of it as changed by the caller) on HiGHS; a :class:`Result`.

    ``objective_offset`` is added to the objective and bound (for objectives replaced on ``model``).
    """
    fresh = model is None
    model = model or open_highs(form, options)
    start = options.warm_start if warm_start is None else warm_start
    presolve = options.extra.get("presolve", "on") != "off"
    solution = model.solve(time_limit=options.time_limit, warm_start=None if start is None else np.asarray(start, dtype=np.float64),
                           presolve=presolve)
    objective = None
    if solution.values is not None:
        # as the one-shot backend computes it (so labels do not depend on the path); a changed model reports HiGHS's value
        objective = form.objective_value(solution.values) if fresh else solution.objective + objective_offset
    bound = solution.bound + objective_offset if np.isfinite(solution.bound) else None
    return Result(status=solution.status, objective=objective, values=solution.values, bound=bound, solve_time=solution.seconds,
                  solver="highs", names=form.names)
