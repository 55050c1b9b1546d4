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

import difflib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ormodel.errors import OptionError, SolverNotAvailable, UnsupportedProblem
from ormodel.plugins import entry_point_names, find_plugin
from ormodel.result import Result
from ormodel.standard_form import StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = [
    "BACKEND_GROUP",
    "DEFAULT_PREFERENCE",
    "PIP_EXTRAS",
    "Backend",
    "Capability",
    "SolveOptions",
    "SolverNotAvailable",
    "UnsupportedProblem",
    "backend_factory",
    "backend_names",
    "choose_backend",
    "choose_backend_with_reason",
    "get_backend",
    "is_backend_name",
    "register_backend",
    "required_capability",
    "unknown_option",
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
    RAY = "ray"
    """The backend returns its own certificate of unboundedness (a primal ray) for unbounded LPs."""
    INDICATORS = "indicators"
    """Native indicator constraints: ``when:`` rows reach the solver without big-M bounds."""
    SOS1 = "SOS1"
    """Native special ordered sets of type 1 (at most one member non-zero)."""
    SOS2 = "SOS2"
    """Native special ordered sets of type 2 (at most two adjacent members non-zero); ``piecewise()`` then uses them."""
    SEMICONTINUOUS = "semicontinuous"
    """Native semi-continuous columns (0 or within their bounds)."""
    SEMIINTEGER = "semiinteger"
    """Native semi-integer columns (0 or an integer within their bounds)."""
    PERSISTENT = "persistent"
    """The backend keeps a loaded model that can be changed and re-solved (``open_persistent(form, options)``)."""


def capability_names(capabilities: Iterable[Any]) -> set[str]:
    """The names of declared capabilities (:class:`Capability` members or plain strings)."""
    return {getattr(capability, "value", capability) for capability in capabilities}


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
        piecewise: the formulation of ``piecewise()`` terms when the model is compiled: ``"sos2"``,
            ``"incremental"`` or ``"logarithmic"`` (:mod:`ormodel.piecewise_linear`); ``None``: SOS2
            sets where the backend has them, incremental otherwise.
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
    piecewise: str | None = None

    def validate(self) -> "SolveOptions":
        """Raise :class:`~ormodel.errors.OptionError` for an option out of its range; returns ``self``."""
        if self.time_limit is not None:
            limit = _number("time_limit", self.time_limit)
            if not math.isfinite(limit) or limit < 0:
                raise OptionError(f"time limit must be a finite number of seconds >= 0, got {self.time_limit!r}",
                                  hint="omit --time-limit for no limit")
        if self.gap is not None:
            gap = _number("gap", self.gap)
            if not math.isfinite(gap) or gap < 0:
                raise OptionError(f"gap must be a finite relative gap >= 0, got {self.gap!r}", hint="e.g. --gap 0.01 for 1 %")
        for name, minimum in (("threads", 1), ("node_limit", 0), ("solution_limit", 1)):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise OptionError(f"{name.replace('_', ' ')} must be an integer >= {minimum}, got {value!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer))):
            raise OptionError(f"seed must be an integer, got {self.seed!r}")
        if not isinstance(self.extra, dict):
            raise OptionError(f"backend options (extra) must be a dict of name to value, got {type(self.extra).__name__}")
        if self.piecewise is not None:
            from ormodel.piecewise_linear import FORMULATIONS

            if self.piecewise not in FORMULATIONS:
                raise OptionError(f"piecewise must be one of {', '.join(FORMULATIONS)}, got {self.piecewise!r}")
        return self


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise OptionError(f"{name.replace('_', ' ')} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{name.replace('_', ' ')} must be a number, got {value!r}") from None


def seconds_left(deadline: float | None) -> float | None:
    """Seconds until ``deadline`` (a ``time.monotonic()`` value), never negative; None without a deadline."""
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def unknown_option(solver: str, name: str, valid: Iterable[str]) -> OptionError:
    """The error for a backend option the solver does not know, naming the closest valid ones."""
    choices = sorted(set(valid))
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(choice) for choice in close)}?" if close else \
        f"see the {solver} documentation for its option names"
    return OptionError(f"{solver} has no option {name!r}", hint=hint)


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


def is_backend_name(name: str) -> bool:
    """True when ``name`` (or the family of ``"family:option"``) is a declared or registered backend."""
    return name.partition(":")[0].lower() in backend_names()


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
        close = difflib.get_close_matches(family.lower(), backend_names(), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SolverNotAvailable(f"unknown solver {name!r}{hint}; choose one of: {', '.join(backend_names())} or 'auto'", name)
    backend = factory(option) if option else factory()
    if not backend.available():
        extra = PIP_EXTRAS.get(family.lower(), family.lower())
        install = "pip install highspy" if extra == "core" else f"pip install 'ormodel[{extra}]'"
        raise SolverNotAvailable(f"solver {name!r} is not installed; install it with: {install}", name, extra)
    return backend


PIP_EXTRAS = {"highs": "core", "scip": "scip", "cpsat": "cpsat", "pyomo": "pyomo", "ipopt": "ipopt"}
"""The pip extra of ``ormodel`` that installs each backend's package (``core``: the base install)."""


def required_capability(model: StandardForm | Problem) -> Capability:
    """The problem class of a model as a capability (``MINLP`` for Problems with nonlinear terms)."""
    from ormodel.problem import Problem

    if isinstance(model, Problem):
        from ormodel.nonlinearity import uses_nonlinear_terms

        if uses_nonlinear_terms(model):
            return Capability.MINLP
        from ormodel.compiler import compile_problem

        model = compile_problem(model)
    return Capability(model.problem_class())


DEFAULT_PREFERENCE = ("highs", "scip", "cpsat", "pyomo")
"""The order in which ``solver="auto"`` tries the backends."""


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
    what = ""
    if needed == Capability.MINLP:
        from ormodel.nonlinearity import first_nonlinear_term

        term = first_nonlinear_term(model)  # type: ignore[arg-type]  # MINLP is only ever needed by a Problem
        what = f" (this model has {term.describe()})" if term is not None else ""
    raise UnsupportedProblem(f"no installed backend solves {needed.value} problems{what}; try pip install 'ormodel[scip]'")


def choose_backend(model: StandardForm | Problem, preference: tuple[str, ...] = DEFAULT_PREFERENCE) -> Backend:
    """The first installed backend in ``preference`` that supports the model's class."""
    return choose_backend_with_reason(model, preference)[0]
