"""Evaluate a Problem's expressions row by row, for backends and checks that cannot use the matrix form.

The vectorized compiler (:mod:`ormodel.compiler`) turns linear and quadratic-objective models
into a :class:`~ormodel.standard_form.StandardForm`. Two things need the expression trees
instead:

* :class:`SymbolicBuilder` evaluates every constraint row and the objective into *solver
  expressions* (e.g. pyscipopt expressions), so a nonlinear backend receives ``exp``, ``log``,
  products of variables, powers and divisions as they were written.
* :class:`ProblemValuation` evaluates the same trees at a *point* (numbers per variable), so a
  returned solution can be checked against the original constraints, ``min``/``max``/``abs``
  and ``when:`` conditions included, independently of any linearization.

Both reuse the compiler's frames (index bindings per row, ``if`` filters, set lookups), so index
semantics and error messages are the compiler's own.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"sets": {"I": [1, 2]}, "variables": {"x": {"index": ["I"]}},
    ...     "objective": {"sense": "min", "expression": "sum(x[i] for i in I)"},
    ...     "constraints": [{"name": "lo", "for": "i in I", "expression": "x[i] >= i"}]})
    >>> valuation = ProblemValuation(problem, np.array([1.0, 1.5]))
    >>> [(row.label, round(row.violation, 3)) for row in valuation.row_violations() if row.violation > 0]
    [('lo[2]', 0.5)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ormodel.compiler import Affine, Compiler, Frame, Numeric
from ormodel.expressions import Binary, Call, Index, Name, Node, Reduce, Unary, additive_terms, to_text, walk
from ormodel.idioms import STRICT_OPERATORS, non_strict
from ormodel.nonlinearity import uses_nonlinear_terms
from ormodel.problem import Constraint, Problem
from ormodel.standard_form import Block, NameMap

__all__ = ["ProblemValuation", "RowViolation", "Symbolic", "SymbolicBuilder", "indicator_binaries", "row_block", "uses_nonlinear_terms"]


@dataclass
class Symbolic:
    """One solver expression object per frame row."""

    values: np.ndarray


def row_block(name: str, start: int, frame: Frame) -> Block:
    """A NameMap block for the rows of one constraint family, keyed by the row's index bindings."""
    if not frame.bindings:
        return Block(name, start, frame.size)
    columns = tuple(component for components in frame.bindings.values() for component in components)
    return Block(name, start, frame.size, (frame.size,), (), key_columns=columns)


def indicator_binaries(builder: SymbolicBuilder, when: Any, frame: Frame, is_binary: Callable[[Any], bool]) -> tuple[list[Any], np.ndarray]:
    """Per row of ``when: b == 0`` or ``b == 1``: the binary's expression object, and whether the row holds at ``b == 1``.

    The rules of native indicator constraints, one definition for SCIP's build and for
    validation: one binary variable (``is_binary`` of its object) compared with 0 or 1.
    """
    if len(when.ops) != 1 or when.ops[0] != "==":
        raise builder.error("'when' must read binary_variable == 0 or binary_variable == 1", when)
    left, right = builder.evaluate(when.operands[0], frame), builder.evaluate(when.operands[1], frame)
    right_node = when.operands[1]
    if isinstance(right, Symbolic) and not isinstance(left, Symbolic):
        left, right, right_node = right, left, when.operands[0]
    if not isinstance(left, Symbolic) or isinstance(right, Symbolic):
        raise builder.error("'when' must compare one binary variable with 0 or 1", when)
    targets = np.broadcast_to(builder.numbers(right, right_node), (frame.size,))
    if not np.all(np.isin(targets, (0.0, 1.0))):
        raise builder.error("'when' compares with 0 or 1 only", when)
    variables = list(left.values)
    if not all(is_binary(variable) for variable in variables):
        raise builder.error("the variable in 'when' must be binary", when)
    return variables, targets == 1.0


class SymbolicBuilder(Compiler):
    """Evaluates expressions into solver expression objects, one per row.

    Args:
        problem: the five-element model.
        atoms: one solver variable object per declared column (in the compiler's column order).
        functions: the solver's ``exp``/``log``/``sqrt``/``sin``/``cos``/``abs`` and ``sum``
            (a function summing a list of expressions), keyed by name.
    """

    def __init__(self, problem: Problem, atoms: np.ndarray, functions: dict[str, Callable[..., Any]]) -> None:
        super().__init__(problem)
        self.atoms = atoms
        self.functions = functions
        self._variables = set(problem.variables)

    def declared_columns(self) -> int:
        """Number of columns of the declared variables (no auxiliaries)."""
        return self.num_columns

    def _has_variables(self, node: Node) -> bool:
        return any(isinstance(item, Name) and item.id in self._variables or isinstance(item, Index) and item.name in self._variables
                   for item in walk(node))

    def evaluate(self, node: Node, frame: Frame, polarity: int = 0) -> Any:
        """Like the compiler's evaluation, but terms with variables become :class:`Symbolic`."""
        if isinstance(node, (Unary, Binary, Reduce, Call)) and self._has_variables(node):
            return self._symbolic(node, frame)
        value = super().evaluate(node, frame, polarity)
        if isinstance(value, Affine):
            return self._from_affine(value)
        return value

    def _from_affine(self, value: Affine) -> Symbolic:
        objects = np.empty(value.size, dtype=object)
        objects[:] = 0.0
        rows, columns, coefficients = value.linear_arrays()
        for row, column, coefficient in zip(rows.tolist(), columns.tolist(), coefficients.tolist()):
            atom = self.atoms[column]
            term = atom if coefficient == 1.0 else coefficient * atom
            objects[row] = term if isinstance(objects[row], float) and objects[row] == 0.0 else objects[row] + term
        return Symbolic(objects)

    def objects(self, value: Any, node: Node | None, size: int) -> np.ndarray:
        """Any value as an object array of length ``size`` (numbers stay numbers)."""
        if isinstance(value, Symbolic):
            return value.values
        numbers = np.broadcast_to(self.numbers(value, node), (size,))
        objects = np.empty(size, dtype=object)
        objects[:] = [float(number) for number in numbers]
        return objects

    def _symbolic(self, node: Node, frame: Frame) -> Symbolic | Numeric:
        size = frame.size
        if isinstance(node, Unary):
            operand = self.objects(self.evaluate(node.operand, frame), node.operand, size)
            return Symbolic(np.array([-item for item in operand] if size else [], dtype=object))
        if isinstance(node, Binary):
            return self._binary(node, frame)
        if isinstance(node, Reduce):
            return self._reduce(node, frame)
        assert isinstance(node, Call)
        if node.function in ("min", "max"):
            raise self.error(f"{node.function}() of variables inside a nonlinear model is not supported", node,
                             "write it with an auxiliary variable and two constraints, or keep the model linear so it is linearized")
        function = self.functions.get(node.function)
        if function is None:
            raise self.error(f"{node.function}() is not available on this backend", node)
        argument = self.objects(self.evaluate(node.args[0], frame), node.args[0], size)
        return Symbolic(np.array([function(item) for item in argument], dtype=object))

    def _binary(self, node: Binary, frame: Frame) -> Symbolic:
        size = frame.size
        if node.op == "**":
            exponent = self.evaluate(node.right, frame)
            if isinstance(exponent, Symbolic):
                raise self.error("a variable exponent is not supported", node, "rewrite a**x as exp(x * log(a))")
            powers = np.broadcast_to(self.numbers(exponent, node.right), (size,))
            base = self.objects(self.evaluate(node.left, frame), node.left, size)
            return Symbolic(np.array([item ** (int(power) if float(power).is_integer() else float(power)) for item, power in zip(base, powers)], dtype=object))
        if node.op in ("+", "-"):  # a chain a + b - c + ... term by term, without recursion along it
            total: list[Any] | None = None
            for sign, term in additive_terms(node):
                values = self.objects(self.evaluate(term, frame), term, size)
                if total is None:
                    total = list(values)
                else:
                    total = [a + b for a, b in zip(total, values)] if sign > 0 else [a - b for a, b in zip(total, values)]
            return Symbolic(np.array(total, dtype=object) if size else np.empty(0, dtype=object))
        left = self.objects(self.evaluate(node.left, frame), node.left, size)
        right = self.objects(self.evaluate(node.right, frame), node.right, size)
        if node.op == "+":
            combined = [a + b for a, b in zip(left, right)]
        elif node.op == "-":
            combined = [a - b for a, b in zip(left, right)]
        elif node.op == "*":
            combined = [a * b for a, b in zip(left, right)]
        elif node.op == "/":
            if any(isinstance(item, float) and item == 0.0 for item in right):
                raise self.error("division by zero", node)
            combined = [a / b for a, b in zip(left, right)]
        else:
            raise self.error(f"unsupported operator {node.op}", node)
        return Symbolic(np.array(combined, dtype=object) if size else np.empty(0, dtype=object))

    def _reduce(self, node: Reduce, frame: Frame) -> Symbolic:
        if node.kind != "sum":
            raise self.error(f"{node.kind}() over variables inside a nonlinear model is not supported", node,
                             "write it with an auxiliary variable, or keep the model linear so it is linearized")
        node = self.explicit_sum(node, frame)
        if not node.generators:  # sum(expr) of single numbers (ormodel.idioms): one term
            return Symbolic(self.objects(self.evaluate(node.body, frame), node.body, frame.size))
        inner, parent = self.expand_all(frame, node.generators)
        body = self.objects(self.evaluate(node.body, inner), node.body, inner.size)
        order = np.argsort(parent, kind="stable")
        bounds = np.searchsorted(parent[order], np.arange(frame.size + 1))
        total = self.functions["sum"]
        result = np.empty(frame.size, dtype=object)
        for row in range(frame.size):
            members = [body[position] for position in order[bounds[row] : bounds[row + 1]]]
            result[row] = total(members) if members else 0.0
        return Symbolic(result)

    def relation_sides(self, constraint: Constraint, frame: Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(lower, body, upper)`` per row: numbers, expression objects, numbers (``±inf`` when open)."""
        relation = constraint.relation
        size = frame.size
        if any(op in STRICT_OPERATORS for op in relation.ops):
            raise self.error(f"a strict {' and '.join(op for op in relation.ops if op in STRICT_OPERATORS)} in a model with nonlinear "
                             "terms is not supported", relation, f"write {to_text(non_strict(relation))}")
        if len(relation.ops) == 2:
            low_node, middle_node, high_node = relation.operands
            if relation.ops[0] == ">=":
                low_node, high_node = high_node, low_node
            low, high = self.evaluate(low_node, frame), self.evaluate(high_node, frame)
            if isinstance(low, Symbolic) or isinstance(high, Symbolic):
                raise self.error("the outer terms of a range constraint lo <= expr <= hi must not contain variables", relation)
            return (np.broadcast_to(self.numbers(low, low_node), (size,)), self.objects(self.evaluate(middle_node, frame), middle_node, size),
                    np.broadcast_to(self.numbers(high, high_node), (size,)))
        op = relation.ops[0]
        left_node, right_node = relation.operands
        left = self.objects(self.evaluate(left_node, frame), left_node, size)
        right = self.objects(self.evaluate(right_node, frame), right_node, size)
        body = np.array([a - b for a, b in zip(left, right)], dtype=object) if size else np.empty(0, dtype=object)
        zeros, infinite = np.zeros(size), np.full(size, np.inf)
        if op == "<=":
            return -infinite, body, zeros
        if op == ">=":
            return zeros, body, infinite
        return zeros, body, zeros.copy()


@dataclass
class RowViolation:
    """How much one constraint row is violated at a point (0 when satisfied or inactive)."""

    label: str
    family: str
    index: tuple[Any, ...]
    activity: float
    lower: float
    upper: float
    violation: float


class ProblemValuation(Compiler):
    """Evaluates a Problem's constraints and objective at a point given per declared column.

    ``values`` holds one number per column of the declared variables, in the compiler's column
    order (the first columns of a compiled StandardForm; auxiliary columns are not needed).
    """

    def __init__(self, problem: Problem, values: np.ndarray) -> None:
        super().__init__(problem)
        values = np.asarray(values, dtype=np.float64)
        if values.shape[0] < self.num_columns:
            raise ValueError(f"the point has {values.shape[0]} values, the model declares {self.num_columns} variable columns")
        self.point = values[: self.num_columns]

    def symbol(self, node: Name, frame: Frame) -> Any:
        """Variables evaluate to their values at the point."""
        value = super().symbol(node, frame)
        return self._at_point(value)

    def indexed(self, node: Index, frame: Frame) -> Any:
        """Indexed variables evaluate to their values at the point."""
        value = super().indexed(node, frame)
        return self._at_point(value)

    def _at_point(self, value: Any) -> Any:
        if not isinstance(value, Affine):
            return value
        rows, columns, coefficients = value.linear_arrays()
        numbers = value.const.astype(np.float64).copy()
        np.add.at(numbers, rows, coefficients * self.point[columns])
        return Numeric(numbers)

    def objective_value(self) -> float:
        """The objective at the point (``nan`` without an objective)."""
        if self.problem.objective is None:
            return math.nan
        value = self.evaluate(self.problem.objective.expression, Frame.root())
        return float(self.numbers(value, self.problem.objective.expression)[0])

    def row_violations(self) -> Iterator[RowViolation]:
        """Every constraint row with its activity, bounds and violation, family by family."""
        for constraint in self.problem.constraints:
            from ormodel.errors import Location

            self.location = Location(element="constraints", item=constraint.name)
            frame = self.frame_for(constraint.generators)
            lower, activity, upper = self._sides(constraint, frame)
            violation = np.maximum(np.maximum(lower - activity, activity - upper), 0.0)
            if constraint.when is not None:
                active = self.condition(constraint.when, frame)
                violation = np.where(active, violation, 0.0)
            block = row_block(constraint.name, 0, frame)
            for row in range(frame.size):
                yield RowViolation(block.label(row), constraint.name, block.key(row), float(activity[row]), float(lower[row]),
                                   float(upper[row]), float(violation[row]))
        yield from self._sos_violations()

    def _sos_violations(self) -> Iterator[RowViolation]:
        """One row per special ordered set: the magnitude of its members outside the allowed support."""
        from ormodel.compiler import _special_ordered_sets
        from ormodel.errors import Location

        plain = Compiler(self.problem) if self.problem.sos_sets else None  # members as columns, not as values
        for family in self.problem.sos_sets:
            assert plain is not None
            plain.location = Location(element="constraints", item=family.name)
            sets = _special_ordered_sets(plain, family)
            violations = sets.violations(self.point)
            for position in range(len(sets)):
                yield RowViolation(sets.label(position), family.name, (), 0.0, 0.0, 0.0, float(violations[position]))

    def _sides(self, constraint: Constraint, frame: Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        relation = constraint.relation
        size = frame.size

        def numbers(node: Node) -> np.ndarray:
            return np.broadcast_to(self.numbers(self.evaluate(node, frame), node), (size,)).astype(np.float64)

        # A strict side is checked as the non-strict one: at a solution of the compiled model the
        # whole-number terms of a strict row already keep a distance of at least 1.
        if len(relation.ops) == 2:
            low_node, middle_node, high_node = relation.operands
            if relation.ops[0] in (">=", ">"):
                low_node, high_node = high_node, low_node
            return numbers(low_node), numbers(middle_node), numbers(high_node)
        left, right = numbers(relation.operands[0]), numbers(relation.operands[1])
        activity = left - right
        zeros, infinite = np.zeros(size), np.full(size, np.inf)
        op = relation.ops[0]
        if op in ("<=", "<"):
            return -infinite, activity, zeros
        if op in (">=", ">"):
            return zeros, activity, infinite
        return zeros, activity, zeros

    def bound_violations(self) -> tuple[np.ndarray, np.ndarray]:
        """Per declared column: bound violation (0 for a semi-continuous column at 0) and integrality violation."""
        lower, upper = self.bounds()
        integer = np.concatenate(self.column_integer) if self.column_integer else np.zeros(0, dtype=bool)
        bound = np.maximum(np.maximum(lower - self.point, self.point - upper), 0.0)
        for start, size in self.column_semicontinuous:
            window = slice(start, start + size)
            bound[window] = np.minimum(bound[window], np.abs(self.point[window]))
        integrality = np.where(integer, np.abs(self.point - np.round(self.point)), 0.0)
        return bound, integrality

    def names(self) -> NameMap:
        """The NameMap of the declared variables (rows are not needed for a valuation)."""
        return NameMap(variables=list(self.variable_blocks))
