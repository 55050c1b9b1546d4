"""Methods that misbehave on purpose, loaded into run processes with ``--plugin`` by the runner tests.

``overrun`` solves with HiGHS and then keeps working past its time limit (as a Python method that
ignores its budget would); ``memory-hog`` allocates far more memory than the guard allows; ``record-knapsack`` stands in for an
NL agent on a record suite (it reads the record's data instead of its text).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ormodel.solvers.base import SolveOptions

from ormodel.methods import register_method, run_method
from ormodel.result import Result


def overrun(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Solve with HiGHS, then keep going for ``params['extra_seconds']`` (default 60) regardless of the limit."""
    result = run_method("highs", model, options)
    time.sleep(float(params.get("extra_seconds", 60)))
    return result


def memory_hog(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Allocate ``params['gigabytes']`` (default 8) GB before solving."""
    block = np.ones(int(float(params.get("gigabytes", 8)) * 1024**3 / 8))
    del block
    return run_method("highs", model, options)


def record_knapsack(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Stand-in for an NL agent: read a record's knapsack data, build the MILP and solve it with HiGHS."""
    from ormodel import StandardForm

    weights = np.asarray(model["weights"], dtype=float)
    form = StandardForm.from_arrays(
        objective=np.asarray(model["values"], dtype=float), matrix=weights.reshape(1, -1),
        row_lower=np.array([-np.inf]), row_upper=np.array([float(model["capacity"])]),
        column_lower=np.zeros(len(weights)), column_upper=np.ones(len(weights)),
        integrality=np.ones(len(weights), dtype=bool), sense="maximize",
    )
    result = run_method("highs", form, options)
    result.extra["json"] = {"question": model["question"]}
    return result


register_method("overrun", overrun)
register_method("record-knapsack", record_knapsack)
register_method("memory-hog", memory_hog)
