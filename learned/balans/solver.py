"""``solve``: Balans on any persistent backend, sequential or in parallel with a shared incumbent.

Example:
    >>> import numpy as np
    >>> from ormodel.standard_form import StandardForm
    >>> form = StandardForm.from_arrays(objective=np.array([5.0, 4.0, 3.0]), matrix=np.array([[2.0, 3.0, 1.0]]),
    ...     row_lower=np.array([-np.inf]), row_upper=np.array([5.0]), column_upper=np.ones(3),
    ...     integrality=np.ones(3, dtype=bool), sense="maximize")
    >>> result = solve(form, backend="highs", time_limit=2.0)
    >>> result.objective
    9.0
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from typing import Any

import numpy as np
from ormodel.learned.balans.config import BalansConfig
from ormodel.learned.balans.search import Deadline, SearchOutcome, run_search
from ormodel.solvers.persistent import open_persistent

from ormodel.compiler import as_standard_form
from ormodel.methods import load_model_input
from ormodel.result import Result, Status
from ormodel.standard_form import StandardForm

__all__ = ["SharedIncumbent", "solve"]


def _as_form(problem: Any) -> StandardForm:
    form = as_standard_form(load_model_input(problem))
    if form.is_quadratic:
        raise ValueError("Balans handles linear (mixed-integer) models; this one has a quadratic objective")
    return form


def _as_config(config: BalansConfig | dict[str, Any] | None, seed: int | None) -> BalansConfig:
    if isinstance(config, BalansConfig):
        result = config
    else:
        result = BalansConfig.from_dict(config)
    if seed is not None:
        result = result.replace(seed=int(seed))
    return result


def solve(
    problem: Any,
    backend: str = "highs",
    time_limit: float = 60.0,
    config: BalansConfig | dict[str, Any] | None = None,
    seed: int | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> Result:
    """Run Balans on a model (file path, Problem or StandardForm) within ``time_limit`` wall-clock seconds.

    The returned :class:`~ormodel.result.Result` carries ``extra["trace"]`` (``[seconds, objective]``
    of each new incumbent), ``extra["arms"]`` (per operator: pulls, summed reward, outcome counts,
    seconds), ``extra["iterations"]``, ``extra["phases"]`` (seconds per phase) and ``extra["config"]``.
    ``progress(seconds, objective)`` is called on each new incumbent (sequential mode).
    """
    deadline = Deadline(time_limit)
    form = _as_form(problem)
    settings = _as_config(config, seed)
    if settings.parallel > 1:
        outcome = _solve_parallel(form, backend, settings, deadline)
    else:
        outcome = _solve_one(form, backend, settings, deadline, None, progress)
    return _result(form, backend, settings, outcome, deadline)


def _solve_one(form: StandardForm, backend: str, config: BalansConfig, deadline: Deadline, shared: Any,
               progress: Callable[[float, float], None] | None) -> SearchOutcome:
    model = open_persistent(form, backend, threads=config.threads, seed=config.seed)
    return run_search(form, model, config, deadline, shared=shared, progress=progress)


def _result(form: StandardForm, backend: str, config: BalansConfig, outcome: SearchOutcome, deadline: Deadline) -> Result:
    result = Result(
        status=outcome.status,
        objective=outcome.objective if outcome.values is not None else math.nan,
        bound=outcome.bound,
        values=outcome.values,
        solve_time=deadline.elapsed(),
        solver=f"balans-{backend}",
        raw_status=outcome.status.value,
        message=outcome.message,
        names=form.names,
    )
    result.extra["trace"] = [[float(seconds), float(value)] for seconds, value in outcome.trace]
    result.extra["arms"] = outcome.arms
    result.extra["iterations"] = outcome.iterations
    result.extra["phases"] = outcome.phases
    result.extra["config"] = config.to_dict()
    result.extra["time_limit"] = deadline.seconds
    return result


class SharedIncumbent:
    """The best (minimised) objective and its point, shared between worker processes."""

    def __init__(self, context: Any, columns: int) -> None:
        self._value = context.Value("d", math.inf)
        self._values = context.Array("d", max(columns, 1), lock=False)
        self._columns = columns

    def offer(self, value: float, values: np.ndarray) -> None:
        """Publish ``values`` if its objective beats the shared one."""
        with self._value.get_lock():
            if value < self._value.value:
                np.ctypeslib.as_array(self._values)[: self._columns] = values
                self._value.value = value

    def best(self) -> tuple[float, np.ndarray | None]:
        """The shared objective and a copy of its point (``(inf, None)`` before any)."""
        with self._value.get_lock():
            value = float(self._value.value)
            if not math.isfinite(value):
                return value, None
            return value, np.ctypeslib.as_array(self._values)[: self._columns].copy()


def _worker(form: StandardForm, backend: str, config: BalansConfig, start: float, seconds: float,
            shared: SharedIncumbent, queue: Any, index: int) -> None:
    try:
        deadline = Deadline(seconds, start=start)
        outcome = _solve_one(form, backend, config, deadline, shared, None)
        queue.put((index, outcome, ""))
    except Exception as error:  # noqa: BLE001 - reported to the parent as a failed worker
        queue.put((index, None, f"{type(error).__name__}: {error}"))


def _worker_configs(config: BalansConfig) -> list[BalansConfig]:
    base = config.replace(parallel=1, parallel_configs=[])
    configs = []
    for index in range(config.parallel):
        overrides = dict(config.parallel_configs[index]) if index < len(config.parallel_configs) else {}
        overrides.setdefault("seed", config.seed + index)
        configs.append(base.replace(**overrides))
    return configs


def _solve_parallel(form: StandardForm, backend: str, config: BalansConfig, deadline: Deadline) -> SearchOutcome:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context: Any = multiprocessing.get_context(method)  # fork or spawn context (both have Process)
    shared = SharedIncumbent(context, form.num_columns)
    queue = context.Queue()
    configs = _worker_configs(config)
    processes = []
    for index, worker_config in enumerate(configs):
        process = context.Process(target=_worker, args=(form, backend, worker_config, deadline.start, deadline.seconds,
                                                        shared, queue, index), daemon=True)
        process.start()
        processes.append(process)
    outcomes: dict[int, SearchOutcome] = {}
    errors: list[str] = []
    grace = 5.0 + 0.1 * deadline.seconds
    while len(outcomes) + len(errors) < len(processes) and deadline.remaining() > -grace:
        try:
            index, outcome, error = queue.get(timeout=max(0.05, min(1.0, deadline.remaining() + grace)))
        except Exception:  # noqa: BLE001 - queue.Empty: keep waiting until the grace period ends
            if not any(process.is_alive() for process in processes):
                break
            continue
        if outcome is None:
            errors.append(f"worker {index}: {error}")
        else:
            outcomes[index] = outcome
    for process in processes:
        process.join(timeout=0.5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=1.0)
    _, shared_values = shared.best()
    if not outcomes:
        message = "; ".join(errors) or "no worker finished within the budget"
        values = shared_values
        objective = form.objective_value(values) if values is not None else math.nan
        return SearchOutcome(values, objective, Status.TIME_LIMIT if values is not None else Status.ERROR, math.nan,
                             [], {}, 0, {}, message=message)
    return _merge(form, outcomes, shared_values, errors)


def _merge(form: StandardForm, outcomes: dict[int, SearchOutcome], shared_values: np.ndarray | None,
           errors: list[str]) -> SearchOutcome:
    sign = -1.0 if form.sense.value == "maximize" else 1.0
    candidates = [outcome.values for outcome in outcomes.values() if outcome.values is not None]
    if shared_values is not None:
        candidates.append(shared_values)
    values = min(candidates, key=lambda point: sign * form.objective_value(point)) if candidates else None
    events = sorted(event for outcome in outcomes.values() for event in outcome.trace)
    trace: list[tuple[float, float]] = []
    for seconds, objective in events:
        if not trace or sign * objective < sign * trace[-1][1] - 1e-9:
            trace.append((seconds, objective))
    arms: dict[str, dict[str, Any]] = {}
    for index, outcome in sorted(outcomes.items()):
        for name, entry in outcome.arms.items():
            total = arms.setdefault(name, {key: 0 for key in entry})
            for key, value in entry.items():
                total[key] += value
    bounds = [outcome.bound for outcome in outcomes.values() if math.isfinite(outcome.bound)]
    bound = (min(bounds) if sign > 0 else max(bounds)) if bounds else math.nan
    objective = form.objective_value(values) if values is not None else math.nan
    status = Status.OPTIMAL if any(outcome.status == Status.OPTIMAL for outcome in outcomes.values()) else Status.TIME_LIMIT
    phases = {f"worker{index}_{key}": value for index, outcome in outcomes.items() for key, value in outcome.phases.items()}
    iterations = sum(outcome.iterations for outcome in outcomes.values())
    message = "; ".join(errors)
    return SearchOutcome(values, objective, status, bound, trace, arms, iterations, phases, message=message)
