"""Assemble generated instances into a named :class:`~ormodel.standard_form.StandardForm`.

Generators describe their model as blocks of columns and rows (``x[12]``, ``cover[3]``) plus
COO triplets; this module turns that into the CSR matrix and the :class:`NameMap`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ormodel.standard_form import Block, NameMap, Sense, StandardForm

__all__ = ["ColumnFamily", "RowFamily", "assemble", "dense_block", "keyed_block"]


def dense_block(name: str, start: int, shape: tuple[int, ...]) -> Block:
    """A block over the product of ``range(n)`` index sets: element ``k`` reads ``name[i,j]``."""
    size = int(np.prod(shape)) if shape else 1
    members = tuple((np.arange(extent, dtype=np.int64),) for extent in shape)
    return Block(name=name, start=start, size=size, shape=tuple(int(extent) for extent in shape), index_members=members)


def keyed_block(name: str, start: int, keys: np.ndarray) -> Block:
    """A block whose elements carry explicit integer keys (one row of ``keys`` per element)."""
    keys = np.asarray(keys, dtype=np.int64)
    if keys.ndim == 1:
        keys = keys[:, None]
    columns = tuple(np.ascontiguousarray(keys[:, position]) for position in range(keys.shape[1]))
    return Block(name=name, start=start, size=int(keys.shape[0]), key_columns=columns)


@dataclass
class ColumnFamily:
    """A family of variables: its index shape (or explicit keys), costs, bounds and type."""

    name: str
    cost: np.ndarray
    lower: float | np.ndarray = 0.0
    upper: float | np.ndarray = 1.0
    integer: bool = True
    shape: tuple[int, ...] | None = None
    keys: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(np.asarray(self.cost).shape[0])


@dataclass
class RowFamily:
    """A family of constraints: COO entries with row offsets local to the family, and row bounds."""

    name: str
    count: int
    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    lower: float | np.ndarray = -np.inf
    upper: float | np.ndarray = np.inf
    shape: tuple[int, ...] | None = None
    keys: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _block(name: str, start: int, size: int, shape: tuple[int, ...] | None, keys: np.ndarray | None) -> Block:
    if keys is not None:
        return keyed_block(name, start, keys)
    return dense_block(name, start, shape if shape is not None else (size,))


def assemble(
    name: str,
    sense: Sense,
    columns: Sequence[ColumnFamily],
    rows: Sequence[RowFamily],
) -> StandardForm:
    """Stack column and row families into one StandardForm with a NameMap.

    Row families give column indices in the global numbering (offsets of earlier column
    families included); their row indices are local to the family.
    """
    names = NameMap()
    start = 0
    costs, lowers, uppers, integrality = [], [], [], []
    for family in columns:
        size = family.size
        names.variables.append(_block(family.name, start, size, family.shape, family.keys))
        costs.append(np.asarray(family.cost, dtype=np.float64))
        lowers.append(np.broadcast_to(np.asarray(family.lower, dtype=np.float64), (size,)))
        uppers.append(np.broadcast_to(np.asarray(family.upper, dtype=np.float64), (size,)))
        integrality.append(np.full(size, family.integer, dtype=bool))
        start += size
    column_count = start
    row_start = 0
    row_index, column_index, values, row_lower, row_upper = [], [], [], [], []
    for row_family in rows:
        count = row_family.count
        names.constraints.append(_block(row_family.name, row_start, count, row_family.shape, row_family.keys))
        row_index.append(np.asarray(row_family.rows, dtype=np.int64) + row_start)
        column_index.append(np.asarray(row_family.columns, dtype=np.int64))
        values.append(np.asarray(row_family.values, dtype=np.float64))
        row_lower.append(np.broadcast_to(np.asarray(row_family.lower, dtype=np.float64), (count,)))
        row_upper.append(np.broadcast_to(np.asarray(row_family.upper, dtype=np.float64), (count,)))
        row_start += count
    matrix = sp.csr_array(
        (np.concatenate(values), (np.concatenate(row_index), np.concatenate(column_index))),
        shape=(row_start, column_count),
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return StandardForm.from_arrays(
        objective=np.concatenate(costs),
        matrix=matrix,
        row_lower=np.concatenate(row_lower),
        row_upper=np.concatenate(row_upper),
        column_lower=np.concatenate(lowers),
        column_upper=np.concatenate(uppers),
        integrality=np.concatenate(integrality),
        sense=sense,
        names=names,
        name=name,
    )
