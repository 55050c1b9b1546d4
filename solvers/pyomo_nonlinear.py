"""Nonlinear models for the Pyomo bridge: a five-element Problem built from its expression trees into Pyomo.

The same builder SCIP uses (:class:`~ormodel.solvers.elementwise.SymbolicBuilder`) evaluates
every row and the objective, with Pyomo's ``exp``/``log``/``sqrt``/``sin``/``cos``, so a Pyomo
plugin that solves nonlinear models (:data:`NONLINEAR_PLUGINS`: Ipopt, Bonmin, Couenne, SCIP's
AMPL executable, BARON, ...) receives the functions as written. The bridge declares the ``MINLP``
capability only for those plugins; HiGHS, CBC and GLPK through Pyomo keep refusing nonlinear
models by name before any solve.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"variables": {"x": {"lower": 1, "upper": 3}},
    ...     "objective": {"sense": "min", "expression": "exp(x) - x**3"}})
    >>> built = build_pyomo_nonlinear(problem)
    >>> built.columns[0].set_value(2.0)
    >>> round(built.objective_value(), 6)
    -0.610944
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from ormodel.solvers.elementwise import SymbolicBuilder, row_block
from ormodel.solvers.pyomo_bridge import PyomoModel

from ormodel.compiler import Frame
from ormodel.errors import Location
from ormodel.problem import Problem
from ormodel.standard_form import NameMap, Sense, StandardForm

__all__ = ["NONLINEAR_PLUGINS", "PyomoNonlinearModel", "build_pyomo_nonlinear"]

NONLINEAR_PLUGINS = frozenset({"ipopt", "bonmin", "couenne", "scip", "baron", "knitroampl", "octeract", "gams"})
"""Pyomo solver plugins that take nonlinear expressions (the bridge declares ``MINLP`` for these)."""


@dataclass
class PyomoNonlinearModel(PyomoModel):
    """A ConcreteModel built from expression trees, with the Pyomo variable of each column and constraint of each row.

    ``form`` has the columns (bounds, integrality, names) and no rows: it is what the bridge needs
    to map a point back; the rows live in ``model.rows``.
    """

    def objective_value(self) -> float:
        """The objective at the variables' current values."""
        import pyomo.environ as pyo

        return float(pyo.value(self.model.objective))

    def objective_at(self, values: np.ndarray) -> float:
        """The objective at a point (one value per column)."""
        for variable, value in zip(self.columns, values.tolist()):
            variable.set_value(value, skip_validation=True)
        return self.objective_value()


def build_pyomo_nonlinear(problem: Problem) -> PyomoNonlinearModel:
    """A Pyomo ConcreteModel of a nonlinear Problem: one ``columns`` Var, a ``rows`` ConstraintList, the objective."""
    import pyomo.environ as pyo

    functions = {"exp": pyo.exp, "log": pyo.log, "sqrt": pyo.sqrt, "sin": pyo.sin, "cos": pyo.cos, "abs": abs,
                 "sum": lambda items: pyo.quicksum(items, linear=False)}
    builder = SymbolicBuilder(problem, np.empty(0, dtype=object), functions)
    lower, upper = builder.bounds()
    integer = np.concatenate(builder.column_integer) if builder.column_integer else np.zeros(0, dtype=bool)
    count = builder.num_columns
    concrete = pyo.ConcreteModel(name=problem.name)

    def domain(_: Any, column: int) -> Any:
        if not integer[column]:
            return pyo.Reals
        return pyo.Binary if lower[column] >= 0 and upper[column] <= 1 else pyo.Integers

    def bounds(_: Any, column: int) -> tuple[float | None, float | None]:
        return (None if math.isinf(lower[column]) else float(lower[column]), None if math.isinf(upper[column]) else float(upper[column]))

    concrete.columns = pyo.Var(range(count), domain=domain, bounds=bounds)
    columns = [concrete.columns[column] for column in range(count)]
    atoms = np.empty(count, dtype=object)
    atoms[:] = columns
    builder.atoms = atoms
    concrete.rows = pyo.ConstraintList()
    rows: list[Any] = []
    blocks = []
    for constraint in problem.constraints:
        builder.location = Location(element="constraints", item=constraint.name, text=constraint.text or None)
        if constraint.when is not None:
            raise builder.error("'when' rows of a nonlinear model need native indicator constraints, which Pyomo's plugins lack",
                                constraint.when, "use solver='scip'")
        frame = builder.frame_for(constraint.generators)
        row_lower, body, row_upper = builder.relation_sides(constraint, frame)
        blocks.append(row_block(constraint.name, len(rows), frame))
        for row in range(frame.size):
            low = None if math.isinf(row_lower[row]) else float(row_lower[row])
            high = None if math.isinf(row_upper[row]) else float(row_upper[row])
            rows.append(concrete.rows.add(body[row] == low if low is not None and low == high else (low, body[row], high)))
    goal = problem.objective_or_zero()
    builder.location = Location(element="objective", text=goal.text or None)
    value = builder.evaluate(goal.expression, Frame.root())
    expression = builder.objects(value, goal.expression, 1)[0]
    concrete.objective = pyo.Objective(expr=expression, sense=pyo.maximize if goal.sense == Sense.MAXIMIZE else pyo.minimize)
    names = NameMap(variables=list(builder.variable_blocks), constraints=blocks)
    form = StandardForm(objective=np.zeros(count), matrix=sp.csr_array((0, count)), row_lower=np.zeros(0), row_upper=np.zeros(0),
                        column_lower=lower, column_upper=upper, integrality=integer.astype(bool), sense=goal.sense, names=names,
                        name=problem.name, feasibility=problem.is_feasibility)
    return PyomoNonlinearModel(concrete, columns, rows, form)
