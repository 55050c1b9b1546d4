"""Uncertainty sets of two-stage robust problems: boxes and budgeted boxes.

Every set is a polytope given by a bounding box and (optionally) linear rows, so it enters
any MIP as plain columns and rows (:meth:`UncertaintySet.rows`), samples reproducibly from a
seed, and maximises a linear function in closed form.

Example:
    >>> import numpy as np
    >>> budget = BudgetSet(dimension=4, budget=1.5)
    >>> value, point = budget.maximize_linear(np.array([3.0, 1.0, 2.0, -1.0]))
    >>> float(value), point.tolist()
    (4.0, [1.0, 0.0, 0.5, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["UncertaintySet", "BoxSet", "BudgetSet"]


class UncertaintySet:
    """A polytope ``{xi : lower <= xi <= upper, row_lower <= rows @ xi <= row_upper}``."""

    dimension: int

    @property
    def lower(self) -> np.ndarray:
        """Lower corner of the bounding box."""
        raise NotImplementedError

    @property
    def upper(self) -> np.ndarray:
        """Upper corner of the bounding box."""
        raise NotImplementedError

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Linear rows beyond the box: ``(matrix (m, dimension), row_lower, row_upper)``."""
        return np.zeros((0, self.dimension)), np.zeros(0), np.zeros(0)

    def nominal(self) -> np.ndarray:
        """The nominal (no-deviation) scenario."""
        raise NotImplementedError

    def contains(self, xi: np.ndarray, tolerance: float = 1e-7) -> bool:
        """True when ``xi`` lies in the set up to ``tolerance``."""
        xi = np.asarray(xi, dtype=np.float64)
        if xi.shape != (self.dimension,):
            return False
        if np.any(xi < self.lower - tolerance) or np.any(xi > self.upper + tolerance):
            return False
        matrix, row_lower, row_upper = self.rows()
        activity = matrix @ xi
        return bool(np.all(activity >= row_lower - tolerance) and np.all(activity <= row_upper + tolerance))

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` scenarios drawn from ``rng``, shape ``(count, dimension)``."""
        raise NotImplementedError

    def maximize_linear(self, direction: np.ndarray) -> tuple[float, np.ndarray]:
        """``max direction' xi`` over the set: (value, maximiser)."""
        raise NotImplementedError

    def neighbours(self, xi: np.ndarray, rng: np.random.Generator, limit: int = 2000) -> np.ndarray:
        """Points of the set near ``xi`` (one move each), at most ``limit`` of them: the moves of a local search."""
        raise NotImplementedError


@dataclass(frozen=True)
class BoxSet(UncertaintySet):
    """The box ``[low, high]^dimension`` (capital budgeting: ``[-1, 1]^4``)."""

    dimension: int
    low: float = -1.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if self.dimension < 1:
            raise ValueError(f"BoxSet: dimension must be positive, got {self.dimension}")
        if not self.low <= self.high:
            raise ValueError(f"BoxSet: low ({self.low}) must not exceed high ({self.high})")

    @property
    def lower(self) -> np.ndarray:
        return np.full(self.dimension, float(self.low))

    @property
    def upper(self) -> np.ndarray:
        return np.full(self.dimension, float(self.high))

    def nominal(self) -> np.ndarray:
        return np.full(self.dimension, (self.low + self.high) / 2.0)

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size=(count, self.dimension))

    def maximize_linear(self, direction: np.ndarray) -> tuple[float, np.ndarray]:
        direction = np.asarray(direction, dtype=np.float64)
        point = np.where(direction > 0, self.high, self.low).astype(np.float64)
        return float(direction @ point), point

    def neighbours(self, xi: np.ndarray, rng: np.random.Generator, limit: int = 2000) -> np.ndarray:
        """``xi`` with one coordinate moved to the low end, the middle or the high end."""
        xi = np.asarray(xi, dtype=np.float64)
        points = []
        for coordinate in range(self.dimension):
            for value in (self.low, (self.low + self.high) / 2.0, self.high):
                if xi[coordinate] != value:
                    point = xi.copy()
                    point[coordinate] = value
                    points.append(point)
        points_array = np.asarray(points).reshape(-1, self.dimension)
        if len(points_array) > limit:
            points_array = points_array[rng.choice(len(points_array), limit, replace=False)]
        return points_array


@dataclass(frozen=True)
class BudgetSet(UncertaintySet):
    """The budgeted box ``{xi in [0, 1]^dimension : sum(xi) <= budget}`` (robust knapsack)."""

    dimension: int
    budget: float

    def __post_init__(self) -> None:
        if self.dimension < 1:
            raise ValueError(f"BudgetSet: dimension must be positive, got {self.dimension}")
        if self.budget < 0:
            raise ValueError(f"BudgetSet: the budget must be non-negative, got {self.budget}")

    @property
    def lower(self) -> np.ndarray:
        return np.zeros(self.dimension)

    @property
    def upper(self) -> np.ndarray:
        return np.ones(self.dimension)

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.ones((1, self.dimension)), np.array([-np.inf]), np.array([float(self.budget)])

    def nominal(self) -> np.ndarray:
        return np.zeros(self.dimension)

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Half spread samples (uniform rescaled to a random total), half concentrated ones.

        Spread: ``U(0,1)^n`` rescaled to a total drawn uniformly in ``(0, budget]`` (Neur2RO's
        sampler). Concentrated: a random subset of ``floor(total)`` coordinates at 1 and one at
        the fractional rest, which are the vertices the adversary tends to pick.
        """
        samples = np.zeros((count, self.dimension))
        budget = min(float(self.budget), float(self.dimension))
        for row in range(count):
            total = rng.uniform(0.0, budget) if budget > 0 else 0.0
            if row % 2 == 0:
                raw = rng.random(self.dimension)
                samples[row] = np.minimum(raw * (total / max(raw.sum(), 1e-12)), 1.0)
            else:
                order = rng.permutation(self.dimension)
                whole = int(np.floor(total))
                samples[row, order[:whole]] = 1.0
                if whole < self.dimension:
                    samples[row, order[whole]] = total - whole
        return samples

    def maximize_linear(self, direction: np.ndarray) -> tuple[float, np.ndarray]:
        direction = np.asarray(direction, dtype=np.float64)
        point = np.zeros(self.dimension)
        remaining = float(self.budget)
        for coordinate in np.argsort(-direction, kind="stable"):
            if direction[coordinate] <= 0 or remaining <= 0:
                break
            point[coordinate] = min(1.0, remaining)
            remaining -= point[coordinate]
        return float(direction @ point), point

    def neighbours(self, xi: np.ndarray, rng: np.random.Generator, limit: int = 2000) -> np.ndarray:
        """Swaps (a deviating coordinate's value moved to a non-deviating one) and, with budget left, one raised coordinate."""
        xi = np.clip(np.asarray(xi, dtype=np.float64), 0.0, 1.0)
        support = np.flatnonzero(xi > 0)
        outside = np.flatnonzero(xi < 1)
        pairs = [(i, j) for i in support for j in outside if i != j and xi[j] == 0]
        if len(pairs) > limit:
            pairs = [pairs[k] for k in rng.choice(len(pairs), limit, replace=False)]
        points = []
        for i, j in pairs:
            point = xi.copy()
            point[j], point[i] = xi[i], 0.0
            points.append(point)
        left = float(self.budget) - float(xi.sum())
        if left > 1e-9:
            for j in outside[: max(limit - len(points), 0)]:
                point = xi.copy()
                point[j] = min(1.0, xi[j] + left)
                points.append(point)
        return np.asarray(points).reshape(-1, self.dimension)
