"""One registry of solution methods: every backend, plus meta-solvers and learned methods.

A method is a function ``(model, options, params) -> Result``. ``model`` is whatever the
method accepts: a :class:`~ormodel.standard_form.StandardForm`, a
:class:`~ormodel.problem.Problem`, or a file path (the CLI passes the path it was given, so a
method for job-shop files can read its own format). ``params`` holds method-specific settings
(e.g. ``{"backend": "scip"}`` for Balans). The CLI's ``solve --method`` and the benchmark runner
both go through :func:`run_method`.

Example:
    >>> from ormodel.methods import method_names
    >>> "highs" in method_names()
    True
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable

from ormodel.result import Result
from ormodel.solvers.base import SolveOptions, backend_names

__all__ = ["MethodFunction", "register_method", "method_names", "get_method", "run_method", "load_model_input"]

MethodFunction = Callable[[Any, SolveOptions, dict[str, Any]], Result]

_METHODS: dict[str, MethodFunction] = {}

# Methods whose modules are imported on first use (they pull heavier dependencies). Importing
# the module must call register_method for the name.
_LAZY_MODULES: dict[str, str] = {
    "balans": "ormodel.learned.balans.method",
    "dispatch": "ormodel.learned.dispatching.method",
    "gnn-branching": "ormodel.learned.branching.method",
    "neur2ro": "ormodel.learned.neur2ro.method",
    "nl2opt": "ormodel.nl2opt.benchmark",
}


def register_method(name: str, function: MethodFunction) -> None:
    """Register a solution method under ``name``."""
    _METHODS[name.lower()] = function


def method_names() -> list[str]:
    """All method names: backends first, then registered and lazily loaded methods."""
    return sorted(set(backend_names()) | set(_METHODS) | set(_LAZY_MODULES))


def load_model_input(model: Any) -> Any:
    """A path becomes a model (five-element YAML/JSON → Problem, MPS/LP → StandardForm); objects pass through."""
    if isinstance(model, (str, os.PathLike)):
        from ormodel.io import load

        return load(os.fspath(model))
    return model


def _backend_method(name: str) -> MethodFunction:
    def solve_with_backend(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
        from ormodel.solve import solve

        return solve(model, solver=name, params=params, solve_options=options)

    return solve_with_backend


def get_method(name: str) -> MethodFunction:
    """The method registered under ``name`` (a backend name works too)."""
    key = name.lower()
    if key in _METHODS:
        return _METHODS[key]
    if key in _LAZY_MODULES:
        try:
            importlib.import_module(_LAZY_MODULES[key])
        except ImportError as error:
            raise ValueError(
                f"method {name!r} needs optional packages that are missing ({error}); install them with: pip install 'ormodel[learned]'"
            ) from error
        if key in _METHODS:
            return _METHODS[key]
        raise ValueError(f"method {name!r} is not available in this installation")
    if key in backend_names():
        return _backend_method(key)
    raise ValueError(f"unknown method {name!r}; choose one of: {', '.join(method_names())}")


def run_method(name: str, model: Any, options: SolveOptions | None = None, params: dict[str, Any] | None = None) -> Result:
    """Run a method on a model, a Problem or a file path, through the one pipeline :func:`ormodel.solve`."""
    from ormodel.solve import solve

    return solve(model, method=name, params=dict(params or {}), solve_options=options)
