"""Validate a nonlinear model without a solver: the builder SCIP uses, run on stand-in expression objects.

``ormodel validate`` cannot compile a nonlinear model to the matrix form, so it walks it the way
the nonlinear backend does (:class:`~ormodel.solvers.elementwise.SymbolicBuilder`: the same
frames, lookups, functions and error messages), with placeholder objects instead of solver
expressions. A model this accepts is one that ``solve --solver scip`` builds, and an error
here is the error SCIP's build would raise, at the same place.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"sets": {"I": [1, 2, 3]}, "variables": {"x": {"index": "I", "upper": 2}},
    ...     "objective": {"sense": "min", "expression": "sum(exp(x[i]) - x[i]**3 for i in I)"},
    ...     "constraints": [{"name": "c", "for": "i in I", "expression": "x[i] * x[i] >= 0.5"}]})
    >>> summary = validate_nonlinear(problem)
    >>> summary.columns, summary.rows, summary.kinds
    (3, 3, ['exp', 'power', 'product of variables'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ormodel.solvers.elementwise import SymbolicBuilder, indicator_binaries

from ormodel.compiler import Frame
from ormodel.errors import Location, ModelError
from ormodel.expressions import NONLINEAR_FUNCTIONS
from ormodel.nonlinearity import NONLINEAR_INDICATOR, NONLINEAR_INDICATOR_HINT, nonlinear_kinds, nonlinear_terms
from ormodel.problem import Problem
from ormodel.reductions import refuse_nonlinear_with_special

__all__ = ["NonlinearSummary", "validate_nonlinear"]


class _Placeholder:
    """Stands in for a solver expression: every operation gives a placeholder again."""

    __slots__ = ("binary",)

    def __init__(self, binary: bool = False) -> None:
        self.binary = binary

    def _combine(self, *_: Any) -> _Placeholder:
        return _EXPRESSION

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _combine
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __abs__ = _combine


_EXPRESSION = _Placeholder()


@dataclass
class NonlinearSummary:
    """The size of a nonlinear model as the nonlinear backend would build it."""

    columns: int
    integer_columns: int
    rows: int
    kinds: list[str] = field(default_factory=list)


def validate_nonlinear(problem: Problem) -> NonlinearSummary:
    """Build every row and the objective as SCIP's builder does, without a solver; raise its :class:`~ormodel.errors.ModelError`.

    Errors name the file and line when the Problem was read from a file.
    """
    refuse_nonlinear_with_special(problem)  # what solve refuses before any backend runs
    try:
        return _walk(problem)
    except ModelError as error:
        raise error.at(problem.source_location(error.location.element, error.location.item)) from None


def _walk(problem: Problem) -> NonlinearSummary:
    functions: dict[str, Any] = {name: (lambda *_: _EXPRESSION) for name in (*NONLINEAR_FUNCTIONS, "abs")}
    functions["sum"] = lambda _items: _EXPRESSION
    builder = SymbolicBuilder(problem, np.empty(0, dtype=object), functions)
    lower, upper = builder.bounds()
    integer = np.concatenate(builder.column_integer) if builder.column_integer else np.zeros(0, dtype=bool)
    atoms = np.empty(builder.num_columns, dtype=object)
    atoms[:] = [_Placeholder(bool(integer[column] and lower[column] >= 0.0 and upper[column] <= 1.0)) for column in range(builder.num_columns)]
    builder.atoms = atoms
    rows = 0
    nonlinear_constraints = {term.constraint for term in nonlinear_terms(problem)}
    for constraint in problem.constraints:
        builder.location = Location(element="constraints", item=constraint.name, text=constraint.text or None)
        frame = builder.frame_for(constraint.generators)
        row_lower, _, row_upper = builder.relation_sides(constraint, frame)
        if constraint.when is not None:
            _check_condition(builder, constraint, frame, row_lower, row_upper)
            if constraint.name in nonlinear_constraints:
                raise builder.error(NONLINEAR_INDICATOR, constraint.relation, NONLINEAR_INDICATOR_HINT)
        rows += frame.size
    objective = problem.objective_or_zero()
    builder.location = Location(element="objective", text=objective.text or None)
    builder.evaluate(objective.expression, Frame.root())
    return NonlinearSummary(builder.num_columns, int(integer.sum()), rows, nonlinear_kinds(problem))


def _check_condition(builder: SymbolicBuilder, constraint: Any, frame: Frame, row_lower: np.ndarray, row_upper: np.ndarray) -> None:
    """The rules SCIP's native indicator constraints impose on ``when:`` (binary variable == 0 or 1, one-sided rows)."""
    indicator_binaries(builder, constraint.when, frame, lambda item: isinstance(item, _Placeholder) and item.binary)
    if np.any(np.isfinite(row_lower) & np.isfinite(row_upper)):
        raise builder.error("'when' works on one-sided constraints (<= or >=)", constraint.relation,
                            "split an equality or range into two constraints")
