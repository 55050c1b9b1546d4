"""Two-stage robust capital budgeting (Subramanyam, Gounaris & Wiesemann 2020) on the robust problem interface.

Minimisation of minus revenue: invest now (``x``) or later (``y``, earning a fraction ``k``),
``x + y <= 1``, budget ``c(xi)'(x + y) <= B`` with ``c_i(xi) = (1 + Phi_i'xi/2) c_bar_i`` and
``r_i(xi) = (1 + Psi_i'xi/2) r_bar_i`` over the box ``xi in [-1, 1]^4``. Objective *and*
constraint uncertainty; ``x`` must satisfy ``c(xi)'x <= B`` for every scenario (a robust
first-stage row). Data come from :func:`ormodel.datasets.robust.generate_capital_budgeting`.

Example:
    >>> from ormodel.datasets.robust import generate_capital_budgeting
    >>> problem = RobustCapitalBudgeting(generate_capital_budgeting(10, seed=0))
    >>> problem.n_first, problem.n_second, problem.uncertainty.dimension
    (10, 10, 4)
"""

from __future__ import annotations

import numpy as np

from ormodel.datasets.robust import CapitalBudgetingInstance
from ormodel.io import problem_from_dict
from ormodel.learned.neur2ro.problem import Recourse, TwoStageRobustProblem
from ormodel.learned.neur2ro.uncertainty import BoxSet
from ormodel.problem import Problem

__all__ = ["RobustCapitalBudgeting"]


class RobustCapitalBudgeting(TwoStageRobustProblem):
    """Two-stage robust capital budgeting without loans; ``y`` = invest later."""

    kind = "capital_budgeting"

    def __init__(self, instance: CapitalBudgetingInstance) -> None:
        if instance.loans:
            raise ValueError(f"capital budgeting {instance.name}: the loans variant is not supported (Neur2RO runs without loans)")
        count = instance.n_projects
        for label, array, shape in (
            ("nominal_costs", instance.nominal_costs, (count,)),
            ("nominal_revenues", instance.nominal_revenues, (count,)),
            ("cost_loadings", instance.cost_loadings, (count, instance.xi_dim)),
            ("revenue_loadings", instance.revenue_loadings, (count, instance.xi_dim)),
        ):
            if np.shape(array) != shape:
                raise ValueError(f"capital budgeting {instance.name}: {label} has shape {np.shape(array)}, expected {shape}")
        self.instance = instance
        self.name = instance.name
        self.uncertainty = BoxSet(instance.xi_dim, -1.0, 1.0)
        self.first_stage_objective = np.zeros(count)
        self.second_stage_lower = np.zeros(count)
        self.second_stage_upper = np.ones(count)
        self.second_stage_integrality = np.ones(count, dtype=bool)
        self.second_stage_blocks = (("invest_later", count),)
        self._uncertain = np.zeros(count + 1, dtype=bool)
        self._uncertain[-1] = True

    def recourse(self, xi: np.ndarray) -> Recourse:
        inst = self.instance
        costs = inst.costs(np.asarray(xi, dtype=np.float64))
        revenues = inst.revenues(np.asarray(xi, dtype=np.float64))
        identity = np.eye(inst.n_projects)
        return Recourse(
            constant=0.0,
            objective_x=-revenues,
            objective_y=-inst.late_fraction * revenues,
            matrix_x=np.vstack([identity, costs[None, :]]),
            matrix_y=np.vstack([identity, costs[None, :]]),
            upper=np.concatenate([np.ones(inst.n_projects), [inst.budget]]),
            uncertain_rows=self._uncertain,
        )

    def objective_in_xi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        inst = self.instance
        weighted = inst.nominal_revenues * (np.asarray(x, dtype=np.float64) + inst.late_fraction * np.asarray(y, dtype=np.float64))
        return float(-weighted.sum()), -(weighted @ inst.revenue_loadings) / 2.0

    def uncertain_rows_in_xi(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inst = self.instance
        weighted = inst.nominal_costs * (np.asarray(x, dtype=np.float64) + np.asarray(y, dtype=np.float64))
        return np.array([weighted.sum() - inst.budget]), ((weighted @ inst.cost_loadings) / 2.0)[None, :]

    def robust_rows(self, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.instance.costs(np.asarray(xi, dtype=np.float64))[None, :], np.array([self.instance.budget])

    def robust_rows_in_xi(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inst = self.instance
        weighted = inst.nominal_costs * np.asarray(x, dtype=np.float64)
        return np.array([weighted.sum() - inst.budget]), ((weighted @ inst.cost_loadings) / 2.0)[None, :]

    def item_features(self) -> np.ndarray:
        return np.column_stack([self.instance.nominal_costs, self.instance.nominal_revenues])

    def xi_item_inputs_affine(self) -> tuple[np.ndarray, np.ndarray]:
        inst = self.instance
        count = inst.n_projects
        constant = np.column_stack([np.zeros(count), np.zeros(count), inst.nominal_costs, inst.nominal_revenues])
        jacobian = np.zeros((count, 4, inst.xi_dim))
        jacobian[:, 0, :] = inst.cost_loadings / 2.0
        jacobian[:, 1, :] = inst.revenue_loadings / 2.0
        return constant, jacobian

    def second_stage_problem(self, x: np.ndarray, xi: np.ndarray) -> Problem:
        inst = self.instance
        listed = lambda array: [float(value) for value in np.asarray(array, dtype=np.float64)]  # noqa: E731
        document = {
            "name": f"{self.name}_second_stage",
            "description": "Invest in the remaining projects after the cost and revenue factors xi are revealed.",
            "sets": {"projects": {"from": 0, "to": inst.n_projects - 1}},
            "parameters": {
                "cost": {"index": ["projects"], "values": listed(inst.costs(np.asarray(xi, dtype=np.float64)))},
                "revenue": {"index": ["projects"], "values": listed(inst.revenues(np.asarray(xi, dtype=np.float64)))},
                "invested_now": {"index": ["projects"], "values": listed(np.round(x))},
                "budget": float(inst.budget),
                "late_fraction": float(inst.late_fraction),
            },
            "variables": {"invest_later": {"index": ["projects"], "type": "binary"}},
            "objective": {
                "sense": "minimize",
                "expression": "-sum(revenue[i] * (invested_now[i] + late_fraction * invest_later[i]) for i in projects)",
            },
            "constraints": [
                {"name": "once", "for": "i in projects", "expression": "invested_now[i] + invest_later[i] <= 1"},
                {"name": "budget", "expression": "sum(cost[i] * (invested_now[i] + invest_later[i]) for i in projects) <= budget"},
            ],
        }
        return problem_from_dict(document)
