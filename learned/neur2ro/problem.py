"""The two-stage robust problem interface Neur2RO, CCG and the exact evaluation work on.

A :class:`TwoStageRobustProblem` is ``min_x c'x + max_{xi in Xi} Q(x, xi)`` with binary first-stage
decisions ``x`` (one per item of the instance), an :class:`~ormodel.learned.neur2ro.uncertainty.UncertaintySet`
``Xi`` and a second-stage (recourse) problem that is a MILP in ``y`` for fixed ``(x, xi)``::

    Q(x, xi) = min_y  constant(xi) + objective_x(xi)'x + objective_y(xi)'y
               s.t.   matrix_x(xi) x + matrix_y(xi) y <= upper(xi),  y in bounds, y integer where marked

All data is affine in ``xi`` (:class:`Recourse` at one scenario; :meth:`objective_in_xi` and
:meth:`uncertain_rows_in_xi` give the affine maps for fixed ``(x, y)``, which the exact adversary
needs). The set-based value network reads per-item inputs: ``[x_i, features_i]`` for the first
stage and an affine map of ``xi`` (:meth:`xi_item_inputs_affine`) for the scenario. Each concrete
class also writes its second stage as a five-element :class:`~ormodel.problem.Problem`
(:meth:`second_stage_problem`) for inspection and export.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ormodel.learned.neur2ro.uncertainty import UncertaintySet
from ormodel.problem import Problem

__all__ = ["Recourse", "TwoStageRobustProblem"]


@dataclass
class Recourse:
    """The second-stage MILP at one scenario (rows all in ``<=`` form).

    Attributes:
        constant: scenario-dependent constant of the objective.
        objective_x: scenario-dependent objective coefficients of ``x`` (beyond the first-stage ``c``).
        objective_y: objective coefficients of ``y``.
        matrix_x, matrix_y, upper: rows ``matrix_x x + matrix_y y <= upper``.
        uncertain_rows: mask of rows whose data depends on ``xi``.
    """

    constant: float
    objective_x: np.ndarray
    objective_y: np.ndarray
    matrix_x: np.ndarray
    matrix_y: np.ndarray
    upper: np.ndarray
    uncertain_rows: np.ndarray

    def value(self, x: np.ndarray, y: np.ndarray) -> float:
        """Second-stage objective at ``(x, y)`` (without the first-stage ``c'x``)."""
        return float(self.constant + self.objective_x @ x + self.objective_y @ y)

    def violation(self, x: np.ndarray, y: np.ndarray) -> float:
        """Largest row violation at ``(x, y)``."""
        if self.upper.size == 0:
            return 0.0
        return float(max(np.max(self.matrix_x @ x + self.matrix_y @ y - self.upper), 0.0))


class TwoStageRobustProblem(ABC):
    """``min_x c'x + max_{xi in Xi} Q(x, xi)`` with binary ``x``; see the module docstring."""

    #: short problem-class key, used to pick the network architecture and weights
    kind: str = ""
    name: str
    uncertainty: UncertaintySet
    first_stage_objective: np.ndarray
    second_stage_lower: np.ndarray
    second_stage_upper: np.ndarray
    second_stage_integrality: np.ndarray
    #: names of the y blocks in order, with their sizes (for readable results)
    second_stage_blocks: tuple[tuple[str, int], ...] = ()

    @property
    def n_first(self) -> int:
        """Number of first-stage decisions (= number of items)."""
        return int(self.first_stage_objective.size)

    @property
    def n_second(self) -> int:
        """Number of second-stage decisions."""
        return int(self.second_stage_lower.size)

    @abstractmethod
    def recourse(self, xi: np.ndarray) -> Recourse:
        """The second-stage MILP data at scenario ``xi``."""

    @abstractmethod
    def objective_in_xi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Second-stage objective at fixed ``(x, y)`` as ``constant + gradient' xi``."""

    def uncertain_rows_in_xi(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Violations of the uncertain rows at fixed ``(x, y)``: ``constant + gradient @ xi`` (feasible iff ``<= 0``)."""
        return np.zeros(0), np.zeros((0, self.uncertainty.dimension))

    def robust_rows(self, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First-stage rows ``matrix @ x <= upper`` that must hold at every scenario (evaluated at ``xi``)."""
        return np.zeros((0, self.n_first)), np.zeros(0)

    def robust_rows_in_xi(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Violations of the robust first-stage rows at fixed ``x`` as ``constant + gradient @ xi``."""
        return np.zeros(0), np.zeros((0, self.uncertainty.dimension))

    def robust_feasible(self, x: np.ndarray, tolerance: float = 1e-7) -> bool:
        """True when ``x`` satisfies the robust first-stage rows at every scenario."""
        constant, gradient = self.robust_rows_in_xi(np.asarray(x, dtype=np.float64))
        for row in range(constant.size):
            value, _ = self.uncertainty.maximize_linear(gradient[row])
            if constant[row] + value > tolerance * max(1.0, abs(constant[row])):
                return False
        return True

    @abstractmethod
    def item_features(self) -> np.ndarray:
        """Instance features per item, shape ``(n_items, F)``; the network's x input is ``[x_i, features_i]``."""

    @abstractmethod
    def xi_item_inputs_affine(self) -> tuple[np.ndarray, np.ndarray]:
        """The network's per-item scenario inputs as ``constant (n, G) + jacobian (n, G, dim) @ xi``."""

    def xi_item_inputs(self, xi: np.ndarray) -> np.ndarray:
        """Per-item scenario inputs at ``xi`` (shape ``(n, G)``; ``xi`` may be ``(S, dim)`` → ``(S, n, G)``)."""
        constant, jacobian = self.xi_item_inputs_affine()
        xi = np.asarray(xi, dtype=np.float64)
        return constant + np.einsum("igd,...d->...ig", jacobian, xi)

    def x_item_inputs(self, x: np.ndarray) -> np.ndarray:
        """Per-item first-stage inputs ``[x_i, features_i]`` (``x`` may be ``(S, n)`` → ``(S, n, 1+F)``)."""
        x = np.asarray(x, dtype=np.float64)
        features = self.item_features()
        features = np.broadcast_to(features, x.shape + features.shape[-1:])
        return np.concatenate([x[..., None], features], axis=-1)

    @abstractmethod
    def second_stage_problem(self, x: np.ndarray, xi: np.ndarray) -> Problem:
        """The second stage at ``(x, xi)`` as a five-element model whose objective includes ``c'x``."""

    def nominal_scenario(self) -> np.ndarray:
        """The scenario of the nominal (deterministic) problem."""
        return self.uncertainty.nominal()

    def initial_scenarios(self) -> list[np.ndarray]:
        """Scenarios the exact adversary evaluates first: the nominal one, plus the corners of a small box."""
        from itertools import product

        from ormodel.learned.neur2ro.uncertainty import BoxSet

        scenarios = [self.nominal_scenario()]
        if isinstance(self.uncertainty, BoxSet) and self.uncertainty.dimension <= 6:
            low, high = self.uncertainty.low, self.uncertainty.high
            scenarios.extend(np.array(corner, dtype=np.float64) for corner in product((low, high), repeat=self.uncertainty.dimension))
        return scenarios

    def value_bounds(self) -> tuple[float, float]:
        """Bounds on ``c'x + Q(x, xi)`` over all binary x, all ``xi`` in the bounding box and all ``y`` in bounds."""
        low_xi, high_xi = self.uncertainty.lower, self.uncertainty.upper
        corners = [self.recourse(low_xi), self.recourse(high_xi)]
        minimum, maximum = 0.0, 0.0
        for recourse in corners:
            x_coefficients = self.first_stage_objective + recourse.objective_x
            low = recourse.constant + np.minimum(x_coefficients, 0).sum()
            low += np.sum(np.minimum(recourse.objective_y * self.second_stage_lower, recourse.objective_y * self.second_stage_upper))
            high = recourse.constant + np.maximum(x_coefficients, 0).sum()
            high += np.sum(np.maximum(recourse.objective_y * self.second_stage_lower, recourse.objective_y * self.second_stage_upper))
            minimum, maximum = min(minimum, low), max(maximum, high)
        return float(minimum), float(maximum)
