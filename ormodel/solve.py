"""``ormodel.solve``: the one path from a model (Problem, StandardForm or file path) to a Result.

The Python API, ``ormodel solve`` (``--method`` included), the method registry, the benchmark
runner, the NL agent and the conformance suite all come through :func:`solve`, so a Result means
the same thing whichever door it came through::

    read ─► validate options ─► reductions chosen by the backend's capabilities (compile once)
         ─► backend.solve (given the time that is left) ─► invert the reductions
         ─► post-solve: the backend's own IIS where it has one, ``diagnose`` otherwise, the
            unbounded ray, and (``check=True``) the check of the returned point ─► Result

A time limit is wall-clock over the whole pipeline: reading and compiling count against it and
the backend gets what is left.

Example:
    >>> import ormodel as om
    >>> result = om.solve("examples/transportation.yaml", time_limit=10)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
import time
from typing import TYPE_CHECKING, Any

from ormodel.errors import OptionError, UnsupportedProblem
from ormodel.problem import Problem
from ormodel.result import Result, Status
from ormodel.standard_form import StandardForm

if TYPE_CHECKING:
    from ormodel.backends import Backend, SolveOptions

__all__ = ["solve", "post_solve", "make_options"]

logger = logging.getLogger(__name__)

DIAGNOSIS_GROUP = "ormodel.diagnosis"
"""Entry points of the post-solve step: ``diagnose`` (IIS, ray, infeasible-or-unbounded) and ``check_solution``."""

_NO_POINT = (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED)
_MINIMUM_DIAGNOSIS_SECONDS = 0.05


def make_options(solve_options: SolveOptions | None = None, **fields: Any) -> SolveOptions:
    """Validated :class:`~ormodel.backends.SolveOptions` from an object and/or its fields by keyword.

    An unknown keyword is an :class:`~ormodel.errors.OptionError` naming the closest field.
    """
    from ormodel.backends import SolveOptions

    names = [item.name for item in dataclasses.fields(SolveOptions)]
    for key in fields:
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            raise OptionError(f"unknown solve option {key!r}",
                              hint=f"did you mean {close[0]!r}?" if close else f"solve options are: {', '.join(names)}")
    options = dataclasses.replace(solve_options, **fields) if solve_options is not None else SolveOptions(**fields)
    return options.validate()


def solve(model: Problem | StandardForm | str | os.PathLike[str], solver: Any = "highs", method: str | None = None,
          params: dict[str, Any] | None = None, *, solve_options: SolveOptions | None = None, check: bool = False,
          started: float | None = None, **options: Any) -> Result:
    """Solve a model with a backend (``solver``) or a registered method (``method``).

    Args:
        model: a five-element Problem, a StandardForm, or a model file path.
        solver: a backend name (``highs``, ``scip``, ``cpsat``, ``pyomo[:name]``), ``"auto"`` (the
            first installed backend that supports the problem class, named in ``result.message``
            and ``result.extra["auto_choice"]``), or a backend object.
        method: a meta-solver or learned method from :mod:`ormodel.methods` (takes precedence).
        params: method parameters (backends take none).
        solve_options: a :class:`~ormodel.backends.SolveOptions`; keyword ``options`` override its fields.
        check: re-evaluate the returned point against the model (``result.check``).
        started: ``time.monotonic()`` at which the time limit's clock started (default: now).

    Raises:
        OptionError: an option out of range, or unknown to the backend.
        SolverNotAvailable: an unknown or uninstalled solver.
        ModelError: bad model input.
    """
    clock = time.monotonic() if started is None else started
    settings = make_options(solve_options, **options)
    deadline = clock + float(settings.time_limit) if settings.time_limit is not None else None
    if method is not None and not _is_backend_name(method):
        return _solve_with_method(model, method, settings, dict(params or {}), deadline, check)
    if params:
        raise OptionError(f"solver {method or solver!r} takes no method parameters (got {', '.join(sorted(params))}); "
                          "pass solver options instead")
    return _solve_with_backend(model, method or solver, settings, deadline, check)


def _is_backend_name(name: str) -> bool:
    from ormodel.backends import is_backend_name

    return is_backend_name(name) or name.lower() == "auto"


def _with_remaining_time(settings: SolveOptions, deadline: float | None) -> SolveOptions:
    if deadline is None:
        return settings
    from ormodel.backends import seconds_left

    return dataclasses.replace(settings, time_limit=seconds_left(deadline))


def _load(model: Any, timings: dict[str, float]) -> Any:
    if not isinstance(model, (str, os.PathLike)):
        return model
    from ormodel.methods import load_model_input

    started = time.perf_counter()
    loaded = load_model_input(model)
    timings["read"] = time.perf_counter() - started
    return loaded


def _solve_with_backend(model: Any, solver: Any, settings: SolveOptions, deadline: float | None, check: bool) -> Result:
    from ormodel.reductions import (
        CompileToStandardForm, Reduction, apply_chain, invert_chain, needs_expression_trees, reductions_for, special_reductions,
    )
    from ormodel.backends import capability_names, choose_backend_with_reason, get_backend

    timings: dict[str, float] = {}
    auto = isinstance(solver, str) and solver.lower() == "auto"
    backend: Backend | None = None if auto else (get_backend(solver) if isinstance(solver, str) else solver)
    loaded = _load(model, timings)
    nonlinear = isinstance(loaded, Problem) and needs_expression_trees(loaded)
    started = time.perf_counter()
    reason = ""
    if auto:
        # Compile first (once), then pick the backend by the compiled problem class.
        chain: list[Reduction] = [] if nonlinear or not isinstance(loaded, Problem) else [CompileToStandardForm(piecewise=settings.piecewise or "incremental")]
        reduced, inverses = apply_chain(chain, loaded)
        backend, reason = choose_backend_with_reason(reduced, options=settings)
        logger.info("%s", reason)
        if isinstance(reduced, StandardForm):
            declared = capability_names(backend.capabilities)
            reformulations = special_reductions(reduced.special_kinds(), declared)
            reduced, more = apply_chain(reformulations, reduced)
            chain, inverses = [*chain, *reformulations], [*inverses, *more]
    else:
        assert backend is not None
        if nonlinear and "MINLP" not in capability_names(backend.capabilities):
            from ormodel.nonlinearity import NONLINEAR_HINT, nonlinear_refusal

            raise UnsupportedProblem(nonlinear_refusal(backend.name, loaded) or f"{backend.name} solves no MINLP problems", hint=NONLINEAR_HINT)
        chain = reductions_for(loaded, backend.capabilities, nonlinear, settings.piecewise)
        reduced, inverses = apply_chain(chain, loaded)
    timings["compile"] = time.perf_counter() - started
    _check_supported(backend, reduced)
    _check_options_supported(backend, settings)
    started = time.perf_counter()
    result = backend.solve(reduced, _with_remaining_time(settings, deadline))
    timings["solve"] = time.perf_counter() - started
    result = invert_chain(chain, inverses, result)
    if _is_feasibility_model(reduced) or _is_feasibility_model(loaded):
        result.answer_feasibility()
        logger.debug("feasibility model: status %s", result.status.value)
    if auto:
        needed = "MINLP" if nonlinear else reduced.problem_class()
        result.extra["auto_choice"] = {"backend": backend.name, "problem_class": needed, "reason": reason}
        result.message = f"{reason}; {result.message}" if result.message else reason
    started = time.perf_counter()
    post_solve(loaded, reduced, result, settings, deadline, check)
    timings["post_solve"] = time.perf_counter() - started
    result.timings.update(timings)
    logger.info("%s: %s in %.3f s (%s)", backend.name, result.status.value, sum(timings.values()),
                ", ".join(f"{stage} {seconds:.3f} s" for stage, seconds in timings.items()))
    if result.message:
        logger.debug("%s: %s", backend.name, result.message)
    return result


def _is_feasibility_model(model: Any) -> bool:
    """True for a model without objective (a Problem with none, or a form compiled from one)."""
    if isinstance(model, Problem):
        return model.is_feasibility
    return isinstance(model, StandardForm) and model.feasibility


def _check_options_supported(backend: Backend, settings: SolveOptions) -> None:
    """Raise :class:`~ormodel.errors.OptionError` for a set option the backend would silently ignore."""
    supported = getattr(backend, "supported_options", None)
    if supported is None:
        return
    defaults = type(settings)()
    for item in dataclasses.fields(settings):
        if item.name == "piecewise":  # a compile option: the backend never sees it
            continue
        value = getattr(settings, item.name)
        default = getattr(defaults, item.name)
        is_set = value is not None and (value is not default if not isinstance(value, (bool, int, float, str)) else value != default)
        if item.name not in supported and is_set:
            raise OptionError(f"{backend.name} has no {item.name.replace('_', ' ')} option (got {value!r})",
                              hint=f"{backend.name} takes: {', '.join(sorted(supported))}")


def _check_supported(backend: Backend, model: Any) -> None:
    """Raise :class:`~ormodel.errors.UnsupportedProblem` when the backend cannot take this problem class."""
    from ormodel.backends import capability_names

    if isinstance(model, StandardForm):
        if model.has_indicators and not getattr(backend, "takes_form_indicators", False):
            raise UnsupportedProblem(f"{backend.name} cannot take this matrix form: its `when:` rows were compiled as indicator "
                                     "constraints without big-M (native_indicators=True), which it would apply unconditionally",
                                     hint="compile with native_indicators=False (big-M), or use solver='cpsat'")
        needed = model.problem_class()
        declared = capability_names(backend.capabilities)
        missing = sorted(model.special_kinds() - declared)
        if missing:
            raise UnsupportedProblem(f"{backend.name} cannot take this matrix form: it has {', '.join(missing)} constructs, which "
                                     f"{backend.name} does not declare", hint="solve through ormodel.solve, which reformulates them")
        if needed not in declared and not (needed == "QP" and "MIQP" in declared) and not (needed == "LP" and "MILP" in declared):
            raise UnsupportedProblem(f"{backend.name} does not solve {needed} problems",
                                     hint="use solver='auto' to pick an installed backend that does")
    probe = getattr(backend, "unsupported_reason", None)
    reason = probe(model) if probe is not None else None
    if reason:
        raise UnsupportedProblem(f"{backend.name} cannot solve this model: {reason}")


def _solve_with_method(model: Any, method: str, settings: SolveOptions, params: dict[str, Any], deadline: float | None,
                       check: bool) -> Result:
    from ormodel.methods import get_method

    function = get_method(method)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    result = function(model, _with_remaining_time(settings, deadline), params)
    timings["solve"] = time.perf_counter() - started
    if _is_feasibility_model(model):  # a model given in memory (a file is not read again for this)
        result.answer_feasibility()
    needs_model = check and result.values is not None or (
        result.status in _NO_POINT and settings.compute_conflict and result.conflict is None and result.ray is None)
    if needs_model:
        loaded = _loadable(model, timings)
        if loaded is not None:
            started = time.perf_counter()
            post_solve(loaded, None, result, settings, deadline, check)
            timings["post_solve"] = time.perf_counter() - started
    result.timings.update(timings)
    return result


def _loadable(model: Any, timings: dict[str, float]) -> Problem | StandardForm | None:
    """The model as a Problem or StandardForm when a method's input is one (or a file of one)."""
    if isinstance(model, (Problem, StandardForm)):
        return model
    if isinstance(model, (str, os.PathLike)):
        from ormodel.io import FIVE_ELEMENT_SUFFIXES, MARKDOWN_SUFFIXES, MATRIX_SUFFIXES

        if os.fspath(model).lower().endswith(tuple(FIVE_ELEMENT_SUFFIXES) + tuple(MATRIX_SUFFIXES) + tuple(MARKDOWN_SUFFIXES)):
            loaded = _load(model, timings)
            return loaded if isinstance(loaded, (Problem, StandardForm)) else None
    return None


def post_solve(model: Problem | StandardForm, reduced: Any, result: Result, settings: SolveOptions,
               deadline: float | None = None, check: bool = False) -> Result:
    """The step every solve ends with, whatever the backend or method.

    * no point (infeasible, unbounded, or undecided between the two): fill in the IIS (when the
      backend gave none: HiGHS on the LP/relaxation, SCIP's finder for MIPs and nonlinear models)
      or the unbounded ray, and settle infeasible-or-unbounded (the ``diagnose`` entry point of the ``ormodel.diagnosis`` group),
      within the time that is left;
    * ``check``: re-evaluate the returned point against the model (``result.check``).
    """
    from ormodel.plugins import load_entry_point

    diagnose = load_entry_point(DIAGNOSIS_GROUP, "diagnose")
    check_solution = load_entry_point(DIAGNOSIS_GROUP, "check_solution")

    if result.status in _NO_POINT and settings.compute_conflict and (result.conflict is None and result.ray is None
                                                                      or result.status == Status.INFEASIBLE_OR_UNBOUNDED):
        from ormodel.backends import seconds_left

        budget = seconds_left(deadline)
        if budget is not None and budget < _MINIMUM_DIAGNOSIS_SECONDS:
            note = "no IIS or ray: the time limit was spent"
            logger.warning("%s", note)
            result.message = f"{result.message}; {note}" if result.message else note
        else:
            target = reduced if isinstance(reduced, StandardForm) else model
            diagnose(target, result, time_limit=60.0 if budget is None else max(budget, _MINIMUM_DIAGNOSIS_SECONDS))
    if check and result.values is not None:
        result.check = check_solution(model, result)
    return result
