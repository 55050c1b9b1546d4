"""Registers ``balans`` as an ormodel method (``ormodel solve --method balans``, the benchmark runner).

Method parameters: ``backend`` ("highs" or "scip", default "highs"), ``config`` (a dict, see
:class:`~ormodel.learned.balans.config.BalansConfig`) and, as shortcuts, any config key itself
(e.g. ``{"backend": "scip", "parallel": 2}``). ``SolveOptions.time_limit`` is the one budget
(default 60 s), ``SolveOptions.seed`` the seed and ``SolveOptions.threads`` the threads per sub-MIP.
"""

from __future__ import annotations

import logging
from typing import Any

from ormodel.learned.balans.config import BalansConfig
from ormodel.learned.balans.solver import solve
from ormodel.solvers.base import SolveOptions

from ormodel.methods import register_method
from ormodel.result import Result

__all__ = ["balans_method"]

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 60.0


def balans_method(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Run Balans on a path, Problem or StandardForm with the method parameters ``params``."""
    settings = dict(params or {})
    backend = str(settings.pop("backend", "highs"))
    config = dict(settings.pop("config", None) or {})
    known = set(BalansConfig.__dataclass_fields__)
    for key in list(settings):
        if key in known:
            config[key] = settings.pop(key)
    if settings:
        raise ValueError(
            f"unknown balans parameter(s) {', '.join(sorted(settings))}; use backend, config, or a config key "
            f"({', '.join(sorted(known))})"
        )
    if options.threads is not None:
        config.setdefault("threads", int(options.threads))
    time_limit = options.time_limit if options.time_limit is not None else DEFAULT_TIME_LIMIT
    result = solve(model, backend=backend, time_limit=time_limit, config=config, seed=options.seed)
    logger.info("balans-%s: %s objective %s after %s iterations", backend, result.status.value, result.objective, result.extra["iterations"])
    if options.verbose:
        print(f"balans-{backend}: {result.status.value} objective {result.objective} after {result.extra['iterations']} iterations")
    return result


register_method("balans", balans_method)
