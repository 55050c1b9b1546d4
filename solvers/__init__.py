"""Solver backends behind one protocol (``ormodel.solvers``)."""

from ormodel.solvers.base import (
    Backend,
    Capability,
    SolveOptions,
    UnsupportedProblem,
    backend_names,
    choose_backend,
    get_backend,
    register_backend,
)
from ormodel.solvers.highs import HighsBackend

register_backend("highs", HighsBackend)

__all__ = [
    "Backend",
    "Capability",
    "SolveOptions",
    "UnsupportedProblem",
    "HighsBackend",
    "backend_names",
    "choose_backend",
    "get_backend",
    "register_backend",
]
