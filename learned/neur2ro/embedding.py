"""ReLU networks inside a MIP by big-M, with bounds from interval arithmetic.

``h = max(z, 0)`` for a pre-activation ``z`` with bounds ``[L, U]`` becomes

* ``U <= 0``: ``h = 0`` (no column); ``L >= 0``: ``h = z`` (no column);
* otherwise a column ``h in [0, U]``, a binary ``d`` and ``h >= z``, ``h <= z - L (1 - d)``, ``h <= U d``,

which is exact (the feasible ``h`` is ``max(z, 0)`` for every ``z`` in ``[L, U]``). Bounds come
from interval arithmetic over the columns' bounds (:meth:`MipBuilder.bounds`), layer by layer;
stably active or inactive units cost nothing. Everything is plain rows and columns of a
:class:`~ormodel.standard_form.StandardForm`, so it runs on every ormodel backend (see
``docs/neur2ro.md`` for the comparison with OMLT and PySCIPOpt-ML).

Example:
    >>> import numpy as np
    >>> from ormodel.learned.neur2ro.mip import Affine, MipBuilder
    >>> builder = MipBuilder()
    >>> inputs = builder.add_variables("u", 1, lower=-1.0, upper=1.0)
    >>> output = add_mlp(builder, "net", Affine.of_columns(inputs), [(np.array([[1.0]]), None), (np.array([[2.0]]), None)])
    >>> [float(v) for v in builder.bounds(output)[1]]
    [2.0]
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from ormodel.learned.neur2ro.mip import Affine, MipBuilder

__all__ = ["add_relu", "add_mlp", "tightened", "EmbeddingStats"]

#: a linear layer as ``(weight (out, in), bias (out,) or None)``
Layer = tuple[np.ndarray, "np.ndarray | None"]

_MATERIALIZE_COLUMNS = 24


class EmbeddingStats:
    """Counts of ReLU units by how they were encoded (for reports)."""

    def __init__(self) -> None:
        self.binary = 0
        self.stable_active = 0
        self.stable_inactive = 0

    def as_dict(self) -> dict[str, int]:
        """``{"binary": .., "stable_active": .., "stable_inactive": ..}``."""
        return {"binary": self.binary, "stable_active": self.stable_active, "stable_inactive": self.stable_inactive}


def add_relu(builder: MipBuilder, name: str, pre_activation: Affine, stats: EmbeddingStats | None = None) -> Affine:
    """``max(pre_activation, 0)`` as an affine expression over new (or existing) columns."""
    if pre_activation.columns.size > max(_MATERIALIZE_COLUMNS, 2 * pre_activation.size):
        pre_activation = builder.materialize(f"{name}_pre", pre_activation)
    lower, upper = builder.bounds(pre_activation)
    if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        raise ValueError(f"{name}: a ReLU input is unbounded; bound every input variable of an embedded network")
    inactive = upper <= 0.0
    active = lower >= 0.0
    unstable = ~(inactive | active)
    if stats is not None:
        stats.binary += int(unstable.sum())
        stats.stable_active += int(active.sum())
        stats.stable_inactive += int(inactive.sum())
    size = pre_activation.size
    output_columns = [pre_activation.columns]
    output_coefficients = np.zeros((size, 0))
    coefficients = np.where(active[:, None], pre_activation.coefficients, 0.0)
    constant = np.where(active, pre_activation.constant, 0.0)
    if unstable.any():
        rows = np.flatnonzero(unstable)
        count = rows.size
        hidden = builder.add_variables(f"{name}_out", count, lower=0.0, upper=upper[rows])
        switch = builder.add_variables(f"{name}_on", count, lower=0.0, upper=1.0, integer=True)
        pre = pre_activation.select(rows)
        identity = np.eye(count)
        # h - z >= 0
        builder.add_rows(f"{name}_above_input", Affine.of_columns(hidden, identity) + _negate(pre), lower=0.0)
        # h - z - L d <= -L
        builder.add_rows(f"{name}_below_input", Affine.of_columns(hidden, identity) + _negate(pre)
                         + Affine.of_columns(switch, -np.diag(lower[rows])), upper=-lower[rows])
        # h - U d <= 0
        builder.add_rows(f"{name}_off", Affine.of_columns(np.concatenate([hidden, switch]),
                                                          np.hstack([identity, -np.diag(upper[rows])])), upper=0.0)
        builder.define(hidden, lambda values, pre=pre: np.maximum(pre.evaluate(values), 0.0))
        builder.define(switch, lambda values, pre=pre: (pre.evaluate(values) > 0.0).astype(np.float64))
        output_coefficients = np.zeros((size, count))
        output_coefficients[rows, np.arange(count)] = 1.0
        output_columns.append(hidden)
    columns = np.concatenate(output_columns)
    return Affine(columns, np.hstack([coefficients, output_coefficients]), constant).compact()


def _negate(expression: Affine) -> Affine:
    return Affine(expression.columns, -expression.coefficients, -expression.constant)


def tightened(builder: MipBuilder, name: str, expression: Affine, deadline: float | None = None) -> Affine:
    """``expression`` as new columns whose bounds are tightened over the LP relaxation of the model so far.

    ``deadline`` (a ``time.perf_counter()`` value) stops the tightening; untightened bounds stay valid.
    """
    materialized = builder.materialize(name, expression)
    time_limit = 5.0 if deadline is None else deadline - time.perf_counter()
    if time_limit > 0:
        builder.tighten_bounds(materialized.columns, time_limit=time_limit)
    return materialized


def add_mlp(builder: MipBuilder, name: str, inputs: Affine, layers: Sequence[Layer], stats: EmbeddingStats | None = None,
            final_relu: bool = False, tighten: bool = False, deadline: float | None = None) -> Affine:
    """A ReLU MLP (ReLU between layers; after the last one only if ``final_relu``) applied to ``inputs``.

    With ``tighten`` every pre-activation gets its own columns with bounds from the LP relaxation
    (:meth:`MipBuilder.tighten_bounds`) instead of interval arithmetic alone: fewer unstable units
    and smaller big-M values, at the price of two LPs per unit.
    """
    hidden = inputs
    for position, (weight, bias) in enumerate(layers):
        hidden = hidden.left_multiply(weight, bias)
        if position < len(layers) - 1 or final_relu:
            if tighten:
                hidden = tightened(builder, f"{name}_{position}_pre", hidden, deadline)
            hidden = add_relu(builder, f"{name}_{position}", hidden, stats)
    return hidden
