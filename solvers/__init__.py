"""Solver backends behind one protocol (``ormodel.solvers``).

Backends: ``highs`` (highspy), ``scip`` (pyscipopt), ``cpsat`` (OR-Tools CP-SAT) and ``pyomo``
(the Pyomo bridge; ``pyomo:<solver>`` for any solver Pyomo runs). They are declared as
``ormodel.backends`` entry points in ``pyproject.toml`` and found by the core's registry
(:mod:`ormodel.backends`): a backend's module and solver package are imported only when the
backend is made.
"""

from __future__ import annotations

from ormodel.solvers.base import (
    Backend,
    Capability,
    SolveOptions,
    UnsupportedProblem,
    backend_names,
    choose_backend,
    choose_backend_with_reason,
    get_backend,
    register_backend,
    required_capability,
    solve_auto,
)
from ormodel.solvers.highs import HighsBackend

__all__ = [
    "Backend",
    "Capability",
    "HighsBackend",
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
