"""The outcome of a solve: why it stopped, the point it found, and what that point means.

Infeasible, unbounded and limit-reached solves are results, not exceptions. A result keeps the
:class:`~ormodel.standard_form.NameMap` of its model, so values and duals can be read by the
model's own names.

Example:
    >>> from ormodel import Status
    >>> Status.OPTIMAL.is_success
    True
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from ormodel.standard_form import NameMap

__all__ = ["Status", "TerminationReason", "Limit", "Termination", "PointStatus", "Conflict", "Ray", "Result"]


class Status(str, Enum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    LOCALLY_OPTIMAL = "locally_optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    OTHER_LIMIT = "other_limit"
    ERROR = "error"

    @property
    def is_success(self) -> bool:
        """Optimal (globally or locally), or a feasible point the solver vouches for (gap or solution limit)."""
        return self in (Status.OPTIMAL, Status.LOCALLY_OPTIMAL, Status.FEASIBLE)

    @property
    def is_limit(self) -> bool:
        """Stopped by a time, node, iteration or solution limit."""
        return self in (Status.TIME_LIMIT, Status.OTHER_LIMIT)


class TerminationReason(str, Enum):
    """Why the solver stopped, kept apart from what the returned point is (MathOpt's ``TerminationReason``)."""

    OPTIMAL = "optimal"
    LOCALLY_OPTIMAL = "locally_optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    LIMIT = "limit"
    ERROR = "error"


class Limit(str, Enum):
    """Which limit stopped the solver (with ``TerminationReason.LIMIT``)."""

    TIME = "time"
    NODE = "node"
    SOLUTION = "solution"
    ITERATION = "iteration"
    GAP = "gap"
    OBJECTIVE = "objective"
    MEMORY = "memory"
    INTERRUPT = "interrupt"
    OTHER = "other"


class PointStatus(str, Enum):
    """What a returned primal or dual vector is (MathOptInterface's ``ResultStatusCode``, abridged)."""

    FEASIBLE = "feasible_point"
    INFEASIBILITY_CERTIFICATE = "infeasibility_certificate"
    NO_SOLUTION = "no_solution"


@dataclass(frozen=True)
class Termination:
    """Why a solve ended: the reason, and for ``LIMIT`` which limit."""

    reason: TerminationReason
    limit: Limit | None = None

    def describe(self) -> str:
        """``limit (time)`` or ``optimal``."""
        return f"{self.reason.value} ({self.limit.value})" if self.limit is not None else self.reason.value


_REASON_OF_STATUS = {
    Status.OPTIMAL: TerminationReason.OPTIMAL,
    Status.LOCALLY_OPTIMAL: TerminationReason.LOCALLY_OPTIMAL,
    Status.FEASIBLE: TerminationReason.LIMIT,
    Status.INFEASIBLE: TerminationReason.INFEASIBLE,
    Status.UNBOUNDED: TerminationReason.UNBOUNDED,
    Status.INFEASIBLE_OR_UNBOUNDED: TerminationReason.INFEASIBLE_OR_UNBOUNDED,
    Status.TIME_LIMIT: TerminationReason.LIMIT,
    Status.OTHER_LIMIT: TerminationReason.LIMIT,
    Status.ERROR: TerminationReason.ERROR,
}


@dataclass
class Conflict:
    """An irreducible infeasible subset, in the model's own names.

    ``rows`` are constraint labels such as ``capacity[3]``; ``columns`` are variables whose
    bounds take part, such as ``x[a]``.
    """

    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    complete: bool = True
    source: str = ""
    """Who computed it: the backend's name for its own IIS finder, ``diagnose`` for the post-solve step."""

    def families(self) -> set[str]:
        """Constraint families (names without index) in the subset."""
        return {label.split("[", 1)[0] for label in self.rows}

    def describe(self) -> str:
        """A short human-readable summary."""
        parts = []
        if self.rows:
            parts.append("constraints " + ", ".join(self.rows))
        if self.columns:
            parts.append("bounds of " + ", ".join(self.columns))
        text = "; ".join(parts) or "no members reported"
        return text if self.complete else text + " (not proven irreducible)"


@dataclass
class Ray:
    """A direction of unbounded improvement, by variable label and component."""

    components: dict[str, float] = field(default_factory=dict)
    source: str = ""
    """Who computed it: the backend's name for its own ray, ``diagnose`` for the post-solve step."""

    def describe(self) -> str:
        """A short human-readable summary."""
        shown = sorted(self.components.items(), key=lambda item: -abs(item[1]))[:10]
        return ", ".join(f"{label} ({value:+g})" for label, value in shown) or "no components reported"


@dataclass
class Result:
    """What a solve returns; the same meaning whichever door (API, CLI, method, runner) it came through.

    ``status`` is the one-word summary kept for callers; :attr:`termination` (reason and limit),
    :attr:`primal_status` and :attr:`dual_status` say the same thing along separate axes, in the
    manner of MathOptInterface.

    Dual sign convention: ``row_duals`` ``y`` and ``reduced_costs`` ``z`` satisfy ``c = A'y + z`` at
    an optimal LP point, with ``c`` the objective as stated (not negated for maximization). For
    minimization a positive dual belongs to a row or column at its lower bound and a negative
    one to its upper bound; for maximization the signs are reversed. So ``y[i]`` is the change of
    the optimal objective per unit increase of the active bound of row ``i``.

    Attributes:
        status: why the solver stopped, in one word (see also :attr:`termination`).
        objective: objective of the returned point (``nan`` without one).
        bound: best proven bound (equals ``objective`` for solved LPs).
        values: primal values by column (``None`` without a point).
        row_duals, reduced_costs: LP duals where the backend defines them.
        solve_time: wall-clock seconds inside the backend.
        solver: backend name.
        log: the solver's log text, when captured.
        conflict: IIS for infeasible models, when computed.
        ray: unbounded direction, when computed.
        nodes: branch-and-bound nodes, when reported.
        iterations: simplex/barrier iterations, when reported.
        limit: which limit stopped the solver when ``status`` is a limit (or ``FEASIBLE`` at a gap
            or solution limit); ``None`` lets :attr:`termination` infer it (``TIME`` for ``TIME_LIMIT``).
        timings: wall seconds of each pipeline stage (``read``, ``compile``, ``solve``, ``post_solve``...).
        check: the re-evaluation of the returned point against the model (a
            ``SolutionCheck``), when ``solve(..., check=True)`` asked for it.
        feasibility: the model had no objective (a feasibility model): ``objective`` and ``bound``
            are ``nan`` and a returned feasible point makes the status ``OPTIMAL``, as
            MathOptInterface reports solves of ``FEASIBILITY_SENSE`` models.
        raw_status: the solver's own status text.
        message: anything the backend wants the user to know.
        names: the name map from columns/rows back to indexed variables and constraints.
        extra: method-specific facts under documented keys; the shared ones are
            ``"trace"`` (incumbent over time as ``[[seconds, objective], ...]``, read by the
            benchmark runner for primal integrals), ``"auto_choice"`` (which backend
            ``solver="auto"`` picked and why), ``"diagnosis"`` (infeasibility/unboundedness
            explanation) and ``"json"`` (extra fields for ``--json`` output).
    """

    status: Status
    objective: float = math.nan
    bound: float = math.nan
    values: np.ndarray | None = None
    row_duals: np.ndarray | None = None
    reduced_costs: np.ndarray | None = None
    solve_time: float = 0.0
    solver: str = ""
    log: str = ""
    conflict: Conflict | None = None
    ray: Ray | None = None
    nodes: int | None = None
    raw_status: str = ""
    message: str = ""
    names: NameMap = field(default_factory=NameMap, repr=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    iterations: int | None = None
    limit: Limit | None = None
    timings: dict[str, float] = field(default_factory=dict, repr=False)
    check: Any = field(default=None, repr=False)
    feasibility: bool = False

    @property
    def termination(self) -> Termination:
        """Why the solver stopped, with the kind of limit."""
        reason = _REASON_OF_STATUS[self.status]
        if reason != TerminationReason.LIMIT:
            return Termination(reason)
        if self.limit is not None:
            return Termination(reason, self.limit)
        return Termination(reason, Limit.TIME if self.status == Status.TIME_LIMIT else Limit.OTHER)

    @property
    def primal_status(self) -> PointStatus:
        """A feasible point, a certificate of unboundedness (the ray), or nothing."""
        if self.values is not None:
            return PointStatus.FEASIBLE
        if self.ray is not None:
            return PointStatus.INFEASIBILITY_CERTIFICATE
        return PointStatus.NO_SOLUTION

    @property
    def dual_status(self) -> PointStatus:
        """A dual point (LP duals) or nothing."""
        return PointStatus.FEASIBLE if self.row_duals is not None else PointStatus.NO_SOLUTION

    @property
    def has_solution(self) -> bool:
        """True when a primal point came back."""
        return self.values is not None

    @property
    def gap(self) -> float:
        """Relative gap ``|objective - bound| / max(|objective|, 1e-10)``; 0 when optimal (``nan`` for a feasibility model)."""
        if self.feasibility:
            return math.nan
        if self.status == Status.OPTIMAL and not math.isfinite(self.bound):
            return 0.0
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return math.inf
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-10)

    def answer_feasibility(self) -> "Result":
        """Mark this as the result of a feasibility model (no objective); returns ``self``.

        The objective, bound and gap become undefined (``nan``; ``null`` in JSON), and a solve
        that stopped at a gap, solution or time limit with a feasible point is ``OPTIMAL``: that
        point is all a feasibility model asks for.
        """
        self.feasibility = True
        self.objective = self.bound = math.nan
        if self.values is not None and self.status in (Status.FEASIBLE, Status.TIME_LIMIT, Status.OTHER_LIMIT):
            self.status, self.limit = Status.OPTIMAL, None
        return self

    def value(self, label: str) -> float:
        """Value of one indexed variable, e.g. ``result.value("x[a,2]")``."""
        if self.values is None:
            raise ValueError(f"no solution values (status {self.status.value})")
        column = self.names.column_index(label, len(self.values))
        if column is None:
            raise KeyError(f"no variable named {label!r}")
        return float(self.values[column])

    def variable(self, name: str) -> dict[tuple[Any, ...], float]:
        """Values of a variable family keyed by index tuple (``()`` for a scalar)."""
        if self.values is None:
            raise ValueError(f"no solution values (status {self.status.value})")
        block = self.names.variable_block(name)
        return {block.key(offset): float(self.values[block.start + offset]) for offset in range(block.size)}

    def array(self, name: str) -> np.ndarray:
        """Values of a dense variable family as an array shaped like its index sets."""
        if self.values is None:
            raise ValueError(f"no solution values (status {self.status.value})")
        block = self.names.variable_block(name)
        values = self.values[block.start : block.start + block.size]
        return values.reshape(block.shape) if block.key_columns is None and block.shape else values.copy()

    def _labels(self) -> list[str]:
        count = 0 if self.values is None else len(self.values)
        return self.names.column_labels(count)

    def values_by_name(self, nonzero_only: bool = False, tolerance: float = 1e-9) -> dict[str, float]:
        """All primal values keyed by indexed name."""
        if self.values is None:
            return {}
        count = len(self.values)
        columns = np.flatnonzero(np.abs(self.values) > tolerance) if nonzero_only else np.arange(count)
        labels = self.names.column_labels_at(columns, count)
        return dict(zip(labels, self.values[columns].tolist()))

    def duals_by_name(self) -> dict[str, float]:
        """Row duals keyed by constraint label (empty when not available)."""
        if self.row_duals is None:
            return {}
        return dict(zip(self.names.row_labels(len(self.row_duals)), map(float, self.row_duals)))

    def to_dict(self, include_zeros: bool = False) -> dict[str, Any]:
        """A JSON-ready summary."""
        def finite(number: float) -> float | None:
            return number if math.isfinite(number) else None

        termination = self.termination
        payload: dict[str, Any] = {
            "status": self.status.value,
            "termination": {"reason": termination.reason.value, "limit": termination.limit.value if termination.limit else None},
            "primal_status": self.primal_status.value,
            "dual_status": self.dual_status.value,
            "objective": finite(self.objective),
            "bound": finite(self.bound),
            "gap": finite(self.gap),
            "solve_time": self.solve_time,
            "solver": self.solver,
            "raw_status": self.raw_status,
            "values": self.values_by_name(nonzero_only=not include_zeros),
        }
        if self.feasibility:
            payload["sense"] = "feasibility"  # objective, bound and gap are null: there is no objective
        if self.nodes is not None:
            payload["nodes"] = self.nodes
        if self.iterations is not None:
            payload["iterations"] = self.iterations
        if self.timings:
            payload["timings"] = {stage: round(seconds, 6) for stage, seconds in self.timings.items()}
        if self.row_duals is not None:
            payload["duals"] = self.duals_by_name()
        if self.conflict is not None:
            payload["conflict"] = {"rows": self.conflict.rows, "columns": self.conflict.columns}
        if self.ray is not None:
            payload["ray"] = self.ray.components
        if self.check is not None and dataclasses.is_dataclass(self.check):
            payload["check"] = {**dataclasses.asdict(self.check), "feasible": bool(getattr(self.check, "feasible", False))}
        if self.message:
            payload["message"] = self.message
        payload.update(self.extra.get("json", {}))
        return payload

    def to_json(self, include_zeros: bool = False) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(include_zeros), indent=2)
