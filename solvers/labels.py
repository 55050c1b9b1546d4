"""Labels of all columns or rows of a NameMap in one linear pass.

``NameMap.column_label(j)`` finds the block of one position; calling it for every column of a
model read from MPS (one block per column) is quadratic. These helpers walk the blocks once.

Example:
    >>> import numpy as np
    >>> from ormodel.standard_form import Block, NameMap
    >>> column_labels(NameMap(variables=[Block("x", 0, 2, (2,), ((np.array(["a", "b"]),),))]), 2)
    ['x[a]', 'x[b]']
"""

from __future__ import annotations

from ormodel.standard_form import Block, NameMap

__all__ = ["column_labels", "row_labels"]


def _labels(blocks: list[Block], count: int, prefix: str) -> list[str]:
    labels = [f"{prefix}{position}" for position in range(count)]
    for block in blocks:
        for offset in range(block.size):
            position = block.start + offset
            if position < count:
                labels[position] = block.label(offset)
    return labels


def column_labels(names: NameMap, count: int) -> list[str]:
    """Labels of the first ``count`` columns (``c<j>`` where no block covers a column)."""
    return _labels(names.variables, count, "c")


def row_labels(names: NameMap, count: int) -> list[str]:
    """Labels of the first ``count`` rows (``r<i>`` where no block covers a row)."""
    return _labels(names.constraints, count, "r")

