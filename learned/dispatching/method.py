"""The ``dispatch`` method: learned dispatching on a job-shop file, optionally improved by CP-SAT.

``run_method("dispatch", "ta01.txt", SolveOptions(time_limit=10, seed=0), {})`` runs the sampling
mode for ``sampling_time`` seconds (default: 1 s, at most half the limit; the 12 static rules, the
policy's greedy and sampled schedules, then tabu search on the best:
:func:`~ormodel.learned.dispatching.portfolio.sample_and_search`), keeps the best, and (with
``improve``, the default when a time limit is given) spends the rest of the time limit on
improving it. The result's objective is the makespan; its values are the start times, named
``start[j,k]`` (job ``j``, route position ``k``).

How the rest of the time is used (``warm``): ``"yes"`` hints CP-SAT with the sampled schedule and
cuts off worse makespans; ``"no"`` runs CP-SAT cold and keeps the better of the two answers;
``"auto"`` (default) decides per instance by measurement: cold CP-SAT runs for half the time; if
its schedule beats the sampled one, CP-SAT continues from its own schedule for the other half,
otherwise the tabu search continues from the sampled schedule (with one worker, CP-SAT hinted
with a schedule better than its own rarely improves it; benchmarks/RESULTS.md).

Parameters (``params``): ``samples`` (int; without a time limit, the number of sampled schedules,
default 32), ``sampling_time`` (seconds), ``rules`` and ``local_search`` (bool, default true: the
sampling mode's parts; both false is pure policy sampling), ``improve`` (bool), ``warm`` (``auto``/``yes``/``no``),
``temperature`` (float, 1.0), ``rule`` (a static rule name instead of the policy, e.g.
``"mopnr"``), ``weights`` or ``model`` (a weights file; the CLI's ``--model``), ``workers``
(CP-SAT workers), ``gantt`` (a chart file: ``.png``, ``.svg`` or ``.html``; the CLI's ``--gantt``),
``device`` (accepted, inference runs on the CPU).

From the command line::

    ormodel solve ta01.txt --method dispatch --time-limit 10 --seed 0 --gantt ta01.html

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

_KNOWN_PARAMETERS = {
    "samples", "sampling_time", "improve", "warm", "rules", "local_search", "temperature", "rule", "weights", "model", "device", "workers", "gantt",
}
_WARM_MODES = ("auto", "yes", "no")
AUTO_PROBE_SHARE = 0.5  # share of the improvement time the cold CP-SAT measurement gets under warm="auto"


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


def improve_with_cpsat(
    instance: JobShopInstance, starts: np.ndarray, seconds: float, seed: int, workers: int | None, warm: str
) -> tuple[np.ndarray, float, str, dict[str, Any]]:
    """CP-SAT for ``seconds`` from a dispatched schedule; ``(starts, bound, status, notes)`` of the better answer."""
    from ormodel.learned.dispatching.cpsat import solve_jobshop_cpsat

    notes: dict[str, Any] = {"warm": warm}
    hint = starts
    if warm == "no":
        cold = solve_jobshop_cpsat(instance, time_limit=seconds, seed=seed, workers=workers)
        if cold.has_solution and cold.makespan <= instance.makespan(starts):
            return cold.starts, cold.bound, cold.status, {**notes, "cpsat_makespan": int(cold.makespan)}
        return starts, cold.bound, "feasible", {**notes, "cpsat_makespan": cold.makespan}
    if warm == "auto":
        return _measured_improvement(instance, starts, seconds, seed, workers, notes)
    improved = solve_jobshop_cpsat(instance, time_limit=seconds, seed=seed, workers=workers, warm_start=hint)
    return improved.starts, improved.bound, improved.status, {**notes, "cpsat_makespan": int(improved.makespan)}


def _measured_improvement(
    instance: JobShopInstance, starts: np.ndarray, seconds: float, seed: int, workers: int | None, notes: dict[str, Any]
) -> tuple[np.ndarray, float, str, dict[str, Any]]:
    """``warm="auto"``: cold CP-SAT for a share of ``seconds``, then the search that measured better continues.

    Cold CP-SAT runs for half the time (the measurement). If its schedule beats the dispatched one,
    CP-SAT continues for the rest warm-started from its own schedule; otherwise the dispatched
    schedule is the better start and the tabu search improves it for the rest (CP-SAT with one
    worker rarely improves a schedule that already beats its own; benchmarks/RESULTS.md).
    """
    from ormodel.learned.dispatching.cpsat import solve_jobshop_cpsat
    from ormodel.learned.dispatching.local_search import local_search

    began = time.perf_counter()
    ours = instance.makespan(starts)
    probe = solve_jobshop_cpsat(instance, time_limit=AUTO_PROBE_SHARE * seconds, seed=seed, workers=workers)
    notes["probe_makespan"] = int(probe.makespan) if probe.has_solution else None
    if probe.status == "optimal":
        return probe.starts, probe.bound, "optimal", {**notes, "continued": None, "cpsat_makespan": int(probe.makespan)}
    left = seconds - (time.perf_counter() - began)
    bound = max(probe.bound, float(instance.lower_bound()))
    if probe.has_solution and probe.makespan < ours:
        notes["continued"] = "cpsat"
        if left <= 0.05:
            return probe.starts, bound, "feasible", {**notes, "cpsat_makespan": int(probe.makespan)}
        improved = solve_jobshop_cpsat(instance, time_limit=left, seed=seed, workers=workers, warm_start=probe.starts)
        status = improved.status if improved.status == "optimal" else "feasible"
        return improved.starts, max(bound, improved.bound), status, {**notes, "cpsat_makespan": int(improved.makespan)}
    notes["continued"] = "local search"
    if left <= 0.05 or ours <= bound:
        return starts, bound, "optimal" if ours <= bound else "feasible", notes
    searched = local_search(instance, starts, time_limit=left, seed=seed)
    notes["search_iterations"] = searched.iterations
    status = "optimal" if searched.makespan <= bound else "feasible"
    return searched.starts, bound, status, notes


def _flag(params: dict[str, Any], name: str) -> bool:
    """A boolean parameter (default on); accepts true/false, yes/no, on/off, 1/0."""
    value = params.get(name, True)
    if isinstance(value, str):
        if value.lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            raise ValueError(f"dispatch: {name} must be true or false, got {value!r}")
        return value.lower() in ("true", "yes", "on", "1")
    return bool(value)


def solve_dispatch(model: Any, options: SolveOptions, params: dict[str, Any]) -> Result:
    """Dispatch with the learned policy (or a static rule), then optionally improve with CP-SAT."""
    unknown = set(params) - _KNOWN_PARAMETERS
    if unknown:
        raise ValueError(f"dispatch: unknown parameters {sorted(unknown)}; known: {sorted(_KNOWN_PARAMETERS)}")
    warm = str(params.get("warm", "auto")).lower()
    if warm not in _WARM_MODES:
        raise ValueError(f"dispatch: warm must be one of {', '.join(_WARM_MODES)}, got {params['warm']!r}")
    began = time.perf_counter()
    instance = _instance(model)
    seed = int(options.seed or 0)
    samples = int(params.get("samples", 32))
    if samples < 0:
        raise ValueError(f"dispatch: samples must be >= 0, got {samples}")
    improve = bool(params.get("improve", options.time_limit is not None))
    extra: dict[str, Any] = {"instance": instance.name}
    if params.get("rule"):
        from ormodel.learned.dispatching.rules import dispatch_with_rule

        schedule = dispatch_with_rule(instance, str(params["rule"]))
        starts, makespan = schedule.starts, schedule.makespan
        extra["rule"] = str(params["rule"])
    else:
        from ormodel.learned.dispatching.policy import load_policy

        policy = load_policy(params.get("weights") or params.get("model"))
        temperature = float(params.get("temperature", 1.0))
        if options.time_limit is not None or "sampling_time" in params:
            default = 1.0 if options.time_limit is None else min(1.0, options.time_limit / 2 if improve else options.time_limit)
            from ormodel.learned.dispatching.portfolio import sample_and_search

            mode = sample_and_search(
                policy, instance, float(params.get("sampling_time", default)), seed=seed, temperature=temperature,
                rules=_flag(params, "rules"), local_search_on=_flag(params, "local_search"),
            )
            starts, makespan = mode.starts, mode.makespan
            extra.update(samples=mode.samples, sampling_source=mode.source, search_iterations=mode.search_iterations)
        else:
            found = policy.solve(instance, samples=samples, seed=seed, temperature=temperature)
            starts, makespan = found.starts, found.makespan
            extra["samples"] = len(found.all_makespans) - 1
    instance.check_schedule(starts)
    extra["dispatch_makespan"] = int(makespan)
    extra["dispatch_seconds"] = time.perf_counter() - began
    bound = float(instance.lower_bound())
    status = Status.FEASIBLE
    if improve:
        remaining = 10.0 if options.time_limit is None else options.time_limit - (time.perf_counter() - began)
        if remaining > 0.05:
            workers = params.get("workers", options.threads)
            starts, cp_bound, cp_status, notes = improve_with_cpsat(instance, starts, remaining, seed, workers, warm)
            bound = max(bound, cp_bound)
            status = Status.OPTIMAL if cp_status == "optimal" else Status.FEASIBLE
            extra.update(notes)
            extra["cpsat_status"] = cp_status
    if params.get("gantt"):
        from ormodel.datasets.jssp.gantt import write_gantt

        extra["gantt"] = str(write_gantt(instance, starts, str(params["gantt"])))
    return schedule_result(instance, starts, status, bound, time.perf_counter() - began, extra)


register_method("dispatch", solve_dispatch)
