"""The shared conformance suite: small models with known answers that every backend must pass.

In the spirit of MathOptInterface's ``MOI.Test``: each :class:`Case` builds a model, declares the
:class:`~ormodel.solvers.base.Capability` it needs and what a correct answer looks like (accepted
statuses, objective value, termination reason and limit, IIS families, ray variables, whether
the IIS or ray must be the backend's own, a warm start that must be used). :func:`run_case`
solves it on a backend through :func:`ormodel.solve` (the one pipeline every user goes through)
and checks the answer *with ormodel's own evaluation* (:func:`~ormodel.solvers.diagnosis.check_solution`),
not with the solver's claims. For optimal LPs on backends that declare
:attr:`~ormodel.solvers.base.Capability.DUALS`, the duals must form an optimality certificate
(stationarity and complementary slackness, also checked by ormodel). A backend that lacks a
capability, or rejects a model class by
:meth:`unsupported_reason` (an optional backend method), is skipped explicitly with the reason.

To add a backend: implement the protocol, register it, and add its name to
:data:`CONFORMANCE_BACKENDS`.

Example:
    >>> outcome = run_case("highs", case_by_name("lp_ranges"))
    >>> outcome.passed, outcome.failures
    (True, [])
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from ormodel.solvers.base import Backend, Capability, SolveOptions, get_backend

from ormodel.result import Limit, Result, Status
from ormodel.standard_form import StandardForm

__all__ = ["CASES", "CONFORMANCE_BACKENDS", "Case", "CaseOutcome", "case_by_name", "run_case", "run_suite", "skip_reason"]

CONFORMANCE_BACKENDS: list[str] = ["highs", "scip", "cpsat", "pyomo"]
"""Every backend the suite runs against; a new backend passes by being added here."""


@dataclass
class Case:
    """One model with a known answer.

    Attributes:
        name: identifier of the case.
        needs: the capability a backend must declare to run it.
        build: makes the model (a Problem or a StandardForm).
        statuses: accepted statuses (the first is the exact answer; others are acceptable
            weaker answers such as ``INFEASIBLE_OR_UNBOUNDED`` for an unbounded LP).
        objective: the known optimal objective (``None`` when not checked).
        tolerance: relative (and absolute, for values near 0) objective tolerance.
        options: solve options for this case.
        conflict_families: constraint families an IIS must contain (after :func:`diagnose`).
        conflict_excluded: constraint families an IIS must not contain.
        ray_variables: variable families a ray must involve (after :func:`diagnose`).
        max_wall_time: upper bound on the wall time of the solve (time-limit cases).
        verify: extra checks of a returned point (e.g. CP constraints, which the five elements
            do not express); returns failure messages.
        limits: accepted kinds of limit when the status is a limit (or ``FEASIBLE``).
        native: the IIS or ray must come from the backend itself (``source`` is its name), not
            from the post-solve diagnosis.
        also_needs: further capabilities the backend must declare (e.g. ``IIS`` for ``native``).
        objective_at_most: for a minimization, the objective must not exceed this (a warm start
            with this objective must have been used).
        feasibility: a feasibility model (no objective): the result must say so, with no objective value.
    """

    name: str
    needs: Capability
    build: Callable[[], Any]
    statuses: tuple[Status, ...]
    objective: float | None = None
    tolerance: float = 1e-6
    options: SolveOptions = field(default_factory=SolveOptions)
    conflict_families: frozenset[str] = frozenset()
    conflict_excluded: frozenset[str] = frozenset()
    ray_variables: frozenset[str] = frozenset()
    max_wall_time: float | None = None
    verify: Callable[[Any, Result], list[str]] | None = None
    limits: frozenset[Limit] = frozenset()
    native: bool = False
    also_needs: frozenset[Capability] = frozenset()
    objective_at_most: float | None = None
    feasibility: bool = False


@dataclass
class CaseOutcome:
    """What happened when a backend ran a case."""

    backend: str
    case: str
    passed: bool
    skipped: str | None = None
    failures: list[str] = field(default_factory=list)
    status: Status | None = None
    objective: float = math.nan
    seconds: float = 0.0


def _problem(document: dict[str, Any]) -> Any:
    from ormodel.io import problem_from_dict

    return problem_from_dict(document)


# ---- the problem bank ------------------------------------------------------------------------


def _transportation() -> Any:
    return _problem({
        "name": "transportation",
        "sets": {"plants": ["seattle", "san_diego"], "markets": ["new_york", "chicago", "topeka"]},
        "parameters": {
            "capacity": {"index": ["plants"], "values": {"seattle": 350, "san_diego": 600}},
            "demand": {"index": ["markets"], "values": {"new_york": 325, "chicago": 300, "topeka": 275}},
            "distance": {"index": ["plants", "markets"], "values": {
                "seattle": {"new_york": 2.5, "chicago": 1.7, "topeka": 1.8},
                "san_diego": {"new_york": 2.5, "chicago": 1.8, "topeka": 1.4}}},
        },
        "variables": {"ship": {"index": ["plants", "markets"]}},
        "objective": {"sense": "minimize", "expression": "sum(90 * distance[p,m] / 1000 * ship[p,m] for p in plants for m in markets)"},
        "constraints": [
            {"name": "supply", "for": "p in plants", "expression": "sum(ship[p,m] for m in markets) <= capacity[p]"},
            {"name": "meet_demand", "for": "m in markets", "expression": "sum(ship[p,m] for p in plants) >= demand[m]"},
        ],
    })


def _degenerate() -> Any:
    # Four constraints are tight at the optimum (1, 0) or (0, 1) of a two-variable LP.
    return _problem({
        "variables": {"x": {"upper": 1}, "y": {"upper": 1}},
        "objective": {"sense": "max", "expression": "x + y"},
        "constraints": [
            {"name": "total", "expression": "x + y <= 1"},
            {"name": "weighted", "expression": "x + 2 * y <= 2"},
            {"name": "other", "expression": "2 * x + y <= 2"},
            {"name": "redundant", "expression": "3 * x + 3 * y <= 3"},
        ],
    })


def _free_variables() -> Any:
    # min t with t >= |x - 2| - 1 written as two rows; x and t free: t* = -1 at x = 2.
    return _problem({
        "variables": {"x": {"lower": "-inf"}, "t": {"lower": "-inf"}},
        "objective": {"sense": "min", "expression": "t"},
        "constraints": [
            {"name": "right", "expression": "t >= x - 3"},
            {"name": "left", "expression": "t >= -x + 1"},
        ],
    })


def _ranges() -> StandardForm:
    # max x + 2y s.t. 1 <= x - y <= 3, 2 <= x + y <= 5, x, y >= 0: optimum 7 at (3, 2).
    return StandardForm.from_arrays(
        objective=np.array([1.0, 2.0]), matrix=sp.csr_array([[1.0, -1.0], [1.0, 1.0]]),
        row_lower=np.array([1.0, 2.0]), row_upper=np.array([3.0, 5.0]), sense="maximize", name="ranges",
    )


def _equality() -> Any:
    return _problem({
        "sets": {"I": ["a", "b", "c"]},
        "variables": {"x": {"index": ["I"]}},
        "objective": {"sense": "min", "expression": "sum(x[i] for i in I) + 10"},
        "constraints": [
            {"name": "first", "expression": "x['a'] + x['b'] == 3"},
            {"name": "second", "expression": "x['b'] + x['c'] == 4"},
        ],
    })


def _knapsack() -> Any:
    return _problem({
        "sets": {"items": [1, 2, 3, 4]},
        "parameters": {"value": {"index": ["items"], "values": [10, 13, 7, 8]},
                       "weight": {"index": ["items"], "values": [5, 6, 3, 4]}},
        "variables": {"take": {"index": ["items"], "type": "binary"}},
        "objective": {"sense": "max", "expression": "sum(value[i] * take[i] for i in items)"},
        "constraints": [{"name": "capacity", "expression": "sum(weight[i] * take[i] for i in items) <= 10"}],
    })


def _fractional_integer() -> Any:
    # 0.5x + 0.25y <= 2.1 with integers: 2x + y <= 8 after exact scaling; max x + y = 8.
    return _problem({
        "variables": {"x": {"type": "integer", "upper": 10}, "y": {"type": "integer", "upper": 10}},
        "objective": {"sense": "max", "expression": "x + y"},
        "constraints": [{"name": "budget", "expression": "0.5 * x + 0.25 * y <= 2.1"}],
    })


def _mixed_integer() -> Any:
    # Facility with a fixed cost: open (binary) enables production up to 10.
    return _problem({
        "variables": {"open": {"type": "binary"}, "make": {"upper": 10}, "buy": {}},
        "objective": {"sense": "min", "expression": "20 * open + 1 * make + 4 * buy"},
        "constraints": [
            {"name": "enable", "expression": "make <= 10 * open"},
            {"name": "demand", "expression": "make + buy >= 8"},
        ],
    })


def _infeasible_lp() -> Any:
    return _problem({
        "sets": {"I": [1, 2, 3], "J": ["a", "b"]},
        "parameters": {"cap": {"index": ["I"], "values": [5, 5, 5]}},
        "variables": {"x": {"index": ["I", "J"], "upper": 10}, "y": {"upper": 100}},
        "objective": {"sense": "min", "expression": "sum(x[i,j] for i in I for j in J) + y"},
        "constraints": [
            {"name": "cap", "for": "i in I", "expression": "sum(x[i,j] for j in J) <= cap[i]"},
            {"name": "need", "for": "j in J", "expression": "sum(x[i,j] for i in I) >= 9"},
            {"name": "loose", "expression": "y >= 1"},
        ],
    })


def _infeasible_integer() -> Any:
    # 2x + 2y == 3 has LP solutions but no integer ones.
    return _problem({
        "variables": {"x": {"type": "integer", "upper": 5}, "y": {"type": "integer", "upper": 5}, "z": {"type": "integer", "upper": 5}},
        "objective": {"sense": "min", "expression": "x + y + z"},
        "constraints": [
            {"name": "odd", "expression": "2 * x + 2 * y == 3"},
            {"name": "spare", "expression": "z >= 1"},
        ],
    })


def _unbounded(integer: bool) -> Callable[[], Any]:
    def build() -> Any:
        kind = "integer" if integer else "continuous"
        return _problem({
            "variables": {"x": {"type": kind}, "y": {"type": kind}, "fixed": {"type": kind, "upper": 3}},
            "objective": {"sense": "max", "expression": "x + y + fixed"},
            "constraints": [{"name": "gap", "expression": "x - y <= 1"}, {"name": "cap", "expression": "fixed <= 2"}],
        })
    return build


def _infeasible_and_dual_infeasible() -> StandardForm:
    # Primal infeasible (x - y >= 1 and y - x >= 1) and its dual infeasible too (free variables, c = (-1, -1)).
    return StandardForm.from_arrays(
        objective=np.array([-1.0, -1.0]), matrix=sp.csr_array([[1.0, -1.0], [-1.0, 1.0]]),
        row_lower=np.array([1.0, 1.0]), row_upper=np.array([np.inf, np.inf]),
        column_lower=np.array([-np.inf, -np.inf]), column_upper=np.array([np.inf, np.inf]), name="both_infeasible",
    )


def _convex_qp() -> Any:
    # min x^2 + y^2 - 4x - 6y s.t. x + y <= 2: optimum -8.5 at (0.5, 1.5).
    return _problem({
        "variables": {"x": {}, "y": {}},
        "objective": {"sense": "min", "expression": "x**2 + y**2 - 4 * x - 6 * y"},
        "constraints": [{"name": "budget", "expression": "x + y <= 2"}],
    })


def _miqp() -> Any:
    # min (x - 2.6)^2 + (y - 1)^2 with x integer: optimum 0.16 at (3, 1).
    return _problem({
        "variables": {"x": {"type": "integer", "upper": 10}, "y": {"upper": 10}},
        "objective": {"sense": "min", "expression": "x**2 - 5.2 * x + y**2 - 2 * y + 7.76"},
        "constraints": [{"name": "reach", "expression": "x + y >= 1"}],
    })


def _nonlinear() -> Any:
    # min sum(x^2 - log x) s.t. sum x >= 3, x_i * x_i <= 4: optimum 3 at x = (1, 1, 1).
    return _problem({
        "sets": {"I": [1, 2, 3]},
        "variables": {"x": {"index": ["I"], "lower": 0.1, "upper": 10}},
        "objective": {"sense": "min", "expression": "sum(x[i]**2 - log(x[i]) for i in I)"},
        "constraints": [
            {"name": "total", "expression": "sum(x[i] for i in I) >= 3"},
            {"name": "square", "for": "i in I", "expression": "x[i] * x[i] <= 4"},
        ],
    })


def _function_model(objective: str | None, constraints: list[str], sense: str = "min", lower: float = 0.0, upper: float = 10.0) -> Callable[[], Any]:
    """Two bounded variables ``x`` and ``y``, an objective (``None``: a feasibility model) and constraints."""
    def build() -> Any:
        document: dict[str, Any] = {"variables": {name: {"lower": lower, "upper": upper} for name in ("x", "y")},
                                    "constraints": [{"name": f"c{number}", "expression": text} for number, text in enumerate(constraints)]}
        if objective is not None:
            document["objective"] = {"sense": sense, "expression": objective}
        return _problem(document)
    return build


def _spread(highest: int) -> Callable[[], Any]:
    """Three integers in 1..highest, pairwise at least 2 apart, no objective: only (1, 3, 5) when highest is 5, none below."""
    def build() -> Any:
        return _problem({"sets": {"I": [1, 2, 3]}, "variables": {"x": {"index": "I", "type": "integer", "lower": 1, "upper": highest}},
                         "constraints": [{"name": "apart", "for": "i in I, j in I if i < j", "expression": "x[i] + 2 <= x[j]"},
                                         {"name": "spare", "expression": "x[1] >= 1"}]})
    return build


def _only_point(**expected: list[float]) -> Callable[[Any, Result], list[str]]:
    """A check that the returned point is the model's only feasible one."""
    def verify(model: Any, result: Result) -> list[str]:
        failures = []
        for name, values in expected.items():
            found = result.array(name).ravel().tolist()
            if not np.allclose(found, values, atol=1e-6):
                failures.append(f"{name} = {found}, the only feasible point has {values}")
        return failures
    return verify


def _market_split(rows: int = 4, columns: int = 40, seed: int = 7, planted: bool = False) -> StandardForm:
    """Cornuéjols-Dawande market split with integer slacks: always feasible, slow to prove optimal.

    ``planted``: the targets come from :func:`_planted_point`, so the optimum is 0 (slow to find without it).
    """
    generator = np.random.default_rng(seed)
    weights = generator.integers(0, 100, size=(rows, columns)).astype(np.float64)
    targets = weights @ _planted_point(columns, seed) if planted else np.floor(weights.sum(axis=1) / 2)
    # Columns: x (binary), then plus/minus slacks (integer, >= 0); rows: w x + s+ - s- == target.
    identity = sp.identity(rows, format="csr")
    matrix = sp.hstack([sp.csr_array(weights), identity, -identity], format="csr")
    objective = np.concatenate([np.zeros(columns), np.ones(2 * rows)])
    upper = np.concatenate([np.ones(columns), np.full(2 * rows, np.inf)])
    return StandardForm.from_arrays(objective=objective, matrix=matrix, row_lower=targets, row_upper=targets,
                                    column_upper=upper, integrality=np.ones(columns + 2 * rows, dtype=bool),
                                    name="planted_split" if planted else "market_split")


def _planted_market_split() -> StandardForm:
    return _market_split(5, 50, 11, planted=True)


def _planted_point(columns: int = 50, seed: int = 11) -> np.ndarray:
    return (np.random.default_rng([seed, 1]).random(columns) < 0.5).astype(np.float64)


def _planted_warm_start() -> SolveOptions:
    point = np.concatenate([_planted_point(), np.zeros(10)])
    return SolveOptions(warm_start=point, time_limit=2.0, threads=1, seed=0)


_DURATIONS = {"a": 3, "b": 1, "c": 2}


def _single_machine() -> Any:
    # Minimize total completion time on one machine: shortest job first gives 1 + 3 + 6 = 10.
    return _problem({
        "sets": {"jobs": list(_DURATIONS)},
        "parameters": {"duration": {"index": ["jobs"], "values": _DURATIONS}},
        "variables": {"start": {"index": ["jobs"], "type": "integer", "upper": 20}},
        "objective": {"sense": "min", "expression": "sum(start[j] + duration[j] for j in jobs)"},
    })


def _no_overlap_options() -> SolveOptions:
    from ormodel.solvers.cpsat import CpConstraints

    cp = CpConstraints().no_overlap([f"start[{job}]" for job in _DURATIONS], list(_DURATIONS.values()))
    return SolveOptions(threads=1, extra={"cp_constraints": cp})


def _intervals_disjoint(model: Any, result: Result) -> list[str]:
    assert result.values is not None
    spans = sorted((result.value(f"start[{job}]"), result.value(f"start[{job}]") + duration, job) for job, duration in _DURATIONS.items())
    return [f"jobs {first[2]} and {second[2]} overlap" for first, second in itertools.pairwise(spans) if first[1] > second[0] + 1e-9]


def _distinct_labels() -> Any:
    # Three integers in 0..5 that differ pairwise, smallest sum: 0 + 1 + 2 = 3.
    return _problem({
        "sets": {"I": [1, 2, 3]},
        "variables": {"label": {"index": ["I"], "type": "integer", "upper": 5}},
        "objective": {"sense": "min", "expression": "sum(label[i] for i in I)"},
        "constraints": [{"name": "first_is_largest", "expression": "label[1] >= label[2] + 1"}],
    })


def _all_different_options() -> SolveOptions:
    from ormodel.solvers.cpsat import CpConstraints

    return SolveOptions(threads=1, extra={"cp_constraints": CpConstraints().all_different("label")})


def _labels_differ(model: Any, result: Result) -> list[str]:
    assert result.values is not None
    values = [round(value) for value in result.array("label").tolist()]
    return [] if len(set(values)) == len(values) else [f"labels {values} are not all different"]


_UNBOUNDED = (Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED)
_INFEASIBLE = (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED)

CASES: list[Case] = [
    Case("lp_transportation", Capability.LP, _transportation, (Status.OPTIMAL,), 153.675),
    Case("lp_degenerate", Capability.LP, _degenerate, (Status.OPTIMAL,), 1.0),
    Case("lp_free_variables", Capability.LP, _free_variables, (Status.OPTIMAL,), -1.0),
    Case("lp_ranges", Capability.LP, _ranges, (Status.OPTIMAL,), 7.0),
    Case("lp_equality_offset", Capability.LP, _equality, (Status.OPTIMAL,), 14.0),
    Case("lp_infeasible", Capability.LP, _infeasible_lp, _INFEASIBLE,
         conflict_families=frozenset({"cap", "need"}), conflict_excluded=frozenset({"loose"})),
    Case("lp_unbounded", Capability.LP, _unbounded(False), _UNBOUNDED, ray_variables=frozenset({"x", "y"})),
    Case("lp_infeasible_or_unbounded", Capability.LP, _infeasible_and_dual_infeasible, _INFEASIBLE),
    Case("milp_knapsack", Capability.MILP, _knapsack, (Status.OPTIMAL,), 21.0),
    Case("milp_fractional_coefficients", Capability.MILP, _fractional_integer, (Status.OPTIMAL,), 8.0),
    Case("milp_mixed", Capability.MILP, _mixed_integer, (Status.OPTIMAL,), 28.0),
    Case("milp_infeasible", Capability.MILP, _infeasible_integer, _INFEASIBLE,
         conflict_families=frozenset({"odd"}), conflict_excluded=frozenset({"spare"})),
    Case("milp_unbounded", Capability.MILP, _unbounded(True), _UNBOUNDED, ray_variables=frozenset({"x", "y"})),
    Case("milp_time_limited", Capability.MILP, _market_split, (Status.TIME_LIMIT, Status.OPTIMAL),
         options=SolveOptions(time_limit=1.0, threads=1), max_wall_time=1.0 * 1.05 + 1.0, limits=frozenset({Limit.TIME})),
    Case("milp_solution_limit", Capability.MILP, _market_split, (Status.FEASIBLE, Status.OTHER_LIMIT, Status.OPTIMAL),
         options=SolveOptions(solution_limit=1, threads=1, time_limit=20.0), limits=frozenset({Limit.SOLUTION})),
    Case("milp_node_limit", Capability.MILP, _market_split, (Status.OTHER_LIMIT, Status.FEASIBLE, Status.OPTIMAL),
         options=SolveOptions(node_limit=1, threads=1, time_limit=20.0), limits=frozenset({Limit.NODE})),
    Case("milp_warm_start_used", Capability.MILP, _planted_market_split, (Status.OPTIMAL, Status.TIME_LIMIT, Status.FEASIBLE),
         options=_planted_warm_start(), also_needs=frozenset({Capability.WARM_START}), objective_at_most=0.0),
    Case("lp_infeasible_native_iis", Capability.LP, _infeasible_lp, (Status.INFEASIBLE,), native=True,
         also_needs=frozenset({Capability.IIS}), conflict_families=frozenset({"cap", "need"}),
         conflict_excluded=frozenset({"loose"})),
    Case("lp_unbounded_native_ray", Capability.LP, _unbounded(False), (Status.UNBOUNDED,), native=True,
         also_needs=frozenset({Capability.RAY}), ray_variables=frozenset({"x", "y"}),
         options=SolveOptions(extra={"presolve": "off"})),
    Case("qp_convex", Capability.QP, _convex_qp, (Status.OPTIMAL,), -8.5, tolerance=1e-5),
    Case("miqp", Capability.MIQP, _miqp, (Status.OPTIMAL,), 0.16, tolerance=1e-5),
    Case("minlp_log", Capability.MINLP, _nonlinear, (Status.OPTIMAL,), 3.0, tolerance=1e-5),
    # One per nonlinear construct of the language (ormodel.nonlinearity), optima by calculus.
    Case("minlp_exp", Capability.MINLP, _function_model("exp(x) - 2 * x", []), (Status.OPTIMAL,), 2 - 2 * math.log(2), tolerance=1e-5),
    Case("minlp_cubic", Capability.MINLP, _function_model("x + y", ["x**3 + y**3 <= 16"], sense="max", upper=4), (Status.OPTIMAL,), 4.0,
         tolerance=1e-5),
    Case("minlp_fractional_power", Capability.MINLP, _function_model("x**0.5 + y**0.5", ["x + y <= 8"], sense="max"), (Status.OPTIMAL,), 4.0,
         tolerance=1e-5),
    Case("minlp_sqrt_log", Capability.MINLP, _function_model("-sqrt(x) - log(y)", ["x + y <= 3"], lower=0.1, upper=3), (Status.OPTIMAL,),
         -1 - math.log(2), tolerance=1e-5),
    Case("minlp_sin_cos", Capability.MINLP, _function_model("sin(x) + cos(y)", [], upper=6), (Status.OPTIMAL,), -2.0, tolerance=1e-5),
    Case("minlp_division", Capability.MINLP, _function_model("x + 4 / x", [], lower=0.5), (Status.OPTIMAL,), 4.0, tolerance=1e-5),
    Case("minlp_product", Capability.MINLP, _function_model("x + y", ["x * y >= 4"], lower=0.1), (Status.OPTIMAL,), 4.0, tolerance=1e-5),
    # Feasibility models: no objective; a feasible point is the answer (OPTIMAL, as MathOptInterface reports FEASIBILITY_SENSE).
    Case("lp_feasibility", Capability.LP, _function_model(None, ["x + y == 3", "x - y == 1"]), (Status.OPTIMAL,), feasibility=True,
         verify=_only_point(x=[2.0], y=[1.0])),
    Case("milp_feasibility", Capability.MILP, _spread(5), (Status.OPTIMAL,), feasibility=True, verify=_only_point(x=[1.0, 3.0, 5.0])),
    Case("milp_feasibility_infeasible", Capability.MILP, _spread(4), _INFEASIBLE, feasibility=True,
         conflict_families=frozenset({"apart"}), conflict_excluded=frozenset({"spare"})),
    Case("minlp_feasibility", Capability.MINLP, _function_model(None, ["x**2 + y**2 == 4", "y >= exp(x) - 1", "x >= 0.5"]),
         (Status.OPTIMAL,), feasibility=True),
    Case("cp_no_overlap", Capability.CP, _single_machine, (Status.OPTIMAL,), 10.0, options=_no_overlap_options(),
         verify=_intervals_disjoint),
    Case("cp_all_different", Capability.CP, _distinct_labels, (Status.OPTIMAL,), 3.0, options=_all_different_options(),
         verify=_labels_differ),
]


def case_by_name(name: str) -> Case:
    """The case called ``name``."""
    for case in CASES:
        if case.name == name:
            return case
    raise KeyError(f"no conformance case {name!r}; cases: {', '.join(case.name for case in CASES)}")


def skip_reason(backend: Backend, case: Case, model: Any) -> str | None:
    """Why ``backend`` does not run ``case`` (``None`` when it does)."""
    if case.needs not in backend.capabilities:
        return f"{backend.name} does not declare {case.needs.value}"
    missing = sorted(capability.value for capability in case.also_needs - backend.capabilities)
    if missing:
        return f"{backend.name} does not declare {', '.join(missing)}"
    supported = getattr(backend, "supported_options", None)
    if supported is not None:
        for name in ("node_limit", "solution_limit", "warm_start"):
            if getattr(case.options, name) is not None and name not in supported:
                return f"{backend.name} has no {name.replace('_', ' ')} option"
    probe = getattr(backend, "unsupported_reason", None)
    if probe is not None:
        reason = probe(model)
        if reason:
            return f"{backend.name}: {reason}"
    return None


def run_case(backend_or_name: Backend | str, case: Case) -> CaseOutcome:
    """Solve a case on a backend through :func:`ormodel.solve`; check status, limit, objective, feasibility, IIS and ray."""
    from ormodel.solve import solve

    backend = get_backend(backend_or_name) if isinstance(backend_or_name, str) else backend_or_name
    model = case.build()
    reason = skip_reason(backend, case, model)
    if reason is not None:
        return CaseOutcome(backend.name, case.name, passed=True, skipped=reason)
    started = time.perf_counter()
    result = solve(model, solver=backend, solve_options=case.options)
    seconds = time.perf_counter() - started
    failures: list[str] = []
    if result.status not in case.statuses:
        failures.append(f"status {result.status.value} ({result.raw_status}), expected one of {[status.value for status in case.statuses]}"
                        + (f"; message: {result.message}" if result.message else ""))
    if result.status.is_success or (result.status.is_limit and result.has_solution):
        failures += _check_point(model, result, case)
        if case.verify is not None and result.values is not None:
            failures += case.verify(model, result)
    if case.needs == Capability.LP and Capability.DUALS in backend.capabilities and result.status == Status.OPTIMAL:
        failures += _check_duals(model, result)
    if case.max_wall_time is not None and seconds > case.max_wall_time:
        failures.append(f"took {seconds:.1f} s, the limit allows {case.max_wall_time:.1f} s")
    termination = result.termination
    if case.limits and termination.limit is not None and termination.limit not in case.limits:
        failures.append(f"stopped by the {termination.limit.value} limit, expected {sorted(limit.value for limit in case.limits)}")
    if case.objective_at_most is not None and result.has_solution and result.objective > case.objective_at_most + 1e-6:
        failures.append(f"objective {result.objective} is worse than the warm start's {case.objective_at_most}: the warm start was not used")
    if case.feasibility and not (result.feasibility and math.isnan(result.objective)):
        failures.append(f"a feasibility model came back with feasibility={result.feasibility}, objective {result.objective}")
    if case.native:
        found = result.conflict if case.conflict_families else result.ray
        if found is None or found.source != backend.name:
            what = "IIS" if case.conflict_families else "ray"
            failures.append(f"the {what} came from {found.source if found else 'nobody'}, not from {backend.name} itself")
    if case.conflict_families:
        families = result.conflict.families() if result.conflict is not None else set()
        if not case.conflict_families <= families:
            failures.append(f"IIS families {sorted(families)} miss {sorted(case.conflict_families - families)}")
        if families & case.conflict_excluded:
            failures.append(f"IIS names {sorted(families & case.conflict_excluded)}, which are not needed for infeasibility")
    if case.ray_variables:
        involved = {label.split("[", 1)[0] for label in result.ray.components} if result.ray is not None else set()
        if not case.ray_variables <= involved:
            failures.append(f"ray involves {sorted(involved)}, expected {sorted(case.ray_variables)}")
    return CaseOutcome(backend.name, case.name, passed=not failures, failures=failures, status=result.status,
                       objective=result.objective, seconds=seconds)


def _check_point(model: Any, result: Result, case: Case) -> list[str]:
    from ormodel.solvers.diagnosis import check_solution

    failures = []
    if result.values is None:
        return [f"status {result.status.value} but no solution values"]
    check = check_solution(model, result, tolerance=1e-5)
    if not check.feasible:
        failures.append("returned point is not feasible: " + check.describe().replace("\n", "; "))
    if math.isfinite(result.objective) and abs(check.objective - result.objective) > 1e-5 * max(1.0, abs(check.objective)):
        failures.append(f"reported objective {result.objective} differs from the recomputed {check.objective}")
    tolerance = case.tolerance * max(1.0, abs(case.objective or 0.0))
    if case.objective is not None and result.status == Status.OPTIMAL and abs(check.objective - case.objective) > tolerance:
        failures.append(f"objective {check.objective}, expected {case.objective}")
    return failures


def _check_duals(model: Any, result: Result, tolerance: float = 1e-6) -> list[str]:
    """LP optimality certificate: stationarity ``c = A'y + z`` and complementary slackness with the right signs.

    With the point's feasibility (checked separately) this proves the point optimal, whatever
    the solver says. Sign convention: for minimization a positive dual belongs to a row or
    column at its lower bound and a negative one to its upper bound (reversed for maximization).
    """
    from ormodel.compiler import as_standard_form

    form = as_standard_form(model)
    if result.row_duals is None or result.reduced_costs is None or result.values is None:
        return ["the backend declares duals but returned none for an optimal LP"]
    row_duals, reduced_costs = np.asarray(result.row_duals), np.asarray(result.reduced_costs)
    scale = max(1.0, float(np.abs(form.objective).max(initial=0.0)))
    residual = float(np.abs(form.objective - form.matrix.T @ row_duals - reduced_costs).max(initial=0.0))
    failures = []
    if residual > tolerance * scale:
        failures.append(f"duals violate stationarity c = A'y + z by {residual:.3g}")
    direction = 1.0 if form.sense.value == "minimize" else -1.0
    activity = form.matrix @ result.values
    for kind, duals, values, lower, upper, labels in (
        ("row", row_duals, activity, form.row_lower, form.row_upper, form.names.row_label),
        ("column", reduced_costs, result.values, form.column_lower, form.column_upper, form.names.column_label),
    ):
        for index in np.flatnonzero(np.abs(duals) > tolerance * scale):
            signed = direction * duals[index]
            bound = lower[index] if signed > 0 else upper[index]
            if not (math.isfinite(bound) and abs(values[index] - bound) <= tolerance * max(1.0, abs(bound))):
                side = "lower" if signed > 0 else "upper"
                failures.append(f"{kind} {labels(int(index))} has dual {duals[index]:.6g} but is not at its {side} bound "
                                f"({values[index]:.6g} vs {bound:.6g})")
    return failures


def run_suite(backends: list[str] | None = None, cases: list[Case] | None = None) -> list[CaseOutcome]:
    """Every case on every installed backend of ``backends`` (default :data:`CONFORMANCE_BACKENDS`)."""
    outcomes: list[CaseOutcome] = []
    for name in backends or CONFORMANCE_BACKENDS:
        try:
            backend = get_backend(name)
        except ValueError as error:
            outcomes.extend(CaseOutcome(name, case.name, passed=True, skipped=str(error)) for case in cases or CASES)
            continue
        outcomes.extend(run_case(backend, case) for case in cases or CASES)
    return outcomes


if __name__ == "__main__":
    for outcome in run_suite():
        state = "skip" if outcome.skipped else ("pass" if outcome.passed else "FAIL")
        detail = outcome.skipped or "; ".join(outcome.failures)
        print(f"{outcome.backend:8s} {outcome.case:30s} {state:4s} {outcome.seconds:6.2f}s {detail}")
