"""Two-stage robust optimisation instances of the Neur2RO benchmarks (``ormodel.datasets.robust``).

Plain data (dataclasses of numpy arrays) for the robust knapsack with repair and the robust
capital budgeting problem; the models are built elsewhere.

Example:
    >>> from ormodel.datasets.robust import generate_knapsack, generate_capital_budgeting
    >>> generate_knapsack(20, seed=0, correlation="UN").weights.shape
    (20,)
    >>> generate_capital_budgeting(10, seed=0).cost_loadings.shape
    (10, 4)
"""

from ormodel.datasets.robust.capital_budgeting import (
    PROJECT_COUNTS,
    CapitalBudgetingInstance,
    generate_capital_budgeting,
)
from ormodel.datasets.robust.knapsack import (
    BUDGET_FACTORS,
    CORRELATIONS,
    DELTAS,
    H_VALUES,
    ITEM_COUNTS,
    RobustKnapsackInstance,
    generate_knapsack,
    read_knapsack_instance,
)

__all__ = [
    "BUDGET_FACTORS",
    "CORRELATIONS",
    "DELTAS",
    "H_VALUES",
    "ITEM_COUNTS",
    "PROJECT_COUNTS",
    "CapitalBudgetingInstance",
    "RobustKnapsackInstance",
    "generate_capital_budgeting",
    "generate_knapsack",
    "read_knapsack_instance",
]
