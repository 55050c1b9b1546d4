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
  linearized, ``when:`` rows by big-M from the variable bounds) for everyone else;
  ``piecewise()`` terms become SOS2 sets on a backend with ``SOS2``, an incremental MIP
  formulation elsewhere (:mod:`ormodel.piecewise_linear`).
* :class:`SpecialOrderedSetsToBinaries` and :class:`SemicontinuousToBinaries` reformulate SOS1/SOS2
  sets and semi-continuous/semi-integer columns with binaries and big-M rows
  (:mod:`ormodel.special_sets`) for a backend that does not declare them; their ``invert`` drops
  the added columns and rows from the result.

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
    "CompileToStandardForm", "KeepExpressionTrees", "Reduction", "SemicontinuousToBinaries", "SpecialOrderedSetsToBinaries",
    "apply_chain", "has_indicators", "has_special_constructs", "invert_chain", "needs_expression_trees", "reductions_for",
    "special_kinds", "special_reductions",
]

MINLP = "MINLP"
INDICATORS = "indicators"
SOS2 = "SOS2"


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


def special_kinds(model: Any, piecewise: str = "sos2") -> set[str]:
    """The special constructs of a model as capability names: ``SOS1``, ``SOS2`` (also for ``piecewise()``
    compiled as SOS2), ``semicontinuous``, ``semiinteger``."""
    if isinstance(model, StandardForm):
        return model.special_kinds()
    if not isinstance(model, Problem):
        return set()
    from ormodel.problem import Domain

    kinds = {f"SOS{family.kind}" for family in model.sos_sets}
    for variable in model.variables.values():
        if variable.semicontinuous:
            kinds.add("semiinteger" if variable.domain != Domain.CONTINUOUS else "semicontinuous")
    if piecewise == "sos2" and _uses_piecewise(model):
        kinds.add("SOS2")
    return kinds


def _uses_piecewise(problem: Problem) -> bool:
    from ormodel.expressions import Node, Piecewise, walk

    roots: list[Node] = [constraint.relation for constraint in problem.constraints]
    if problem.objective is not None:
        roots.append(problem.objective.expression)
    return any(isinstance(node, Piecewise) for root in roots for node in walk(root))


def has_special_constructs(problem: Problem) -> bool:
    """True when the model uses piecewise-linear terms, SOS sets or semi-continuous variables."""
    return bool(special_kinds(problem)) or _uses_piecewise(problem)


def special_constructs(problem: Problem) -> list[str]:
    """Each special construct and where it stands: ``SOS2 set 'pick'``, ``semi-continuous variable 'run'``,
    ``piecewise(y, [0, 5], [0, 2]) in constraint 'cost'``."""
    from ormodel.expressions import Piecewise, to_text, walk
    from ormodel.problem import Domain

    found = [f"SOS{family.kind} set {family.name!r}" for family in problem.sos_sets]
    found += [f"semi-{'continuous' if variable.domain == Domain.CONTINUOUS else 'integer'} variable {name!r}"
              for name, variable in problem.variables.items() if variable.semicontinuous]
    roots = ([("the objective", problem.objective.expression)] if problem.objective is not None else []) + [
        (f"constraint {constraint.name!r}", constraint.relation) for constraint in problem.constraints]
    found += [f"{to_text(node)} in {where}" for where, root in roots for node in walk(root) if isinstance(node, Piecewise)]
    return found


def refuse_nonlinear_with_special(problem: Problem) -> None:
    """Raise :class:`~ormodel.errors.UnsupportedProblem` naming a special construct and a nonlinear term when a model has both."""
    from ormodel.errors import UnsupportedProblem
    from ormodel.nonlinearity import nonlinear_terms

    specials = special_constructs(problem)
    term = next(iter(nonlinear_terms(problem)), None)
    if not specials or term is None:
        return
    more = f" and {len(specials) - 3} more" if len(specials) > 3 else ""
    raise UnsupportedProblem(f"piecewise(), SOS sets and semi-continuous variables are not supported together with nonlinear terms: "
                             f"{', '.join(specials[:3])}{more} meet the nonlinear {term.describe()}",
                             hint="keep the model linear around them (piecewise() can approximate a nonlinear function), "
                                  "or model the nonlinear part without them")


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
    piecewise: str = "incremental"
    """The formulation of ``piecewise()`` terms: ``incremental`` or ``sos2``."""

    def apply(self, model: Any) -> tuple[StandardForm, None]:
        """The compiled matrix form (a StandardForm passes through)."""
        if isinstance(model, StandardForm):
            return model, None
        from ormodel.compiler import compile_problem

        if self.piecewise == "incremental":  # the default formulation
            return compile_problem(model), None
        return compile_problem(model, piecewise=self.piecewise), None

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


@dataclass
class _Widening:
    """What the invert of a reformulation needs: the size and names of the form before it."""

    columns: int
    rows: int
    names: Any


def _narrowed(result: Result, inverse: _Widening) -> Result:
    """The result over the columns and rows of the form before a reformulation added some."""
    if result.values is not None:
        result.values = result.values[: inverse.columns]
    if result.reduced_costs is not None:
        result.reduced_costs = result.reduced_costs[: inverse.columns]
    if result.row_duals is not None:
        result.row_duals = result.row_duals[: inverse.rows]
    result.names = inverse.names
    return result


@dataclass
class SpecialOrderedSetsToBinaries:
    """StandardForm → StandardForm with SOS sets of ``kinds`` replaced by binaries and big-M rows."""

    kinds: frozenset[int] = frozenset({1, 2})
    name: str = "sos_to_binaries"

    def apply(self, model: StandardForm) -> tuple[StandardForm, _Widening]:
        """The wider form and the size of the original."""
        from ormodel.special_sets import sos_to_binaries

        return sos_to_binaries(model, self.kinds), _Widening(model.num_columns, model.num_rows, model.names)

    def invert(self, result: Result, inverse: _Widening) -> Result:
        """Drop the binaries and linking rows."""
        return _narrowed(result, inverse)


@dataclass
class SemicontinuousToBinaries:
    """StandardForm → StandardForm with semi-continuous (``integer=False``), semi-integer (``True``) or
    both (``None``) kinds of columns switched on by binaries."""

    integer: bool | None = None
    name: str = "semicontinuous_to_binaries"

    def apply(self, model: StandardForm) -> tuple[StandardForm, _Widening]:
        """The wider form and the size of the original."""
        from ormodel.special_sets import semicontinuous_to_binaries

        return semicontinuous_to_binaries(model, self.integer), _Widening(model.num_columns, model.num_rows, model.names)

    def invert(self, result: Result, inverse: _Widening) -> Result:
        """Drop the binaries and linking rows."""
        return _narrowed(result, inverse)


def special_reductions(kinds: set[str], declared: set[str]) -> list[Reduction]:
    """Reformulations of the special constructs in ``kinds`` that a backend declaring ``declared`` lacks."""
    chain: list[Reduction] = []
    sos = frozenset(int(kind[3:]) for kind in kinds if kind.startswith("SOS") and kind not in declared)
    if sos:
        chain.append(SpecialOrderedSetsToBinaries(sos))
    semi = [kind for kind in ("semicontinuous", "semiinteger") if kind in kinds and kind not in declared]
    if semi:
        chain.append(SemicontinuousToBinaries(None if len(semi) == 2 else semi[0] == "semiinteger"))
    return chain


def reductions_for(model: Any, capabilities: Iterable[Any], nonlinear: bool | None = None, piecewise: str | None = None) -> list[Reduction]:
    """The chain that takes ``model`` to what a backend with ``capabilities`` solves.

    ``nonlinear`` may pass an already computed :func:`needs_expression_trees`; ``piecewise`` chooses the
    formulation of ``piecewise()`` terms (default: :func:`piecewise_formulation`).
    """
    from ormodel.backends import capability_names

    declared = capability_names(capabilities)
    if isinstance(model, StandardForm):
        return special_reductions(model.special_kinds(), declared)
    if not isinstance(model, Problem):
        return []
    if nonlinear is None:
        nonlinear = needs_expression_trees(model)
    special = has_special_constructs(model)
    if nonlinear and MINLP in declared:
        if special:
            refuse_nonlinear_with_special(model)
        return [KeepExpressionTrees("nonlinear terms")]
    if has_indicators(model) and INDICATORS in declared and not _uses_extrema(model) and not special:
        return [KeepExpressionTrees("native indicator constraints")]
    piecewise = piecewise or piecewise_formulation(declared)
    return [CompileToStandardForm(piecewise=piecewise), *special_reductions(special_kinds(model, piecewise), declared)]


def piecewise_formulation(declared: Iterable[str]) -> str:
    """The default formulation of ``piecewise()`` terms for a backend declaring ``declared``: SOS2 sets where it has them."""
    return "sos2" if SOS2 in set(declared) else "incremental"


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
