"""``solver="auto"`` as a method; the protocol, registry and backend choice are re-exported from the core.

The :class:`Backend` protocol, :class:`SolveOptions`, :class:`Capability`, the registry and the
choice of a backend by problem class live in :mod:`ormodel.backends` (the core); tests and
``solver="auto"`` read the capability flags.

Example:
    >>> from ormodel.solvers import get_backend
    >>> "MILP" in {c.value for c in get_backend("highs").capabilities}
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ormodel.backends import (
    DEFAULT_PREFERENCE,
    PIP_EXTRAS,
    Backend,
    Capability,
    SolveOptions,
    SolverNotAvailable,
    UnsupportedProblem,
    backend_factory,
    backend_names,
    choose_backend,
    choose_backend_with_reason,
    get_backend,
    register_backend,
    required_capability,
    unknown_option,
)
from ormodel.result import Result
from ormodel.standard_form import StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = [
    "DEFAULT_PREFERENCE",
    "PIP_EXTRAS",
    "Backend",
    "Capability",
    "SolveOptions",
    "SolverNotAvailable",
    "UnsupportedProblem",
    "auto_method",
    "backend_factory",
    "backend_names",
    "choose_backend",
    "choose_backend_with_reason",
    "get_backend",
    "register_backend",
    "required_capability",
    "solve_auto",
    "unknown_option",
]


def solve_auto(model: StandardForm | Problem, options: SolveOptions | None = None,
               preference: tuple[str, ...] = DEFAULT_PREFERENCE) -> Result:
    """Pick a backend by problem class and installed packages, solve, and say which in the result.

    The choice is in ``result.extra["auto_choice"]`` and at the front of ``result.message``.
    With the default preference this is :func:`ormodel.solve` with ``solver="auto"``; with another
    the chosen backend still runs through :func:`ormodel.solve` (one pipeline: compile once,
    time limit over the whole call, post-solve diagnosis).
    """
    import time

    from ormodel.problem import Problem
    from ormodel.solve import solve

    options = options or SolveOptions()
    if preference == DEFAULT_PREFERENCE:
        return solve(model, solver="auto", solve_options=options)
    started = time.monotonic()
    if isinstance(model, Problem):
        from ormodel.nonlinearity import uses_nonlinear_terms

        if not uses_nonlinear_terms(model):
            from ormodel.compiler import compile_problem

            model = compile_problem(model)  # once; the choice below reads the compiled problem class
    needed = required_capability(model)
    backend, reason = choose_backend_with_reason(model, preference, options)
    result = solve(model, solver=backend, solve_options=options, started=started)
    result.extra["auto_choice"] = {"backend": backend.name, "problem_class": needed.value, "reason": reason}
    result.message = f"{reason}; {result.message}" if result.message else reason
    return result


def auto_method(model: StandardForm | Problem, options: SolveOptions, params: dict[str, Any]) -> Result:
    """The method ``auto`` (entry point of ``ormodel.methods``): :func:`ormodel.solve` with ``solver="auto"``."""
    if params:
        raise ValueError(f"solver 'auto' takes no method parameters (got {', '.join(sorted(params))}); pass solver options instead")
    from ormodel.solve import solve

    return solve(model, solver="auto", solve_options=options)
