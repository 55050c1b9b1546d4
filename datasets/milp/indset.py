"""Maximum independent set on Barabási–Albert graphs with clique inequalities (Gasse et al. 2019).

``max sum x`` with one row ``sum_{v in K} x[v] <= 1`` per clique ``K`` (size >= 2) of a greedy
clique partition, and ``x[u] + x[v] <= 1`` for every edge not inside one of those cliques.
"""

from __future__ import annotations

import numpy as np
from ormodel.datasets.milp._build import ColumnFamily, RowFamily, assemble
from ormodel.datasets.milp.graphs import greedy_clique_partition, random_graph

from ormodel.standard_form import Sense, StandardForm

__all__ = ["clique_rows", "independent_set"]


def clique_rows(node_count: int, edges: np.ndarray) -> tuple[RowFamily, RowFamily]:
    """Clique-partition rows ``clique[k]`` and the leftover edge rows ``edge[u,v]`` (``<= 1``)."""
    clique_of = greedy_clique_partition(node_count, edges)
    clique_sizes = np.bincount(clique_of)
    real_clique = clique_sizes >= 2
    clique_row = np.full(clique_sizes.shape[0], -1, dtype=np.int64)
    clique_row[real_clique] = np.arange(int(real_clique.sum()))
    in_clique = np.flatnonzero(real_clique[clique_of])
    cliques = RowFamily(
        "clique", int(real_clique.sum()), clique_row[clique_of[in_clique]], in_clique, np.ones(in_clique.shape[0]),
        upper=1.0,
    )
    leftover = edges[clique_of[edges[:, 0]] != clique_of[edges[:, 1]]]
    count = leftover.shape[0]
    pairs = RowFamily(
        "edge", count, np.repeat(np.arange(count, dtype=np.int64), 2), leftover.ravel(), np.ones(2 * count),
        upper=1.0, keys=leftover,
    )
    return cliques, pairs


def independent_set(
    rng: np.random.Generator,
    name: str,
    n_nodes: int = 500,
    affinity: int = 4,
    graph: str = "barabasi_albert",
    edge_probability: float = 0.05,
) -> StandardForm:
    """A maximum independent set instance on a random graph (BA by default, or ``erdos_renyi``)."""
    edges = random_graph(graph, n_nodes, affinity, edge_probability, rng, "independent set")
    cliques, pairs = clique_rows(n_nodes, edges)
    return assemble(name, Sense.MAXIMIZE, [ColumnFamily("x", np.ones(n_nodes))], [cliques, pairs])
