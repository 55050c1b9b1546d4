"""``ormodel.solve``: one call from a model (Problem, StandardForm or file path) to a Result."""

from __future__ import annotations

import os
from typing import Any

from ormodel.problem import Problem
from ormodel.result import Result
from ormodel.standard_form import StandardForm

__all__ = ["solve"]


def solve(model: Problem | StandardForm | str | os.PathLike[str], solver: str = "highs", method: str | None = None,
          params: dict[str, Any] | None = None, **options: Any) -> Result:
    """Solve a model with a backend or method; ``options`` are :class:`~ormodel.solvers.SolveOptions` fields.

    ``solver="auto"`` picks the first installed backend that supports the problem class and says
    which in ``result.message``.
    """
    from ormodel.compiler import as_standard_form
    from ormodel.methods import load_model_input, run_method
    from ormodel.solvers import SolveOptions, choose_backend

    solve_options = SolveOptions(**options)
    if method is not None:
        return run_method(method, model, solve_options, params)
    loaded = load_model_input(model)
    if solver.lower() == "auto":
        form = as_standard_form(loaded) if not isinstance(loaded, StandardForm) else loaded
        backend = choose_backend(form)
        result = backend.solve(form, solve_options)
        note = f"solver 'auto' chose {backend.name} for this {form.problem_class()} problem"
        result.message = f"{note}; {result.message}" if result.message else note
        return result
    return run_method(solver, loaded, solve_options, params)
