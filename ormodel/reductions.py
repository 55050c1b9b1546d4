"""Reductions between the model a user gives and the model a backend takes, in CVXPY's manner.

Each :class:`Reduction` has ``apply`` (model → simpler model, plus what is needed to go back) and
``invert`` (the backend's result → a result about the model that was given). :func:`reductions_for`
chooses the chain from the backend's declared capabilities, so that the same Problem compiles to
what each backend solves best:

* :class:`KeepExpressionTrees` hands a five-element Problem to a backend that builds it itself:
  nonlinear models on a backend with the ``MINLP`` capability, and ``when:`` indicator rows on a
  backend with native indicator constraints (``indicators``), which need no big-M bounds
  (SCIP builds them from the trees; CP-SAT compiles with ``native_indicators=True`` itself).
* :class:`CompileToStandardForm` compiles it once into a matrix form (``min``/``max``/``abs``
  linearized, ``when:`` rows by big-M from the variable bounds) for everyone else.

Capabilities are compared as their string values (``"MINLP"``, ``"indicators"``), so this module
names no backend.

Example:
    >>> from ormodel.io import problem_from_dict
    >>> problem = problem_from_dict({"variables": {"x": {"upper": 4}},
    ...     "objective": {"sense": "max", "expression": "x"}})
    >>> chain = reductions_for(problem, frozenset({"LP", "MILP"}))
    >>> [reduction.name for reduction in chain]
    ['compile']
    >>> form, inverses = apply_chain(chain, problem)
    >>> form.num_columns
    1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol

from ormodel.problem import Problem
from ormodel.result import Result
from ormodel.standard_form import StandardForm

__all__ = [
    "CompileToStandardForm", "KeepExpressionTrees", "Reduction", "apply_chain", "has_indicators", "invert_chain",
    "needs_expression_trees", "reductions_for",
]

MINLP = "MINLP"
INDICATORS = "indicators"


class Reduction(Protocol):
    """One step of the chain: ``apply`` going down to the backend, ``invert`` coming back."""

    name: str

    def apply(self, model: Any) -> tuple[Any, Any]:
        """The reduced model and the data :meth:`invert` needs."""

    def invert(self, result: Result, inverse: Any) -> Result:
        """The result in terms of the model before this reduction."""


def has_indicators(problem: Problem) -> bool:
    """True when some constraint family is conditional (``when:``)."""
    return any(constraint.when is not None for constraint in problem.constraints)


def _uses_extrema(problem: Problem) -> bool:
    """True when an expression takes ``min``/``max`` (which only the linear compiler rewrites)."""
    from ormodel.expressions import Call, walk

    roots = [constraint.relation for constraint in problem.constraints]
    if problem.objective is not None:
        roots.append(problem.objective.expression)
    return any(isinstance(node, Call) and node.function in ("min", "max") for root in roots for node in walk(root))


def needs_expression_trees(problem: Problem) -> bool:
    """True when the linear compiler cannot express the model (nonlinear terms)."""
    from ormodel.nonlinearity import uses_nonlinear_terms

    return uses_nonlinear_terms(problem)


@dataclass
class CompileToStandardForm:
    """Problem → StandardForm, compiled once (linearizations and big-M indicators included).

    The StandardForm carries the NameMap of the Problem, so results map back by name as they are.
    """

    name: str = "compile"

    def apply(self, model: Any) -> tuple[StandardForm, None]:
        """The compiled matrix form (a StandardForm passes through)."""
        if isinstance(model, StandardForm):
            return model, None
        from ormodel.compiler import compile_problem

        return compile_problem(model), None

    def invert(self, result: Result, inverse: None) -> Result:
        """Column and row positions are the compiled model's, named by its NameMap: nothing to undo."""
        return result


@dataclass
class KeepExpressionTrees:
    """Problem → the same Problem, for a backend that builds nonlinear terms or indicators natively."""

    reason: str = ""
    name: str = "keep_expression_trees"

    def apply(self, model: Any) -> tuple[Any, None]:
        """The model unchanged."""
        return model, None

    def invert(self, result: Result, inverse: None) -> Result:
        """Nothing to undo."""
        return result


def reductions_for(model: Any, capabilities: Iterable[Any], nonlinear: bool | None = None) -> list[Reduction]:
    """The chain that takes ``model`` to what a backend with ``capabilities`` solves.

    ``nonlinear`` may pass an already computed :func:`needs_expression_trees`.
    """
    if not isinstance(model, Problem):
        return []
    declared = {getattr(capability, "value", capability) for capability in capabilities}
    if nonlinear is None:
        nonlinear = needs_expression_trees(model)
    if nonlinear and MINLP in declared:
        return [KeepExpressionTrees("nonlinear terms")]
    if has_indicators(model) and INDICATORS in declared and not _uses_extrema(model):
        return [KeepExpressionTrees("native indicator constraints")]
    return [CompileToStandardForm()]


def apply_chain(chain: list[Reduction], model: Any) -> tuple[Any, list[Any]]:
    """Apply every reduction in order; returns the final model and the inverse data of each step."""
    inverses = []
    for reduction in chain:
        model, inverse = reduction.apply(model)
        inverses.append(inverse)
    return model, inverses


def invert_chain(chain: list[Reduction], inverses: list[Any], result: Result) -> Result:
    """Map a backend result back through the chain, last reduction first."""
    for reduction, inverse in zip(reversed(chain), reversed(inverses)):
        result = reduction.invert(result, inverse)
    return result
