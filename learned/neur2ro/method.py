"""The ``neur2ro`` method of ormodel's registry: ``run_method("neur2ro", instance, options, params)``.

``model`` is a two-stage robust problem, a ``RobustKnapsackInstance`` / ``CapitalBudgetingInstance``
from :mod:`ormodel.datasets.robust`, or a path to a published robust knapsack instance file.
``params``: ``weights`` (path; default: the shipped weights of the problem class), ``backend``
(``highs``/``scip``), ``objective`` (``argmax``/``max``), ``max_iterations``, ``mip_time_limit``,
``evaluate`` (also compute the exact worst case of the returned decision), ``device`` (``auto``:
CUDA when available, else CPU), ``tolerance`` (the loop's relative gap), ``adversary`` (``mip``:
the adversarial MIP warm-started by the local search; ``local``: the local search alone).
The :class:`~ormodel.result.Result` holds ``x`` by name; ``objective`` is the exact worst case
when ``evaluate`` is on, else the main problem's value; ``extra`` has the loop's history.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ormodel.learned.neur2ro.exact import worst_case
from ormodel.learned.neur2ro.instances import as_robust_problem
from ormodel.learned.neur2ro.network import load_network
from ormodel.learned.neur2ro.neural_ccg import Neur2ROSettings, solve_neur2ro
from ormodel.methods import register_method
from ormodel.result import Result, Status
from ormodel.solvers import SolveOptions
from ormodel.standard_form import Block, NameMap

__all__ = ["run_neur2ro"]

_KNOWN = {"weights", "backend", "objective", "max_iterations", "mip_time_limit", "evaluate", "device", "tolerance", "adversary"}


def run_neur2ro(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Solve a two-stage robust problem with Neur2RO (see the module docstring)."""
    unknown = set(params) - _KNOWN
    if unknown:
        raise ValueError(f"neur2ro: unknown parameters {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KNOWN))}")
    problem = as_robust_problem(model)
    network, metadata = load_network(params.get("weights"), problem.kind)
    settings = Neur2ROSettings(
        backend=str(params.get("backend", "highs")),
        objective=str(params.get("objective", "argmax")),
        max_iterations=int(params.get("max_iterations", 20)),
        time_limit=float(options.time_limit) if options.time_limit is not None else 600.0,
        mip_time_limit=float(params.get("mip_time_limit", 60.0)),
        threads=options.threads or 1,
        seed=int(options.seed or 0),
        device=str(params.get("device", "auto")),
        tolerance=float(params.get("tolerance", 1e-4)),
        adversary=str(params.get("adversary", "mip")),
    )
    if settings.adversary not in ("mip", "local"):
        raise ValueError(f"neur2ro: adversary must be 'mip' or 'local', got {settings.adversary!r}")
    solution = solve_neur2ro(problem, network, settings)
    names = NameMap([Block("x", 0, problem.n_first, (problem.n_first,), ((np.arange(problem.n_first),),))])
    objective = solution.estimate
    extra: dict[str, Any] = {"status": solution.status, "iterations": solution.iterations, "history": solution.history,
                             "notes": solution.notes,
                             "scenarios": [xi.tolist() for xi in solution.scenarios], "weights_metadata": metadata}
    if params.get("evaluate", False):
        evaluation = worst_case(problem, solution.x, settings.backend)
        objective = evaluation.value
        extra["worst_case"] = {"value": evaluation.value, "bound": evaluation.bound, "converged": evaluation.converged,
                               "xi": evaluation.xi.tolist()}
    status = Status.FEASIBLE if math.isfinite(objective) else Status.ERROR
    return Result(status=status, objective=objective, values=solution.x.astype(np.float64), solve_time=solution.solve_time,
                  solver="neur2ro", names=names, raw_status=solution.status, extra=extra,
                  message=f"Neur2RO stopped: {solution.status} after {solution.iterations} iterations")


register_method("neur2ro", run_neur2ro)
