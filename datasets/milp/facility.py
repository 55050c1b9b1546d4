"""Capacitated facility location, Cornuéjols, Sridharan & Thizy (1991), as in Gasse et al. (2019).

Customers and facilities lie uniformly in the unit square. ``x[i,j]`` in ``[0, 1]`` is the
fraction of customer ``i``'s demand served by facility ``j``, ``open[j]`` binary opens it::

    min  sum transport[i,j] x[i,j] + sum fixed[j] open[j]
    s.t. demand[i]:          sum_j x[i,j] >= 1
         capacity[j]:        sum_i d[i] x[i,j] - s[j] open[j] <= 0
         total_capacity:     sum_j s[j] open[j] >= sum_i d[i]
         tightening[i,j]:    x[i,j] - open[j] <= 0

Demands are U{5..35}, capacities U{10..160} rescaled so that total capacity is ``ratio``
times total demand, fixed costs ``U{100..110} * sqrt(s) + U{0..90}`` (integers), and
transport costs ``10 * d[i] * distance(i, j)``.
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.milp._build import ColumnFamily, RowFamily, assemble

from ormodel.standard_form import Sense, StandardForm

__all__ = ["capacitated_facility_location"]


def capacitated_facility_location(
    rng: np.random.Generator,
    name: str,
    n_customers: int = 100,
    n_facilities: int = 100,
    ratio: float = 5.0,
) -> StandardForm:
    """A capacitated facility location instance (continuous assignment, binary opening)."""
    customer_x, customer_y = rng.random(n_customers), rng.random(n_customers)
    facility_x, facility_y = rng.random(n_facilities), rng.random(n_facilities)
    demands = rng.integers(5, 35 + 1, size=n_customers)
    capacities = rng.integers(10, 160 + 1, size=n_facilities)
    fixed_costs = (
        rng.integers(100, 110 + 1, size=n_facilities) * np.sqrt(capacities) + rng.integers(0, 90 + 1, size=n_facilities)
    ).astype(np.int64)
    total_demand = int(demands.sum())
    capacities = (capacities * ratio * total_demand / capacities.sum()).astype(np.int64)
    distances = np.hypot(customer_x[:, None] - facility_x[None, :], customer_y[:, None] - facility_y[None, :])
    transport = distances * 10.0 * demands[:, None]

    assignments = n_customers * n_facilities
    assign_index = np.arange(assignments, dtype=np.int64).reshape(n_customers, n_facilities)
    open_index = assignments + np.arange(n_facilities, dtype=np.int64)
    customer_of = np.repeat(np.arange(n_customers, dtype=np.int64), n_facilities)
    facility_of = np.tile(np.arange(n_facilities, dtype=np.int64), n_customers)

    demand_rows = RowFamily("demand", n_customers, customer_of, assign_index.ravel(), np.ones(assignments), lower=1.0)
    capacity_rows = RowFamily(
        "capacity",
        n_facilities,
        np.concatenate([facility_of, np.arange(n_facilities)]),
        np.concatenate([assign_index.ravel(), open_index]),
        np.concatenate([np.repeat(demands.astype(np.float64), n_facilities), -capacities.astype(np.float64)]),
        upper=0.0,
    )
    total_row = RowFamily(
        "total_capacity", 1, np.zeros(n_facilities, dtype=np.int64), open_index, capacities.astype(np.float64),
        lower=float(total_demand), shape=(),
    )
    tightening_rows = RowFamily(
        "tightening",
        assignments,
        np.concatenate([np.arange(assignments), np.arange(assignments)]),
        np.concatenate([assign_index.ravel(), open_index[facility_of]]),
        np.concatenate([np.ones(assignments), -np.ones(assignments)]),
        upper=0.0,
        shape=(n_customers, n_facilities),
    )
    return assemble(
        name,
        Sense.MINIMIZE,
        [
            ColumnFamily("x", transport.ravel(), upper=1.0, integer=False, shape=(n_customers, n_facilities)),
            ColumnFamily("open", fixed_costs.astype(np.float64)),
        ],
        [demand_rows, capacity_rows, total_row, tightening_rows],
    )
