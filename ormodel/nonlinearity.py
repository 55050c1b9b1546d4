"""Whether a five-element model needs a nonlinear backend (terms the linear compiler rejects)."""

from __future__ import annotations

from ormodel.expressions import Binary, Call, Index, Name, Node, Reduce, Unary, additive_terms, walk
from ormodel.problem import Problem

__all__ = ["uses_nonlinear_terms"]


def uses_nonlinear_terms(problem: Problem) -> bool:
    """True when some expression holds terms the linear compiler rejects.

    That is: a nonlinear function or a power other than 2 of variables, a division by
    variables, a product of variables in a constraint, or a product of three or more variables.
    """
    variables = set(problem.variables)

    def has_variables(node: Node) -> bool:
        return any(isinstance(item, Name) and item.id in variables or isinstance(item, Index) and item.name in variables for item in walk(node))

    def nonlinear(node: Node, in_constraint: bool) -> bool:
        for item in walk(node):
            if isinstance(item, Call) and item.function not in ("abs", "min", "max") and has_variables(item):
                return True
            if isinstance(item, Binary):
                if item.op == "/" and has_variables(item.right):
                    return True
                if item.op == "**" and has_variables(item.left) and not _is_constant(item.right, (1.0, 2.0)):
                    return True
                if item.op == "**" and in_constraint and has_variables(item.left) and _is_constant(item.right, (2.0,)):
                    return True
                products = item.op == "*" and has_variables(item.left) and has_variables(item.right)
                if products and (in_constraint or _degree(item, variables) > 2):
                    return True
        return False

    if problem.objective is not None and nonlinear(problem.objective.expression, False):
        return True
    return any(nonlinear(constraint.relation, True) for constraint in problem.constraints)


def _is_constant(node: Node, allowed: tuple[float, ...]) -> bool:
    from ormodel.expressions import Const

    return isinstance(node, Const) and not isinstance(node.value, str) and float(node.value) in allowed


def _degree(node: Node, variables: set[str]) -> int:
    """An upper estimate of the polynomial degree of a product tree."""
    if isinstance(node, (Name, Index)):
        return 1 if (node.id if isinstance(node, Name) else node.name) in variables else 0
    if isinstance(node, Binary) and node.op == "*":
        return _degree(node.left, variables) + _degree(node.right, variables)
    if isinstance(node, Binary) and node.op in ("+", "-"):
        return max(_degree(term, variables) for _, term in additive_terms(node))  # no recursion along long sums
    if isinstance(node, Unary):
        return _degree(node.operand, variables)
    if isinstance(node, Reduce):
        return _degree(node.body, variables)
    return 3 if any(isinstance(item, (Name, Index)) for item in walk(node)) else 0
