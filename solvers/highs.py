"""HiGHS backend (highspy): LP, MILP and convex QP, with duals, IIS and warm starts.

The model goes to HiGHS in one ``passModel`` call, column-wise (HiGHS sets up its first
``run`` several times faster from a column-wise matrix than from a row-wise one).

Example:
    >>> from ormodel.solvers.highs import HighsBackend
    >>> HighsBackend().available()
    True
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ormodel.errors import OptionError, UnsupportedProblem
from ormodel.result import Conflict, Limit, Ray, Result, Status
from ormodel.backends import seconds_left
from ormodel.solvers.base import Capability, SolveOptions, unknown_option
from ormodel.solvers.callbacks import trace_highs
from ormodel.solvers.native import import_highspy, native_output_to_stderr, new_log_file, read_log
from ormodel.standard_form import NameMap, Sense, StandardForm

if TYPE_CHECKING:
    import highspy

    from ormodel.problem import Problem

__all__ = ["HIGHS_STATUS", "HighsBackend", "load_into_highs", "read_model_file", "solve_form", "write_model_file"]

_INF = 1e30


def _highs_module() -> Any:
    return import_highspy()


def _clip_infinity(array: np.ndarray) -> np.ndarray:
    return np.clip(array, -np.inf, np.inf)


def new_highs() -> "highspy.Highs":
    """A silent ``Highs`` instance: logging is off before anything else, and a banner printed by the
    constructor itself (some highspy releases do) goes to stderr, not stdout."""
    highspy = _highs_module()
    with native_output_to_stderr():
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("log_to_console", False)
    return highs


def load_into_highs(form: StandardForm, highs: "highspy.Highs | None" = None, column_wise: bool = False) -> "highspy.Highs":
    """Pass a standard form into a (new) HiGHS instance in one call, without running it.

    Row-wise by default: HiGHS stores the matrix column-wise and transposes a row-wise one inside
    ``passModel``, which costs less time and memory than a CSC copy made in Python first.
    """
    if form.has_indicators:
        raise UnsupportedProblem("HiGHS has no indicator constraints, and this matrix form keeps its `when:` rows without "
                                 "big-M (compiled with native_indicators=True): they would hold unconditionally",
                                 hint="compile with native_indicators=False (big-M), or solve with solver='cpsat'")
    if form.has_sos:
        raise UnsupportedProblem("HiGHS has no special ordered sets (SOS1/SOS2) and would ignore this form's sets",
                                 hint="solve through ormodel.solve, which reformulates them with binaries, or use solver='scip'")
    highspy = _highs_module()
    if highs is None:
        highs = new_highs()
    matrix = form.matrix.tocsc() if column_wise else sp.csr_array(form.matrix)
    matrix_format = int(highspy.MatrixFormat.kColwise if column_wise else highspy.MatrixFormat.kRowwise)
    sense = int(highspy.ObjSense.kMaximize if form.sense == Sense.MAXIMIZE else highspy.ObjSense.kMinimize)
    integrality = highs_column_kinds(form)
    arrays = (
        np.ascontiguousarray(form.objective, dtype=np.float64), np.ascontiguousarray(form.column_lower, dtype=np.float64),
        np.ascontiguousarray(form.column_upper, dtype=np.float64), np.ascontiguousarray(form.row_lower, dtype=np.float64),
        np.ascontiguousarray(form.row_upper, dtype=np.float64), matrix.indptr.astype(np.int32, copy=False),
        matrix.indices.astype(np.int32, copy=False), matrix.data.astype(np.float64, copy=False),
    )
    if form.is_quadratic:
        assert form.quadratic is not None
        lower = sp.csc_array(sp.tril(form.quadratic, format="csc"))
        status = highs.passModel(
            form.num_columns, form.num_rows, int(matrix.nnz), int(lower.nnz), matrix_format,
            int(highspy.HessianFormat.kTriangular), sense, form.objective_offset, *arrays,
            lower.indptr.astype(np.int32), lower.indices.astype(np.int32), lower.data.astype(np.float64), integrality,
        )
    else:
        status = highs.passModel(form.num_columns, form.num_rows, int(matrix.nnz), matrix_format, sense,
                                 form.objective_offset, *arrays, integrality)
    if status == highspy.HighsStatus.kError:
        raise ValueError("HiGHS rejected the model (check bounds, NaN coefficients and the matrix)")
    return highs


def highs_column_kinds(form: StandardForm) -> np.ndarray:
    """HiGHS's column types: 0 continuous, 1 integer, 2 semi-continuous, 3 semi-integer."""
    kinds = form.integrality.astype(np.int32)
    if form.has_semicontinuous:
        assert form.semicontinuous is not None
        kinds = kinds + 2 * form.semicontinuous.astype(np.int32)
    return kinds


def _infinite_bounds(values: Any) -> np.ndarray:
    """HiGHS's 1e30-style infinities as numpy infinities."""
    array = np.asarray(values, dtype=np.float64)
    return np.where(array >= _INF, np.inf, np.where(array <= -_INF, -np.inf, array))


def _read_back(highs: "highspy.Highs", name: str) -> StandardForm:
    highspy = _highs_module()
    lp = highs.getLp()
    columns, rows = lp.num_col_, lp.num_row_
    matrix = lp.a_matrix_
    arrays = (np.asarray(matrix.value_, dtype=np.float64), np.asarray(matrix.index_, dtype=np.int64), np.asarray(matrix.start_, dtype=np.int64))
    if matrix.format_ == highspy.MatrixFormat.kRowwise:
        csr = sp.csr_array(arrays, shape=(rows, columns))
    else:
        csr = sp.csc_array(arrays, shape=(rows, columns)).tocsr()
    integrality = np.zeros(columns, dtype=bool)
    semicontinuous = None
    if len(lp.integrality_):
        codes = np.array([int(kind) for kind in lp.integrality_])
        integrality = np.isin(codes, (int(highspy.HighsVarType.kInteger), int(highspy.HighsVarType.kSemiInteger)))
        semi = np.isin(codes, (int(highspy.HighsVarType.kSemiContinuous), int(highspy.HighsVarType.kSemiInteger)))
        semicontinuous = semi if semi.any() else None
    quadratic = None
    model = highs.getModel()
    if model.hessian_.dim_ > 0 and len(model.hessian_.value_):
        hessian = model.hessian_
        lower = sp.csc_array((np.asarray(hessian.value_), np.asarray(hessian.index_), np.asarray(hessian.start_)), shape=(columns, columns))
        quadratic = lower + sp.tril(lower, k=-1).T
    column_names = list(lp.col_names_) if len(lp.col_names_) == columns else []
    row_names = list(lp.row_names_) if len(lp.row_names_) == rows else []
    names = NameMap.from_labels(column_names, row_names) if column_names else NameMap()
    form = StandardForm.from_arrays(
        objective=np.asarray(lp.col_cost_, dtype=np.float64),
        matrix=csr,
        row_lower=_infinite_bounds(lp.row_lower_),
        row_upper=_infinite_bounds(lp.row_upper_),
        column_lower=_infinite_bounds(lp.col_lower_),
        column_upper=_infinite_bounds(lp.col_upper_),
        integrality=integrality,
        sense=Sense.MAXIMIZE if lp.sense_ == highspy.ObjSense.kMaximize else Sense.MINIMIZE,
        objective_offset=float(lp.offset_),
        quadratic=quadratic,
        names=names,
        name=name,
    )
    form.semicontinuous = semicontinuous
    return form


def read_model_file(path: str | os.PathLike[str]) -> StandardForm:
    """Read an MPS (free or fixed, optionally ``.gz``) or CPLEX LP file through HiGHS."""
    highspy = _highs_module()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    highs = new_highs()
    with native_output_to_stderr():
        status = highs.readModel(path)
    if status == highspy.HighsStatus.kError:
        raise ValueError(f"{path}: HiGHS could not read this file as MPS or LP; check its format and extension")
    base = os.path.basename(path).split(".")[0]
    return _read_back(highs, base)


def write_model_file(form: StandardForm, path: str | os.PathLike[str]) -> None:
    """Write a standard form as MPS or LP (by extension), with indexed names kept."""
    highspy = _highs_module()
    path = os.fspath(path)
    highs = load_into_highs(form)
    lp_format = path.lower().endswith((".lp", ".lp.gz"))
    if form.names.has_column_names:
        for column, label in enumerate(form.names.column_labels(form.num_columns)):
            highs.passColName(column, _file_safe(label, lp_format))
    if form.names.has_row_names:
        for row, label in enumerate(form.names.row_labels(form.num_rows)):
            highs.passRowName(row, _file_safe(label, lp_format))
    from ormodel.atomic import WriteError, ends_with_line, write_atomic

    def produce(temporary: str) -> None:
        if highs.writeModel(temporary) == highspy.HighsStatus.kError:
            raise WriteError(f"{path}: HiGHS could not write the model; use a .mps or .lp extension")

    # HiGHS reports success on a truncated file (full disk): the file must end with its format's last line.
    write_atomic(path, produce, verify=lambda temporary: ends_with_line(temporary, "end" if lp_format else "ENDATA"),
                 suffix=os.path.splitext(path)[1])


def _file_safe(label: str, lp_format: bool) -> str:
    """A name both formats accept: no spaces; in LP files, parentheses for brackets (LP reserves ``[ ]``)."""
    label = label.replace(" ", "_")
    return label.replace("[", "(").replace("]", ")") if lp_format else label


HIGHS_STATUS = {
    "kOptimal": Status.OPTIMAL,
    "kInfeasible": Status.INFEASIBLE,
    "kUnbounded": Status.UNBOUNDED,
    "kUnboundedOrInfeasible": Status.INFEASIBLE_OR_UNBOUNDED,
    "kTimeLimit": Status.TIME_LIMIT,
    "kIterationLimit": Status.OTHER_LIMIT,
    "kSolutionLimit": Status.OTHER_LIMIT,
    "kInterrupt": Status.OTHER_LIMIT,
    "kObjectiveBound": Status.OTHER_LIMIT,
    "kObjectiveTarget": Status.OTHER_LIMIT,
    "kModelEmpty": Status.OPTIMAL,
    "kMemoryLimit": Status.OTHER_LIMIT,
}

HIGHS_LIMIT = {
    "kTimeLimit": Limit.TIME,
    "kIterationLimit": Limit.ITERATION,
    "kSolutionLimit": Limit.SOLUTION,
    "kInterrupt": Limit.INTERRUPT,
    "kObjectiveBound": Limit.OBJECTIVE,
    "kObjectiveTarget": Limit.OBJECTIVE,
    "kMemoryLimit": Limit.MEMORY,
}
"""The kind of limit behind each HiGHS limit status (node limits also report ``kSolutionLimit``)."""


class HighsBackend:
    """HiGHS through highspy."""

    name = "highs"
    capabilities = frozenset(
        {Capability.LP, Capability.MILP, Capability.QP, Capability.DUALS, Capability.IIS, Capability.WARM_START, Capability.RAY,
         Capability.SEMICONTINUOUS, Capability.SEMIINTEGER, Capability.PERSISTENT}
    )

    def open_persistent(self, form: StandardForm, options: SolveOptions | None = None) -> Any:
        """The form loaded once into a persistent model that takes changes and re-solves (:mod:`ormodel.solvers.persistent`);
        its time-limited solves of a large model run in the wall-clock guard's worker (:mod:`ormodel.solvers.guarded_instance`)."""
        from ormodel.solvers.guard import guard_choice
        from ormodel.solvers.guarded_instance import GuardedHighsModel

        options, guarded = guard_choice(form, options or SolveOptions())  # the guard's switch is read again per solve
        return GuardedHighsModel(form, threads=options.threads or 1, seed=options.seed or 0, extra=dict(options.extra), preload=guarded)

    def available(self) -> bool:
        """True when highspy imports."""
        try:
            _highs_module()
        except ImportError:
            return False
        return True

    def solve(self, model: "StandardForm | Problem", options: SolveOptions | None = None) -> Result:
        """Solve with HiGHS; infeasible models get an IIS in the model's names.

        A time-limited solve of a large model runs in a worker process that ormodel kills when HiGHS
        overruns its limit (:mod:`ormodel.solvers.guard`); ``extra={"wall_clock_guard": True}``
        (or ``False``) forces that on (or off).
        """
        from ormodel.compiler import as_standard_form
        from ormodel.solvers.guard import guard_choice, solve_guarded

        form = as_standard_form(model)
        started = time.monotonic()
        options = options or SolveOptions()
        if form.is_quadratic and form.is_mip:
            return Result(Status.ERROR, solver=self.name, names=form.names,
                          message="HiGHS does not solve mixed-integer quadratic problems; use solver='scip'")
        options, guarded = guard_choice(form, options)
        if guarded:
            result = solve_guarded(form, options, started)
        else:
            result = solve_form(form, options, started)
            if options.verbose:
                print(result.log)
        result.solver = self.name  # a subclass under another name (a third-party backend) reports its own
        return result

    def conflict(self, form: StandardForm, time_limit: float | None = None) -> Conflict | None:
        """An irreducible infeasible subset of an LP/MIP's rows and bounds, in model names."""
        highspy = _highs_module()
        relaxed = StandardForm.from_arrays(
            objective=np.zeros(form.num_columns), matrix=form.matrix, row_lower=form.row_lower,
            row_upper=form.row_upper, column_lower=form.column_lower, column_upper=form.column_upper,
            names=form.names, name=form.name,
        )
        highs = load_into_highs(relaxed)
        highs.setOptionValue("iis_strategy", 2 if hasattr(highspy, "IisStrategy") else 1)
        if time_limit is not None:
            highs.setOptionValue("time_limit", float(max(time_limit, 0.0)))
        with native_output_to_stderr():
            found = _compute_iis(highspy, highs)
        if found is None:
            return None
        iis_rows, iis_columns = found
        rows = form.names.row_labels_at(np.asarray(iis_rows, dtype=np.int64), form.num_rows)
        columns = form.names.column_labels_at(np.asarray(iis_columns, dtype=np.int64), form.num_columns)
        conflict = Conflict(rows=rows, columns=columns, complete=True, source=self.name)
        if form.is_mip and not rows and not columns:
            return None
        if form.is_mip:
            conflict.complete = False
        return conflict

    @staticmethod
    def _ray(highs: "highspy.Highs", form: StandardForm) -> Ray | None:
        found, direction = primal_ray(highs)
        if not found or direction is None:
            return None
        vector = np.asarray(direction, dtype=np.float64)[: form.num_columns]
        scale = float(np.abs(vector).max(initial=0.0))
        if scale <= 0.0:
            return None
        vector = vector / scale
        columns = np.flatnonzero(np.abs(vector) > 1e-9)
        labels = form.names.column_labels_at(columns, form.num_columns)
        return Ray(dict(zip(labels, vector[columns].tolist())), source="highs")


def _apply_options(highs: "highspy.Highs", options: SolveOptions, deadline: float | None = None, log_path: str | None = None) -> str:
    """Set ``options`` on ``highs`` with its log going to ``log_path`` (a new temporary file by default); the log's path."""
    own_log = log_path is None
    if log_path is None:
        log_path = new_log_file("highs")
    highs.setOptionValue("log_to_console", False)
    highs.setOptionValue("log_file", log_path)
    highs.setOptionValue("output_flag", True)
    if deadline is not None:
        highs.setOptionValue("time_limit", float(seconds_left(deadline)))
    elif options.time_limit is not None:
        highs.setOptionValue("time_limit", float(max(options.time_limit, 0.0)))
    if options.gap is not None:
        highs.setOptionValue("mip_rel_gap", float(options.gap))
    if options.threads is not None:
        set_threads(highs, int(options.threads))
    if options.seed is not None:
        highs.setOptionValue("random_seed", int(options.seed))
    if options.node_limit is not None:
        highs.setOptionValue("mip_max_nodes", int(options.node_limit))
    if options.solution_limit is not None:
        highs.setOptionValue("mip_max_improving_sols", int(options.solution_limit))
    try:
        for key, value in options.extra.items():
            _set_option(highs, key, value)
    except OptionError:
        if own_log:
            read_log(log_path, remove=True)
        raise
    return log_path

def _warm_start(highs: "highspy.Highs", form: StandardForm, warm_start: Any) -> None:
    highspy = _highs_module()
    if isinstance(warm_start, dict):
        from ormodel.solvers.labels import column_labels

        labels = column_labels(form.names, form.num_columns)
        position = {label: column for column, label in enumerate(labels)}
        columns = [position[label] for label in warm_start if label in position]
        values = [float(warm_start[labels[column]]) for column in columns]
        if not columns:
            return
        # A partial point: HiGHS completes it (for a MIP, by solving the sub-MIP over the other columns).
        highs.setSolution(len(columns), np.asarray(columns, dtype=np.int32), np.asarray(values, dtype=np.float64))
        return
    point = np.asarray(warm_start, dtype=np.float64)
    if point.shape != (form.num_columns,):
        raise ValueError(f"warm start has {point.shape[0]} values, the model has {form.num_columns} columns")
    solution = highspy.HighsSolution()
    solution.col_value = point.tolist()
    solution.value_valid = True
    highs.setSolution(solution)

def _result(highs: "highspy.Highs", form: StandardForm, elapsed: float) -> Result:
    model_status = highs.getModelStatus()
    raw = highs.modelStatusToString(model_status)
    status = HIGHS_STATUS.get(str(model_status).split(".")[-1], Status.ERROR)
    info = highs.getInfo()
    has_point = info.primal_solution_status == 2 or (form.is_mip and info.primal_solution_status >= 1 and status.is_limit)
    result = Result(status=status, solver=HighsBackend.name, solve_time=elapsed, raw_status=raw, names=form.names)
    no_point = status in (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED)
    if (has_point or status == Status.OPTIMAL) and not no_point:  # an unbounded LP's last point means nothing
        solution = highs.getSolution()
        result.values = np.asarray(solution.col_value, dtype=np.float64)
        if form.num_columns == 0:
            result.values = np.zeros(0)
        result.objective = form.objective_value(result.values)
        if not form.is_mip and solution.dual_valid and status == Status.OPTIMAL:
            result.row_duals = np.asarray(solution.row_dual, dtype=np.float64)
            result.reduced_costs = np.asarray(solution.col_dual, dtype=np.float64)
    if status == Status.TIME_LIMIT and has_point and form.is_mip:
        result.status = Status.TIME_LIMIT
    if form.is_mip:
        bound = float(info.mip_dual_bound)
        result.bound = _finite_or_infinite(bound)
        result.nodes = int(info.mip_node_count)
    elif status == Status.OPTIMAL:
        result.bound = result.objective
    return result



def solve_form(form: StandardForm, options: SolveOptions, started: float, log_path: str | None = None,
               on_incumbent: Callable[[float, np.ndarray], None] | None = None,
               on_bound: Callable[[float, int], None] | None = None) -> Result:
    """Solve a (non-MIQP) form with HiGHS in this process; the Result without printing its log.

    ``started`` is the ``time.monotonic()`` reading the time limit and the trace count from (it may
    come from another process). With ``log_path`` the log goes to that file, which is left in
    place. ``on_incumbent(seconds, values)`` hears each improving MIP solution as it is found and
    ``on_bound(bound, nodes)`` each change of the MIP dual bound (the worker process streams both).
    """
    deadline = None if options.time_limit is None else started + float(options.time_limit)
    highs = load_into_highs(form)
    own_log = log_path is None
    log_path = _apply_options(highs, options, deadline, log_path)
    # The trace counts from ``started`` on this process's perf_counter clock.
    origin = time.perf_counter() - (time.monotonic() - started)
    try:
        if options.warm_start is not None:
            _warm_start(highs, form, options.warm_start)
        # HiGHS appends internal columns to its MIP solutions when it reformulates semi-continuous columns.
        incumbents = trace_highs(highs, origin, form.sense.value, lambda values: form.objective_value(values[: form.num_columns]),
                                 on_improvement=None if on_incumbent is None else
                                 lambda seconds, values: on_incumbent(seconds, values[: form.num_columns])) if form.is_mip else None
        if form.is_mip and on_bound is not None:
            _stream_bound(highs, on_bound)
        if deadline is not None and "time_limit" not in options.extra:  # HiGHS's own option, given in extra, wins
            highs.setOptionValue("time_limit", float(seconds_left(deadline)))
        run_started = time.perf_counter()
        with native_output_to_stderr():
            highs.run()
        run_seconds = time.perf_counter() - run_started
        elapsed = time.monotonic() - started
        result = _result(highs, form, elapsed)
        result.extra["solver_seconds"] = run_seconds
        if incumbents is not None:
            result.extra["trace"] = incumbents.points
        _set_limit_kind(result, highs, options)
        if options.compute_conflict and result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
            left = None if deadline is None else max(deadline - time.monotonic(), 0.05)
            result.conflict = HighsBackend().conflict(form, time_limit=left)
        if result.status == Status.UNBOUNDED and not form.is_mip:
            result.ray = HighsBackend._ray(highs, form)
    finally:
        log = read_log(log_path, remove=True) if own_log else read_log(log_path)
    result.log = log
    if result.status == Status.ERROR and not result.message:
        errors = [line.strip() for line in log.splitlines() if line.lstrip().startswith("ERROR")]
        result.message = errors[0] if errors else f"HiGHS stopped with model status {result.raw_status!r}"
    return result


def _stream_bound(highs: "highspy.Highs", on_bound: Callable[[float, int], None]) -> None:
    """Call ``on_bound(bound, nodes)`` at each of HiGHS's MIP log lines (a few a second)."""

    def logging(event: Any) -> None:
        on_bound(_finite_or_infinite(float(event.data_out.mip_dual_bound)), int(event.data_out.mip_node_count))

    highs.cbMipLogging.subscribe(logging)


def _finite_or_infinite(bound: float) -> float:
    """HiGHS's ±1e30-style infinite bound as ±inf."""
    return bound if abs(bound) < _INF else math.copysign(math.inf, bound) if bound != 0 else bound


def primal_ray(highs: "highspy.Highs") -> tuple[bool, np.ndarray | None]:
    """``(found, direction)`` from ``getPrimalRay``, whose return value differs across highspy releases.

    highspy 1.12 returns ``(status, has_ray, ray)``; some releases return ``(has_ray, ray)``.
    """
    highspy = _highs_module()
    reply = highs.getPrimalRay()
    if not isinstance(reply, tuple):
        raise TypeError(f"highspy getPrimalRay returned {type(reply).__name__}, expected a tuple")
    if len(reply) == 3:
        status, found, direction = reply
        if status == highspy.HighsStatus.kError:
            return False, None
    elif len(reply) == 2:
        found, direction = reply
    else:
        raise TypeError(f"highspy getPrimalRay returned {len(reply)} values, expected 2 or 3")
    return bool(found), None if direction is None else np.asarray(direction, dtype=np.float64)


def set_threads(highs: "highspy.Highs", threads: int) -> None:
    """Set HiGHS's thread count, restarting its process-wide scheduler.

    HiGHS keeps one thread scheduler per process; newer releases (1.16) refuse a thread count that
    differs from the one an earlier solve started it with ("the scheduler has already been
    initialized"), so the scheduler is started afresh. Not for use while another HiGHS solve runs in
    this process.
    """
    reset = getattr(highs, "resetGlobalScheduler", None)
    if reset is not None:
        reset(True)
    highs.setOptionValue("threads", int(threads))


def _set_limit_kind(result: Result, highs: "highspy.Highs", options: SolveOptions) -> None:
    """Record which limit stopped HiGHS, and its iteration count."""
    info = highs.getInfo()
    iterations = int(getattr(info, "simplex_iteration_count", -1))
    result.iterations = iterations if iterations >= 0 else None
    name = str(highs.getModelStatus()).split(".")[-1]
    limit = HIGHS_LIMIT.get(name)
    if limit == Limit.SOLUTION and options.node_limit is not None and result.nodes is not None and result.nodes >= options.node_limit:
        limit = Limit.NODE
    result.limit = limit


_HIGHS_OPTION_NAMES: list[str] | None = None


def _highs_option_names(highs: "highspy.Highs") -> list[str]:
    """Names of HiGHS options, for suggestions (the options object lists them as attributes)."""
    global _HIGHS_OPTION_NAMES
    if _HIGHS_OPTION_NAMES is None:
        _HIGHS_OPTION_NAMES = [name for name in dir(highs.getOptions()) if not name.startswith("_")]
    return _HIGHS_OPTION_NAMES


def _set_option(highs: "highspy.Highs", key: str, value: Any) -> None:
    """Set one HiGHS option by name; an unknown name or a rejected value is an :class:`OptionError`."""
    highspy = _highs_module()
    reply = highs.getOptionType(key)  # (status, type) in highspy 1.12; a bare type where a release returns one
    status, kind = reply if isinstance(reply, tuple) else (highspy.HighsStatus.kOk, reply)
    if status == highspy.HighsStatus.kError or kind is None:
        raise unknown_option("HiGHS", key, _highs_option_names(highs))
    kind_name = str(kind).split(".")[-1]
    try:
        if kind_name == "kBool":
            converted: Any = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "on", "yes")
        elif kind_name == "kInt":
            converted = int(value)
        elif kind_name == "kDouble":
            converted = float(value)
        else:
            converted = str(value)
    except (TypeError, ValueError):
        raise OptionError(f"HiGHS option {key!r} takes a {kind_name[1:].lower()}, got {value!r}") from None
    if highs.setOptionValue(key, converted) == highspy.HighsStatus.kError:
        raise OptionError(f"HiGHS rejected {value!r} for option {key!r}", hint="see the HiGHS option list for its range")


def _compute_iis(highspy: Any, highs: "highspy.Highs") -> tuple[list[int], list[int]] | None:
    """Row and column indices of an IIS, across highspy releases (1.12 fills an argument, later return it)."""
    try:
        status, iis = highs.getIis()
    except TypeError:
        iis = highspy.HighsIis()
        status = highs.getIis(iis)
    valid = getattr(iis, "valid_", getattr(iis, "valid", True))
    if status == highspy.HighsStatus.kError or not valid:
        return None
    rows = getattr(iis, "row_index_", None)
    columns = getattr(iis, "col_index_", None)
    rows = iis.row_index if rows is None else rows
    columns = iis.col_index if columns is None else columns
    return [int(row) for row in rows], [int(column) for column in columns]

