"""The ``gnn-branching`` method: SCIP with the GCN branching policy.

Parameters (``params``): ``model`` — a checkpoint path or a shipped policy name (``setcover``,
``cauctions``, ``facility``, ``indset``, ``mixed``; default ``mixed``); ``protocol`` — ``true`` for
the evaluation protocol of Gasse et al. 2019 (root-only cuts, no restarts; default ``false``,
SCIP's normal settings); ``device`` — ``auto`` (CUDA when present), ``cpu`` or ``cuda``;
``scip`` — a dict of extra SCIP parameters (e.g. ``{"presolving/maxrounds": 0}``).

Example (command line)::

    ormodel solve instance.mps --method gnn-branching --model setcover --time-limit 600
    ormodel solve instance.mps --method gnn-branching --model policy.pt --param protocol=true \
        --param 'scip={"limits/gap": 0.01}'
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ormodel.learned.branching.rule import solve_with_policy
from ormodel.solvers.base import SolveOptions

from ormodel.methods import register_method
from ormodel.result import Result

__all__ = ["gnn_branching"]

_PARAMETERS = {"model", "protocol", "device", "scip"}


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.lower() in ("true", "1", "yes")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"gnn-branching parameter {name!r} must be true or false, got {value!r}")


def gnn_branching(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Solve ``model`` with SCIP branching by a trained GCN policy."""
    unknown = sorted(set(params) - _PARAMETERS)
    if unknown:
        raise ValueError(f"gnn-branching does not take {', '.join(unknown)}; its parameters are {', '.join(sorted(_PARAMETERS))}")
    scip_parameters = params.get("scip", {})
    if not isinstance(scip_parameters, dict):
        raise TypeError(f"gnn-branching parameter 'scip' must be a dict of SCIP parameters, got {scip_parameters!r}")
    if scip_parameters:
        options = dataclasses.replace(options, extra={**options.extra, **scip_parameters})
    return solve_with_policy(
        model,
        params.get("model") or "mixed",
        options,
        protocol=_flag(params.get("protocol", False), "protocol"),
        device=str(params.get("device", "auto")),
    )


register_method("gnn-branching", gnn_branching)
