"""OR-Tools CP-SAT backend: pure-integer models, plus all-different and no-overlap constraints.

CP-SAT works on integers only. Every row of the model is made integral exactly: its
coefficients are read as fractions (``fractions.Fraction`` with a bounded denominator, and only
when the fraction reproduces the float to 1e-15 relative), the row is multiplied by the least common
multiple of the denominators, and its bounds are rounded inward (``ceil`` of the lower bound,
``floor`` of the upper bound), which is exact because the activity of an integral row at an
integer point is an integer. A continuous column, or a coefficient that is not such a fraction,
is a clear :class:`~ormodel.solvers.base.UnsupportedProblem` error naming the column or row.

Integer columns without a finite bound get ``±default_bound`` (``SolveOptions.extra``, default
``1e9``); when such an artificial bound is tight at the returned optimum, the LP relaxation is
searched for an unbounded ray, and when one exists the result is ``UNBOUNDED`` (a feasible
integer program with rational data whose relaxation is unbounded is itself unbounded).

Constraint-programming idioms that do not fit the five elements go in a :class:`CpConstraints`
object passed as ``SolveOptions(extra={"cp_constraints": cp})``; variables are named by label
(``"start[3]"``) or by family (``"x"`` = every element of ``x``)::

    cp = CpConstraints()
    cp.all_different("queen")                                   # every queen[i] differs
    cp.no_overlap(starts=["s[a]", "s[b]"], durations=[3, 5])    # intervals on one machine
    result = CpSatBackend().solve(problem, SolveOptions(time_limit=10, extra={"cp_constraints": cp}))

Other ``extra`` entries are CP-SAT parameters (``{"linearization_level": 2}``); ``threads``
maps to ``num_workers``, ``warm_start`` to solution hints, ``gap`` to ``relative_gap_limit``,
``solution_limit`` stops after that many improving solutions.

Example:
    >>> from ormodel.solvers.cpsat import CpSatBackend
    >>> CpSatBackend().available()
    True
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
from ormodel.errors import OptionError
from ormodel.solvers.base import Capability, SolveOptions, UnsupportedProblem, unknown_option
from ormodel.solvers.callbacks import cpsat_solution_callback
from ormodel.solvers.labels import column_labels, row_labels
from ormodel.solvers.native import import_cp_model
from ormodel.solvers.worker_process import WorkerDied, WorkerPool, WorkerTimeout, serve

from ormodel.result import Limit, Result, Status
from ormodel.standard_form import Sense, StandardForm

if TYPE_CHECKING:
    from ormodel.problem import Problem

__all__ = ["AllDifferent", "CpConstraints", "CpSatBackend", "Cumulative", "NoOverlap", "integral_row_scale", "warm_up"]

logger = logging.getLogger(__name__)

_MAX_DENOMINATOR = 10**6
_MAX_COEFFICIENT = 2**53


@dataclass
class AllDifferent:
    """The named integer variables take pairwise different values."""

    variables: list[str]


@dataclass
class NoOverlap:
    """Intervals ``[start, start + duration)`` do not overlap (one machine).

    ``present`` optionally names a binary per interval; absent intervals are ignored.
    """

    starts: list[str]
    durations: list[int]
    present: list[str] | None = None


@dataclass
class Cumulative:
    """At any time, the demands of running intervals sum to at most ``capacity``."""

    starts: list[str]
    durations: list[int]
    demands: list[int]
    capacity: int


@dataclass
class CpConstraints:
    """Constraint-programming constraints added to a five-element model on CP-SAT."""

    items: list[AllDifferent | NoOverlap | Cumulative] = field(default_factory=list)

    def all_different(self, *variables: str | Sequence[str]) -> CpConstraints:
        """All listed variables (labels or family names) differ."""
        self.items.append(AllDifferent(_flatten(variables)))
        return self

    def no_overlap(self, starts: str | Sequence[str], durations: Sequence[float], present: str | Sequence[str] | None = None) -> CpConstraints:
        """Intervals given by start variables and fixed integer durations do not overlap."""
        self.items.append(NoOverlap(_flatten([starts]), _integers(durations, "duration"), None if present is None else _flatten([present])))
        return self

    def cumulative(self, starts: str | Sequence[str], durations: Sequence[float], demands: Sequence[float], capacity: float) -> CpConstraints:
        """Renewable-resource constraint over fixed-duration intervals."""
        self.items.append(Cumulative(_flatten([starts]), _integers(durations, "duration"), _integers(demands, "demand"),
                                     _integers([capacity], "capacity")[0]))
        return self


def _flatten(items: Sequence[Any]) -> list[str]:
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        else:
            names.extend(str(part) for part in item)
    return names


def _integers(values: Sequence[float], what: str) -> list[int]:
    result = []
    for value in values:
        if float(value) != round(float(value)):
            raise ValueError(f"CP-SAT needs integer {what}s, got {value}")
        result.append(round(float(value)))
    return result


def _fraction(value: float) -> Fraction | None:
    """``value`` as a fraction with a bounded denominator, or ``None`` when not exact."""
    fraction = Fraction(value).limit_denominator(_MAX_DENOMINATOR)
    if abs(float(fraction) - value) > 1e-15 * max(1.0, abs(value)):
        return None
    return fraction


def integral_row_scale(coefficients: Sequence[float]) -> int | None:
    """The least common multiple of the coefficients' denominators, or ``None`` when inexact.

    Example:
        >>> integral_row_scale([0.5, 0.25, 3.0])
        4
        >>> integral_row_scale([math.pi]) is None
        True
    """
    scale = 1
    for value in coefficients:
        fraction = _fraction(float(value))
        if fraction is None:
            return None
        scale = math.lcm(scale, fraction.denominator)
        if scale > _MAX_DENOMINATOR:
            return None
    return scale


@dataclass
class BuiltCpModel:
    """A CP-SAT model and the map from columns to its variables."""

    model: Any
    variables: list[Any]
    form: StandardForm
    objective_scale: float
    artificial: np.ndarray
    notes: list[str]
    default_bound: float = 1e9


class CpSatBackend:
    """OR-Tools CP-SAT."""

    name = "cpsat"
    capabilities = frozenset({Capability.MILP, Capability.CP, Capability.WARM_START, Capability.INDICATORS})
    supported_options = frozenset({"time_limit", "gap", "threads", "verbose", "seed", "solution_limit", "warm_start",
                                   "compute_conflict", "extra"})
    """SolveOptions fields CP-SAT honours (it has no branch-and-bound node limit)."""
    takes_form_indicators = True
    """A StandardForm's ``indicators`` (rows kept without big-M) become ``only_enforce_if`` constraints."""

    def available(self) -> bool:
        """True when OR-Tools is installed (checked without importing it: see :meth:`solve`)."""
        import importlib.util

        return importlib.util.find_spec("ortools") is not None

    def unsupported_reason(self, model: StandardForm | Problem) -> str | None:
        """Why CP-SAT cannot take this model (continuous columns, quadratic objective), or ``None``."""
        from ormodel.nonlinearity import nonlinear_refusal
        from ormodel.problem import Problem

        refusal = nonlinear_refusal("CP-SAT", model) if isinstance(model, Problem) else None
        if refusal is not None:
            return f"{refusal} (it takes linear integer models only); use solver='scip'"
        return _quick_rejection(_native_form(model))

    def build(self, model: StandardForm | Problem, cp_constraints: CpConstraints | None = None, default_bound: float = 1e9) -> BuiltCpModel:
        """A CP-SAT model of a pure-integer StandardForm (or Problem), with exact integral rows.

        This imports OR-Tools into the calling process, which then cannot load highspy (and
        fails to if highspy is already loaded); :meth:`solve` calls it in a worker process.
        """
        cp_model = import_cp_model()

        form = _native_form(model)
        if form.is_quadratic:
            raise UnsupportedProblem("CP-SAT takes linear objectives only; this model has a quadratic objective; use solver='scip'")
        labels = column_labels(form.names, form.num_columns)
        continuous = np.flatnonzero(~form.integrality)
        if len(continuous):
            shown = ", ".join(labels[column] for column in continuous[:5])
            raise UnsupportedProblem(f"CP-SAT needs every variable integer; {len(continuous)} continuous column(s): {shown}"
                                     + (", ..." if len(continuous) > 5 else ""),
                                     ) from None
        notes: list[str] = []
        lower, upper = form.column_lower.copy(), form.column_upper.copy()
        artificial = ~np.isfinite(lower) | ~np.isfinite(upper)
        if artificial.any():
            lower[~np.isfinite(lower)] = -default_bound
            upper[~np.isfinite(upper)] = default_bound
            notes.append(f"{int(artificial.sum())} integer column(s) without a finite bound were bounded by ±{default_bound:g}")
        cp = cp_model.CpModel()
        variables = [cp.new_int_var(int(low), int(high), labels[column]) for column, (low, high) in enumerate(zip(lower.tolist(), upper.tolist()))]
        matrix = form.matrix
        pointers, indices, values = matrix.indptr, matrix.indices, matrix.data
        names = row_labels(form.names, form.num_rows)
        enforced_by: dict[int, Any] = {}
        if form.indicators is not None:
            for row, column, value in zip(*(array.tolist() for array in form.indicators)):
                enforced_by[row] = variables[column] if value == 1 else ~variables[column]
        for row in range(form.num_rows):
            start, end = int(pointers[row]), int(pointers[row + 1])
            coefficients = values[start:end]
            scale = integral_row_scale(coefficients.tolist())
            if scale is None:
                raise UnsupportedProblem(f"row {names[row]}: coefficients {coefficients[:4].tolist()} are not exact fractions with "
                                         f"denominators up to {_MAX_DENOMINATOR}; CP-SAT needs integral rows; use solver='highs' or 'scip'")
            scaled = np.round(coefficients * scale).astype(np.int64)
            if np.any(np.abs(scaled) > _MAX_COEFFICIENT):
                raise UnsupportedProblem(f"row {names[row]}: scaled coefficients exceed 2^53; use solver='highs' or 'scip'")
            low = form.row_lower[row] * scale
            high = form.row_upper[row] * scale
            low_int = cp_model.INT_MIN if not math.isfinite(low) else math.ceil(low - 1e-9 * max(1.0, abs(low)))
            high_int = cp_model.INT_MAX if not math.isfinite(high) else math.floor(high + 1e-9 * max(1.0, abs(high)))
            expression = cp_model.LinearExpr.weighted_sum([variables[int(column)] for column in indices[start:end]], scaled.tolist())
            if end == start:
                if not low_int <= 0 <= high_int:
                    # Keep the contradiction, under the row's name, so that CP-SAT proves infeasibility.
                    constraint = cp.add_linear_constraint(cp.new_int_var(0, 0, f"_empty_{names[row]}"), low_int, high_int).with_name(names[row])
                    if row in enforced_by:
                        constraint.only_enforce_if(enforced_by[row])
                continue
            constraint = cp.add_linear_constraint(expression, low_int, high_int).with_name(names[row])
            if row in enforced_by:
                constraint.only_enforce_if(enforced_by[row])
        objective_scale = 1.0
        nonzero = np.flatnonzero(form.objective)
        if len(nonzero):
            scale = integral_row_scale(form.objective[nonzero].tolist())
            chosen = [variables[int(column)] for column in nonzero]
            if scale is not None:
                objective_scale = float(scale)
                objective = cp_model.LinearExpr.weighted_sum(chosen, np.round(form.objective[nonzero] * scale).astype(np.int64).tolist())
            else:
                objective = cp_model.LinearExpr.weighted_sum(chosen, form.objective[nonzero].tolist())
                notes.append("objective coefficients are not exact fractions: CP-SAT optimizes a floating-point objective")
            if form.sense == Sense.MAXIMIZE:
                cp.maximize(objective)
            else:
                cp.minimize(objective)
        if cp_constraints is not None:
            self._add_cp_constraints(cp, variables, labels, form, cp_constraints)
        return BuiltCpModel(cp, variables, form, objective_scale, artificial, notes, default_bound)

    @staticmethod
    def _add_cp_constraints(cp: Any, variables: list[Any], labels: list[str], form: StandardForm, constraints: CpConstraints) -> None:
        position = {label: column for column, label in enumerate(labels)}

        def resolve(names: list[str]) -> list[Any]:
            resolved = []
            for name in names:
                if name in position:
                    resolved.append(variables[position[name]])
                    continue
                try:
                    block = form.names.variable_block(name)
                except KeyError:
                    raise ValueError(f"CP constraint names {name!r}, which is neither a variable label nor a variable family") from None
                resolved.extend(variables[block.start : block.start + block.size])
            return resolved

        for number, item in enumerate(constraints.items):
            if isinstance(item, AllDifferent):
                cp.add_all_different(resolve(item.variables))
            elif isinstance(item, NoOverlap):
                starts = resolve(item.starts)
                _check_lengths("no_overlap", starts, item.durations)
                if item.present is None:
                    intervals = [cp.new_fixed_size_interval_var(start, duration, f"interval{number}_{k}") for k, (start, duration) in enumerate(zip(starts, item.durations))]
                else:
                    present = resolve(item.present)
                    _check_lengths("no_overlap presence", starts, present)
                    intervals = [cp.new_optional_fixed_size_interval_var(start, duration, flag, f"interval{number}_{k}")
                                 for k, (start, duration, flag) in enumerate(zip(starts, item.durations, present))]
                cp.add_no_overlap(intervals)
            elif isinstance(item, Cumulative):
                starts = resolve(item.starts)
                _check_lengths("cumulative", starts, item.durations)
                _check_lengths("cumulative demands", starts, item.demands)
                intervals = [cp.new_fixed_size_interval_var(start, duration, f"interval{number}_{k}") for k, (start, duration) in enumerate(zip(starts, item.durations))]
                cp.add_cumulative(intervals, item.demands, item.capacity)
            else:
                raise TypeError(f"unknown CP constraint {type(item).__name__}")

    def solve(self, model: StandardForm | Problem, options: SolveOptions | None = None) -> Result:
        """Solve with CP-SAT in a worker process; models CP-SAT cannot take exactly give an ERROR result with the reason.

        OR-Tools bundles its own HiGHS library, which cannot share a process with highspy's
        (the second one loaded fails with undefined symbols), so CP-SAT always runs in a fresh
        Python process; the model travels there as arrays.
        """
        options = options or SolveOptions()
        started = time.monotonic()
        form = _native_form(model)
        extra = dict(options.extra)
        cp_constraints = extra.pop("cp_constraints", None)
        default_bound = float(extra.pop("default_bound", 1e9))
        reason = _quick_rejection(form)
        if reason is not None:
            return Result(Status.ERROR, solver=self.name, message=reason, names=form.names, solve_time=time.monotonic() - started)
        warm_start = options.warm_start
        if isinstance(warm_start, dict):
            labels = column_labels(form.names, form.num_columns)
            position = {label: column for column, label in enumerate(labels)}
            point = np.full(form.num_columns, np.nan)
            for label, value in warm_start.items():
                if label in position:
                    point[position[label]] = float(value)
            warm_start = point
        request = {
            "form": form, "cp_constraints": cp_constraints, "default_bound": default_bound, "time_limit": options.time_limit,
            # CLOCK_MONOTONIC is system-wide: the worker's start-up and import time count against the limit too.
            "deadline": None if options.time_limit is None else started + float(options.time_limit),
            "threads": options.threads, "seed": options.seed, "gap": options.gap, "verbose": options.verbose,
            "solution_limit": options.solution_limit, "trace_origin": started, "warm_start": None if warm_start is None else np.asarray(warm_start, dtype=np.float64),
            "parameters": extra,
        }
        reply = _run_worker(request, options.time_limit)
        if "option_error" in reply:
            if "option_value_error" in reply:
                raise OptionError(reply["option_value_error"])
            raise unknown_option("CP-SAT", reply["option_error"], reply["option_names"])
        elapsed = time.monotonic() - started
        return self._result(form, reply, elapsed, options)

    def _result(self, form: StandardForm, reply: dict[str, Any], elapsed: float, options: SolveOptions) -> Result:
        result = Result(Status.ERROR, solver=self.name, solve_time=elapsed, raw_status=reply.get("raw_status", ""), names=form.names)
        if "error" in reply:
            result.message = reply["error"]
            return result
        raw = reply["raw_status"]
        has_point = reply["values"] is not None
        if raw == "OPTIMAL":
            result.status = Status.OPTIMAL
        elif raw == "INFEASIBLE":
            result.status = Status.INFEASIBLE
        elif raw == "MODEL_INVALID":
            result.message = "CP-SAT rejected the model as invalid: " + reply.get("validation", "")
        elif reply["stopped_by_solution_limit"]:
            result.status = Status.FEASIBLE if has_point else Status.OTHER_LIMIT
            result.limit = Limit.SOLUTION
        elif options.time_limit is not None:
            result.status = Status.TIME_LIMIT
            result.limit = Limit.TIME
        else:
            result.status = Status.FEASIBLE if has_point else Status.OTHER_LIMIT
        if has_point:
            result.values = np.asarray(reply["values"], dtype=np.float64)
            result.objective = form.objective_value(result.values)
            if np.any(form.objective):
                result.bound = float(reply["bound"]) / reply["objective_scale"] + form.objective_offset
            else:
                result.bound = result.objective
            if result.status == Status.OPTIMAL and np.any(reply["artificial"]):
                self._check_artificial_bounds(form, np.asarray(reply["artificial"]), float(reply["default_bound"]), result)
        if reply.get("trace") is not None:
            result.extra["trace"] = reply["trace"]
        result.nodes = int(reply["branches"])
        result.log = reply.get("log", "")
        result.extra["worker_solve_time"] = reply.get("wall_time")
        notes = list(reply["notes"])
        for note in notes:
            logger.warning("CP-SAT: %s", note)
        if notes:
            result.message = "; ".join(notes) + (f"; {result.message}" if result.message else "")
        if options.verbose and result.log:
            print(result.log)
        return result

    @staticmethod
    def _check_artificial_bounds(form: StandardForm, artificial: np.ndarray, default_bound: float, result: Result) -> None:
        from ormodel.solvers.diagnosis import find_unbounded_ray

        assert result.values is not None
        values = result.values[artificial]
        low = form.column_lower[artificial]
        high = form.column_upper[artificial]
        edge = 0.5 * default_bound
        at_artificial = ((~np.isfinite(low)) & (values <= -edge)) | ((~np.isfinite(high)) & (values >= edge))
        if not at_artificial.any():
            return
        ray = find_unbounded_ray(form)
        if ray is not None:
            result.status = Status.UNBOUNDED
            result.ray = ray
            result.values = None
            result.objective = math.nan
            result.bound = math.nan
            result.message = "the optimum sat on an artificial variable bound and the LP relaxation has an improving ray: the model is unbounded"


def _native_form(model: StandardForm | Problem) -> StandardForm:
    """The matrix form CP-SAT builds: ``when:`` rows of a Problem stay plain and are enforced by their binary (no big-M)."""
    from ormodel.compiler import compile_problem
    from ormodel.problem import Problem

    from ormodel.special_sets import without_special_constructs

    if isinstance(model, Problem):
        return without_special_constructs(compile_problem(model, native_indicators=True))
    if isinstance(model, StandardForm):
        return without_special_constructs(model)
    raise TypeError(f"expected a Problem or a StandardForm, got {type(model).__name__}")


def warm_up() -> None:
    """Start the CP-SAT worker process now (it is reused by later solves), e.g. before timing a solve."""
    import scipy.sparse as sp

    tiny = StandardForm.from_arrays(objective=np.array([1.0]), matrix=sp.csr_array((0, 1)), row_lower=np.zeros(0), row_upper=np.zeros(0),
                                    column_upper=np.array([1.0]), integrality=np.array([True]))
    CpSatBackend().solve(tiny)


def _quick_rejection(form: StandardForm) -> str | None:
    """Why CP-SAT cannot take this model, found without starting a worker (``None`` when it may)."""
    if form.is_quadratic:
        return "CP-SAT takes linear objectives only; this model has a quadratic objective; use solver='scip'"
    continuous = np.flatnonzero(~form.integrality)
    if len(continuous):
        labels = [form.names.column_label(int(column)) for column in continuous[:5]]
        return (f"CP-SAT needs every variable integer; {len(continuous)} continuous column(s): {', '.join(labels)}"
                + (", ..." if len(continuous) > 5 else "") + "; use solver='highs' or 'scip'")
    return None


_POOL = WorkerPool("ormodel.solvers.cpsat")


def _run_worker(request: dict[str, Any], time_limit: float | None) -> dict[str, Any]:
    """Run :func:`_solve_request` in a worker interpreter; the reply, or an ``error`` entry."""
    timeout = None if time_limit is None else float(time_limit) + 120.0
    worker = _POOL.acquire()
    try:
        reply: dict[str, Any] = worker.exchange(request, None if timeout is None else time.monotonic() + timeout)
    except WorkerTimeout:
        _POOL.discard(worker)
        return {"error": f"the CP-SAT worker did not return within {timeout:.0f} s and was stopped", "raw_status": "TIMEOUT"}
    except WorkerDied as error:
        _POOL.discard(worker)
        return {"error": f"the CP-SAT worker failed: {error}", "raw_status": "WORKER_ERROR"}
    except BaseException:
        _POOL.discard(worker, replace=False)
        raise
    _POOL.release(worker)
    if "raise" in reply:
        return {"error": f"CP-SAT worker error: {reply['raise']!r}", "raw_status": "WORKER_ERROR"}
    return reply


def _solve_request(request: dict[str, Any]) -> dict[str, Any]:
    """Build and solve in this process (which must not have loaded highspy)."""
    cp_model = import_cp_model()

    form: StandardForm = request["form"]
    try:
        built = CpSatBackend().build(form, request["cp_constraints"], request["default_bound"])
    except (UnsupportedProblem, ValueError) as error:
        return {"error": str(error), "raw_status": "NOT_SOLVED"}
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    if request["time_limit"] is not None:
        deadline = request.get("deadline")
        left = float(request["time_limit"]) if deadline is None else deadline - time.monotonic()
        parameters.max_time_in_seconds = float(max(left, 0.0))
    if request["threads"] is not None:
        parameters.num_workers = int(request["threads"])
    if request["seed"] is not None:
        parameters.random_seed = int(request["seed"])
    if request["gap"] is not None:
        parameters.relative_gap_limit = float(request["gap"])
    log_lines: list[str] = []
    if request["verbose"]:
        parameters.log_search_progress = True
        parameters.log_to_stdout = False
        solver.log_callback = log_lines.append
    for key, value in request["parameters"].items():
        names = [name for name in dir(parameters)
                 if not name.startswith("_") and not name[:1].isupper() and not callable(getattr(parameters, name))]
        if key.startswith("_") or key not in names or callable(getattr(parameters, key)):
            return {"option_error": key, "option_names": names, "raw_status": "NOT_SOLVED"}
        try:
            setattr(parameters, key, value)
        except (TypeError, ValueError, AttributeError) as error:
            return {"option_error": key, "option_value_error": f"CP-SAT rejected {value!r} for parameter {key!r}: {error}",
                    "raw_status": "NOT_SOLVED"}
    warm_start = request["warm_start"]
    if warm_start is not None:
        for column, value in enumerate(warm_start.tolist()):
            if math.isfinite(value):
                built.model.add_hint(built.variables[column], round(value))
    callback = cpsat_solution_callback(request.get("trace_origin", time.monotonic()), form.sense.value, built.objective_scale,
                                       form.objective_offset, request["solution_limit"])
    status = solver.solve(built.model, callback)
    has_point = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return {
        "raw_status": solver.status_name(status),
        "values": [solver.value(variable) for variable in built.variables] if has_point else None,
        "bound": float(solver.best_objective_bound) if has_point else math.nan,
        "objective_scale": built.objective_scale,
        "artificial": built.artificial,
        "default_bound": built.default_bound,
        "branches": int(solver.num_branches),
        "wall_time": float(solver.wall_time),
        "notes": built.notes,
        "stopped_by_solution_limit": bool(callback.stopped),
        "trace": callback.trace.points,
        "validation": built.model.validate() if status == cp_model.MODEL_INVALID else "",
        "log": "\n".join(log_lines),
    }


def _check_lengths(what: str, first: Sequence[Any], second: Sequence[Any]) -> None:
    if len(first) != len(second):
        raise ValueError(f"{what}: {len(first)} variables but {len(second)} values")


def _worker_main() -> None:
    """The worker loop (:func:`~ormodel.solvers.worker_process.serve`) around :func:`_solve_request`."""
    from ormodel.solvers import cpsat  # The importable module, so that pickled classes match its own.

    serve(lambda request, emit: cpsat._solve_request(request))


if __name__ == "__main__":
    _worker_main()
