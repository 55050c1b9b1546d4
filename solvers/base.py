"""The backend protocol, solve options, capabilities and the backend registry.

A backend turns a :class:`~ormodel.standard_form.StandardForm` (or, for backends that need
the expression trees, a :class:`~ormodel.problem.Problem`) into a
:class:`~ormodel.result.Result`. It declares what it can do as a set of :class:`Capability`
flags; tests and ``solver="auto"`` read those flags.

Example:
    >>> from ormodel.solvers import get_backend
    >>> "MILP" in {c.value for c in get_backend("highs").capabilities}
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

import numpy as np

from ormodel.result import Result
from ormodel.standard_form import StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = ["Capability", "SolveOptions", "Backend", "register_backend", "get_backend", "backend_names", "choose_backend", "UnsupportedProblem"]


class Capability(str, Enum):
    """What a backend can do."""

    LP = "LP"
    MILP = "MILP"
    QP = "QP"
    MIQP = "MIQP"
    MINLP = "MINLP"
    CP = "CP"
    DUALS = "duals"
    IIS = "IIS"
    WARM_START = "warm_start"
    CALLBACKS = "callbacks"


class UnsupportedProblem(ValueError):
    """The chosen backend cannot solve this class of problem."""


@dataclass
class SolveOptions:
    """Options every backend understands; ``extra`` passes backend-specific settings through.

    Attributes:
        time_limit: wall-clock seconds (``None``: no limit).
        gap: relative MIP gap at which to stop.
        threads: worker threads (``None``: the backend's default).
        verbose: print the solver log as it runs.
        seed: random seed of the solver.
        node_limit: branch-and-bound node limit.
        solution_limit: stop after this many improving solutions.
        warm_start: a full or partial point, as an array by column or a dict by label.
        compute_conflict: compute an IIS when the model is infeasible.
        extra: raw backend options, e.g. ``{"presolve": "off"}`` for HiGHS.
    """

    time_limit: float | None = None
    gap: float | None = None
    threads: int | None = None
    verbose: bool = False
    seed: int | None = None
    node_limit: int | None = None
    solution_limit: int | None = None
    warm_start: np.ndarray | dict[str, float] | None = None
    compute_conflict: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Backend(Protocol):
    """A solver behind ormodel's one protocol."""

    name: str
    capabilities: frozenset[Capability]

    def available(self) -> bool:
        """True when the backend's package can be imported."""

    def solve(self, model: "StandardForm | Problem", options: SolveOptions | None = None) -> Result:
        """Solve and return a :class:`Result`; never raise on infeasible or limits."""


_REGISTRY: dict[str, Callable[[], Backend]] = {}


def register_backend(name: str, factory: Callable[[], Backend]) -> None:
    """Make a backend available under ``name`` (later registrations replace earlier ones)."""
    _REGISTRY[name.lower()] = factory


def backend_names() -> list[str]:
    """Names of all registered backends, installed or not."""
    return sorted(_REGISTRY)


def get_backend(name: str) -> Backend:
    """The backend registered under ``name``; a clear error when unknown or not installed."""
    factory = _REGISTRY.get(name.lower())
    if factory is None:
        raise ValueError(f"unknown solver {name!r}; choose one of: {', '.join(backend_names())} or 'auto'")
    backend = factory()
    if not backend.available():
        raise ValueError(
            f"solver {name!r} is not installed; install it with: pip install 'ormodel[{name.lower()}]'"
        )
    return backend


def required_capability(form: StandardForm) -> Capability:
    """The problem class of a standard form as a capability."""
    return Capability(form.problem_class())


def choose_backend(form: StandardForm, preference: tuple[str, ...] = ("highs", "scip", "cpsat", "pyomo")) -> Backend:
    """The first installed backend in ``preference`` that supports the form's class."""
    needed = required_capability(form)
    for name in preference:
        if name not in _REGISTRY:
            continue
        backend = _REGISTRY[name]()
        if backend.available() and needed in backend.capabilities:
            return backend
    raise UnsupportedProblem(f"no installed backend solves {needed.value} problems; try pip install 'ormodel[scip]'")
