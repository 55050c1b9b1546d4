"""Minimum (weighted) vertex cover on Barabási–Albert graphs, as in Distributional MIPLIB and Balans.

``min sum w[v] x[v]  s.t.  x[u] + x[v] >= 1`` for every edge, ``x`` binary, node weights
``w ~ U(0, 1)`` (the generator of Song et al. 2020 used by Distributional MIPLIB and Balans).
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.milp._build import ColumnFamily, RowFamily, assemble
from ormodel.datasets.milp.graphs import random_graph

from ormodel.standard_form import Sense, StandardForm

__all__ = ["vertex_cover"]


def vertex_cover(
    rng: np.random.Generator,
    name: str,
    n_nodes: int = 500,
    affinity: int = 4,
    graph: str = "barabasi_albert",
    edge_probability: float = 0.05,
) -> StandardForm:
    """A weighted vertex cover instance on a random graph (BA by default, or ``erdos_renyi``)."""
    edges = random_graph(graph, n_nodes, affinity, edge_probability, rng, "vertex cover")
    weights = rng.random(n_nodes)
    count = edges.shape[0]
    cover = RowFamily(
        "cover", count, np.repeat(np.arange(count, dtype=np.int64), 2), edges.ravel(), np.ones(2 * count),
        lower=1.0, keys=edges,
    )
    return assemble(name, Sense.MINIMIZE, [ColumnFamily("x", weights)], [cover])
