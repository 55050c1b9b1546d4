"""Ipopt, a local interior-point solver, through the build that CasADi's wheel bundles (``pip install 'ormodel[ipopt]'``).

Ipopt takes the continuous problems of a :class:`~ormodel.standard_form.StandardForm` (LPs and
QPs, convex or not) and stops at a point that satisfies the first-order (KKT) conditions. That
proves a *local* optimum only, so a successful solve is ``Status.LOCALLY_OPTIMAL`` (termination
``LOCALLY_OPTIMAL``, primal status ``feasible_point``), never ``OPTIMAL``, the way
MathOptInterface's Ipopt wrapper reports ``LOCALLY_SOLVED``. On a non-convex QP the point depends
on the start (``warm_start``); a global solver (``scip``) may find a better one.

Ipopt's own statuses map as follows (``result.raw_status`` keeps the original):

====================================  ==================================================
``Solve_Succeeded``                   ``LOCALLY_OPTIMAL``
``Solved_To_Acceptable_Level``        ``LOCALLY_OPTIMAL`` (the message says so)
``Infeasible_Problem_Detected``       ``INFEASIBLE`` (locally: the post-solve step diagnoses it)
``Diverging_Iterates``                ``INFEASIBLE_OR_UNBOUNDED`` (the post-solve step settles it)
``Maximum_Iterations_Exceeded``       ``OTHER_LIMIT`` (limit ``iteration``)
``Maximum_WallTime_Exceeded``         ``TIME_LIMIT`` (also CPU time)
``User_Requested_Stop``               ``OTHER_LIMIT`` (limit ``interrupt``)
anything else                         ``ERROR``
====================================  ==================================================

Options: ``time_limit`` (Ipopt's ``max_wall_time``), ``verbose`` (``print_level`` 5),
``warm_start`` (the start point) and raw Ipopt options in ``extra`` (e.g. ``{"tol": 1e-10,
"mu_strategy": "adaptive"}``). Integer variables are refused, not relaxed.

Example:
    >>> import ormodel as om  # doctest: +SKIP
    >>> om.solve("examples/diet.yaml", solver="ipopt").status  # doctest: +SKIP
    <Status.LOCALLY_OPTIMAL: 'locally_optimal'>
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
from ormodel.solvers.labels import column_labels
from ormodel.solvers.native import native_output_to_stderr

from ormodel.backends import Capability, SolveOptions, unknown_option
from ormodel.errors import OptionError, UnsupportedProblem
from ormodel.result import Limit, Result, Status
from ormodel.standard_form import Sense, StandardForm

__all__ = ["IPOPT_STATUS", "IpoptBackend"]

IPOPT_STATUS: dict[str, tuple[Status, Limit | None]] = {
    "Solve_Succeeded": (Status.LOCALLY_OPTIMAL, None),
    "Solved_To_Acceptable_Level": (Status.LOCALLY_OPTIMAL, None),
    "Feasible_Point_Found": (Status.LOCALLY_OPTIMAL, None),
    "Infeasible_Problem_Detected": (Status.INFEASIBLE, None),
    "Diverging_Iterates": (Status.INFEASIBLE_OR_UNBOUNDED, None),
    "Maximum_Iterations_Exceeded": (Status.OTHER_LIMIT, Limit.ITERATION),
    "Maximum_CpuTime_Exceeded": (Status.TIME_LIMIT, Limit.TIME),
    "Maximum_WallTime_Exceeded": (Status.TIME_LIMIT, Limit.TIME),
    "User_Requested_Stop": (Status.OTHER_LIMIT, Limit.INTERRUPT),
}
"""Ipopt's return status → ormodel's status and, for limits, which limit."""

_WITH_POINT = {"Solve_Succeeded", "Solved_To_Acceptable_Level", "Feasible_Point_Found", "Maximum_Iterations_Exceeded",
               "Maximum_CpuTime_Exceeded", "Maximum_WallTime_Exceeded", "User_Requested_Stop"}

_COMMON_OPTIONS = (
    "tol", "max_iter", "max_wall_time", "max_cpu_time", "acceptable_tol", "acceptable_iter", "constr_viol_tol",
    "dual_inf_tol", "compl_inf_tol", "mu_strategy", "mu_init", "mu_oracle", "linear_solver", "print_level",
    "hessian_approximation", "nlp_scaling_method", "bound_push", "bound_frac", "bound_relax_factor",
    "honor_original_bounds", "warm_start_init_point", "fixed_variable_treatment", "derivative_test", "output_file",
    "max_soc", "watchdog_shortened_iter_trigger", "expect_infeasible_problem", "start_with_resto", "nlp_lower_bound_inf",
    "nlp_upper_bound_inf", "check_derivatives_for_naninf", "jac_c_constant", "jac_d_constant", "hessian_constant",
)
"""Ipopt options offered as suggestions when an option name is unknown (Ipopt itself checks every name)."""


def _casadi() -> Any:
    import casadi

    return casadi


class IpoptBackend:
    """Ipopt (CasADi's bundled build): continuous LPs and QPs, solved to a local optimum."""

    name = "ipopt"
    capabilities = frozenset({Capability.LP, Capability.QP, Capability.WARM_START})
    supported_options = frozenset({"time_limit", "verbose", "warm_start", "compute_conflict", "extra"})
    """SolveOptions fields Ipopt honours (no MIP gap, node or solution limit, threads or seed)."""

    def available(self) -> bool:
        """True when CasADi (which bundles Ipopt) is installed; checked without importing it."""
        import importlib.util

        return importlib.util.find_spec("casadi") is not None

    def unsupported_reason(self, model: Any) -> str | None:
        """Why Ipopt cannot take this model (integer variables, or not a matrix form), or ``None``."""
        if not isinstance(model, StandardForm):
            return "Ipopt takes a compiled matrix form (LP or QP)"
        if np.any(model.integrality):
            return "Ipopt solves continuous problems only; this model has integer variables (use highs or scip)"
        return None

    def solve(self, model: StandardForm | Any, options: SolveOptions | None = None) -> Result:
        """Solve to a local optimum; infeasible, diverging and limit-reached runs are results."""
        options = options or SolveOptions()
        if not isinstance(model, StandardForm):
            from ormodel.compiler import as_standard_form

            model = as_standard_form(model)
        reason = self.unsupported_reason(model)
        if reason is not None:
            raise UnsupportedProblem(reason, hint="use solver='highs' or solver='scip'")
        casadi = _casadi()
        started = time.monotonic()
        try:
            solver = casadi.nlpsol("ormodel_ipopt", "ipopt", _nlp(casadi, model), {
                "print_time": False, "error_on_fail": False, "ipopt": _ipopt_options(options),
            })
        except RuntimeError as error:  # CasADi checks every Ipopt option's name and type when it builds the solver
            raise _option_error(str(error), options) from None
        start = _start_point(model, options.warm_start)
        with native_output_to_stderr():
            solution = solver(x0=start, lbx=_bounds(model.column_lower), ubx=_bounds(model.column_upper),
                              lbg=_bounds(model.row_lower), ubg=_bounds(model.row_upper))
        elapsed = time.monotonic() - started
        stats = solver.stats()
        raw = str(stats.get("return_status", ""))
        return _result(model, raw, solution, stats, elapsed, self.name)


def _bounds(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _nlp(casadi: Any, form: StandardForm) -> dict[str, Any]:
    """The problem as CasADi expressions: ``min f(x)`` s.t. ``row_lower <= A x <= row_upper``."""
    columns = form.num_columns
    x = casadi.MX.sym("x", columns)
    matrix = form.matrix.tocsc()
    a_matrix = casadi.DM(casadi.Sparsity(form.num_rows, columns, matrix.indptr.tolist(), matrix.indices.tolist()), matrix.data.tolist())
    sign = -1.0 if form.sense == Sense.MAXIMIZE else 1.0
    objective = casadi.dot(casadi.DM(sign * np.asarray(form.objective, dtype=np.float64)), x)
    if form.is_quadratic:
        assert form.quadratic is not None
        quadratic = form.quadratic.tocsc()
        q_matrix = casadi.DM(casadi.Sparsity(columns, columns, quadratic.indptr.tolist(), quadratic.indices.tolist()),
                             (0.5 * sign * quadratic.data).tolist())
        objective = objective + casadi.dot(x, casadi.mtimes(q_matrix, x))
    return {"x": x, "f": objective, "g": casadi.mtimes(a_matrix, x)}


def _ipopt_options(options: SolveOptions) -> dict[str, Any]:
    settings: dict[str, Any] = {"print_level": 5 if options.verbose else 0, "sb": "yes"}
    if options.time_limit is not None:
        settings["max_wall_time"] = max(float(options.time_limit), 1e-3)
    settings.update(options.extra)
    return settings


def _option_error(message: str, options: SolveOptions) -> OptionError:
    """An unknown option name (naming the closest known ones), or a value of the wrong type."""
    unknown = re.search(r"No such IPOPT option: (\S+)", message)
    if unknown is not None:
        return unknown_option("Ipopt", unknown.group(1), _COMMON_OPTIONS)
    given = ", ".join(f"{name}={value!r}" for name, value in options.extra.items()) or "(no raw options)"
    detail = message.strip().splitlines()[-1] if message.strip() else "rejected"
    return OptionError(f"Ipopt rejected an option value among {given}: {detail}",
                       hint="numeric options take numbers (e.g. tol=1e-8), string options text (e.g. mu_strategy='adaptive')")


def _start_point(form: StandardForm, warm_start: Any) -> np.ndarray:
    """The warm start where given (by column or by label), elsewhere 0 moved into the bounds."""
    start = np.clip(np.zeros(form.num_columns), form.column_lower, form.column_upper)
    if warm_start is None:
        return start
    if isinstance(warm_start, dict):
        position = {label: column for column, label in enumerate(column_labels(form.names, form.num_columns))}
        for label, value in warm_start.items():
            if label in position:
                start[position[label]] = float(value)
        return start
    given = np.asarray(warm_start, dtype=np.float64)
    if given.shape != (form.num_columns,):
        raise OptionError(f"warm start has {given.size} values, the model {form.num_columns} columns")
    return np.where(np.isfinite(given), given, start)


def _result(form: StandardForm, raw: str, solution: Any, stats: dict[str, Any], elapsed: float, name: str) -> Result:
    status, limit = IPOPT_STATUS.get(raw, (Status.ERROR, None))
    result = Result(status, solver=name, solve_time=elapsed, raw_status=raw, names=form.names, limit=limit,
                    iterations=int(stats.get("iter_count", 0) or 0))
    if raw in _WITH_POINT:
        values = np.asarray(solution["x"], dtype=np.float64).ravel()
        if np.all(np.isfinite(values)):
            result.values = values
            result.objective = form.objective_value(values)
    if raw == "Solved_To_Acceptable_Level":
        result.message = "solved to Ipopt's acceptable (looser) tolerances"
    elif status == Status.INFEASIBLE:
        result.message = "Ipopt converged to a point of local infeasibility"
    elif status == Status.INFEASIBLE_OR_UNBOUNDED:
        result.message = "Ipopt's iterates diverged: the problem may be unbounded"
    elif status == Status.ERROR:
        result.message = f"Ipopt stopped with {raw or 'an unknown status'}"
    return result
