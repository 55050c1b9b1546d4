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
    """Solve a model with a backend or method; ``options`` are :class:`~ormodel.backends.SolveOptions` fields.

    ``solver="auto"`` (the ``auto`` method) picks the first installed backend that supports the problem class (SCIP for
    nonlinear five-element models) and says which in ``result.message`` and
    ``result.extra["auto_choice"]``.
    """
    from ormodel.backends import SolveOptions
    from ormodel.methods import load_model_input, run_method

    solve_options = SolveOptions(**options)
    if method is not None:
        return run_method(method, model, solve_options, params)
    return run_method(solver, load_model_input(model), solve_options, params)
