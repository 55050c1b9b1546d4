"""Solver backends behind one protocol (``ormodel.solvers``).

Registered backends: ``highs`` (highspy), ``scip`` (pyscipopt), ``cpsat`` (OR-Tools CP-SAT) and
``pyomo`` (the Pyomo bridge; ``pyomo:<solver>`` for any solver Pyomo runs). Registration is
lazy: a backend's module and solver package are imported only when the backend is made.
"""

from __future__ import annotations

from typing import Any

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


def _scip() -> Any:
    from ormodel.solvers.scip import ScipBackend

    return ScipBackend()


def _cpsat() -> Any:
    from ormodel.solvers.cpsat import CpSatBackend

    return CpSatBackend()


def _pyomo(solver_name: str = "highs") -> Any:
    from ormodel.solvers.pyomo_bridge import PyomoBackend

    return PyomoBackend(solver_name)


register_backend("highs", HighsBackend)
register_backend("scip", _scip)
register_backend("cpsat", _cpsat)
register_backend("pyomo", _pyomo)

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
