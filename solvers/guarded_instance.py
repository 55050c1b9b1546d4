"""The wall-clock guard for persistent HiGHS instances (:class:`ormodel.persistent.Instance`).

A persistent instance keeps its HiGHS model loaded and sends each change as a diff. On a large
MIP, HiGHS's own time limit does not hold there either: fac-50 (1.04 M non-zeros) under
``time_limit=3`` ran 9-19 s on the first solve and on every re-solve, all of it in MIP presolve
(one unchecked presolve round, probing), and ``cancelSolve`` does not reach it. So
:class:`GuardedHighsModel` keeps the in-process :class:`~ormodel.solvers.persistent.HighsPersistentModel`
(changes, bookkeeping, untimed and small solves) *and* a mirror of it in the guard's worker
process (:mod:`ormodel.solvers.guard`): every change is applied in process and recorded; a guarded
solve sends the worker only the changes it has not applied yet (the whole loaded form and every
change after a kill or on a fresh worker), the worker applies them to its own persistent model and
solves it, streaming improving incumbents and the dual bound. The parent kills the worker at
``time_limit × 1.05 + 0.5 s`` after :meth:`Instance.solve` was called and returns ``TIME_LIMIT``
with the best streamed point, like the one-shot guard.

What the persistent path keeps: a warm worker that holds the instance pays only the pickled diff
and the solve (no compile, no load). The load (the pickled form, 33 MB at fac-50, and its
``passModel`` in the worker) is done in a background thread when the instance is made with a
time limit on a large model (or the switch on) and right after a kill, while the caller makes
changes; a solve that comes before it is done waits for it, within its own guard (see
``benchmarks/time_limits.py --instances`` for the numbers). The worker is pooled: it is the guard's
idle worker, asked for by process id, and serves other guarded solves in between (then the
instance is loaded again on its next solve).

Example:
    >>> from ormodel.solvers.guarded_instance import GuardedHighsModel
    >>> GuardedHighsModel.backend
    'highs'
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from typing import Any

import numpy as np
import scipy.sparse as sp
from ormodel.solvers.base import SolveOptions
from ormodel.solvers.guard import GUARD_FACTOR, GUARD_MARGIN, KILLED, guard_choice, killed_message, run_in_worker
from ormodel.solvers.persistent import HighsPersistentModel, SubSolution

from ormodel.backends import seconds_left
from ormodel.result import Status
from ormodel.standard_form import Sense

__all__ = ["GuardedHighsModel", "serve_instance"]

_CHANGES = ("set_column_bounds", "set_objective", "set_integrality", "add_columns", "add_rows", "rollback", "set_row_bounds",
            "set_coefficients", "set_objective_offset", "delete_rows", "delete_columns")
"""The methods of a persistent model that change it: recorded and replayed in the worker."""

_PRELOAD_SECONDS = 600.0
"""How long a background load may take before its worker is killed."""


def _frozen(value: Any) -> Any:
    """A copy of an argument that the caller may change later (arrays); other values as they are."""
    if isinstance(value, np.ndarray) or sp.issparse(value):
        return value.copy()
    return value


class GuardedHighsModel:
    """A :class:`~ormodel.solvers.persistent.HighsPersistentModel` whose time-limited solves of a large model
    run in the wall-clock guard's worker (by size, or forced by ``extra={"wall_clock_guard": True/False}``).

    Every attribute and method of the in-process model is available; changes go to both.
    """

    backend = "highs"
    accepts_solve_extra = True
    """:meth:`solve` takes ``extra`` (the solve's ``SolveOptions.extra``) and ``started`` (its clock)."""

    def __init__(self, form: Any, threads: int = 1, seed: int = 0, extra: dict[str, Any] | None = None, preload: bool = False) -> None:
        self.local = HighsPersistentModel(form, threads=threads, seed=seed, extra=extra)
        self._opening = {"form": form, "threads": threads, "seed": seed, "extra": dict(extra or {})}
        self._token = uuid.uuid4().hex
        self._calls: list[tuple[str, tuple[Any, ...]]] = []
        self._held: tuple[int, int] | None = None
        """(process id of the worker holding this instance, how many of ``_calls`` it has applied)."""
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()
        self._generation = 0
        if preload:
            self._preload()

    def _preload(self) -> None:
        """Load the instance into an idle worker in the background (made with a time limit on a large model, and after
        a kill), so that the next guarded solve sends only the changes made meanwhile."""
        generation = self._generation

        def load() -> None:
            count = len(self._calls)
            request = {"instance": self._token, "applied": 0, "calls": self._calls[:count], "open": self._opening, "solve": None,
                       "started": time.monotonic()}
            facts: dict[str, Any] = {}
            try:
                reply, failure = run_in_worker(request, time.monotonic() + _PRELOAD_SECONDS, None, facts)
            except Exception:  # noqa: BLE001 - a failed preload only means the next solve loads the instance itself
                return
            with self._lock:
                if failure is None and reply is not None and reply.get("loaded") and self._generation == generation:
                    self._held = (facts["pid"], count)

        self._loading = threading.Thread(target=load, name="ormodel-instance-preload", daemon=True)
        self._loading.start()

    def _await_preload(self, guard: float | None) -> float | None:
        """Wait for a background load until ``guard`` at most; the seconds waited (``None`` when none was running)."""
        thread, self._loading = self._loading, None
        if thread is None:
            return None
        waited = time.monotonic()
        thread.join(timeout=None if guard is None else max(guard - time.monotonic(), 0.0))
        if thread.is_alive():
            with self._lock:
                self._generation += 1  # too late: its result is ignored, this solve loads the instance itself
        return time.monotonic() - waited

    def __getattr__(self, name: str) -> Any:
        if name == "local":
            raise AttributeError(name)
        return getattr(self.local, name)

    def _record(self, name: str, *args: Any) -> Any:
        value = getattr(self.local, name)(*args)
        self._calls.append((name, tuple(_frozen(argument) for argument in args)))
        return value

    def solve(self, time_limit: float | None = None, warm_start: np.ndarray | None = None, solution_limit: int | None = None,
              feasibility_emphasis: bool = False, presolve: bool = True, extra: dict[str, Any] | None = None,
              started: float | None = None) -> SubSolution:
        """Solve the model as it stands now: in the guarded worker when the guard applies, in process otherwise."""
        started = time.monotonic() if started is None else started
        _, guarded = guard_choice(self.local.form, SolveOptions(time_limit=time_limit, extra=dict(extra or {})))
        settings = {"time_limit": time_limit, "warm_start": warm_start, "solution_limit": solution_limit,
                    "feasibility_emphasis": feasibility_emphasis, "presolve": presolve}
        if not guarded:
            return self.local.solve(**settings)
        guard = None if time_limit is None else started + float(time_limit) * GUARD_FACTOR + GUARD_MARGIN
        stream = _Stream()
        facts: dict[str, Any] = {"worker": True, "time_limit": time_limit, "instance": True, "preload_wait": self._await_preload(guard)}
        reply, failure = self._exchange(settings, started, guard, stream, facts, load=self._held is None)
        if reply is not None and reply.get("missing"):  # another worker than the one holding the instance
            reply, failure = self._exchange(settings, started, guard, stream, facts, load=True)
        elapsed = time.monotonic() - started
        if failure is not None:
            self._held = None
            self._preload()  # into the replacement worker, while the caller changes the model
            sub = self._stopped(stream, elapsed, time_limit) if failure == "timeout" else SubSolution(
                Status.ERROR, seconds=elapsed, raw_status="worker died", message=f"HiGHS failed: {failure}")
        else:
            assert reply is not None
            if "raise" in reply:
                self._held = None
                raise reply["raise"]
            if "error" in reply:
                self._held = None
                sub = SubSolution(Status.ERROR, seconds=elapsed, raw_status="worker error", message=f"HiGHS worker error: {reply['error']}")
            else:
                self._held = (facts["pid"], len(self._calls))
                sub = reply["sub"]
                sub.seconds = elapsed
                facts["worker_seconds"] = reply["worker_seconds"]
                sub.extra["trace"] = stream.points
        facts.update(killed=sub.raw_status == KILLED, after_seconds=time.monotonic() - started)
        sub.extra["wall_clock_guard"] = facts
        return sub

    def _exchange(self, settings: dict[str, Any], started: float, guard: float | None, stream: _Stream, facts: dict[str, Any],
                  load: bool) -> tuple[dict[str, Any] | None, str | None]:
        applied = 0 if load else self._held[1] if self._held else 0
        request: dict[str, Any] = {"instance": self._token, "applied": applied, "calls": self._calls[applied:], "solve": settings,
                                   "started": started}
        if load:
            request["open"] = self._opening
        facts["loaded"] = load
        return run_in_worker(request, guard, stream.hear, facts, prefer=None if load or self._held is None else self._held[0])

    def _stopped(self, stream: _Stream, elapsed: float, time_limit: float | None) -> SubSolution:
        """What a solve killed at the guard returns: TIME_LIMIT with the best streamed point."""
        message = killed_message("HiGHS", elapsed, time_limit, stream.columns is not None)
        columns = stream.columns
        count = self.local.form.num_columns
        infinite = -math.inf if self.local.sense == Sense.MINIMIZE else math.inf
        sub = SubSolution(Status.TIME_LIMIT, values=None if columns is None else columns[:count].copy(), columns=columns,
                          objective=stream.objective, bound=stream.bound if not math.isnan(stream.bound) else infinite, seconds=elapsed,
                          raw_status=KILLED, message=message, nodes=stream.nodes if stream.nodes is not None else 0)
        sub.extra["trace"] = stream.points
        return sub


def _recorder(name: str) -> Any:
    def change(self: GuardedHighsModel, *args: Any) -> Any:
        return self._record(name, *args)

    change.__name__ = name
    change.__doc__ = getattr(HighsPersistentModel, name).__doc__
    return change


for _name in _CHANGES:
    setattr(GuardedHighsModel, _name, _recorder(_name))


class _Stream:
    """What the worker streamed so far: the best point over all current columns, its objective, the trace, the bound."""

    def __init__(self) -> None:
        self.columns: np.ndarray | None = None
        self.objective = math.nan
        self.points: list[list[float]] = []
        self.bound = math.nan
        self.nodes: int | None = None

    def hear(self, event: tuple[Any, ...]) -> None:
        if event[0] == "incumbent":
            _, seconds, self.objective, values = event
            self.columns = np.asarray(values, dtype=np.float64)
            self.points.append([float(seconds), float(self.objective)])
        elif event[0] == "bound":
            _, self.bound, self.nodes = event


# ---- the worker's side -------------------------------------------------------------------------

_HELD: dict[str, Any] = {}
"""The instance this worker holds: ``token``, ``applied`` (changes applied), ``model``, ``emit`` (the current request's)."""


def serve_instance(request: dict[str, Any], emit: Any) -> dict[str, Any]:
    """In the worker: bring the held instance up to date with the request's changes and solve it."""
    received = time.monotonic()
    if "open" in request:
        _HELD.clear()  # one instance per worker: free the last one first
        opening = request["open"]
        model = HighsPersistentModel(opening["form"], threads=opening["threads"], seed=opening["seed"], extra=opening["extra"])
        _subscribe(model)
        _HELD.update(token=request["instance"], applied=0, model=model)
    elif _HELD.get("token") != request["instance"] or _HELD.get("applied") != request["applied"]:
        return {"missing": True}
    model = _HELD["model"]
    try:
        for name, args in request["calls"]:
            getattr(model, name)(*args)
    except BaseException:
        _HELD.clear()  # half-applied: the next request must load it again
        raise
    _HELD["applied"] = request["applied"] + len(request["calls"])
    if request["solve"] is None:
        return {"loaded": True, "worker_seconds": time.monotonic() - received}
    started = request["started"]
    settings = dict(request["solve"])
    if settings["time_limit"] is not None:
        settings["time_limit"] = seconds_left(started + float(settings["time_limit"]))
    _HELD["emit"], _HELD["started"] = emit, started
    try:
        sub = model.solve(**settings)
    finally:
        _HELD["emit"] = None
    return {"sub": sub, "worker_seconds": time.monotonic() - received}


def _subscribe(model: HighsPersistentModel) -> None:
    """Stream the held model's improving solutions and MIP log lines (dual bound, nodes) to the current request."""

    def improving(event: Any) -> None:
        if _HELD.get("emit") is not None:
            values = np.asarray(event.data_out.mip_solution, dtype=np.float64)[: model.num_columns]
            _HELD["emit"](("incumbent", time.monotonic() - _HELD["started"], float(event.data_out.objective_function_value), values))

    def logging(event: Any) -> None:
        if _HELD.get("emit") is not None:
            bound = float(event.data_out.mip_dual_bound)
            _HELD["emit"](("bound", bound if abs(bound) < 1e30 else math.copysign(math.inf, bound), int(event.data_out.mip_node_count)))

    model.highs.cbMipImprovingSolution.subscribe(improving)
    model.highs.cbMipLogging.subscribe(logging)
