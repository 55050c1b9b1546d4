"""The one definition of nonlinear terms: which constructs exist, which need a nonlinear backend, and where they are.

``validate``, ``solve`` (the choice of ``solver="auto"`` and the refusal by a backend without
the ``MINLP`` capability) and the CP-SAT backend all ask this module, so they agree on what is
nonlinear. The language's nonlinear functions are :data:`NONLINEAR_FUNCTIONS` (``exp``, ``log``,
``sqrt``, ``sin``, ``cos``); besides them, powers other than 2 (``x**3``, ``x**0.5``), division by
variables, products of variables in constraints and products of three or more variables need a
nonlinear backend. (``abs``, ``min`` and ``max`` are linearized; ``x**2`` and ``x*y`` in the
objective are quadratic.)

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"variables": {"x": {"upper": 2}, "y": {}},
    ...     "objective": {"sense": "min", "expression": "y"},
    ...     "constraints": [{"name": "curve", "expression": "y >= exp(x) - x**3"}]})
    >>> [term.describe() for term in nonlinear_terms(problem)]
    ["exp(x) in constraint 'curve'", "x**3 in constraint 'curve'"]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ormodel.expressions import (
    NONLINEAR_FUNCTIONS,
    Binary,
    Call,
    Index,
    Name,
    Node,
    Reduce,
    Unary,
    additive_terms,
    to_text,
    walk,
)
from ormodel.problem import Problem

__all__ = ["NONLINEAR_FUNCTIONS", "NonlinearTerm", "first_nonlinear_term", "nonlinear_kinds", "nonlinear_refusal", "nonlinear_terms",
           "uses_nonlinear_terms"]

NONLINEAR_HINT = ("use solver='scip' (on the command line: --solver scip), or 'auto', which sends nonlinear models "
                  "to a backend with the MINLP capability")


@dataclass(frozen=True)
class NonlinearTerm:
    """One construct that the linear compiler cannot express, and where it stands.

    Attributes:
        kind: ``exp``/``log``/``sqrt``/``sin``/``cos``, ``power``, ``division by variables`` or
            ``product of variables``.
        text: the construct as written, e.g. ``exp(x[i])``.
        constraint: the constraint family holding it (``None`` for the objective).
    """

    kind: str
    text: str
    constraint: str | None = None

    def where(self) -> str:
        """``constraint 'c'`` or ``the objective``."""
        return f"constraint {self.constraint!r}" if self.constraint is not None else "the objective"

    def describe(self) -> str:
        """``exp(x) in constraint 'c'``."""
        return f"{self.text} in {self.where()}"


NONLINEAR_INDICATOR = "a 'when' constraint must be linear: SCIP's indicator constraints take linear rows only"
NONLINEAR_INDICATOR_HINT = "give the nonlinear part an auxiliary variable (t[i] == exp(x[i])) and make the linear row on t conditional"


def nonlinear_terms(problem: Problem) -> Iterator[NonlinearTerm]:
    """Every construct that needs a nonlinear backend: the objective's first, then each constraint's, in order.

    That is: a nonlinear function or a power other than 2 of variables, a division by
    variables, a product of variables in a constraint, or a product of three or more variables.
    """
    variables = set(problem.variables)
    if problem.objective is not None:
        yield from _terms(problem.objective.expression, variables, None)
    for constraint in problem.constraints:
        yield from _terms(constraint.relation, variables, constraint.name)


def first_nonlinear_term(problem: Problem) -> NonlinearTerm | None:
    """The first construct that needs a nonlinear backend, or ``None`` for a linear (or quadratic-objective) model."""
    return next(nonlinear_terms(problem), None)


def uses_nonlinear_terms(problem: Problem) -> bool:
    """True when some expression holds terms the linear compiler rejects (see :func:`nonlinear_terms`)."""
    return first_nonlinear_term(problem) is not None


def nonlinear_kinds(problem: Problem) -> list[str]:
    """The kinds of nonlinear construct the model uses, each once, in order of appearance."""
    kinds: list[str] = []
    for term in nonlinear_terms(problem):
        if term.kind not in kinds:
            kinds.append(term.kind)
    return kinds


def nonlinear_refusal(backend: str, problem: Problem) -> str | None:
    """Why ``backend`` (without the ``MINLP`` capability) cannot take ``problem``, naming its first nonlinear construct; ``None`` when linear."""
    term = first_nonlinear_term(problem)
    if term is None:
        return None
    what = f"{term.kind}()" if term.kind in NONLINEAR_FUNCTIONS else f"a {term.kind}"
    return f"{backend} cannot take {term.describe()}: {what} is nonlinear and {backend} solves no MINLP problems"


def _terms(root: Node, variables: set[str], constraint: str | None) -> Iterator[NonlinearTerm]:
    in_constraint = constraint is not None

    def has_variables(node: Node) -> bool:
        return any(isinstance(item, Name) and item.id in variables or isinstance(item, Index) and item.name in variables for item in walk(node))

    for item in walk(root):
        if isinstance(item, Call) and item.function not in ("abs", "min", "max") and has_variables(item):
            kind = item.function if item.function in NONLINEAR_FUNCTIONS else f"{item.function}()"
            yield NonlinearTerm(kind, to_text(item), constraint)
        elif isinstance(item, Binary):
            if item.op == "/" and has_variables(item.right):
                yield NonlinearTerm("division by variables", to_text(item), constraint)
            elif item.op == "**" and has_variables(item.left) and not _is_constant(item.right, (1.0,) if in_constraint else (1.0, 2.0)):
                yield NonlinearTerm("power", to_text(item), constraint)  # squares are quadratic in the objective only
            elif item.op == "*" and has_variables(item.left) and has_variables(item.right) and (in_constraint or _degree(item, variables) > 2):
                yield NonlinearTerm("product of variables", to_text(item), constraint)


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
