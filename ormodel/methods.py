"""One registry of solution methods: every backend, plus meta-solvers and learned methods.

A method is a function ``(model, options, params) -> Result``. ``model`` is whatever the
method accepts: a :class:`~ormodel.standard_form.StandardForm`, a
:class:`~ormodel.problem.Problem`, or a file path (the CLI passes the path it was given, so a
method for job-shop files can read its own format). ``params`` holds method-specific settings
(e.g. ``{"backend": "scip"}`` for Balans). The CLI's ``solve --method`` and the benchmark runner
both go through :func:`run_method`.

Methods are ``ormodel.methods`` entry points (``name = "module:function"``, loaded on first use,
see :mod:`ormodel.plugins`), functions added with :func:`register_method`, and every backend of
:mod:`ormodel.backends` under its own name.

Example:
    >>> from ormodel.methods import method_names
    >>> "highs" in method_names()
    True
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ormodel.backends import SolveOptions, backend_names, get_backend
from ormodel.plugins import entry_point_names, find_plugin
from ormodel.result import Result

__all__ = ["METHOD_GROUP", "MethodFunction", "get_method", "load_model_input", "method_names", "register_method", "run_method"]

MethodFunction = Callable[[Any, SolveOptions, dict[str, Any]], Result]

METHOD_GROUP = "ormodel.methods"

_METHODS: dict[str, MethodFunction] = {}


def register_method(name: str, function: MethodFunction) -> None:
    """Register a solution method under ``name``."""
    _METHODS[name.lower()] = function


def method_names() -> list[str]:
    """All method names: backends, registered methods and declared (not yet loaded) ones."""
    return sorted(set(backend_names()) | set(_METHODS) | set(entry_point_names(METHOD_GROUP)))


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
    """The method registered under ``name`` (a backend name, or ``family:option``, works too)."""
    key = name.lower()
    function: MethodFunction | None = find_plugin(METHOD_GROUP, key, _METHODS, f"method {name!r}")
    if function is not None:
        if not callable(function):
            raise ValueError(f"method {name!r}: its entry point does not name a function")
        return function
    if key.partition(":")[0] in backend_names():
        return _backend_method(key)
    raise ValueError(f"unknown method {name!r}; choose one of: {', '.join(method_names())}")


def run_method(name: str, model: Any, options: SolveOptions | None = None, params: dict[str, Any] | None = None) -> Result:
    """Run a method on a model, a Problem or a file path, through the one pipeline :func:`ormodel.solve`."""
    from ormodel.solve import solve

    return solve(model, method=name, params=dict(params or {}), solve_options=options)
