"""Two-stage robust capital budgeting (Subramanyam, Gounaris & Wiesemann 2020), the Neur2RO CB benchmark.

Invest in project ``i`` now (``x_i``) or later (``y_i``, at a fraction ``k`` of its revenue),
each at most once, under a budget; costs and revenues depend on ``xi in [-1, 1]^4``::

    max_x min_xi max_y  sum_i r_i(xi) (x_i + k y_i)
    s.t. sum_i c_i(xi) (x_i + y_i) <= B,   x_i + y_i <= 1
    c_i(xi) = (1 + Phi_i' xi / 2) c_bar_i,   r_i(xi) = (1 + Psi_i' xi / 2) r_bar_i

with ``c_bar ~ U(1, 10)``, ``r_bar = c_bar / 5``, ``B = sum c_bar / 2``, ``k = 0.8`` and the rows
``Phi_i``, ``Psi_i`` uniform on the unit simplex of dimension 4 (differences of sorted uniforms),
as in Neur2RO's ``ro/two_ro/cb.py``. The loans variant (rate ``l = 0.12``, later-loan factor
``m = 1.2``, ``max_loan = 1.5 sum c_bar - B``) is carried but off, as in all Neur2RO experiments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["PROJECT_COUNTS", "CapitalBudgetingInstance", "generate_capital_budgeting"]

PROJECT_COUNTS = (10, 20, 30, 40, 50)


@dataclass
class CapitalBudgetingInstance:
    """Data of one two-stage robust capital budgeting instance (paper symbols in brackets).

    Attributes:
        n_projects: number of projects (n).
        seed: generator seed.
        nominal_costs: c_bar.
        nominal_revenues: r_bar.
        budget: B.
        cost_loadings: Phi, shape (n, xi_dim), rows on the unit simplex.
        revenue_loadings: Psi, shape (n, xi_dim), rows on the unit simplex.
        late_fraction: k, share of revenue kept when investing in the second stage.
        xi_dim: dimension of the uncertainty box ``[-1, 1]^xi_dim``.
        loans, loan_rate, loan_multiplier, max_loan: the (unused) loans variant (l, m).
    """

    n_projects: int
    seed: int
    nominal_costs: np.ndarray
    nominal_revenues: np.ndarray
    budget: float
    cost_loadings: np.ndarray
    revenue_loadings: np.ndarray
    late_fraction: float = 0.8
    xi_dim: int = 4
    loans: bool = False
    loan_rate: float = 0.12
    loan_multiplier: float = 1.2
    max_loan: float = 0.0

    @property
    def name(self) -> str:
        """``CB_n<n>_s<seed>``."""
        return f"CB_n{self.n_projects}_s{self.seed}"

    def costs(self, xi: np.ndarray) -> np.ndarray:
        """Project costs under scenario(s) ``xi`` (shape ``(xi_dim,)`` or ``(scenarios, xi_dim)``)."""
        return (1.0 + np.asarray(xi) @ self.cost_loadings.T / 2.0) * self.nominal_costs

    def revenues(self, xi: np.ndarray) -> np.ndarray:
        """Project revenues under scenario(s) ``xi``."""
        return (1.0 + np.asarray(xi) @ self.revenue_loadings.T / 2.0) * self.nominal_revenues

    def as_neur2ro_dict(self) -> dict[str, Any]:
        """The instance under the key names of Neur2RO's ``ro/two_ro/cb.py``."""
        return {
            "n_items": self.n_projects,
            "k": self.late_fraction,
            "loans": int(self.loans),
            "l": self.loan_rate,
            "m": self.loan_multiplier,
            "xi_dim": self.xi_dim,
            "c_bar": self.nominal_costs,
            "r_bar": self.nominal_revenues,
            "budget": self.budget,
            "max_loan": self.max_loan,
            "phi": {project: row.tolist() for project, row in enumerate(self.cost_loadings)},
            "psi": {project: row.tolist() for project, row in enumerate(self.revenue_loadings)},
        }


def _simplex_rows(count: int, dimension: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` points uniform on the unit simplex: gaps between sorted uniforms on [0, 1]."""
    cuts = np.sort(rng.random((count, dimension - 1)), axis=1)
    padded = np.concatenate([np.zeros((count, 1)), cuts, np.ones((count, 1))], axis=1)
    return np.diff(padded, axis=1)


def generate_capital_budgeting(
    n_projects: int,
    seed: int,
    xi_dim: int = 4,
    late_fraction: float = 0.8,
    loans: bool = False,
) -> CapitalBudgetingInstance:
    """Sample one capital budgeting instance with ``n_projects`` projects."""
    if n_projects < 1:
        raise ValueError(f"capital budgeting: n_projects must be positive, got {n_projects}")
    if xi_dim < 1:
        raise ValueError(f"capital budgeting: xi_dim must be positive, got {xi_dim}")
    rng = np.random.default_rng(seed)
    nominal_costs = rng.uniform(1.0, 10.0, size=n_projects)
    budget = float(nominal_costs.sum()) / 2.0
    cost_loadings = _simplex_rows(n_projects, xi_dim, rng)
    revenue_loadings = _simplex_rows(n_projects, xi_dim, rng)
    return CapitalBudgetingInstance(
        n_projects=int(n_projects), seed=int(seed), nominal_costs=nominal_costs, nominal_revenues=nominal_costs / 5.0,
        budget=budget, cost_loadings=cost_loadings, revenue_loadings=revenue_loadings, late_fraction=float(late_fraction),
        xi_dim=int(xi_dim), loans=bool(loans), max_loan=float(nominal_costs.sum()) * 1.5 - budget,
    )
