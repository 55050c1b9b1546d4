"""Methods that misbehave on purpose, loaded into run processes with ``--plugin`` by the runner tests.

``overrun`` solves with HiGHS and then keeps working past its time limit (as a Python method that
ignores its budget would); ``memory-hog`` allocates far more memory than the guard allows.
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


register_method("overrun", overrun)
register_method("memory-hog", memory_hog)
