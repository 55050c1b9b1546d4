"""Labels of all columns or rows of a NameMap in one linear pass (kept for callers of the old helpers).

Example:
    >>> import numpy as np
    >>> from ormodel.standard_form import Block, NameMap
    >>> column_labels(NameMap(variables=[Block("x", 0, 2, (2,), ((np.array(["a", "b"]),),))]), 2)
    ['x[a]', 'x[b]']
"""

from __future__ import annotations

from ormodel.standard_form import NameMap

__all__ = ["column_labels", "row_labels"]


def column_labels(names: NameMap, count: int) -> list[str]:
    """Labels of the first ``count`` columns (``c<j>`` where no block covers a column)."""
    return names.column_labels(count)


def row_labels(names: NameMap, count: int) -> list[str]:
    """Labels of the first ``count`` rows (``r<i>`` where no block covers a row)."""
    return names.row_labels(count)
