"""Neur2RO: column-and-constraint generation with the value network embedded in the main and adversarial MIPs.

Main problem (``objective="argmax"``, the paper's default): choose ``x``; the network's
x-part ``rho_x(sum_i phi_x)`` is embedded once (``phi_x`` is linear in binary ``x``, so only
``rho_x``'s ReLUs need binaries); for every scenario ``xi^k`` found so far its embedding
``rho_xi(...)`` is computed outside the MIP and only the value head ``V`` is embedded, giving
``pred_k(x)``. Binaries ``s_k`` select the arg-max scenario (``a >= pred_k``,
``a <= pred_k + M_k (1 - s_k)``, ``sum s_k = 1``), and the **exact** second stage at the
selected scenario is enforced by big-M on ``s_k`` (rows and an epigraph ``z``); the objective is
``c'x + z``. ``objective="max"`` minimises the network value ``max_k pred_k`` instead (the
paper's weaker ablation).

Adversarial problem: for the main problem's ``x``, maximise the network's estimate over
``xi in Xi`` (the per-item ``phi_xi`` copies, ``rho_xi`` and ``V`` embedded, ``rho_x`` fixed).
Robust first-stage rows (capital budgeting's budget) are kept by an exact linear adversary.

Loop (anchor §1.4): stop when the adversary's value is within ``tolerance`` of the main
problem's arg-max value, when its scenario repeats one already found (L1 distance below
``repeat_tolerance``), after ``max_iterations`` scenarios, or at the time limit. The last
main-problem ``x`` is returned.

Time limit: everything from the call on counts (the nominal fallback, building and bound
tightening, warm starts, every MIP); each step gets only what is left, so the loop ends within
the limit up to one solver's overrun. The nominal first stage is solved first (it is cheap) and
returned when no main problem delivered a decision in time; ``notes["fallback"]`` then says so.

Nominal check (``settings.nominal_check``, part of the time limit): the loop's decision and the
nominal one go through the exact adversary (:func:`~ormodel.learned.neur2ro.exact.common_worst_cases`:
each its own cutting planes, then every scenario the other's evaluated). The nominal decision is
returned only when it is certified better or better on the whole union (:func:`select_against_nominal`);
``notes["nominal_check"]`` records both values, the selection and its ``reason``.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from functools import reduce
from typing import Callable

import numpy as np

from ormodel.learned.neur2ro.embedding import EmbeddingStats, add_mlp, add_relu, tightened
from ormodel.learned.neur2ro.exact import CommonWorstCase, common_worst_cases, robust_violation, solve_second_stage
from ormodel.learned.neur2ro.mip import Affine, MipBuilder, open_highs, solve_persistent
from ormodel.learned.neur2ro.network import ValueNetwork, resolve_device
from ormodel.learned.neur2ro.problem import TwoStageRobustProblem
from ormodel.learned.neur2ro.solution import RobustSolution
from ormodel.result import Result
from ormodel.solvers import SolveOptions

__all__ = ["Neur2ROSettings", "solve_neur2ro", "build_main_problem", "build_adversary", "build_scenario_encoding",
           "MainProblem", "Adversary", "ScenarioEncoding", "PersistentAdversary", "select_against_nominal"]


@dataclass
class Neur2ROSettings:
    """Knobs of the Neur2RO loop (defaults as in the paper where it sets them)."""

    backend: str = "highs"
    objective: str = "argmax"
    tolerance: float = 1e-4
    repeat_tolerance: float = 1e-3
    max_iterations: int = 20
    time_limit: float = 600.0
    mip_time_limit: float = 60.0
    mip_gap: float = 1e-3
    threads: int | None = 1
    warm_start_samples: int = 128
    seed: int = 0
    #: where the network's forward passes run: ``auto`` (CUDA when available, else CPU), ``cpu``, ``cuda``
    device: str = "auto"
    #: LP-based bound tightening in the adversarial MIP
    tighten: bool = True
    #: ``mip``: the adversarial MIP, warm-started by the local search; ``local``: the local search alone
    #: (a heuristic adversary, like the paper's gradient-ascent option)
    adversary: str = "mip"
    #: improving moves of the local search over the uncertainty set (batched network evaluations)
    local_search_steps: int = 30
    #: share of ``time_limit`` (at most what is left) for checking the loop's decision against the nominal
    #: one by the exact adversary on a common scenario set (:func:`select_against_nominal`). 0 turns it off
    nominal_check: float = 0.2


@dataclass
class MainProblem:
    """A built main problem and the handles to read its solution."""

    builder: MipBuilder
    x: np.ndarray
    predictions: list[Affine]
    stats: EmbeddingStats
    y: np.ndarray | None = None


@dataclass
class Adversary:
    """A built adversarial problem and its handles."""

    builder: MipBuilder
    xi: np.ndarray
    prediction: Affine
    stats: EmbeddingStats


def _value_head(builder: MipBuilder, name: str, network: ValueNetwork, x_part: Affine, xi_part: Affine,
                stats: EmbeddingStats, tighten: bool = False, deadline: float | None = None,
                ranges: "Callable[[Affine], tuple[np.ndarray, np.ndarray]] | None" = None) -> Affine:
    """``V([x_part, xi_part])`` embedded; with ``tighten`` the pre-activations get LP bounds (``ranges`` when given)."""
    (first_weight, first_bias), (second_weight, second_bias) = network.layer_arrays("value")
    split = network.sizes.rho_out
    pre = (x_part.left_multiply(first_weight[:, :split], first_bias) + xi_part.left_multiply(first_weight[:, split:])).compact()
    if tighten and ranges is not None:
        low, high = ranges(pre)
        pre = builder.materialize(f"{name}_pre", pre)
        interval_low, interval_high = builder.bounds(pre)
        new_low, new_high = np.maximum(low, interval_low), np.minimum(high, interval_high)
        builder.set_column_bounds(pre.columns, new_low, np.maximum(new_high, new_low))
    elif tighten:
        pre = tightened(builder, f"{name}_pre", pre, deadline)
    hidden = add_relu(builder, name, pre, stats)
    return hidden.left_multiply(second_weight, second_bias)


def build_main_problem(problem: TwoStageRobustProblem, network: ValueNetwork, scenarios: list[np.ndarray],
                       feasibility_scenarios: list[np.ndarray] | None = None, objective: str = "argmax",
                       warm_start_seconds: float = 1.0) -> MainProblem:
    """The main MIP over ``x`` for the scenarios found so far (see the module docstring).

    ``warm_start_seconds`` caps the exact second-stage solve that completes a warm start.
    """
    if objective not in ("argmax", "max"):
        raise ValueError(f"neur2ro: objective must be 'argmax' or 'max', got {objective!r}")
    if not scenarios:
        raise ValueError("neur2ro: the main problem needs at least one scenario")
    stats = EmbeddingStats()
    builder = MipBuilder(f"{problem.name}_neur2ro_main")
    x = builder.add_variables("x", problem.n_first, 0.0, 1.0, integer=True,
                              objective=problem.first_stage_objective if objective == "argmax" else 0.0)
    base, delta = network.x_embedding_affine(problem)
    x_embedding = Affine.of_columns(x, delta.T, base)
    x_part = add_mlp(builder, "rho_x", x_embedding, network.layer_arrays("rho_x"), stats)
    if x_part.columns.size > 2 * x_part.size:
        x_part = builder.materialize("x_representation", x_part)
    predictions = []
    for index, xi in enumerate(scenarios):
        xi_part = Affine.of_constant(network.xi_embedding(problem, xi))
        predictions.append(_value_head(builder, f"value_{index}", network, x_part, xi_part, stats))
    bounds = [builder.bounds(prediction) for prediction in predictions]
    lowest = min(float(low[0]) for low, _ in bounds)
    highest = max(float(high[0]) for _, high in bounds)
    label_scale = float(network.label_scale)
    if objective == "max":
        top = builder.add_variables("prediction_max", 1, lower=lowest, upper=highest, objective=label_scale)
        builder.define(top, lambda values: np.array([max(float(p.evaluate(values)[0]) for p in predictions)]))
        builder.objective_offset = float(network.label_offset)
        for index, prediction in enumerate(predictions):
            builder.add_rows(f"above_{index}", Affine.of_columns(top) + _negate(prediction), lower=0.0)
        for index, xi in enumerate(feasibility_scenarios or []):
            matrix, upper = problem.robust_rows(xi)
            builder.add_rows(f"robust_{index}", Affine.of_columns(x, matrix), upper=upper)
        return MainProblem(builder, x, predictions, stats)
    top = builder.add_variables("prediction_max", 1, lower=max(float(low[0]) for low, _ in bounds), upper=highest)
    select = builder.add_variables("select", len(scenarios), 0.0, 1.0, integer=True)
    builder.add_rows("select_one", Affine.of_columns(select, np.ones((1, len(scenarios)))), lower=1.0, upper=1.0)
    builder.define(top, lambda values: np.array([max(float(p.evaluate(values)[0]) for p in predictions)]))
    builder.define(select, lambda values: np.eye(len(scenarios))[int(np.argmax([float(p.evaluate(values)[0]) for p in predictions]))])
    for index, prediction in enumerate(predictions):
        builder.add_rows(f"above_{index}", Affine.of_columns(top) + _negate(prediction), lower=0.0)
        big_m = highest - float(bounds[index][0][0])
        expression = Affine.of_columns(np.concatenate([top, select[index : index + 1]]), np.array([[1.0, big_m]])) + _negate(prediction)
        builder.add_rows(f"argmax_{index}", expression, upper=big_m)
    y = _add_exact_recourse(builder, problem, x, select, scenarios, warm_start_seconds)
    for index, xi in enumerate(feasibility_scenarios or []):
        matrix, upper = problem.robust_rows(xi)
        builder.add_rows(f"robust_{index}", Affine.of_columns(x, matrix), upper=upper)
    return MainProblem(builder, x, predictions, stats, y)


def _negate(expression: Affine) -> Affine:
    return Affine(expression.columns, -expression.coefficients, -expression.constant)


def _add_exact_recourse(builder: MipBuilder, problem: TwoStageRobustProblem, x: np.ndarray, select: np.ndarray,
                        scenarios: list[np.ndarray], warm_start_seconds: float = 1.0) -> np.ndarray:
    """The exact second stage at the selected scenario: one ``y``, rows and epigraph switched by ``select``."""
    y = builder.add_variables("y", problem.n_second, problem.second_stage_lower, problem.second_stage_upper,
                              integer=problem.second_stage_integrality)
    columns = np.concatenate([x, y])
    value_low, _ = problem.value_bounds()
    epigraph = builder.add_variables("recourse_value", 1, lower=value_low - 1.0, upper=np.inf, objective=1.0)

    def best_response(values: np.ndarray) -> np.ndarray:
        # a good feasible y is enough for a warm start (the CB recourse at the nominal scenario is a subset-sum
        # problem that takes HiGHS minutes to close to 1e-6), so the solve is capped
        chosen = int(np.argmax(values[select]))
        try:
            solution = solve_second_stage(problem, np.round(values[x]), scenarios[chosen],
                                          time_limit=max(warm_start_seconds, 0.01), gap=1e-3)
        except RuntimeError:
            return np.zeros(problem.n_second)
        return solution.y if solution.y is not None else np.zeros(problem.n_second)

    def recourse_value(values: np.ndarray) -> np.ndarray:
        chosen = int(np.argmax(values[select]))
        return np.array([problem.recourse(scenarios[chosen]).value(values[x], values[y])])

    builder.define(y, best_response)
    builder.define(epigraph, recourse_value)
    for index, xi in enumerate(scenarios):
        recourse = problem.recourse(xi)
        matrix = np.hstack([recourse.matrix_x, recourse.matrix_y])
        certain = ~recourse.uncertain_rows
        if index == 0 and certain.any():
            builder.add_rows("recourse", Affine.of_columns(columns, matrix[certain]), upper=recourse.upper[certain])
        for row in np.flatnonzero(recourse.uncertain_rows):
            expression = Affine.of_columns(columns, matrix[row : row + 1])
            _, high = builder.bounds(expression)
            big_m = float(high[0] - recourse.upper[row])
            if big_m <= 0:
                continue
            switched = expression + Affine.of_columns(select[index : index + 1], [[big_m]])
            builder.add_rows(f"recourse_{index}_{row}", switched, upper=recourse.upper[row] + big_m)
        # recourse_value >= constant + objective_x'x + objective_y'y - M (1 - s_k)
        value = Affine.of_columns(columns, np.concatenate([recourse.objective_x, recourse.objective_y])[None, :], [recourse.constant])
        _, high = builder.bounds(value)
        big_m = float(high[0] - (value_low - 1.0))
        expression = Affine.of_columns(np.concatenate([epigraph, select[index : index + 1]]), np.array([[1.0, -big_m]])) + _negate(value)
        builder.add_rows(f"epigraph_{index}", expression, lower=-big_m)
    return y


@dataclass
class ScenarioEncoding:
    """The part of the adversarial MIP that does not depend on ``x``: ``xi in Xi`` and ``rho_xi(sum_i phi_xi)``.

    Built (and bound-tightened) once per problem; :func:`build_adversary` copies it and adds the
    value head for each new ``x``.
    """

    builder: MipBuilder
    xi: np.ndarray
    xi_part: Affine
    stats: EmbeddingStats


def build_scenario_encoding(problem: TwoStageRobustProblem, network: ValueNetwork, tighten: bool = True,
                            tighten_seconds: float = 5.0) -> ScenarioEncoding:
    """``xi``, the per-item ``phi_xi`` copies, their sum and ``rho_xi`` embedded in a new MIP.

    ``tighten_seconds`` caps the LP bound tightening (all of it; bounds not tightened in time keep
    their interval-arithmetic values).
    """
    stats = EmbeddingStats()
    builder = MipBuilder(f"{problem.name}_neur2ro_adversary")
    uncertainty = problem.uncertainty
    xi = builder.add_variables("xi", uncertainty.dimension, uncertainty.lower, uncertainty.upper)
    set_matrix, set_lower, set_upper = uncertainty.rows()
    if set_matrix.shape[0]:
        builder.add_rows("uncertainty_set", Affine.of_columns(xi, set_matrix), set_lower, set_upper)
    constant, jacobian = problem.xi_item_inputs_affine()
    scale = network.xi_scale.cpu().numpy()
    constant = constant / scale
    jacobian = jacobian / scale[None, :, None]
    phi_layers = network.layer_arrays("phi_xi")
    item_embeddings = []
    for item in range(problem.n_first):
        inputs = Affine.of_columns(xi, jacobian[item], constant[item]).compact()
        item_embeddings.append(add_mlp(builder, f"phi_xi_{item}", inputs, phi_layers, stats))
    summed = reduce(lambda left, right: left + right, item_embeddings).compact()
    deadline = time.perf_counter() + tighten_seconds
    summed = tightened(builder, "xi_embedding", summed, deadline) if tighten else builder.materialize("xi_embedding", summed)
    xi_part = add_mlp(builder, "rho_xi", summed, network.layer_arrays("rho_xi"), stats, tighten=tighten, deadline=deadline)
    if xi_part.columns.size > 2 * xi_part.size:
        xi_part = builder.materialize("xi_representation", xi_part)
    return ScenarioEncoding(builder, xi, xi_part, stats)


def build_adversary(problem: TwoStageRobustProblem, network: ValueNetwork, x: np.ndarray, tighten: bool = True,
                    encoding: ScenarioEncoding | None = None, tighten_seconds: float = 5.0) -> Adversary:
    """``max_{xi in Xi}`` of the network's estimate at fixed ``x`` as a MIP (maximise ``prediction``).

    With ``tighten`` (default) the bounds after the per-item encoders (the summed embedding, the
    pre-activations of ``rho_xi`` and ``V``) come from the LP relaxation, which sees the
    uncertainty set's rows (the knapsack's budget) that interval arithmetic ignores. ``encoding``
    (from :func:`build_scenario_encoding` with the same ``tighten``) is reused instead of rebuilt.
    """
    if encoding is None:
        encoding = build_scenario_encoding(problem, network, tighten, tighten_seconds)
    builder = copy.deepcopy(encoding.builder)
    stats = copy.deepcopy(encoding.stats)
    x_part = Affine.of_constant(network.x_representation(problem, x))
    prediction = _value_head(builder, "value", network, x_part, encoding.xi_part, stats, tighten=tighten,
                             deadline=time.perf_counter() + tighten_seconds)
    builder.set_objective(prediction.columns, prediction.coefficients[0])
    builder.objective_offset = float(prediction.constant[0])
    return Adversary(builder, encoding.xi, prediction, stats)


class PersistentAdversary:
    """The adversarial MIP kept loaded in HiGHS: the scenario encoding once, the value head added and removed per ``x``.

    Also keeps the encoding's LP relaxation loaded, so the value head's pre-activation bounds
    come from two hot-started LPs per unit without rebuilding anything.
    """

    def __init__(self, problem: TwoStageRobustProblem, network: ValueNetwork, encoding: ScenarioEncoding,
                 settings: "Neur2ROSettings") -> None:
        self.problem, self.network, self.encoding, self.settings = problem, network, encoding, settings
        form = encoding.builder.build("maximize")
        options = SolveOptions(gap=settings.mip_gap, threads=settings.threads, seed=settings.seed)
        self.mip = open_highs(form, options)
        self.form = form
        relaxation = encoding.builder.build("minimize")
        relaxation.integrality = np.zeros(relaxation.num_columns, dtype=bool)
        relaxation.objective = np.zeros(relaxation.num_columns)
        self.lp = open_highs(relaxation, SolveOptions(threads=settings.threads))
        self.lp_deadline: float | None = None

    def _ranges(self, expression: Affine) -> tuple[np.ndarray, np.ndarray]:
        """Range of each expression over the encoding's LP relaxation (interval bounds where no LP finished in time)."""
        from ormodel.standard_form import Sense

        low, high = self.encoding.builder.bounds(expression)
        low, high = low.copy(), high.copy()
        for row in range(expression.size):
            objective = np.zeros(self.lp.num_columns)
            objective[expression.columns] = expression.coefficients[row]
            for sense, target in ((Sense.MINIMIZE, low), (Sense.MAXIMIZE, high)):
                left = None if self.lp_deadline is None else self.lp_deadline - time.perf_counter()
                if left is not None and left <= 0:
                    return low, high
                mark = self.lp.checkpoint()
                self.lp.set_objective(objective, sense)
                solution = self.lp.solve(time_limit=left, presolve=False)
                self.lp.rollback(mark)
                if solution.status.value != "optimal" or not math.isfinite(solution.objective):
                    continue
                value = solution.objective + float(expression.constant[row])
                margin = 1e-7 * (1.0 + abs(value))
                target[row] = max(target[row], value - margin) if sense == Sense.MINIMIZE else min(target[row], value + margin)
        return low, high

    def solve(self, x: np.ndarray, warm_xi: np.ndarray, time_limit: float, tighten_seconds: float) -> tuple[Result, Adversary]:
        """Maximise the network's estimate over ``xi`` at ``x``; the builder is returned to the encoding afterwards."""
        from ormodel.standard_form import Sense

        builder = self.encoding.builder
        mark = builder.mark()
        stats = copy.deepcopy(self.encoding.stats)
        try:
            self.lp_deadline = time.perf_counter() + tighten_seconds
            x_part = Affine.of_constant(self.network.x_representation(self.problem, x))
            prediction = _value_head(builder, "value", self.network, x_part, self.encoding.xi_part, stats,
                                     tighten=self.settings.tighten, ranges=self._ranges)
            builder.set_objective(prediction.columns, prediction.coefficients[0])
            extension = builder.extension(mark)
            warm = builder.complete([(self.encoding.xi, warm_xi)])
            model_mark = self.mip.checkpoint()
            try:
                self.mip.add_columns(extension.cost, extension.lower, extension.upper, extension.integer)
                if extension.rows.shape[0]:
                    self.mip.add_rows(extension.rows, extension.row_lower, extension.row_upper)
                self.mip.set_objective(extension.objective, Sense.MAXIMIZE)
                options = SolveOptions(time_limit=max(time_limit, 0.05))
                result = solve_persistent(self.form, options, model=self.mip, warm_start=warm,
                                          objective_offset=float(prediction.constant[0]))
            finally:
                self.mip.rollback(model_mark)
        finally:
            builder.rollback(mark)
        return result, Adversary(builder, self.encoding.xi, prediction, stats)


def _solve(builder: MipBuilder, settings: Neur2ROSettings, time_limit: float, sense: str,
           warm_start: np.ndarray | None = None) -> Result:
    options = SolveOptions(time_limit=max(time_limit, 0.05), gap=settings.mip_gap, threads=settings.threads,
                           compute_conflict=False, warm_start=warm_start)
    return builder.solve(settings.backend, options, sense=sense)


def _stop_reason(settings: Neur2ROSettings, adversary_value: float, main_value: float, xi: np.ndarray,
                 scenarios: list[np.ndarray]) -> str:
    """Why the loop stops after this adversary (empty: go on)."""
    if abs(adversary_value - main_value) <= settings.tolerance * max(abs(adversary_value), 1e-9) or adversary_value <= main_value:
        return "gap"
    if min(float(np.abs(xi - known).sum()) for known in scenarios) < settings.repeat_tolerance:
        return "repeated_scenario"
    if len(scenarios) >= settings.max_iterations:
        return "iteration_limit"
    return ""


def local_search(problem: TwoStageRobustProblem, network: ValueNetwork, x: np.ndarray, start: np.ndarray, start_value: float,
                 rng: np.random.Generator, steps: int, deadline: float, device: "str | object" = "cpu") -> tuple[np.ndarray, float]:
    """Best-improvement search over the uncertainty set's one-move neighbourhoods, scored by the network at ``x``."""
    current, value = np.asarray(start, dtype=np.float64), float(start_value)
    for _ in range(max(int(steps), 0)):
        if time.perf_counter() >= deadline:
            break
        try:
            neighbours = problem.uncertainty.neighbours(current, rng)
        except NotImplementedError:
            break
        if len(neighbours) == 0:
            break
        scores = network.predict(problem, np.repeat(np.asarray(x)[None, :], len(neighbours), axis=0), neighbours, device=device)
        best = int(np.argmax(scores))
        if scores[best] <= value + 1e-12 * max(1.0, abs(value)):
            break
        current, value = neighbours[best], float(scores[best])
    return current, value


def select_against_nominal(loop: CommonWorstCase, nominal: CommonWorstCase, tolerance: float = 1e-9) -> tuple[str, str]:
    """``("loop" | "nominal", reason)``: the nominal decision replaces the loop's only on evidence that is not optimistic.

    A value on a finite scenario set is a lower bound on a decision's worst case, and a nominal
    decision's short, unconverged evaluation is optimistic by construction (it was optimised for the
    nominal scenario, so its bad scenarios are the ones a short adversary has not found). So the
    nominal decision is selected only when (a) its adversary converged and its certified worst case
    is below the loop decision's worst case found on both scenario sets (sound: an upper bound
    below a lower bound), or (b) both decisions were solved at every scenario of the union of the
    two evaluations and the nominal one's worst case over that union is strictly better.
    """
    margin = tolerance * max(1.0, abs(loop.value))
    if nominal.certified() and max(nominal.own.bound, nominal.value) < loop.value - margin:
        return "nominal", "certified: the nominal decision's converged worst case is below the loop decision's worst case found"
    if not (loop.complete and nominal.complete):
        return "loop", "union not evaluated in time: the nominal decision was not solved at every scenario of both evaluations"
    if nominal.value < loop.value - margin:
        return "nominal", "better on the union of both decisions' evaluated scenarios"
    return "loop", "the nominal decision is not better on the union of both decisions' evaluated scenarios"


def _check_against_nominal(problem: TwoStageRobustProblem, settings: Neur2ROSettings, x: np.ndarray, nominal_x: np.ndarray,
                           nominal_kind: str, remaining: float) -> dict:
    """The loop's ``x`` against the nominal decision by the exact adversary on a common scenario set (what the record keeps).

    The selection is :func:`select_against_nominal`'s (``reason`` says why); the time is
    ``settings.nominal_check`` of the limit, at most what is ``remaining``.
    """
    seconds = min(settings.nominal_check * settings.time_limit, remaining)
    if settings.nominal_check <= 0 or nominal_kind != "nominal" or np.array_equal(x, nominal_x):
        return {"selected": "loop", "skipped": "off" if settings.nominal_check <= 0 else "same decision or no nominal decision"}
    if seconds <= 0.05:
        return {"selected": "loop", "skipped": "no time left"}
    started = time.perf_counter()
    ours, nominal = common_worst_cases(problem, [x, nominal_x], settings.backend, time_limit=seconds,
                                        second_stage_gap=min(settings.mip_gap, 1e-4))
    selected, reason = select_against_nominal(ours, nominal)
    return {"selected": selected, "reason": reason, "loop_worst_case": ours.value, "nominal_worst_case": nominal.value,
            "converged": [ours.own.converged, nominal.own.converged], "certified": [ours.certified(), nominal.certified()],
            "union_complete": [ours.complete, nominal.complete],
            "scenarios": [len(ours.own.evaluated) + ours.shared_scenarios, len(nominal.own.evaluated) + nominal.shared_scenarios],
            "seconds": time.perf_counter() - started}


def solve_neur2ro(problem: TwoStageRobustProblem, network: ValueNetwork, settings: Neur2ROSettings | None = None) -> RobustSolution:
    """Run the Neur2RO loop on ``problem`` with a trained ``network`` (time limit: see the module docstring)."""
    from ormodel.learned.neur2ro.ccg import solve_nominal

    settings = settings or Neur2ROSettings()
    started = time.perf_counter()
    deadline = started + settings.time_limit

    def remaining() -> float:
        return deadline - time.perf_counter()

    rng = np.random.default_rng(settings.seed)
    device = resolve_device(settings.device)
    encoding: ScenarioEncoding | None = None
    persistent: PersistentAdversary | None = None
    scenarios = [problem.nominal_scenario()]
    feasibility: list[np.ndarray] = []
    history: list[dict] = []
    try:
        nominal = solve_nominal(problem, backend=settings.backend, time_limit=max(min(settings.mip_time_limit, remaining()), 0.05),
                                gap=settings.mip_gap)
        nominal_x, nominal_value, nominal_seconds, fallback_name = nominal.x, float(nominal.estimate), nominal.solve_time, "nominal"
    except RuntimeError:  # no nominal decision in time: nothing selected is robust feasible for both classes
        nominal_x, nominal_value, nominal_seconds, fallback_name = np.zeros(problem.n_first), math.nan, time.perf_counter() - started, "zeros"
    x = nominal_x.copy()
    have_main_decision = False
    estimate = math.nan
    status = "iteration_limit"
    iterations = 0
    while True:
        if remaining() <= 0:
            status = "time_limit"
            break
        iterations += 1
        main_started = time.perf_counter()
        main = build_main_problem(problem, network, scenarios, feasibility, settings.objective,
                                  warm_start_seconds=min(1.0, 0.1 * max(remaining(), 0.0)))
        start_x = x if problem.robust_feasible(x) else np.zeros(problem.n_first)
        warm = main.builder.complete([(main.x, start_x)])
        if remaining() <= 0:
            status = "time_limit"
            break
        result = _solve(main.builder, settings, min(settings.mip_time_limit, remaining()), "minimize", warm)
        main_seconds = time.perf_counter() - main_started
        if result.values is None:
            status = "time_limit" if remaining() <= 0 or result.status.is_limit else f"main_{result.status.value}"
            break
        x = np.round(np.asarray(result.values)[main.x])
        have_main_decision = True
        estimate = float(result.objective)
        violation, violating_xi = robust_violation(problem, x)
        if violation > 1e-7:
            feasibility.append(violating_xi)
            have_main_decision = False
            history.append({"iteration": iterations, "main_seconds": main_seconds, "feasibility_cut": True})
            continue
        predictions = network.predict(problem, np.repeat(x[None, :], len(scenarios), axis=0), np.asarray(scenarios), device=device)
        main_value = float(predictions.max())
        adversary_started = time.perf_counter()
        candidate_parts = [np.asarray(scenarios), problem.uncertainty.sample(rng, settings.warm_start_samples)]
        if main.y is not None:
            # the scenario that hurts the main problem's own recourse most (one exact linear step)
            _, gradient = problem.objective_in_xi(x, np.asarray(result.values)[main.y])
            candidate_parts.append(problem.uncertainty.maximize_linear(gradient)[1][None, :])
        candidates = np.vstack(candidate_parts)
        guesses = network.predict(problem, np.repeat(x[None, :], len(candidates), axis=0), candidates, device=device)
        warm_xi, warm_value = local_search(problem, network, x, candidates[int(np.argmax(guesses))], float(guesses.max()),
                                           rng, settings.local_search_steps, deadline, device)
        if remaining() <= 0:
            status = "time_limit"
            break
        if settings.adversary == "local":
            xi, adversary_value = warm_xi, warm_value
            history.append({"iteration": iterations, "main_seconds": main_seconds, "adversary_seconds": time.perf_counter() - adversary_started,
                            "main_objective": estimate, "main_prediction": main_value, "adversary_prediction": adversary_value,
                            "main_status": result.status.value, "adversary_status": "local_search"})
            status = _stop_reason(settings, adversary_value, main_value, xi, scenarios)
            if status:
                break
            scenarios.append(xi)
            continue
        if encoding is None:
            encoding = build_scenario_encoding(problem, network, settings.tighten, tighten_seconds=min(5.0, 0.15 * max(remaining(), 0.0)))
            persistent = PersistentAdversary(problem, network, encoding, settings) if settings.backend == "highs" else None
        tighten_seconds = min(5.0, 0.1 * max(remaining(), 0.0))
        if persistent is not None:
            adversary_result, adversary = persistent.solve(x, warm_xi, min(settings.mip_time_limit, remaining()), tighten_seconds)
        else:
            adversary = build_adversary(problem, network, x, settings.tighten, encoding, tighten_seconds=tighten_seconds)
            warm = adversary.builder.complete([(adversary.xi, warm_xi)])
            adversary_result = _solve(adversary.builder, settings, min(settings.mip_time_limit, remaining()), "maximize", warm)
        adversary_seconds = time.perf_counter() - adversary_started
        if adversary_result.values is None or float(network.unscale(adversary_result.objective)) < warm_value:
            xi, adversary_value = warm_xi, warm_value  # the MIP got nowhere in time: the local search's scenario
        else:
            xi = np.clip(np.asarray(adversary_result.values)[adversary.xi], problem.uncertainty.lower, problem.uncertainty.upper)
            adversary_value = float(network.unscale(adversary_result.objective))
        history.append({
            "iteration": iterations, "main_seconds": main_seconds, "adversary_seconds": adversary_seconds,
            "main_objective": estimate, "main_prediction": main_value, "adversary_prediction": adversary_value,
            "local_search_prediction": warm_value,
            "main_status": result.status.value, "adversary_status": adversary_result.status.value,
            "main_binaries": main.stats.binary, "adversary_binaries": adversary.stats.binary,
        })
        status = _stop_reason(settings, adversary_value, main_value, xi, scenarios)
        if status:
            break
        scenarios.append(xi)
        if remaining() <= 0:
            status = "time_limit"
            break
    fallback = None
    if not have_main_decision:
        x, fallback = nominal_x.copy(), fallback_name
        if not math.isfinite(estimate):
            estimate = nominal_value
    loop_x = x.copy()
    check = _check_against_nominal(problem, settings, x, nominal_x, fallback_name, remaining())
    if check.get("selected") == "nominal":
        x = nominal_x.copy()
    seconds = time.perf_counter() - started
    notes = {"fallback": fallback, "stopped_at_limit": status == "time_limit", "limit_seconds": settings.time_limit,
             "nominal_seconds": nominal_seconds, "equals_nominal": bool(np.array_equal(x, nominal_x)),
             "loop_equals_nominal": bool(np.array_equal(loop_x, nominal_x)), "nominal_check": check,
             "mip_time_limits_hit": sum(1 for entry in history for key in ("main_status", "adversary_status")
                                        if entry.get(key) == "time_limit")}
    return RobustSolution("neur2ro", x, estimate, None, status, scenarios, iterations, seconds, history, notes)
