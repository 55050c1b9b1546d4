"""Choosing a backend by problem class (``solver="auto"``); the protocol and registry are re-exported from the core.

The :class:`Backend` protocol, :class:`SolveOptions`, :class:`Capability` and the registry live in
:mod:`ormodel.backends` (the core); tests and ``solver="auto"`` read the capability flags.

Example:
    >>> from ormodel.solvers import get_backend
    >>> "MILP" in {c.value for c in get_backend("highs").capabilities}
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ormodel.backends import (
    Backend,
    Capability,
    SolveOptions,
    UnsupportedProblem,
    backend_factory,
    backend_names,
    get_backend,
    register_backend,
)
from ormodel.result import Result
from ormodel.standard_form import StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = [
    "Backend",
    "auto_method",
    "Capability",
    "SolveOptions",
    "UnsupportedProblem",
    "backend_names",
    "choose_backend",
    "choose_backend_with_reason",
    "get_backend",
    "register_backend",
    "required_capability",
    "solve_auto",
]


def required_capability(model: StandardForm | Problem) -> Capability:
    """The problem class of a model as a capability (``MINLP`` for Problems with nonlinear terms)."""
    from ormodel.problem import Problem

    if isinstance(model, Problem):
        from ormodel.solvers.elementwise import uses_nonlinear_terms

        if uses_nonlinear_terms(model):
            return Capability.MINLP
        from ormodel.compiler import compile_problem

        model = compile_problem(model)
    return Capability(model.problem_class())


DEFAULT_PREFERENCE = ("highs", "scip", "cpsat", "pyomo")


def choose_backend_with_reason(model: StandardForm | Problem, preference: tuple[str, ...] = DEFAULT_PREFERENCE,
                               options: SolveOptions | None = None) -> tuple[Backend, str]:
    """The first installed backend in ``preference`` that supports the model, and why it was picked.

    CP constraints in ``options.extra["cp_constraints"]`` require the CP capability.
    """
    needed = required_capability(model)
    wants_cp = options is not None and options.extra.get("cp_constraints") is not None
    skipped = []
    for name in preference:
        factory = backend_factory(name)
        if factory is None:
            continue
        backend = factory()
        if not backend.available():
            skipped.append(f"{name} (not installed)")
            continue
        if needed not in backend.capabilities or (wants_cp and Capability.CP not in backend.capabilities):
            skipped.append(f"{name} (no {'CP constraints' if wants_cp and needed in backend.capabilities else needed.value})")
            continue
        reason = f"solver 'auto' chose {backend.name} for this {needed.value} problem" + (" with CP constraints" if wants_cp else "")
        if skipped:
            reason += "; skipped " + ", ".join(skipped)
        return backend, reason
    raise UnsupportedProblem(f"no installed backend solves {needed.value} problems; try pip install 'ormodel[scip]'")


def choose_backend(model: StandardForm | Problem, preference: tuple[str, ...] = DEFAULT_PREFERENCE) -> Backend:
    """The first installed backend in ``preference`` that supports the model's class."""
    return choose_backend_with_reason(model, preference)[0]


def solve_auto(model: StandardForm | Problem, options: SolveOptions | None = None,
               preference: tuple[str, ...] = DEFAULT_PREFERENCE) -> Result:
    """Pick a backend by problem class and installed packages, solve, and say which in the result.

    The choice is in ``result.extra["auto_choice"]`` and at the front of ``result.message``.
    """
    from ormodel.problem import Problem

    options = options or SolveOptions()
    needed = required_capability(model)
    if isinstance(model, Problem) and needed != Capability.MINLP:
        from ormodel.compiler import compile_problem

        model = compile_problem(model)
    backend, reason = choose_backend_with_reason(model, preference, options)
    result = backend.solve(model, options)
    result.extra["auto_choice"] = {"backend": backend.name, "problem_class": needed.value, "reason": reason}
    result.message = f"{reason}; {result.message}" if result.message else reason
    return result


def auto_method(model: StandardForm | Problem, options: SolveOptions, params: dict[str, Any]) -> Result:
    """The method ``auto`` (entry point of ``ormodel.methods``): :func:`solve_auto` with the default preference."""
    if params:
        raise ValueError(f"solver 'auto' takes no method parameters (got {', '.join(sorted(params))}); pass solver options instead")
    from ormodel.methods import load_model_input

    return solve_auto(load_model_input(model), options)
