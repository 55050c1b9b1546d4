"""One Balans run: initial solution, bandit-driven ALNS over sub-MIPs, all on one wall-clock budget.

The loop is the ``alns`` package's :class:`alns.ALNS` with a :class:`alns.select.MABSelector`
(MABWiser bandit) choosing the destroy operator and an ``alns.accept`` criterion deciding whether
a repaired candidate becomes the current solution. There is one repair operator: solve the
sub-MIP on the persistent model (changes made, solved, rolled back).

Everything (loading the model, trivial points, the backend's first solution, the LP relaxation,
every sub-MIP) draws from one :class:`Deadline`; each sub-MIP's time limit is capped by what is
left, minus the solver's observed overshoot, so the run ends close to its budget.

Internally objectives are minimised: ``internal = sign * (c'x + c0)`` with ``sign = -1`` for
maximisation (as in the Balans package).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import alns.accept as accept_module
import numpy as np
from alns import ALNS
from alns.select import MABSelector
from mabwiser.mab import LearningPolicy
from ormodel.learned.balans.config import BalansConfig
from ormodel.learned.balans.initial import is_feasible, one_opt_shift, trivial_solution
from ormodel.learned.balans.operators import DestroyOperator, Neighborhood, applicable, make_operator
from ormodel.solvers.persistent import HighsPersistentModel

from ormodel.result import Status
from ormodel.standard_form import Sense, StandardForm

__all__ = ["BalansState", "Deadline", "SearchContext", "SearchOutcome", "run_search", "trivial_solution"]

class Deadline:
    """One wall-clock budget shared by every phase of a run."""

    def __init__(self, seconds: float, start: float | None = None) -> None:
        if not seconds > 0:
            raise ValueError(f"the time limit must be positive seconds, got {seconds}")
        self.start = time.monotonic() if start is None else start
        self.seconds = float(seconds)

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.start

    def remaining(self) -> float:
        """Seconds left (negative once overrun)."""
        return self.seconds - self.elapsed()


@dataclass
class BalansState:
    """An ALNS state: a point and its internal (minimised) objective."""

    values: np.ndarray
    value: float
    operator: str = ""

    def objective(self) -> float:
        """The minimised objective ALNS compares."""
        return self.value


@dataclass
class _Destroyed:
    state: BalansState
    neighborhood: Neighborhood
    operator: str


@dataclass
class SearchOutcome:
    """What :func:`run_search` found.

    ``trace`` lists ``(seconds, objective)`` of every new incumbent in the model's own sense;
    ``arms`` has, per operator, pulls, summed reward, outcome counts (``best`` = new incumbents) and seconds.
    """

    values: np.ndarray | None
    objective: float
    status: Status
    bound: float
    trace: list[tuple[float, float]]
    arms: dict[str, dict[str, Any]]
    iterations: int
    phases: dict[str, float]
    message: str = ""


class SearchContext:
    """What operators and the repair step share: the model, masks, LP values, solution pool, deadline."""

    def __init__(self, form: StandardForm, model: Any, config: BalansConfig, deadline: Deadline) -> None:
        self.form = form
        self.model = model
        self.config = config
        self.deadline = deadline
        self.sign = -1.0 if form.sense == Sense.MAXIMIZE else 1.0
        self.discrete = form.integrality.astype(bool).copy()
        self.binary = self.discrete & (form.column_lower >= 0) & (form.column_upper <= 1)
        self.pool: list[np.ndarray] = []
        self._lp: np.ndarray | None = None
        self._lp_tried = False
        self.lp_bound = math.nan
        self.overshoot = 0.05
        # Per operator: how far its sub-MIPs ran past their limit (full-model sub-MIPs such as local
        # branching overran by 1-2.5 s on the 4000x5000 set cover, while mutation stayed within 0.1 s).
        self.operator_overshoot: dict[str, float] = {}
        self.phase_seconds: dict[str, float] = {"lp": 0.0, "initial": 0.0, "crossover_partner": 0.0}
        # SCIP re-presolves the whole transformed model for every sub-MIP (about 0.5 s on the
        # 9000-node instances), so its sub-MIPs get a larger share of the budget by default.
        share = 0.2 if getattr(model, "backend", "") == "scip" else 0.12
        self.iteration_time = config.iteration_time or min(60.0, max(0.5, share * deadline.seconds))
        self.on_incumbent: Callable[[np.ndarray, float], None] | None = None

    def internal_objective(self, values: np.ndarray) -> float:
        """``sign * (c'x + c0)``: the minimised objective."""
        return self.sign * self.form.objective_value(values)

    def time_for(self, wanted: float) -> float:
        """A solve time limit: ``wanted`` capped by what is left of the budget minus the expected overshoot."""
        return min(wanted, self.deadline.remaining() - self.overshoot)

    def record_overshoot(self, limit: float, seconds: float, operator: str | None = None) -> None:
        """Learn how far past its limit the backend tends to run (max of recent overshoots, decaying),
        overall and, when ``operator`` is given, for that operator's sub-MIPs."""
        overrun = seconds - limit
        self.overshoot = max(0.05, 0.9 * self.overshoot, overrun)
        if operator is not None:
            self.operator_overshoot[operator] = max(0.0, 0.9 * self.operator_overshoot.get(operator, 0.0), overrun)

    def solve(self, time_limit: float, operator: str | None = None, **keywords: Any) -> Any:
        """Solve the persistent model as it stands, tracking the overshoot (also per ``operator`` when given)."""
        result = self.model.solve(time_limit=time_limit, **keywords)
        self.record_overshoot(time_limit, result.seconds, operator)
        return result

    def lp_solution(self) -> np.ndarray | None:
        """The LP relaxation's point, solved once (by HiGHS) on first use within ``lp_fraction`` of the budget."""
        if self._lp_tried:
            return self._lp
        self._lp_tried = True
        limit = self.time_for(self.config.lp_fraction * self.deadline.seconds)
        if limit <= 0.05:
            return None
        started = time.monotonic()
        if self.model.backend == "highs":
            mark = self.model.checkpoint()
            try:
                self.model.set_integrality(np.flatnonzero(self.discrete), False)
                result = self.solve(limit)
            finally:
                self.model.rollback(mark)
        else:
            # SCIP does not stop a pure LP solve at short time limits (measured: 18 s past a 1.2 s
            # limit on a 16000-column knapsack LP), so the relaxation goes to HiGHS for every backend.
            relaxation = HighsPersistentModel(self.form, threads=self.config.threads, seed=self.config.seed)
            relaxation.set_integrality(np.flatnonzero(self.discrete), False)
            result = relaxation.solve(time_limit=limit)
            self.record_overshoot(limit, result.seconds)
        self.phase_seconds["lp"] = time.monotonic() - started
        if result.status == Status.OPTIMAL and result.values is not None:
            self._lp = result.values
            self.lp_bound = float(result.objective)
        return self._lp

    def add_to_pool(self, values: np.ndarray) -> None:
        """Keep a solution for crossover (most recent ``pool_size`` distinct ones)."""
        for kept in self.pool:
            if np.array_equal(kept, values):
                return
        self.pool.append(values.copy())
        if len(self.pool) > self.config.pool_size:
            self.pool.pop(0)

    def crossover_partner(self, incumbent: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
        """Another feasible solution: from the pool, or else from a short random-objective solve."""
        others = [kept for kept in self.pool if not np.array_equal(kept, incumbent)]
        if others:
            return others[int(rng.integers(len(others)))]
        limit = self.time_for(0.5 * self.iteration_time)
        if limit <= 0.05:
            return None
        started = time.monotonic()
        objective = rng.uniform(-1.0, 1.0, size=self.form.num_columns)
        mark = self.model.checkpoint()
        try:
            self.model.set_objective(objective / max(float(np.linalg.norm(objective)), 1e-12), Sense.MINIMIZE)
            result = self.solve(limit)
        finally:
            self.model.rollback(mark)
        self.phase_seconds["crossover_partner"] += time.monotonic() - started
        if result.values is None:
            return None
        values = self._clean(result.values)
        if not is_feasible(self.form, values):
            return None
        self.add_to_pool(values)
        if self.on_incumbent is not None:
            self.on_incumbent(values, self.internal_objective(values))
        return values

    def _clean(self, values: np.ndarray) -> np.ndarray:
        cleaned = values.copy()
        cleaned[self.discrete] = np.round(cleaned[self.discrete])
        return cleaned

    @staticmethod
    def _failed(current: BalansState, operator: str) -> BalansState:
        """A candidate for a repair that found nothing: worse than anything, so every criterion rejects it."""
        return BalansState(current.values, math.inf, operator)

    def repair(self, destroyed: _Destroyed) -> BalansState:
        """Solve the sub-MIP of a neighbourhood on the persistent model and undo the changes."""
        current = destroyed.state
        neighborhood = destroyed.neighborhood
        if neighborhood.empty:
            return self._failed(current, destroyed.operator)
        wanted = self.iteration_time * neighborhood.time_factor
        # Until an operator has shown its overrun, a full-model sub-MIP (dense rows) is assumed to
        # overrun by as much as its limit, so it is not started late in the run.
        known = self.operator_overshoot.get(destroyed.operator)
        margin = known if known is not None else (wanted if neighborhood.dense_rows else 0.0)
        limit = min(self.time_for(wanted), self.deadline.remaining() - margin)
        if limit <= 0.05:
            return self._failed(current, destroyed.operator)
        model = self.model
        incumbent = current.values
        mark = model.checkpoint()
        try:
            if neighborhood.fix.size:
                fixed = incumbent[neighborhood.fix]
                model.set_column_bounds(neighborhood.fix, fixed, fixed)
            if neighborhood.bound_columns.size:
                model.set_column_bounds(neighborhood.bound_columns, neighborhood.bound_lower, neighborhood.bound_upper)
            start = incumbent
            if neighborhood.new_columns is not None:
                model.add_columns(*neighborhood.new_columns)
                extra = neighborhood.new_column_start if neighborhood.new_column_start is not None else np.zeros(len(neighborhood.new_columns[0]))
                start = np.concatenate([incumbent, extra])
            for matrix, lower, upper in neighborhood.rows:
                model.add_rows(matrix, lower, upper)
            if neighborhood.objective is not None:
                model.set_objective(neighborhood.objective, Sense.MINIMIZE)
            options: dict[str, Any] = {"presolve": False} if neighborhood.dense_rows and model.backend == "highs" else {}
            result = self.solve(limit, destroyed.operator, warm_start=start if neighborhood.warm_start else None,
                                solution_limit=neighborhood.solution_limit, **options)
        finally:
            model.rollback(mark)
        if result.values is None:
            return self._failed(current, destroyed.operator)
        values = self._clean(result.values)
        if not is_feasible(self.form, values):
            return self._failed(current, destroyed.operator)
        value = self.internal_objective(values)
        if value < current.value - 1e-9:
            self.add_to_pool(values)
        return BalansState(values, value, destroyed.operator)


def _selector(config: BalansConfig, arms: int, selector_class: Any = None) -> Any:
    selector_class = selector_class or MABSelector
    settings = dict(config.selector)
    policy = str(settings.pop("policy")).lower()
    if policy == "thompson":
        learning = LearningPolicy.ThompsonSampling()
    elif policy == "epsilon_greedy":
        learning = LearningPolicy.EpsilonGreedy(epsilon=float(settings.pop("epsilon", 0.15)))
    elif policy == "softmax":
        learning = LearningPolicy.Softmax(tau=float(settings.pop("tau", 1.0)))
    else:
        learning = LearningPolicy.UCB1(alpha=float(settings.pop("alpha", 1.0)))
    if settings:
        raise ValueError(f"unknown selector setting(s) {', '.join(sorted(settings))} for policy {policy!r}")
    return selector_class(list(config.scores), arms, 1, learning, seed=int(config.seed))


def _acceptance(config: BalansConfig) -> Any:
    settings = dict(config.accept)
    name = str(settings.pop("name"))
    criterion = getattr(accept_module, name, None)
    if criterion is None or not isinstance(criterion, type):
        known = ", ".join(sorted(item for item in dir(accept_module) if item[0].isupper() and item != "AcceptanceCriterion"))
        raise ValueError(f"unknown acceptance criterion {name!r}; choose one of: {known}")
    try:
        return criterion(**settings)
    except TypeError as error:
        raise ValueError(f"acceptance criterion {name}: {error}") from None


@dataclass
class _ArmBook:
    """Per-operator statistics the run reports (pulls, rewards, outcomes, improvements, seconds)."""

    names: list[str]
    scores: tuple[float, ...]
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.names:
            self.stats[name] = {"pulls": 0, "reward": 0.0, "best": 0, "better": 0, "accept": 0, "reject": 0,
                                "seconds": 0.0}

    def record(self, name: str, outcome_index: int, seconds: float, reward: float) -> None:
        entry = self.stats[name]
        entry["pulls"] += 1
        entry["reward"] += reward
        entry[("best", "better", "accept", "reject")[outcome_index]] += 1
        entry["seconds"] += seconds


def run_search(
    form: StandardForm,
    model: Any,
    config: BalansConfig,
    deadline: Deadline,
    shared: Any = None,
    progress: Callable[[float, float], None] | None = None,
) -> SearchOutcome:
    """Run Balans on a loaded persistent model until the deadline.

    ``shared`` (parallel mode) offers ``best() -> (internal objective, values | None)`` and
    ``offer(internal objective, values)``; the run adopts a better shared incumbent between iterations.
    """
    context = SearchContext(form, model, config, deadline)
    trace: list[tuple[float, float]] = []
    best_value = [math.inf]

    def note(values: np.ndarray, value: float) -> None:
        if value < best_value[0] - 1e-9:
            best_value[0] = value
            trace.append((deadline.elapsed(), context.sign * value))
            if shared is not None:
                shared.offer(value, values)
            if progress is not None:
                progress(deadline.elapsed(), context.sign * value)

    context.on_incumbent = note
    phases: dict[str, float] = {"load": deadline.elapsed()}

    # Initial solution: trivial points (milliseconds), improved by greedy one-opt shifts (a pass over
    # the columns), then the backend's first feasible one if neither gives a point.
    started = time.monotonic()
    incumbent = trivial_solution(form) if config.initial in ("auto", "trivial") else None
    if incumbent is not None:
        note(incumbent, context.internal_objective(incumbent))
    phases["trivial"] = time.monotonic() - started
    if incumbent is not None and config.initial == "auto":
        started = time.monotonic()
        shift_deadline = started + max(0.0, context.time_for(config.initial_fraction * deadline.seconds))
        shifted = one_opt_shift(form, incumbent, deadline=shift_deadline)
        if is_feasible(form, shifted):
            incumbent = shifted
            note(incumbent, context.internal_objective(incumbent))
        phases["shift"] = time.monotonic() - started
    status_hint: Status | None = None
    if incumbent is None:
        started = time.monotonic()
        limit = context.time_for(config.initial_fraction * deadline.seconds)
        if limit > 0.05:
            result = context.solve(limit, solution_limit=1, feasibility_emphasis=True)
            if result.values is not None and is_feasible(form, context._clean(result.values)):
                incumbent = context._clean(result.values)
                note(incumbent, context.internal_objective(incumbent))
                if result.status == Status.OPTIMAL:
                    status_hint = Status.OPTIMAL
            elif result.status in (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED):
                status_hint = result.status
        phases["initial"] = time.monotonic() - started
    if incumbent is None or status_hint is not None:
        status = status_hint or Status.TIME_LIMIT
        values = incumbent
        objective = form.objective_value(values) if values is not None else math.nan
        return SearchOutcome(values, objective, status, objective if status == Status.OPTIMAL else math.nan, trace,
                             {}, 0, phases, message="no feasible solution within the budget" if values is None else "")
    context.add_to_pool(incumbent)

    has_binaries = bool(context.binary.any())
    has_integers = bool(context.discrete.any())
    operators: list[DestroyOperator] = [
        operator for operator in (make_operator(name) for name in config.operators)
        if applicable(operator, has_binaries, has_integers)
    ]
    if not operators:
        values = incumbent
        return SearchOutcome(values, form.objective_value(values), Status.TIME_LIMIT, math.nan, trace, {}, 0, phases,
                             message="no destroy operator applies to this model (it has no integer columns)")

    book = _ArmBook([operator.name for operator in operators], tuple(config.scores))
    rng = np.random.default_rng(config.seed)
    engine = ALNS(rng)
    timing: dict[str, float] = {}

    def destroy_with(operator: DestroyOperator) -> Callable[..., _Destroyed]:
        def destroy(state: BalansState, generator: np.random.Generator, **_: Any) -> _Destroyed:
            timing["start"] = time.monotonic()
            timing["lp_before"] = context.phase_seconds["lp"]
            current = state
            if shared is not None:
                shared_value, shared_values = shared.best()
                if shared_values is not None and shared_value < current.value - 1e-9:
                    current = BalansState(shared_values, shared_value, "shared")
            return _Destroyed(current, operator(context, current.values, generator), operator.name)

        destroy.__name__ = operator.name
        return destroy

    for operator in operators:
        engine.add_destroy_operator(destroy_with(operator), name=operator.name)

    def repair(destroyed: _Destroyed, generator: np.random.Generator, **_: Any) -> BalansState:
        candidate = context.repair(destroyed)
        note(candidate.values, candidate.value)
        return candidate

    engine.add_repair_operator(repair, name="sub_mip")

    time_aware = config.time_aware_rewards and str(config.selector.get("policy")).lower() != "thompson"

    class _RecordingSelector(MABSelector):
        def __call__(self, generator: np.random.Generator, best: Any, current: Any) -> tuple[int, int]:  # type: ignore[override]
            if not self.mab._is_initial_fit:
                return 0, 0  # the first pull is the first configured operator, not a random one
            return super().__call__(generator, best, current)

        def update(self, candidate: Any, destroy_index: int, repair_index: int, outcome: Any) -> None:  # type: ignore[override]
            seconds = time.monotonic() - timing.get("start", time.monotonic())
            operator = operators[destroy_index]
            reward = float(self.scores[int(outcome)])
            if time_aware:
                # The LP relaxation is solved once, on the first pull that needs it; that one-time cost is not the arm's.
                own_seconds = seconds - (context.phase_seconds["lp"] - timing.get("lp_before", 0.0))
                allowed = context.iteration_time * (config.local_branching_factor if operator.kind == "local_branching" else 1.0)
                reward *= min(1.0, allowed / max(own_seconds, 1e-9))
            self.mab.partial_fit([f"{destroy_index}_{repair_index}"], [reward])
            book.record(operator.name, int(outcome), seconds, reward)

    selector = _selector(config, len(operators), _RecordingSelector)
    minimum = 0.1

    def stop(generator: np.random.Generator, best: BalansState, current: BalansState) -> bool:
        return deadline.remaining() - context.overshoot < minimum

    started = time.monotonic()
    initial_state = BalansState(incumbent, context.internal_objective(incumbent), "initial")
    outcome = engine.iterate(initial_state, selector, _acceptance(config), stop)
    phases["search"] = time.monotonic() - started
    phases.update({key: value for key, value in context.phase_seconds.items() if value})
    best_state: BalansState = outcome.best_state
    values = best_state.values
    if shared is not None:
        shared_value, shared_values = shared.best()
        if shared_values is not None and shared_value < best_state.value - 1e-9:
            values = shared_values
    objective = form.objective_value(values)
    # The persistent model reports the LP objective in the model's own sense.
    bound = context.lp_bound
    status = Status.TIME_LIMIT
    if math.isfinite(bound) and abs(objective - bound) <= 1e-9 * max(1.0, abs(objective)):
        status = Status.OPTIMAL
    iterations = sum(entry["pulls"] for entry in book.stats.values())
    return SearchOutcome(values, objective, status, bound, trace, book.stats, iterations, phases)
