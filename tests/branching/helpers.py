"""Shared helpers of the branching tests (no solver needed)."""

from __future__ import annotations

import numpy as np
from ormodel.learned.branching.observation import BipartiteObservation


def random_observation(random: np.random.Generator, constraints: int, variables: int, edges: int) -> BipartiteObservation:
    """A bipartite observation with random features and ``edges`` distinct (constraint, variable) edges."""
    pairs = random.choice(constraints * variables, size=edges, replace=False)
    return BipartiteObservation(
        constraint_features=random.normal(size=(constraints, 5)).astype(np.float32),
        edge_indices=np.stack([pairs // variables, pairs % variables]).astype(np.int64),
        edge_features=random.normal(size=(edges, 1)).astype(np.float32),
        variable_features=random.normal(size=(variables, 19)).astype(np.float32),
    )
