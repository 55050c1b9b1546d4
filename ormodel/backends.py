"""The backend protocol, solve options, capabilities and the backend registry (core; no solver imported).

A backend turns a :class:`~ormodel.standard_form.StandardForm` (or, for backends that need the
expression trees, a :class:`~ormodel.problem.Problem`) into a :class:`~ormodel.result.Result`.
It declares what it can do as a set of :class:`Capability` flags.

Backends are found through the ``ormodel.backends`` entry points (``name = "module:Factory"``,
see :mod:`ormodel.plugins`); :func:`register_backend` adds or replaces one at run time. A factory
is called with no argument, or with the text after ``:`` in ``"family:option"`` names (e.g.
``"pyomo:cbc"``). Implementations live in ``ormodel.solvers``.

Example:
    >>> "highs" in backend_names()
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ormodel.plugins import entry_point_names, find_plugin
from ormodel.result import Result
from ormodel.standard_form import StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = [
    "BACKEND_GROUP",
    "Backend",
    "Capability",
    "SolveOptions",
    "UnsupportedProblem",
    "backend_factory",
    "backend_names",
    "get_backend",
    "register_backend",
]

BACKEND_GROUP = "ormodel.backends"


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

    def solve(self, model: StandardForm | Problem, options: SolveOptions | None = None) -> Result:
        """Solve and return a :class:`Result`; never raise on infeasible or limits."""


_REGISTERED: dict[str, Callable[..., Backend]] = {}


def register_backend(name: str, factory: Callable[..., Backend]) -> None:
    """Make a backend available under ``name`` (replaces an entry point of the same name).

    ``factory()`` makes the backend; a factory that takes one string argument also serves
    ``"name:option"`` (see :func:`get_backend`). Registering must not import the solver package.
    """
    _REGISTERED[name.lower()] = factory


def backend_names() -> list[str]:
    """Names of all declared and registered backends, installed or not (nothing is imported)."""
    return sorted(set(entry_point_names(BACKEND_GROUP)) | set(_REGISTERED))


def backend_factory(family: str) -> Callable[..., Backend] | None:
    """The factory of a backend family (``None`` when no backend has that name)."""
    factory: Callable[..., Backend] | None = find_plugin(BACKEND_GROUP, family.lower(), _REGISTERED, f"solver {family!r}")
    return factory


def get_backend(name: str) -> Backend:
    """The backend registered under ``name``; a clear error when unknown or not installed.

    ``"family:option"`` passes ``option`` to the factory of ``family``, e.g. ``"pyomo:cbc"``
    is the Pyomo bridge running CBC.
    """
    family, _, option = name.partition(":")
    factory = backend_factory(family)
    if factory is None:
        raise ValueError(f"unknown solver {name!r}; choose one of: {', '.join(backend_names())} or 'auto'")
    backend = factory(option) if option else factory()
    if not backend.available():
        raise ValueError(
            f"solver {name!r} is not installed; install it with: pip install 'ormodel[{family.lower()}]'"
        )
    return backend
