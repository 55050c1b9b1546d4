"""Generalized independent set (GISP), Colombi, Mansini & Savelsbergh (2017), Distributional MIPLIB style.

On a G(n, p) graph each edge is *removable* with probability ``alpha`` (set E2), otherwise
fixed (E1). Choosing node ``v`` earns ``node_weight``; keeping both ends of a removable edge
costs ``edge_cost`` through ``y[u,v]``::

    min  -node_weight * sum x[v] + edge_cost * sum_{E2} y[u,v]
    s.t. conflict[u,v]:   x[u] + x[v] <= 1            (u, v) in E1
         removable[u,v]:  x[u] + x[v] - y[u,v] <= 1   (u, v) in E2

(the sign convention of the Distributional MIPLIB generator: minimisation of the negated profit).
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.milp._build import ColumnFamily, RowFamily, assemble
from ormodel.datasets.milp.graphs import erdos_renyi

from ormodel.standard_form import Sense, StandardForm

__all__ = ["generalized_independent_set"]


def generalized_independent_set(
    rng: np.random.Generator,
    name: str,
    n_nodes: int = 75,
    edge_probability: float = 0.5,
    alpha: float = 0.75,
    node_weight: float = 100.0,
    edge_cost: float = 1.0,
) -> StandardForm:
    """A GISP instance on an Erdős–Rényi graph."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"GISP: alpha (share of removable edges) must lie in [0, 1], got {alpha}")
    edges = erdos_renyi(n_nodes, edge_probability, rng)
    removable = rng.random(edges.shape[0]) <= alpha
    fixed_edges, removable_edges = edges[~removable], edges[removable]
    fixed_count, removable_count = fixed_edges.shape[0], removable_edges.shape[0]
    conflict = RowFamily(
        "conflict", fixed_count, np.repeat(np.arange(fixed_count, dtype=np.int64), 2), fixed_edges.ravel(),
        np.ones(2 * fixed_count), upper=1.0, keys=fixed_edges,
    )
    edge_columns = n_nodes + np.arange(removable_count, dtype=np.int64)
    removable_rows = RowFamily(
        "removable",
        removable_count,
        np.concatenate([np.repeat(np.arange(removable_count, dtype=np.int64), 2), np.arange(removable_count)]),
        np.concatenate([removable_edges.ravel(), edge_columns]),
        np.concatenate([np.ones(2 * removable_count), -np.ones(removable_count)]),
        upper=1.0,
        keys=removable_edges,
    )
    return assemble(
        name,
        Sense.MINIMIZE,
        [
            ColumnFamily("x", np.full(n_nodes, -float(node_weight))),
            ColumnFamily("y", np.full(removable_count, float(edge_cost)), keys=removable_edges),
        ],
        [conflict, removable_rows],
    )
