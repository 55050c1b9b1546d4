"""Interval bounds of linear expressions from column bounds: the one routine the compiler and the MIP builders share.

A linear expression vector is given as triplets (``rows``, ``columns``, ``coefficients``) plus a
constant per row. Each row's range over the box ``lower <= v <= upper`` is
``constant + sum(min(a l, a u))`` .. ``constant + sum(max(a l, a u))``; a zero coefficient
contributes nothing even against an infinite bound, and an infinite bound makes the row's range
infinite on that side.

Example:
    >>> import numpy as np
    >>> low, high = linear_interval(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([2.0, -1.0, 3.0]),
    ...                             np.array([1.0, 0.0]), np.array([0.0, -1.0]), np.array([1.0, np.inf]))
    >>> low.tolist(), high.tolist()
    ([0.0, -3.0], [4.0, inf])
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_interval", "linear_interval"]

_HUGE = 1e300


def linear_interval(rows: np.ndarray, columns: np.ndarray, coefficients: np.ndarray, constant: np.ndarray,
                    lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise lower and upper bounds of ``constant + sum coefficients * v[columns]`` over ``lower <= v <= upper``."""
    constant = np.asarray(constant, dtype=np.float64)
    size = constant.size
    coefficients = np.asarray(coefficients, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        low = np.where(coefficients >= 0, coefficients * lower[columns], coefficients * upper[columns])
        high = np.where(coefficients >= 0, coefficients * upper[columns], coefficients * lower[columns])
    low = np.where(coefficients == 0, 0.0, low)
    high = np.where(coefficients == 0, 0.0, high)
    low_sum = np.bincount(rows, weights=np.nan_to_num(low, neginf=-_HUGE, posinf=_HUGE), minlength=size)[:size]
    high_sum = np.bincount(rows, weights=np.nan_to_num(high, neginf=-_HUGE, posinf=_HUGE), minlength=size)[:size]
    result_low = constant + low_sum
    result_high = constant + high_sum
    result_low = np.where(result_low <= -_HUGE / 10, -np.inf, result_low)
    result_high = np.where(result_high >= _HUGE / 10, np.inf, result_high)
    return result_low, result_high


def dense_interval(columns: np.ndarray, coefficients: np.ndarray, constant: np.ndarray,
                   lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`linear_interval` for a dense ``(rows, len(columns))`` coefficient matrix."""
    coefficients = np.asarray(coefficients, dtype=np.float64)
    size, width = coefficients.shape
    rows = np.repeat(np.arange(size), width)
    return linear_interval(rows, np.tile(np.asarray(columns, dtype=np.int64), size), coefficients.reshape(-1), constant, lower, upper)
