"""Multiple knapsack, Fukunaga (2011) section 2.1 schemes, as generated for Balans / Distributional MIPLIB.

``x[i,k] = 1`` puts item ``i`` into knapsack ``k``::

    max  sum_{i,k} p[i] x[i,k]
    s.t. capacity[k]:  sum_i w[i] x[i,k] <= C[k]
         assign[i]:    sum_k x[i,k] <= 1

Weights are integers in ``[min_range, max_range)``; profits follow ``scheme`` (default
weakly correlated: ``p[i]`` integer in ``[max(w[i] - (max_range - min_range), 1), w[i] + (max_range - min_range))``).
Capacities ``C[k]`` for ``k < m`` are integers in ``[0.4 W/m, 0.6 W/m)`` with ``W = sum w``; the
last is ``0.5 W - sum C[k<m]``. When that last capacity would be smaller than the lightest
item the capacities are redrawn (the Balans generator leaves such draws as they are).
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.milp._build import ColumnFamily, RowFamily, assemble

from ormodel.standard_form import Sense, StandardForm

__all__ = ["SCHEMES", "multiple_knapsack"]

SCHEMES = ("uncorrelated", "weakly_correlated", "strongly_correlated", "subset_sum")


def _profits(weights: np.ndarray, scheme: str, min_range: int, max_range: int, rng: np.random.Generator) -> np.ndarray:
    spread = max_range - min_range
    if scheme == "uncorrelated":
        return np.asarray(rng.integers(min_range, max_range, size=weights.shape[0]), dtype=np.float64)
    if scheme == "weakly_correlated":
        return np.asarray(rng.integers(np.maximum(weights - spread, 1), weights + spread), dtype=np.float64)
    if scheme == "strongly_correlated":
        return np.asarray(weights + spread / 10.0, dtype=np.float64)
    if scheme == "subset_sum":
        return weights.astype(np.float64)
    raise ValueError(f"multiple knapsack: scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")


def multiple_knapsack(
    rng: np.random.Generator,
    name: str,
    n_items: int = 400,
    n_knapsacks: int = 40,
    min_range: int = 10,
    max_range: int = 20,
    scheme: str = "weakly_correlated",
) -> StandardForm:
    """A multiple knapsack instance with ``n_items`` items and ``n_knapsacks`` knapsacks."""
    weights = rng.integers(min_range, max_range, size=n_items)
    profits = _profits(weights, scheme, min_range, max_range, rng)
    total = float(weights.sum())
    capacities = np.zeros(n_knapsacks, dtype=np.int64)
    for _attempt in range(1000):
        capacities[:-1] = rng.integers(int(0.4 * total // n_knapsacks), int(0.6 * total // n_knapsacks), size=n_knapsacks - 1)
        capacities[-1] = int(0.5 * total - capacities[:-1].sum())
        if capacities[-1] >= weights.min():
            break
    else:
        raise ValueError(
            f"multiple knapsack: no capacities with a usable last knapsack for {n_items} items and {n_knapsacks} knapsacks; "
            "use fewer knapsacks"
        )
    columns = n_items * n_knapsacks
    column_index = np.arange(columns, dtype=np.int64).reshape(n_items, n_knapsacks)
    item_of = np.repeat(np.arange(n_items, dtype=np.int64), n_knapsacks)
    knapsack_of = np.tile(np.arange(n_knapsacks, dtype=np.int64), n_items)
    capacity_rows = RowFamily(
        "capacity", n_knapsacks, knapsack_of, column_index.ravel(), weights[item_of].astype(np.float64),
        upper=capacities.astype(np.float64),
    )
    assign_rows = RowFamily("assign", n_items, item_of, column_index.ravel(), np.ones(columns), upper=1.0)
    return assemble(
        name,
        Sense.MAXIMIZE,
        [ColumnFamily("x", np.repeat(profits, n_knapsacks), shape=(n_items, n_knapsacks))],
        [capacity_rows, assign_rows],
    )
