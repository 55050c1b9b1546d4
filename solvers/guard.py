"""The wall-clock guard of the HiGHS and SCIP backends: a time-limited solve of a large model runs in
a worker process that ormodel kills when the solver does not return in time.

HiGHS checks its ``time_limit`` only in some phases. On large MIPs, MIP presolve's probing,
Feasibility Jump and the postsolve after "time limit reached" run for seconds without a check
(fac-50, 1.04 M non-zeros, ``time_limit=1``: 5.3 s; fac-70, ``time_limit=2``: 20.5 s, highspy 1.12,
one thread), and ``cancelSolve`` from another thread does not interrupt them. No HiGHS option
makes the limit hold, so ormodel holds it: the worker (``python -m ormodel.solvers.guard``,
reused between solves, :mod:`ormodel.solvers.worker_process`) gets the StandardForm, runs the same
:func:`~ormodel.solvers.highs.solve_form` as the in-process path with HiGHS's own limit set to the
time that is left, and streams each improving incumbent and each new dual bound back. The parent
waits until ``time_limit × 1.05 + 0.5 s`` after the backend started; then it kills the worker's
process group and returns ``TIME_LIMIT`` with the best streamed incumbent (objective recomputed
from the form), the last bound, the trace and the log written so far, and says so in
``message`` and ``extra["wall_clock_guard"]``. A worker that crashes or is killed for memory gives
an ``ERROR`` Result saying how it died; Ctrl-C in the parent kills the worker.

SCIP (``solver="scip"``) gets the same guard for StandardForm models (not for element-wise
nonlinear models or a ``setup`` callback, which need the caller's process): its model is built by
one ``addVar``/``addCons`` per column and row in Python before SCIP's own clock starts, 18.8 s for
fac-50, so ``time_limit=1`` took 22 s in process. Its worker runs
:func:`~ormodel.solvers.scip.solve_form`, which streams each new best solution and SCIP's bound.

Persistent HiGHS instances (:class:`ormodel.persistent.Instance`) are guarded the same way, with the
same thresholds and switch, by :mod:`ormodel.solvers.guarded_instance`: the worker keeps a mirror of
the instance and receives only the changes made since its last solve.

**When.** ``extra={"wall_clock_guard": True}`` (or ``False``) forces the worker on (or off). By
default it is used when a time limit is set and the matrix has at least :data:`MIN_NONZEROS`
non-zeros for the solver (HiGHS 100 000, SCIP 20 000: SCIP's Python build alone takes about 1 s
per 50 000 non-zeros, 1.0 s at fac-20, 4.5 s at fac-30). Measured on this project's 2-core machine
under load 5.6 (``benchmarks/time_limits.py --overhead``, highspy 1.12, one thread, fac-N facility
location: fac-10 = 9.7 k, fac-20 = 71 k, fac-24 = 120 k, fac-30 = 231 k, fac-50 = 1.04 M non-zeros):
a warm worker adds 2 ms at fac-5, 5 ms at fac-10, 13 ms at fac-20, 26 ms at fac-30 and 77 ms at
fac-50 (pickling and piping the form in and the Result back: 7.4 MB at fac-30, 33 MB at fac-50); a
cold one about 1.1 s more (the interpreter start with numpy and scipy, paid by the first guarded
solve of a process and by a solve right after a kill, whose replacement starts in the background).
In process, ``time_limit=1`` returned after 0.16 s at fac-10 (solved), 1.19 s at fac-20, 1.04 s at
fac-24, 2.40 s at fac-30 (over the 2.05 s allowed) and 1.4-8 s at fac-50. The threshold sits
between the largest size that stayed inside and the first that overran, where the warm transfer
is about 1-2 % of the limit.

Example:
    >>> from ormodel.solvers.guard import MIN_NONZEROS
    >>> MIN_NONZEROS["highs"]
    100000
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np
from ormodel.solvers.base import SolveOptions
from ormodel.solvers.native import new_log_file, read_log
from ormodel.solvers.worker_process import WorkerDied, WorkerPool, WorkerTimeout

from ormodel.errors import OptionError
from ormodel.result import Limit, Result, Status
from ormodel.standard_form import NameMap, Sense, StandardForm

__all__ = ["GUARD_FACTOR", "GUARD_MARGIN", "GUARD_OPTION", "KILLED", "MIN_NONZEROS", "guard_choice", "killed_message", "run_in_worker",
           "solve_guarded", "warm_up", "worker_pids"]

GUARD_OPTION = "wall_clock_guard"
"""The ``SolveOptions.extra`` key that forces the worker on (``True``) or off (``False``); absent or ``"auto"``: by size."""
MIN_NONZEROS = {"highs": 100_000, "scip": 20_000}
"""Time-limited solves of matrices with at least this many non-zeros run in the guarded worker, by solver (see above)."""
GUARD_FACTOR = 1.05
GUARD_MARGIN = 0.5
"""The worker is killed ``time_limit × GUARD_FACTOR + GUARD_MARGIN`` seconds after the backend started."""

_POOL = WorkerPool("ormodel.solvers.guard")


def guard_choice(form: StandardForm, options: SolveOptions, solver: str = "highs") -> tuple[SolveOptions, bool]:
    """The options without the guard's own key, and whether this solve runs in the guarded worker."""
    by_size = options.time_limit is not None and form.matrix.nnz >= MIN_NONZEROS[solver]
    if GUARD_OPTION not in options.extra:
        return options, by_size
    extra = dict(options.extra)
    choice = extra.pop(GUARD_OPTION)
    options = dataclasses.replace(options, extra=extra)
    if choice is None or choice == "auto":
        return options, by_size
    if not isinstance(choice, bool):
        raise OptionError(f"extra option {GUARD_OPTION!r} takes True, False or 'auto', got {choice!r}")
    return options, choice


def warm_up() -> None:
    """Start an idle worker now, so that the next guarded solve does not pay for the interpreter start."""
    _POOL.warm_up()


def worker_pids() -> list[int]:
    """Process ids of the guarded workers now solving (for tests and diagnostics)."""
    return _POOL.busy_pids()


class _Stream:
    """What the worker streamed so far: the best point, the trace, the dual bound and node count."""

    def __init__(self, form: StandardForm) -> None:
        self.form = form
        self.values: np.ndarray | None = None
        self.points: list[list[float]] = []
        self.bound = math.nan
        self.nodes: int | None = None

    def hear(self, event: tuple[Any, ...]) -> None:
        if event[0] == "incumbent":
            _, seconds, values = event
            self.values = np.asarray(values, dtype=np.float64)
            self.points.append([float(seconds), self.form.objective_value(self.values)])
        elif event[0] == "bound":
            _, self.bound, self.nodes = event


def solve_guarded(form: StandardForm, options: SolveOptions, started: float, solver: str = "highs") -> Result:
    """Solve with ``solver`` (``highs`` or ``scip``) in a worker process, killed ``time_limit × 1.05 + 0.5 s``
    after ``started`` (``time.monotonic()``)."""
    name = _NAMES[solver]
    log_path = new_log_file(solver)
    guard = None if options.time_limit is None else started + float(options.time_limit) * GUARD_FACTOR + GUARD_MARGIN
    stream = _Stream(form)
    request = {"solver": solver, "form": form, "options": dataclasses.replace(options, verbose=False), "started": started,
               "log_path": log_path}
    facts: dict[str, Any] = {"worker": True, "time_limit": options.time_limit}
    try:
        reply, failure = run_in_worker(request, guard, stream.hear, facts)
    finally:
        log = read_log(log_path, remove=True)
    if failure == "timeout":
        result = _stopped(form, options, stream, time.monotonic() - started, solver)
    elif failure is not None:
        result = Result(Status.ERROR, solver=solver, names=form.names, solve_time=time.monotonic() - started,
                        raw_status="worker died", message=f"{name} failed: {failure}")
    else:
        assert reply is not None
        if "raise" in reply:
            raise reply["raise"]
        if "error" in reply:
            result = Result(Status.ERROR, solver=solver, names=form.names, solve_time=time.monotonic() - started,
                            raw_status="worker error", message=f"{name} worker error: {reply['error']}")
        else:
            result = reply["result"]
            result.names = form.names
            result.solve_time = time.monotonic() - started
            facts["worker_seconds"] = reply["worker_seconds"]
    result.log = result.log or log
    facts.update(killed=result.raw_status == KILLED, after_seconds=time.monotonic() - started)
    result.extra["wall_clock_guard"] = facts
    if options.verbose:
        print(result.log)
    return result


def run_in_worker(request: dict[str, Any], guard: float | None, hear: Any, facts: dict[str, Any],
                  prefer: int | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """Send ``request`` to a pooled worker (the one with pid ``prefer`` when it is idle) and wait for its reply
    until ``guard`` (``time.monotonic()``), passing events to ``hear``.

    Returns ``(reply, None)``, or ``(None, "timeout")`` when the worker was killed at the guard, or
    ``(None, how it died)``. ``facts`` gets ``fresh_worker`` and ``pid``.
    """
    worker = _POOL.acquire(prefer)
    facts["fresh_worker"] = worker.served == 0
    facts["pid"] = worker.pid
    try:
        reply = worker.exchange(request, guard, hear)
    except WorkerTimeout:
        _POOL.discard(worker)
        return None, "timeout"
    except WorkerDied as error:
        _POOL.discard(worker)
        return None, str(error)
    except BaseException:
        _POOL.discard(worker, replace=False)
        raise
    _POOL.release(worker)
    return reply, None


KILLED = "stopped by ormodel's wall-clock guard"
"""The ``raw_status`` of a solve whose worker the guard killed."""
_NAMES = {"highs": "HiGHS", "scip": "SCIP"}


def killed_message(solver_name: str, elapsed: float, time_limit: float, has_incumbent: bool) -> str:
    """The ``message`` of a solve whose worker the guard killed."""
    return (f"{KILLED}: {solver_name} did not return within {elapsed:.2f} s of its {time_limit:.3g} s time limit, so its worker "
            "process was killed" + ("; the best incumbent it had reported is returned" if has_incumbent else "; it had reported no solution"))


def _stopped(form: StandardForm, options: SolveOptions, stream: _Stream, elapsed: float, solver: str) -> Result:
    """The Result of a worker killed at the guard: TIME_LIMIT with what it streamed."""
    assert options.time_limit is not None
    message = killed_message(_NAMES[solver], elapsed, options.time_limit, stream.values is not None)
    result = Result(Status.TIME_LIMIT, solver=solver, solve_time=elapsed, raw_status=KILLED, names=form.names, message=message)
    result.limit = Limit.TIME
    if stream.values is not None:
        result.values = stream.values
        result.objective = form.objective_value(stream.values)
    if form.is_mip:
        infinite = -math.inf if form.sense == Sense.MINIMIZE else math.inf
        result.bound = stream.bound if not math.isnan(stream.bound) else infinite
        result.nodes = stream.nodes if stream.nodes is not None else 0
        result.extra["trace"] = stream.points
    return result


def _handle(request: dict[str, Any], emit: Any) -> dict[str, Any]:
    """Solve one request in the worker, streaming incumbents and bounds through ``emit``."""
    if "instance" in request:
        from ormodel.solvers.guarded_instance import serve_instance

        return serve_instance(request, emit)
    if request["solver"] == "scip":
        from ormodel.solvers.scip import solve_form
    else:
        from ormodel.solvers.highs import solve_form

    received = time.monotonic()
    form: StandardForm = request["form"]
    result = solve_form(form, request["options"], request["started"], log_path=request["log_path"],
                        on_incumbent=lambda seconds, values: emit(("incumbent", seconds, np.array(values))),
                        on_bound=lambda bound, nodes: emit(("bound", bound, nodes)))
    result.names = NameMap()  # the parent has them
    return {"result": result, "worker_seconds": time.monotonic() - received}


def _main() -> None:
    from ormodel.solvers.guard import _handle as handle  # the importable module, not __main__
    from ormodel.solvers.native import import_highspy
    from ormodel.solvers.worker_process import serve

    import_highspy()  # while the worker waits for its first request, not during it (SCIP is loaded on demand)
    serve(handle)


if __name__ == "__main__":
    _main()
