"""Random graphs and the greedy clique partition used by the graph-based generators.

Edges are returned as an ``(E, 2)`` int64 array with ``u < v`` in each row, rows sorted, so
that the same seed always gives the same edge order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["barabasi_albert", "erdos_renyi", "greedy_clique_partition", "random_graph", "sorted_edges"]


def sorted_edges(edges: np.ndarray) -> np.ndarray:
    """Orient every edge as ``(small, large)``, drop duplicates and sort rows."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    oriented = np.sort(edges, axis=1)
    return np.unique(oriented, axis=0)


def barabasi_albert(node_count: int, affinity: int, rng: np.random.Generator) -> np.ndarray:
    """Barabási–Albert preferential attachment as in Gasse et al. (2019).

    Node ``affinity`` joins all earlier nodes (a star); every later node joins ``affinity``
    distinct earlier nodes drawn with probability proportional to their degree. Degree
    weights are realised by drawing uniformly from the list of edge endpoints.
    """
    if not 1 <= affinity < node_count:
        raise ValueError(f"Barabási–Albert needs 1 <= affinity < nodes, got affinity={affinity}, nodes={node_count}")
    edge_total = affinity * (node_count - affinity)
    sources = np.empty(edge_total, dtype=np.int64)
    targets = np.empty(edge_total, dtype=np.int64)
    endpoints = np.empty(2 * edge_total, dtype=np.int64)
    filled = 0
    star = np.arange(affinity, dtype=np.int64)
    sources[:affinity] = star
    targets[:affinity] = affinity
    endpoints[:affinity] = star
    endpoints[affinity : 2 * affinity] = affinity
    filled = affinity
    endpoint_count = 2 * affinity
    for new_node in range(affinity + 1, node_count):
        chosen: list[int] = []
        while len(chosen) < affinity:
            draws = endpoints[rng.integers(0, endpoint_count, size=affinity - len(chosen))]
            for candidate in draws.tolist():
                if candidate not in chosen:
                    chosen.append(candidate)
                    if len(chosen) == affinity:
                        break
        neighbours = np.asarray(chosen, dtype=np.int64)
        sources[filled : filled + affinity] = neighbours
        targets[filled : filled + affinity] = new_node
        endpoints[endpoint_count : endpoint_count + affinity] = neighbours
        endpoints[endpoint_count + affinity : endpoint_count + 2 * affinity] = new_node
        filled += affinity
        endpoint_count += 2 * affinity
    return sorted_edges(np.stack([sources, targets], axis=1))


def erdos_renyi(node_count: int, edge_probability: float, rng: np.random.Generator) -> np.ndarray:
    """G(n, p): every pair ``u < v`` is an edge independently with probability ``p``."""
    if not 0.0 <= edge_probability <= 1.0:
        raise ValueError(f"edge probability must lie in [0, 1], got {edge_probability}")
    upper_u, upper_v = np.triu_indices(node_count, k=1)
    keep = rng.random(upper_u.shape[0]) < edge_probability
    return np.stack([upper_u[keep], upper_v[keep]], axis=1).astype(np.int64)


def random_graph(graph: str, node_count: int, affinity: int, edge_probability: float, rng: np.random.Generator,
                 family: str) -> np.ndarray:
    """Edges of a ``barabasi_albert`` or ``erdos_renyi`` graph; ``family`` names the generator in the error."""
    if graph == "barabasi_albert":
        return barabasi_albert(node_count, affinity, rng)
    if graph == "erdos_renyi":
        return erdos_renyi(node_count, edge_probability, rng)
    raise ValueError(f"{family}: graph must be 'barabasi_albert' or 'erdos_renyi', got {graph!r}")


def greedy_clique_partition(node_count: int, edges: np.ndarray) -> np.ndarray:
    """Partition the nodes into cliques greedily (Gasse et al. 2019); returns a clique id per node.

    Nodes are taken by decreasing degree; each still-free node opens a clique and adds its
    free neighbours, densest first, when they are adjacent to every member so far.
    """
    degrees = np.bincount(edges.ravel(), minlength=node_count)
    neighbours: list[set[int]] = [set() for _ in range(node_count)]
    for u, v in edges.tolist():
        neighbours[u].add(v)
        neighbours[v].add(u)
    order = np.argsort(-degrees, kind="stable").tolist()
    clique_of = np.full(node_count, -1, dtype=np.int64)
    clique_count = 0
    for center in order:
        if clique_of[center] >= 0:
            continue
        clique_of[center] = clique_count
        members = [center]
        free = [node for node in neighbours[center] if clique_of[node] < 0]
        free.sort(key=lambda node: (-degrees[node], node))
        for candidate in free:
            adjacent = neighbours[candidate]
            if all(member in adjacent for member in members):
                members.append(candidate)
                clique_of[candidate] = clique_count
        clique_count += 1
    return clique_of
