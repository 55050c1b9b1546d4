"""The ``dispatch`` method: learned dispatching on a job-shop file, optionally improved by CP-SAT.

``run_method("dispatch", "ta01.txt", SolveOptions(time_limit=30, seed=0), {"samples": 32})``
builds the policy's greedy schedule plus ``samples`` sampled ones, keeps the best, and (with
``improve``, the default when a time limit is given) warm-starts CP-SAT from it for the rest of
the time limit. The result's objective is the makespan; its values are the start times, named
``start[j,k]`` (job ``j``, route position ``k``).

With a time limit, sampling (in batches of 8) stops starting new batches after half of it (all of it without
``improve``), so fewer samples than asked may be drawn; ``extra["samples"]`` says how many.

Parameters (``params``): ``samples`` (int, default 32), ``improve`` (bool), ``temperature``
(float, 1.0), ``rule`` (a static rule name instead of the policy, e.g. ``"mopnr"``),
``weights`` or ``model`` (a weights file; the CLI's ``--model``), ``device`` (``"auto"``),
``workers`` (CP-SAT workers).

From the command line::

    ormodel solve ta01.txt --method dispatch --time-limit 10 --seed 0 --param samples=32

"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance
from ormodel.datasets.jssp.text_format import read_jobshop
from ormodel.solvers.base import SolveOptions

from ormodel.methods import register_method
from ormodel.result import Result, Status
from ormodel.standard_form import Block, NameMap

__all__ = ["schedule_result", "solve_dispatch"]

_KNOWN_PARAMETERS = {"samples", "improve", "temperature", "rule", "weights", "model", "device", "workers"}


def _instance(model: Any) -> JobShopInstance:
    if isinstance(model, JobShopInstance):
        return model
    if isinstance(model, (str, os.PathLike)):
        return read_jobshop(model)
    raise JobShopError(
        f"the dispatch method takes a job-shop file path or a JobShopInstance, got {type(model).__name__}"
    )


def schedule_result(
    instance: JobShopInstance, starts: np.ndarray, status: Status, bound: float, seconds: float, extra: dict[str, Any]
) -> Result:
    """A :class:`Result` holding a schedule: objective = makespan, values = ``start[j,k]``."""
    jobs, operations = instance.machines.shape
    names = NameMap(
        variables=[
            Block(
                "start",
                0,
                jobs * operations,
                shape=(jobs, operations),
                index_members=((np.arange(jobs),), (np.arange(operations),)),
            )
        ]
    )
    makespan = instance.makespan(starts)
    if status != Status.OPTIMAL and makespan <= bound:
        status = Status.OPTIMAL
    return Result(
        status=status,
        objective=float(makespan),
        bound=float(bound),
        values=np.asarray(starts, dtype=float).ravel(),
        solve_time=seconds,
        solver="dispatch",
        names=names,
        extra=extra,
    )


def solve_dispatch(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Dispatch with the learned policy (or a static rule), then optionally improve with CP-SAT."""
    unknown = set(params) - _KNOWN_PARAMETERS
    if unknown:
        raise ValueError(f"dispatch: unknown parameters {sorted(unknown)}; known: {sorted(_KNOWN_PARAMETERS)}")
    began = time.perf_counter()
    instance = _instance(model)
    seed = int(options.seed or 0)
    samples = int(params.get("samples", 32))
    if samples < 0:
        raise ValueError(f"dispatch: samples must be >= 0, got {samples}")
    extra: dict[str, Any] = {"instance": instance.name}
    if params.get("rule"):
        from ormodel.learned.dispatching.rules import dispatch_with_rule

        schedule = dispatch_with_rule(instance, str(params["rule"]))
        starts, makespan = schedule.starts, schedule.makespan
        extra["rule"] = str(params["rule"])
    else:
        from ormodel.learned.dispatching.policy import load_policy

        policy = load_policy(params.get("weights") or params.get("model"), device=params.get("device", "auto"))
        improve_requested = bool(params.get("improve", options.time_limit is not None))
        # With a time limit, sampling gets half of it when CP-SAT improves afterwards, else all of it.
        sampling_limit = None
        if options.time_limit is not None:
            sampling_limit = options.time_limit / 2 if improve_requested else options.time_limit
        found = policy.solve(
            instance,
            samples=samples,
            seed=seed,
            temperature=float(params.get("temperature", 1.0)),
            device=params.get("device", "auto"),
            batch_size=32 if sampling_limit is None else 8,
            time_limit=sampling_limit,
        )
        starts, makespan = found.starts, found.makespan
        extra["samples"] = len(found.all_makespans) - 1
    instance.check_schedule(starts)
    extra["dispatch_makespan"] = int(makespan)
    extra["dispatch_seconds"] = time.perf_counter() - began
    bound = float(instance.lower_bound())
    status = Status.FEASIBLE
    improve = bool(params.get("improve", options.time_limit is not None))
    if improve:
        from ormodel.learned.dispatching.cpsat import improve_schedule

        remaining = 10.0 if options.time_limit is None else options.time_limit - (time.perf_counter() - began)
        if remaining > 0.05:
            workers = params.get("workers", options.threads)
            improved = improve_schedule(instance, starts, time_limit=remaining, seed=seed, workers=workers)
            starts = improved.starts
            bound = max(bound, improved.bound)
            status = Status.OPTIMAL if improved.status == "optimal" else Status.FEASIBLE
            extra["cpsat_makespan"] = int(improved.makespan)
            extra["cpsat_status"] = improved.status
    return schedule_result(instance, starts, status, bound, time.perf_counter() - began, extra)


register_method("dispatch", solve_dispatch)
