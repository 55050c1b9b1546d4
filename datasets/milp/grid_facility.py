"""fac-N: the facility-location MILP of PyOptInterface's modeling benchmark (without its cone row).

Demand points lie on the ``(N+1) × (N+1)`` grid of the unit square; ``N`` facilities are placed
anywhere in it and every point is assigned to one of them; the objective is the largest
distance ``d`` (an L1-style bound through big-M rows)::

    min  d
    s.t. assign[i,j]:        sum_f z[i,j,f] = demand[i,j]            (1 without ``demand``)
         distance[i,j,f]:    s[i,j,f] = d + M (1 - z[i,j,f])         (M = 2 sqrt 2)
         offset_x[i,j,f]:    r[i,j,f,1] = i/N - y[f,1]
         offset_y[i,j,f]:    r[i,j,f,2] = j/N - y[f,2]

with ``y[F,2]`` in ``[0, 1]``, ``s >= 0``, ``z`` binary, ``r`` and ``d`` free: ``4·N·(N+1)² + 2N + 1``
columns, ``(N+1)² + 3·N·(N+1)²`` rows and ``8·N·(N+1)²`` non-zeros (fac-20: 71 k, fac-50: 1.04 M).
HiGHS's MIP presolve spends seconds on it without checking its time limit, which is why the
wall-clock guard's tests and ``benchmarks/time_limits.py`` use it; ``benchmarks/build.py``
compares modeling tools on it.

The model is fixed by ``size`` (no randomness). With ``demand=True`` the assignment rows read a
parameter ``demand[i,j]`` (1 everywhere), so that re-solve benchmarks can change it; with a
``seed`` as well, each point needs 2 facilities with probability ``doubled`` (drawn with
``numpy.random.default_rng(seed)``).

Example:
    >>> from ormodel.datasets.milp.grid_facility import grid_facility_location, grid_facility_size
    >>> form = grid_facility_location(3).compile()
    >>> (form.num_columns, form.num_rows, form.matrix.nnz) == grid_facility_size(3)
    True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["BIG_M", "grid_facility_location", "grid_facility_size"]

BIG_M = 2.0 * math.sqrt(2.0)
"""The big-M of the distance rows (the unit square's diagonal, twice)."""


def grid_facility_size(size: int) -> tuple[int, int, int]:
    """(columns, rows, non-zeros) of fac-``size``."""
    points = (size + 1) ** 2
    return 4 * size * points + 2 * size + 1, points + 3 * size * points, 8 * size * points


def grid_facility_location(size: int, demand: bool = False, seed: int | None = None, doubled: float = 0.1) -> Any:
    """fac-``size`` as an :class:`ormodel.Model` (not yet compiled; ``.problem`` is its Problem).

    Args:
        size: ``N``, the number of facilities and of grid intervals per axis (at least 1).
        demand: the assignment rows read a parameter ``demand[i,j]`` instead of the constant 1.
        seed: with ``demand``, draw which points need 2 facilities (each with probability ``doubled``);
            ``None``: 1 everywhere.
        doubled: the probability of a point needing 2 facilities when ``seed`` is given.
    """
    import ormodel as om

    if int(size) < 1:
        raise ValueError(f"fac-N needs size >= 1, got {size}")
    if seed is not None and not demand:
        raise ValueError("a seed draws the demand parameter: pass demand=True with it")
    model = om.Model(f"fac-{size}" if seed is None else f"fac-{size}-s{seed}")
    grid = model.set("G", range(size + 1))
    facilities = model.set("F", range(1, size + 1))
    axes = model.set("K", [1, 2])
    need: Any = 1
    if demand:
        values: Any = 1.0
        if seed is not None:
            rng = np.random.default_rng(seed)
            values = np.where(rng.random((size + 1, size + 1)) < doubled, 2.0, 1.0)
        need = model.parameter("demand", (grid, grid), values=values) if seed is not None else model.parameter("demand", (grid, grid), default=1.0)
    y = model.variable("y", (facilities, axes), lower=0, upper=1)
    s = model.variable("s", (grid, grid, facilities), lower=0)
    z = model.variable("z", (grid, grid, facilities), domain="binary")
    r = model.variable("r", (grid, grid, facilities, axes), lower=-math.inf)
    d = model.variable("d", lower=-math.inf)
    i, j = grid.indices("i", "j")
    f = facilities.index("f")
    model.minimize(d)
    model.constrain("assign", om.sum(z[i, j, f], over=f) == (need[i, j] if demand else 1), for_each=(i, j))
    model.constrain("distance", s[i, j, f] == d + BIG_M * (1 - z[i, j, f]), for_each=(i, j, f))
    model.constrain("offset_x", r[i, j, f, 1] == i / size - y[f, 1], for_each=(i, j, f))
    model.constrain("offset_y", r[i, j, f, 2] == j / size - y[f, 2], for_each=(i, j, f))
    return model
