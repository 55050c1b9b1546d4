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

    ``solver="auto"`` picks the first installed backend that supports the problem class (SCIP for
    nonlinear five-element models) and says which in ``result.message`` and
    ``result.extra["auto_choice"]``.
    """
    from ormodel.methods import load_model_input, run_method
    from ormodel.solvers import SolveOptions
    from ormodel.solvers.base import solve_auto

    solve_options = SolveOptions(**options)
    if method is not None:
        return run_method(method, model, solve_options, params)
    loaded = load_model_input(model)
    if solver.lower() == "auto":
        return solve_auto(loaded, solve_options)
    return run_method(solver, loaded, solve_options, params)
