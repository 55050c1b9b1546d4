"""The two-stage robust knapsack with repair (Arslan & Detienne 2022) on the robust problem interface.

Minimisation of minus profit: first stage ``x`` (select item, cost ``f - p_bar``), second stage
``keep <= x`` (cost ``p_hat xi - f``) and ``repair <= keep`` (cost ``-p_hat xi``) under the
capacity ``c'keep + t'repair <= C``; ``Xi = {xi in [0, 1]^n : sum xi <= Gamma}``. Only the
objective is uncertain. Data come from :func:`ormodel.datasets.robust.generate_knapsack`.

Example:
    >>> from ormodel.datasets.robust import generate_knapsack
    >>> problem = RobustKnapsack(generate_knapsack(10, seed=0))
    >>> problem.n_first, problem.n_second, problem.uncertainty.dimension
    (10, 20, 10)
"""

from __future__ import annotations

import numpy as np

from ormodel.datasets.robust import RobustKnapsackInstance
from ormodel.io import problem_from_dict
from ormodel.learned.neur2ro.problem import Recourse, TwoStageRobustProblem
from ormodel.learned.neur2ro.uncertainty import BudgetSet
from ormodel.problem import Problem

__all__ = ["RobustKnapsack"]


class RobustKnapsack(TwoStageRobustProblem):
    """Two-stage robust knapsack with repair; ``y = [keep (n), repair (n)]``."""

    kind = "knapsack"

    def __init__(self, instance: RobustKnapsackInstance) -> None:
        self.instance = instance
        count = instance.n_items
        arrays = [instance.weights, instance.profits, instance.degradations, instance.penalties, instance.repair_weights]
        for label, array in zip(("weights", "profits", "degradations", "penalties", "repair_weights"), arrays):
            if np.shape(array) != (count,):
                raise ValueError(f"robust knapsack {instance.name}: {label} has shape {np.shape(array)}, expected ({count},)")
            if not np.all(np.isfinite(array)):
                raise ValueError(f"robust knapsack {instance.name}: {label} has non-finite values")
        self.name = instance.name
        self.uncertainty = BudgetSet(count, instance.uncertainty_budget)
        self.first_stage_objective = np.asarray(instance.penalties - instance.profits, dtype=np.float64)
        self.second_stage_lower = np.zeros(2 * count)
        self.second_stage_upper = np.ones(2 * count)
        self.second_stage_integrality = np.ones(2 * count, dtype=bool)
        self.second_stage_blocks = (("keep", count), ("repair", count))
        identity = np.eye(count)
        zeros = np.zeros((count, count))
        self._matrix_x = np.vstack([-identity, zeros, np.zeros((1, count))])
        self._matrix_y = np.vstack([
            np.hstack([identity, zeros]),
            np.hstack([-identity, identity]),
            np.concatenate([instance.weights, instance.repair_weights])[None, :],
        ])
        self._upper = np.concatenate([np.zeros(2 * count), [instance.capacity]])

    def recourse(self, xi: np.ndarray) -> Recourse:
        xi = np.asarray(xi, dtype=np.float64)
        loss = self.instance.degradations * xi
        return Recourse(
            constant=0.0,
            objective_x=np.zeros(self.n_first),
            objective_y=np.concatenate([loss - self.instance.penalties, -loss]),
            matrix_x=self._matrix_x,
            matrix_y=self._matrix_y,
            upper=self._upper,
            uncertain_rows=np.zeros(self._upper.size, dtype=bool),
        )

    def objective_in_xi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        count = self.n_first
        keep, repair = np.asarray(y[:count], dtype=np.float64), np.asarray(y[count:], dtype=np.float64)
        return float(-self.instance.penalties @ keep), self.instance.degradations * (keep - repair)

    def item_features(self) -> np.ndarray:
        inst = self.instance
        capacity = np.full(inst.n_items, float(inst.capacity))
        return np.column_stack([inst.weights, inst.profits, inst.degradations, inst.penalties, inst.repair_weights, capacity])

    def xi_item_inputs_affine(self) -> tuple[np.ndarray, np.ndarray]:
        count = self.n_first
        constant = np.concatenate([np.zeros((count, 1)), self.item_features()], axis=1)
        jacobian = np.zeros((count, constant.shape[1], count))
        jacobian[np.arange(count), 0, np.arange(count)] = 1.0
        return constant, jacobian

    def second_stage_problem(self, x: np.ndarray, xi: np.ndarray) -> Problem:
        inst = self.instance
        listed = lambda array: [float(value) for value in np.asarray(array, dtype=np.float64)]  # noqa: E731
        document = {
            "name": f"{self.name}_second_stage",
            "description": "Keep and repair items after the profit degradations xi are revealed.",
            "sets": {"items": {"from": 0, "to": inst.n_items - 1}},
            "parameters": {
                "weight": {"index": ["items"], "values": listed(inst.weights)},
                "repair_weight": {"index": ["items"], "values": listed(inst.repair_weights)},
                "profit": {"index": ["items"], "values": listed(inst.profits)},
                "degradation": {"index": ["items"], "values": listed(inst.degradations)},
                "penalty": {"index": ["items"], "values": listed(inst.penalties)},
                "selected": {"index": ["items"], "values": listed(np.round(x))},
                "xi": {"index": ["items"], "values": listed(xi)},
                "capacity": float(inst.capacity),
            },
            "variables": {
                "keep": {"index": ["items"], "type": "binary"},
                "repair": {"index": ["items"], "type": "binary"},
            },
            "objective": {
                "sense": "minimize",
                "expression": (
                    "sum((penalty[i] - profit[i]) * selected[i] for i in items)"
                    " + sum((degradation[i] * xi[i] - penalty[i]) * keep[i] for i in items)"
                    " - sum(degradation[i] * xi[i] * repair[i] for i in items)"
                ),
            },
            "constraints": [
                {"name": "keep_selected", "for": "i in items", "expression": "keep[i] <= selected[i]"},
                {"name": "repair_kept", "for": "i in items", "expression": "repair[i] <= keep[i]"},
                {"name": "capacity", "expression": "sum(weight[i] * keep[i] + repair_weight[i] * repair[i] for i in items) <= capacity"},
            ],
        }
        return problem_from_dict(document)
