"""Small MILPs for the Balans tests, built directly as standard forms (seeded, milliseconds to solve)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from ormodel.standard_form import StandardForm


def mixed_knapsack(seed: int = 0, items: int = 30, knapsacks: int = 4) -> StandardForm:
    """Maximise value over binary and general-integer items (0..3) in several knapsacks, plus one continuous column.

    Columns: ``items`` item columns (even: binary, odd: integer 0..3), then ``y`` in [0, 10]
    with ``y <= x_0 + x_1 + 2`` (so continuous columns take part in the rows).
    """
    rng = np.random.default_rng(seed)
    weights = rng.integers(5, 30, size=(knapsacks, items)).astype(float)
    capacity = weights.sum(axis=1) * 0.3
    values = weights.mean(axis=0) + rng.integers(0, 10, size=items)
    matrix = np.zeros((knapsacks + 1, items + 1))
    matrix[:knapsacks, :items] = weights
    matrix[knapsacks, items] = 1.0
    matrix[knapsacks, 0] = -1.0
    matrix[knapsacks, 1] = -1.0
    upper = np.where(np.arange(items) % 2 == 0, 1.0, 3.0)
    return StandardForm.from_arrays(
        objective=np.concatenate([values, [0.5]]),
        matrix=sp.csr_array(matrix),
        row_lower=np.full(knapsacks + 1, -np.inf),
        row_upper=np.concatenate([capacity, [2.0]]),
        column_lower=np.zeros(items + 1),
        column_upper=np.concatenate([upper, [10.0]]),
        integrality=np.concatenate([np.ones(items, dtype=bool), [False]]),
        sense="maximize",
        name=f"mixed-knapsack-s{seed}",
    )


def set_cover(seed: int = 0, rows: int = 60, columns: int = 40, density: float = 0.15) -> StandardForm:
    """Minimise the cost of binary columns covering every row at least once."""
    rng = np.random.default_rng(seed)
    dense = rng.random((rows, columns)) < density
    dense[np.arange(rows), rng.integers(0, columns, size=rows)] = True
    return StandardForm.from_arrays(
        objective=rng.integers(1, 20, size=columns).astype(float),
        matrix=sp.csr_array(dense.astype(float)),
        row_lower=np.ones(rows),
        row_upper=np.full(rows, np.inf),
        column_upper=np.ones(columns),
        integrality=np.ones(columns, dtype=bool),
        name=f"set-cover-s{seed}",
    )


@pytest.fixture
def knapsack_form() -> StandardForm:
    return mixed_knapsack()


@pytest.fixture
def cover_form() -> StandardForm:
    return set_cover()


@pytest.fixture(params=["highs", "scip"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param
