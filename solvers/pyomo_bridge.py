"""Pyomo bridge: a model as a Pyomo ``ConcreteModel`` and back, and any Pyomo solver as a backend.

* :func:`to_pyomo` builds a ``ConcreteModel`` from a Problem or StandardForm with one indexed
  ``Var`` per variable family and one indexed ``Constraint`` per constraint family, indexed by
  the family's own keys (``model.ship["seattle", "chicago"]``, ``model.supply["seattle"]``);
  auxiliary columns and rows of linearizations become ``aux_*`` components.
* :func:`from_pyomo` reads a user's ``ConcreteModel`` (active variables, constraints and the
  active objective; linear constraints, linear or quadratic objective) into a StandardForm whose
  names are the Pyomo component names and indices.
* :class:`PyomoBackend` solves through ``pyomo.environ.SolverFactory(solver_name)``: HiGHS
  (``"highs"``, ``"appsi_highs"``), Gurobi, CPLEX, CBC, GLPK, Ipopt... whatever the user has
  installed. ``get_backend("pyomo")`` uses HiGHS; ``get_backend("pyomo:cbc")`` picks CBC.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"sets": {"I": ["a", "b"]}, "variables": {"x": {"index": ["I"], "upper": 1}},
    ...     "objective": {"sense": "max", "expression": "sum(x[i] for i in I)"},
    ...     "constraints": [{"name": "pair", "expression": "x['a'] + x['b'] <= 1.5"}]})
    >>> concrete = to_pyomo(problem)
    >>> concrete.x["a"].ub, concrete.pair.ub
    (1.0, 1.5)
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from ormodel.solvers.base import Capability, SolveOptions, unknown_option

from ormodel.result import Limit, Result, Status
from ormodel.standard_form import Block, NameMap, Sense, StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = ["PyomoBackend", "PyomoModel", "build_pyomo", "from_pyomo", "to_pyomo"]


@dataclass
class PyomoModel:
    """A ConcreteModel with the pyomo variable of each column and constraint of each row."""

    model: Any
    columns: list[Any]
    rows: list[Any]
    form: StandardForm

    def objective_at(self, values: np.ndarray) -> float:
        """The objective at a point (one value per column)."""
        return self.form.objective_value(values)


def _component_name(name: str) -> str:
    return "aux" + name if name.startswith("_") else name


def _pyomo_key(key: tuple[Any, ...]) -> Any:
    return key[0] if len(key) == 1 else key


def build_pyomo(model: Problem | StandardForm) -> PyomoModel:
    """A Pyomo ConcreteModel of a Problem or StandardForm, with the column/row maps.

    A Problem with nonlinear terms is built from its expression trees (:mod:`ormodel.solvers.pyomo_nonlinear`).
    """
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    from ormodel.compiler import as_standard_form
    from ormodel.nonlinearity import uses_nonlinear_terms
    from ormodel.problem import Problem

    if isinstance(model, Problem) and uses_nonlinear_terms(model):
        from ormodel.solvers.pyomo_nonlinear import build_pyomo_nonlinear

        return build_pyomo_nonlinear(model)

    form = as_standard_form(model)
    concrete = pyo.ConcreteModel(name=form.name)
    columns: list[Any] = [None] * form.num_columns
    blocks = form.names.variables or [Block(f"c{column}", column, 1) for column in range(form.num_columns)]
    lower, upper, integer = form.column_lower.tolist(), form.column_upper.tolist(), form.integrality.tolist()

    def domain(column: int) -> Any:
        if not integer[column]:
            return pyo.Reals
        return pyo.Binary if lower[column] >= 0 and upper[column] <= 1 else pyo.Integers

    def bounds(column: int) -> tuple[float | None, float | None]:
        return (None if math.isinf(lower[column]) else lower[column], None if math.isinf(upper[column]) else upper[column])

    for block in blocks:
        name = _component_name(block.name)
        if not block.shape and block.key_columns is None and block.size == 1:
            column = block.start
            variable = pyo.Var(domain=domain(column), bounds=bounds(column))
            concrete.add_component(name, variable)
            columns[column] = variable
            continue
        keys = [_pyomo_key(block.key(offset)) for offset in range(block.size)]
        start = block.start
        position = {key: start + offset for offset, key in enumerate(keys)}
        index = pyo.Set(initialize=keys, ordered=True, dimen=None)
        concrete.add_component(name + "_index", index)
        variable = pyo.Var(index, domain=lambda _, *key, position=position: domain(position[_pyomo_key(key)]),
                           bounds=lambda _, *key, position=position: bounds(position[_pyomo_key(key)]))
        concrete.add_component(name, variable)
        for offset, key in enumerate(keys):
            columns[start + offset] = variable[key]
    matrix = form.matrix
    pointers, indices, values = matrix.indptr.tolist(), matrix.indices.tolist(), matrix.data.tolist()
    row_lower, row_upper = form.row_lower.tolist(), form.row_upper.tolist()

    def row_expression(row: int) -> Any:
        start, end = pointers[row], pointers[row + 1]
        body = LinearExpression(constant=0.0, linear_coefs=values[start:end], linear_vars=[columns[k] for k in indices[start:end]])
        low = None if math.isinf(row_lower[row]) else row_lower[row]
        high = None if math.isinf(row_upper[row]) else row_upper[row]
        if low is not None and low == high:
            return body == low
        if low is None and high is None:
            return pyo.Constraint.Skip
        return (low, body, high)

    rows: list[Any] = [None] * form.num_rows
    row_blocks = form.names.constraints or [Block(f"r{row}", row, 1) for row in range(form.num_rows)]
    for block in row_blocks:
        name = _component_name(block.name)
        if hasattr(concrete, name):
            name = name + "_constraint"
        if not block.shape and block.key_columns is None and block.size == 1:
            constraint = pyo.Constraint(expr=row_expression(block.start))
            concrete.add_component(name, constraint)
            rows[block.start] = constraint
            continue
        keys = [_pyomo_key(block.key(offset)) for offset in range(block.size)]
        position = {key: block.start + offset for offset, key in enumerate(keys)}
        index = pyo.Set(initialize=keys, ordered=True, dimen=None)
        concrete.add_component(name + "_index", index)
        constraint = pyo.Constraint(index, rule=lambda _, *key, position=position: row_expression(position[_pyomo_key(key)]))
        concrete.add_component(name, constraint)
        for offset, key in enumerate(keys):
            rows[block.start + offset] = constraint[key] if key in constraint else None  # noqa: SIM401 - Pyomo components have no get()
    nonzero = np.flatnonzero(form.objective)
    objective = LinearExpression(constant=form.objective_offset, linear_coefs=form.objective[nonzero].tolist(),
                                 linear_vars=[columns[int(column)] for column in nonzero])
    if form.is_quadratic:
        assert form.quadratic is not None
        coordinates = sp.triu(form.quadratic).tocoo()
        terms = [(0.5 if first == second else 1.0) * value * columns[first] * columns[second]
                 for first, second, value in zip(coordinates.row.tolist(), coordinates.col.tolist(), coordinates.data.tolist())]
        objective = objective + pyo.quicksum(terms)
    concrete.objective = pyo.Objective(expr=objective, sense=pyo.maximize if form.sense == Sense.MAXIMIZE else pyo.minimize)
    return PyomoModel(concrete, columns, rows, form)


def to_pyomo(model: Problem | StandardForm) -> Any:
    """A Pyomo ConcreteModel of a Problem or StandardForm, indexed by the model's own names."""
    return build_pyomo(model).model


def from_pyomo(concrete: Any, name: str | None = None) -> StandardForm:
    """A StandardForm from a Pyomo model (linear constraints; linear or quadratic objective).

    Raises:
        ValueError: a nonlinear constraint or objective, or not exactly one active objective.
    """
    import pyomo.environ as pyo
    from pyomo.repn import generate_standard_repn

    column_of: dict[int, int] = {}
    variable_blocks: list[Block] = []
    lower: list[float] = []
    upper: list[float] = []
    integer: list[bool] = []
    for component in concrete.component_objects(pyo.Var, active=True, descend_into=True):
        keys: list[tuple[Any, ...]] = []
        start = len(lower)
        for key, data in component.items():
            column_of[id(data)] = len(lower)
            if data.fixed:
                low = high = float(data.value)
            else:
                low = -math.inf if data.lb is None else float(data.lb)
                high = math.inf if data.ub is None else float(data.ub)
            lower.append(low)
            upper.append(high)
            integer.append(bool(data.is_integer() or data.is_binary()))
            keys.append(key if isinstance(key, tuple) else (key,))
        variable_blocks.append(_block(component.name, start, keys, component.is_indexed()))
    row_entries: list[tuple[list[int], list[float]]] = []
    row_lower: list[float] = []
    row_upper: list[float] = []
    constraint_blocks: list[Block] = []
    for component in concrete.component_objects(pyo.Constraint, active=True, descend_into=True):
        keys = []
        start = len(row_lower)
        for key, data in component.items():
            if not data.active:
                continue
            repn = generate_standard_repn(data.body, quadratic=False)
            if not repn.is_linear():
                raise ValueError(f"constraint {data.name} is nonlinear; from_pyomo reads linear constraints only")
            columns = [column_of[id(variable)] for variable in repn.linear_vars]
            row_entries.append((columns, [float(value) for value in repn.linear_coefs]))
            constant = float(repn.constant)
            row_lower.append(-math.inf if data.lower is None else float(pyo.value(data.lower)) - constant)
            row_upper.append(math.inf if data.upper is None else float(pyo.value(data.upper)) - constant)
            keys.append(key if isinstance(key, tuple) else (key,))
        if keys:
            constraint_blocks.append(_block(component.name, start, keys, component.is_indexed()))
    objectives = list(concrete.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objectives) != 1:
        raise ValueError(f"the Pyomo model has {len(objectives)} active objectives; deactivate all but one")
    objective_data = objectives[0]
    repn = generate_standard_repn(objective_data.expr, quadratic=True)
    if repn.nonlinear_expr is not None:
        raise ValueError(f"objective {objective_data.name} is neither linear nor quadratic")
    count = len(lower)
    objective = np.zeros(count)
    for variable, coefficient in zip(repn.linear_vars, repn.linear_coefs):
        objective[column_of[id(variable)]] += float(coefficient)
    quadratic = None
    if repn.quadratic_vars:
        first = [column_of[id(pair[0])] for pair in repn.quadratic_vars]
        second = [column_of[id(pair[1])] for pair in repn.quadratic_vars]
        coefficients = [float(value) for value in repn.quadratic_coefs]
        # x'Qx/2 = sum coef * x_i x_j  ->  Q_ij + Q_ji = 2 coef (diagonal: Q_ii = 2 coef).
        quadratic = sp.coo_array((coefficients + coefficients, (first + second, second + first)), shape=(count, count)).tocsc()
    entries_rows = np.repeat(np.arange(len(row_entries)), [len(columns) for columns, _ in row_entries]).astype(np.int64)
    entries_columns = np.array([column for columns, _ in row_entries for column in columns], dtype=np.int64)
    entries_values = np.array([value for _, values in row_entries for value in values], dtype=np.float64)
    matrix = sp.coo_array((entries_values, (entries_rows, entries_columns)), shape=(len(row_entries), count)).tocsr()
    matrix.sum_duplicates()
    return StandardForm.from_arrays(
        objective=objective, matrix=matrix, row_lower=np.array(row_lower), row_upper=np.array(row_upper),
        column_lower=np.array(lower), column_upper=np.array(upper), integrality=np.array(integer, dtype=bool),
        sense=Sense.MAXIMIZE if objective_data.sense == pyo.maximize else Sense.MINIMIZE,
        objective_offset=float(repn.constant), quadratic=quadratic,
        names=NameMap(variables=variable_blocks, constraints=constraint_blocks), name=name or concrete.name or "pyomo_model",
    )


def _block(name: str, start: int, keys: list[tuple[Any, ...]], indexed: bool) -> Block:
    if not indexed:
        return Block(name, start, 1)
    width = max((len(key) for key in keys), default=1)
    columns = []
    for position in range(width):
        values = [key[position] if position < len(key) else None for key in keys]
        column = np.empty(len(values), dtype=object)
        column[:] = values
        columns.append(column)
    return Block(name, start, len(keys), (len(keys),), (), key_columns=tuple(columns))


@contextlib.contextmanager
def _quiet_pyomo() -> Iterator[None]:
    logger = logging.getLogger("pyomo.core")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


_TIME_LIMIT_OPTION = {"cbc": "seconds", "glpk": "tmlim", "gurobi": "TimeLimit", "gurobi_direct": "TimeLimit", "cplex": "timelimit",
                      "ipopt": "max_cpu_time", "scip": "limits/time"}


def _option_names(solver_name: str) -> list[str] | None:
    """Option names of the solver behind a Pyomo plugin, where they can be listed; ``None`` where not.

    HiGHS plugins (``highs``, ``appsi_highs``) run highspy, whose option list is read from it; the
    ``scip`` plugin runs the SCIP executable, whose parameters PySCIPOpt lists. Other plugins
    (CBC, GLPK, Ipopt, Gurobi, CPLEX...) hand options to the solver as written and neither Pyomo
    nor a Python package here lists them, so their names are left to the solver to check.
    """
    if solver_name in ("highs", "appsi_highs"):
        from ormodel.solvers.highs import _highs_option_names, new_highs

        return _highs_option_names(new_highs())
    if solver_name == "scip":
        try:
            from pyscipopt import Model
        except ImportError:
            return None
        scip = Model()
        scip.hideOutput()
        return list(scip.getParams().keys())
    return None


def check_option_names(solver_name: str, options: dict[str, Any]) -> None:
    """Refuse a backend option that the solver behind the Pyomo plugin does not know, naming the closest ones."""
    if not options:
        return
    names = _option_names(solver_name)
    if names is None:
        return
    known = set(names)
    for key in options:
        if key not in known:
            raise unknown_option(f"Pyomo/{solver_name}", key, names)


class PyomoBackend:
    """Any solver Pyomo can run, through ``SolverFactory(solver_name)``."""

    capabilities = frozenset({Capability.LP, Capability.MILP, Capability.QP})

    @property
    def supported_options(self) -> frozenset[str]:
        """SolveOptions fields this bridge passes on (gap, threads and seed only to HiGHS through Pyomo)."""
        common = {"time_limit", "verbose", "compute_conflict", "extra"}
        if self.solver_name in ("highs", "appsi_highs"):
            common |= {"gap", "threads", "seed"}
        return frozenset(common)

    def __init__(self, solver_name: str = "highs") -> None:
        self.solver_name = solver_name
        self.name = f"pyomo:{solver_name}" if solver_name != "highs" else "pyomo"
        from ormodel.solvers.pyomo_nonlinear import NONLINEAR_PLUGINS

        if solver_name.lower() in NONLINEAR_PLUGINS:  # these take the expression trees (exp, log, powers, ...)
            self.capabilities = PyomoBackend.capabilities | {Capability.MINLP}

    def available(self) -> bool:
        """True when Pyomo imports and reports the solver available."""
        try:
            import pyomo.environ as pyo
        except ImportError:
            return False
        try:
            return bool(pyo.SolverFactory(self.solver_name).available(exception_flag=False))
        except Exception:  # noqa: BLE001 - unknown solver names raise inside Pyomo
            return False

    def solve(self, model: Problem | StandardForm, options: SolveOptions | None = None) -> Result:
        """Build the ConcreteModel, solve it through Pyomo and map the answer back by column."""
        import pyomo.environ as pyo
        from pyomo.opt import SolverStatus, TerminationCondition

        options = options or SolveOptions()
        check_option_names(self.solver_name, dict(options.extra))
        started = time.perf_counter()
        built = build_pyomo(model)
        form = built.form
        solver = pyo.SolverFactory(self.solver_name)
        solver_options = dict(options.extra)
        arguments: dict[str, Any] = {"tee": options.verbose, "load_solutions": False}
        if options.time_limit is not None:
            if self.solver_name in ("highs", "appsi_highs"):
                arguments["timelimit"] = float(options.time_limit)
            elif self.solver_name in _TIME_LIMIT_OPTION:
                solver_options[_TIME_LIMIT_OPTION[self.solver_name]] = float(options.time_limit)
        if self.solver_name in ("highs", "appsi_highs"):
            for option, value in (("mip_rel_gap", options.gap), ("threads", options.threads), ("random_seed", options.seed)):
                if value is not None:
                    solver_options.setdefault(option, value)
        if solver_options:
            arguments["options"] = solver_options
        build_time = time.perf_counter() - started
        try:
            outcome = solver.solve(built.model, **arguments)
        except Exception as error:  # noqa: BLE001 - Pyomo solvers raise on many non-optimal outcomes
            return Result(Status.ERROR, solver=self.name, solve_time=time.perf_counter() - started, names=form.names,
                          message=f"Pyomo/{self.solver_name} failed: {error}")
        elapsed = time.perf_counter() - started
        condition = outcome.solver.termination_condition
        status = {
            TerminationCondition.optimal: Status.OPTIMAL,
            TerminationCondition.globallyOptimal: Status.OPTIMAL,
            TerminationCondition.locallyOptimal: Status.LOCALLY_OPTIMAL,
            TerminationCondition.infeasible: Status.INFEASIBLE,
            TerminationCondition.unbounded: Status.UNBOUNDED,
            TerminationCondition.infeasibleOrUnbounded: Status.INFEASIBLE_OR_UNBOUNDED,
            TerminationCondition.maxTimeLimit: Status.TIME_LIMIT,
            TerminationCondition.maxIterations: Status.OTHER_LIMIT,
            TerminationCondition.maxEvaluations: Status.OTHER_LIMIT,
            TerminationCondition.feasible: Status.FEASIBLE,
        }.get(condition, Status.ERROR)
        result = Result(status, solver=self.name, solve_time=elapsed, raw_status=str(condition), names=form.names)
        result.limit = {
            TerminationCondition.maxTimeLimit: Limit.TIME, TerminationCondition.maxIterations: Limit.ITERATION,
            TerminationCondition.maxEvaluations: Limit.ITERATION, TerminationCondition.userInterrupt: Limit.INTERRUPT,
        }.get(condition)
        result.extra["build_time"] = build_time
        has_solution = len(outcome.solution) > 0 if hasattr(outcome, "solution") else False
        if has_solution and status not in (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED):
            with _quiet_pyomo():
                # Pyomo warns when loading a point from a limit-stopped solve; the status already says so.
                built.model.solutions.load_from(outcome)
            values = np.array([math.nan if variable.value is None else float(variable.value) for variable in built.columns], dtype=np.float64)
            # Columns no constraint or objective uses may come back without a value: any point in their bounds is optimal.
            missing = np.isnan(values)
            if missing.any():
                values[missing] = np.clip(0.0, form.column_lower[missing], form.column_upper[missing])
            result.values = values
            result.objective = built.objective_at(values)
        problem_info = outcome.problem[0] if len(outcome.problem) else None
        if problem_info is not None and form.is_mip:
            bound = problem_info.lower_bound if form.sense == Sense.MINIMIZE else problem_info.upper_bound
            try:
                result.bound = float(bound)
            except (TypeError, ValueError):
                pass
        elif status == Status.OPTIMAL:
            result.bound = result.objective
        if outcome.solver.status == SolverStatus.error and status == Status.ERROR:
            result.message = f"Pyomo/{self.solver_name} reported an error: {outcome.solver.message}"
        return result
