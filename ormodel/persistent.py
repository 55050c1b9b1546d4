"""A persistent model: compile once, load once, then change data, bounds, rows and the objective and re-solve.

``inst = model.instance(solver="highs")`` (or :class:`Instance` on a Problem) compiles the model through
the same reductions as :func:`ormodel.solve` and loads it into the backend's persistent model
(a backend declaring :attr:`~ormodel.backends.Capability.PERSISTENT` makes one with
``backend.open_persistent(form, options)``). Every change is compiled for the affected part only
and sent to the solver as a diff:

* :meth:`Instance.set_parameter` recompiles only the constraint families, objective and bounds that
  read the parameter, and pushes the changed right-hand sides, coefficients, costs and bounds;
* :meth:`Instance.set_bounds`, :meth:`Instance.set_rhs`, :meth:`Instance.set_objective`;
* :meth:`Instance.add_constraint` / :meth:`Instance.remove_constraint`, :meth:`Instance.add_variable`
  / :meth:`Instance.remove_variable`.

:meth:`Instance.solve` returns the same :class:`~ormodel.result.Result` as :func:`ormodel.solve`
(over the model's variables, with the same post-solve: IIS or ray, and ``check=True`` re-evaluating
the point against the current model), warm-starting from the last point on backends with
``warm_start``. A time limit is wall clock there too: on HiGHS, time-limited solves of a large model
run in the wall-clock guard's worker, which mirrors the instance (``extra={"wall_clock_guard": ...}``
as for :func:`ormodel.solve`; see ``docs/architecture.md``). A change the diff cannot express (a family whose number of rows changes, terms
that need auxiliary columns such as ``max`` or ``piecewise``, SOS families) reloads the model
from scratch; :attr:`Instance.rebuilds` counts the loads.

Example:
    >>> import ormodel as om
    >>> model = om.Model("lot")
    >>> x = model.variable("x", upper=10)
    >>> need = model.parameter("need", values=3)
    >>> model.minimize(2 * x)
    >>> model.constrain("demand", x >= need)
    >>> inst = model.instance(solver="highs")
    >>> inst.solve().objective
    6.0
    >>> inst.set_parameter("need", 4)
    >>> inst.solve().objective
    8.0
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import time
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import scipy.sparse as sp

from ormodel.errors import Location, ModelError, UnsupportedProblem
from ormodel.expressions import Binary, Const, Generator, Index, Name, Node, Piecewise, Reduce, walk
from ormodel.problem import Constraint, Objective, Problem
from ormodel.result import Limit, Result, Status
from ormodel.standard_form import NameMap, Sense, StandardForm

if TYPE_CHECKING:
    from ormodel.backends import Backend, SolveOptions

__all__ = ["Instance"]

PERSISTENT = "persistent"


def _uses(node: Node | None, name: str) -> bool:
    """True when an expression reads the symbol ``name`` (parameter or variable), in piecewise() lists too."""
    if node is None:
        return False
    for item in walk(node):
        if isinstance(item, Name) and item.id == name or isinstance(item, Index) and item.name == name:
            return True
        if isinstance(item, Piecewise) and name in (item.breakpoints, item.values):
            return True
    return False


def _constraint_uses(constraint: Constraint, name: str) -> bool:
    nodes: list[Node | None] = [constraint.relation, constraint.when, *constraint.generators]
    return any(_uses(node, name) for node in nodes)


def _piecewise_lists_use(problem: Problem, name: str) -> bool:
    roots = [constraint.relation for constraint in problem.constraints] + ([problem.objective.expression] if problem.objective else [])
    return any(isinstance(item, Piecewise) and name in (item.breakpoints, item.values) for root in roots for item in walk(root))


class Instance:
    """A model loaded into a solver once, changed and re-solved in place.

    Args:
        model: a :class:`~ormodel.problem.Problem` or an :class:`ormodel.api.Model` (copied: later
            changes to it do not reach the instance).
        solver: a backend name or object with the ``persistent`` capability (``highs``, ``scip``).
        solve_options / options: :class:`~ormodel.backends.SolveOptions` used by every :meth:`solve`.

    Raises:
        UnsupportedProblem: the backend keeps no persistent model, or the model is nonlinear.
    """

    def __init__(self, model: Any, solver: Any = "highs", solve_options: "SolveOptions | None" = None, **options: Any) -> None:
        from ormodel.backends import capability_names, get_backend
        from ormodel.reductions import needs_expression_trees
        from ormodel.solve import make_options

        problem = getattr(model, "problem", model)
        if not isinstance(problem, Problem):
            raise TypeError(f"an instance is made from a Problem or a Model, got {type(model).__name__}")
        self.problem = _copy(problem)
        self.settings = make_options(solve_options, **options)
        self.backend: Backend = get_backend(solver) if isinstance(solver, str) else solver
        self._declared = capability_names(self.backend.capabilities)
        if PERSISTENT not in self._declared or not hasattr(self.backend, "open_persistent"):
            raise UnsupportedProblem(f"{self.backend.name} keeps no persistent model", hint="use solver='highs' or solver='scip'")
        if needs_expression_trees(self.problem):
            raise UnsupportedProblem("a persistent instance takes linear (and quadratic-objective) models; this one has nonlinear terms",
                                     hint="solve it with ormodel.solve(model, solver='scip')")
        self.rebuilds = 0
        self.last_update_seconds = 0.0
        self._load()

    # ---- loading -----------------------------------------------------------------------------

    @property
    def _piecewise(self) -> str:
        from ormodel.reductions import piecewise_formulation

        return self.settings.piecewise or piecewise_formulation(self._declared)

    def _load(self) -> None:
        """Compile the whole current model and load it into a fresh solver model."""
        from ormodel.reductions import CompileToStandardForm, apply_chain, special_kinds, special_reductions

        chain = [CompileToStandardForm(piecewise=self._piecewise), *special_reductions(special_kinds(self.problem, self._piecewise), self._declared)]
        form, _ = apply_chain(chain, self.problem)
        if form.has_indicators:
            raise UnsupportedProblem("a persistent instance cannot keep native indicator rows")
        self.form = form
        self.handle = self.backend.open_persistent(form, self.settings)  # type: ignore[attr-defined]
        declared = self._declared_blocks()
        self._declared_count = sum(block.size for block in declared)
        self._columns = np.arange(self._declared_count, dtype=np.int64)  # solver column of each declared column
        self._families = {block.name: [block.start, block.size] for block in form.names.constraints}
        self._row_blocks = {block.name: block for block in form.names.constraints}
        self._loaded_rows = {block.name: (block.start, block.size) for block in form.names.constraints}
        self._row_lower, self._row_upper = form.row_lower.copy(), form.row_upper.copy()
        self._matrices: dict[str, sp.csr_array] = {}
        self._row_overrides: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
        self._key_offsets: dict[str, dict[tuple[Any, ...], int]] = {}
        self._column_lower = form.column_lower[: self._declared_count].copy()
        self._column_upper = form.column_upper[: self._declared_count].copy()
        self._objective = form.objective[: self._declared_count].copy()
        self._offset = form.objective_offset
        self._sense = form.sense
        self._names: NameMap | None = NameMap(variables=declared)
        self._last_point: np.ndarray | None = None
        self.rebuilds += 1

    def _declared_blocks(self) -> list[Any]:
        from ormodel.compiler import Compiler

        return list(Compiler(self.problem).variable_blocks)

    def _rebuild(self) -> None:
        self._load()

    # ---- partial compilation -------------------------------------------------------------

    def _compile_part(self, families: list[str], objective: bool) -> StandardForm | None:
        """The given constraint families (and the objective, or a zero one) compiled over the declared
        columns; ``None`` when they need auxiliary columns (then only a rebuild can load them)."""
        from ormodel.compiler import compile_problem

        current = self.problem.objective_or_zero()
        part = Problem(self.problem.name, sets=self.problem.sets, parameters=self.problem.parameters, variables=self.problem.variables,
                       objective=current if objective else Objective(current.sense, Const(0.0)),
                       constraints=[constraint for constraint in self.problem.constraints if constraint.name in families])
        form = compile_problem(part, piecewise=self._piecewise)
        if form.num_columns != self._declared_count or form.has_sos:
            return None
        return form

    def _family_matrix(self, name: str) -> sp.csr_array:
        matrix = self._matrices.get(name)
        if matrix is None:
            start, size = self._loaded_rows[name]  # families without a matrix yet are as loaded
            rows = sp.csr_array(self.form.matrix[start : start + size])
            matrix = sp.csr_array(rows[:, : self._declared_count])
            self._matrices[name] = matrix
        return matrix

    def _materialize(self) -> None:
        """Every family's matrix as the solver holds it (row overrides folded in), before columns are renumbered."""
        for name in self._families:
            if name.startswith("_") or name not in self._row_blocks:
                continue
            matrix = sp.coo_array(self._family_matrix(name))
            overrides = self._row_overrides.pop(name, {})
            if overrides:
                keep = ~np.isin(matrix.row, np.fromiter(overrides, dtype=np.int64))
                rows = [matrix.row[keep]] + [np.full(len(columns), offset) for offset, (columns, _) in overrides.items()]
                columns = [matrix.col[keep]] + [columns for columns, _ in overrides.values()]
                values = [matrix.data[keep]] + [values for _, values in overrides.values()]
                matrix = sp.coo_array((np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))), shape=matrix.shape)
            self._matrices[name] = sp.csr_array(matrix)

    def _old_row(self, name: str, offset: int) -> tuple[np.ndarray, np.ndarray]:
        """Columns and coefficients the solver holds in row ``offset`` of family ``name``."""
        override = self._row_overrides.get(name, {}).get(offset)
        if override is not None:
            return override
        matrix = self._family_matrix(name)
        start, end = matrix.indptr[offset], matrix.indptr[offset + 1]
        return matrix.indices[start:end], matrix.data[start:end]

    def _row_offsets(self, name: str) -> dict[tuple[Any, ...], int]:
        """Row offset of each index key of a family (built once per family)."""
        offsets = self._key_offsets.get(name)
        if offsets is None:
            block = self._row_blocks[name]
            offsets = {_plain(block.key(offset)): offset for offset in range(block.size)}
            self._key_offsets[name] = offsets
        return offsets

    def _push_restricted(self, name: str, parameter: str, keys: list[tuple[Any, ...]]) -> bool:
        """Recompile only the rows of family ``name`` that read the changed entries ``keys`` of ``parameter``
        (when every use of it is indexed by the family's own ``for`` names); False when that does not apply."""
        from ormodel.compiler import compile_problem
        from ormodel.expressions import BoolOp, Compare

        constraint = next(item for item in self.problem.constraints if item.name == name)
        if not keys or len(keys) > 64 or not constraint.generators or name not in self._row_blocks:
            return False
        targets = {target for generator in constraint.generators for target in generator.targets}
        if any(not generator.unpack and self.problem.sets[generator.domain.id].dimen > 1 for generator in constraint.generators
               if isinstance(generator.domain, Name) and generator.domain.id in self.problem.sets):
            return False
        uses: set[tuple[str, ...]] = set()
        for node in walk(constraint.relation):
            if isinstance(node, Name) and node.id == parameter:
                return False
            if isinstance(node, Index) and node.name == parameter:
                if not all(isinstance(item, Name) and item.id in targets for item in node.items):
                    return False
                uses.add(tuple(item.id for item in node.items if isinstance(item, Name)))
        if len(uses) != 1:
            return False
        names = next(iter(uses))
        if any(len(key) != len(names) for key in keys):
            return False

        def equal(target: str, member: Any) -> Node:
            return Compare(("==",), (Name(target), Const(member if isinstance(member, str) else float(member))))

        matches = [BoolOp("and", tuple(equal(target, member) for target, member in zip(names, key))) if len(names) > 1
                   else equal(names[0], key[0]) for key in keys]
        condition = matches[0] if len(matches) == 1 else BoolOp("or", tuple(matches))
        last = constraint.generators[-1]
        generators = (*constraint.generators[:-1], dataclasses.replace(last, conditions=(*last.conditions, condition)))
        part = Problem(self.problem.name, sets=self.problem.sets, parameters=self.problem.parameters, variables=self.problem.variables,
                       objective=Objective(self.problem.objective_or_zero().sense, Const(0.0)),
                       constraints=[dataclasses.replace(constraint, generators=generators)])
        form = compile_problem(part, piecewise=self._piecewise)
        if form.num_columns != self._declared_count or not form.names.constraints:
            return False
        block = form.names.constraints[0]
        offsets = self._row_offsets(name)
        positions = [offsets.get(_plain(block.key(row))) for row in range(block.size)]
        if any(position is None for position in positions):
            return False
        start, _ = self._families[name]
        rows = np.asarray(positions, dtype=np.int64)
        changed = np.flatnonzero((form.row_lower != self._row_lower[start + rows]) | (form.row_upper != self._row_upper[start + rows]))
        if len(changed):
            self.handle.set_row_bounds(start + rows[changed], form.row_lower[changed], form.row_upper[changed])
            self._row_lower[start + rows[changed]], self._row_upper[start + rows[changed]] = form.row_lower[changed], form.row_upper[changed]
        overrides = self._row_overrides.setdefault(name, {})
        matrix = form.matrix
        for row, offset in enumerate(positions):
            assert offset is not None
            columns = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
            values = matrix.data[matrix.indptr[row] : matrix.indptr[row + 1]]
            old_columns, old_values = self._old_row(name, offset)
            if np.array_equal(columns, old_columns) and np.array_equal(values, old_values):
                continue
            new = dict(zip(columns.tolist(), values.tolist()))
            old = dict(zip(old_columns.tolist(), old_values.tolist()))
            entries = [(column, new.get(column, 0.0)) for column in set(new) | set(old) if new.get(column, 0.0) != old.get(column, 0.0)]
            if entries:
                chosen = np.array([column for column, _ in entries], dtype=np.int64)
                self.handle.set_coefficients(np.full(len(entries), start + offset), self._columns[chosen], np.array([value for _, value in entries]))
            overrides[offset] = (columns.copy(), values.copy())
        return True

    def _push(self, families: list[str], objective: bool, bounds: bool = True, parameter: str | None = None,
              keys: list[tuple[Any, ...]] | None = None) -> None:
        """Recompile ``families`` (only their rows that read ``keys`` of ``parameter`` where possible), the objective
        and (``bounds``) the column bounds, and send the solver what differs."""
        if parameter is not None and keys is not None:
            families = [name for name in families if not self._push_restricted(name, parameter, keys)]
            if not families and not objective and not bounds:
                return
        part = self._compile_part(families, objective)
        if part is None:
            self._rebuild()
            return
        blocks = {block.name: block for block in part.names.constraints}
        for name in families:
            block = blocks[name]
            start, size = self._families[name]
            if block.size != size:
                self._rebuild()
                return
        for name in families:
            block = blocks[name]
            start, size = self._families[name]
            new_lower = part.row_lower[block.start : block.start + size]
            new_upper = part.row_upper[block.start : block.start + size]
            changed = np.flatnonzero((new_lower != self._row_lower[start : start + size]) | (new_upper != self._row_upper[start : start + size]))
            if len(changed):
                self.handle.set_row_bounds(start + changed, new_lower[changed], new_upper[changed])
                self._row_lower[start + changed], self._row_upper[start + changed] = new_lower[changed], new_upper[changed]
            matrix = sp.csr_array(part.matrix[block.start : block.start + size])
            old = self._family_matrix(name)
            difference = sp.coo_array(matrix - old)
            if difference.nnz:
                rows, columns = difference.row, difference.col
                values = np.asarray(matrix[rows, columns]).ravel()
                self.handle.set_coefficients(start + rows, self._columns[columns], values)
            self._matrices[name] = matrix
            self._row_overrides.pop(name, None)
        self._push_columns(part, objective, bounds)

    def _push_columns(self, part: StandardForm, objective: bool, bounds: bool = True) -> None:
        if objective and part.is_quadratic:
            raise UnsupportedProblem("a persistent instance keeps a linear objective; this one is quadratic",
                                     hint="solve quadratic objectives with ormodel.solve")
        lower, upper = part.column_lower, part.column_upper
        changed = np.flatnonzero((lower != self._column_lower) | (upper != self._column_upper)) if bounds else np.zeros(0, dtype=np.int64)
        if len(changed):
            self.handle.set_column_bounds(self._columns[changed], lower[changed], upper[changed])
            self._column_lower[changed], self._column_upper[changed] = lower[changed], upper[changed]
        if objective:
            sense_changed = part.sense != self._sense
            if sense_changed or not np.array_equal(part.objective, self._objective):
                vector = np.zeros(self.handle.num_columns)
                vector[self._columns] = part.objective
                self.handle.set_objective(vector, part.sense)
                self._objective, self._sense = part.objective.copy(), part.sense
            if part.objective_offset != self._offset:
                self.handle.set_objective_offset(part.objective_offset)
                self._offset = part.objective_offset

    # ---- changes ---------------------------------------------------------------------------

    def set_parameter(self, name: str, values: Any) -> None:
        """Replace a parameter's data: a number (scalar, or every entry), a mapping ``{key: value}`` of
        entries to change, or a full array in set order. Only what reads it is recompiled."""
        started = time.perf_counter()
        parameter = self.problem.parameters.get(name)
        location = Location(element="parameters", item=name)
        if parameter is None:
            raise ModelError(f"no parameter named {name!r}", location, self.problem.suggest(name))
        table = self._new_table(parameter, values, location)
        keys = self._changed_keys(parameter, table)
        self.problem.parameters[name] = dataclasses.replace(parameter, values=table)
        if _piecewise_lists_use(self.problem, name) or any(_constraint_uses(constraint, name) for constraint in self.problem.constraints
                                                            if constraint.when is not None):
            self._rebuild()
        else:
            families = [constraint.name for constraint in self.problem.constraints if _constraint_uses(constraint, name)]
            uses_objective = self.problem.objective is not None and _uses(self.problem.objective.expression, name)
            if any(_uses(family.members, name) or any(_uses(generator, name) for generator in family.generators) for family in self.problem.sos_sets):
                self._rebuild()
            else:
                bounds = any(name in (variable.lower, variable.upper) for variable in self.problem.variables.values())
                self._push(families, uses_objective, bounds, name, keys)
        self.last_update_seconds = time.perf_counter() - started

    def _changed_keys(self, parameter: Any, table: np.ndarray) -> list[tuple[Any, ...]] | None:
        """Member keys of the entries that change (``None`` for a scalar, or when the index has tuple sets)."""
        if not parameter.index or any(self.problem.sets[set_name].dimen > 1 for set_name in parameter.index):
            return None
        old = np.asarray(parameter.values, dtype=np.float64)
        differs = (old != table) & ~(np.isnan(old) & np.isnan(table))
        positions = np.argwhere(differs)
        if len(positions) > 64:
            return None
        index_sets = [self.problem.sets[set_name] for set_name in parameter.index]
        return [tuple(index_set.member(int(position)) for index_set, position in zip(index_sets, row)) for row in positions]

    def _new_table(self, parameter: Any, values: Any, location: Location) -> np.ndarray:
        from ormodel.io import check_finite_table, read_number, store_many

        index_sets = [self.problem.sets[set_name] for set_name in parameter.index]
        if isinstance(values, Mapping):
            if not parameter.index:
                raise ModelError("a scalar parameter takes a number, not a mapping", location)
            table = np.array(parameter.values, dtype=np.float64, copy=True)
            keys = [key if isinstance(key, tuple) else (key,) for key in values]
            store_many(table, index_sets, keys, [read_number(value, location) for value in values.values()], location)
            return table
        if np.ndim(values) == 0:
            return np.full(np.shape(parameter.values), read_number(values, location), dtype=np.float64)
        try:
            table = np.array(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelError("values must be a number, a mapping keyed by members, or an array in set order", location) from None
        if table.shape != np.shape(parameter.values):
            raise ModelError(f"values have shape {table.shape}, the parameter's index sets give {np.shape(parameter.values)}", location)
        check_finite_table(table, location, index_sets)
        return table

    def _block(self, variable: str) -> Any:
        assert self._names is not None
        for block in self._names.variables:
            if block.name == variable:
                return block
        close = difflib.get_close_matches(variable, [block.name for block in self._names.variables], n=1)
        raise ModelError(f"no variable named {variable!r}", Location(element="variables", item=variable),
                         f"did you mean {close[0]!r}?" if close else None)

    def _positions(self, block: Any, at: Any) -> np.ndarray:
        """Declared columns of a family: all of them, or the element at key ``at``."""
        if at is None:
            return np.arange(block.start, block.start + block.size)
        key = at if isinstance(at, tuple) else (at,)
        for offset in range(block.size):
            if block.key(offset) == key:
                return np.array([block.start + offset])
        raise ModelError(f"{block.name} has no element {at!r}", Location(element="variables", item=block.name))

    def set_bounds(self, variable: str, lower: float | None = None, upper: float | None = None, at: Any = None) -> None:
        """Change the bounds of a variable family, or of its element ``at`` (a member or tuple of members).

        An element's bound becomes data of the model: the family's bound turns into a parameter
        ``_lower_<variable>`` / ``_upper_<variable>`` holding every element's bound.
        """
        started = time.perf_counter()
        from ormodel.problem import Parameter

        block = self._block(variable)
        columns = self._positions(block, at)
        family = self.problem.variables[variable]
        location = Location(element="variables", item=variable)
        low = self._column_lower[columns] if lower is None else np.full(len(columns), float(lower))
        high = self._column_upper[columns] if upper is None else np.full(len(columns), float(upper))
        if np.any(np.isnan(low)) or np.any(np.isnan(high)) or np.any(low > high):
            raise ModelError(f"lower bound {float(low.max()):g} exceeds upper bound {float(high.min()):g}" if not np.any(np.isnan(low) | np.isnan(high))
                             else "a bound is NaN", location)
        for side, value, current in (("lower", lower, self._column_lower), ("upper", upper, self._column_upper)):
            if value is None:
                continue
            if at is None:
                family = dataclasses.replace(family, lower=float(value)) if side == "lower" else dataclasses.replace(family, upper=float(value))
                continue
            table = current[block.start : block.start + block.size].copy()
            table[columns - block.start] = float(value)
            name = f"_{side}_{variable}"
            self.problem.parameters[name] = Parameter(name, family.index, table.reshape(block.shape if block.shape else ()))
            family = dataclasses.replace(family, lower=name) if side == "lower" else dataclasses.replace(family, upper=name)
        self.problem.variables[variable] = family
        self._push([], False)
        self.last_update_seconds = time.perf_counter() - started

    def set_rhs(self, constraint: str, rhs: float, at: Any = None) -> None:
        """Set the right-hand side of a constraint family ``lhs <= rhs`` / ``>=`` / ``==``: of every row to a
        number, or of the row at key ``at`` (a member or tuple of members of the family's ``for`` sets).

        A row's right-hand side becomes data of the model: the constant side turns into a parameter
        ``_rhs_<constraint>`` over the family's sets holding every row's right-hand side, so parameters it
        read before no longer reach this family (set them with ``set_rhs`` from then on).
        """
        started = time.perf_counter()
        from ormodel.expressions import Compare

        location = Location(element="constraints", item=constraint)
        family = next((item for item in self.problem.constraints if item.name == constraint), None)
        if family is None:
            close = difflib.get_close_matches(constraint, [item.name for item in self.problem.constraints], n=1)
            raise ModelError(f"no constraint family named {constraint!r}", location, f"did you mean {close[0]!r}?" if close else None)
        relation = family.relation
        if len(relation.ops) != 1:
            raise ModelError("a range constraint lo <= expr <= hi has two right-hand sides", location, "write them as parameters and use set_parameter")
        constant = [not any(_uses(operand, variable) for variable in self.problem.variables) for operand in relation.operands]
        if not any(constant):
            raise ModelError("neither side of this constraint is free of variables", location, "write the constant part as a parameter and use set_parameter")
        value = float(rhs)
        if not math.isfinite(value):
            raise ModelError(f"the right-hand side must be a finite number, got {rhs!r}", location)
        side = 1 if constant[1] else 0  # the constant side (Python may have written the API's `expr >= data` as `data <= expr`)
        replacement: Node = Const(value) if at is None else self._row_rhs_data(family, side, at, value, location)
        operands = (relation.operands[0], replacement) if side == 1 else (replacement, relation.operands[1])
        replaced = dataclasses.replace(family, relation=Compare(relation.ops, operands, column=relation.column))
        self.problem.constraints = [replaced if item.name == constraint else item for item in self.problem.constraints]
        if at is None:
            self._push([constraint], False, False)
        else:  # only the changed row is recompiled
            self._push([constraint], False, False, f"_rhs_{constraint}", [_plain(at if isinstance(at, tuple) else (at,))])
        self.last_update_seconds = time.perf_counter() - started

    def _row_rhs_data(self, family: Constraint, side: int, at: Any, value: float, location: Location) -> Node:
        """``_rhs_<family>[targets]``, the family's right-hand sides as a parameter with the row at ``at`` set to ``value``."""
        from ormodel.compiler import Compiler
        from ormodel.io import store_many
        from ormodel.problem import Parameter

        name = family.name
        generators = family.generators
        domains = [generator.domain.id if isinstance(generator.domain, Name) else None for generator in generators]
        if not generators or any(domain not in self.problem.sets for domain in domains) or any(
                not generator.unpack and self.problem.sets[domain].dimen > 1 for generator, domain in zip(generators, domains) if domain):
            raise ModelError("a per-row right-hand side needs a family written `for` members of named sets", location,
                             "write the right-hand side as a parameter and use set_parameter")
        if name not in self._row_blocks:
            raise ModelError(f"{name} has no rows in the loaded model", location)
        key = _plain(at if isinstance(at, tuple) else (at,))
        offsets = self._row_offsets(name)
        if key not in offsets:
            example = next(iter(offsets), None)
            raise ModelError(f"{name} has no row {at!r}", location, f"rows are keyed like {example!r}" if example is not None else None)
        data = f"_rhs_{name}"
        index = tuple(domain for domain in domains if domain is not None)
        targets = Index(data, tuple(Name(target) for generator in generators for target in generator.targets))
        current = family.relation.operands[side]
        if current == targets and data in self.problem.parameters:
            table = np.array(self.problem.parameters[data].values, dtype=np.float64, copy=True)
        else:  # first per-row change: every row's right-hand side as it stands, evaluated row by row
            compiler = Compiler(self.problem)
            frame = compiler.frame_for(generators)
            values = np.broadcast_to(compiler.numbers(compiler.evaluate(current, frame), current), (frame.size,))
            block = self._row_blocks[name]
            index_sets = [self.problem.sets[set_name] for set_name in index]
            table = np.zeros(tuple(index_set.size for index_set in index_sets))
            store_many(table, index_sets, [_plain(block.key(offset)) for offset in range(block.size)], values.tolist(), location)
        store_many(table, [self.problem.sets[set_name] for set_name in index], [key], [value], location)
        self.problem.parameters[data] = Parameter(data, index, table)
        return targets

    def set_objective(self, expression: Any, sense: str | Sense | None = None) -> None:
        """Replace the objective (text or an API expression); ``sense`` keeps the current one when omitted
        (minimize after a feasibility model). ``None`` drops it: a feasibility model, any feasible point answers."""
        started = time.perf_counter()
        from ormodel.api import Expression, _node

        chosen = self.problem.objective_or_zero().sense if sense is None else (sense if isinstance(sense, Sense) else Sense.parse(sense))
        if expression is None:
            self.problem.objective = None
        elif isinstance(expression, str):
            self.problem.set_objective(Objective.parse(chosen, expression))
        else:
            self.problem.set_objective(Objective(chosen, _node(expression) if isinstance(expression, Expression) else _node(expression)))
        self._push([], True)
        self.last_update_seconds = time.perf_counter() - started

    def add_constraint(self, name: str, relation: Any, for_each: Any = None, where: Any = None, when: Any = None) -> None:
        """Add a constraint family (text or an API relation, as :meth:`ormodel.api.Model.constrain`); only its rows are sent."""
        started = time.perf_counter()
        from ormodel.api import Model

        Model.from_problem(self.problem).constrain(name, relation, for_each=for_each, where=where, when=when)
        part = self._compile_part([name], False)
        if part is None or part.has_indicators:
            self._rebuild()
        else:
            block = part.names.constraints[0]
            rows = sp.csr_array(part.matrix[block.start : block.start + block.size])
            mapped = sp.csr_array((rows.data, self._columns[rows.indices], rows.indptr), shape=(block.size, self.handle.num_columns))
            self.handle.add_rows(mapped, part.row_lower, part.row_upper)
            total = len(self._row_lower)
            self._families[name] = [total, block.size]
            self._row_blocks[name] = block
            self._row_lower = np.concatenate([self._row_lower, part.row_lower])
            self._row_upper = np.concatenate([self._row_upper, part.row_upper])
            self._matrices[name] = rows
        self.last_update_seconds = time.perf_counter() - started

    def remove_constraint(self, name: str) -> None:
        """Remove a constraint family (or a family of special ordered sets) and its rows."""
        started = time.perf_counter()
        if any(family.name == name for family in self.problem.sos_sets):
            self.problem.sos_sets = [family for family in self.problem.sos_sets if family.name != name]
            self._rebuild()
            return
        if name not in self._families or name.startswith("_"):
            raise ModelError(f"no constraint family named {name!r}", Location(element="constraints", item=name))
        self.problem.constraints = [constraint for constraint in self.problem.constraints if constraint.name != name]
        start, size = self._families.pop(name)
        self._row_blocks.pop(name, None)
        self.handle.delete_rows(np.arange(start, start + size))
        for family in self._families.values():
            if family[0] > start:
                family[0] -= size
        keep = np.ones(len(self._row_lower), dtype=bool)
        keep[start : start + size] = False
        self._row_lower, self._row_upper = self._row_lower[keep], self._row_upper[keep]
        self._matrices.pop(name, None)
        self._row_overrides.pop(name, None)
        self._key_offsets.pop(name, None)
        self.last_update_seconds = time.perf_counter() - started

    def add_variable(self, name: str, index: Any = None, domain: str = "continuous", lower: float | str = 0.0,
                     upper: float | str = math.inf, cost: float = 0.0) -> None:
        """Add a variable family (as :meth:`ormodel.api.Model.variable`); its columns are appended to the
        solver model with objective coefficient ``cost`` (and added to the objective as ``cost * sum``)."""
        started = time.perf_counter()
        from ormodel.api import Model

        self._materialize()
        Model.from_problem(self.problem).variable(name, index, domain, lower, upper)
        if self.problem.variables[name].semicontinuous:
            self._rebuild()
            return
        blocks = self._declared_blocks()
        block = blocks[-1]
        from ormodel.compiler import Compiler

        compiler = Compiler(self.problem)
        low_all, high_all = compiler.bounds()
        low, high = low_all[block.start :], high_all[block.start :]
        integer = np.concatenate(compiler.column_integer)[block.start :]
        solver_columns = self.handle.add_columns(np.full(block.size, float(cost)), low, high, integer)
        self._columns = np.concatenate([self._columns, np.asarray(solver_columns, dtype=np.int64)])
        self._declared_count += block.size
        self._column_lower = np.concatenate([self._column_lower, low])
        self._column_upper = np.concatenate([self._column_upper, high])
        self._objective = np.concatenate([self._objective, np.full(block.size, float(cost))])
        self._matrices = {family: sp.csr_array(matrix, shape=(matrix.shape[0], self._declared_count)) for family, matrix in self._matrices.items()}
        self._names = NameMap(variables=blocks)
        if cost:
            current = self.problem.objective_or_zero()
            self.problem.objective = Objective(current.sense, Binary("+", current.expression, _total(name, self.problem.variables[name].index, cost)))
        if self._last_point is not None:
            self._last_point = np.concatenate([self._last_point, np.clip(0.0, low, high)])
        self.last_update_seconds = time.perf_counter() - started

    def remove_variable(self, name: str) -> None:
        """Remove a variable family that no constraint or objective uses any more."""
        started = time.perf_counter()
        block = self._block(name)
        users = [constraint.name for constraint in self.problem.constraints if _constraint_uses(constraint, name)]
        users += [family.name for family in self.problem.sos_sets if _uses(family.members, name)]
        if self.problem.objective is not None and _uses(self.problem.objective.expression, name):
            users.append("the objective")
        if users:
            raise ModelError(f"variable {name!r} is still used by {', '.join(users)}", Location(element="variables", item=name),
                             "remove or change those first")
        self._materialize()
        positions = np.arange(block.start, block.start + block.size)
        solver_columns = self._columns[positions]
        try:
            self.handle.delete_columns(solver_columns)
            deleted = True
        except ValueError:  # a backend that cannot delete loaded columns: fix them at 0, unused
            self.handle.set_column_bounds(solver_columns, np.zeros(len(solver_columns)), np.zeros(len(solver_columns)))
            deleted = False
        keep = np.ones(self._declared_count, dtype=bool)
        keep[positions] = False
        remaining = self._columns[keep]
        if deleted:
            remaining = remaining - np.searchsorted(np.sort(solver_columns), remaining)
        del self.problem.variables[name]
        self._columns = remaining
        self._declared_count -= block.size
        self._column_lower, self._column_upper = self._column_lower[keep], self._column_upper[keep]
        self._objective = self._objective[keep]
        self._matrices = {family: sp.csr_array(matrix[:, keep]) for family, matrix in self._matrices.items()}
        self._names = NameMap(variables=self._declared_blocks())
        self._last_point = None
        self.last_update_seconds = time.perf_counter() - started

    # ---- solving ---------------------------------------------------------------------------

    def _result_names(self) -> NameMap:
        """Declared variables, and every constraint family at its current rows in the solver."""
        blocks = [dataclasses.replace(self._row_blocks[name], start=start) for name, (start, _) in self._families.items() if name in self._row_blocks]
        assert self._names is not None
        return NameMap(variables=list(self._names.variables), constraints=sorted(blocks, key=lambda block: block.start))

    def solve(self, check: bool = False, **options: Any) -> Result:
        """Solve the model as it stands now; the same Result (and post-solve) as :func:`ormodel.solve`.

        ``options`` override the instance's :class:`~ormodel.backends.SolveOptions` for this solve.
        """
        from ormodel.solve import make_options, post_solve

        clock = time.monotonic()
        settings = make_options(self.settings, **options)
        deadline = clock + float(settings.time_limit) if settings.time_limit is not None else None
        warm = None
        if "warm_start" in self._declared and self._last_point is not None and len(self._last_point) == self.handle.num_columns:
            warm = self._last_point
        # A backend whose persistent model has its own wall-clock guard (HiGHS) reads the guard's switch and the clock.
        context = {"extra": settings.extra, "started": clock} if getattr(self.handle, "accepts_solve_extra", False) else {}
        sub = self.handle.solve(time_limit=settings.time_limit, warm_start=warm, solution_limit=settings.solution_limit, **context)
        result = Result(status=sub.status, solver=self.backend.name, solve_time=sub.seconds, names=self._result_names())
        if sub.raw_status:
            result.raw_status, result.message = sub.raw_status, sub.message
        if sub.status == Status.TIME_LIMIT:
            result.limit = Limit.TIME
        if sub.nodes is not None:
            result.nodes = sub.nodes
        result.extra.update(sub.extra)
        if sub.columns is not None and sub.status not in (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED):
            self._last_point = sub.columns
            result.values = sub.columns[self._columns]
            result.objective = float(self.handle.objective @ sub.columns) + self._offset  # auxiliary columns' costs included
        if sub.row_duals is not None and sub.columns is not None:
            result.row_duals = sub.row_duals
        result.bound = sub.bound
        result.extra["solver_seconds"] = sub.solver_seconds
        result.extra["rebuilds"] = self.rebuilds
        started = time.perf_counter()
        if self.problem.is_feasibility:
            result.answer_feasibility()
        post_solve(self.problem, None, result, settings, deadline, check)
        result.timings.update({"update": self.last_update_seconds, "solve": sub.seconds, "post_solve": time.perf_counter() - started})
        self.last_update_seconds = 0.0
        return result



def _total(name: str, index: tuple[str, ...], cost: float) -> Node:
    """``cost * sum(name[k0, k1, …] for k0 in S0 for k1 in S1 …)`` (``cost * name`` for a scalar family)."""
    if not index:
        return Binary("*", Const(float(cost)), Name(name))
    targets = [f"_k{position}" for position in range(len(index))]
    generators = tuple(Generator((target,), Name(set_name), (), False) for target, set_name in zip(targets, index))
    return Binary("*", Const(float(cost)), Reduce("sum", Index(name, tuple(Name(target) for target in targets)), generators))


def _plain(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """An index key with Python scalars (integral floats as ints), comparable across blocks."""
    items = []
    for item in key:
        item = item.item() if isinstance(item, np.generic) else item
        items.append(int(item) if isinstance(item, float) and item.is_integer() else item)
    return tuple(items)


def _copy(problem: Problem) -> Problem:
    """A copy whose element tables can change without touching ``problem`` (sets and data arrays are shared until replaced)."""
    return dataclasses.replace(problem, sets=dict(problem.sets), parameters=dict(problem.parameters), variables=dict(problem.variables),
                               constraints=list(problem.constraints), sos_sets=list(problem.sos_sets))
